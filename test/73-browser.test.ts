/**
 * The browser bundle: built with esbuild for the browser platform (no Node built-in can get in),
 * read a model file like the Node reader does, and, in a real headless Chromium (Debian's, driven
 * by playwright-core), classify the bundled test digits with the same labels as Node, train a
 * little, and run the demo page: draw a digit, read the answer, take a screenshot.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  BROWSER_MODEL_FORMAT_VERSION,
  BROWSER_MODEL_MAX_HEADER_BYTES,
  networkFromModelBytes,
} from '../lib/browser/model-bytes';
import { loadMnist } from '../lib/data';
import {
  deserializeNetwork,
  loadNetwork,
  MODEL_FORMAT_VERSION,
  MODEL_MAX_HEADER_BYTES,
  serializeNetwork,
} from '../lib/model-file';
import { Network } from '../lib/network';

const ROOT = resolve(__dirname, '..');
const MODEL = join(ROOT, 'examples', 'browser', 'digits.blasnet');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the demo's screenshot goes (look at it: the test cannot judge a page's looks). */
const SHOTS = process.env.BLASNET_SCREENSHOT_DIR ?? join(ROOT, 'build', 'screenshots');

// CommonJS helpers shared with `npm run build:browser` and the demo's server.
const { buildBrowserBundle } = require('../scripts/build-browser.js') as {
  buildBrowserBundle: (o?: { outfile?: string }) => Promise<{
    outfile: string;
    bytes: number;
    inputs: string[];
  }>;
};
const { createStaticServer } = require('../examples/browser/serve.js') as {
  createStaticServer: (root: string) => Server;
};

function thrown(fn: () => unknown): (Error & { code?: string }) | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  return undefined;
}

