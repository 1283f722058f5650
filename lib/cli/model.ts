/**
 * What the CLI stores with a model (in the model file's metadata) so that `evaluate` and
 * `predict` decode its outputs the way it was trained: the label encoding, the number of
 * classes, the image shape and pixel scaling, the loss, and the training settings and results.
 */
import type { BackendName } from '../backend/select';
import { type EncodingName, encodingNames, getEncoding, type LabelEncoding } from '../data';
import { type LossName, LOSS_NAMES } from '../losses';
import { deserializeNetwork, MODEL_DEFAULT_MAX_BYTES, readModelMetadata } from '../model-file';
import type { Network } from '../network';
import { readRegularFileSync } from '../regular-file';
import { CliError, UsageError } from './errors';
import { errorCodeOf, readFailure } from './read-file';

/** The `metadata` the CLI writes into a model file. */
export interface CliModelMetadata {
  /** Marks metadata written by this CLI. */
  kind: 'blasnet-classifier';
  /** The label encoding of the outputs. */
  encoding: EncodingName;
  /** Number of classes. */
  classes: number;
  /** Image rows and columns (their product is the input size). */
  rows: number;
  cols: number;
  /** How pixels become inputs: byte / 255. */
  pixelScale: 'divide-by-255';
  /** The loss it was trained with. */
  loss: LossName;
  /** The settings of the run (network, optimizer, data). */
  settings?: Record<string, unknown>;
  /** Results of the run (test accuracy, time, backend). */
  result?: Record<string, unknown>;
  /** ISO time of saving. */
  createdAt?: string;
}

/** A loaded model: the network, how to decode it, and whether that was read or guessed. */
export interface LoadedModel {
  net: Network;
  meta: CliModelMetadata;
  /** True when the file had no CLI metadata and the encoding and shape were inferred. */
  inferred: boolean;
  encoding: LabelEncoding;
  /** Decode `[n, nL]` outputs into labels. */
  decode: (outputs: Float32Array, n: number) => Uint8Array;
}

/** Decoder of a model's outputs from its metadata. */
export function decoderFor(
  meta: Pick<CliModelMetadata, 'encoding' | 'classes'>,
): (outputs: Float32Array, n: number) => Uint8Array {
  const encoding = getEncoding(meta.encoding);
  return (outputs, n) => encoding.decode(outputs, n, meta.classes);
}

function isCliMetadata(
  m: Record<string, unknown> | undefined,
): m is Record<string, unknown> & CliModelMetadata {
  return (
    m !== undefined &&
    m.kind === 'blasnet-classifier' &&
    (encodingNames as readonly unknown[]).includes(m.encoding) &&
    Number.isInteger(m.classes) &&
    Number.isInteger(m.rows) &&
    Number.isInteger(m.cols) &&
    (LOSS_NAMES as readonly unknown[]).includes(m.loss)
  );
}

/**
 * Read a model file's network and raw metadata for the CLI: errors become {@link CliError}s that
 * say what to do.
 */
export function readCliModelFile(
  file: string,
  backend: BackendName,
): { net: Network; raw: Record<string, unknown> | undefined } {
  let bytes: Buffer;
  try {
    // A regular file under the model size cap: a FIFO or a device would block or never end.
    bytes = readRegularFileSync(file, MODEL_DEFAULT_MAX_BYTES, 'the model size limit');
  } catch (error) {
    throw new CliError(
      errorCodeOf(error),
      `Cannot read the model ${file}: ${readFailure(error)}. Train one with 'blasnet train --out ${file}'.`,
    );
  }
  let net: Network;
  try {
    net = deserializeNetwork(bytes, { backend, source: file });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_FORMAT')
      throw new CliError(
        e.code,
        `${e.message}. Is it a model saved by 'blasnet train --out'? Train it again if it was damaged.`,
      );
    throw error;
  }
  return { net, raw: readModelMetadata(bytes) };
}

/** Load a model file of digits for the CLI: errors become {@link CliError}s that say what to do. */
export function loadCliModel(file: string, backend: BackendName): LoadedModel {
  const { net, raw } = readCliModelFile(file, backend);
  if (raw?.kind === 'blasnet-table')
    throw new UsageError(
      `The model ${file} was trained on a CSV table: give the rows with --csv FILE (blasnet evaluate ${file} --csv FILE, blasnet predict ${file} --csv FILE)`,
    );
  const n0 = net.inputSize;
  const nL = net.outputSize;
  if (isCliMetadata(raw)) {
    const meta = raw;
    const encoding = getEncoding(meta.encoding);
    if (meta.rows * meta.cols !== n0 || encoding.width(meta.classes) !== nL) {
      throw new CliError(
        'ERR_BLASNET_FORMAT',
        `${file}: its metadata (${meta.rows}x${meta.cols} images, ${meta.encoding} encoding of ${meta.classes} classes) does not match its network [${net.sizes.join(', ')}]`,
      );
    }
    return { net, meta, inferred: false, encoding, decode: decoderFor(meta) };
  }
  // A model saved by the library without CLI metadata: argmax for several outputs, a scaled
  // regression for one; square images.
  const side = Math.round(Math.sqrt(n0));
  const encodingName: EncodingName = nL === 1 ? 'regression' : 'onehot';
  const meta: CliModelMetadata = {
    kind: 'blasnet-classifier',
    encoding: encodingName,
    classes: nL === 1 ? 10 : nL,
    rows: side * side === n0 ? side : 1,
    cols: side * side === n0 ? side : n0,
    pixelScale: 'divide-by-255',
    loss: net.activations[net.depth - 1] === 'softmax' ? 'crossEntropy' : 'quadratic',
  };
  return {
    net,
    meta,
    inferred: true,
    encoding: getEncoding(encodingName),
    decode: decoderFor(meta),
  };
}

/** `[784, 100, 10] sigmoid → softmax`. */
export function describeNetwork(net: Network): string {
  const acts = net.activations;
  const hidden = acts.slice(0, -1);
  const same = hidden.every((a) => a === hidden[0]);
  const actText =
    hidden.length === 0
      ? acts[0]
      : `${same ? hidden[0] : hidden.join(', ')} → ${acts[acts.length - 1]}`;
  return `[${net.sizes.join(', ')}] ${actText}`;
}
