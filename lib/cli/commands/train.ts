/**
 * `blasnet train`: build a network, train it with mini-batch SGD on a data directory (or the
 * bundled digits) with live progress, evaluate it on the test set, and save the model (with its
 * encoding and settings) and an HTML report.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActivationName } from '../../activations';
import type { BackendName } from '../../backend/select';
import { type EncodingName, getEncoding } from '../../data';
import { evaluate } from '../../evaluate';
import { type InitName, INIT_NAMES } from '../../init';
import type { LossName } from '../../losses';
import type { OptimizerName } from '../../optimizers';
import { saveNetwork } from '../../model-file';
import { Network } from '../../network';
import { type BatchReport, fit, type FitResult } from '../../train';
import { version } from '../../version';
import { classificationMetrics, type ClassificationMetrics } from '../../report/metrics';
import { misclassifiedDigits, writeReport } from '../../report/html';
import { trainingThroughput } from '../../report/throughput';
import {
  choiceOption,
  COMMON_OPTIONS,
  intOption,
  numberOption,
  parseCommand,
  sizesOption,
} from '../args';
import { cliBackend } from '../backend';
import { loadCliData } from '../data';
import { CliError, EXIT_CODES, UsageError } from '../errors';
import { TRAIN_HELP } from '../help';
import type { Output } from '../io';
import { type CliModelMetadata, decoderFor, describeNetwork } from '../model';
import { createProgress } from '../progress';

const OPTIONS = {
  ...COMMON_OPTIONS,
  data: { type: 'string' },
  validation: { type: 'string' },
  layers: { type: 'string' },
  activation: { type: 'string' },
  output: { type: 'string' },
  encoding: { type: 'string' },
  init: { type: 'string' },
  loss: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  dropout: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  report: { type: 'string' },
} as const;

type Hidden = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu';
type OutputActivation = 'softmax' | 'sigmoid' | 'identity';

/** The resolved settings of a training run. */
export interface TrainSettings {
  data: string | undefined;
  validation: number;
  layers: number[] | undefined;
  activation: Hidden;
  output: OutputActivation;
  encoding: EncodingName;
  init: InitName;
  loss: LossName;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  momentum: number;
  weightDecay: number;
  /** Dropout rate of the hidden layers: one for all, or one per hidden layer. */
  dropout: number[];
  seed: number;
  backend: BackendName;
  threads: number | undefined;
  out: string | undefined;
  report: string | undefined;
}

const C = 'train';

