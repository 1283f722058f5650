// The whole-network exports. trainBatch is the hot one: the training loop crosses N-API once
// per mini-batch. Lengths are computed from the decoded spec, so no call reads past a buffer.
#include "../core/blasnet_core.h"
#include "args.h"
#include "calls.h"
#include "errors.h"

namespace blasnet {

namespace {

void check(Napi::Env env, const char* call, bn_status status) {
  if (status != BN_OK) throw_native(env, call, status);
}

// The buffers forward, backward and trainBatch share, checked against the layout.
struct NetworkBuffers {
  View<float> params, x, z, a;
  int64_t batch;
};

// (spec, params, ...) with params, x, batch, z, a at the given argument positions.
NetworkBuffers network_buffers(const Args& args, const bn_layout& layout, size_t params, size_t x, size_t batch,
                               size_t z, size_t a) {
  NetworkBuffers out{};
  out.params = args.f32(params, "params", layout.param_count);
  out.batch = args.integer(batch, "batch", 1);
  out.x = args.f32(x, "x", product(out.batch, layout.sizes[0]));
  out.z = args.f32(z, "z", product(out.batch, layout.units_per_example));
  out.a = args.f32(a, "a", product(out.batch, layout.units_per_example));
  return out;
}

}  // namespace

Napi::Value forward(const Napi::CallbackInfo& info) {
  return guarded(info, "forward", [&] {
    const Args args(info, "forward", 6, "spec, params, x, batch, z, a");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 2, 3, 4, 5);
    check(info.Env(), "forward", bn_forward(layout, n.params.data, n.x.data, n.batch, n.z.data, n.a.data));
    return info.Env().Undefined();
  });
}

Napi::Value backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", [&] {
    const Args args(info, "backward", 8, "spec, params, grad, x, batch, z, a, delta");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 3, 4, 5, 6);
    const View<float> grad = args.f32(2, "grad", layout.param_count);
    const View<float> delta = args.f32(7, "delta", product(n.batch, layout.units_per_example));
    require_differentiable(info.Env(), layout);
    check(info.Env(), "backward",
          bn_backward(layout, n.params.data, grad.data, n.x.data, n.batch, n.z.data, n.a.data, delta.data));
    return info.Env().Undefined();
  });
}

Napi::Value update(const Napi::CallbackInfo& info) {
  return guarded(info, "update", [&] {
    const Args args(info, "update", 5, "spec, params, grad, velocity, hyper");
    bn_layout layout;
    args.spec(0, &layout);
    const View<float> params = args.f32(1, "params", layout.param_count);
    const View<float> grad = args.f32(2, "grad", layout.param_count);
    bn_hyper hyper;
    args.hyper(4, &hyper, false);
    const View<float> velocity = args.f32(3, "velocity", velocity_length(layout, &hyper));
    // Without momentum the velocity is never touched, and may be empty.
    float* v = hyper.momentum > 0.0 ? velocity.data : nullptr;
    check(info.Env(), "update", bn_update(layout, params.data, grad.data, v, hyper));
    return info.Env().Undefined();
  });
}

Napi::Value trainBatch(const Napi::CallbackInfo& info) {
  return guarded(info, "trainBatch", [&] {
    const Args args(info, "trainBatch", 12, "spec, params, grad, velocity, x, y, batch, loss, z, a, delta, hyper");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 4, 6, 8, 9);
    const View<float> grad = args.f32(2, "grad", layout.param_count);
    const View<float> y = args.f32(5, "y", product(n.batch, layout.sizes[layout.L]));
    const View<float> delta = args.f32(10, "delta", product(n.batch, layout.units_per_example));
    require_differentiable(info.Env(), layout);
    const int loss = args.loss(7, "loss");
    require_loss_fits(info.Env(), layout, loss);
    bn_hyper hyper;
    const bn_hyper* step = args.hyper(11, &hyper, true) ? &hyper : nullptr;
    const View<float> velocity = args.f32(3, "velocity", velocity_length(layout, step));
    float* v = step != nullptr && step->momentum > 0.0 ? velocity.data : nullptr;
    double value = 0.0;
    check(info.Env(), "trainBatch",
          bn_train_batch(layout, n.params.data, grad.data, v, n.x.data, y.data, n.batch, loss, n.z.data, n.a.data,
                         delta.data, step, &value));
    return Napi::Number::New(info.Env(), value);
  });
}

}  // namespace blasnet
