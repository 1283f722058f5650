/**
 * The pure-TypeScript backend: the same numeric contract as the native OpenBLAS core (see
 * `../types.ts`), over the same `Float32Array`s. It is the fallback where the addon cannot load
 * and the baseline the benchmarks compare against. Wrapped in `CheckedBackend` by `select.ts`,
 * so the kernels here assume valid arguments.
 */
import type { ActivationCode, Backend, BackendInfo } from '../types';
import { activationBackwardAt, biasActivateAt, softmaxAt } from './activations';
import { trainBatches } from './batches';
import { backward, forward, trainBatch, update } from './network';
import { columnSumsAt, gatherRows } from './reduce';
import { sgemm } from './sgemm';

/** Create the raw (unchecked) pure-TypeScript backend. */
export function createJsBackend(): Backend {
  return {
    name: 'js',
    info(): BackendInfo {
      return { name: 'js', blas: 'none (pure TypeScript)', threads: 1 };
    },
    setThreads(): void {
      // One thread, nothing to set.
    },
    sgemm,
    biasActivate(
      z: Float32Array,
      a: Float32Array,
      bias: Float32Array,
      rows: number,
      cols: number,
      act: ActivationCode,
    ): void {
      biasActivateAt(z, 0, a, 0, bias, 0, rows, cols, act);
    },
    activationBackward(
      delta: Float32Array,
      z: Float32Array,
      a: Float32Array,
      rows: number,
      cols: number,
      act: ActivationCode,
    ): void {
      activationBackwardAt(delta, 0, z, 0, a, 0, rows, cols, act);
    },
    columnSums(
      m: Float32Array,
      rows: number,
      cols: number,
      alpha: number,
      beta: number,
      out: Float32Array,
    ): void {
      columnSumsAt(m, 0, rows, cols, alpha, beta, out, 0);
    },
    softmax(z: Float32Array, a: Float32Array, rows: number, cols: number): void {
      softmaxAt(z, 0, a, 0, rows, cols);
    },
    gatherRows,
    forward,
    backward,
    update,
    trainBatch,
    trainBatches,
  };
}
