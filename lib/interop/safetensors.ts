/**
 * A network as a safetensors file, both ways, named the way PyTorch names the state of
 *
 * ```python
 * nn.Sequential(nn.Linear(n0, n1), Act1(), nn.Linear(n1, n2), Act2(), ...)
 * ```
 *
 * Layer l (1..L) is module 2(l−1): `0.weight` `[n1, n0]`, `0.bias` `[n1]`, `2.weight`, ... (an
 * identity activation is `nn.Identity()`, so the numbering holds). blasnet's w^l is `[nl, n(l−1)]`
 * row-major, exactly `nn.Linear.weight`, so no transpose is needed either way. The metadata holds
 * `sizes` ("4,5,3") and `activations` ("relu,softmax"): the format allows strings only.
 *
 * Loading accepts any increasing module indices with a common prefix (`0.`, `3.`, `model.0.`),
 * so a Sequential with other activation layouts loads too.
 */
import { ACTIVATION_NAMES, type ActivationName } from '../activations';
import { writeFileAtomic } from '../atomic-file';
import type { BackendName } from '../backend/select';
import type { Backend } from '../backend/types';
import { blasnetError, rangeError, shapeError, typeError } from '../errors';
import { Network } from '../network';
import { MODEL_DEFAULT_MAX_BYTES } from '../model-file';
import { modelFields } from '../model-fields';
import { readRegularFileSync } from '../regular-file';
import { checkInt, checkOptions } from '../validate';
import { version as blasnetVersion } from '../version';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from './safetensors-format';

/** Metadata keys blasnet writes itself; a caller's metadata may not use them. */
const RESERVED_KEYS = [
  'format',
  'sizes',
  'activations',
  'blasnet',
  'blasnet.task',
  'blasnet.classes',
  'blasnet.scaler',
] as const;

/**
 * How {@link fromSafetensors} and {@link loadSafetensors} build the network.
 *
 * @example
 * ```ts
 * const options: SafetensorsLoadOptions = { sizes: [4, 5, 3], activations: ['tanh', 'softmax'], backend: 'js' };
 * ```
 */
export interface SafetensorsLoadOptions {
  /**
   * The expected layer sizes `[n0, ..., nL]`: checked against the tensors' shapes (which define
   * them). Default: whatever the tensors say.
   */
  sizes?: number[];
  /**
   * One activation for every layer, or one per weight layer. Required when the file does not
   * say (a file written by PyTorch); when given, it wins over the file's metadata.
   */
  activations?: ActivationName | ActivationName[];
  /** The backend of the new network (default `'auto'`). */
  backend?: BackendName | Backend;
  /** Names the file in error messages (default `'safetensors'`). */
  source?: string;
  /**
   * {@link loadSafetensors} only: the largest file read, in bytes (a larger one is
   * ERR_BLASNET_FORMAT before a byte is read). Default 2 GiB, as for `loadNetwork`.
   */
  maxBytes?: number;
}

/**
 * The bytes of a safetensors file holding `net`: `0.weight`, `0.bias`, `2.weight`, ... as float32,
 * with the sizes and activations in `__metadata__` (plus `metadata`, strings only), and the task,
 * class names and scaler when the network has them (`blasnet.task`, and `blasnet.classes` and
 * `blasnet.scaler` as JSON strings; prefixed, as the CLI's own metadata has a `classes` count).
 *
 * @example
 * ```ts
 * const bytes = toSafetensors(net); // PyTorch: load_file(...) then seq.load_state_dict(...)
 * const copy = fromSafetensors(bytes);
 * ```
 */
export function toSafetensors(net: Network, metadata?: Record<string, string>): Uint8Array {
  if (!(net instanceof Network)) throw typeError('net', 'a Network', net);
  const extra = checkOptions<Record<string, string>>('metadata', metadata);
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value !== 'string')
      throw typeError(`metadata.${key}`, 'a string (safetensors metadata is strings only)', value);
    if ((RESERVED_KEYS as readonly string[]).includes(key))
      throw rangeError('metadata', `keys other than ${RESERVED_KEYS.join(', ')}`, key);
  }
  const tensors = new Map<string, F32Tensor>();
  for (let l = 1; l <= net.depth; l++) {
    const module = 2 * (l - 1);
    // w^l [nl, n(l-1)] row-major is nn.Linear.weight [out_features, in_features] as is.
    tensors.set(`${module}.weight`, {
      shape: [net.sizes[l], net.sizes[l - 1]],
      data: net.getWeights(l),
    });
    tensors.set(`${module}.bias`, { shape: [net.sizes[l]], data: net.getBiases(l) });
  }
  return encodeSafetensors(tensors, {
    ...extra,
    // "pt": what PyTorch tooling (transformers) writes and checks for a torch state dict.
    format: 'pt',
    sizes: net.sizes.join(','),
    activations: net.activations.join(','),
    blasnet: blasnetVersion,
    ...modelFieldStrings(net),
  });
}

