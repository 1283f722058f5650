/**
 * The native backend: the addon's kernels behind the `Backend` interface. A thin adapter on
 * purpose: the addon's exports already have the `Backend` signatures, the argument checks live
 * in `CheckedBackend` (TypeScript) and again in C++, and every extra JS frame here would be paid
 * on each of the training loop's crossings.
 */
import type { Backend, BackendInfo } from '../types';
import type { NativeAddon } from './addon';

/** Wrap a loaded addon; `path` is where it was loaded from (reported by `info()`). */
export function createNativeBackend(addon: NativeAddon, path: string): Backend {
  return {
    name: 'native',
    info(): BackendInfo {
      const { blas, threads, kernels, kernelsRequested } = addon.info();
      const out: BackendInfo = { name: 'native', blas, threads, binary: path };
      if (kernels !== undefined) out.kernels = kernels;
      if (kernelsRequested !== undefined) out.kernelsRequested = kernelsRequested;
      return out;
    },
    // The addon's functions use no `this`, so they are handed over as they are.
    setThreads: addon.setThreads,
    sgemm: addon.sgemm,
    biasActivate: addon.biasActivate,
    activationBackward: addon.activationBackward,
    columnSums: addon.columnSums,
    softmax: addon.softmax,
    gatherRows: addon.gatherRows,
    forward: addon.forward,
    backward: addon.backward,
    update: addon.update,
    trainBatch: addon.trainBatch,
    trainBatches: addon.trainBatches,
  };
}
