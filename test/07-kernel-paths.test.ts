/**
 * One thread-count guarantee on every kernel path (docs/kernels.md):
 * - on each path this CPU has (AVX-512, AVX2, BLAS only), products too large for the AVX2
 *   kernels, which go to OpenBLAS on the AVX2 and BLAS-only paths, give the same bits on 1, 2 and
 *   3 threads, and so does a training call whose steps are made of such products;
 * - `BLASNET_KERNELS` forces a path when the addon loads, is reported by `backend()`, survives
 *   `setKernels('auto')`, and an unknown name or a path the CPU lacks is a coded error when native
 *   was asked for and a recorded fallback reason in auto mode.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadAddon, type NativeAddon } from '../lib/backend/native/addon';
import { checkKernelsAvailable, requestedKernels } from '../lib/backend/native/kernel-choice';
import { nativeAvailability } from '../lib/backend/select';
import { makeSpec } from '../lib/backend/spec';
import { ActivationCode, LossCode } from '../lib/backend/types';
import { mulberry32, randomFloat32, randomParams, randomTargets } from './helpers/random';

const repo = join(__dirname, '..');
const PATHS = ['avx512', 'avx2', 'none'] as const;

describe('every kernel path: the same bits on 1, 2 and 3 threads', () => {
  let addon: NativeAddon | undefined;
  let threadsBefore = 1;
  before(function () {
    if (!nativeAvailability().available) this.skip();
    addon = loadAddon().addon;
    threadsBefore = addon.info().threads;
  });
  after(() => {
    if (!addon) return;
    addon.setKernels!('auto');
    addon.setThreads(threadsBefore);
  });
  const native = () => addon!;

  // 128×800×784: W3's products (80M multiply-adds), far above the AVX2 kernels' limit of 2^22;
  // 800×784×128 is the weight gradient's shape, cut by rows; 100×50×900 (4.5M) just above it.
  const SHAPES: Array<[number, number, number]> = [
    [128, 800, 784],
    [800, 784, 128],
    [100, 50, 900],
  ];
  for (const kernels of PATHS) {
    it(`${kernels}: sgemm of large products, every transpose used in training`, function () {
      if (native().setKernels!(kernels) !== kernels) this.skip(); // this CPU lacks the path
      let seed = 40;
      for (const [m, n, k] of SHAPES) {
        for (const [tA, tB] of [
          [false, true],
          [true, false],
          [false, false],
        ] as const) {
          const rng = mulberry32(seed++);
          const a = randomFloat32(rng, m * k);
          const b = randomFloat32(rng, k * n);
          const c0 = randomFloat32(rng, m * n);
          const results = [1, 2, 3].map((threads) => {
            native().setThreads(threads);
            const c = c0.slice();
            native().sgemm(tA, tB, m, n, k, 0.75, a, b, 0.5, c);
            return c;
          });
          const what = `${m}x${n}x${k} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`;
          for (const t of [1, 2]) {
            let differ = 0;
            for (let i = 0; i < results[0].length; i++)
              if (results[t][i] !== results[0][i]) differ++;
            expect(differ, `${what}: elements differing on ${t + 1} threads`).to.equal(0);
          }
        }
      }
    });

    it(`${kernels}: the same product on 2 threads, 20 times over, gives the same bits every time`, function () {
      if (native().setKernels!(kernels) !== kernels) this.skip();
      // The blocks of a BLAS product run side by side on single-threaded OpenBLAS: a shared buffer
      // would show here as a result that changes from call to call.
      const [m, n, k] = [128, 800, 784];
      const rng = mulberry32(77);
      const a = randomFloat32(rng, m * k);
      const b = randomFloat32(rng, n * k);
      native().setThreads(1);
      const ref = new Float32Array(m * n);
      native().sgemm(false, true, m, n, k, 1, a, b, 0, ref);
      native().setThreads(2);
      for (let r = 0; r < 20; r++) {
        const c = new Float32Array(m * n);
        native().sgemm(false, true, m, n, k, 1, a, b, 0, c);
        expect(Buffer.from(c.buffer).equals(Buffer.from(ref.buffer)), `call ${r}`).to.equal(true);
      }
    });

    it(`${kernels}: trainBatches of a wide network with momentum`, function () {
      if (native().setKernels!(kernels) !== kernels) this.skip();
      const sizes = [784, 320, 10];
      const batch = 64;
      const n = 3 * batch + 7; // a short last batch too
      const rng = mulberry32(31);
      const x = randomFloat32(rng, n * sizes[0], 0, 1);
      const y = randomTargets(rng, n, 10, true);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) labels[i] = Math.floor(rng() * 10);
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = (i * 37) % n;
      const spec = makeSpec(sizes, [ActivationCode.Relu, ActivationCode.Softmax]);
      const P = 784 * 320 + 320 + 320 * 10 + 10;
      const u = 330;
      const run = (threads: number) => {
        native().setThreads(threads);
        const params = randomParams(mulberry32(6), sizes);
        const velocity = randomFloat32(mulberry32(7), P, -0.01, 0.01);
        const out = new Float64Array(8);
        const done = native().trainBatches(
          spec,
          params,
          velocity,
          { x, xScale: 1, xOffset: 0, y, labels },
          {
            order,
            start: 0,
            batchSize: batch,
            batches: 4,
            loss: LossCode.CrossEntropy,
            hyper: new Float64Array([0.01, 0.9, 0, 0]),
          },
          {
            z: new Float32Array(batch * u),
            a: new Float32Array(batch * u),
            delta: new Float32Array(batch * u),
            xBatch: new Float32Array(batch * sizes[0]),
            yBatch: new Float32Array(batch * 10),
          },
          out,
        );
        expect(done).to.equal(4);
        return { params, velocity, out };
      };
      const one = run(1);
      for (const threads of [2, 3]) {
        const many = run(threads);
        expect(Buffer.from(many.params.buffer).equals(Buffer.from(one.params.buffer))).to.equal(
          true,
          `params on ${threads} threads`,
        );
        expect(Buffer.from(many.velocity.buffer).equals(Buffer.from(one.velocity.buffer))).to.equal(
          true,
          `velocity on ${threads} threads`,
        );
        expect(Array.from(many.out)).to.deep.equal(Array.from(one.out));
      }
    });
  }
});

describe('BLASNET_KERNELS', () => {
  let dir = '';
  before(function () {
    if (!nativeAvailability().available) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'blasnet-kernels-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Probe {
    report?: Record<string, unknown>;
    error?: { name: string; code?: string; message: string };
    afterAuto?: string;
    stderr: string;
  }

  /** `backend()` (and the raw addon's `setKernels('auto')`) in a fresh Node with the variables set. */
  function probe(kernels: string | undefined, backendEnv?: string): Probe {
    const script = join(dir, 'probe.ts');
    writeFileSync(
      script,
      `import { backend } from ${JSON.stringify(join(repo, 'lib', 'backend', 'select'))};\n` +
        `import { loadAddon } from ${JSON.stringify(join(repo, 'lib', 'backend', 'native', 'addon'))};\n` +
        `try { const report = backend(); const afterAuto = report.name === 'native' ? loadAddon().addon.setKernels!('auto') : undefined; console.log(JSON.stringify({ report, afterAuto })); }\n` +
        `catch (e) { const { name, code, message } = e as Error & { code?: string }; console.log(JSON.stringify({ error: { name, code, message } })); }\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.BLASNET_BACKEND;
    delete env.BLASNET_KERNELS;
    if (kernels !== undefined) env.BLASNET_KERNELS = kernels;
    if (backendEnv !== undefined) env.BLASNET_BACKEND = backendEnv;
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      env,
      encoding: 'utf8',
    });
    expect(child.status, `probe failed:\n${child.stderr}`).to.equal(0);
    return {
      ...(JSON.parse(child.stdout.trim().split('\n').pop()!) as Probe),
      stderr: child.stderr,
    };
  }

  it('forces each path this CPU has, reports it, and setKernels("auto") returns to it', () => {
    const cpu = loadAddon().addon.info().cpuKernels;
    const has = cpu === 'avx512' ? PATHS : cpu === 'avx2' ? PATHS.slice(1) : PATHS.slice(2);
    for (const kernels of has) {
      const name = kernels === 'none' ? 'blas' : kernels;
      const { report, afterAuto } = probe(name);
      expect(report, name).to.include({
        name: 'native',
        kernels,
        kernelsRequested: name,
        requested: 'auto',
      });
      expect(afterAuto, `${name}: setKernels('auto')`).to.equal(kernels);
    }
    // Unset or auto: the CPU's best.
    for (const value of [undefined, 'auto']) {
      const { report } = probe(value);
      expect(report, String(value)).to.include({ kernels: cpu, kernelsRequested: 'auto' });
    }
  });

  it('an unknown name: a coded error when native was asked for, a fallback reason in auto mode', () => {
    const forced = probe('avx1024', 'native');
    expect(forced.error, 'no error').to.not.equal(undefined);
    expect(forced.error!.code).to.equal('ERR_BLASNET_NATIVE');
    expect(forced.error!.message).to.include(
      'Expected one of "auto", "avx512", "avx2", "blas", "none" for the BLASNET_KERNELS environment variable but received "avx1024"',
    );
    const auto = probe('avx1024');
    expect(auto.report).to.include({ name: 'js', requested: 'auto' });
    expect(String(auto.report!.fallbackReason)).to.include('BLASNET_KERNELS');
    expect(auto.stderr).to.include('blasnet: the native backend is unavailable');
  });

  it('requestedKernels checks the value: RangeError with a code for an unknown name', () => {
    expect(requestedKernels('')).to.equal('auto');
    expect(requestedKernels('auto')).to.equal('auto');
    expect(requestedKernels('blas')).to.equal('blas');
    expect(() => requestedKernels('AVX2'))
      .to.throw(RangeError, /for the BLASNET_KERNELS environment variable but received "AVX2"/)
      .with.property('code', 'ERR_BLASNET_RANGE');
  });

  it('a path the CPU lacks is ERR_BLASNET_NATIVE at load, naming what the CPU has', () => {
    // This machine may have every path; the check is on what the addon reports.
    const lacking =
      (kernelsRequested: 'avx512' | 'avx2' | 'blas', cpuKernels: 'avx2' | 'none') => () =>
        checkKernelsAvailable(
          { blas: 'OpenBLAS', threads: 1, corename: 'x', kernelsRequested, cpuKernels },
          'blasnet.node',
        );
    expect(lacking('avx512', 'avx2'))
      .to.throw(/BLASNET_KERNELS=avx512 asks: this CPU's best kernels are "avx2"/)
      .with.property('code', 'ERR_BLASNET_NATIVE');
    expect(lacking('avx2', 'none')).to.throw(/best kernels are none \(BLAS only\)/);
    expect(lacking('avx2', 'avx2')).to.not.throw();
    expect(lacking('blas', 'none')).to.not.throw();
  });
});
