// What the native backend reports about its BLAS, and its thread count.
#include <string>

#include "../core/blasnet_core.h"
#include "args.h"
#include "calls.h"
#include "errors.h"

namespace blasnet {

Napi::Value info(const Napi::CallbackInfo& call) {
  return guarded(call, "info", [&] {
    const Napi::Env env = call.Env();
    const std::string corename = bn_blas_corename();
    // OpenBLAS's config string already reads "OpenBLAS 0.3.21 <options> <corename> ..." on
    // DYNAMIC_ARCH builds; the core name is appended only where it is missing.
    std::string blas = bn_blas_config();
    if (blas.find(corename) == std::string::npos) blas += " " + corename;
    Napi::Object out = Napi::Object::New(env);
    out.Set("blas", Napi::String::New(env, blas));
    out.Set("threads", Napi::Number::New(env, bn_get_threads()));
    out.Set("corename", Napi::String::New(env, corename));
    return static_cast<Napi::Value>(out);
  });
}

Napi::Value setThreads(const Napi::CallbackInfo& call) {
  return guarded(call, "setThreads", [&] {
    const Args args(call, "setThreads", 1, "threads");
    bn_set_threads(static_cast<int>(args.integer(0, "threads", 1, 1024)));
    return call.Env().Undefined();
  });
}

}  // namespace blasnet
