// The core's own thread pool (pool.h): the workers, the thread count, and how many parts a product
// or a training call's team is split into.
#include "pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "platform.h"

#if BN_KERNELS

// A product large enough is split (by rows of C for op(A) = Aᵀ, else by columns) across the
// calling thread and up to threads − 1 workers of a small pool of our own (OpenBLAS runs
// single-threaded: the products it takes are split into blocks over this pool too, gemm.cc). The
// same pool runs a training call's team (bn_team_run, train_batches.cc), whose parts stay on their
// threads for the whole call. Workers spin for a short while after a task, then sleep on a
// condition variable. One product or team uses the pool at a time (a second caller, say another
// worker thread of Node, runs single-threaded meanwhile).
//
// The workers' code lives in blasnet.node, which Node unloads (dlclose) when the last environment
// that loaded it ends: a worker_thread's, when the main thread never loaded the addon. A worker
// still spinning or sleeping here then runs in unmapped memory (SIGSEGV). So the workers are
// joinable, never detached, and bn_pool_shutdown stops and joins them all; the binding calls it
// from the cleanup hook of the last environment (native/binding/addon.cc), before Node unloads the
// image. The next call that needs the pool starts new workers.

namespace {

using part_fn = void (*)(const void* ctx, int part, int parts);

class Pool {
 public:
  // Runs fn(ctx, i, parts) for i in [0, parts): part 0 here, the others on workers. Returns false
  // (running nothing) when another caller holds the pool.
  bool run(int parts, part_fn fn, const void* ctx) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    // The OS may refuse a thread (limits, memory): then the caller runs alone, as when busy.
    while (static_cast<int>(workers_.size()) < parts - 1)
      if (!start_worker()) return false;
    fn_ = fn;
    ctx_ = ctx;
    parts_ = parts;
    done_.store(0, std::memory_order_relaxed);
    const int helpers = static_cast<int>(workers_.size());
    generation_.fetch_add(1, std::memory_order_release);
    { std::lock_guard<std::mutex> lock(sleep_); }
    wake_.notify_all();
    fn(ctx, 0, parts);
    // Every worker reports, those without a part too, so none still reads fn_ / ctx_ after this.
    // Yield now and then: a worker that the OS put on this very core must get to run.
    for (int spins = 1; done_.load(std::memory_order_acquire) < helpers; spins++) {
      if ((spins & 63) == 0)
        std::this_thread::yield();
      else
        pause();
    }
    return true;
  }

  // Stops every worker and joins it. A run in progress (another environment's call) finishes
  // first: this waits for the pool like a caller that must have it. Afterwards the pool is as new.
  void shutdown() {
    std::lock_guard<std::mutex> busy(busy_);
    if (workers_.empty()) return;
    stop_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // publishes stop_ to every worker
    { std::lock_guard<std::mutex> lock(sleep_); }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
    workers_.shrink_to_fit();  // no heap left behind when the image is unloaded
    live_.store(0, std::memory_order_relaxed);
    stop_.store(false, std::memory_order_relaxed);
  }

  // Workers now running (for info(): whether a call started the pool, and that none outlive it).
  int threads() const { return live_.load(std::memory_order_relaxed); }

