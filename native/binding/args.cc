// Argument checks for the binding (see args.h). Messages mirror lib/validate.ts and
// lib/backend/spec.ts, so a bad call reads the same whichever layer catches it.
#include "args.h"

#include <cmath>
#include <string>

#include "../core/checked.h"
#include "errors.h"

namespace blasnet {

namespace {

const char* const kActivationNames[] = {"identity", "sigmoid", "tanh",
                                        "relu",     "softmax", "heaviside"};

std::string int_expectation(int64_t min, int64_t max) {
  if (max == kMaxSize || max == kMaxSafe) return "an integer >= " + std::to_string(min);
  return "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

}  // namespace

int64_t checked_product(Napi::Env env, const char* what, int64_t a, int64_t b) {
  int64_t out = 0;
  if (bn_checked_mul(a, b, &out) != BN_OK) {
    throw_shape(env, what, "sizes whose product fits in 64 bits",
                std::to_string(a) + " * " + std::to_string(b));
  }
  return out;
}

int64_t checked_sum(Napi::Env env, const char* what, int64_t a, int64_t b) {
  int64_t out = 0;
  if (bn_checked_add(a, b, &out) != BN_OK) {
    throw_shape(env, what, "sizes whose sum fits in 64 bits",
                std::to_string(a) + " + " + std::to_string(b));
  }
  return out;
}

Args::Args(const Napi::CallbackInfo& info, const char* call, size_t count, const char* signature)
    : env_(info.Env()) {
  if (info.Length() < count) {
    throw_type(info.Env(), call, std::to_string(count) + " arguments (" + signature + ")",
               Napi::Number::New(info.Env(), static_cast<double>(info.Length())));
  }
  values_.reserve(info.Length());
  for (size_t i = 0; i < info.Length(); i++) values_.push_back(info[i]);
}

Args Args::object(size_t i, const char* name, std::initializer_list<const char*> keys) const {
  const Napi::Value v = value(i);
  // A function is an object too, but never what a caller means here.
  if (!v.IsObject() || v.IsFunction()) throw_type(env_, name, "an object", v);
  const Napi::Object object = v.As<Napi::Object>();
  Args properties(env_);
  properties.values_.reserve(keys.size());
  // Every property is read here, once, before any of them is checked: a getter runs JavaScript,
  // which could detach a buffer already measured, so nothing is measured until all have run.
  for (const char* key : keys) properties.values_.push_back(object.Get(key));
  return properties;
}

Napi::Value Args::value(size_t i) const {
  return i < values_.size() ? values_[i] : env_.Undefined();
}

bool Args::boolean(size_t i, const char* name) const {
  const Napi::Value v = value(i);
  if (!v.IsBoolean()) throw_type(env(), name, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

int64_t Args::integer(size_t i, const char* name, int64_t min, int64_t max) const {
  const Napi::Value v = value(i);
  if (!v.IsNumber()) throw_type(env(), name, int_expectation(min, max), v);
  const double d = v.As<Napi::Number>().DoubleValue();
  // The comparisons are written so that NaN fails them.
  if (!(std::isfinite(d) && std::floor(d) == d && d >= static_cast<double>(min) &&
        d <= static_cast<double>(max))) {
    throw_range(env(), name,
                d > static_cast<double>(max)
                    ? "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]"
                    : int_expectation(min, max),
                v);
  }
  return static_cast<int64_t>(d);
}

float Args::number(size_t i, const char* name) const {
  const Napi::Value v = value(i);
  if (!v.IsNumber()) throw_type(env(), name, "a finite number", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  const float f = static_cast<float>(d);
  if (!std::isfinite(d) || !std::isfinite(f))
    throw_range(env(), name, "a finite number (that fits a float)", v);
  return f;
}

int Args::activation(size_t i, const char* name) const {
  return static_cast<int>(integer(i, name, 0, BN_ACT_MAX));
}

int Args::loss(size_t i, const char* name) const {
  return static_cast<int>(integer(i, name, 0, BN_LOSS_MAX));
}

Napi::TypedArray Args::typed(size_t i, const char* name, napi_typedarray_type type,
                             const char* kind, int64_t min_length) const {
  const Napi::Value v = value(i);
  const std::string article = kind[0] == 'I' || kind[0] == 'U' ? "an " : "a ";
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw_type(env(), name, article + kind, v);
  const Napi::TypedArray array = v.As<Napi::TypedArray>();
  const int64_t length = static_cast<int64_t>(array.ElementLength());
  // A transferred buffer leaves a view of length 0 whose data pointer may be null.
  const bool detached = array.ArrayBuffer().IsDetached();
  if (detached || length < min_length) {
    const std::string expected =
        min_length > 0 ? article + kind + " of at least " + std::to_string(min_length) + " elements"
                       : article + kind + " that is not detached";
    throw_shape(env(), name, expected,
                detached ? std::string("a detached ") + kind
                         : article + kind + " of length " + std::to_string(length));
  }
  return array;
}

View<float> Args::f32(size_t i, const char* name, int64_t min_length) const {
  Napi::Float32Array array =
      typed(i, name, napi_float32_array, "Float32Array", min_length).As<Napi::Float32Array>();
  return {array.Data(), static_cast<int64_t>(array.ElementLength())};
}

View<uint32_t> Args::u32(size_t i, const char* name, int64_t min_length) const {
  Napi::Uint32Array array =
      typed(i, name, napi_uint32_array, "Uint32Array", min_length).As<Napi::Uint32Array>();
  return {array.Data(), static_cast<int64_t>(array.ElementLength())};
}

View<uint8_t> Args::u8(size_t i, const char* name, int64_t min_length) const {
  Napi::Uint8Array array =
      typed(i, name, napi_uint8_array, "Uint8Array", min_length).As<Napi::Uint8Array>();
  return {array.Data(), static_cast<int64_t>(array.ElementLength())};
}

bool Args::is_typed(size_t i, napi_typedarray_type type) const {
  const Napi::Value v = value(i);
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

void Args::spec(size_t i, bn_layout* out) const {
  const Napi::Value v = value(i);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw_type(env(), "spec", "an Int32Array", v);
  const Napi::Int32Array array = v.As<Napi::Int32Array>();
  const size_t length = array.ArrayBuffer().IsDetached() ? 0 : array.ElementLength();
  const int32_t* data = length > 0 ? array.Data() : nullptr;
  size_t bad = 0;
  const bn_status status = bn_layout_decode(data, length, out, &bad);
  if (status == BN_OK) return;
  const int32_t L = length > 0 ? data[0] : 0;
  const std::string value = length > bad ? std::to_string(data[bad]) : "nothing";
  switch (status) {
    case BN_ERR_SPEC_TOO_DEEP:
      throw_shape(
          env(), "spec",
          "at most " + std::to_string(BN_MAX_LAYERS) + " weight layers (the native core's limit)",
          "L = " + std::to_string(L));
    case BN_ERR_SPEC_SIZE:
      throw_shape(env(), "spec size n" + std::to_string(bad - 1), "a layer size >= 1", value);
    case BN_ERR_SPEC_ACTIVATION:
      throw_shape(env(), "spec activation of layer " + std::to_string(bad - 1 - L),
                  "an activation code in [0, " + std::to_string(BN_ACT_MAX) + "]", value);
    case BN_ERR_OVERFLOW: {
      // Described from the private copy the decoder made, not from the caller's buffer again.
      std::string sizes;
      for (int l = 0; l <= out->L; l++)
        sizes += (l > 0 ? ", " : "") + std::to_string(out->sizes[l]);
      throw_shape(env(), "spec", "layer sizes whose parameter count fits in 64 bits",
                  "sizes [" + sizes + "], overflowing at n" + std::to_string(bad - 1));
    }
    case BN_ERR_SPEC_SOFTMAX_HIDDEN: {
      const std::string layer = std::to_string(bad - 1 - L);
      throw_shape(env(), "spec activation of layer " + layer, "softmax on the output layer only",
                  "softmax on hidden layer " + layer);
    }
    default:
      throw_shape(env(), "spec", "an Int32Array [L, n0..nL, act1..actL] with L >= 1",
                  (array.ArrayBuffer().IsDetached() ? std::string("a detached Int32Array")
                                                    : "length " + std::to_string(length)) +
                      " with L = " + std::to_string(L));
  }
}

bool Args::hyper(size_t i, bn_hyper* out, bool nullable, const char* name) const {
  const Napi::Value v = value(i);
  const char* expected = nullable ? "a Float64Array UpdateHyper (length 4 or 10) or null"
                                  : "a Float64Array UpdateHyper (length 4 or 10)";
  if (nullable && v.IsNull()) return false;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type(env(), name, expected, v);
  const Napi::Float64Array array = v.As<Napi::Float64Array>();
  const size_t length = array.ElementLength();
  if (array.ArrayBuffer().IsDetached() || (length != 4 && length != 10)) {
    throw_shape(env(), name, "a Float64Array of length 4 or 10",
                array.ArrayBuffer().IsDetached() ? std::string("a detached Float64Array")
                                                 : "length " + std::to_string(length));
  }
  const double* h = array.Data();
  const double eta = h[0], mu = h[1], nesterov = h[2], l2 = h[3];
  const Napi::Env e = env();
  // Element k named as `hyper[k] (what it is)`, with the argument's own name in front.
  const auto range = [&](const char* element, const char* what, double value) {
    throw_range(e, std::string(name) + element, what, Napi::Number::New(e, value));
  };
  if (!(std::isfinite(eta) && eta >= 0)) range("[0] (learningRate)", "a finite number >= 0", eta);
  if (!(std::isfinite(mu) && mu >= 0 && mu <= 1))
    range("[1] (momentum)", "a finite number in [0, 1]", mu);
  if (nesterov != 0 && nesterov != 1) range("[2] (nesterov)", "0 or 1", nesterov);
  if (!(std::isfinite(l2) && l2 >= 0)) range("[3] (l2)", "a finite number >= 0", l2);
  *out = bn_hyper{eta, mu, nesterov == 1, l2};
  if (length == 4) return true;
  // The adaptive optimizers (types.ts, UpdateHyper), checked again here as the TypeScript side does.
  const double kind = h[4], b1 = h[5], b2 = h[6], eps = h[7], wd = h[8], steps = h[9];
  if (kind != 0 && kind != 1 && kind != 2 && kind != 3)
    range("[4] (optimizer)", "0 (sgd), 1 (adam), 2 (adamw) or 3 (rmsprop)", kind);
  const bool adaptive = kind != 0;
  if (adaptive && (mu != 0 || nesterov != 0))
    range("[1] (momentum)", "0 with adam, adamw or rmsprop", mu);
  const bool rms = kind == 3;
  if (adaptive && !(std::isfinite(b1) && b1 >= 0 && (rms ? b1 <= 1 : b1 < 1)))
    range(rms ? "[5] (alpha)" : "[5] (beta1)", rms ? "a number in [0, 1]" : "a number in [0, 1)",
          b1);
  if (adaptive && !rms && !(std::isfinite(b2) && b2 >= 0 && b2 < 1))
    range("[6] (beta2)", "a number in [0, 1)", b2);
  if (adaptive && !(std::isfinite(eps) && eps >= 0))
    range("[7] (eps)", "a finite number >= 0", eps);
  if (!(std::isfinite(wd) && wd >= 0)) range("[8] (weightDecay)", "a finite number >= 0", wd);
  if (!(std::isfinite(steps) && steps >= 0 && steps <= 9007199254740991.0 &&
        std::floor(steps) == steps))
    range("[9] (steps)", "an integer >= 0", steps);
  out->optimizer = static_cast<int>(kind);
  out->beta1 = b1;
  out->beta2 = b2;
  out->eps = eps;
  out->weight_decay = wd;
  out->steps = static_cast<int64_t>(steps);
  return true;
}

void require_differentiable(Napi::Env env, const bn_layout& layout) {
  for (int l = 1; l <= layout.L; l++) {
    if (layout.acts[l - 1] == BN_ACT_HEAVISIDE) {
      throw_range(env, "activation of layer " + std::to_string(l),
                  "a differentiable activation (heaviside has no derivative: train it with the "
                  "perceptron rule)",
                  Napi::String::New(env, "heaviside"));
    }
  }
}

void require_loss_fits(Napi::Env env, const bn_layout& layout, int loss, const char* name) {
  const int out = layout.acts[layout.L - 1];
  if (loss == BN_LOSS_CROSS_ENTROPY && out != BN_ACT_SOFTMAX) {
    throw_range(env, name, "an output activation of softmax for cross-entropy",
                Napi::String::New(env, kActivationNames[out]));
  }
  if (loss == BN_LOSS_BINARY_CROSS_ENTROPY && out != BN_ACT_SIGMOID) {
    throw_range(env, name, "an output activation of sigmoid for binary cross-entropy",
                Napi::String::New(env, kActivationNames[out]));
  }
}

}  // namespace blasnet