/**
 * Rebuild a network from safetensors bytes: blasnet's own files, or the `state_dict()` of a
 * PyTorch `nn.Sequential` of `nn.Linear` layers saved as float32 (then pass `activations`).
 * A corrupted or unfitting file throws an `ERR_BLASNET_FORMAT` error saying what is wrong.
 *
 * @example
 * ```ts
 * const net = fromSafetensors(readFileSync('torch.safetensors'), { activations: ['relu', 'softmax'] });
 * ```
 */
export function fromSafetensors(bytes: Uint8Array, options?: SafetensorsLoadOptions): Network {
  const opts = checkOptions<SafetensorsLoadOptions>('options', options, [
    'sizes',
    'activations',
    'backend',
    'source',
  ]);
  if (!(bytes instanceof Uint8Array)) throw typeError('bytes', 'a Buffer or Uint8Array', bytes);
  const source = opts.source ?? 'safetensors';
  const bad = (what: string) => blasnetError('ERR_BLASNET_FORMAT', `${source}: ${what}`);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const layers = linearLayers(tensors, bad);
  const sizes = [layers[0].weight.shape[1], ...layers.map((layer) => layer.weight.shape[0])];

  if (metadata.sizes !== undefined && metadata.sizes !== sizes.join(','))
    throw bad(
      `its metadata says sizes ${metadata.sizes} but its tensors are of sizes ${sizes.join(',')}`,
    );
  if (opts.sizes !== undefined) {
    if (!Array.isArray(opts.sizes))
      throw typeError('options.sizes', 'an array of layer sizes like [784, 30, 10]', opts.sizes);
    if (opts.sizes.length !== sizes.length || opts.sizes.some((n, i) => n !== sizes[i]))
      throw shapeError(
        'options.sizes',
        `the sizes of the file's tensors [${sizes.join(', ')}]`,
        `[${opts.sizes.join(', ')}]`,
      );
  }
  // The file's own activations are checked even when the caller overrides them: a bad entry
  // means a damaged or foreign file.
  let fileActivations: ActivationName[] | undefined;
  if (metadata.activations !== undefined) {
    const names = metadata.activations.split(',');
    if (
      names.length !== layers.length ||
      !names.every((a) => (ACTIVATION_NAMES as string[]).includes(a))
    )
      throw bad(
        `its metadata names activations ${JSON.stringify(metadata.activations)}, not one known activation per layer (${layers.length})`,
      );
    fileActivations = names as ActivationName[];
  }
  const activations = opts.activations ?? fileActivations;
  if (activations === undefined)
    throw typeError(
      'options.activations',
      `the activations (the file does not name them: one per layer like ['relu', 'softmax'] for sizes [${sizes.join(', ')}])`,
      undefined,
    );

  // Network checks the activations (names, softmax only on the output) and the backend; blasnet's
  // own file may also say what the network is for, checked as a model file's fields are.
  const layersOnly = new Network({
    sizes,
    activations,
    backend: opts.backend,
    init: 'he',
    seed: 0,
  });
  const fields = modelFields(
    {
      sizes,
      activations: [...layersOnly.activations],
      task: metadata['blasnet.task'],
      classes: parseField(metadata['blasnet.classes'], 'blasnet.classes', bad),
      scaler: parseField(metadata['blasnet.scaler'], 'blasnet.scaler', bad),
    },
    bad,
  );
  const net =
    Object.keys(fields).length === 0
      ? layersOnly
      : new Network({
          sizes,
          activations: [...layersOnly.activations],
          backend: layersOnly.backend,
          init: 'he',
          seed: 0,
          ...fields,
        });
  layers.forEach(({ weight, bias }, i) => {
    net.setWeights(i + 1, weight.data);
    net.setBiases(i + 1, bias.data);
  });
  return net;
}

/** The task, class names and scaler of `net` as safetensors metadata (strings; JSON for the others). */
function modelFieldStrings(net: Network): Record<string, string> {
  const out: Record<string, string> = {};
  if (net.task !== undefined) out['blasnet.task'] = net.task;
  if (net.classes !== undefined) out['blasnet.classes'] = JSON.stringify(net.classes);
  if (net.scaler !== undefined) out['blasnet.scaler'] = JSON.stringify(net.scaler.toJSON());
  return out;
}

