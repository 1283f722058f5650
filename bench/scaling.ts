/**
 * Scaling curves: seconds per epoch of 60,000 examples against the hidden width (30 to 2,000, at
 * batch 32) and against the batch size (1 to 512, at width 100), on both backends, for a
 * [784, h, 10] network, sigmoid hidden layer, softmax + cross-entropy, plain SGD (η = 0.5), inputs
 * as bytes. Each point trains 2 epochs on a subset of the examples and scales the faster epoch to
 * 60,000 (native: 12,000 examples; js: about a second's worth). Prints markdown tables, writes
 * JSON, and draws both curves as an SVG with log axes (docs/scaling.svg).
 *
 *   npx tsx bench/scaling.ts [--quick] [--out docs/scaling.svg] [--no-json]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBackend } from '../lib/backend/select';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import {
  type BenchData,
  fmt,
  headerLines,
  loadBenchData,
  machineInfo,
  markdownTable,
  type MachineInfo,
  ROOT,
  tryAddon,
  writeResults,
} from './common';

const FULL = 60000;
const WIDTHS = [30, 50, 100, 200, 300, 500, 800, 1000, 1500, 2000];
const BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

interface Point {
  x: number;
  native?: number;
  js?: number;
  nativeExamples?: number;
  jsExamples?: number;
}

/** GEMM flops per example of [784, h, 10] (forward, weight gradients, δ of the hidden layer). */
function flopsPerExample(h: number): number {
  return 2 * 784 * h * 2 + 2 * h * 10 * 3;
}

function epochSeconds(
  kind: 'native' | 'js',
  data: BenchData,
  hidden: number,
  batch: number,
  examples: number,
): number {
  const net = new Network({
    sizes: [784, hidden, 10],
    activations: ['sigmoid', 'softmax'],
    init: 'glorot',
    seed: 1,
    backend: kind,
  });
  const n = Math.max(batch, examples - (examples % batch));
  const result = fitSync(
    net,
    {
      bytes: data.bytes.subarray(0, n * 784),
      scale: 1 / 255,
      y: data.y.subarray(0, n * 10),
      labels: data.labels.subarray(0, n),
    },
    { epochs: 2, batchSize: batch, learningRate: 0.5, loss: 'crossEntropy', seed: 3 },
  );
  return (Math.min(...result.history.map((e) => e.seconds)) * FULL) / n;
}

function jsExamples(hidden: number, batch: number, budgetSeconds: number): number {
  // The TypeScript backend runs at ~3–5 GFLOP/s on these shapes, slower per example at tiny batches.
  const perExample = flopsPerExample(hidden) / 3e9 + 2e-5 / Math.min(batch, 8);
  return Math.min(FULL, Math.max(batch * 4, Math.round(budgetSeconds / perExample)));
}

// ---- SVG ---------------------------------------------------------------------------------------

function svgPanel(
  title: string,
  xLabel: string,
  points: Point[],
  x0: number,
  y0: number,
  w: number,
  h: number,
): string {
  const xs = points.map((p) => p.x);
  const ys = points.flatMap((p) =>
    [p.native, p.js].filter((v): v is number => v !== undefined && v > 0),
  );
  const lx = (v: number) => Math.log10(v);
  // x: the data's range, a little padded; y: whole decades.
  const xMin = lx(Math.min(...xs)) - 0.05;
  const xMax = lx(Math.max(...xs)) + 0.05;
  const yMin = Math.floor(lx(Math.min(...ys)));
  const yMax = Math.ceil(lx(Math.max(...ys)));
  const px = (v: number) => x0 + ((lx(v) - xMin) / (xMax - xMin)) * w;
  const py = (v: number) => y0 + h - ((lx(v) - yMin) / (yMax - yMin)) * h;
  const out: string[] = [];
  out.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let e = Math.floor(xMin); e <= Math.ceil(xMax); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (lx(v) > xMax + 1e-9 || lx(v) < xMin - 1e-9) continue;
      const x = px(v).toFixed(1);
      out.push(
        `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + h}" stroke="${m === 1 ? '#ddd' : '#f0f0f0'}"/>`,
      );
      out.push(
        `<text x="${x}" y="${y0 + h + 14}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
      );
    }
  }
  for (let e = yMin; e <= yMax; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (lx(v) > yMax + 1e-9) continue;
      const y = py(v).toFixed(1);
      out.push(
        `<line x1="${x0}" y1="${y}" x2="${x0 + w}" y2="${y}" stroke="${m === 1 ? '#ddd' : '#f0f0f0'}"/>`,
      );
      out.push(
        `<text x="${x0 - 5}" y="${Number(y) + 4}" text-anchor="end">${v < 1 ? v.toPrecision(1) : v}</text>`,
      );
    }
  }
  for (const [key, color, dash] of [
    ['native', '#1f77b4', ''],
    ['js', '#d62728', ' stroke-dasharray="6 4"'],
  ] as const) {
    const pts = points
      .filter((p) => p[key] !== undefined)
      .map((p) => `${px(p.x).toFixed(1)},${py(p[key]!).toFixed(1)}`);
    if (pts.length === 0) continue;
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`,
    );
    for (const p of pts)
      out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${color}"/>`);
  }
  out.push(
    `<text x="${x0 + w / 2}" y="${y0 - 8}" text-anchor="middle" font-weight="bold">${title}</text>`,
  );
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h + 32}" text-anchor="middle">${xLabel}</text>`);
  out.push(
    `<text transform="translate(${x0 - 42},${y0 + h / 2}) rotate(-90)" text-anchor="middle">seconds per epoch (60,000 examples)</text>`,
  );
  return out.join('\n');
}