 private:
  static void pause() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }

  bool start_worker() {
    const int index = static_cast<int>(workers_.size()) + 1;
    const uint64_t seen = generation_.load(std::memory_order_acquire);
    try {
      workers_.emplace_back([this, index, seen] { loop(index, seen); });
    } catch (const std::exception&) {  // std::system_error, or std::bad_alloc from the vector
      return false;
    }
    live_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void loop(int index, uint64_t seen) {
    for (;;) {
      // Spin for the next task (bn_tuning::kPoolSpinMicros), then sleep until woken.
      auto spin_start = std::chrono::steady_clock::now();
      uint64_t g;
      for (int spins = 1; (g = generation_.load(std::memory_order_acquire)) == seen; spins++) {
        if ((spins & 255) == 0) {
          if (std::chrono::steady_clock::now() - spin_start >
              std::chrono::microseconds(bn_tuning::kPoolSpinMicros)) {
            std::unique_lock<std::mutex> lock(sleep_);
            wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
            spin_start = std::chrono::steady_clock::now();
          } else {
            std::this_thread::yield();  // let a thread sharing this core run
          }
        }
        pause();
      }
      seen = g;
      if (stop_.load(std::memory_order_relaxed)) return;  // shutdown(): nothing to report
      if (index < parts_) fn_(ctx_, index, parts_);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  std::mutex busy_;
  std::mutex sleep_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> live_{0};
  part_fn fn_ = nullptr;
  const void* ctx_ = nullptr;
  int parts_ = 1;
  std::vector<std::thread> workers_;
};

// Built in static storage on first use and never destroyed. No destructor may run at exit():
// process.exit() skips the environments' cleanup hooks, so workers may still sleep on the pool's
// condition variable then, and destroying it (or joining them from an exit handler) is unsafe.
// Nor is it on the heap: when the image is unloaded, bn_pool_shutdown has joined the workers and
// freed the vector's buffer, and the storage goes with the image, so nothing leaks per load.
Pool& pool() {
  alignas(Pool) static unsigned char storage[sizeof(Pool)];
  static Pool* const instance = new (storage) Pool();
  return *instance;
}

std::atomic<int> g_threads{0};

// A tuning threshold (bn_tuning), unless the environment variable `name` holds a positive number
// (for the measurements that set it).
double threshold(const char* name, double tuned) {
  const char* env = std::getenv(name);
  const double v = env != nullptr ? std::atof(env) : 0.0;
  return v > 0.0 ? v : tuned;
}

double min_macs_per_thread() {
  static const double value =
      threshold("BLASNET_MIN_MACS_PER_THREAD", bn_tuning::kSplitMacsPerThread);
  return value;
}

double min_team_macs_per_thread() {
  static const double value =
      threshold("BLASNET_MIN_TEAM_MACS_PER_THREAD", bn_tuning::kTeamMacsPerThread);
  return value;
}

int parts_for(double macs, double min_per_thread) {
  const int threads = bn_kernel_threads();
  if (threads < 2) return 1;
  const double by_size = macs / min_per_thread;
  return by_size < 2.0 ? 1 : (by_size < threads ? static_cast<int>(by_size) : threads);
}

}  // namespace

bool bn_has_pool() {
  return true;
}

void bn_kernel_set_threads(int n) {
  g_threads.store(n < 1 ? 1 : n, std::memory_order_relaxed);
}

int bn_kernel_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n < 1) {
    const unsigned hw = std::thread::hardware_concurrency();
    n = hw < 1 ? 1 : static_cast<int>(hw);
    g_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

int bn_split_parts(double macs) {
  return parts_for(macs, min_macs_per_thread());
}

bool bn_team_run(int parts, void (*fn)(const void* ctx, int part, int parts), const void* ctx) {
  if (parts < 2) {
    fn(ctx, 0, 1);
    return true;
  }
  return pool().run(parts, fn, ctx);
}

int bn_team_parts(double macs) {
  return parts_for(macs, min_team_macs_per_thread());
}

void bn_pool_shutdown() {
  pool().shutdown();
}

int bn_pool_threads() {
  return pool().threads();
}

#else  // no pool: every call runs alone on the caller's thread

bool bn_has_pool() {
  return false;
}
void bn_kernel_set_threads(int) {}
int bn_kernel_threads() {
  return 1;
}
int bn_split_parts(double) {
  return 1;
}
bool bn_team_run(int parts, void (*fn)(const void*, int, int), const void* ctx) {
  if (parts >= 2) return false;
  fn(ctx, 0, 1);
  return true;
}
int bn_team_parts(double) {
  return 1;
}
void bn_pool_shutdown() {}
int bn_pool_threads() {
  return 0;
}

#endif

void bn_split(int64_t n, int part, int parts, int64_t* lo, int64_t* hi) {
  const int64_t units = (n + BN_SPLIT_ALIGN - 1) / BN_SPLIT_ALIGN;
  *lo = units * part / parts * BN_SPLIT_ALIGN;
  *hi = part + 1 == parts ? n : units * (part + 1) / parts * BN_SPLIT_ALIGN;
  if (*lo > n) *lo = n;
  if (*hi > n) *hi = n;
}
