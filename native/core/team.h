// A team of threads working through one training call together (bn_team_run): each owns a slice
// of every layer's units (bn_split, bn_shares) and they meet at a barrier (bn_barrier) wherever one
// needs what another wrote; those live in pool.h. Here: the per-call decisions of how a call runs.
// Header-only; used by train_batches.cc and bench.cc.
#ifndef BLASNET_TEAM_H
#define BLASNET_TEAM_H

#include <cstdint>

#include "blasnet_core.h"
#include "pool.h"
#include "tuning.h"

// How many parts a training call's team has for mini-batches of `batch` rows: as many as the
// largest product of a step is worth (bn_team_parts), where the AVX-512 kernels take every
// product (elsewhere each large product is split on its own, in gemm.cc or kernel.cc), at most
// kMaxParts. 1: alone.
inline int bn_team_size(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != BN_ISA_AVX512) return 1;
  double largest = 0.0;
  for (int l = 1; l <= layout.L; l++) {
    const double macs = static_cast<double>(batch) * layout.sizes[l] * layout.sizes[l - 1];
    largest = macs > largest ? macs : largest;
  }
  const int parts = bn_team_parts(largest);
  return parts > bn_shares::kMaxParts ? bn_shares::kMaxParts : parts;
}

// Whether every part of a team computes the whole output layer itself (train_batches.cc): where
// its product is small against the step's largest (bn_tuning::kOutputEverywhereRatio). Never for
// one weight layer, which is all there is.
inline bool bn_output_everywhere(const bn_layout& layout) {
  const int L = layout.L;
  if (L < 2) return false;
  double largest = 0.0;
  for (int l = 1; l < L; l++) {
    const double weights =
        static_cast<double>(layout.sizes[l]) * static_cast<double>(layout.sizes[l - 1]);
    largest = weights > largest ? weights : largest;
  }
  return bn_tuning::kOutputEverywhereRatio * static_cast<double>(layout.sizes[L]) *
             static_cast<double>(layout.sizes[L - 1]) <=
         largest;
}

// Whether a training call keeps w^1 transposed (train_batches.cc): where the AVX-512 kernels take
// the products and the first layer is hidden and large (bn_tuning::kFirstTransposedMacs: why).
// Independent of the threads, so that one thread or several give the same bits.
inline bool bn_first_transposed(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != BN_ISA_AVX512 || layout.L < 2) return false;
  return static_cast<double>(batch) * layout.sizes[1] * layout.sizes[0] >=
         bn_tuning::kFirstTransposedMacs;
}

// Whether a team meets after BP2 at layer l (l >= 2): when BP2 at l − 1 follows, it needs all of
// δ^(l−1); when l < L, every part must be done reading the columns of w^l before any steps its
// rows. After the output layer's BP2 with l − 1 = 1 neither holds: w^L is stepped by the columns
// each part just read, and the step of w^1 reads only the part's own units of δ^1.
inline bool bn_barrier_after_bp2(int L, int l) {
  return l < L || l - 1 > 1;
}

#endif  // BLASNET_TEAM_H
