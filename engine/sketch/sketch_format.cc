#include "engine/sketch/sketch_format.h"

#include <xxhash.h>

#include <bit>
#include <cmath>

#include "engine/sketch/bin_encoding.h"
#include "engine/sketch/fixed_point_sum.h"
#include "engine/util/status_macros.h"

namespace tally::sketch {

static_assert(std::endian::native == std::endian::little,
              "the sketch decoder loads little-endian words directly");

namespace {

constexpr uint8_t Bit(SketchFlag f) { return static_cast<uint8_t>(f); }

bool IsIntegral(double v) { return v == std::floor(v); }  // callers pass values in [0, 2^62]

Status CorruptionAt(const ByteReader& in, const uint8_t* start, std::string_view what) {
  return Status::Corruption("sketch: " + std::string(what) + " (at byte " +
                            std::to_string(in.position() - start) + ")");
}

// Whether min and max lie in the end bins of the range [first_index, first_index + span) under
// `mapping`: what is wrong, or nullptr.
const char* BinRangeMismatch(const LogMapping& mapping, const SketchParts& p, bool has_zeros, uint64_t span) {
  const int64_t last_index = p.first_index + static_cast<int64_t>(span) - 1;
  if (mapping.Index(p.max) != last_index) return "max is not in the highest bin";
  if (has_zeros) return nullptr;
  const int32_t min_index = mapping.Index(p.min);
  if (p.collapsed) return min_index > p.first_index ? "min above the lowest bin" : nullptr;
  return min_index != p.first_index ? "min is not in the lowest bin" : nullptr;
}

// The same for bytes with an alpha other than the caller's: builds that mapping (rare; kept out
// of line so the common path carries no mapping object).
[[gnu::noinline]] const char* BinRangeMismatchOwnMapping(const SketchParts& p, bool has_zeros, uint64_t span) {
  return BinRangeMismatch(LogMapping(p.alpha_ppm), p, has_zeros, span);
}

// Status::OK() value-initializes, which zero-fills the Status before constructing it; a
// default-initialized Status is the same OK status without the fill. (Decoding runs once per
// stored sketch merged; the fill showed up in its profile.)
Status Ok() {
  Status ok;
  return ok;
}

}  // namespace

uint32_t SketchChecksum(std::string_view covered_bytes) {
  return static_cast<uint32_t>(XXH3_64bits(covered_bytes.data(), covered_bytes.size()));
}

void EncodeSketch(const SketchParts& parts, std::string* out) {
  const size_t start = out->size();
  ByteWriter w(out);
  const bool has_zeros = parts.zero_count > 0;
  const bool has_positive = parts.count > parts.zero_count;

  uint8_t flags = 0;
  size_t dense_size = 0, sparse_size = 0;
  if (has_zeros) flags |= Bit(SketchFlag::kHasZeros);
  if (has_positive) {
    if (parts.collapsed) flags |= Bit(SketchFlag::kCollapsed);
    dense_size = parts.bins.Visit([](auto counts) { return DenseEncodedSize(counts); });
    sparse_size = parts.bins.Visit([](auto counts) { return SparseEncodedSize(counts); });
    if (sparse_size < dense_size) flags |= Bit(SketchFlag::kSparseBins);
    if ((parts.sum_units & FixedPointSum::kFractionMask) == 0) flags |= Bit(SketchFlag::kIntegralSum);
    if (IsIntegral(parts.max) && (has_zeros || IsIntegral(parts.min))) {
      flags |= Bit(SketchFlag::kIntegralMinMax);
    }
  }

  w.PutByte(kFormatVersion);
  w.PutByte(flags);
  w.PutByte(LogMapping::kKindOctaveLog);
  w.PutVarint64(parts.alpha_ppm);
  w.PutVarint64(parts.bin_limit);
  w.PutVarint64(parts.count);
  if (has_zeros) w.PutVarint64(parts.zero_count);
  if (has_positive) {
    if (flags & Bit(SketchFlag::kIntegralSum)) {
      w.PutVarint128(parts.sum_units >> FixedPointSum::kFractionBits);
    } else {
      w.PutVarint128(parts.sum_units);
    }
    if (flags & Bit(SketchFlag::kIntegralMinMax)) {
      // Both are integers in [0, 2^62]; the spread is usually shorter than max itself.
      const auto max = static_cast<uint64_t>(parts.max);
      if (has_zeros) {
        w.PutVarint64(max);
      } else {
        const auto min = static_cast<uint64_t>(parts.min);
        w.PutVarint64(min);
        w.PutVarint64(max - min);
      }
    } else {
      if (!has_zeros) w.PutFixed64(std::bit_cast<uint64_t>(parts.min));
      w.PutFixed64(std::bit_cast<uint64_t>(parts.max));
    }
    w.PutSignedVarint(parts.first_index);
    w.PutVarint64(parts.bins.size());
    if (flags & Bit(SketchFlag::kSparseBins)) {
      parts.bins.Visit([&w](auto counts) { EncodeSparse(counts, w); });
    } else {
      parts.bins.Visit([&w](auto counts) { EncodeDense(counts, w); });
    }
  }
  w.PutFixed32(SketchChecksum(std::string_view(*out).substr(start)));
}

Status DecodeSketchHeader(std::string_view bytes, const LogMapping* mapping_hint, SketchParts* parts,
                          EncodedBins* bins) {
  // The checksum comes first so that any damaged byte, the version byte included, is reported as
  // Corruption. Every format version ends with this checksum.
  if (bytes.size() < 3 + 3 + kChecksumSize) {
    return Status::Corruption("sketch: " + std::to_string(bytes.size()) +
                              " bytes is shorter than any encoded sketch");
  }
  const std::string_view covered = bytes.substr(0, bytes.size() - kChecksumSize);
  uint32_t stored = 0;
  for (size_t i = 0; i < kChecksumSize; ++i) {
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[covered.size() + i])) << (8 * i);
  }
  const uint32_t computed = SketchChecksum(covered);
  if (stored != computed) {
    return Status::Corruption("sketch: checksum mismatch over " + std::to_string(covered.size()) +
                              " bytes (stored " + std::to_string(stored) + ", computed " +
                              std::to_string(computed) + ")");
  }

  ByteReader in(covered);
  const auto* start = reinterpret_cast<const uint8_t*>(covered.data());
  const uint8_t version = in.GetByte();
  if (version != kFormatVersion) {
    return Status::NotSupported("sketch: format version " + std::to_string(version) +
                                " (this build reads version " + std::to_string(kFormatVersion) + ")");
  }
  const uint8_t flags = in.GetByte();
  if (flags & ~kKnownFlags) {
    return Status::NotSupported("sketch: unknown flag bits " + std::to_string(flags & ~kKnownFlags));
  }
  const uint8_t mapping_kind = in.GetByte();
  if (mapping_kind != LogMapping::kKindOctaveLog) {
    return Status::NotSupported("sketch: unknown mapping kind " + std::to_string(mapping_kind));
  }
  const uint64_t alpha_ppm = in.GetVarint64();
  const uint64_t bin_limit = in.GetVarint64();
  const uint64_t count = in.GetVarint64();
  if (!in.ok()) return CorruptionAt(in, start, in.error());
  if (alpha_ppm < kMinAlphaPpm || alpha_ppm > kMaxAlphaPpm) {
    return Status::Corruption("sketch: relative accuracy " + std::to_string(alpha_ppm) +
                              " ppm out of range");
  }
  if (bin_limit < kMinBinLimit || bin_limit > kMaxBinLimit) {
    return Status::Corruption("sketch: bin limit " + std::to_string(bin_limit) + " out of range");
  }

  // Fill *parts in place (it is unspecified on error): a local copy costs a block move per call.
  SketchParts& p = *parts;
  p.alpha_ppm = static_cast<uint32_t>(alpha_ppm);
  p.bin_limit = static_cast<uint32_t>(bin_limit);
  p.count = count;
  p.zero_count = 0;
  const bool has_zeros = flags & Bit(SketchFlag::kHasZeros);
  if (has_zeros) {
    p.zero_count = in.GetVarint64();
    if (!in.ok()) return CorruptionAt(in, start, in.error());
    if (p.zero_count == 0 || p.zero_count > count) {
      return Status::Corruption("sketch: zero count " + std::to_string(p.zero_count) +
                                " not in [1, count " + std::to_string(count) + "]");
    }
  }
  const uint64_t positive = count - p.zero_count;
  if (positive == 0) {
    // Empty, or zeros only: nothing else may follow and no other flag applies.
    if ((flags & ~Bit(SketchFlag::kHasZeros)) != 0) {
      return Status::Corruption("sketch: flags " + std::to_string(flags) +
                                " set on a sketch without positive values");
    }
    if (in.remaining() != 0) return CorruptionAt(in, start, "trailing bytes");
    p.sum_units = 0;
    p.min = 0;
    p.max = 0;
    p.collapsed = false;
    p.first_index = 0;
    p.bins = {};
    bins->span = 0;
    return Ok();
  }

  // Sum.
  const uint128 stored_sum = in.GetVarint128();
  if (flags & Bit(SketchFlag::kIntegralSum)) {
    if ((stored_sum >> (128 - FixedPointSum::kFractionBits)) != 0) {
      return CorruptionAt(in, start, "sum out of range");
    }
    p.sum_units = stored_sum << FixedPointSum::kFractionBits;
  } else {
    p.sum_units = stored_sum;
    if (in.ok() && (stored_sum & FixedPointSum::kFractionMask) == 0) {
      return CorruptionAt(in, start, "integral sum without its flag");
    }
  }

  // Min and max.
  if (flags & Bit(SketchFlag::kIntegralMinMax)) {
    const uint64_t first = in.GetVarint64();
    const uint64_t second = has_zeros ? 0 : in.GetVarint64();
    if (!in.ok()) return CorruptionAt(in, start, in.error());
    const uint64_t limit = static_cast<uint64_t>(kMaxValue);
    if (has_zeros) {
      if (first > limit) return CorruptionAt(in, start, "max above the largest value");
      p.min = 0;
      p.max = static_cast<double>(first);
    } else {
      if (first > limit || second > limit - first) {
        return CorruptionAt(in, start, "min or max above the largest value");
      }
      p.min = static_cast<double>(first);
      p.max = static_cast<double>(first + second);
    }
  } else {
    p.min = has_zeros ? 0.0 : std::bit_cast<double>(in.GetFixed64());
    p.max = std::bit_cast<double>(in.GetFixed64());
    if (!in.ok()) return CorruptionAt(in, start, in.error());
    // NaN fails every comparison below.
    if (!(p.max <= kMaxValue) || !(p.min >= 0)) {
      return CorruptionAt(in, start, "min or max out of range");
    }
    if (IsIntegral(p.max) && (has_zeros || IsIntegral(p.min))) {
      return CorruptionAt(in, start, "integral min and max without their flag");
    }
  }
  if (!(p.max > 0) || (!has_zeros && !(p.min > 0)) || p.min > p.max) {
    return CorruptionAt(in, start, "min and max inconsistent with the counts");
  }

  // Bins.
  const int64_t first_index = in.GetSignedVarint();
  const uint64_t span = in.GetVarint64();
  if (!in.ok()) return CorruptionAt(in, start, in.error());
  if (span == 0 || span > bin_limit) {
    return CorruptionAt(in, start, "bin range of " + std::to_string(span) + " bins (limit " +
                                       std::to_string(bin_limit) + ")");
  }
  if (first_index < std::numeric_limits<int32_t>::min() ||
      first_index > std::numeric_limits<int32_t>::max() - static_cast<int64_t>(span)) {
    return CorruptionAt(in, start, "bin index out of range");
  }
  // Each dense group takes a byte, each sparse entry one: cap before allocating.
  const bool sparse = flags & Bit(SketchFlag::kSparseBins);
  const uint64_t min_bytes = sparse ? 1 : (span + kDenseGroupSize - 1) / kDenseGroupSize;
  if (in.remaining() < min_bytes) return CorruptionAt(in, start, "truncated bins");

  // The bins must agree with min and max under the stored mapping.
  p.collapsed = flags & Bit(SketchFlag::kCollapsed);
  p.first_index = static_cast<int32_t>(first_index);
  if (p.collapsed && span != bin_limit) {
    return Status::Corruption("sketch: collapsed but bins span less than the limit");
  }
  const char* mismatch = mapping_hint != nullptr && mapping_hint->alpha_ppm() == p.alpha_ppm
                             ? BinRangeMismatch(*mapping_hint, p, has_zeros, span)
                             : BinRangeMismatchOwnMapping(p, has_zeros, span);
  if (mismatch != nullptr) return Status::Corruption(std::string("sketch: ") + mismatch);
  bins->sparse = sparse;
  bins->span = static_cast<size_t>(span);
  bins->bytes = {in.position(), in.remaining()};
  bins->offset = static_cast<size_t>(in.position() - start);
  bins->sketch = {start, bytes.size()};
  p.bins = {};
  return Ok();
}

