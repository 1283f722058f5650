// The exported calls, one C++ function per JS export and named after it; signatures are the
// `Backend` methods of lib/backend/types.ts. addon.cc puts them in the export table.
#ifndef BLASNET_BINDING_CALLS_H
#define BLASNET_BINDING_CALLS_H

#include <napi.h>

namespace blasnet {

// kernel_calls.cc
Napi::Value sgemm(
    const Napi::CallbackInfo& info);  // (transA, transB, m, n, k, alpha, a, b, beta, c)
Napi::Value biasActivate(const Napi::CallbackInfo& info);        // (z, a, bias, rows, cols, act)
Napi::Value activationBackward(const Napi::CallbackInfo& info);  // (delta, z, a, rows, cols, act)
Napi::Value columnSums(const Napi::CallbackInfo& info);  // (m, rows, cols, alpha, beta, out)
Napi::Value softmax(const Napi::CallbackInfo& info);     // (z, a, rows, cols)
Napi::Value gatherRows(const Napi::CallbackInfo& info);  // (src, cols, indices, start, count, dst)

// network_calls.cc
Napi::Value forward(const Napi::CallbackInfo& info);  // (spec, params, x, batch, z, a)
Napi::Value backward(
    const Napi::CallbackInfo& info);                 // (spec, params, grad, x, batch, z, a, delta)
Napi::Value update(const Napi::CallbackInfo& info);  // (spec, params, grad, velocity, hyper)
Napi::Value trainBatch(
    const Napi::CallbackInfo&
        info);  // (spec, params, grad, velocity, x, y, batch, loss, z, a, delta, hyper) -> loss
// (spec, params, velocity, data, run, workspace, out) -> batches done, with data { x, xScale,
//  xOffset, y, labels }, run { order, start, batchSize, batches, loss, hyper, dropout } and
//  workspace { z, a, delta, xBatch, yBatch } (lib/backend/batches-contract.ts)
Napi::Value trainBatches(const Napi::CallbackInfo& info);

// info_calls.cc
Napi::Value info(const Napi::CallbackInfo& call);        // () -> { blas, threads, corename }
Napi::Value setThreads(const Napi::CallbackInfo& call);  // (threads), an integer in [1, 1024]
Napi::Value setKernels(
    const Napi::CallbackInfo&
        call);  // ('auto' | 'avx512' | 'avx2' | 'none') -> the kernels now in use

// bench_calls.cc (benchmarks only; not part of Backend)
Napi::Value benchSgemm(
    const Napi::CallbackInfo& info);  // (transA, transB, m, n, k, reps, direct) -> seconds
Napi::Value benchEpochGemms(
    const Napi::CallbackInfo& info);  // (spec, examples, batch, beta) -> seconds

}  // namespace blasnet

#endif  // BLASNET_BINDING_CALLS_H
