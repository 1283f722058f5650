/**
 * `blasnet evaluate <model>`: accuracy, mean loss, per-class precision and recall and the
 * confusion matrix of a saved model on a data directory's test (or train) split.
 */
import type { BackendName } from '../../backend/select';
import { evaluate } from '../../evaluate';
import { classificationMetrics } from '../../report/metrics';
import { choiceOption, COMMON_OPTIONS, intOption, parseCommand } from '../args';
import { cliBackend } from '../backend';
import { loadCliData } from '../data';
import { CliError, EXIT_CODES, UsageError } from '../errors';
import { EVALUATE_HELP } from '../help';
import type { Output } from '../io';
import { describeNetwork, type LoadedModel, loadCliModel } from '../model';
import { evaluateCsv } from './table-commands';
import { printClassTable } from '../print-metrics';

const OPTIONS = {
  ...COMMON_OPTIONS,
  data: { type: 'string' },
  split: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  csv: { type: 'string' },
} as const;

const C = 'evaluate';

/** The error for a model whose input size differs from the data's. */
export function sizeMismatch(
  file: string,
  model: LoadedModel,
  what: string,
  rows: number,
  cols: number,
): CliError {
  const { meta, net } = model;
  return new CliError(
    'ERR_BLASNET_SHAPE',
    `The model ${file} expects ${net.inputSize} inputs (${meta.rows}x${meta.cols} images) but ${what} has ${rows}x${cols} images (${rows * cols} inputs). ` +
      `Use data of the size the model was trained on, or train a model on this data with 'blasnet train --data <dir>'.`,
  );
}

/** Run `blasnet evaluate`. */
export async function evaluateCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(C, args, OPTIONS, {
    min: 1,
    max: 1,
    names: '<model> (the model file to evaluate)',
  });
  if (values.help) {
    out.io.stdout.write(EVALUATE_HELP);
    return EXIT_CODES.ok;
  }
  const file = positionals[0];
  const split = choiceOption<'test' | 'train'>(C, 'split', values.split, 'test', ['test', 'train']);
  const backendName = choiceOption<BackendName>(C, 'backend', values.backend, 'auto', [
    'auto',
    'native',
    'js',
  ]);
  const threads =
    values.threads === undefined ? undefined : intOption(C, 'threads', values.threads, 1, 1, 1024);
  const be = cliBackend(backendName, threads);
  if (values.csv !== undefined) {
    for (const name of ['data', 'split'] as const) {
      if (values[name] !== undefined)
        throw new UsageError(`--${name} is for digits, not for --csv`, C);
    }
    return evaluateCsv(file, values.csv, be, out);
  }
  const model = loadCliModel(file, be.name);
  const { data, name } = loadCliData(values.data);
  if (data.inputSize !== model.net.inputSize)
    throw sizeMismatch(file, model, name, data.rows, data.cols);
  const { meta, net, encoding } = model;
  if (data.classes > meta.classes) {
    throw new CliError(
      'ERR_BLASNET_SHAPE',
      `The model ${file} knows ${meta.classes} classes but ${name} has labels up to ${data.classes - 1}. Evaluate it on data with the classes it was trained on.`,
    );
  }
  const set = split === 'test' ? data.test : data.train;
  const started = performance.now();
  const outputs = net.predict(set.images);
  const predicted = model.decode(outputs, set.count);
  const metrics = classificationMetrics(set.labels, predicted, meta.classes);
  const loss = evaluate(
    net,
    { x: set.images, y: encoding.encode(set.labels, meta.classes) },
    { loss: meta.loss },
  ).loss;
  const seconds = (performance.now() - started) / 1000;

  if (out.json) {
    out.record({
      model: file,
      network: { sizes: net.sizes, activations: net.activations },
      encoding: meta.encoding,
      classes: meta.classes,
      metadataInferred: model.inferred,
      data: name,
      split,
      n: metrics.n,
      correct: metrics.correct,
      accuracy: metrics.accuracy,
      loss,
      lossName: meta.loss,
      perClass: metrics.perClass,
      confusion: metrics.matrix,
      seconds,
      backend: be.name,
    });
    return EXIT_CODES.ok;
  }
  if (model.inferred)
    out.note(
      `blasnet: ${file} has no CLI metadata; assuming ${meta.encoding} outputs and ${meta.rows}x${meta.cols} images`,
    );
  out.line(`model     ${file}: ${describeNetwork(net)}, ${meta.encoding} encoding`);
  out.line(`data      ${name}, ${split} split (${metrics.n} images)`);
  out.line(`accuracy  ${(metrics.accuracy * 100).toFixed(2)}% (${metrics.correct}/${metrics.n})`);
  out.line(`loss      ${loss.toFixed(4)} (${meta.loss})`);
  out.line();
  printClassTable(
    out,
    metrics,
    metrics.perClass.map((c) => String(c.label)),
  );
  return EXIT_CODES.ok;
}
