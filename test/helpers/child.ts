/**
 * Runs a TypeScript snippet in a fresh Node (`node --import tsx`), so that a native crash ends
 * that child, not mocha: the test then fails naming the signal and the last step the child
 * reported, instead of the whole run dying.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The repository root, for absolute imports in the snippet. */
export const ROOT = join(__dirname, '..', '..');

/** Runs `source` (TypeScript, imports by absolute path) in a child Node, at most `timeoutMs`. */
export function runChild(source: string, timeoutMs = 60_000): ChildResult {
  const dir = mkdtempSync(join(tmpdir(), 'blasnet-child-'));
  try {
    const script = join(dir, 'child.ts');
    writeFileSync(script, source);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    return {
      status: child.status,
      signal: child.signal,
      stdout: child.stdout ?? '',
      stderr: child.stderr ?? '',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A failure message for a child that did not exit normally: its signal, last stdout line, stderr. */
export function crashReport(result: ChildResult): string {
  const lines = result.stdout.trim().split('\n');
  const how = result.signal !== null ? `killed by ${result.signal}` : `exit code ${result.status}`;
  return `child ${how}; last output: ${lines[lines.length - 1] ?? ''}\n${result.stderr.slice(-2000)}`;
}