/** Resolve and check every option (usage errors name the option). */
export function resolveTrainSettings(
  values: Record<string, string | boolean | undefined>,
): TrainSettings {
  const s = (name: string) => values[name] as string | undefined;
  const encoding = choiceOption<EncodingName>(C, 'encoding', s('encoding'), 'onehot', [
    'onehot',
    'binary',
    'regression',
  ]);
  const activation = choiceOption<Hidden>(
    C,
    'activation',
    s('activation'),
    'sigmoid',
    ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu'],
    { 'leaky-relu': 'leakyRelu' },
  );
  const output = choiceOption<OutputActivation>(
    C,
    'output',
    s('output'),
    encoding === 'onehot' ? 'softmax' : 'sigmoid',
    ['softmax', 'sigmoid', 'identity'],
  );
  if (output === 'softmax' && encoding !== 'onehot') {
    throw new UsageError(
      `Expected --output sigmoid or identity for --encoding ${encoding} (softmax makes the outputs compete, which only fits onehot) but received "softmax"`,
      C,
    );
  }
  const defaultLoss: LossName =
    output === 'softmax'
      ? 'crossEntropy'
      : encoding === 'binary' && output === 'sigmoid'
        ? 'binaryCrossEntropy'
        : 'quadratic';
  const loss = choiceOption<LossName>(
    C,
    'loss',
    s('loss'),
    defaultLoss,
    ['crossEntropy', 'binaryCrossEntropy', 'quadratic', 'meanAbsoluteError', 'huber'],
    {
      'cross-entropy': 'crossEntropy',
      crossentropy: 'crossEntropy',
      'binary-cross-entropy': 'binaryCrossEntropy',
      mse: 'quadratic',
      mae: 'meanAbsoluteError',
      l1: 'meanAbsoluteError',
      'mean-absolute-error': 'meanAbsoluteError',
    },
  );
  if (loss === 'crossEntropy' && output !== 'softmax')
    throw new UsageError(
      `Expected --output softmax for --loss crossEntropy but received "${output}" (use --loss binaryCrossEntropy or quadratic)`,
      C,
    );
  if (loss === 'binaryCrossEntropy' && output !== 'sigmoid')
    throw new UsageError(
      `Expected --output sigmoid for --loss binaryCrossEntropy but received "${output}"`,
      C,
    );
  const optimizer = choiceOption<OptimizerName>(C, 'optimizer', s('optimizer'), 'sgd', [
    'sgd',
    'adam',
    'adamw',
    'rmsprop',
  ]);
  const momentum = numberOption(C, 'momentum', s('momentum'), 0, 0, 0.999999);
  if (optimizer !== 'sgd' && momentum !== 0)
    throw new UsageError(
      `Expected no --momentum with --optimizer ${optimizer} (momentum is SGD's) but received ${momentum}`,
      C,
    );
  // SGD: Nielsen's rates; the adaptive optimizers: PyTorch's defaults (Adam, AdamW 1e-3; RMSprop 1e-2).
  const defaultRate =
    optimizer === 'adam' || optimizer === 'adamw'
      ? 0.001
      : optimizer === 'rmsprop'
        ? 0.01
        : output === 'identity'
          ? 0.05
          : loss === 'quadratic'
            ? 3.0
            : 0.5;
  const layersText = s('layers');
  return {
    data: s('data'),
    validation: intOption(C, 'validation', s('validation'), 0, 0),
    layers: layersText === undefined ? undefined : sizesOption(C, 'layers', layersText),
    activation,
    output,
    encoding,
    init: choiceOption<InitName>(C, 'init', s('init'), 'xavier', INIT_NAMES),
    loss,
    epochs: intOption(C, 'epochs', s('epochs'), 15, 1, 1_000_000),
    batchSize: intOption(C, 'batch-size', s('batch-size'), 10, 1),
    learningRate: numberOption(C, 'learning-rate', s('learning-rate'), defaultRate, 0),
    optimizer,
    momentum,
    weightDecay: numberOption(C, 'weight-decay', s('weight-decay'), 0, 0),
    dropout: dropoutOption(s('dropout')),
    seed: intOption(C, 'seed', s('seed'), 1, 0, 0xffffffff),
    backend: choiceOption<BackendName>(C, 'backend', s('backend'), 'auto', [
      'auto',
      'native',
      'js',
    ]),
    threads:
      s('threads') === undefined ? undefined : intOption(C, 'threads', s('threads'), 1, 1, 1024),
    out: s('out'),
    report: s('report'),
  };
}

/** `--dropout P` or `--dropout P1,P2,..` (one per hidden layer), each in [0, 1). */
function dropoutOption(text: string | undefined): number[] {
  if (text === undefined) return [0];
  return text.split(',').map((part) => {
    const p = numberOption(C, 'dropout', part, 0, 0);
    if (p >= 1)
      throw new UsageError(`Expected a rate in [0, 1) for --dropout but received ${p}`, C);
    return p;
  });
}