namespace {

// Corruption at a byte of the bins, counted from the start of the sketch like CorruptionAt.
Status BinsCorruption(const EncodedBins& bins, const ByteReader& in, std::string_view what) {
  return Status::Corruption("sketch: " + std::string(what) + " (at byte " +
                            std::to_string(bins.offset + static_cast<size_t>(in.position() - bins.bytes.data())) +
                            ")");
}

}  // namespace

// The checks that need the decoded counts (docs/format.md, "Sketch", invariant 6).
Status CheckDecodedBins(const SketchParts& parts, const DenseSummary& summary) {
  const uint64_t positive = parts.count - parts.zero_count;
  if (summary.total != positive) {
    return Status::Corruption("sketch: bins hold " + std::to_string(static_cast<uint64_t>(summary.total)) +
                              " values, header says " + std::to_string(positive));
  }
  if (summary.first == 0 || summary.last == 0) {
    return Status::Corruption("sketch: bin range does not start and end on non-empty bins");
  }
  return Ok();
}

namespace {

template <typename T>
Status DecodeBinsTo(const EncodedBins& bins, const SketchParts& parts, T* dst) {
  ByteReader in(std::string_view(reinterpret_cast<const char*>(bins.bytes.data()), bins.bytes.size()));
  DenseSummary summary;
  if (bins.sparse) {
    summary.total = DecodeSparse(in, std::span<T>(dst, bins.span));
    if (in.ok()) {
      summary.first = dst[0];
      summary.last = dst[bins.span - 1];
    }
  } else {
    DecodeDense(in, std::span<T>(dst, bins.span), &summary, bins.sketch);
  }
  if (!in.ok()) return BinsCorruption(bins, in, in.error());
  if (in.remaining() != 0) return BinsCorruption(bins, in, "trailing bytes");
  return CheckDecodedBins(parts, summary);
}

template <typename T>
Status AddDecodedDenseBinsTo(const EncodedBins& bins, const SketchParts& parts, T* dst) {
  ByteReader in(std::string_view(reinterpret_cast<const char*>(bins.bytes.data()), bins.bytes.size()));
  DenseSummary summary;
  if (!AddDense(in, dst, bins.span, &summary, bins.sketch)) return BinsCorruption(bins, in, in.error());
  Status status = in.remaining() != 0 ? BinsCorruption(bins, in, "trailing bytes")
                                      : CheckDecodedBins(parts, summary);
  if (!status.ok()) SubtractDense(bins.bytes, dst, bins.span);
  return status;
}

}  // namespace

