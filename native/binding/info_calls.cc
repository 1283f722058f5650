// What the native backend reports about its BLAS, and its thread count.
#include <string>

#include "../core/blasnet_core.h"
#include "../core/pool.h"
#include "args.h"
#include "calls.h"
#include "errors.h"

namespace blasnet {

namespace {

// BLASNET_KERNELS's names (the "none" kernels are the path "blas").
const char* requested_name(int requested) {
  if (requested == BN_KERNELS_AUTO) return "auto";
  if (requested == BN_ISA_NONE) return "blas";
  return requested == BN_ISA_AVX512 ? "avx512" : requested == BN_ISA_AVX2 ? "avx2" : "auto";
}

}  // namespace

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
    out.Set("kernels", Napi::String::New(env, bn_kernel_isa_name(bn_kernel_isa())));
    out.Set("poolThreads", Napi::Number::New(env, bn_pool_threads()));
    // What BLASNET_KERNELS asked for at load, and the best this CPU has: the loader refuses a
    // forced path the CPU lacks (lib/backend/native/addon.ts).
    out.Set("kernelsRequested", Napi::String::New(env, requested_name(bn_kernel_requested())));
    out.Set("cpuKernels", Napi::String::New(env, bn_kernel_isa_name(bn_kernel_cpu_isa())));
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

Napi::Value setKernels(const Napi::CallbackInfo& call) {
  return guarded(call, "setKernels", [&] {
    const Args args(call, "setKernels", 1, "kernels");
    const Napi::Value v = call[0];
    const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
    int isa = BN_KERNELS_INVALID;
    if (name == "auto")
      isa = BN_KERNELS_AUTO;
    else if (name == "none")
      isa = BN_ISA_NONE;
    else if (name == "avx2")
      isa = BN_ISA_AVX2;
    else if (name == "avx512")
      isa = BN_ISA_AVX512;
    if (isa == BN_KERNELS_INVALID) {
      if (!v.IsString())
        throw_type(call.Env(), "kernels", "one of \"auto\", \"avx512\", \"avx2\", \"none\"", v);
      throw_range(call.Env(), "kernels", "one of \"auto\", \"avx512\", \"avx2\", \"none\"", v);
    }
    return static_cast<Napi::Value>(
        Napi::String::New(call.Env(), bn_kernel_isa_name(bn_kernel_set_isa(isa))));
  });
}

}  // namespace blasnet
