/**
 * `blasnet train --csv FILE --target COLUMN`: train on a user's own table. The CSV is read by
 * loadCsv (numeric and categorical columns, one-hot encoded), split with a seed (stratified for
 * classes), the features scaled by fit with statistics of the training rows only, and the model
 * saved with its task, class names and scaler (the network's own) and the table's schema, so that `evaluate --csv` and
 * `predict --csv` need only the model file and a CSV.
 */
import * as path from 'node:path';
import type { BackendName } from '../../backend/select';
import { type CsvTable, loadCsv } from '../../data/csv';
import { getEncoding } from '../../data/encodings';
import { splitData } from '../../data/split';
import type { TrainingData } from '../../evaluate';
import { type InitName, INIT_NAMES } from '../../init';
import { type Task, TASKS } from '../../task';
import { Network } from '../../network';
import { choiceOption, intOption, numberOption, sizesOption } from '../args';
import { cliBackend } from '../backend';
import { CliError, EXIT_CODES, UsageError } from '../errors';
import type { Output } from '../io';
import { describeNetwork } from '../model';
import { printMetrics } from '../print-metrics';
import { environmentOf, interruption, runFit } from '../run-fit';
import { saveCliModel, writeCliReport } from '../save';
import { schemaOf } from '../table';
import { type CliTableMetadata, type TableModel, tableMetrics } from '../table-model';

const C = 'train';

/** Options of `train` that only digits take: refused with --csv rather than ignored. */
const DIGITS_ONLY = ['data', 'validation', 'encoding', 'output', 'loss'] as const;

/** Options of `train --csv` that digits do not take. */
export const CSV_TRAIN_OPTIONS = {
  csv: { type: 'string' },
  target: { type: 'string' },
  task: { type: 'string' },
  scale: { type: 'string' },
  columns: { type: 'string' },
  test: { type: 'string' },
  delimiter: { type: 'string' },
  missing: { type: 'string' },
} as const;

/** Read the table, naming options the way the command line spells them. */
async function readTable(
  file: string,
  target: string,
  columns: string[] | undefined,
  delimiter: string,
  task: Task | undefined,
  missing: 'error' | 'impute' | 'drop',
): Promise<CsvTable> {
  try {
    return await loadCsv(file, {
      target,
      delimiter,
      missing,
      ...(columns ? { columns } : {}),
      ...(task ? { targetKind: task === 'regression' ? 'numbers' : 'classes' } : {}),
    });
  } catch (error) {
    const e = error as Error & { code?: string };
    if (!e.code?.startsWith('ERR_BLASNET_')) throw error;
    // loadCsv's messages name its options; say the command line's instead.
    const message = e.message
      .replace(
        /^(.*?): no column (".*?") for options\.target/,
        '$1, row 1 (the header): no column $2 for --target',
      )
      .replace(
        /^(.*?): no column (".*?") for options\.columns\[\d+\]/,
        '$1, row 1 (the header): no column $2 for --columns',
      )
      .replace(
        "give missing: 'impute' to fill it, or 'drop' to skip its row",
        'give --missing impute to fill it, or --missing drop to skip its row',
      )
      .replace(
        "give targetKind: 'classes' for class names",
        'give --task classification for class names',
      )
      .replace(
        "give targetKind: 'numbers' for a numeric target",
        'give --task regression for a numeric target',
      )
      .replace(
        'list the column in options.categorical to read it as categories',
        'fix the cell, or leave the column out with --columns',
      );
    if (e.name === 'TypeError' || e.name === 'RangeError') throw new UsageError(message, C);
    throw new CliError(e.code, message);
  }
}

