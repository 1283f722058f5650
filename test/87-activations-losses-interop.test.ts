/**
 * leakyRelu, elu, meanAbsoluteError and huber beyond training: the model file and safetensors
 * keep the activations by name; the ONNX export writes LeakyRelu and Elu with torch's parameters
 * and runs in onnxruntime-web, agreeing with blasnet and with PyTorch's own outputs of the fixture
 * network; the CLI takes them; bad names and mismatched pairings fail with coded errors.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { activation } from '../lib/activations';
import { resolveTrainSettings } from '../lib/cli/commands/train';
import { main } from '../lib/cli/main';
import { evaluate } from '../lib/evaluate';
import { toOnnx } from '../lib/interop/onnx';
import { fromSafetensors, toSafetensors } from '../lib/interop/safetensors';
import { loss } from '../lib/losses';
import { deserializeNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';
import { mulberry32, normalFloat32 } from './helpers/random';

ort.env.wasm.numThreads = 1;

const TORCH = JSON.parse(
  readFileSync(path.join(__dirname, 'fixtures', 'torch-activations.json'), 'utf8'),
).network as {
  sizes: number[];
  activations: string[];
  params: number[];
  x: number[];
  outputs: number[];
};

function fixtureNet(backend: Network['backend']): Network {
  const net = new Network({
    sizes: TORCH.sizes,
    activations: TORCH.activations as never,
    backend,
  });
  net.params.set(TORCH.params);
  return net;
}

/** Throws `kind` with this `code` and a message matching `message`. */
function expectCoded(fn: () => unknown, kind: ErrorConstructor, code: string, message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'an error').to.be.instanceOf(kind);
  expect((caught as { code?: string }).code).to.equal(code);
  expect((caught as Error).message).to.match(message);
}

