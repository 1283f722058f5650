/**
 * Read-once for shared memory: `trainBatches` with `order` in a SharedArrayBuffer that a worker
 * thread rewrites (one entry flipped between a valid row and one 4 G rows past the data) while
 * the main thread trains on it for two seconds. Calls may fail with a coded error or count
 * accuracy on whichever rows they saw, but the process must not crash: each backend runs in a
 * child process, so a crash fails the test with its signal. (Before the fix the native core's
 * correct count read labels[order[r]] a second time, unchecked, and the child died with SIGSEGV.)
 */
import { expect } from 'chai';
import { CheckedBackend } from '../lib/backend/checked';
import { createJsBackend } from '../lib/backend/js';
import { nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, LossCode } from '../lib/backend/types';
import { crashReport, ROOT, runChild } from './helpers/child';
import type { RaceReport } from './helpers/shared-order-race';

const MILLIS = 2000;

function race(kind: 'native' | 'js'): RaceReport {
  const result = runChild(
    `import { raceSharedOrder } from ${JSON.stringify(`${ROOT}/test/helpers/shared-order-race`)};\n` +
      `raceSharedOrder(${JSON.stringify(kind)}, ${MILLIS}).then((report) => console.log(JSON.stringify(report)));\n`,
  );
  expect(result.status, crashReport(result)).to.equal(0);
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as RaceReport;
  console.log(
    `      ${kind}: ${report.calls} calls, ${report.returned} returned, errors ${JSON.stringify(report.errors)}`,
  );
  return report;
}

describe('trainBatches with order in a SharedArrayBuffer another thread rewrites', () => {
  for (const kind of ['native', 'js'] as const) {
    it(`[${kind}] never crashes; a call sees the bad row only as a coded RangeError`, function () {
      if (kind === 'native' && !nativeAvailability().available) {
        console.log(`      native backend skipped: ${nativeAvailability().reason?.split('\n')[0]}`);
        this.skip();
      }
      const report = race(kind);
      expect(report.calls).to.be.above(0);
      // The race was on: some calls saw the bad row (and were refused with a coded RangeError).
      expect(Object.values(report.errors).reduce((a, b) => a + b, 0)).to.be.above(0);
      for (const key of Object.keys(report.errors))
        expect(key).to.match(/^RangeError ERR_BLASNET_(RANGE|NATIVE)$/);
    });
  }
});

// The pure-TypeScript kernels behind CheckedBackend read each index once and check that value
// too, as the native core does: a row rewritten after the checked layer looked is refused with a
// coded RangeError, never gathered as NaNs (reads past a typed array are undefined) or trained on.
describe('the JS kernels re-check the indices they read (no CheckedBackend in front)', () => {
  const raw = createJsBackend();

  it('gatherRows refuses an index past the source', () => {
    const dst = new Float32Array(4).fill(7);
    const error = thrownBy(() =>
      raw.gatherRows(new Float32Array(4), 2, new Uint32Array([1, 2]), 0, 2, dst),
    );
    expect(error).to.be.instanceOf(RangeError);
    expect(error.code).to.equal('ERR_BLASNET_RANGE');
    expect(error.message).to.equal('Expected a row index below 2 for indices[1] but received 2');
  });

  it('trainBatches refuses an order entry past x before any parameter moves', () => {
    const spec = makeSpec([2, 2], [ActivationCode.Softmax]);
    const params = new Float32Array(6).fill(0.5);
    const error = thrownBy(() =>
      raw.trainBatches(
        spec,
        params,
        new Float32Array(0),
        {
          x: new Float32Array([1, 0, 0, 1]),
          xScale: 1,
          xOffset: 0,
          y: new Float32Array([1, 0, 0, 1]),
          labels: new Uint8Array([0, 1]),
        },
        {
          order: new Uint32Array([0, 1, 0, 2]),
          start: 0,
          batchSize: 2,
          batches: 2,
          loss: LossCode.CrossEntropy,
          hyper: new Float64Array([0.1, 0, 0, 0]),
        },
        {
          z: new Float32Array(4),
          a: new Float32Array(4),
          delta: new Float32Array(4),
          xBatch: new Float32Array(4),
          yBatch: new Float32Array(4),
        },
        new Float64Array(4),
      ),
    );
    expect(error).to.be.instanceOf(RangeError);
    expect(error.code).to.equal('ERR_BLASNET_RANGE');
    expect(error.message).to.equal('Expected a row index below 2 for order[3] but received 2');
    expect(Array.from(params)).to.deep.equal(new Array(6).fill(0.5));
  });
});

function thrownBy(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  return expect.fail('expected the call to throw');
}

describe('the spec reaches a backend as a private copy, checked once', () => {
  it('a kernel never sees the caller’s spec array, so a rewrite after the check cannot matter', () => {
    const seen: Int32Array[] = [];
    const js = createJsBackend();
    // A raw backend that records the spec it was given, then does the work as the JS one does.
    const recording = new Proxy(js, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || key !== 'forward') return value;
        return (spec: Int32Array, ...rest: unknown[]) => {
          seen.push(spec);
          return (value as (...args: unknown[]) => unknown).call(target, spec, ...rest);
        };
      },
    });
    const checked = new CheckedBackend(recording);
    const shared = new Int32Array(new SharedArrayBuffer(4 * 16));
    const own = makeSpec([2, 3, 1], [ActivationCode.Sigmoid, ActivationCode.Sigmoid]);
    const spec = shared.subarray(0, own.length);
    spec.set(own);
    const params = new Float32Array(13);
    const x = new Float32Array([0.5, -0.5]);
    const z = new Float32Array(4);
    const a = new Float32Array(4);
    checked.forward(spec, params, x, 1, z, a);
    checked.forward(spec, params, x, 1, z, a);
    expect(seen).to.have.length(2);
    for (const s of seen) {
      expect(s).to.not.equal(spec);
      expect(s.buffer).to.not.equal(shared.buffer);
      expect(Array.from(s)).to.deep.equal(Array.from(own));
    }
  });
});
