// The dropout argument, checked again in C++ whatever the TypeScript layer did (see dropout_arg.h).
#include "dropout_arg.h"

#include <cmath>
#include <string>

#include "args.h"
#include "errors.h"

namespace blasnet {

void read_dropout(const Napi::CallbackInfo& info, size_t i, const bn_layout& layout,
                  DropoutArg* out) {
  read_dropout(info.Env(), info.Length() > i ? info[i] : info.Env().Undefined(), "dropout", layout,
               out);
}

void read_dropout(Napi::Env env, const Napi::Value& v, const std::string& name,
                  const bn_layout& layout, DropoutArg* out) {
  out->present = false;
  out->dropout.rates = out->rates;
  if (v.IsUndefined() || v.IsNull()) return;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw_type(env, name, "a Float64Array [seed, step, p1..p(L-1)], undefined or null", v);
  const Napi::Float64Array array = v.As<Napi::Float64Array>();
  const size_t length = static_cast<size_t>(layout.L) + 1;
  if (array.ArrayBuffer().IsDetached() || array.ElementLength() != length) {
    throw_shape(env, name, "a Float64Array of length L + 1 = " + std::to_string(length),
                array.ArrayBuffer().IsDetached()
                    ? std::string("a detached Float64Array")
                    : "length " + std::to_string(array.ElementLength()));
  }
  const double* d = array.Data();
  const double seed = d[0];
  const double step = d[1];
  if (!(seed >= 0 && seed < 4294967296.0 && std::floor(seed) == seed))
    throw_range(env, name + "[0] (seed)", "an integer in [0, 2^32)", Napi::Number::New(env, seed));
  if (!(step >= 0 && step <= static_cast<double>(kMaxSafe) && std::floor(step) == step))
    throw_range(env, name + "[1] (step)", "a safe integer >= 0", Napi::Number::New(env, step));
  for (int l = 1; l < layout.L; l++) {
    const double p = d[1 + l];
    if (!(p >= 0 && p < 1)) {
      throw_range(
          env, name + "[" + std::to_string(1 + l) + "] (rate of layer " + std::to_string(l) + ")",
          "a number in [0, 1)", Napi::Number::New(env, p));
    }
    out->rates[l - 1] = p;
  }
  out->dropout.seed = static_cast<uint32_t>(seed);
  out->dropout.step = static_cast<uint64_t>(step);
  out->present = true;
}

}  // namespace blasnet
