#include "engine/rollup/cell_row.h"

#include <bit>

#include <xxhash.h>

#include "engine/codec/coding.h"

namespace tally::rollup {
namespace {

constexpr uint8_t kVersion1 = 1;
constexpr size_t kMaxVersion1CellBytes = 2u << 20;
// Up to this many cells a row lists their indexes (one byte each) instead of a 64-bit bitmap.
// Do not change: on-disk format.
constexpr int kMaxListedCells = 7;

uint32_t Checksum(const char* data, size_t size) { return static_cast<uint32_t>(XXH3_64bits(data, size)); }

Status ParseVersion1(std::string_view body, CellRowView* out) {
  codec::Decoder in(body, "rollup row");
  in.ReadByte("version");
  out->presence = in.ReadFixed64("presence");
  std::array<std::string_view, kCellsPerRow> old;
  for (uint64_t bits = out->presence; bits != 0 && in.ok(); bits &= bits - 1) {
    old[std::countr_zero(bits)] = in.ReadLengthPrefixed("cell", kMaxVersion1CellBytes);
  }
  if (in.ok() && !in.empty()) in.Fail("row", "trailing bytes");
  if (!in.ok()) return in.status();
  // Convert every cell to the current encoding; remember offsets first, as the storage grows.
  std::array<size_t, kCellsPerRow + 1> offsets{};
  std::string& storage = out->converted_storage;
  storage.clear();
  RollupCell cell;
  for (uint64_t bits = out->presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    Status s = RollupCell::DecodeVersion1(old[i], &cell);
    if (!s.ok()) return s.WithContext("rollup row cell " + std::to_string(i));
    offsets[i] = storage.size();
    cell.Encode(&storage);
  }
  for (uint64_t bits = out->presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    const uint64_t later = bits & (bits - 1);
    const size_t end = later != 0 ? offsets[std::countr_zero(later)] : storage.size();
    out->cells[i] = std::string_view(storage).substr(offsets[i], end - offsets[i]);
  }
  out->converted = true;
  return Status::OK();
}

}  // namespace

char* EncodeRowPrefix(char* p, uint64_t presence) {
  *p++ = static_cast<char>(kCellRowVersion);
  const int cells = std::popcount(presence);
  if (cells <= kMaxListedCells) {
    *p++ = static_cast<char>(cells);
    for (uint64_t bits = presence; bits != 0; bits &= bits - 1) *p++ = static_cast<char>(std::countr_zero(bits));
    return p;
  }
  *p++ = 0;
  codec::EncodeFixed64(p, presence);
  return p + 8;
}

void EncodeRowChecksum(const char* begin, char* end) {
  codec::EncodeFixed32(end, Checksum(begin, static_cast<size_t>(end - begin)));
}

Status ParseCellRow(std::string_view row, CellRowView* out) {
  out->converted = false;
  if (row.size() < 2 + kRowChecksumBytes) return Status::Corruption("rollup row: too short");
  const std::string_view body = row.substr(0, row.size() - kRowChecksumBytes);
  if (Checksum(body.data(), body.size()) != codec::DecodeFixed32(row.data() + body.size())) {
    return Status::Corruption("rollup row: checksum mismatch");
  }
  const uint8_t version = static_cast<uint8_t>(body[0]);
  if (version == kVersion1) return ParseVersion1(body, out);
  if (version != kCellRowVersion) {
    return Status::NotSupported("rollup row: version " + std::to_string(version) + " is not known to this build");
  }
  const uint8_t listed = static_cast<uint8_t>(body[1]);
  size_t pos = 2;
  uint64_t presence = 0;
  if (listed == 0) {
    if (body.size() < pos + 8) return Status::Corruption("rollup row: truncated presence");
    presence = codec::DecodeFixed64(body.data() + pos);
    pos += 8;
    if (std::popcount(presence) <= kMaxListedCells) return Status::Corruption("rollup row: bitmap of few cells");
  } else {
    if (listed > kMaxListedCells || body.size() < pos + listed) return Status::Corruption("rollup row: bad cell list");
    int previous = -1;
    for (int k = 0; k < listed; ++k) {
      const int index = static_cast<uint8_t>(body[pos++]);
      if (index >= kCellsPerRow || index <= previous) return Status::Corruption("rollup row: bad cell index");
      presence |= uint64_t{1} << index;
      previous = index;
    }
  }
  out->presence = presence;
  for (uint64_t bits = presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    size_t length = 0;
    Status s = MeasureCell(body.substr(pos), &length);
    if (!s.ok()) return s.WithContext("rollup row cell " + std::to_string(i));
    out->cells[i] = body.substr(pos, length);
    pos += length;
  }
  if (pos != body.size()) return Status::Corruption("rollup row: trailing bytes");
  return Status::OK();
}

void EncodeCellRow(const CellRowView& view, std::string* out) {
  char prefix[kMaxRowPrefixBytes];
  out->assign(prefix, EncodeRowPrefix(prefix, view.presence));
  for (uint64_t bits = view.presence; bits != 0; bits &= bits - 1) out->append(view.cells[std::countr_zero(bits)]);
  const size_t size = out->size();
  out->resize(size + kRowChecksumBytes);
  EncodeRowChecksum(out->data(), out->data() + size);
}

void RowMerger::Reset() {
  presence_ = 0;
  decoded_ = 0;
}

Status RowMerger::Add(std::string_view row) {
  Status s = ParseCellRow(row, &view_);
  if (!s.ok()) return s;
  for (uint64_t bits = view_.presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    const uint64_t bit = uint64_t{1} << i;
    const std::string_view cell = view_.cells[i];
    if (!(presence_ & bit)) {
      presence_ |= bit;
      // Views into the row stay valid until Finish; converted cells live in view_ and do not.
      if (!view_.converted) {
        single_[i] = cell;
        continue;
      }
      s = RollupCell::Decode(cell, &cells_[i]);
      decoded_ |= bit;
    } else {
      if (!(decoded_ & bit)) {
        s = RollupCell::Decode(single_[i], &cells_[i]);
        decoded_ |= bit;
      }
      if (s.ok()) s = cells_[i].MergeEncoded(cell);
    }
    if (!s.ok()) return s.WithContext("rollup row cell " + std::to_string(i));
  }
  return Status::OK();
}

void RowMerger::Finish(std::string* out) {
  char prefix[kMaxRowPrefixBytes];
  out->assign(prefix, EncodeRowPrefix(prefix, presence_));
  for (uint64_t bits = presence_; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    if (decoded_ & (uint64_t{1} << i)) {
      cells_[i].Encode(out);
    } else {
      out->append(single_[i]);
    }
  }
  const size_t size = out->size();
  out->resize(size + kRowChecksumBytes);
  EncodeRowChecksum(out->data(), out->data() + size);
  Reset();
}

Status MergeCellRows(std::string_view a, std::string_view b, std::string* out) {
  RowMerger merger;
  Status s = merger.Add(a);
  if (s.ok()) s = merger.Add(b);
  if (!s.ok()) return s;
  merger.Finish(out);
  return Status::OK();
}

}  // namespace tally::rollup
