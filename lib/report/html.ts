/**
 * The training report: one self-contained HTML page (inline CSS, inline SVG, digits as `data:`
 * PNGs; no scripts, no fonts, nothing fetched) with the loss and accuracy curves per epoch, the
 * confusion matrix as a heat map, per-class precision and recall, a grid of misclassified test
 * digits, and the run's settings and timing.
 */
import { writeFileAtomic } from '../atomic-file';
import { types } from 'node:util';
import { shapeError, typeError } from '../errors';
import type { EpochReport } from '../train';
import {
  checkInt,
  checkJsonObject,
  checkNumber,
  checkOneOf,
  isArray,
  isObject,
  isUint8Array,
} from '../validate';
import type { ClassificationMetrics } from './metrics';
import { digitDataUri } from './png';
import { type RegressionMetrics, regressionMetrics } from '../regression-metrics';
import { scatterChart } from './scatter';
import { trainingThroughput } from './throughput';
import { confusionHeatmap, escapeHtml, lineChart } from './svg';

/**
 * One misclassified example shown in the report.
 * @example
 * ```ts
 * const digit: ReportDigit = { index: 8, label: 5, predicted: 6, pixels: mnist.test.bytes.subarray(8 * 784, 9 * 784) };
 * ```
 */
export interface ReportDigit {
  /** Its index in the test set. */
  index: number;
  /** The true class. */
  label: number;
  /** The predicted class. */
  predicted: number;
  /** Its pixels, `[rows, cols]` gray levels 0..255 (0 is the background, as in MNIST). */
  pixels: Uint8Array;
}

/**
 * The test set's values of a regression run, for {@link ReportInput.regression}: the report draws
 * predicted against true values and the residuals, and shows MAE, RMSE and R².
 * @example
 * ```ts
 * const regression: ReportRegression = { target: 'mpg', truth: test.y, predicted: net.predict(test.x), loss: 0.12 };
 * ```
 */
export interface ReportRegression {
  /** The target's name, for the axes. Default `'target'`. */
  target?: string;
  /** True values of the test set, one per example. */
  truth: ArrayLike<number>;
  /** Predicted values, one per example. */
  predicted: ArrayLike<number>;
  /** The test set's mean loss, when known. */
  loss?: number;
}

/**
 * What {@link renderReport} draws.
 * @example
 * ```ts
 * const input: ReportInput = { history: result.history, heldOut: 'test', test: metrics, imageShape: { rows: 28, cols: 28 }, misclassified: wrong.digits };
 * ```
 */
export interface ReportInput {
  /** Page title. Default `'blasnet training report'`. */
  title?: string;
  /** The per-epoch reports of the run (`fit`'s `history`). */
  history: readonly EpochReport[];
  /** What the history's `validationLoss`/`validationAccuracy` measured. Default `'validation'`. */
  heldOut?: 'validation' | 'test';
  /** The final evaluation on the test set of a classifier, with its mean loss when known (omit it with `regression`). */
  test?: ClassificationMetrics & { loss?: number };
  /** The test set of a regression run: plots of predicted against true values and of residuals instead of the confusion matrix. */
  regression?: ReportRegression;
  /** Names of the classes (default `'0'`, `'1'`, ...). */
  classNames?: readonly string[];
  /** Misclassified test examples to draw (needs `imageShape`). */
  misclassified?: readonly ReportDigit[];
  /** How many misclassified examples there are in all (default: `misclassified.length`). */
  misclassifiedTotal?: number;
  /** Rows and columns of one image. */
  imageShape?: { rows: number; cols: number };
  /** The run's settings (network, optimizer, data), shown as a table. */
  settings?: Readonly<Record<string, unknown>>;
  /** Timing figures, shown as a table. */
  timing?: Readonly<Record<string, unknown>>;
  /** Backend, BLAS, versions, machine. */
  environment?: Readonly<Record<string, unknown>>;
  /** When the report was made. Default: now. */
  createdAt?: Date;
}

