/**
 * `blasnet export`: a saved model becomes an ONNX file that onnxruntime runs to blasnet's
 * outputs, or a safetensors file that loads back bit for bit; usage errors exit 2, an
 * unreadable model or output path 1.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as ort from 'onnxruntime-web';
import { loadSafetensors } from '../lib/interop/safetensors';
import { saveNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { runCli } from './helpers/cli';
import { mulberry32, randomFloat32 } from './helpers/random';

ort.env.wasm.numThreads = 1;

const run = runCli;

describe('62 CLI: blasnet export', () => {
  let tmp: string;
  let model: string;
  let net: Network;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-export-'));
    model = path.join(tmp, 'digits.blasnet');
    net = new Network({ sizes: [16, 8, 10], activations: ['relu', 'softmax'], seed: 9 });
    saveNetwork(net, model, {
      kind: 'blasnet-classifier',
      encoding: 'onehot',
      classes: 10,
      rows: 4,
      cols: 4,
      pixelScale: 'divide-by-255',
      loss: 'crossEntropy',
    });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exports ONNX that onnxruntime runs to the same outputs', async function () {
    this.timeout(300000);
    const out = path.join(tmp, 'digits.onnx');
    const r = await run('export', model, '--format', 'onnx', '--out', out);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/\(onnx, \d+ bytes\)/);
    expect(r.stdout).to.include('input "input" [batch, 16] float32 -> output "output" [batch, 10]');
    const x = randomFloat32(mulberry32(1), 5 * 16, 0, 1);
    const session = await ort.InferenceSession.create(fs.readFileSync(out));
    const y = (await session.run({ input: new ort.Tensor('float32', x, [5, 16]) })).output;
    await session.release();
    const want = net.predict(x);
    const data = y.data as Float32Array;
    for (let i = 0; i < want.length; i++) expect(Math.abs(data[i] - want[i])).to.be.below(1e-5);
  });

  it('exports safetensors (format from the extension) with the CLI metadata, loading back bit for bit', async () => {
    const out = path.join(tmp, 'digits.safetensors');
    const r = await run('export', model, '--out', out, '--json');
    expect(r.status).to.equal(0);
    const record = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(record).to.include({ model, out, format: 'safetensors' });
    expect(record.bytes).to.equal(fs.statSync(out).size);
    const back = loadSafetensors(out, { backend: 'js' });
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(net.params.buffer))).to.equal(true);
    const bytes = fs.readFileSync(out);
    const header = JSON.parse(bytes.subarray(8, 8 + bytes.readUInt32LE(0)).toString());
    expect(header.__metadata__).to.include({
      encoding: 'onehot',
      classes: '10',
      image: '4x4',
      pixelScale: 'divide-by-255',
    });
  });

  it('is listed in the help and has its own', async () => {
    expect((await run('--help')).stdout).to.match(/export\s+Write a model as ONNX or safetensors/);
    const help = await run('export', '--help');
    expect(help.status).to.equal(0);
    for (const word of ['--out', '--format', 'onnx', 'safetensors', '0.weight'])
      expect(help.stdout).to.include(word);
    expect((await run('help', 'export')).stdout).to.equal(help.stdout);
  });

  it('exits 2 on usage errors and 1 when the model or the output cannot be used', async () => {
    const usage: Array<[string[], RegExp]> = [
      [['export', model], /Missing --out FILE/],
      [['export', model, '--out', path.join(tmp, 'x.bin')], /Missing --format onnx\|safetensors/],
      [
        ['export', model, '--out', 'x.onnx', '--format', 'tflite'],
        /Expected one of onnx, safetensors for --format but received "tflite"/,
      ],
      [['export', '--out', 'x.onnx'], /Missing <model>/],
      [['export', model, 'extra', '--out', 'x.onnx'], /Unexpected argument "extra"/],
      [
        ['export', model, '--out', 'x.onnx', '--formt', 'onnx'],
        /Unknown option --formt.*did you mean --format/,
      ],
    ];
    for (const [args, message] of usage) {
      const r = await run(...args);
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.include("Run 'blasnet export --help'");
    }
    const missing = await run(
      'export',
      path.join(tmp, 'none.blasnet'),
      '--out',
      path.join(tmp, 'a.onnx'),
    );
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.match(/Cannot read the model .*none\.blasnet: no such file/);
    const unwritable = await run('export', model, '--out', path.join(tmp, 'no', 'dir', 'a.onnx'));
    expect(unwritable.status).to.equal(1);
    expect(unwritable.stderr).to.match(/a\.onnx: cannot write/);
    const json = await run('export', model, '--json', '--out', path.join(tmp, 'no', 'a.onnx'));
    expect(JSON.parse(json.stderr)).to.include({
      type: 'error',
      exitCode: 1,
      code: 'ERR_BLASNET_IO',
    });
  });
});
