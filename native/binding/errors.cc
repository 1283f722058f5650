// Error construction and value description for the binding (see errors.h).
#include "errors.h"

namespace blasnet {

namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    default:
      return "TypedArray";
  }
}

std::string quote(const std::string& text) {
  // Cut long strings like describe() in lib/errors.ts (the cut is in bytes, close enough here).
  const std::string cut = text.size() > 40 ? text.substr(0, 40) + "\xE2\x80\xA6" : text;
  std::string out = "\"";
  for (char c : cut) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

[[noreturn]] void throw_with_code(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

}  // namespace

std::string describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return value.As<Napi::Boolean>().Value() ? "true" : "false";
    // Coercing a number or bigint to a string runs no user code, and gives JS's own formatting.
    case napi_number:
      return value.ToString().Utf8Value();
    case napi_bigint:
      return value.ToString().Utf8Value();
    case napi_string:
      return quote(value.As<Napi::String>().Utf8Value());
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    default:
      break;
  }
  if (value.IsTypedArray()) {
    const Napi::TypedArray array = value.As<Napi::TypedArray>();
    std::string text = std::string(typed_array_name(array.TypedArrayType())) + " of length " +
                       std::to_string(array.ElementLength());
    if (array.ArrayBuffer().IsDetached()) text += " (detached)";
    return text;
  }
  if (value.IsArray())
    return "an array of length " + std::to_string(value.As<Napi::Array>().Length());
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  if (value.IsDataView()) return "a DataView";
  return "an object";
}

void throw_type(Napi::Env env, const std::string& name, const std::string& expected,
                const Napi::Value& received) {
  throw_with_code(Napi::TypeError::New(env, "Expected " + expected + " for " + name +
                                                " but received " + describe(received)),
                  "ERR_BLASNET_TYPE");
}

void throw_range(Napi::Env env, const std::string& name, const std::string& expected,
                 const Napi::Value& received) {
  throw_with_code(Napi::RangeError::New(env, "Expected " + expected + " for " + name +
                                                 " but received " + describe(received)),
                  "ERR_BLASNET_RANGE");
}

void throw_shape(Napi::Env env, const std::string& name, const std::string& expected,
                 const std::string& received) {
  throw_with_code(Napi::RangeError::New(
                      env, "Expected " + expected + " for " + name + " but received " + received),
                  "ERR_BLASNET_SHAPE");
}

void throw_native(Napi::Env env, const char* call, bn_status status) {
  const std::string message =
      std::string("blasnet native ") + call + " failed: " + bn_status_message(status);
  // A size, an index or a size product the core refused is a value out of range, as when the
  // binding's own checks refuse it: a RangeError (an index rewritten in shared memory after those
  // checks, or a size they missed, reaches only the core's).
  if (status == BN_ERR_SIZE || status == BN_ERR_INDEX || status == BN_ERR_OVERFLOW)
    throw_with_code(Napi::RangeError::New(env, message), "ERR_BLASNET_NATIVE");
  throw_with_code(Napi::Error::New(env, message), "ERR_BLASNET_NATIVE");
}

}  // namespace blasnet