/** Run `blasnet train`. */
export async function trainCommand(args: string[], out: Output): Promise<number> {
  const { values } = parseCommand(C, args, OPTIONS, { max: 0 });
  if (values.help) {
    out.io.stdout.write(TRAIN_HELP);
    return EXIT_CODES.ok;
  }
  const started = performance.now();
  const s = resolveTrainSettings(values);
  const be = cliBackend(s.backend, s.threads);
  const { data, name: dataName } = loadCliData(s.data, s.validation);
  const encoding = getEncoding(s.encoding);
  const width = encoding.width(data.classes);
  const sizes = s.layers ?? [data.inputSize, 100, width];
  if (sizes[0] !== data.inputSize) {
    throw new UsageError(
      `Expected ${data.inputSize} inputs (${data.rows}x${data.cols} images in ${dataName}) as the first of --layers but received ${sizes[0]}`,
      C,
    );
  }
  if (sizes[sizes.length - 1] !== width) {
    throw new UsageError(
      `Expected ${width} outputs as the last of --layers for --encoding ${s.encoding} with ${data.classes} classes but received ${sizes[sizes.length - 1]}`,
      C,
    );
  }
  const activations: ActivationName[] = [
    ...new Array<ActivationName>(sizes.length - 2).fill(s.activation),
    s.output,
  ];
  const hidden = sizes.length - 2;
  if (s.dropout.length !== 1 && s.dropout.length !== hidden)
    throw new UsageError(
      `Expected one --dropout rate, or ${hidden} (one per hidden layer), but received ${s.dropout.length}`,
      C,
    );
  if (hidden === 0 && s.dropout[0] > 0)
    throw new UsageError('Expected --dropout 0 for a network without hidden layers', C);
  const net = new Network({
    sizes,
    activations,
    init: s.init,
    seed: s.seed,
    backend: be,
    dropout: s.dropout.length === 1 ? s.dropout[0] : s.dropout,
  });
  const decode = decoderFor({ encoding: s.encoding, classes: data.classes });
  const train = {
    x: data.train.images,
    y: encoding.encode(data.train.labels, data.classes),
    labels: data.train.labels,
  };
  const test = {
    x: data.test.images,
    y: encoding.encode(data.test.labels, data.classes),
    labels: data.test.labels,
  };
  const heldOut: 'validation' | 'test' = data.validation ? 'validation' : 'test';
  const held = data.validation
    ? {
        x: data.validation.images,
        y: encoding.encode(data.validation.labels, data.classes),
        labels: data.validation.labels,
      }
    : test;
  const info = be.info();
  const settingsRecord = {
    network: describeNetwork(net),
    layers: sizes.join(','),
    activation: s.activation,
    output: s.output,
    encoding: s.encoding,
    init: s.init,
    loss: s.loss,
    epochs: s.epochs,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    optimizer: s.optimizer,
    momentum: s.momentum,
    weightDecay: s.weightDecay,
    ...(net.dropout.some((p) => p > 0) ? { dropout: [...net.dropout] } : {}),
    seed: s.seed,
    data: dataName,
    trainExamples: data.train.count,
    validationExamples: data.validation?.count ?? 0,
    testExamples: data.test.count,
  };
  const environment = {
    backend: info.name,
    blas: info.blas,
    threads: info.threads,
    binary: info.binary ?? null,
    blasnet: version,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
  };
  out.record({ type: 'start', settings: settingsRecord, environment });
  out.line(
    `blasnet train: ${describeNetwork(net)}, ${s.encoding} encoding, ${s.loss} loss, ${s.epochs} epochs of mini-batches of ${s.batchSize}, learning rate ${s.learningRate}${s.optimizer === 'sgd' ? '' : `, ${s.optimizer}`}`,
  );
  out.line(
    `data: ${dataName} (${data.train.count} train${data.validation ? `, ${data.validation.count} validation` : ''}, ${data.test.count} test, ${data.rows}x${data.cols}); backend: ${info.name} (${info.blas}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`,
  );

  const controller = new AbortController();
  const progress = createProgress(out, s.epochs, heldOut);
  // The last batch whose step completed. fit checks the signal only between batches, so after
  // Ctrl-C the weights are exactly those after this batch.
  let lastBatch: BatchReport | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_CODES.interrupted);
    // The bar first: it clears its line, so the notice gets a line of its own and stays.
    progress.interrupt();
    out.note('blasnet: interrupted; stopping after this batch (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let result: FitResult;
  try {
    result = await fit(net, train, {
      epochs: s.epochs,
      batchSize: s.batchSize,
      learningRate: s.learningRate,
      optimizer: s.optimizer,
      momentum: s.momentum,
      weightDecay: s.weightDecay,
      loss: s.loss,
      seed: s.seed,
      validation: held,
      decode,
      signal: controller.signal,
      onBatch: (r) => {
        lastBatch = r;
        progress.batch(r);
      },
      onEpoch: (r) => progress.epoch(r),
    });
  } catch (error) {
    progress.stop();
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_BLASNET_DIVERGED')
      throw new CliError(e.code, `${e.message} (--learning-rate ${s.learningRate})`);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  progress.stop();

  // The final evaluation on the test set.
  const outputs = net.predict(test.x);
  const predicted = decode(outputs, data.test.count);
  const metrics: ClassificationMetrics & { loss?: number } = classificationMetrics(
    data.test.labels,
    predicted,
    data.classes,
  );
  metrics.loss = evaluate(net, test, { loss: s.loss, decode }).loss;
  const trainSeconds = result.history.reduce((sum, e) => sum + e.seconds, 0);
  const throughput = trainingThroughput(result.history);
  const timing = {
    trainingSeconds: Number(trainSeconds.toFixed(3)),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    secondsPerEpoch: result.history.length
      ? Number((trainSeconds / result.history.length).toFixed(3))
      : null,
    // The report's figure too: examples over training time (lib/report/throughput.ts).
    examplesPerSecond: throughput === undefined ? null : Math.round(throughput),
    stopReason: result.stopReason,
  };

  const stoppedAt =
    result.stopReason === 'aborted'
      ? interruption(lastBatch, Math.ceil(data.train.count / s.batchSize), s.epochs)
      : undefined;

  let modelPath: string | null = null;
  if (s.out !== undefined) {
    const meta: CliModelMetadata = {
      kind: 'blasnet-classifier',
      encoding: s.encoding,
      classes: data.classes,
      rows: data.rows,
      cols: data.cols,
      pixelScale: 'divide-by-255',
      loss: s.loss,
      settings: settingsRecord,
      result: {
        testAccuracy: metrics.accuracy,
        testLoss: metrics.loss,
        epochs: result.history.length,
        ...(stoppedAt ? { weightsAsOf: stoppedAt.weightsAsOf } : {}),
        ...timing,
        backend: info.name,
      },
      createdAt: new Date().toISOString(),
    };
    saveModel(net, s.out, meta);
    modelPath = path.resolve(s.out);
  }
  let reportPath: string | null = null;
  if (s.report !== undefined) {
    const wrong = misclassifiedDigits(
      data.test.labels,
      predicted,
      data.test.bytes,
      data.inputSize,
      48,
    );
    try {
      writeReport(s.report, {
        title: 'blasnet training report',
        history: result.history,
        heldOut,
        test: metrics,
        misclassified: wrong.digits,
        misclassifiedTotal: wrong.total,
        imageShape: { rows: data.rows, cols: data.cols },
        settings: settingsRecord,
        timing,
        environment,
      });
    } catch (error) {
      throw new CliError(
        'ERR_BLASNET_IO',
        `${(error as Error).message}. Check that the directory of --report exists and is writable.`,
      );
    }
    reportPath = path.resolve(s.report);
  }

  out.record({
    type: 'result',
    stopReason: result.stopReason,
    epochs: result.history.length,
    ...(stoppedAt ? { weightsAsOf: stoppedAt.weightsAsOf } : {}),
    testAccuracy: metrics.accuracy,
    testLoss: metrics.loss,
    correct: metrics.correct,
    n: metrics.n,
    perClass: metrics.perClass,
    confusion: metrics.matrix,
    timing,
    model: modelPath,
    report: reportPath,
  });
  const stopped = stoppedAt ? ` (${stoppedAt.text})` : '';
  // An interrupted run also trained part of an epoch that is in no epoch report: the time since
  // the last report (which came after that epoch's evaluation) is that part's.
  const shownSeconds = stoppedAt
    ? trainSeconds + result.elapsed - (result.history.at(-1)?.elapsed ?? 0)
    : trainSeconds;
  out.line(
    `test accuracy ${(metrics.accuracy * 100).toFixed(2)}% (${metrics.correct}/${metrics.n}), loss ${metrics.loss.toFixed(4)}; trained in ${shownSeconds.toFixed(1)} s${stopped}`,
  );
  if (modelPath && stoppedAt) out.line(`model saved to ${s.out}: ${stoppedAt.saved}`);
  else if (modelPath) out.line(`model saved to ${s.out}`);
  else out.line('model not saved (use --out FILE to keep it)');
  if (reportPath) out.line(`report written to ${s.report}`);
  return result.stopReason === 'aborted' ? EXIT_CODES.interrupted : EXIT_CODES.ok;
}

/** Where an interrupted run stopped, in words and as data. */
interface Interruption {
  /** The weights are those after batch `batch` (of `batches`) of epoch `epoch`; batch 0: none of it. */
  weightsAsOf: { epoch: number; batch: number; batches: number };
  /** `interrupted in epoch 3 after batch 120 of 600`, for the summary line. */
  text: string;
  /** What the saved model holds, in words. */
  saved: string;
}

/**
 * Describe an interrupted run truthfully: `last` is the last batch whose step completed (fit
 * stops only between batches), so the weights are exactly those after it.
 */
export function interruption(
  last: Pick<BatchReport, 'epoch' | 'batch' | 'batches'> | undefined,
  batches: number,
  epochs: number,
): Interruption {
  if (last === undefined) {
    return {
      weightsAsOf: { epoch: 1, batch: 0, batches },
      text: 'interrupted before the first batch',
      saved: 'the initial weights (no batch was trained)',
    };
  }
  const weightsAsOf = { epoch: last.epoch, batch: last.batch, batches: last.batches };
  if (last.batch === last.batches) {
    return {
      weightsAsOf,
      text: `interrupted after epoch ${last.epoch} of ${epochs}, at the end of the epoch`,
      saved: `the weights as of the end of epoch ${last.epoch}`,
    };
  }
  return {
    weightsAsOf,
    text: `interrupted in epoch ${last.epoch} after batch ${last.batch} of ${last.batches}`,
    saved: `the weights as of that batch (epoch ${last.epoch}, batch ${last.batch} of ${last.batches})`,
  };
}

function saveModel(net: Network, file: string, meta: CliModelMetadata): void {
  try {
    saveNetwork(net, file, meta as unknown as Record<string, unknown>);
  } catch (error) {
    throw new CliError(
      'ERR_BLASNET_IO',
      `${(error as Error).message}. Check that the directory of --out exists and is writable.`,
    );
  }
}