forEachBackend('87 the new activations in files and exports', (be) => {
  it('a model file round trip keeps leakyRelu and elu and every parameter bit', () => {
    const net = fixtureNet(be());
    const back = deserializeNetwork(serializeNetwork(net), { backend: be() });
    expect(back.activations).to.deep.equal(['leakyRelu', 'elu', 'identity']);
    expect(Array.from(back.params)).to.deep.equal(Array.from(net.params));
    const x = Float32Array.from(TORCH.x);
    expect(Array.from(back.predict(x))).to.deep.equal(Array.from(net.predict(x)));
  });

  it('a model file naming an unknown activation is refused (ERR_BLASNET_FORMAT)', () => {
    const good = serializeNetwork(fixtureNet(be()));
    // The same length, so only the name and the checksum over it change.
    const bad = Buffer.from(
      good.toString('latin1').replace('"leakyRelu"', '"leakyRELU"'),
      'latin1',
    );
    const end = bad.length - 32;
    createHash('sha256').update(bad.subarray(0, end)).digest().copy(bad, end);
    expectCoded(
      () => deserializeNetwork(bad),
      Error,
      'ERR_BLASNET_FORMAT',
      /invalid activations.*leakyRELU/,
    );
  });

  it('safetensors metadata carries the names, and they load back', () => {
    const net = fixtureNet(be());
    const back = fromSafetensors(toSafetensors(net), { backend: be() });
    expect(back.activations).to.deep.equal(['leakyRelu', 'elu', 'identity']);
    expect(Array.from(back.params)).to.deep.equal(Array.from(net.params));
  });

  it('ONNX: LeakyRelu(alpha = 0.01f) and Elu(alpha = 1) nodes, running in onnxruntime-web as blasnet and torch do', async function () {
    this.timeout(300000); // the first session compiles the WASM module
    const net = fixtureNet(be());
    const bytes = toOnnx(net);
    const model = onnx.ModelProto.decode(bytes);
    const nodes = model.graph?.node ?? [];
    const leaky = nodes.find((n) => n.opType === 'LeakyRelu');
    const elu = nodes.find((n) => n.opType === 'Elu');
    expect(leaky?.attribute?.[0]).to.include({ name: 'alpha' });
    expect(leaky?.attribute?.[0].f).to.equal(Math.fround(0.01));
    expect(elu?.attribute?.[0].f).to.equal(1);
    // The fixture's inputs (PyTorch's outputs known) and many more, a fair share below the kinks.
    const x = new Float32Array([...TORCH.x, ...normalFloat32(mulberry32(87), 3 * 500, 2)]);
    const n = x.length / 3;
    const session = await ort.InferenceSession.create(bytes);
    try {
      const out = (await session.run({ input: new ort.Tensor('float32', x, [n, 3]) })).output;
      expect(out.dims).to.deep.equal([n, 2]);
      const ours = net.predict(x);
      const theirs = out.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
      expect(worst, 'onnxruntime vs blasnet').to.be.below(1e-5);
      for (let i = 0; i < TORCH.outputs.length; i++)
        expect(theirs[i], `onnxruntime vs torch [${i}]`).to.be.closeTo(TORCH.outputs[i], 1e-5);
    } finally {
      await session.release();
    }
  });

  it('bad names and pairings fail with coded errors', () => {
    expectCoded(
      () => activation('leakyrelu'),
      RangeError,
      'ERR_BLASNET_RANGE',
      /Expected an activation name \(one of .*"leakyRelu".*"elu".*\) for activation but received "leakyrelu"/,
    );
    expectCoded(
      () => loss('mae'),
      RangeError,
      'ERR_BLASNET_RANGE',
      /"meanAbsoluteError", "huber"\) or a Loss object for loss but received "mae"/,
    );
    expectCoded(
      () => new Network({ sizes: [2, 3, 1], activations: ['elu', 'Elu' as never], backend: be() }),
      RangeError,
      'ERR_BLASNET_RANGE',
      /"Elu"/,
    );
    // The losses go with any output activation; cross-entropy still needs softmax.
    const net = new Network({ sizes: [2, 3, 2], activations: ['leakyRelu', 'elu'], backend: be() });
    const data = { x: new Float32Array([0, 1, 1, 0]), y: new Float32Array([1, 0, 0, 1]) };
    expectCoded(
      () => fitSync(net, data, { loss: 'crossEntropy', epochs: 1 }),
      RangeError,
      'ERR_BLASNET_RANGE',
      /softmax/,
    );
    for (const name of ['huber', 'meanAbsoluteError'] as const)
      expect(evaluate(net, data, { loss: name }).loss)
        .to.be.a('number')
        .and.to.be.at.least(0);
    // Heaviside stays the one activation backprop refuses.
    const step = new Network({ sizes: [2, 1], activations: 'heaviside', backend: be() });
    expectCoded(
      () => fitSync(step, { x: data.x, y: new Float32Array([1, 0]) }, { loss: 'huber', epochs: 1 }),
      RangeError,
      'ERR_BLASNET_RANGE',
      /heaviside/,
    );
  });
});

describe('87 the CLI takes the new activations and losses', () => {
  it('resolves --activation leakyRelu|elu|leaky-relu and --loss meanAbsoluteError|mae|l1|huber', () => {
    const s = (values: Record<string, string>) => resolveTrainSettings(values);
    expect(s({ activation: 'leakyRelu' }).activation).to.equal('leakyRelu');
    expect(s({ activation: 'leaky-relu' }).activation).to.equal('leakyRelu');
    expect(s({ activation: 'elu' }).activation).to.equal('elu');
    for (const given of ['meanAbsoluteError', 'mae', 'l1', 'mean-absolute-error'])
      expect(s({ output: 'sigmoid', encoding: 'regression', loss: given }).loss).to.equal(
        'meanAbsoluteError',
      );
    expect(s({ output: 'identity', encoding: 'regression', loss: 'huber' }).loss).to.equal('huber');
  });

  it('lists them in --help and in the usage error of a wrong name', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    expect(await main(['train', '--help'], { stdout: sink, stderr: sink })).to.equal(0);
    const help = chunks.join('');
    for (const word of ['leakyRelu', 'elu', 'meanAbsoluteError', 'huber'])
      expect(help).to.include(word);
    chunks.length = 0;
    expect(await main(['train', '--loss', 'hubber'], { stdout: sink, stderr: sink })).to.equal(2);
    expect(chunks.join('')).to.match(
      /Expected one of .*meanAbsoluteError, huber for --loss but received "hubber"/,
    );
  });
});
