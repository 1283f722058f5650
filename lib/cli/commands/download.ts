/**
 * `blasnet download [DIR]`: the four official files into a directory, verified (downloadMnist).
 */
import { SingleBar } from 'cli-progress';
import { type DatasetName, downloadMnist, type DownloadResult } from '../../data';
import { choiceOption, COMMON_OPTIONS, intOption, parseCommand } from '../args';
import { CliError, EXIT_CODES, UsageError } from '../errors';
import { DOWNLOAD_HELP } from '../help';
import type { Output } from '../io';

const OPTIONS = {
  ...COMMON_OPTIONS,
  dataset: { type: 'string' },
  mirror: { type: 'string', multiple: true },
  retries: { type: 'string' },
} as const;

const C = 'download';

/** Run `blasnet download`. */
export async function downloadCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(C, args, OPTIONS, { max: 1 });
  if (values.help) {
    out.io.stdout.write(DOWNLOAD_HELP);
    return EXIT_CODES.ok;
  }
  const dir = positionals[0] ?? 'mnist';
  const dataset = choiceOption<DatasetName>(C, 'dataset', values.dataset, 'mnist', [
    'mnist',
    'fashion-mnist',
  ]);
  const retries = intOption(C, 'retries', values.retries, 2, 0, 100);
  const mirrors = (values as { mirror?: string[] }).mirror;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let bar: SingleBar | undefined;
  let barFile = '';
  const onProgress = (bytes: number, total: number | null, file: string) => {
    if (!out.interactive) return;
    if (file !== barFile || !bar) {
      bar?.stop();
      barFile = file;
      bar = new SingleBar({
        format: `${file.padEnd(28)} {bar} {percentage}% | {value}/{total} bytes | ETA {eta_formatted}`,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
        barsize: 24,
        hideCursor: true,
        stream: out.io.stdout,
      });
      bar.start(total ?? bytes, 0);
    }
    if (total === null) bar.setTotal(bytes);
    bar.update(bytes);
  };
  out.line(`blasnet download: ${dataset} into ${dir}`);
  let result: DownloadResult;
  try {
    result = await downloadMnist({
      dir,
      dataset,
      retries,
      onProgress,
      signal: controller.signal,
      ...(mirrors ? { mirrors } : {}),
    });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_ABORTED') {
      bar?.stop();
      out.note(
        'blasnet: download interrupted; run the same command again to resume (verified files are kept)',
      );
      return EXIT_CODES.interrupted;
    }
    if (e.code === 'ERR_BLASNET_IO') {
      throw new CliError(
        e.code,
        `${e.message}\nCheck the network connection (behind a proxy, set HTTPS_PROXY and HTTP_PROXY, with NO_PROXY for hosts to reach directly), try again later, or give another mirror with --mirror URL.`,
      );
    }
    if (e.code === 'ERR_BLASNET_RANGE' || e.code === 'ERR_BLASNET_TYPE')
      throw new UsageError(e.message.replace(/options\.mirrors(\[\d+\])?/, '--mirror'), C);
    throw error;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
  out.record(result);
  for (const f of result.files) {
    out.line(
      `${f.status === 'present' ? 'present   ' : 'downloaded'} ${f.name} (${f.bytes.toLocaleString('en-US')} bytes${f.url ? ` from ${f.url}` : ''}, verified by ${f.verifiedBy} checksum)`,
    );
  }
  out.line(`done: train with 'blasnet train --data ${dir}'`);
  return EXIT_CODES.ok;
}