function svg(widths: Point[], batches: Point[], machine: MachineInfo): string {
  const W = 900;
  const H = 400;
  const body = [
    svgPanel(
      'Epoch time against hidden width (batch 32)',
      'hidden units h of [784, h, 10]',
      widths,
      70,
      40,
      340,
      280,
    ),
    svgPanel(
      'Epoch time against batch size (width 100)',
      'mini-batch size',
      batches,
      530,
      40,
      340,
      280,
    ),
    `<line x1="300" y1="372" x2="330" y2="372" stroke="#1f77b4" stroke-width="2"/><text x="336" y="376">native (C++ kernels${machine.threads ? `, ${machine.threads} threads` : ''})</text>`,
    `<line x1="540" y1="372" x2="570" y2="372" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/><text x="576" y="376">pure TypeScript</text>`,
    `<text x="${W / 2}" y="394" text-anchor="middle" fill="#666">${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; ${machine.openblas.split(' ').slice(0, 2).join(' ')}; blasnet bench/scaling.ts</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">\n<rect width="${W}" height="${H}" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1]! : join(ROOT, 'docs', 'scaling.svg');
  const machine = machineInfo();
  const native = tryAddon() !== undefined;
  console.log(`# blasnet scaling curves${quick ? ' (--quick)' : ''}\n`);
  console.log(
    headerLines(machine, [
      '[784, h, 10] sigmoid + softmax, cross-entropy, SGD η = 0.5, inputs as bytes; s/epoch scaled to 60,000 examples',
    ]),
  );
  const data = await loadBenchData(FULL, 'bytes');
  if (data.note) console.log(data.note);
  const nativeN = quick ? 6000 : 12000;
  const budget = quick ? 0.3 : 1.0;
  if (native) getBackend('native'); // load once, outside the timings
  const measure = (hidden: number, batch: number): Point => {
    const p: Point = { x: 0 };
    if (native) {
      p.nativeExamples = nativeN;
      p.native = epochSeconds('native', data, hidden, batch, nativeN);
    }
    p.jsExamples = jsExamples(hidden, batch, budget);
    p.js = epochSeconds('js', data, hidden, batch, p.jsExamples);
    process.stderr.write(
      `  h=${hidden} batch=${batch}: native ${fmt(p.native, 3)} s, js ${fmt(p.js, 2)} s\n`,
    );
    return p;
  };
  const widths = WIDTHS.map((h) => ({ ...measure(h, 32), x: h }));
  const batches = BATCHES.map((b) => ({ ...measure(100, b), x: b }));
  const table = (label: string, points: Point[]) =>
    markdownTable(
      [label, 'native s/epoch', 'js s/epoch', 'native/JS', 'examples timed (native, js)'],
      points.map((p) => [
        String(p.x),
        fmt(p.native, 3),
        fmt(p.js, 2),
        p.native ? `${fmt(p.js! / p.native, 1)}x` : '',
        `${p.nativeExamples ?? '-'}, ${p.jsExamples}`,
      ]),
    );
  console.log(`\nAgainst hidden width (batch 32):\n\n${table('hidden width', widths)}`);
  console.log(`\nAgainst batch size (width 100):\n\n${table('batch size', batches)}`);
  writeFileSync(out, svg(widths, batches, machine));
  console.log(`\nSVG: ${out}`);
  if (!argv.includes('--no-json'))
    console.log(`JSON: ${writeResults('scaling', { machine, widths, batches })}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
