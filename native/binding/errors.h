// The binding's errors: one message form for every bad argument,
//   `Expected <what> for <name> but received <value>`,
// a TypeError for the wrong kind, a RangeError for a value out of range or sizes that do not fit,
// and a `code` property on every error (the codes of lib/errors.ts).
#ifndef BLASNET_BINDING_ERRORS_H
#define BLASNET_BINDING_ERRORS_H

#include <napi.h>

#include <string>

#include "../core/blasnet_core.h"

namespace blasnet {

// A short description of a received value, never the whole array (mirrors describe() in
// lib/errors.ts): `undefined`, `3.5`, `"abc"`, `Float64Array of length 4`, `an array of length 2`.
std::string describe(const Napi::Value& value);

// Each of these throws a Napi::Error (a C++ exception that the entry point's guard rethrows to JS).
[[noreturn]] void throw_type(Napi::Env env, const std::string& name, const std::string& expected,
                             const Napi::Value& received);
[[noreturn]] void throw_range(Napi::Env env, const std::string& name, const std::string& expected,
                              const Napi::Value& received);
// For lengths and sizes that do not fit together; `received` is already described.
[[noreturn]] void throw_shape(Napi::Env env, const std::string& name, const std::string& expected,
                              const std::string& received);
// A failure reported by the core (something the argument checks did not catch); a RangeError for
// BN_ERR_SIZE, BN_ERR_INDEX and BN_ERR_OVERFLOW, else an Error; code ERR_BLASNET_NATIVE.
[[noreturn]] void throw_native(Napi::Env env, const char* call, bn_status status);

// Runs an entry point's body with a catch-all: argument errors become JS exceptions, and no C++
// exception, whatever it is, ever unwinds into Node (that would abort the process).
template <typename Body>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* call, Body body) {
  Napi::Env env = info.Env();
  try {
    return body();
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& error) {
    Napi::Error e =
        Napi::Error::New(env, std::string("blasnet native ") + call + " failed: " + error.what());
    e.Set("code", Napi::String::New(env, "ERR_BLASNET_NATIVE"));
    e.ThrowAsJavaScriptException();
  } catch (...) {
    Napi::Error e = Napi::Error::New(
        env, std::string("blasnet native ") + call + " failed with an unknown C++ exception");
    e.Set("code", Napi::String::New(env, "ERR_BLASNET_NATIVE"));
    e.ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

}  // namespace blasnet

#endif  // BLASNET_BINDING_ERRORS_H