Status DecodeBins(const EncodedBins& bins, const SketchParts& parts, std::vector<uint64_t>* bin_storage) {
  // Every entry is written by the decoders: resizing a reused buffer fills nothing.
  bin_storage->resize(bins.span);
  return DecodeBinsTo(bins, parts, bin_storage->data());
}

Status DecodeBinsInto(const EncodedBins& bins, const SketchParts& parts, uint32_t* dst) {
  return DecodeBinsTo(bins, parts, dst);
}

Status DecodeBinsInto(const EncodedBins& bins, const SketchParts& parts, uint64_t* dst) {
  return DecodeBinsTo(bins, parts, dst);
}

Status AddDecodedDenseBins(const EncodedBins& bins, const SketchParts& parts, uint32_t* dst) {
  return AddDecodedDenseBinsTo(bins, parts, dst);
}

Status AddDecodedDenseBins(const EncodedBins& bins, const SketchParts& parts, uint64_t* dst) {
  return AddDecodedDenseBinsTo(bins, parts, dst);
}

Status DecodeSketch(std::string_view bytes, const LogMapping* mapping_hint, SketchParts* parts,
                    std::vector<uint64_t>* bin_storage) {
  SketchParts p;
  EncodedBins bins;
  TALLY_RETURN_IF_ERROR(DecodeSketchHeader(bytes, mapping_hint, &p, &bins));
  if (bins.span == 0) {
    bin_storage->clear();
  } else {
    TALLY_RETURN_IF_ERROR(DecodeBins(bins, p, bin_storage));
    p.bins = CountsView{{}, *bin_storage};
  }
  *parts = p;
  return Ok();
}

}  // namespace tally::sketch
