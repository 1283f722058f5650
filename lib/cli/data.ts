/**
 * Loading a data directory for the CLI, with errors that say what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadMnist, type MnistData } from '../data';
import { CliError, UsageError } from './errors';

/** A loaded dataset and how to name it in messages. */
export interface CliData {
  data: MnistData;
  /** `'bundled digits'` or the directory. */
  name: string;
  /** The directory given, or null for the bundled digits. */
  dir: string | null;
}

const FIX = (dir: string) =>
  `Run 'blasnet download ${dir}' to fetch MNIST there, point --data at a directory holding the 4 standard IDX files ` +
  `(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, raw or .gz), ` +
  `or leave out --data to use the bundled digits.`;

/** Load `dir` (or the bundled digits), turning every failure into a {@link CliError} with a fix. */
export function loadCliData(dir: string | undefined, validation = 0): CliData {
  if (dir !== undefined) {
    const resolved = path.resolve(dir);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'it does not exist'
          : (error as Error).message;
      throw new CliError(
        'ERR_BLASNET_IO',
        `Cannot read the data directory ${dir}: ${reason}. ${FIX(dir)}`,
      );
    }
    if (!stat.isDirectory())
      throw new CliError(
        'ERR_BLASNET_IO',
        `Cannot read the data directory ${dir}: it is not a directory. ${FIX(dir)}`,
      );
    try {
      fs.readdirSync(resolved);
    } catch (error) {
      throw new CliError(
        'ERR_BLASNET_IO',
        `Cannot read the data directory ${dir}: ${(error as Error).message}. Check its permissions, or ${FIX(dir).replace(/^Run/, 'run')}`,
      );
    }
  }
  let data: MnistData;
  try {
    data = loadMnist({ dir, validation });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_IO')
      throw new CliError(
        'ERR_BLASNET_IO',
        `Cannot load the data directory ${dir ?? '(bundled)'}: ${e.message}. ${FIX(dir ?? 'data/mnist')}`,
      );
    if (e.code === 'ERR_BLASNET_FORMAT')
      throw new CliError(
        'ERR_BLASNET_FORMAT',
        `The data in ${dir ?? '(bundled)'} is not usable: ${e.message}. Re-download it with 'blasnet download ${dir ?? 'data/mnist'}'.`,
      );
    if (e.code === 'ERR_BLASNET_RANGE' && /validation/.test(e.message))
      throw new UsageError(e.message.replace('options.validation', '--validation'), 'train');
    throw error;
  }
  return { data, name: dir === undefined ? 'bundled digits' : dir, dir: dir ?? null };
}
