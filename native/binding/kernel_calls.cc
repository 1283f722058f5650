// The single-kernel exports: each checks its arguments, borrows the buffers and calls the core
// once. Used by tests and benchmarks to compare backends kernel by kernel, and by a loss defined
// in TypeScript.
#include "../core/blasnet_core.h"
#include "args.h"
#include "calls.h"
#include "errors.h"

namespace blasnet {

namespace {

void check(Napi::Env env, const char* call, bn_status status) {
  if (status != BN_OK) throw_native(env, call, status);
}

}  // namespace

Napi::Value sgemm(const Napi::CallbackInfo& info) {
  return guarded(info, "sgemm", [&] {
    const Args args(info, "sgemm", 10, "transA, transB, m, n, k, alpha, a, b, beta, c");
    const bool trans_a = args.boolean(0, "transA");
    const bool trans_b = args.boolean(1, "transB");
    const int64_t m = args.integer(2, "m", 1);
    const int64_t n = args.integer(3, "n", 1);
    const int64_t k = args.integer(4, "k", 1);
    const float alpha = args.number(5, "alpha");
    const View<float> a = args.f32(6, "a", checked_product(info.Env(), "m * k", m, k));
    const View<float> b = args.f32(7, "b", checked_product(info.Env(), "k * n", k, n));
    const float beta = args.number(8, "beta");
    const View<float> c = args.f32(9, "c", checked_product(info.Env(), "m * n", m, n));
    // c[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · c  (transA, transB as given; M=m, N=n, K=k)
    check(info.Env(), "sgemm",
          bn_sgemm(trans_a, trans_b, m, n, k, alpha, a.data, b.data, beta, c.data));
    return info.Env().Undefined();
  });
}

Napi::Value biasActivate(const Napi::CallbackInfo& info) {
  return guarded(info, "biasActivate", [&] {
    const Args args(info, "biasActivate", 6, "z, a, bias, rows, cols, act");
    const int64_t rows = args.integer(3, "rows", 1);
    const int64_t cols = args.integer(4, "cols", 1);
    const int64_t count = checked_product(info.Env(), "rows * cols", rows, cols);
    const View<float> z = args.f32(0, "z", count);
    const View<float> a = args.f32(1, "a", count);
    const View<float> bias = args.f32(2, "bias", cols);
    const int act = args.activation(5, "act");
    check(info.Env(), "biasActivate", bn_bias_activate(z.data, a.data, bias.data, rows, cols, act));
    return info.Env().Undefined();
  });
}

Napi::Value activationBackward(const Napi::CallbackInfo& info) {
  return guarded(info, "activationBackward", [&] {
    const Args args(info, "activationBackward", 6, "delta, z, a, rows, cols, act");
    const int64_t rows = args.integer(3, "rows", 1);
    const int64_t cols = args.integer(4, "cols", 1);
    const int64_t count = checked_product(info.Env(), "rows * cols", rows, cols);
    const View<float> delta = args.f32(0, "delta", count);
    const View<float> z = args.f32(1, "z", count);
    const View<float> a = args.f32(2, "a", count);
    const int act = args.activation(5, "act");
    if (act == BN_ACT_HEAVISIDE) {
      throw_range(info.Env(), "act",
                  "a differentiable activation (heaviside has no derivative: train it with the "
                  "perceptron rule)",
                  Napi::String::New(info.Env(), "heaviside"));
    }
    check(info.Env(), "activationBackward",
          bn_activation_backward(delta.data, z.data, a.data, rows, cols, act));
    return info.Env().Undefined();
  });
}

Napi::Value columnSums(const Napi::CallbackInfo& info) {
  return guarded(info, "columnSums", [&] {
    const Args args(info, "columnSums", 6, "m, rows, cols, alpha, beta, out");
    const int64_t rows = args.integer(1, "rows", 1);
    const int64_t cols = args.integer(2, "cols", 1);
    const int64_t count = checked_product(info.Env(), "rows * cols", rows, cols);
    const View<float> m = args.f32(0, "m", count);
    const float alpha = args.number(3, "alpha");
    const float beta = args.number(4, "beta");
    const View<float> out = args.f32(5, "out", cols);
    check(info.Env(), "columnSums", bn_column_sums(m.data, rows, cols, alpha, beta, out.data));
    return info.Env().Undefined();
  });
}

Napi::Value softmax(const Napi::CallbackInfo& info) {
  return guarded(info, "softmax", [&] {
    const Args args(info, "softmax", 4, "z, a, rows, cols");
    const int64_t rows = args.integer(2, "rows", 1);
    const int64_t cols = args.integer(3, "cols", 1);
    const int64_t count = checked_product(info.Env(), "rows * cols", rows, cols);
    const View<float> z = args.f32(0, "z", count);
    const View<float> a = args.f32(1, "a", count);
    check(info.Env(), "softmax", bn_softmax(z.data, a.data, rows, cols));
    return info.Env().Undefined();
  });
}

Napi::Value gatherRows(const Napi::CallbackInfo& info) {
  return guarded(info, "gatherRows", [&] {
    const Napi::Env env = info.Env();
    const Args args(info, "gatherRows", 6, "src, cols, indices, start, count, dst");
    const View<float> src = args.f32(0, "src", 0);
    const int64_t cols = args.integer(1, "cols", 1);
    const View<uint32_t> indices = args.u32(2, "indices", 0);
    const int64_t start = args.integer(3, "start", 0, kMaxSafe);
    const int64_t count = args.integer(4, "count", 1);
    const int64_t end = checked_sum(env, "start + count", start, count);
    if (end > indices.length) {
      throw_shape(env, "start + count",
                  "at most indices.length = " + std::to_string(indices.length),
                  std::to_string(end));
    }
    const View<float> dst = args.f32(5, "dst", checked_product(env, "count * cols", count, cols));
    const int64_t src_rows = src.length / cols;
    // A named error for the first bad index, each read once (the indices may be shared memory
    // that another thread rewrites); the core reads each once more, checks it and uses that value.
    for (int64_t i = start; i < end; i++) {
      const uint32_t row = indices.data[i];
      if (static_cast<int64_t>(row) >= src_rows) {
        throw_range(env, "indices[" + std::to_string(i) + "]",
                    "a row index below " + std::to_string(src_rows), Napi::Number::New(env, row));
      }
    }
    check(env, "gatherRows",
          bn_gather_rows(src.data, src_rows, cols, indices.data + start, count, dst.data));
    return env.Undefined();
  });
}

}  // namespace blasnet
