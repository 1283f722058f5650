// The whole-network exports. trainBatch is the hot one: the training loop crosses N-API once
// per mini-batch. Lengths are computed from the decoded spec, so no call reads past a buffer.
#include "../core/blasnet_core.h"
#include "args.h"
#include "calls.h"
#include "dropout_arg.h"
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
NetworkBuffers network_buffers(const Args& args, const bn_layout& layout, size_t params, size_t x,
                               size_t batch, size_t z, size_t a) {
  NetworkBuffers out{};
  const Napi::Env env = args.env();
  // The sizes first: a batch whose workspace size does not fit int64 is named as such, before
  // any buffer is measured against it.
  out.batch = args.integer(batch, "batch", 1);
  const int64_t inputs = checked_product(env, "batch * n0", out.batch, layout.sizes[0]);
  const int64_t units =
      checked_product(env, "batch * (n1 + ... + nL)", out.batch, layout.units_per_example);
  out.params = args.f32(params, "params", layout.param_count);
  out.x = args.f32(x, "x", inputs);
  out.z = args.f32(z, "z", units);
  out.a = args.f32(a, "a", units);
  return out;
}

}  // namespace

Napi::Value forward(const Napi::CallbackInfo& info) {
  return guarded(info, "forward", [&] {
    const Args args(info, "forward", 6, "spec, params, x, batch, z, a[, dropout]");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 2, 3, 4, 5);
    DropoutArg dropout;
    read_dropout(info, 6, layout, &dropout);
    check(info.Env(), "forward",
          bn_forward(layout, n.params.data, n.x.data, n.batch, n.z.data, n.a.data, dropout.get()));
    return info.Env().Undefined();
  });
}

Napi::Value backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", [&] {
    const Args args(info, "backward", 8,
                    "spec, params, grad, x, batch, z, a, delta[, velocity, hyper, dropout]");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 3, 4, 5, 6);
    const View<float> grad = args.f32(2, "grad", layout.param_count);
    const View<float> delta = args.f32(7, "delta", n.batch * layout.units_per_example);
    require_differentiable(info.Env(), layout);
    // Optional (velocity, hyper): the optimizer step in the same call, so a loss defined in
    // TypeScript trains with two crossings per batch (forward, then backward + update).
    bn_hyper hyper;
    const bn_hyper* step =
        info.Length() > 9 && !info[9].IsUndefined() && args.hyper(9, &hyper, true) ? &hyper
                                                                                   : nullptr;
    float* v = nullptr;
    if (step != nullptr) {
      const View<float> velocity = args.f32(8, "velocity", velocity_length(layout, step));
      v = bn_state_slots(*step) > 0 ? velocity.data : nullptr;
    }
    DropoutArg dropout;
    read_dropout(info, 10, layout, &dropout);
    check(info.Env(), "backward",
          bn_backward(layout, n.params.data, grad.data, n.x.data, n.batch, n.z.data, n.a.data,
                      delta.data, dropout.get()));
    if (step != nullptr)
      check(info.Env(), "backward", bn_update(layout, n.params.data, grad.data, v, *step));
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
    float* v = bn_state_slots(hyper) > 0 ? velocity.data : nullptr;
    check(info.Env(), "update", bn_update(layout, params.data, grad.data, v, hyper));
    return info.Env().Undefined();
  });
}

Napi::Value trainBatch(const Napi::CallbackInfo& info) {
  return guarded(info, "trainBatch", [&] {
    const Args args(
        info, "trainBatch", 12,
        "spec, params, grad, velocity, x, y, batch, loss, z, a, delta, hyper[, dropout]");
    bn_layout layout;
    args.spec(0, &layout);
    const NetworkBuffers n = network_buffers(args, layout, 1, 4, 6, 8, 9);
    const View<float> grad = args.f32(2, "grad", layout.param_count);
    // (Both within batch · (n1 + ... + nL), which network_buffers checked.)
    const View<float> y = args.f32(5, "y", n.batch * layout.sizes[layout.L]);
    const View<float> delta = args.f32(10, "delta", n.batch * layout.units_per_example);
    require_differentiable(info.Env(), layout);
    const int loss = args.loss(7, "loss");
    require_loss_fits(info.Env(), layout, loss);
    bn_hyper hyper;
    const bn_hyper* step = args.hyper(11, &hyper, true) ? &hyper : nullptr;
    const View<float> velocity = args.f32(3, "velocity", velocity_length(layout, step));
    float* v = step != nullptr && bn_state_slots(*step) > 0 ? velocity.data : nullptr;
    DropoutArg dropout;
    read_dropout(info, 12, layout, &dropout);
    double value = 0.0;
    check(info.Env(), "trainBatch",
          bn_train_batch(layout, n.params.data, grad.data, v, n.x.data, y.data, n.batch, loss,
                         n.z.data, n.a.data, delta.data, step, &value, dropout.get()));
    return Napi::Number::New(info.Env(), value);
  });
}

