/**
 * PNG input for `blasnet predict`: a PNG is made grayscale, white-on-black (inverted when its
 * background is light) and, when its size differs from the model's, cropped, scaled into the
 * 20x20 box and centred by mass as MNIST's digits were. Then predicted through the CLI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { main } from '../lib/cli/main';
import { imageFormatOf, pngToInput, resampleArea } from '../lib/cli/image';
import type { CliModelMetadata } from '../lib/cli/model';
import { getEncoding, loadMnist, type MnistData } from '../lib/data';
import { writeIdx } from '../lib/data/idx';
import { saveNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';

const ROOT = path.resolve(__dirname, '..');

/** A PNG of a gray image `[rows, cols]` (0..255), scaled up `k` times, optionally inverted, optionally with the background transparent. */
function pngOf(
  pixels: Uint8Array,
  rows: number,
  cols: number,
  opts: { scale?: number; invert?: boolean; transparent?: boolean } = {},
): Buffer {
  const k = opts.scale ?? 1;
  const png = new PNG({ width: cols * k, height: rows * k });
  for (let y = 0; y < rows * k; y++) {
    for (let x = 0; x < cols * k; x++) {
      const v = pixels[Math.floor(y / k) * cols + Math.floor(x / k)];
      const o = 4 * (y * cols * k + x);
      if (opts.transparent) {
        // Black ink whose opacity is the digit: a drawing on a transparent canvas.
        png.data[o] = png.data[o + 1] = png.data[o + 2] = 0;
        png.data[o + 3] = v;
      } else {
        const g = opts.invert ? 255 - v : v;
        png.data[o] = png.data[o + 1] = png.data[o + 2] = g;
        png.data[o + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

function meanAbsDiff(a: Float32Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i] / 255);
  return s / a.length;
}

describe('51 PNG input (blasnet predict image.png)', () => {
  let mnist: MnistData;
  let digit: Uint8Array;
  before(() => {
    mnist = loadMnist();
    digit = mnist.test.bytes.subarray(0, 784);
  });

  it('takes a 28x28 white-on-black PNG as it is', () => {
    const r = pngToInput(pngOf(digit, 28, 28), 28, 28);
    expect(r.inverted).to.equal(false);
    expect(r.normalized).to.equal(false);
    expect(Array.from(r.pixels)).to.deep.equal(Array.from(digit));
  });

  it('inverts a dark digit on a light background', () => {
    const r = pngToInput(pngOf(digit, 28, 28, { invert: true }), 28, 28);
    expect(r.inverted).to.equal(true);
    expect(Array.from(r.pixels)).to.deep.equal(Array.from(digit));
  });

  it('composites a drawing on a transparent canvas (black ink) into a white digit on black', () => {
    const r = pngToInput(pngOf(digit, 28, 28, { transparent: true }), 28, 28);
    expect(r.inverted).to.equal(true);
    expect(meanAbsDiff(r.input, digit)).to.be.below(0.005);
  });

  it('crops, scales and centres an image of another size the way MNIST did', () => {
    // An MNIST digit is already normalized: scaled up 3x, inverted, it must come back close to itself.
    const r = pngToInput(pngOf(digit, 28, 28, { scale: 3, invert: true }), 28, 28);
    expect(r.width).to.equal(84);
    expect(r.normalized).to.equal(true);
    expect(r.inverted).to.equal(true);
    expect(meanAbsDiff(r.input, digit)).to.be.below(0.06);
    // Off-centre in a large canvas: still centred by mass.
    const canvas = new Uint8Array(100 * 60);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) canvas[(y + 5) * 60 + x + 30] = digit[y * 28 + x];
    const moved = pngToInput(pngOf(canvas, 100, 60), 28, 28);
    expect(meanAbsDiff(moved.input, digit)).to.be.below(0.06);
  });

  it('area resampling keeps the mean of an image', () => {
    const src = new Float32Array(84 * 84).map((_, i) => ((i * 7919) % 13) / 12);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(resampleArea(src, 84, 84, 28, 28))).to.be.closeTo(mean(src), 1e-5);
    expect(mean(resampleArea(src, 84, 84, 20, 20))).to.be.closeTo(mean(src), 0.01);
  });

  it('rejects a file that is not a PNG with a clear error', () => {
    expect(() => pngToInput(Buffer.from('not a png'), 28, 28, 'x.png')).to.throw(
      /x.png: not a readable PNG image/,
    );
  });

  describe('through the CLI', () => {
    /** main() in this process; stdout and stderr into one string. */
    async function captured(args: string[]): Promise<{ code: number; text: string }> {
      const chunks: string[] = [];
      const sink = new Writable({
        write(c: Buffer, _e, done) {
          chunks.push(c.toString());
          done();
        },
      });
      const code = await main(args, { stdout: sink, stderr: sink });
      return { code, text: chunks.join('') };
    }

    let tmp: string;
    let model: string;
    let net: Network;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-png-'));
      const onehot = getEncoding('onehot');
      net = new Network({ sizes: [784, 30, 10], activations: ['sigmoid', 'softmax'], seed: 3 });
      fitSync(
        net,
        { x: mnist.train.images, y: onehot.encode(mnist.train.labels, 10) },
        { epochs: 2, batchSize: 10, learningRate: 0.5 },
      );
      const meta: CliModelMetadata = {
        kind: 'blasnet-classifier',
        encoding: 'onehot',
        classes: 10,
        rows: 28,
        cols: 28,
        pixelScale: 'divide-by-255',
        loss: 'crossEntropy',
      };
      model = path.join(tmp, 'digits.blasnet');
      saveNetwork(net, model, meta as unknown as Record<string, unknown>);
    });
    after(() => {
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('predicts the label of PNG digits (a spawned blasnet predict)', () => {
      // Test digits the model gets right, drawn as three PNGs each: as is, inverted, scaled up 3x and inverted.
      const predicted = net.classify(mnist.test.images.subarray(0, 20 * 784));
      const right = [...predicted.keys()]
        .filter((i) => predicted[i] === mnist.test.labels[i])
        .slice(0, 2);
      const files: string[] = [];
      const expected: number[] = [];
      for (const i of right) {
        const pixels = mnist.test.bytes.subarray(i * 784, (i + 1) * 784);
        for (const [name, opts] of [
          ['plain', {}],
          ['inverted', { invert: true }],
          ['big', { scale: 3, invert: true }],
        ] as const) {
          const file = path.join(tmp, `digit-${i}-${name}.png`);
          fs.writeFileSync(file, pngOf(pixels, 28, 28, opts));
          files.push(file);
          expected.push(mnist.test.labels[i]);
        }
      }
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'lib/cli/main.ts', 'predict', model, ...files],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status, r.stderr).to.equal(0);
      // Several inputs: each line names its file.
      expect(r.stdout.trim().split('\n')).to.deep.equal(
        files.map((f, k) => `${f}: ${expected[k]}`),
      );
      // One input: the bare label.
      const one = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'lib/cli/main.ts', 'predict', model, files[0]],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      );
      expect(one.status, one.stderr).to.equal(0);
      expect(one.stdout).to.equal(`${expected[0]}\n`);
    });

    it('names IDX images by file and index when given with other inputs', async () => {
      const idx = path.join(tmp, 'three-idx3-ubyte');
      writeIdx(idx, { data: mnist.test.bytes.subarray(0, 3 * 784), dims: [3, 28, 28] });
      const png = path.join(tmp, 'first.png');
      fs.writeFileSync(png, pngOf(digit, 28, 28));
      const r = await captured(['predict', model, png, idx]);
      expect(r.code, r.text).to.equal(0);
      const labels = net.classify(mnist.test.images.subarray(0, 3 * 784));
      expect(r.text).to.equal(
        `${png}: ${labels[0]}\n${[0, 1, 2].map((i) => `${idx}[${i}]: ${labels[i]}`).join('\n')}\n`,
      );
    });

    it('recognises JPEG, GIF, BMP, WebP and TIFF and says only PNG and IDX are read', async () => {
      const bmp = Buffer.alloc(64);
      bmp.write('BM', 0, 'latin1');
      bmp.writeUInt32LE(64, 2);
      const samples: Array<[string, string, Buffer]> = [
        [
          'photo.jpg',
          'JPEG',
          Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
        ],
        ['anim.gif', 'GIF', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')],
        ['paint.bmp', 'BMP', bmp],
        ['web.webp', 'WebP', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1')],
        ['scan.tif', 'TIFF', Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0])],
      ];
      for (const [name, format, bytes] of samples) {
        const file = path.join(tmp, name);
        fs.writeFileSync(file, bytes);
        expect(imageFormatOf(bytes), name).to.equal(format);
        const r = await captured(['predict', model, file]);
        expect(r.code, name).to.equal(1);
        expect(r.text, name).to.include(`${file}: a ${format} image, which predict does not read`);
        expect(r.text, name).to.include('Give a PNG image or an IDX images file');
        expect(r.text, name).to.not.include('wrong magic');
      }
      expect(imageFormatOf(pngOf(digit, 28, 28))).to.equal('PNG');
      expect(imageFormatOf(Buffer.from([0, 0, 8, 3, 0, 0, 0, 1]))).to.equal(undefined); // IDX
    });

    it('--json tells how each PNG was read', async () => {
      const file = path.join(tmp, 'one.png');
      fs.writeFileSync(file, pngOf(digit, 28, 28, { scale: 2, invert: true }));
      const chunks: string[] = [];
      const sink = new Writable({
        write(c: Buffer, _e, done) {
          chunks.push(c.toString());
          done();
        },
      });
      const code = await main(['predict', model, file, '--json'], { stdout: sink, stderr: sink });
      expect(code).to.equal(0);
      const out = JSON.parse(chunks.join('')) as { predictions: Record<string, unknown>[] };
      expect(out.predictions).to.have.length(1);
      expect(out.predictions[0]).to.include({
        input: file,
        width: 56,
        height: 56,
        inverted: true,
        normalized: true,
      });
      expect(out.predictions[0].label).to.be.a('number');
    });
  });
});