const CSS = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --panel: #ffffff; --bg: #f5f7fa; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 24px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 20px; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
.card .note { color: var(--muted); font-size: 12px; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px; overflow: hidden; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
svg .chart-title { font-size: 14px; font-weight: 600; }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .legend { font-size: 12px; }
svg .axis-label { fill: var(--muted); font-size: 12px; }
svg .grid { stroke: #e4e9f0; stroke-width: 1; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .count { font-size: 12px; fill: var(--ink); }
svg .count.on-dark { fill: #ffffff; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; }
.matrix-row { display: grid; grid-template-columns: auto 1fr; gap: 24px; align-items: start; }
.digits { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 10px; }
@media (max-width: 900px) { .digits { grid-template-columns: repeat(6, minmax(0, 1fr)); } .cards { grid-template-columns: repeat(2, 1fr); } .row { grid-template-columns: 1fr; } }
figure.digit { margin: 0; text-align: center; border: 1px solid var(--line); border-radius: 6px; padding: 6px 4px 4px; background: #fff; }
figure.digit img { width: 56px; height: 56px; image-rendering: pixelated; display: block; margin: 0 auto; }
figure.digit figcaption { font-size: 12px; margin-top: 3px; }
figure.digit .wrong { color: #c2410c; font-weight: 600; }
.kv td:first-child { color: var(--muted); width: 42%; }
.kv td { word-break: break-word; }
footer { color: var(--muted); font-size: 12px; margin-top: 12px; }
`;

function pct(v: number | undefined, digits = 2): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

function num(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

function valueText(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number')
    return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function kvTable(title: string, entries: Readonly<Record<string, unknown>> | undefined): string {
  if (!entries || Object.keys(entries).length === 0) return '';
  const rows = Object.entries(entries)
    .map(
      ([k, v]) =>
        `<tr><td>${escapeHtml(humanize(k))}</td><td>${escapeHtml(valueText(v))}</td></tr>`,
    )
    .join('');
  return `<section class="panel"><h2>${escapeHtml(title)}</h2><table class="kv">${rows}</table></section>`;
}

/** `examplesPerSecond` → `examples per second`. */
function humanize(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * Render the report as one HTML string (self-contained: inline CSS and SVG, `data:` images).
 *
 * @example
 * ```ts
 * const result = await fit(net, train, { epochs: 10, validation: test });
 * const predicted = net.classify(test.x);
 * const html = renderReport({
 *   history: result.history, heldOut: 'test',
 *   test: classificationMetrics(test.labels, predicted, 10),
 *   settings: { sizes: '784-100-10', learningRate: 0.5 },
 * });
 * writeFileSync('report.html', html);
 * ```
 */
export function renderReport(input: ReportInput): string {
  checkReportInput(input);
  const title = input.title ?? 'blasnet training report';
  const held = input.heldOut ?? 'validation';
  const history = input.history;
  const x = history.map((e) => e.epoch);
  const regression = input.regression;
  const test = input.test as (ClassificationMetrics & { loss?: number }) | undefined;
  const createdAt = input.createdAt ?? new Date();
  const last = history[history.length - 1];
  const trainSeconds = history.reduce((s, e) => s + e.seconds, 0);
  const throughput = trainingThroughput(history);

  const lossChart = lineChart({
    title: 'Loss per epoch',
    x,
    xLabel: 'epoch',
    fromZero: true,
    formatY: (y) =>
      Math.abs(y) >= 10 ? y.toFixed(0) : Math.abs(y) >= 1 ? y.toFixed(1) : y.toFixed(2),
    series: [
      {
        id: 'train-loss',
        name: 'train loss',
        values: history.map((e) => e.loss),
        color: '#1f5fa8',
      },
      {
        id: `${held}-loss`,
        name: `${held} loss`,
        values: history.map((e) => e.validationLoss ?? NaN),
        color: '#c2410c',
        dashed: true,
      },
    ],
  });
  const regressionFigures =
    regression &&
    regressionMetrics(Float32Array.from(regression.truth), Float32Array.from(regression.predicted));
  const firstCards = regressionFigures
    ? [
        ['test R²', num(regressionFigures.r2, 4), `${regression.truth.length} test rows`],
        [
          'test RMSE',
          num(regressionFigures.rmse, 4),
          `MAE ${num(regressionFigures.mae, 4)}${regression?.loss === undefined ? '' : `, loss ${num(regression.loss)}`}`,
        ],
      ]
    : [
        ['test accuracy', pct(test?.accuracy), `${test?.correct} / ${test?.n}`],
        ['test loss', num(test?.loss), last ? `train loss ${num(last.loss)}` : ''],
      ];
  const cards = [
    ...firstCards,
    [
      'epochs',
      String(history.length),
      last?.validationAccuracy !== undefined
        ? `last ${held} ${pct(last.validationAccuracy)}`
        : last?.validationLoss !== undefined
          ? `last ${held} loss ${num(last.validationLoss)}`
          : '',
    ],
    [
      'training time',
      seconds(trainSeconds),
      throughput === undefined
        ? ''
        : `${Math.round(throughput).toLocaleString('en-US')} examples/s (training time)`,
    ],
    [
      'backend',
      valueText(input.environment?.backend ?? '—'),
      valueText(
        input.environment?.threads !== undefined
          ? `${valueText(input.environment.threads)} BLAS threads`
          : '',
      ),
    ],
  ]
    .map(
      ([label, value, note]) =>
        `<div class="card"><div class="label">${escapeHtml(label ?? '')}</div><div class="value">${escapeHtml(value ?? '')}</div><div class="note">${escapeHtml(note ?? '')}</div></div>`,
    )
    .join('');

  const epochRows = history
    .map(
      (e) =>
        `<tr><td class="num">${e.epoch}</td><td class="num">${num(e.loss)}</td><td class="num">${pct(e.accuracy)}</td><td class="num">${num(e.validationLoss)}</td><td class="num">${pct(e.validationAccuracy)}</td><td class="num">${e.seconds.toFixed(2)}</td></tr>`,
    )
    .join('');

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body><main>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="sub">${escapeHtml(valueText(input.settings?.network ?? ''))} · ${escapeHtml(createdAt.toISOString().replace('T', ' ').slice(0, 19))} UTC</p>`,
    `<div class="cards">${cards}</div>`,
    regressionFigures && regression
      ? regressionSections(lossChart, regression, regressionFigures)
      : classificationSections(lossChart, input, held),
    `<div class="row">${kvTable('Settings', input.settings)}${kvTable('Timing and environment', { ...input.timing, ...input.environment })}</div>`,
    `<section class="panel"><h2>Epochs</h2><table class="epochs"><thead><tr><th class="num">epoch</th><th class="num">train loss</th><th class="num">train acc.</th><th class="num">${held} loss</th><th class="num">${held} acc.</th><th class="num">seconds</th></tr></thead><tbody>${epochRows}</tbody></table></section>`,
    `<footer>Made by blasnet. This page is self-contained: it loads nothing from the network.</footer>`,
    '</main></body></html>',
    '',
  ].join('\n');
}

/** The classifier's sections: accuracy curves, the confusion matrix with per-class figures, misclassified digits. */
function classificationSections(lossChart: string, input: ReportInput, held: string): string {
  const history = input.history;
  const x = history.map((e) => e.epoch);
  const test = input.test as ClassificationMetrics & { loss?: number };
  const classes = test.matrix.length;
  const names = input.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  const accValues = history
    .flatMap((e) => [e.accuracy, e.validationAccuracy])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const accLow = accValues.length ? Math.min(...accValues) : 0;
  const accuracyChart = lineChart({
    title: 'Accuracy per epoch',
    x,
    xLabel: 'epoch',
    yMin: Math.max(0, Math.floor(accLow * 20) / 20),
    yMax: 1,
    formatY: (y) => `${(y * 100).toFixed(0)}%`,
    series: [
      {
        id: 'train-accuracy',
        name: 'train accuracy',
        values: history.map((e) => e.accuracy ?? NaN),
        color: '#1f5fa8',
      },
      {
        id: `${held}-accuracy`,
        name: `${held} accuracy`,
        values: history.map((e) => e.validationAccuracy ?? NaN),
        color: '#c2410c',
        dashed: true,
      },
    ],
  });

  const heatmap = confusionHeatmap(test.matrix, names, 'Confusion matrix of the test set');
  const perClassRows = test.perClass
    .map(
      (c) =>
        `<tr><td>${escapeHtml(names[c.label] ?? String(c.label))}</td><td class="num">${pct(c.precision, 1)}</td><td class="num">${pct(c.recall, 1)}</td><td class="num">${c.support}</td></tr>`,
    )
    .join('');

  let digits = '';
  const shown = input.misclassified ?? [];
  if (input.imageShape && shown.length > 0) {
    const { rows, cols } = input.imageShape;
    const figures = shown
      .map((d) => {
        const src = digitDataUri(d.pixels, rows, cols, 'dark');
        const caption = `true ${escapeHtml(names[d.label] ?? String(d.label))} → <span class="wrong">${escapeHtml(names[d.predicted] ?? String(d.predicted))}</span>`;
        return `<figure class="digit" data-index="${d.index}" data-label="${d.label}" data-predicted="${d.predicted}"><img alt="test #${d.index}: true ${d.label}, predicted ${d.predicted}" src="${src}"><figcaption>${caption}</figcaption></figure>`;
      })
      .join('');
    const total = input.misclassifiedTotal ?? shown.length;
    const note = total > shown.length ? `the first ${shown.length} of ${total}` : `all ${total}`;
    digits = `<section class="panel" style="margin-bottom:16px"><h2>Misclassified test digits (${note})</h2><div class="digits">${figures}</div></section>`;
  } else if (input.misclassifiedTotal === 0) {
    digits = `<section class="panel" style="margin-bottom:16px"><h2>Misclassified test digits</h2><p>None: every test example was classified correctly.</p></section>`;
  }

  return [
    `<div class="row"><section class="panel">${lossChart}</section><section class="panel">${accuracyChart}</section></div>`,
    `<section class="panel" style="margin-bottom:16px"><h2>Confusion matrix and per-class metrics (test set, rows: true class, columns: predicted)</h2><div class="matrix-row"><div>${heatmap}</div>`,
    `<table class="per-class"><thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">support</th></tr></thead><tbody>${perClassRows}</tbody></table></div></section>`,
    digits,
  ].join('\n');
}

/** A regression run's sections: the loss curves, predicted against true values, residuals against predicted. */
function regressionSections(
  lossChart: string,
  regression: ReportRegression,
  figures: RegressionMetrics,
): string {
  const target = regression.target ?? 'target';
  const residuals = Array.from(regression.predicted, (p, i) => p - regression.truth[i]);
  const predictedChart = scatterChart({
    title: 'Predicted against true (test set)',
    x: regression.truth,
    y: regression.predicted,
    xLabel: `true ${target}`,
    yLabel: `predicted ${target}`,
    reference: 'identity',
  });
  const residualChart = scatterChart({
    title: 'Residuals against predicted (test set)',
    x: regression.predicted,
    y: residuals,
    xLabel: `predicted ${target}`,
    yLabel: 'predicted − true',
    reference: 'zero',
  });
  const rows = [
    ['R²', num(figures.r2)],
    ['RMSE', num(figures.rmse)],
    ['MAE', num(figures.mae)],
    ['loss', num(regression.loss)],
    ['test rows', String(regression.truth.length)],
  ]
    .map(([k, v]) => `<tr><td>${k}</td><td class="num">${v}</td></tr>`)
    .join('');
  return [
    `<div class="row"><section class="panel">${lossChart}</section><section class="panel">${predictedChart}</section></div>`,
    `<div class="row"><section class="panel">${residualChart}</section><section class="panel"><h2>Test set (${escapeHtml(target)})</h2><table class="regression">${rows}</table><p class="sub">R² is the share of the target's variance the predictions explain (1 is perfect, 0 is no better than always predicting the mean). Points on the dashed line are exact; residuals should scatter around 0 without a shape.</p></section></div>`,
  ].join('\n');
}

/**
 * Render the report and write it to `path` atomically.
 *
 * @example
 * ```ts
 * writeReport('report.html', { history, heldOut: 'test', test: metrics });
 * ```
 */
export function writeReport(path: string, input: ReportInput): void {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  writeFileAtomic(path, Buffer.from(renderReport(input), 'utf8'));
}

/** The fields the report reads, checked before any of them is formatted. */
function checkReportInput(input: ReportInput): void {
  if (!isObject(input) || isArray(input)) throw typeError('input', 'a report input object', input);
  if (input.title !== undefined && typeof input.title !== 'string')
    throw typeError('input.title', 'a string', input.title);
  if (input.heldOut !== undefined)
    checkOneOf('input.heldOut', input.heldOut, ['validation', 'test']);
  if (!isArray(input.history))
    throw typeError('input.history', 'an array of epoch reports', input.history);
  input.history.forEach((e, i) => {
    const at = `input.history[${i}]`;
    if (!isObject(e)) throw typeError(at, 'an epoch report', e);
    checkNumber(`${at}.epoch`, e.epoch);
    checkNumber(`${at}.seconds`, e.seconds);
    if (typeof e.loss !== 'number') throw typeError(`${at}.loss`, 'a number', e.loss);
    for (const key of ['accuracy', 'validationLoss', 'validationAccuracy'] as const) {
      if (e[key] !== undefined && typeof e[key] !== 'number')
        throw typeError(`${at}.${key}`, 'a number or undefined', e[key]);
    }
  });
  const test = input.test as unknown;
  const regression = input.regression as unknown;
  if (regression !== undefined) {
    if (!isObject(regression))
      throw typeError('input.regression', 'an object { truth, predicted }', regression);
    // regressionMetrics checks truth and predicted when the page is drawn.
  } else if (!isObject(test) || !isArray((test as ClassificationMetrics).matrix))
    throw typeError('input.test', 'classification metrics (see classificationMetrics)', test);
  const names = input.classNames as unknown;
  if (names !== undefined && (!isArray(names) || !names.every((n) => typeof n === 'string')))
    throw typeError('input.classNames', 'an array of strings', names);
  if (input.createdAt !== undefined && !types.isDate(input.createdAt))
    throw typeError('input.createdAt', 'a Date', input.createdAt);
  for (const key of ['settings', 'timing', 'environment'] as const) {
    // Their values are shown as JSON: the same rule as model metadata.
    if (input[key] !== undefined) checkJsonObject(`input.${key}`, input[key]);
  }
  if (input.misclassified !== undefined && !isArray(input.misclassified))
    throw typeError('input.misclassified', 'an array of digits', input.misclassified);
}

/**
 * The first `limit` misclassified examples, with their pixels, for {@link ReportInput.misclassified}.
 *
 * @example
 * ```ts
 * const wrong = misclassifiedDigits(test.labels, predicted, mnist.test.bytes, 784, 48);
 * ```
 */
export function misclassifiedDigits(
  labels: Uint8Array,
  predicted: Uint8Array,
  bytes: Uint8Array,
  inputSize: number,
  limit = 48,
): { digits: ReportDigit[]; total: number } {
  if (!isUint8Array(labels)) throw typeError('labels', 'a Uint8Array', labels);
  if (!isUint8Array(predicted)) throw typeError('predicted', 'a Uint8Array', predicted);
  if (predicted.length !== labels.length)
    throw shapeError(
      'predicted',
      `${labels.length} labels (one per label)`,
      `length ${predicted.length}`,
    );
  checkInt('inputSize', inputSize, 1);
  checkInt('limit', limit, 0);
  if (!isUint8Array(bytes)) throw typeError('bytes', 'a Uint8Array of pixels', bytes);
  if (bytes.length < labels.length * inputSize)
    throw shapeError(
      'bytes',
      `at least ${labels.length * inputSize} bytes (${labels.length} rows of ${inputSize})`,
      `length ${bytes.length}`,
    );
  const digits: ReportDigit[] = [];
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === predicted[i]) continue;
    total++;
    if (digits.length < limit)
      digits.push({
        index: i,
        label: labels[i],
        predicted: predicted[i],
        pixels: bytes.subarray(i * inputSize, (i + 1) * inputSize),
      });
  }
  return { digits, total };
}
