/**
 * The CLI run in this process: `main()` with captured, non-TTY streams (a spawned process costs
 * about a second here; these cover what does not need one).
 */
import { Writable } from 'node:stream';
import { main } from '../../lib/cli/main';

/** What a run of the CLI gave. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run `blasnet ...args` through main() and collect its exit code and output. */
export async function runCli(...args: string[]): Promise<CliRun> {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const status = await main(args, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr) });
  return { status, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}
