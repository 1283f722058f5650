/**
 * `trainBatches` in whichever form a loaded addon takes, for A/B runs across the change of its
 * contract: builds before it take 20 or 21 positional arguments (spec, params, velocity, x,
 * xScale, xOffset, y, labels, order, start, batchSize, batches, loss, z, a, delta, xBatch, yBatch,
 * hyper, out[, dropout]), builds after it (spec, params, velocity, data, run, workspace, out).
 * The form is found once, at load, by a probe call on a one-weight network: each form is tried,
 * and exactly one must train (the other throws its TypeError for the argument count or for a
 * property it cannot read), so an addon that takes neither is refused, never guessed at.
 */
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, type Backend, LossCode } from '../lib/backend/types';

/** `trainBatches` in the form of today's contract, whatever form the addon takes. */
export type BatchesCall = Backend['trainBatches'];

type RawCall = (...args: unknown[]) => unknown;

function objectsCall(raw: RawCall): BatchesCall {
  return (spec, params, velocity, data, run, workspace, out) =>
    raw(spec, params, velocity, data, run, workspace, out) as number;
}

function positionalCall(raw: RawCall): BatchesCall {
  return (spec, params, velocity, d, r, w, out) => {
    const args: unknown[] = [
      spec,
      params,
      velocity,
      d.x,
      d.xScale ?? 1,
      d.xOffset ?? 0,
      d.y,
      d.labels ?? null,
      r.order,
      r.start,
      r.batchSize,
      r.batches,
      r.loss,
      w.z,
      w.a,
      w.delta,
      w.xBatch,
      w.yBatch,
      r.hyper,
      out,
    ];
    if (r.dropout !== undefined && r.dropout !== null) args.push(r.dropout);
    return raw(...args) as number;
  };
}

/** Whether `call` trains the one-weight network [1, 1] (identity, quadratic loss) one step. */
function probe(call: BatchesCall): boolean {
  const params = new Float32Array([0.5, 0]); // w, b
  const out = new Float64Array(2);
  try {
    const done = call(
      makeSpec([1, 1], [ActivationCode.Identity]),
      params,
      new Float32Array(0),
      { x: new Float32Array([1]), y: new Float32Array([1]) },
      {
        order: new Uint32Array([0]),
        start: 0,
        batchSize: 1,
        batches: 1,
        loss: LossCode.Quadratic,
        hyper: new Float64Array([0.1, 0, 0, 0]),
      },
      {
        z: new Float32Array(1),
        a: new Float32Array(1),
        delta: new Float32Array(1),
        xBatch: new Float32Array(1),
        yBatch: new Float32Array(1),
      },
      out,
    );
    // L = (0.5 − 1)²/2 before the step, which moves w up.
    return done === 1 && out[0] === 0.125 && params[0] > 0.5;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}

/** The form `addon.trainBatches` takes ('objects' or 'positional') and a call in today's form. */
export function batchesCallOf(addon: object): {
  form: 'objects' | 'positional';
  call: BatchesCall;
} {
  const raw = (addon as { trainBatches?: unknown }).trainBatches;
  if (typeof raw !== 'function') throw new TypeError('the addon does not export trainBatches');
  const bound = raw.bind(addon) as RawCall;
  const forms = [
    { form: 'objects' as const, call: objectsCall(bound) },
    { form: 'positional' as const, call: positionalCall(bound) },
  ].filter((f) => probe(f.call));
  if (forms.length !== 1)
    throw new TypeError(
      `the addon's trainBatches takes ${forms.length === 0 ? 'neither' : 'both'} of the known forms`,
    );
  return forms[0];
}