Napi::Value trainBatches(const Napi::CallbackInfo& info) {
  return guarded(info, "trainBatches", [&] {
    const Napi::Env env = info.Env();
    const Args args(info, "trainBatches", 7, "spec, params, velocity, data, run, workspace, out");
    // The three objects' properties, each read once, all before any buffer is measured (a getter
    // runs JavaScript; see Args::object). Argument k of each is the k-th key here.
    const Args data = args.object(3, "data", {"x", "xScale", "xOffset", "y", "labels"});
    const Args run = args.object(
        4, "run", {"order", "start", "batchSize", "batches", "loss", "hyper", "dropout"});
    const Args work = args.object(5, "workspace", {"z", "a", "delta", "xBatch", "yBatch"});
    bn_layout layout;
    args.spec(0, &layout);
    const int64_t n0 = layout.sizes[0];
    const int64_t n_out = layout.sizes[layout.L];
    const View<float> params = args.f32(1, "params", layout.param_count);
    // The dataset's inputs: floats, or bytes scaled per batch.
    bn_inputs inputs{nullptr, nullptr, 1.0f, 0.0f, 0};
    int64_t x_length = 0;
    if (data.is_typed(0, napi_uint8_array)) {
      const View<uint8_t> x = data.u8(0, "data.x", 0);
      inputs.u8 = x.data;
      x_length = x.length;
    } else {
      if (!data.is_typed(0, napi_float32_array))
        throw_type(env, "data.x", "a Float32Array or a Uint8Array", data.value(0));
      const View<float> x = data.f32(0, "data.x", 0);
      inputs.f32 = x.data;
      x_length = x.length;
    }
    if (x_length == 0 || x_length % n0 != 0) {
      throw_shape(env, "data.x",
                  "a whole number (>= 1) of rows of " + std::to_string(n0) + " inputs",
                  "length " + std::to_string(x_length));
    }
    inputs.rows = x_length / n0;
    // xScale 1 and xOffset 0 when absent (they only matter for bytes).
    if (!data.is_undefined(1)) inputs.scale = data.number(1, "data.xScale");
    if (!data.is_undefined(2)) inputs.offset = data.number(2, "data.xOffset");
    const View<float> y =
        data.f32(3, "data.y", checked_product(env, "rows of data.x * nL", inputs.rows, n_out));
    const uint8_t* labels = nullptr;
    if (!data.is_null(4) && !data.is_undefined(4))
      labels = data.u8(4, "data.labels", inputs.rows).data;
    const View<uint32_t> order = run.u32(0, "run.order", 0);
    const int64_t start = run.integer(1, "run.start", 0, kMaxSafe);
    const int64_t batch = run.integer(2, "run.batchSize", 1);
    const int64_t batches = run.integer(3, "run.batches", 1);
    // The first example of the last batch, and the end of the last batch (cut at order.length).
    const int64_t last_first =
        checked_sum(env, "run.start + (run.batches - 1) * run.batchSize", start,
                    checked_product(env, "(run.batches - 1) * run.batchSize", batches - 1, batch));
    if (last_first >= order.length) {
      throw_shape(env, "run.start + (run.batches - 1) * run.batchSize",
                  "below run.order.length = " + std::to_string(order.length),
                  std::to_string(last_first));
    }
    const int64_t span =
        checked_sum(env, "run.start + run.batches * run.batchSize", last_first, batch);
    const int loss = run.loss(4, "run.loss");
    require_differentiable(env, layout);
    require_loss_fits(env, layout, loss, "run.loss");
    const int64_t units =
        checked_product(env, "run.batchSize * (n1 + ... + nL)", batch, layout.units_per_example);
    const View<float> z = work.f32(0, "workspace.z", units);
    const View<float> a = work.f32(1, "workspace.a", units);
    const View<float> delta = work.f32(2, "workspace.delta", units);
    const View<float> x_batch =
        work.f32(3, "workspace.xBatch", checked_product(env, "run.batchSize * n0", batch, n0));
    const View<float> y_batch = work.f32(4, "workspace.yBatch", batch * n_out);  // within units
    bn_hyper hyper;
    run.hyper(5, &hyper, false, "run.hyper");
    const View<float> velocity = args.f32(2, "velocity", velocity_length(layout, &hyper));
    Napi::Float64Array out_array;
    if (!args.is_typed(6, napi_float64_array))
      throw_type(env, "out", "a Float64Array", args.value(6));
    out_array = args.value(6).As<Napi::Float64Array>();
    const int64_t out_length = batches * 2;  // batches <= 2^31 − 1: fits
    if (out_array.ArrayBuffer().IsDetached() ||
        static_cast<int64_t>(out_array.ElementLength()) < out_length) {
      throw_shape(
          env, "out",
          "a Float64Array of at least " + std::to_string(out_length) + " elements (2 per batch)",
          "length " + std::to_string(out_array.ElementLength()));
    }
    const int64_t end = span < order.length ? span : order.length;
    // A named error for the first bad index. Each is read once here (order may be shared memory
    // that another thread rewrites); the core copies and checks the indices again, and uses only
    // its copy, so a value rewritten after this check is caught there (BN_ERR_INDEX), never used.
    for (int64_t i = start; i < end; i++) {
      const uint32_t row = order.data[i];
      if (static_cast<int64_t>(row) >= inputs.rows) {
        throw_range(env, "run.order[" + std::to_string(i) + "]",
                    "a row index below " + std::to_string(inputs.rows),
                    Napi::Number::New(env, row));
      }
    }
    DropoutArg dropout;
    read_dropout(env, run.value(6), "run.dropout", layout, &dropout);
    float* v = bn_state_slots(hyper) > 0 ? velocity.data : nullptr;
    int64_t done = 0;
    check(
        env, "trainBatches",
        bn_train_batches(layout, params.data, v,
                         bn_train_data{inputs, y.data, labels, order.data, order.length}, start,
                         batch, batches, loss,
                         bn_train_workspace{z.data, a.data, delta.data, x_batch.data, y_batch.data},
                         hyper, out_array.Data(), &done, dropout.get()));
    return static_cast<Napi::Value>(Napi::Number::New(env, static_cast<double>(done)));
  });
}

}  // namespace blasnet
