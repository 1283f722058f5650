// Cheap re-checks of every argument, in C++, whatever the TypeScript layer did: argument count,
// exact typed-array kinds, integral non-negative sizes, lengths that cover every element the
// call will read or write, detached buffers. Each check throws (see errors.h) or returns the
// checked value; after them the core can never read or write out of bounds.
#ifndef BLASNET_BINDING_ARGS_H
#define BLASNET_BINDING_ARGS_H

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "../core/blasnet_core.h"

namespace blasnet {

// A borrowed typed-array view, valid for the current call only.
template <typename T>
struct View {
  T* data;
  int64_t length;
};

// The largest size BLAS takes (its int) and that a spec can hold (int32).
constexpr int64_t kMaxSize = 2147483647;
// Number.MAX_SAFE_INTEGER, for offsets that are not BLAS dimensions.
constexpr int64_t kMaxSafe = 9007199254740991;

// a · b and a + b for sizes and lengths, through the checked arithmetic of checked.h: a result
// that does not fit int64 throws a RangeError (ERR_BLASNET_SHAPE) naming the expression `what`
// (e.g. "batch * (n1 + ... + nL)"), so no wrapped size ever reaches a length check or the core.
int64_t checked_product(Napi::Env env, const char* what, int64_t a, int64_t b);
int64_t checked_sum(Napi::Env env, const char* what, int64_t a, int64_t b);

class Args {
 public:
  // Throws a TypeError unless at least `count` arguments came; `signature` names them.
  Args(const Napi::CallbackInfo& info, const char* call, size_t count, const char* signature);

  Napi::Env env() const { return env_; }

  // The properties `keys` of object argument i (a TypeError naming `name` unless it is an
  // object), as the arguments of an Args of their own, in the order of `keys`: argument k is
  // property keys[k] (undefined when absent). All are read before any is checked.
  Args object(size_t i, const char* name, std::initializer_list<const char*> keys) const;

  bool boolean(size_t i, const char* name) const;
  // An integer in [min, max]: TypeError for a non-number, RangeError for a fraction, NaN, ±∞
  // or a value out of range.
  int64_t integer(size_t i, const char* name, int64_t min, int64_t max = kMaxSize) const;
  // A finite number that also fits a float (alpha, beta).
  float number(size_t i, const char* name) const;
  // An activation code in [0, BN_ACT_MAX], or a loss code in [0, BN_LOSS_MAX].
  int activation(size_t i, const char* name) const;
  int loss(size_t i, const char* name) const;

  // A Float32Array (exactly; a Float64Array is a TypeError) of at least min_length elements,
  // not detached.
  View<float> f32(size_t i, const char* name, int64_t min_length) const;
  View<uint32_t> u32(size_t i, const char* name, int64_t min_length) const;
  View<uint8_t> u8(size_t i, const char* name, int64_t min_length) const;
  // Whether argument i is a typed array of the given kind (no throw).
  bool is_typed(size_t i, napi_typedarray_type type) const;
  bool is_null(size_t i) const { return value(i).IsNull(); }
  bool is_undefined(size_t i) const { return value(i).IsUndefined(); }
  // Argument i; undefined past the last.
  Napi::Value value(size_t i) const;

  // The Int32Array spec, decoded and checked as lib/backend/spec.ts does.
  void spec(size_t i, bn_layout* out) const;
  // The Float64Array UpdateHyper (lib/backend/types.ts), its elements named `name[k] (...)`;
  // returns false for null when nullable.
  bool hyper(size_t i, bn_hyper* out, bool nullable, const char* name = "hyper") const;

 private:
  Napi::TypedArray typed(size_t i, const char* name, napi_typedarray_type type, const char* kind,
                         int64_t min_length) const;

  explicit Args(Napi::Env env) : env_(env) {}

  // The arguments (or an object's properties), held for the call: each is read from JavaScript
  // once, so the checks and the core see the same values.
  Napi::Env env_;
  std::vector<Napi::Value> values_;
};

// Throws a RangeError naming the layer when any of layers 1..L is heaviside (backprop needs σ').
void require_differentiable(Napi::Env env, const bn_layout& layout);
// Throws a RangeError when the loss does not fit the output activation.
void require_loss_fits(Napi::Env env, const bn_layout& layout, int loss, const char* name = "loss");
// The optimizer state a step needs: bn_state_slots blocks of the parameter count (momentum's
// velocity, Adam's m and v, RMSprop's square average), nothing for plain SGD.
inline int64_t velocity_length(const bn_layout& layout, const bn_hyper* hyper) {
  // <= 2 · param_count, which bn_layout keeps far below 2^53.
  return hyper != nullptr ? bn_state_slots(*hyper) * layout.param_count : 0;
}

}  // namespace blasnet

#endif  // BLASNET_BINDING_ARGS_H
