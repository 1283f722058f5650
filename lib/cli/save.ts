/**
 * What `train` writes at the end, the model file and the HTML report, both atomically; a failure
 * says which option's directory to check.
 */
import { saveNetwork } from '../model-file';
import type { Network } from '../network';
import { type ReportInput, writeReport } from '../report/html';
import { CliError } from './errors';

function ioError(error: unknown, option: string): CliError {
  return new CliError(
    'ERR_BLASNET_IO',
    `${(error as Error).message}. Check that the directory of --${option} exists and is writable.`,
  );
}

/** Save `net` with the CLI's `metadata` to `file` (--out). */
export function saveCliModel(net: Network, file: string, metadata: object): void {
  try {
    saveNetwork(net, file, metadata as Record<string, unknown>);
  } catch (error) {
    throw ioError(error, 'out');
  }
}

/** Write the HTML report to `file` (--report). */
export function writeCliReport(file: string, input: ReportInput): void {
  try {
    writeReport(file, input);
  } catch (error) {
    throw ioError(error, 'report');
  }
}