describe('browser: the model-file reader without Node built-ins', () => {
  it('reads what saveNetwork writes, exactly as the Node reader does', () => {
    for (const activations of [
      ['relu', 'softmax'],
      ['heaviside', 'identity'],
    ] as const) {
      const net = new Network({ sizes: [5, 7, 3], activations: [...activations], seed: 4 });
      const bytes = serializeNetwork(net, { note: 'x' });
      const copy = networkFromModelBytes(new Uint8Array(bytes), { backend: net.backend });
      expect(copy.sizes).to.deep.equal(net.sizes);
      expect(copy.activations).to.deep.equal(net.activations);
      expect(Buffer.from(copy.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(true);
    }
    // And from an odd offset inside a larger buffer (no alignment assumed).
    const net = new Network({ sizes: [3, 2], seed: 1 });
    const inner = serializeNetwork(net);
    const outer = new Uint8Array(inner.length + 1);
    outer.set(inner, 1);
    const copy = networkFromModelBytes(outer.subarray(1));
    expect([...copy.params]).to.deep.equal([...net.params]);
  });

  it('rejects every damaged file the Node reader rejects, with the same message', () => {
    const net = new Network({ sizes: [3, 4, 2], activations: ['sigmoid', 'softmax'], seed: 2 });
    const good = serializeNetwork(net, { note: 'x' });
    const headerLength = good.readUInt32LE(8);
    const header = JSON.parse(good.subarray(12, 12 + headerLength).toString());
    const params = good.subarray(header.payloadOffset, good.length - 32);
    /** A version 2 file with the header edited, its checksum trailer recomputed (or kept). */
    const rebuild = (
      edit: (h: Record<string, unknown>) => void,
      { trailer = 'recompute', payload = params } = {},
    ) => {
      const h = { ...header };
      edit(h);
      const text = Buffer.from(JSON.stringify(h));
      const size = Buffer.alloc(4);
      size.writeUInt32LE(text.length);
      const head = Buffer.concat([good.subarray(0, 8), size, text]);
      const padding = Buffer.alloc(((head.length + 3) & ~3) - head.length);
      const body = Buffer.concat([head, padding, payload]);
      const digest =
        trailer === 'keep'
          ? good.subarray(good.length - 32)
          : createHash('sha256').update(body).digest();
      return Buffer.concat([body, digest]);
    };
    /** The same network as a version 1 file: no trailer, the parameters' hex digest in the header. */
    const v1 = (payload: Buffer = params) => {
      const h: Record<string, unknown> = {
        ...header,
        version: 1,
        sha256: createHash('sha256').update(payload).digest('hex'),
      };
      for (let i = 0; i < 3; i++) h.payloadOffset = (12 + JSON.stringify(h).length + 3) & ~3;
      const text = Buffer.from(JSON.stringify(h));
      const out = Buffer.alloc((h.payloadOffset as number) + payload.length);
      out.write('BLASNET\n', 'latin1');
      out.writeUInt32LE(text.length, 8);
      text.copy(out, 12);
      payload.copy(out, h.payloadOffset as number);
      return out;
    };
    const withParam = (i: number, value: number) => {
      const copy = Buffer.from(params);
      copy.writeFloatLE(value, 4 * i);
      return copy;
    };
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 0x40;
    const flippedParam = Buffer.from(good);
    flippedParam[header.payloadOffset] ^= 0x40;
    const hugeHeader = Buffer.from(good);
    hugeHeader.writeUInt32LE(16 * 1024 * 1024 + 1, 8);
    const bomText = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(header)),
    ]);
    const bom = Buffer.concat([good.subarray(0, 12), bomText, Buffer.alloc(64)]);
    bom.writeUInt32LE(bomText.length, 8);
    const v1Flipped = v1();
    v1Flipped[v1Flipped.length - 1] ^= 0x40;
    const damaged: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['bad magic', Buffer.concat([Buffer.from('BLASNOT\n'), good.subarray(8)])],
      ['header over the limit', hugeHeader],
      ['truncated header', good.subarray(0, 20)],
      ['truncated checksum', good.subarray(0, good.length - 4)],
      ['no checksum', good.subarray(0, good.length - 32)],
      ['extra bytes', Buffer.concat([good, Buffer.alloc(4)])],
      ['flipped checksum bit', flipped],
      ['flipped parameter bit', flippedParam],
      [
        'edited metadata, old checksum',
        rebuild((h) => (h.metadata = { note: 'y' }), { trailer: 'keep' }),
      ],
      ['version 4', rebuild((h) => (h.version = 4))],
      [
        'a training state in a version 2 file',
        rebuild((h) => Object.assign(h, { version: 2, training: {} })),
      ],
      ['a bad training state', rebuild((h) => (h.training = { optimizer: { type: 'adam' } }))],
      ['float64', rebuild((h) => (h.dtype = 'float64'))],
      ['bad sizes', rebuild((h) => (h.sizes = [3, 0, 2]))],
      ['bad activation', rebuild((h) => (h.activations = ['sigmoid', 'swish']))],
      ['wrong paramCount', rebuild((h) => (h.paramCount = 1))],
      ['NaN parameter', rebuild(() => undefined, { payload: withParam(5, Number.NaN) })],
      ['infinite parameter', rebuild(() => undefined, { payload: withParam(0, -Infinity) })],
      // A byte-order mark before the JSON: Node's decoder keeps it, so JSON.parse fails.
      ['BOM before the header', bom],
      ['v1: flipped parameter bit', v1Flipped],
      ['v1: truncated', v1().subarray(0, v1().length - 4)],
      ['v1: extra bytes', Buffer.concat([v1(), Buffer.alloc(4)])],
      ['v1: NaN parameter', v1(withParam(2, Number.NaN))],
    ];
    for (const [what, bytes] of damaged) {
      const node = thrown(() => deserializeNetwork(bytes));
      const browser = thrown(() => networkFromModelBytes(bytes));
      expect(node, what).to.be.instanceOf(Error);
      expect(browser?.code, what).to.equal('ERR_BLASNET_FORMAT');
      expect(browser?.message, what).to.equal(node?.message);
    }
    // Both read the good version 1 file, and a non-finite one when allowed, to the same values.
    const accepted: Array<[string, Uint8Array, { allowNonFinite?: boolean }]> = [
      ['v1', v1(), {}],
      [
        'NaN allowed',
        rebuild(() => undefined, { payload: withParam(5, Number.NaN) }),
        { allowNonFinite: true },
      ],
      ['v1 NaN allowed', v1(withParam(2, Number.NaN)), { allowNonFinite: true }],
    ];
    for (const [what, bytes, options] of accepted) {
      const node = deserializeNetwork(bytes, options);
      const browser = networkFromModelBytes(bytes, options);
      expect(
        Buffer.from(browser.params.buffer).equals(Buffer.from(node.params.buffer)),
        what,
      ).to.equal(true);
    }
  });

  it('checks its arguments and limits as the Node reader does', () => {
    expect(BROWSER_MODEL_FORMAT_VERSION).to.equal(MODEL_FORMAT_VERSION);
    expect(BROWSER_MODEL_MAX_HEADER_BYTES).to.equal(MODEL_MAX_HEADER_BYTES);
    const good = serializeNetwork(new Network({ sizes: [2, 1], seed: 1 }));
    const cases: Array<[string, unknown, unknown]> = [
      ['not bytes', 'abc', undefined],
      ['options not an object', good, 7],
      ['unknown option', good, { maxBytes: 10 }],
      ['allowNonFinite not a boolean', good, { allowNonFinite: 'yes' }],
    ];
    for (const [what, bytes, options] of cases) {
      const node = thrown(() => deserializeNetwork(bytes as Uint8Array, options as never));
      const browser = thrown(() => networkFromModelBytes(bytes as Uint8Array, options as never));
      expect(node, what).to.be.instanceOf(Error);
      expect(browser?.constructor, what).to.equal(node?.constructor);
      expect(browser?.code, what).to.equal(node?.code);
      expect(browser?.message, what).to.equal(node?.message);
    }
  });

  it('the demo model is a current (version 3) file that loads', () => {
    const bytes = readFileSync(MODEL);
    const header = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString());
    expect(header.version).to.equal(MODEL_FORMAT_VERSION);
    const net = networkFromModelBytes(bytes, { source: 'digits.blasnet' });
    expect(net.sizes).to.deep.equal([784, 100, 10]);
  });
});

