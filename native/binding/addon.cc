// blasnet.node: the export table, nothing else. The addon keeps no JS handles and no JS state
// in statics, so Node can initialize it once per environment: it loads in the main thread and
// in every worker_thread (Node-API modules are context-aware).
#include <napi.h>

#include "calls.h"

#ifndef BLASNET_VERSION
#error \
    "BLASNET_VERSION must be defined by the build (CMakeLists.txt / binding.gyp read package.json)"
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace blasnet;
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
