/**
 * The HTML report, checked structurally: self-contained (no scripts, no external URLs), the loss
 * and accuracy curves with one point per epoch, a 10x10 confusion heat map whose counts add up
 * to the test set, the misclassified digits as data: PNGs, and the settings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { main } from '../lib/cli/main';
import { classificationMetrics } from '../lib/report/metrics';
import { renderReport } from '../lib/report/html';
import { trainingThroughput } from '../lib/report/throughput';
import type { EpochReport } from '../lib/train';

function points(html: string, series: string): string[] {
  const m = new RegExp(`<polyline[^>]*data-series="${series}"[^>]*points="([^"]*)"`).exec(html);
  expect(m, `a polyline for ${series}`).to.not.equal(null);
  return m![1].trim().split(/\s+/);
}

describe('52 HTML report (train --report)', () => {
  let tmp: string;
  let html: string;
  const epochs = 3;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-report-'));
    const file = path.join(tmp, 'report.html');
    const sink = new Writable({
      write(_c, _e, done) {
        done();
      },
    });
    const code = await main(
      ['train', '--layers', '784,20,10', '--epochs', String(epochs), '--report', file],
      { stdout: sink, stderr: sink },
    );
    expect(code).to.equal(0);
    html = fs.readFileSync(file, 'utf8');
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is one self-contained page: inline CSS and SVG, no scripts, no external URLs or fonts', () => {
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(html).to.include('<style>');
    expect(html).to.not.match(/https?:\/\//i);
    expect(html).to.not.match(/<script|<link|<iframe|@import|@font-face|url\(/i);
    expect(html).to.not.match(/\b(src|href)="(?!data:)/);
  });

  it('draws the loss and accuracy curves with one point per epoch', () => {
    for (const series of ['train-loss', 'test-loss', 'train-accuracy', 'test-accuracy']) {
      const pts = points(html, series);
      expect(pts, series).to.have.length(epochs);
      for (const p of pts) expect(p).to.match(/^\d+(\.\d)?,\d+(\.\d)?$/);
    }
    // The training loss falls: its last point is lower on the chart (a larger y) than its first.
    const loss = points(html, 'train-loss').map((p) => Number(p.split(',')[1]));
    expect(loss[epochs - 1]).to.be.above(loss[0]);
  });

  it('draws the confusion matrix as a 10x10 heat map whose counts add up to the test set', () => {
    const cells = [
      ...html.matchAll(/<rect class="cell" data-row="(\d+)" data-col="(\d+)" data-count="(\d+)"/g),
    ];
    expect(cells).to.have.length(100);
    const seen = new Set(cells.map((c) => `${c[1]},${c[2]}`));
    expect(seen.size).to.equal(100);
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++) expect(seen.has(`${i},${j}`)).to.equal(true);
    expect(cells.reduce((s, c) => s + Number(c[3]), 0)).to.equal(2000);
  });

  it('shows misclassified test digits as 28x28 PNG data URIs with true and predicted labels', () => {
    const figures = [
      ...html.matchAll(
        /<figure class="digit" data-index="(\d+)" data-label="(\d)" data-predicted="(\d)"><img alt="[^"]*" src="data:image\/png;base64,([A-Za-z0-9+/=]+)"><figcaption>true (\d) → <span class="wrong">(\d)<\/span>/g,
      ),
    ];
    expect(figures.length).to.be.within(1, 48);
    for (const f of figures) {
      expect(f[2]).to.not.equal(f[3]);
      expect(f[5]).to.equal(f[2]);
      expect(f[6]).to.equal(f[3]);
    }
    const png = PNG.sync.read(Buffer.from(figures[0][4], 'base64'));
    expect([png.width, png.height]).to.deep.equal([28, 28]);
    const total = Number(
      /Misclassified test digits \((?:the first \d+ of|all) (\d+)\)/.exec(html)![1],
    );
    expect(total).to.be.at.least(figures.length);
  });

  it('lists the settings, timing and environment', () => {
    for (const needle of [
      'Settings',
      'learning rate',
      'batch size',
      '784,20,10',
      'training seconds',
      'examples per second',
      'blas',
    ])
      expect(html).to.include(needle);
  });

  it('shows one throughput: examples over training time, the same in the card and the timing table', () => {
    const card = /([\d,]+) examples\/s \(training time\)/.exec(html);
    expect(card, 'the training-time card').to.not.equal(null);
    const table = /<td>examples per second<\/td><td>([\d,]+)<\/td>/.exec(html);
    expect(table, 'the timing table').to.not.equal(null);
    expect(card![1]).to.equal(table![1]);
    const figures = new Set(
      [...html.matchAll(/([\d,]+) examples\/s|examples per second<\/td><td>([\d,]+)/g)].map(
        (m) => m[1] ?? m[2],
      ),
    );
    expect([...figures]).to.deep.equal([card![1]]);
  });

  it('computes the throughput as total examples over total training time, not a mean of rates', () => {
    // Two epochs of 1,000 examples: 1 s and 3 s. 2,000 / 4 s = 500/s; the mean of the rates
    // (1,000/s and 333/s) would be 667/s.
    const history: EpochReport[] = [
      { epoch: 1, loss: 1, learningRate: 0.1, seconds: 1, examplesPerSecond: 1000, elapsed: 1 },
      { epoch: 2, loss: 1, learningRate: 0.1, seconds: 3, examplesPerSecond: 1000 / 3, elapsed: 4 },
    ];
    expect(trainingThroughput(history)).to.be.closeTo(500, 1e-9);
    expect(trainingThroughput([])).to.equal(undefined);
    const out = renderReport({
      history,
      test: classificationMetrics(new Uint8Array([0, 1]), new Uint8Array([0, 0]), 2),
    });
    expect(out).to.include('500 examples/s (training time)');
  });

  it('escapes text it is given', () => {
    const history: EpochReport[] = [
      { epoch: 1, loss: 1, learningRate: 0.1, seconds: 1, examplesPerSecond: 1, elapsed: 1 },
    ];
    const out = renderReport({
      title: '<b>x</b>',
      history,
      test: classificationMetrics(new Uint8Array([0, 1]), new Uint8Array([0, 0]), 2),
      settings: { note: '<script>alert(1)</script>' },
    });
    expect(out).to.not.include('<script>');
    expect(out).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).to.include('&lt;b&gt;x&lt;/b&gt;');
  });
});