/** Run `blasnet train --csv`. */
export async function trainCsvCommand(
  values: Record<string, string | boolean | undefined>,
  out: Output,
): Promise<number> {
  const started = performance.now();
  const s = (name: string) => values[name] as string | undefined;
  for (const name of DIGITS_ONLY) {
    if (values[name] !== undefined)
      throw new UsageError(
        `--${name} is for digits, not for --csv (see 'blasnet train --help')`,
        C,
      );
  }
  const file = s('csv') as string;
  const target = s('target');
  if (target === undefined || target === '')
    throw new UsageError('Missing --target COLUMN: the column to predict, for --csv', C);
  const taskOption = s('task');
  const task =
    taskOption === undefined
      ? undefined
      : choiceOption<Task>(C, 'task', taskOption, 'classification', [
          'classification',
          'binary',
          'regression',
        ]);
  const scale = choiceOption<'standard' | 'minmax' | 'none'>(C, 'scale', s('scale'), 'standard', [
    'standard',
    'minmax',
    'none',
  ]);
  const columnsText = s('columns');
  const columns =
    columnsText === undefined
      ? undefined
      : columnsText
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== '');
  if (columns !== undefined && columns.length === 0)
    throw new UsageError(
      `Expected comma-separated column names for --columns but received ${JSON.stringify(columnsText)}`,
      C,
    );
  const delimiter = s('delimiter') ?? ',';
  if (delimiter === '')
    throw new UsageError('Expected a non-empty string for --delimiter but received ""', C);
  const missing = choiceOption<'error' | 'impute' | 'drop'>(C, 'missing', s('missing'), 'error', [
    'error',
    'impute',
    'drop',
  ]);
  const testFraction = numberOption(C, 'test', s('test'), 0.2, 0, 0.9);
  const seed = intOption(C, 'seed', s('seed'), 1, 0, 0xffffffff);
  const activation = choiceOption<'sigmoid' | 'tanh' | 'relu'>(
    C,
    'activation',
    s('activation'),
    'tanh',
    ['sigmoid', 'tanh', 'relu'],
  );
  const init = choiceOption<InitName>(C, 'init', s('init'), 'xavier', INIT_NAMES);
  const epochs = intOption(C, 'epochs', s('epochs'), 100, 1, 1_000_000);
  const batchSize = intOption(C, 'batch-size', s('batch-size'), 16, 1);
  const momentum = numberOption(C, 'momentum', s('momentum'), 0, 0, 0.999999);
  const weightDecay = numberOption(C, 'weight-decay', s('weight-decay'), 0, 0);
  const backendName = choiceOption<BackendName>(C, 'backend', s('backend'), 'auto', [
    'auto',
    'native',
    'js',
  ]);
  const threads =
    s('threads') === undefined ? undefined : intOption(C, 'threads', s('threads'), 1, 1, 1024);
  const layersText = s('layers');
  const layersOption = layersText === undefined ? undefined : sizesOption(C, 'layers', layersText);
  if (testFraction === 0 && s('report') !== undefined)
    throw new UsageError('--report needs test rows: give --test a fraction > 0', C);
  const be = cliBackend(backendName, threads);

  // Nothing is written before the table has been read whole: a bad cell loses nothing.
  const table = await readTable(file, target, columns, delimiter, task, missing);
  const resolvedTask: Task =
    task ?? (table.target.kind === 'numbers' ? 'regression' : 'classification');
  const classes = table.target.classes;
  if (resolvedTask === 'binary' && classes?.length !== 2)
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}, column "${target}": --task binary needs exactly 2 classes but found ${classes?.length} (${(classes ?? []).slice(0, 10).join(', ')}); use --task classification`,
    );
  if (resolvedTask === 'classification' && (classes?.length ?? 0) < 2)
    throw new CliError(
      'ERR_BLASNET_FORMAT',
      `${file}, column "${target}": only one class (${classes?.[0]}) to learn; a classifier needs at least 2`,
    );
  const width = resolvedTask === 'classification' ? (classes as string[]).length : 1;
  const sizes = layersOption ?? [table.features, 16, width];
  if (sizes[0] !== table.features)
    throw new UsageError(
      `Expected ${table.features} inputs (the features of ${file}: ${table.featureNames.join(', ')}) as the first of --layers but received ${sizes[0]}`,
      C,
    );
  if (sizes[sizes.length - 1] !== width)
    throw new UsageError(
      `Expected ${width} output${width === 1 ? '' : 's'} as the last of --layers for --task ${resolvedTask} but received ${sizes[sizes.length - 1]}`,
      C,
    );
  const learningRate = numberOption(
    C,
    'learning-rate',
    s('learning-rate'),
    resolvedTask === 'regression' ? 0.01 : 0.05,
    0,
  );

  // Targets as the network's outputs: one-hot classes, 0/1 for binary, the values for regression.
  const labels = table.target.labels;
  const y =
    resolvedTask === 'classification'
      ? getEncoding('onehot').encode(labels as Uint8Array, width)
      : table.target.values;
  const all: TrainingData =
    labels && resolvedTask !== 'regression' ? { x: table.x, y, labels } : { x: table.x, y };
  let parts: { train: TrainingData; test?: TrainingData };
  try {
    parts =
      testFraction === 0 ? { train: all } : splitData(all, table.n, { test: testFraction, seed });
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message.replace('options.test', '--test')} (${table.n} rows in ${file})`,
      C,
    );
  }
  const train = parts.train;
  const heldOut = parts.test;
  const net = new Network({
    sizes,
    activations: activation,
    task: resolvedTask,
    ...(resolvedTask === 'regression' ? {} : { classes }),
    init,
    seed,
    backend: be,
  }) as TableModel['net'];
  const loss = TASKS[resolvedTask].loss;
  const settings = {
    network: describeNetwork(net),
    layers: sizes.join(','),
    task: resolvedTask,
    target,
    features: table.featureNames.join(', '),
    scale,
    activation,
    init,
    loss,
    epochs,
    batchSize,
    learningRate,
    momentum,
    weightDecay,
    seed,
    data: path.basename(file),
    trainExamples: parts.train.y.length / width,
    testExamples: heldOut ? heldOut.y.length / width : 0,
    droppedRows: table.dropped,
  };
  const environment = environmentOf(be);
  out.record({ type: 'start', settings, environment });
  out.line(
    `blasnet train: ${describeNetwork(net)}, ${resolvedTask} of "${target}", ${loss} loss, ${epochs} epochs of mini-batches of ${batchSize}, learning rate ${learningRate}`,
  );
  out.line(
    `data: ${file} (${settings.trainExamples} train, ${settings.testExamples} test, ${table.features} features${classes && resolvedTask !== 'regression' ? `, classes ${classes.join(', ')}` : ''}); scaling: ${scale}; backend: ${environment.backend}`,
  );
  const { result, lastBatch } = await runFit(
    net,
    train,
    {
      epochs,
      batchSize,
      learningRate,
      momentum,
      weightDecay,
      loss,
      seed,
      // fit fits the scaler on the training rows only and attaches it to the network, so
      // predict, evaluate and the model file take raw features from then on.
      ...(scale === 'none' ? {} : { scale }),
      ...(heldOut ? { validation: heldOut } : {}),
    },
    out,
    'test',
  );

  const meta: CliTableMetadata = {
    kind: 'blasnet-table',
    schema: schemaOf(table, delimiter),
    loss,
  };
  const model: TableModel = { net, meta };
  const test = parts.test;
  const metrics = test ? tableMetrics(model, test) : undefined;
  const trainSeconds = result.history.reduce((sum, e) => sum + e.seconds, 0);
  const timing = {
    trainingSeconds: Number(trainSeconds.toFixed(3)),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
  const stoppedAt =
    result.stopReason === 'aborted'
      ? interruption(lastBatch, Math.ceil(settings.trainExamples / batchSize), epochs)
      : undefined;
  const resultRecord = {
    epochs: result.history.length,
    stopReason: result.stopReason,
    ...(stoppedAt ? { weightsAsOf: stoppedAt.weightsAsOf } : {}),
    ...(metrics ? { test: metrics.summary } : {}),
    ...timing,
  };

  const outFile = s('out');
  const reportFile = s('report');
  if (outFile !== undefined) {
    saveCliModel(net, outFile, {
      ...meta,
      settings,
      result: resultRecord,
      createdAt: new Date().toISOString(),
    });
  }
  if (reportFile !== undefined) {
    writeCliReport(reportFile, {
      title: `blasnet training report: ${target} from ${path.basename(file)}`,
      history: result.history,
      heldOut: 'test',
      ...(metrics?.classification
        ? { test: { ...metrics.classification, loss: metrics.loss }, classNames: classes }
        : {}),
      ...(metrics?.regression
        ? {
            regression: {
              target,
              truth: (test as TrainingData).y,
              predicted: metrics.outputs,
              loss: metrics.loss,
            },
          }
        : {}),
      settings,
      timing,
      environment,
    });
  }

  out.record({
    type: 'result',
    ...resultRecord,
    ...(metrics ? { perClass: metrics.summary.perClass } : {}),
    model: outFile === undefined ? null : path.resolve(outFile),
    report: reportFile === undefined ? null : path.resolve(reportFile),
  });
  if (metrics) printMetrics(out, metrics, 'test');
  else
    out.line('no test rows (--test 0): evaluate the model with blasnet evaluate MODEL --csv FILE');
  if (stoppedAt) out.line(`stopped: ${stoppedAt.text}`);
  out.line(
    outFile === undefined
      ? 'model not saved (use --out FILE to keep it)'
      : `model saved to ${outFile}${stoppedAt ? `: ${stoppedAt.saved}` : ''}`,
  );
  if (reportFile !== undefined) out.line(`report written to ${reportFile}`);
  return result.stopReason === 'aborted' ? EXIT_CODES.interrupted : EXIT_CODES.ok;
}
