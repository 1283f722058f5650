// A team of threads working through one training call together (bn_team_run): each owns a slice
// of every layer's units (bn_split) and they meet at a barrier wherever one needs what another
// wrote. Header-only; used by train_batches.cc.
#ifndef BLASNET_TEAM_H
#define BLASNET_TEAM_H

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "blasnet_core.h"

// A reusable spinning barrier for `parts` threads that are all running (bn_team_run guarantees
// that: one part per thread). Spins with pause, yielding now and then so that a thread the OS put
// on the same core gets to run. With one part it is free.
class bn_barrier {
 public:
  explicit bn_barrier(int parts) : parts_(parts) {}

  void wait() {
    if (parts_ < 2) return;
    const unsigned generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == parts_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);  // releases everything written before
      return;
    }
    for (unsigned spins = 1; generation_.load(std::memory_order_acquire) == generation; spins++) {
      if ((spins & 63) == 0) std::this_thread::yield();
#if defined(__x86_64__)
      else
        __builtin_ia32_pause();
#endif
    }
  }

 private:
  const int parts_;
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> generation_{0};
};

// How a team divides a layer's units: in proportion to how fast each part has been. On a shared
// machine one core is often slower than the other for seconds at a time (another tenant's
// thread, interrupts), and an even split then leaves the fast core waiting at every barrier:
// measured on W3, the two parts' busy times differed by up to 40%, in either direction from run
// to run. Each part times its share of the split phases; between steps part 0 moves the shares
// toward the measured speeds. The forward and the backward phases keep shares of their own: a core
// can be slower at one than at the other (seen: part 0 10% slower going forward, part 1 15% slower
// going backward, in the same run), and one share for both then left each waiting in turn. The
// split changes only which thread computes an element, never how, so the results do not depend on
// it. Boundaries fall at multiples of 16 units, as in bn_split.
class bn_shares {
 public:
  static constexpr int kMaxParts = 64;

  explicit bn_shares(int parts) : parts_(parts < 1 ? 1 : (parts > kMaxParts ? kMaxParts : parts)) {
    for (int t = 0; t < parts_; t++) {
      share_[t] = 1.0 / parts_;
      busy_[t] = 0.0;
    }
  }

  // Part t's units [*lo, *hi) of a layer of n.
  void split(int64_t n, int t, int64_t* lo, int64_t* hi) const {
    *lo = boundary(n, t);
    *hi = boundary(n, t + 1);
  }

  // Part t was busy `seconds` on its shares during the last step (each part writes only its own).
  void record(int t, double seconds) { busy_[t] = seconds; }

  // Part 0, between steps (after a barrier, before the next split is read): each part's speed is
  // its share over its busy time; the new shares move halfway toward the speeds' proportions.
  void rebalance() {
    double speed[kMaxParts];
    double total = 0.0;
    for (int t = 0; t < parts_; t++) {
      if (!(busy_[t] > 0.0)) return;  // a part without work or timing: keep the shares
      speed[t] = share_[t] / busy_[t];
      total += speed[t];
    }
    for (int t = 0; t < parts_; t++) {
      const double target = speed[t] / total;
      double next = 0.5 * share_[t] + 0.5 * target;
      // Never starve a part: a stall of one step must not hand all the work to the other.
      const double floor = 0.25 / parts_;
      share_[t] = next < floor ? floor : next;
    }
    double sum = 0.0;
    for (int t = 0; t < parts_; t++) sum += share_[t];
    for (int t = 0; t < parts_; t++) share_[t] /= sum;
  }

  static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  int64_t boundary(int64_t n, int t) const {
    if (t <= 0) return 0;
    if (t >= parts_) return n;
    double cumulative = 0.0;
    for (int i = 0; i < t; i++) cumulative += share_[i];
    const int64_t units = (n + BN_SPLIT_ALIGN - 1) / BN_SPLIT_ALIGN;
    const int64_t b =
        static_cast<int64_t>(cumulative * static_cast<double>(units) + 0.5) * BN_SPLIT_ALIGN;
    return b < n ? b : n;
  }

  const int parts_;
  double share_[kMaxParts];
  double busy_[kMaxParts];
};

// How many parts a training call's team has for mini-batches of `batch` rows: as many as the
// largest product of a step is worth (bn_team_parts), where the AVX-512 kernels take every
// product (elsewhere each large product is split on its own, in gemm.cc or kernel.cc), at most
// kMaxParts. 1: alone.
inline int bn_team_size(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != 3) return 1;
  double largest = 0.0;
  for (int l = 1; l <= layout.L; l++) {
    const double macs = static_cast<double>(batch) * layout.sizes[l] * layout.sizes[l - 1];
    largest = macs > largest ? macs : largest;
  }
  const int parts = bn_team_parts(largest);
  return parts > bn_shares::kMaxParts ? bn_shares::kMaxParts : parts;
}

// Whether every part of a team computes the whole output layer itself (train_batches.cc): where
// its product is at most 1/32 of the largest product of a step (W3: 8,000 weights against
// 627,200), doing it once per part costs less than the parts waiting for each other's rows of δ^L.
// Never for one weight layer, which is all there is.
inline bool bn_output_everywhere(const bn_layout& layout) {
  const int L = layout.L;
  if (L < 2) return false;
  double largest = 0.0;
  for (int l = 1; l < L; l++) {
    const double weights =
        static_cast<double>(layout.sizes[l]) * static_cast<double>(layout.sizes[l - 1]);
    largest = weights > largest ? weights : largest;
  }
  return 32.0 * static_cast<double>(layout.sizes[L]) * static_cast<double>(layout.sizes[L - 1]) <=
         largest;
}

// Whether a training call keeps w^1 transposed (train_batches.cc): where the AVX-512 kernels take
// the products and the first layer is hidden and large (a batch's product at least 4M
// multiply-adds). a · wᵀ with wᵀ's rows contiguous runs on the broadcast kernel, measured at
// 128 × 400 × 784 (a part of W3's forward) 195 GFLOP/s on one core against 126–154 for the dot
// kernel on w as it is; whole epochs on one thread, 5M ([784, 100, 10] batch 64; [784, 200, 10]
// batch 32): 0.97x and 0.93x of the time untransposed. Independent of the threads, so that one
// thread or several give the same bits.
inline bool bn_first_transposed(const bn_layout& layout, int64_t batch) {
  if (bn_kernel_isa() != 3 || layout.L < 2) return false;
  return static_cast<double>(batch) * layout.sizes[1] * layout.sizes[0] >= 4194304.0;
}

// Whether a team meets after BP2 at layer l (l >= 2): when BP2 at l − 1 follows, it needs all of
// δ^(l−1); when l < L, every part must be done reading the columns of w^l before any steps its
// rows. After the output layer's BP2 with l − 1 = 1 neither holds: w^L is stepped by the columns
// each part just read, and the step of w^1 reads only the part's own units of δ^1.
inline bool bn_barrier_after_bp2(int L, int l) {
  return l < L || l - 1 > 1;
}

#endif  // BLASNET_TEAM_H
