// The core's own thread pool and how work is split over it: one product's rows or columns
// (bn_split, bn_split_parts; kernel.cc), a BLAS product's blocks (gemm.cc), and a training call's
// team (bn_team_run, bn_barrier, bn_shares; train_batches.cc, train_phases.cc). The pool exists where
// the kernels do (platform.h); elsewhere every call here runs alone, and BLAS threads itself.
#ifndef BLASNET_POOL_H
#define BLASNET_POOL_H

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "tuning.h"

// Whether this build has the pool (x86-64 with GCC or Clang). Where it has, large BLAS products
// are split over it with OpenBLAS single-threaded (gemm.cc); where not, OpenBLAS runs its own
// threads.
bool bn_has_pool();

// Threads the pool may use for one product or team (large ones only). Default: the CPU's hardware
// threads. bn_set_threads sets this and BLAS's count together.
void bn_kernel_set_threads(int n);
int bn_kernel_threads();

// Part `part` of `parts` of the range [0, n), at multiples of 16 (a vector of 16 floats, two row
// tiles of 8, four of 4): [*lo, *hi). The one rule by which products and the training step split
// the units of a layer, so that every split of the same layer gives each thread the same units.
void bn_split(int64_t n, int part, int parts, int64_t* lo, int64_t* hi);
constexpr int64_t BN_SPLIT_ALIGN = 16;  // the multiple every split of a layer's units falls at

// How many threads one product of `macs` multiply-adds is split over (1: not split), from
// bn_tuning::kSplitMacsPerThread (or BLASNET_MIN_MACS_PER_THREAD) and bn_kernel_threads().
int bn_split_parts(double macs);

// Runs fn(ctx, part, parts) for every part at once, part 0 on the calling thread and the others on
// the pool's worker threads, and returns when all are done; false (running nothing) when the pool
// is busy with another caller, or there is none. Parts may wait for each other (bn_barrier).
bool bn_team_run(int parts, void (*fn)(const void* ctx, int part, int parts), const void* ctx);
// How many threads a training step whose largest product is `macs` multiply-adds should run on
// as a team (1: alone); a higher threshold than one product's split (bn_tuning).
int bn_team_parts(double macs);

// Stops and joins every thread of the pool (the team's too: it runs on the pool), waiting for a
// call in progress to finish first. The binding calls it when the last Node environment using the
// addon is cleaned up, before Node may unload the addon: a thread of ours must never outlive the
// code it runs. Later calls start a new pool. Safe to call at any time.
void bn_pool_shutdown();
// The pool's threads now running, besides the caller's (0 until a product or team needs them).
int bn_pool_threads();

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
  // its share over its busy time; the new shares move part of the way toward the speeds'
  // proportions (bn_tuning::kShareStep, kShareFloor).
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
      double next = (1.0 - bn_tuning::kShareStep) * share_[t] + bn_tuning::kShareStep * target;
      // Never starve a part: a stall of one step must not hand all the work to the other.
      const double floor = bn_tuning::kShareFloor / parts_;
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

#endif  // BLASNET_POOL_H
