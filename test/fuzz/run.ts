/**
 * The fuzz suite's child process:
 * `node --import tsx test/fuzz/run.ts <group> <seed> <ms> <progress> <runs>` runs fast-check over
 * one group (`kernels` or `api`) with a fixed seed for `runs` cases, or until `ms` milliseconds
 * have passed if that comes first. Before each call it writes the case to the `progress` file, so when the process
 * dies on a signal the parent can name the case. Its last stdout line is `FUZZ-RESULT {json}`:
 * the case count, the uncoded errors and the backends' disagreements. With `--collect` it runs
 * every case instead of stopping (and shrinking) at the first failure, to count them all.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { getBackend, nativeAvailability } from '../../lib/backend/select';
import { API, type ApiCase, apiArgs, apiCaseArb } from './api';
import { type KernelCase, kernelCaseArb, type Outcome, rawAddon, runKernel } from './kernels';
import { errorLine, isCoded } from './values';

const [group, seedText, msText, progressPath, runsText] = process.argv.slice(2);
const collect = process.argv.includes('--collect');
const seed = Number(seedText);
const budgetMs = Number(msText);
const runs = Number(runsText ?? 60_000);
const progress = openSync(progressPath, 'w');

interface Finding {
  kind: 'uncoded' | 'disagreement';
  where: string;
  error: string;
  case: string;
}

const findings: Finding[] = [];
/** Cases slower than half a second (not failures; they show where the time budget goes). */
const slow: string[] = [];
/** Calls the raw addon accepts that the checked contract rejects (C++ looser than TypeScript). */
const looser: string[] = [];
const counts = { cases: 0, calls: 0, accepted: 0, rejected: 0, rawLooser: 0 };

function note(text: string): void {
  ftruncateSync(progress, 0);
  writeSync(progress, text, 0);
}

function record(kind: Finding['kind'], where: string, error: string, c: unknown): void {
  findings.push({ kind, where, error, case: JSON.stringify(c) });
}

function check(where: string, o: Outcome, c: unknown): boolean {
  counts.calls++;
  if (o.ok) {
    counts.accepted++;
    return true;
  }
  counts.rejected++;
  if (isCoded(o.error)) return true;
  record('uncoded', where, errorLine(o.error), c);
  return false;
}

function codeOf(o: Outcome): string {
  return o.ok ? 'accepted' : String((o.error as { code?: unknown })?.code);
}

async function runKernels(): Promise<void> {
  const native = nativeAvailability().available ? getBackend('native') : undefined;
  const js = getBackend('js');
  const raw = native ? rawAddon() : undefined;
  const property = fc.property(kernelCaseArb, (c: KernelCase) => {
    counts.cases++;
    note(`kernels case ${counts.cases}: ${JSON.stringify(c)}`);
    let good = check(`js.${c.kernel}`, runKernel(js, c), c);
    if (native) {
      note(`kernels case ${counts.cases} (checked native): ${JSON.stringify(c)}`);
      const n = runKernel(native, c);
      good = check(`native.${c.kernel}`, n, c) && good;
      const j = runKernel(js, c);
      if (codeOf(n) !== codeOf(j)) {
        record(
          'disagreement',
          c.kernel,
          `native ${codeOf(n)} (${n.ok ? '' : errorLine(n.error)}), js ${codeOf(j)} (${j.ok ? '' : errorLine(j.error)})`,
          c,
        );
        good = false;
      }
      if (raw) {
        note(`kernels case ${counts.cases} (raw addon): ${JSON.stringify(c)}`);
        const r = runKernel(raw, c);
        good = check(`addon.${c.kernel}`, r, c) && good;
        if (r.ok && !n.ok) {
          counts.rawLooser++;
          looser.push(`${errorLine(n.error)}: ${JSON.stringify(c)}`);
        }
      }
    }
    return collect || good;
  });
  fc.assert(property, {
    seed,
    numRuns: runs,
    interruptAfterTimeLimit: budgetMs,
    markInterruptAsFailure: false,
    endOnFailure: false,
  });
}

async function runApi(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'blasnet-fuzz-'));
  process.chdir(dir); // a mutated path that is still a string lands here
  const haveNative = nativeAvailability().available;
  try {
    const property = fc.asyncProperty(apiCaseArb, async (c: ApiCase) => {
      const backend = haveNative ? c.backend : 'js';
      const entry = API[c.entry];
      counts.cases++;
      note(`api case ${counts.cases} (${entry.name}): ${JSON.stringify(c)}`);
      let outcome: Outcome;
      const started = performance.now();
      const args = apiArgs({ ...c, backend }, dir); // outside the try: a harness bug is no finding
      try {
        await entry.call(args);
        outcome = { ok: true };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const ms = performance.now() - started;
      if (ms > 500) slow.push(`${Math.round(ms)} ms: ${entry.name} ${JSON.stringify(c)}`);
      return check(entry.name, outcome, c) || collect;
    });
    await fc.assert(property, {
      seed,
      numRuns: runs,
      interruptAfterTimeLimit: budgetMs,
      markInterruptAsFailure: false,
      endOnFailure: false,
    });
  } finally {
    process.chdir(tmpdir());
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let failure: string | undefined;
  try {
    if (group === 'kernels') await runKernels();
    else if (group === 'api') await runApi();
    else if (group === 'crash-selftest') {
      // Proves the parent's crash report: a case is noted, then the process dies on a signal.
      note('crash-selftest case 1: a SIGSEGV on purpose');
      process.kill(process.pid, 'SIGSEGV');
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    } else throw new Error(`unknown fuzz group ${group}`);
  } catch (error) {
    failure = (error as Error).message.split('\n').slice(0, 12).join('\n');
  }
  note('done');
  closeSync(progress);
  const result = {
    group,
    seed,
    ...counts,
    findings: findings.slice(0, 40),
    total: findings.length,
    slow: slow.slice(0, 10),
    looser: looser.slice(0, 10),
    failure,
  };
  process.stdout.write(`FUZZ-RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

void main();