describe('browser: the bundle in headless Chromium', function () {
  this.timeout(300000);
  let bundle: { outfile: string; bytes: number; inputs: string[] };
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `      browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
      );
      this.skip();
    }
    bundle = await buildBrowserBundle();
    server = createStaticServer(ROOT);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    page = await browser.newPage({ viewport: { width: 900, height: 640 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/examples/browser/`);
    await page.waitForFunction(() => 'blasnetDemo' in globalThis, undefined, { timeout: 60000 });
    const failure = await page.evaluate(
      () => (globalThis as { blasnetDemo?: { error?: string } }).blasnetDemo?.error,
    );
    expect(failure, 'the demo failed to start').to.equal(undefined);
    expect(errors).to.deep.equal([]);
  });

  after(async () => {
    await browser?.close();
    if (server) await new Promise((done) => server.close(done));
  });

  it('is an ES module without Node built-ins or the native loader', () => {
    expect(bundle.inputs.some((i) => i.startsWith('node:'))).to.equal(false);
    expect(bundle.inputs.some((i) => i.includes('backend/native/addon'))).to.equal(false);
    expect(bundle.inputs).to.include('lib/browser/native-unavailable.ts');
    const text = readFileSync(bundle.outfile, 'utf8');
    expect(text).to.not.match(/\brequire\(|["']node:|\bprocess\.|\bBuffer\./);
    expect(text).to.match(/export\s*\{/);
    const gzipped = gzipSync(text).length;
    console.log(
      `      bundle: ${bundle.bytes} bytes, ${gzipped} gzipped, ${bundle.inputs.length} modules`,
    );
  });

  it('classifies 1000 bundled test digits with the same labels and outputs as Node', async () => {
    const { test } = loadMnist();
    const n = 1000;
    const images = test.images.subarray(0, n * 784);
    const net = loadNetwork(MODEL, { backend: 'js' });
    const want = net.predict(images);
    const got = await page.evaluate((pixels) => {
      const demo = (globalThis as unknown as { blasnetDemo: { net: Network } }).blasnetDemo;
      const outputs = demo.net.predict(new Float32Array(pixels));
      return {
        outputs: Array.from(outputs),
        labels: Array.from(demo.net.classify(new Float32Array(pixels)) as Uint8Array),
        backend: demo.net.backend.name,
      };
    }, Array.from(images));
    expect(got.backend).to.equal('js');
    expect(got.labels).to.deep.equal(Array.from(net.classify(images) as Uint8Array));
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs(got.outputs[i] - want[i]));
    expect(worst).to.be.below(1e-6);
    const correct = got.labels.filter((label, i) => label === test.labels[i]).length;
    expect(correct / n).to.be.above(0.9);
    const timing = await page.evaluate(() => {
      const demo = (
        globalThis as unknown as { blasnetDemo: { loadMs: number; firstPredictMs: number } }
      ).blasnetDemo;
      return { loadMs: demo.loadMs, firstPredictMs: demo.firstPredictMs };
    });
    console.log(
      `      in Chromium: ${correct}/${n} correct; model fetched and checked in ${timing.loadMs.toFixed(1)} ms, first predict ${timing.firstPredictMs.toFixed(2)} ms`,
    );
  });

  it('trains in the browser (XOR) and rejects a damaged model file with a coded error', async () => {
    const result = await page.evaluate(async () => {
      const blasnet = await import('/dist/browser/blasnet.mjs' as string);
      const net = new blasnet.Network({
        sizes: [2, 4, 1],
        activations: ['tanh', 'sigmoid'],
        seed: 3,
      });
      const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
      const y = new Float32Array([0, 1, 1, 0]);
      blasnet.fitSync(
        net,
        { x, y },
        { epochs: 2000, batchSize: 4, learningRate: 2, loss: 'binaryCrossEntropy' },
      );
      const bytes = new Uint8Array(
        await (await fetch('/examples/browser/digits.blasnet')).arrayBuffer(),
      );
      bytes[bytes.length - 1] ^= 1;
      let error: { code?: string; message: string } | undefined;
      try {
        blasnet.deserializeNetwork(bytes, { source: 'digits.blasnet' });
      } catch (e) {
        error = { code: (e as { code?: string }).code, message: (e as Error).message };
      }
      return { outputs: Array.from(net.predict(x) as Float32Array), error };
    });
    expect(result.outputs.map((v) => (v > 0.5 ? 1 : 0))).to.deep.equal([0, 1, 1, 0]);
    expect(result.error?.code).to.equal('ERR_BLASNET_FORMAT');
    expect(result.error?.message).to.match(/^digits\.blasnet: checksum mismatch/);
  });

  it('runs the demo: a drawn 7 is read as 7 (screenshot saved)', async () => {
    const pad = (await page.locator('#pad').boundingBox())!;
    const stroke = async (points: Array<[number, number]>) => {
      await page.mouse.move(pad.x + points[0][0], pad.y + points[0][1]);
      await page.mouse.down();
      for (const [x, y] of points.slice(1))
        await page.mouse.move(pad.x + x, pad.y + y, { steps: 8 });
      await page.mouse.up();
    };
    // A 7: the top bar, then the long diagonal down to the left.
    await stroke([
      [80, 60],
      [200, 60],
      [170, 130],
      [130, 220],
    ]);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string } | null };
          }
        ).document.getElementById('label')?.textContent !== '–',
    );
    const label = await page.locator('#label').textContent();
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, 'browser-demo.png');
    await page.screenshot({ path: file });
    console.log(`      demo screenshot: ${file}`);
    expect(label).to.equal('7');
    expect(await page.locator('#status').textContent()).to.match(
      /first predict [\d.]+ ms; backend js/,
    );
  });
});
