// Inverted dropout (Nielsen, chapter 3; torch.nn.Dropout in train mode) on the hidden layers, with
// a counter-based mask: whether unit j of row r of hidden layer l is kept at training step s is a
// hash of (seed, s, l, r, j) alone, so it does not depend on the order the units are visited in,
// on how the work is split over threads, or on the backend. docs/dropout.md spells the function
// out; lib/backend/js/dropout.ts computes the same bits.
#ifndef BLASNET_CORE_DROPOUT_H
#define BLASNET_CORE_DROPOUT_H

#include <cstdint>

#include "blasnet_core.h"

// The Dropout array of lib/backend/types.ts, decoded: [seed, step, p_1, ..., p_(L−1)].
struct bn_dropout {
  uint32_t seed;
  uint64_t step;  // the first batch's step; batch b of a bn_train_batches call is step + b
  // rates[l − 1] = p_l, the probability that a unit of hidden layer l (1..L−1) is dropped,
  // in [0, 1); L − 1 of them.
  const double* rates;
};

// MurmurHash3's 32-bit finalizer: a bijection of uint32 that mixes every input bit into every
// output bit.
inline uint32_t bn_mix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// The key of one row of one hidden layer at one step (the step taken mod 2^32).
inline uint32_t bn_dropout_row_key(uint32_t seed, uint64_t step, int layer, int64_t row) {
  uint32_t h = bn_mix32(seed);
  h = bn_mix32(h ^ static_cast<uint32_t>(step));
  h = bn_mix32(h ^ static_cast<uint32_t>(layer));
  return bn_mix32(h ^ static_cast<uint32_t>(row));
}

// The 32 random bits of unit j of that row: the row key plus a Weyl step per unit, mixed.
inline uint32_t bn_dropout_bits(uint32_t row_key, int64_t unit) {
  return bn_mix32(row_key + static_cast<uint32_t>(unit) * 0x9e3779b9u);
}

// Whether a dropout layer is valid for `layout`: every rate in [0, 1) (BN_ERR_DROPOUT otherwise).
bn_status bn_dropout_check(const bn_layout& layout, const bn_dropout* dropout);

// The rate of hidden layer l (1..L−1) under dropout (0 without dropout or for the output layer).
double bn_dropout_rate(const bn_layout& layout, const bn_dropout* dropout, int l);

// m[r, j] ← m[r, j] · (kept ? 1/(1 − p_l) : 0) for rows [0, rows), columns [j0, j1) of a
// [rows, ld] block (a^l after σ in forward; δ^l after σ' in backward: the same mask), at `step`.
void bn_dropout_apply(const bn_dropout& dropout, uint64_t step, int l, float* m, int64_t rows,
                      int64_t ld, int64_t j0, int64_t j1);

// BP2's σ' for a hidden layer l with dropout, columns [j0, j1) of [rows, ld] blocks: delta ←
// delta ∘ σ'(z) ∘ mask · 1/(1 − p). σ' needs a = σ(z) before the mask, and the stored a is masked,
// so a is computed again from z by the forward pass's own σ (the same bits).
bn_status bn_dropout_backward(const bn_dropout& dropout, uint64_t step, int l, float* delta,
                              const float* z, const float* a, int64_t rows, int64_t ld, int64_t j0,
                              int64_t j1, int act);

#endif  // BLASNET_CORE_DROPOUT_H
