/**
 * `blasnet predict <model> <input>...`: one label per line for every image of IDX images files
 * and PNG images; with several inputs each line names its file (`seven.png: 7`, `t10k.gz[3]: 0`).
 */
import type { BackendName } from '../../backend/select';
import { decodeIdx, IDX_DEFAULT_MAX_BYTES } from '../../data';
import { readRegularFileSync } from '../../regular-file';
import { choiceOption, COMMON_OPTIONS, parseCommand } from '../args';
import { cliBackend } from '../backend';
import { CliError, EXIT_CODES, UsageError } from '../errors';
import { PREDICT_HELP } from '../help';
import { imageFormatOf, pngToInput } from '../image';
import type { Output } from '../io';
import { type LoadedModel, loadCliModel } from '../model';
import { errorCodeOf, readFailure } from '../read-file';
import { sizeMismatch } from './evaluate';
import { predictCsv } from './table-commands';

const OPTIONS = {
  ...COMMON_OPTIONS,
  backend: { type: 'string' },
  csv: { type: 'string' },
  out: { type: 'string' },
} as const;

const C = 'predict';

interface Batch {
  source: string;
  kind: 'png' | 'idx';
  x: Float32Array;
  count: number;
  notes?: Record<string, unknown>;
}

function readInput(file: string, model: LoadedModel, modelFile: string): Batch {
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file, IDX_DEFAULT_MAX_BYTES, 'the input size limit');
  } catch (error) {
    const reason = readFailure(error);
    throw new CliError(
      errorCodeOf(error),
      `Cannot read the input ${file}: ${reason}. Give an IDX images file (like t10k-images-idx3-ubyte.gz) or a PNG image.`,
    );
  }
  const { meta, net } = model;
  const format = imageFormatOf(bytes);
  if (format !== undefined && format !== 'PNG') {
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}: a ${format} image, which predict does not read. Give a PNG image or an IDX images file (convert it first, e.g. 'convert ${file} digit.png' with ImageMagick).`,
    );
  }
  if (format === 'PNG') {
    const png = pngToInput(bytes, meta.rows, meta.cols, file);
    return {
      source: file,
      kind: 'png',
      x: png.input,
      count: 1,
      notes: {
        width: png.width,
        height: png.height,
        inverted: png.inverted,
        normalized: png.normalized,
      },
    };
  }
  let idx: ReturnType<typeof decodeIdx>;
  try {
    idx = decodeIdx(bytes, { name: file });
  } catch (error) {
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${(error as Error).message}. Give an IDX images file (like t10k-images-idx3-ubyte.gz) or a PNG image.`,
    );
  }
  if (idx.type !== 'uint8' || idx.dims.length < 2) {
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}: expected an IDX images file of uint8 pixels [count, rows, cols] but it holds ${idx.type} [${idx.dims.join(', ')}] (a labels file?)`,
    );
  }
  const [count, rows, ...rest] = idx.dims as [number, number, ...number[]];
  const cols = rest.reduce((p, d) => p * d, 1);
  if (rows * cols !== net.inputSize) throw sizeMismatch(modelFile, model, file, rows, cols);
  const x = new Float32Array(idx.data.length);
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i] / 255;
  return { source: file, kind: 'idx', x, count };
}

/** Run `blasnet predict`. */
export async function predictCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(C, args, OPTIONS, {
    min: 1,
    names: '<model> and at least one <input> (an IDX images file or a PNG image), or --csv FILE',
  });
  if (values.help) {
    out.io.stdout.write(PREDICT_HELP);
    return EXIT_CODES.ok;
  }
  const [modelFile, ...inputs] = positionals as [string, ...string[]];
  if (values.csv !== undefined && inputs.length > 0)
    throw new UsageError(
      `Unexpected argument ${JSON.stringify(inputs[0])} for 'blasnet predict' with --csv (the rows come from the CSV)`,
      C,
    );
  if (values.csv === undefined && values.out !== undefined)
    throw new UsageError('--out is for --csv: predictions of images go to stdout', C);
  if (values.csv === undefined && inputs.length === 0)
    throw new UsageError(
      "Missing at least one <input> (an IDX images file or a PNG image), or --csv FILE for 'blasnet predict'",
      C,
    );
  const backendName = choiceOption<BackendName>(C, 'backend', values.backend, 'auto', [
    'auto',
    'native',
    'js',
  ]);
  const be = cliBackend(backendName, undefined);
  if (values.csv !== undefined) return predictCsv(modelFile, values.csv, values.out, be, out);
  const model = loadCliModel(modelFile, be.name);
  if (model.inferred && !out.json)
    out.note(
      `blasnet: ${modelFile} has no CLI metadata; assuming ${model.meta.encoding} outputs and ${model.meta.rows}x${model.meta.cols} images`,
    );
  const batches = inputs.map((file) => readInput(file, model, modelFile));
  const nOut = model.net.outputSize;
  const named = inputs.length > 1;
  const predictions: Record<string, unknown>[] = [];
  for (const b of batches) {
    if (b.count === 0) continue;
    const outputs = model.net.predict(b.x);
    const labels = model.decode(outputs, b.count);
    if (out.json) {
      for (let i = 0; i < b.count; i++) {
        const row = Array.from(outputs.subarray(i * nOut, (i + 1) * nOut), (v) =>
          Number(v.toPrecision(6)),
        );
        const p: Record<string, unknown> = { input: b.source, index: i, label: labels[i] };
        if (model.meta.encoding === 'onehot') p.confidence = row[labels[i]];
        p.outputs = row;
        if (b.notes) Object.assign(p, b.notes);
        predictions.push(p);
      }
    } else if (!named) {
      // One input: bare labels, one per line (for `> labels.txt`); joined so a large IDX file is one write.
      out.io.stdout.write(`${Array.from(labels).join('\n')}\n`);
    } else {
      // Several inputs: each label says whose it is (an IDX file's images by their index).
      const lines = Array.from(labels, (label, i) =>
        b.kind === 'png' ? `${b.source}: ${label}` : `${b.source}[${i}]: ${label}`,
      );
      out.io.stdout.write(`${lines.join('\n')}\n`);
    }
  }
  out.record({
    model: modelFile,
    encoding: model.meta.encoding,
    classes: model.meta.classes,
    predictions,
  });
  return EXIT_CODES.ok;
}
