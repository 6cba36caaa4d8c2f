#include "engine/rollup/cell_row.h"

#include <bit>

#include <xxhash.h>

#include "engine/codec/coding.h"

namespace tally::rollup {
namespace {

constexpr size_t kChecksumBytes = 4;
constexpr size_t kMaxCellBytes = 2u << 20;

uint32_t Checksum(std::string_view bytes) { return static_cast<uint32_t>(XXH3_64bits(bytes.data(), bytes.size())); }

}  // namespace

Status ParseCellRow(std::string_view row, CellRowView* out) {
  if (row.size() < 1 + 8 + kChecksumBytes) return Status::Corruption("rollup row: too short");
  std::string_view body = row.substr(0, row.size() - kChecksumBytes);
  if (Checksum(body) != codec::DecodeFixed32(row.data() + body.size())) {
    return Status::Corruption("rollup row: checksum mismatch");
  }
  codec::Decoder in(body, "rollup row");
  const uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kCellRowVersion) {
    return Status::NotSupported("rollup row: version " + std::to_string(version) + " is not known to this build");
  }
  out->presence = in.ReadFixed64("presence");
  for (uint64_t bits = out->presence; bits != 0 && in.ok(); bits &= bits - 1) {
    out->cells[std::countr_zero(bits)] = in.ReadLengthPrefixed("cell", kMaxCellBytes);
  }
  if (in.ok() && !in.empty()) in.Fail("row", "trailing bytes");
  return in.status();
}

void EncodeCellRow(const CellRowView& view, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kCellRowVersion));
  codec::PutFixed64(out, view.presence);
  for (uint64_t bits = view.presence; bits != 0; bits &= bits - 1) {
    std::string_view cell = view.cells[std::countr_zero(bits)];
    codec::PutVarint64(out, cell.size());
    out->append(cell);
  }
  codec::PutFixed32(out, Checksum(*out));
}

Status MergeCellRows(std::string_view a, std::string_view b, std::string* out) {
  CellRowView va, vb;
  Status s = ParseCellRow(a, &va);
  if (s.ok()) s = ParseCellRow(b, &vb);
  if (!s.ok()) return s;
  CellRowView merged;
  merged.presence = va.presence | vb.presence;
  std::array<std::string, kCellsPerRow> storage;
  for (uint64_t bits = merged.presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    const bool in_a = (va.presence >> i) & 1, in_b = (vb.presence >> i) & 1;
    if (!(in_a && in_b)) {
      merged.cells[i] = in_a ? va.cells[i] : vb.cells[i];
      continue;
    }
    RollupCell ca, cb;
    s = RollupCell::Decode(va.cells[i], &ca);
    if (s.ok()) s = RollupCell::Decode(vb.cells[i], &cb);
    if (s.ok()) s = ca.Merge(cb);
    if (!s.ok()) return s.WithContext("rollup row cell " + std::to_string(i));
    ca.Encode(&storage[i]);
    merged.cells[i] = storage[i];
  }
  EncodeCellRow(merged, out);
  return Status::OK();
}

}  // namespace tally::rollup