/** A JSON metadata string, parsed (undefined when absent); unparsable JSON is the file's error. */
function parseField(text: string | undefined, name: string, bad: (what: string) => Error): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw bad(`its metadata's ${name} is not JSON: ${JSON.stringify(text.slice(0, 40))}`);
  }
}

/**
 * Write `net` to `path` as safetensors, atomically (a temporary file renamed over the target).
 *
 * @example
 * ```ts
 * saveSafetensors(net, 'digits.safetensors');
 * // Python: seq.load_state_dict(safetensors.torch.load_file('digits.safetensors'))
 * ```
 */
export function saveSafetensors(
  net: Network,
  path: string,
  metadata?: Record<string, string>,
): void {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  writeFileAtomic(path, toSafetensors(net, metadata));
}

/**
 * Load a network from a safetensors file (see {@link fromSafetensors}). As `loadNetwork` does,
 * only a regular file is read (a FIFO, device or directory is ERR_BLASNET_IO), and none larger
 * than `options.maxBytes` (ERR_BLASNET_FORMAT).
 *
 * @example
 * ```ts
 * const net = loadSafetensors('digits.safetensors'); // written by saveSafetensors
 * const fromTorch = loadSafetensors('mlp.safetensors', { activations: ['relu', 'softmax'] });
 * ```
 */
export function loadSafetensors(path: string, options?: SafetensorsLoadOptions): Network {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  const { maxBytes, ...rest } = checkOptions<SafetensorsLoadOptions>('options', options, [
    'sizes',
    'activations',
    'backend',
    'source',
    'maxBytes',
  ]);
  const cap =
    maxBytes === undefined ? MODEL_DEFAULT_MAX_BYTES : checkInt('options.maxBytes', maxBytes, 0);
  const bytes = readRegularFileSync(path, cap, 'options.maxBytes');
  return fromSafetensors(bytes, { ...rest, source: rest.source ?? path });
}

/** The Linear layers of a Sequential's state, in module order, their shapes chained and checked. */
function linearLayers(
  tensors: ReadonlyMap<string, F32Tensor>,
  bad: (what: string) => Error,
): Array<{ weight: F32Tensor; bias: F32Tensor }> {
  const expected =
    'blasnet reads the nn.Linear layers of an nn.Sequential (0.weight, 0.bias, 2.weight, 2.bias, ...)';
  let prefix: string | undefined;
  const byModule = new Map<number, { weight?: F32Tensor; bias?: F32Tensor }>();
  for (const [name, tensor] of tensors) {
    const match = /^(.*?)(\d+)\.(weight|bias)$/.exec(name);
    if (!match) throw bad(`unexpected tensor ${JSON.stringify(name)}: ${expected}`);
    const [, p, index, kind] = match;
    if (prefix !== undefined && p !== prefix)
      throw bad(
        `tensors of two models (${JSON.stringify(prefix)} and ${JSON.stringify(p)}): ${expected}`,
      );
    prefix = p;
    const module = Number(index);
    const entry = byModule.get(module) ?? {};
    entry[kind as 'weight' | 'bias'] = tensor;
    byModule.set(module, entry);
  }
  if (byModule.size === 0) throw bad(`no tensors: ${expected}`);
  const layers = [...byModule.entries()].sort((a, b) => a[0] - b[0]);
  const out: Array<{ weight: F32Tensor; bias: F32Tensor }> = [];
  let previous: number | undefined;
  for (const [module, { weight, bias }] of layers) {
    const name = `${prefix}${module}`;
    if (!weight || !bias)
      throw bad(
        `module ${name} has ${weight ? 'a weight but no bias' : 'a bias but no weight'} (blasnet layers have both: nn.Linear(..., bias=True))`,
      );
    if (weight.shape.length !== 2 || weight.shape.some((d) => d < 1 || d > 1 << 24))
      throw bad(
        `${name}.weight has shape ${JSON.stringify(weight.shape)}, not [out_features, in_features]`,
      );
    const [nOut, nIn] = weight.shape;
    if (bias.shape.length !== 1 || bias.shape[0] !== nOut)
      throw bad(`${name}.bias has shape ${JSON.stringify(bias.shape)}, expected [${nOut}]`);
    if (previous !== undefined && nIn !== previous)
      throw bad(
        `${name}.weight takes ${nIn} inputs but the layer before it has ${previous} outputs`,
      );
    for (const [part, t] of [
      ['weight', weight],
      ['bias', bias],
    ] as const) {
      const i = t.data.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw bad(`${name}.${part} element ${i} is not finite (${t.data[i]})`);
    }
    previous = nOut;
    out.push({ weight, bias });
  }
  return out;
}
