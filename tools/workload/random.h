// Random: the workload's own pseudo-random number generator.
//
// The workload must be reproducible forever from its seed, on any compiler and standard library,
// so it does not use <random>: the std:: engines are portable but the std:: distributions are not
// (libstdc++ and libc++ turn the same bits into different numbers). Everything here is plain
// integer arithmetic with a fixed definition:
//   - SplitMix64 (Steele, Lea, Flood 2014) turns a seed into well-mixed 64-bit words; its
//     finalizer Mix64 is a bijection on 64-bit integers, which the event ids rely on;
//   - xoshiro256** (Blackman, Vigna 2018) is the generator proper: fast (a few cycles per word),
//     256 bits of state, good statistical quality.
//
// Thread-safety: a Random is a value; use one per thread.
#pragma once

#include <cstdint>

namespace tally::workload {

// The SplitMix64 output function: a bijection on 64-bit words that mixes every input bit into
// every output bit.
constexpr uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A SplitMix64 sequence: the increment is the golden-ratio constant of the original.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t seed) : state_(seed) {}
  constexpr uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

 private:
  uint64_t state_;
};

class Random {
 public:
  // Seeds the 256-bit state from SplitMix64(seed), as the xoshiro authors recommend; `stream`
  // selects an independent sequence for the same seed (one per purpose, so that drawing more numbers
  // for one purpose never shifts the numbers drawn for another).
  explicit Random(uint64_t seed, uint64_t stream = 0) {
    SplitMix64 seeder(seed ^ Mix64(stream + 0x5851f42d4c957f2dULL));
    for (uint64_t& word : s_) word = seeder.Next();
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits: exactly representable, so the same on every platform.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in (0, 1]: safe to take the logarithm of.
  double UniformPositive() { return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53; }

  // Uniform integer in [0, n) by Lemire's multiply-shift; the bias (below n / 2^64) is irrelevant
  // for n in the thousands and keeps the draw to one word, which keeps streams aligned.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }

  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace tally::workload
