// A team of threads working through one training call together (bn_team_run): each owns a slice
// of every layer's units (bn_split) and they meet at a barrier wherever one needs what another
// wrote. Header-only; used by the training call (train_batches.cc, train_phases.cc).
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

#endif  // BLASNET_TEAM_H
