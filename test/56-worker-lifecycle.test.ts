/**
 * The addon's threads never outlive the addon. Node unloads blasnet.node (dlclose) with the last
 * environment that loaded it, a worker_thread's when the main thread never loaded the addon; the
 * kernels' pool threads must be stopped and joined by then (native/binding/addon.cc), or they run
 * in unmapped code and the process dies of SIGSEGV. Each case runs in a child process
 * (test/fixtures/worker-lifecycle.ts), so that a crash is a failure reported with its signal.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'chai';
import { nativeAvailability } from '../lib/backend/select';

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'worker-lifecycle.ts');

/** Runs the fixture in a fresh node and returns its summary line, parsed. */
function runChild(mode: 'workers' | 'background' | 'calls' | 'mixed', count: number, seed: number) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, mode, `${count}`, `${seed}`], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
    // Split products from 128K multiply-adds (default 4M) over the pool: where only the AVX2
    // kernels run (a CPU without AVX-512, or the kernels forced to AVX2), they take products up
    // to 4M and leave the larger ones to OpenBLAS, so without this the pool would never start.
    env: { ...process.env, BLASNET_MIN_MACS_PER_THREAD: '65536' },
  });
  const why = `signal ${r.signal}, status ${r.status}, stderr:\n${r.stderr}`;
  expect(r.signal, why).to.equal(null);
  expect(r.status, why).to.equal(0);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * No thread of the addon is left once every worker has ended (Linux only: /proc/self/task). The
 * count is otherwise steady in these children; a leaked pool thread per worker would add dozens.
 */
function expectNoLeftThreads(summary: { threadsBefore: number; threadsAfter: number }): void {
  if (summary.threadsBefore < 0) return;
  expect(summary.threadsAfter, 'threads at the end').to.be.at.most(summary.threadsBefore + 2);
}

describe('56 worker lifecycle: workers that load, train on and unload the addon', function () {
  this.timeout(600_000);

  before(function () {
    if (!nativeAvailability().available) {
      console.log('      native backend unavailable: nothing to unload');
      this.skip();
    }
  });

  it('100 workers train a wide network, then end or are terminated at random: no crash, no thread left', () => {
    const s = runChild('workers', 100, 56);
    console.log(
      `      ${s.cycles} cycles (${s.endings.end} ended, ${s.endings['terminate-early']} terminated while starting, ` +
        `${s.endings['terminate-training']} while training; ${s.blasCycles} on BLAS alone): ` +
        `${s.trained} trained, ${s.poolStarted} started the pool; threads ${s.threadsBefore} → ${s.threadsAfter}`,
    );
    expect(s.cycles).to.equal(100);
    // The main thread never loaded the addon, so the last worker's exit unloaded it.
    if (s.addonMappedAtEnd !== undefined) expect(s.addonMappedAtEnd).to.equal(false);
    expectNoLeftThreads(s);
    expect(s.trained).to.be.above(10);
    // The pool is what crashed Node: the cycles must have started it, where the CPU has kernels.
    if (s.kernels !== 'none') expect(s.poolStarted).to.be.above(10);
  });

  it("trainInBackground with backend 'native' and resultBackend 'js' from a main thread without native", () => {
    const s = runChild('background', 10, 7);
    console.log(`      ${s.jobs} jobs; threads ${s.threadsBefore} → ${s.threadsAfter}`);
    expect(s.jobs).to.equal(10);
    if (s.addonMappedAtEnd !== undefined) expect(s.addonMappedAtEnd).to.equal(false);
    expectNoLeftThreads(s);
  });

  it('100 workers terminated in the middle of calls to the addon, many of them throwing: no abort', () => {
    // Before NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS (CMakeLists.txt, binding.gyp), an error that
    // Node could no longer take was thrown again out of the callback: std::terminate, SIGABRT.
    const s = runChild('calls', 100, 3);
    expect(s.cycles).to.equal(100);
    if (s.addonMappedAtEnd !== undefined) expect(s.addonMappedAtEnd).to.equal(false);
  });

  it('workers while the main thread trains too, then process.exit while a worker trains', () => {
    const s = runChild('mixed', 12, 11);
    expect(s.cycles).to.equal(12);
    expect(s.mainTrainings).to.equal(6);
    // The main thread's environment keeps the addon loaded (and its pool up) to the end.
    if (s.addonMappedAtEnd !== undefined) expect(s.addonMappedAtEnd).to.equal(true);
  });
});
