// Benchmark exports (bench/kernels.ts, bench/train.ts): loops timed entirely in C++, so a bench
// can set the cost of one N-API crossing against the work it carries. Not part of `Backend`.
#include "../core/blasnet_core.h"
#include "args.h"
#include "calls.h"
#include "errors.h"

namespace blasnet {

Napi::Value benchSgemm(const Napi::CallbackInfo& info) {
  return guarded(info, "benchSgemm", [&] {
    const Args args(info, "benchSgemm", 7, "transA, transB, m, n, k, reps, direct");
    const bool trans_a = args.boolean(0, "transA");
    const bool trans_b = args.boolean(1, "transB");
    const int64_t m = args.integer(2, "m", 1, 1 << 16);
    const int64_t n = args.integer(3, "n", 1, 1 << 16);
    const int64_t k = args.integer(4, "k", 1, 1 << 16);
    const int64_t reps = args.integer(5, "reps", 0, 1 << 30);
    const bool direct = args.boolean(6, "direct");
    const Napi::Env env = info.Env();
    if (checked_product(env, "m * k", m, k) > (int64_t{1} << 28) ||
        checked_product(env, "k * n", k, n) > (int64_t{1} << 28) ||
        checked_product(env, "m * n", m, n) > (int64_t{1} << 28)) {
      throw_shape(env, "m, n, k", "matrices of at most 2^28 floats",
                  std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k));
    }
    const double seconds = direct ? bn_bench_blas_sgemm(trans_a, trans_b, m, n, k, reps)
                                  : bn_bench_sgemm(trans_a, trans_b, m, n, k, reps);
    return static_cast<Napi::Value>(Napi::Number::New(info.Env(), seconds));
  });
}

Napi::Value benchEpochGemms(const Napi::CallbackInfo& info) {
  return guarded(info, "benchEpochGemms", [&] {
    const Args args(info, "benchEpochGemms", 4, "spec, examples, batch, beta");
    bn_layout layout;
    args.spec(0, &layout);
    const int64_t examples = args.integer(1, "examples", 1, 1 << 30);
    const int64_t batch = args.integer(2, "batch", 1, 1 << 20);
    const float beta = args.number(3, "beta");
    const Napi::Env env = info.Env();
    if (layout.param_count > (int64_t{1} << 28) ||
        checked_product(env, "batch * (n1 + ... + nL)", batch, layout.units_per_example) >
            (int64_t{1} << 28) ||
        checked_product(env, "batch * n0", batch, layout.sizes[0]) > (int64_t{1} << 28)) {
      throw_shape(env, "spec, batch", "buffers of at most 2^28 floats", "larger ones");
    }
    return static_cast<Napi::Value>(
        Napi::Number::New(info.Env(), bn_bench_epoch_gemms(layout, examples, batch, beta)));
  });
}

}  // namespace blasnet
