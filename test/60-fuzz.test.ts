/**
 * The property-based fuzz suite (fast-check, fixed seeds, bounded time). Each group runs in a
 * child process (test/fuzz/run.ts), so a native crash fails this test, naming the signal, the
 * seed and the case, instead of ending mocha. It reports its case count and requires 0 crashes,
 * 0 uncoded errors (a thrown value without an `ERR_BLASNET_*` code) and, for the kernels, that
 * the native and js backends accept and reject the same calls with the same codes.
 *
 * Each group runs a fixed number of cases (`BLASNET_FUZZ_RUNS`, default 60,000), so a seed names
 * the same cases on every machine: with a time budget alone, a faster machine ran further and met
 * cases a slower one never did. `BLASNET_FUZZ_MS` (default 90 s per group) only guards against a
 * very slow machine; a group it cuts short says so. `BLASNET_FUZZ_SEED` replays another seed.
 * About 10 s (kernels) and 7 s (API) on an idle 2-core machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const SEED = Number(process.env.BLASNET_FUZZ_SEED ?? 20261205);
const BUDGET_MS = Number(process.env.BLASNET_FUZZ_MS ?? 90_000);
const RUNS = Number(process.env.BLASNET_FUZZ_RUNS ?? 60_000);

interface FuzzResult {
  group: string;
  seed: number;
  cases: number;
  calls: number;
  accepted: number;
  rejected: number;
  rawLooser: number;
  total: number;
  findings: { kind: string; where: string; error: string; case: string }[];
  failure?: string;
}

function runGroup(group: 'kernels' | 'api' | 'crash-selftest'): FuzzResult {
  const dir = mkdtempSync(join(tmpdir(), 'blasnet-fuzz-progress-'));
  const progress = join(dir, 'case');
  try {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/fuzz/run.ts',
        group,
        String(SEED),
        String(BUDGET_MS),
        progress,
        String(RUNS),
      ],
      // A hung case (a loop over a lying length, say) is a failure too, not a stuck CI job.
      { encoding: 'utf8', timeout: BUDGET_MS + 60_000, maxBuffer: 1 << 26 },
    );
    let last = '';
    try {
      last = readFileSync(progress, 'utf8');
    } catch {
      last = '(no case started)';
    }
    if (child.signal !== null || child.status !== 0) {
      expect.fail(
        `the ${group} fuzz child ended with ${child.signal ?? `exit code ${child.status}`} ` +
          `(seed ${SEED}); last case: ${last}\n${child.stderr.slice(-2000)}`,
      );
    }
    const line = child.stdout.split('\n').find((l) => l.startsWith('FUZZ-RESULT '));
    if (!line)
      expect.fail(`the ${group} fuzz child printed no result\n${child.stderr.slice(-2000)}`);
    return JSON.parse(line.slice('FUZZ-RESULT '.length)) as FuzzResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: FuzzResult): void {
  console.log(
    `      ${r.group}: ${r.cases} cases, ${r.calls} calls (${r.accepted} accepted, ${r.rejected} rejected), ` +
      `seed ${r.seed}, 0 crashes, ${r.findings.filter((f) => f.kind === 'uncoded').length} uncoded errors` +
      (r.group === 'kernels'
        ? `, ${r.rawLooser} calls the raw addon accepts beyond the contract`
        : '') +
      (r.cases < RUNS ? ` (cut short by the ${BUDGET_MS} ms budget: ${RUNS} cases wanted)` : ''),
  );
}

describe('fuzz (fast-check, child processes)', function () {
  this.timeout(BUDGET_MS * 2 + 180_000);

  it('a child that dies on a signal fails the test, naming the signal, the seed and the case', () => {
    expect(() => runGroup('crash-selftest')).to.throw(
      /SIGSEGV \(seed \d+\); last case: crash-selftest case 1/,
    );
  });

  it('kernels: no crash, every error coded, native and js agree on every call', () => {
    const r = runGroup('kernels');
    report(r);
    // The findings (each error and its case) first, then fast-check's shrunk counterexample.
    expect(
      r.findings,
      `${JSON.stringify(r.findings.slice(0, 5), null, 2)}\n${r.failure}`,
    ).to.deep.equal([]);
    expect(r.failure, r.failure).to.equal(undefined);
    expect(r.cases).to.be.greaterThan(100);
  });

  it('public API: no crash, every error coded', () => {
    const r = runGroup('api');
    report(r);
    // The findings (each error and its case) first, then fast-check's shrunk counterexample.
    expect(
      r.findings,
      `${JSON.stringify(r.findings.slice(0, 5), null, 2)}\n${r.failure}`,
    ).to.deep.equal([]);
    expect(r.failure, r.failure).to.equal(undefined);
    expect(r.cases).to.be.greaterThan(100);
  });
});
