// blasnet.node: the export table, and the addon's lifetime. The addon keeps no JS handles and no
// JS state in statics, so Node can initialize it once per environment: it loads in the main thread
// and in every worker_thread (Node-API modules are context-aware).
#include <napi.h>

#include <mutex>

#include "../core/blasnet_core.h"
#include "../core/pool.h"
#include "calls.h"

#ifndef BLASNET_VERSION
#error \
    "BLASNET_VERSION must be defined by the build (CMakeLists.txt / binding.gyp read package.json)"
#endif

namespace {

// Node unloads this image (dlclose) when the last environment that loaded it ends, which may be a
// worker_thread's while the main thread never loaded the addon. The kernels' pool threads run
// this image's code, so they must be joined first: each Init counts one load and registers a
// cleanup hook that uncounts it, and the last one out stops the pool (bn_pool_shutdown). Node runs
// an environment's cleanup hooks before it closes the environment's addons, and after any native
// call in progress has returned (worker.terminate() stops JavaScript, not a call in C++).
//
// OpenBLAS's own threads are not a concern: they belong to libopenblas, which this image pulls in
// as a dependency (or links statically, for prebuilds); its destructor (gotoblas_quit, run when it
// is unloaded with us, or from our own image's destructors when linked in) stops and joins them.
// No BLAS call can be in progress then: every one is made from a call of ours, and none is left.
std::mutex g_loads_mutex;
int g_loads = 0;

// One per Init, the cleanup hook's argument: Node refuses the same (hook, argument) pair twice in
// one environment, and an environment may initialize the addon more than once (process.dlopen
// after its require cache entry is deleted).
struct Load {};

void unload(void* arg) {
  delete static_cast<Load*>(arg);
  std::lock_guard<std::mutex> lock(g_loads_mutex);
  // Under the lock: a new environment's Init waits until the old pool's threads are joined.
  if (--g_loads == 0) bn_pool_shutdown();
}

// Counts this environment's load, with the hook that will uncount it: both or neither.
void count_load(Napi::Env env) {
  std::lock_guard<std::mutex> lock(g_loads_mutex);
  Load* load = new Load();
  if (napi_add_env_cleanup_hook(env, unload, load) != napi_ok) {
    delete load;
    Napi::Error e = Napi::Error::New(
        env, "blasnet native addon: could not register its environment cleanup hook");
    e.Set("code", Napi::String::New(env, "ERR_BLASNET_NATIVE"));
    throw e;
  }
  ++g_loads;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace blasnet;
  count_load(env);
  // A binary from another version is refused by the loader (lib/backend/native/addon.ts).
  exports.Set("version", Napi::String::New(env, BLASNET_VERSION));
  exports.Set("info", Napi::Function::New(env, info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, setThreads, "setThreads"));
  exports.Set("setKernels", Napi::Function::New(env, setKernels, "setKernels"));
  exports.Set("sgemm", Napi::Function::New(env, sgemm, "sgemm"));
  exports.Set("biasActivate", Napi::Function::New(env, biasActivate, "biasActivate"));
  exports.Set("activationBackward",
              Napi::Function::New(env, activationBackward, "activationBackward"));
  exports.Set("columnSums", Napi::Function::New(env, columnSums, "columnSums"));
  exports.Set("softmax", Napi::Function::New(env, softmax, "softmax"));
  exports.Set("gatherRows", Napi::Function::New(env, gatherRows, "gatherRows"));
  exports.Set("forward", Napi::Function::New(env, forward, "forward"));
  exports.Set("backward", Napi::Function::New(env, backward, "backward"));
  exports.Set("update", Napi::Function::New(env, update, "update"));
  exports.Set("trainBatch", Napi::Function::New(env, trainBatch, "trainBatch"));
  exports.Set("trainBatches", Napi::Function::New(env, trainBatches, "trainBatches"));
  exports.Set("benchSgemm", Napi::Function::New(env, benchSgemm, "benchSgemm"));
  exports.Set("benchEpochGemms", Napi::Function::New(env, benchEpochGemms, "benchEpochGemms"));
  return exports;
}

}  // namespace

NODE_API_MODULE(blasnet, Init)
