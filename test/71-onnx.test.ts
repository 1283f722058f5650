/**
 * ONNX export: every exported model of the test networks (each hidden activation, each output
 * activation) runs in onnxruntime-web (its WASM backend, in Node) and matches blasnet's
 * `predict` within 1e-5, for batch 1 and 1000; the model declares what it promises (opset 13,
 * `input` [batch, n0] with a symbolic batch, `output` [batch, nL]).
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { ACTIVATION_NAMES, type ActivationName } from '../lib/activations';
import { ONNX_OPSET, saveOnnx, toOnnx } from '../lib/interop/onnx';
import { Network } from '../lib/network';
import { forEachBackend } from './helpers/backends';
import { mulberry32, randomFloat32 } from './helpers/random';

// One WASM thread: no worker threads to spawn in Node, and deterministic sums.
ort.env.wasm.numThreads = 1;

const HIDDEN = ACTIVATION_NAMES.filter((a) => a !== 'softmax');

async function runOnnx(bytes: Uint8Array, x: Float32Array, n: number, n0: number) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', x, [n, n0]) });
    return result.output;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

forEachBackend('ONNX export runs in onnxruntime', (be) => {
  it('matches predict within 1e-5 for every hidden and output activation, batch 1 and 1000', async function () {
    // The first session compiles the WASM module: slow on a loaded machine.
    this.timeout(300000);
    const rng = mulberry32(16);
    const sizes = [6, 9, 7, 4];
    const x = randomFloat32(rng, 1000 * sizes[0], -2, 2);
    let checked = 0;
    for (const [i, hidden] of HIDDEN.entries()) {
      for (const output of ACTIVATION_NAMES) {
        const activations: ActivationName[] = [hidden, hidden, output];
        const net = new Network({ sizes, activations, seed: 10 * i + 1, backend: be() });
        const bytes = toOnnx(net);
        for (const n of [1, 1000]) {
          const input = x.subarray(0, n * sizes[0]);
          const y = await runOnnx(bytes, input, n, sizes[0]);
          expect(y.dims, `${activations}`).to.deep.equal([n, sizes[3]]);
          expect(y.type).to.equal('float32');
          const diff = maxAbsDiff(y.data as Float32Array, net.predict(input));
          expect(diff, `${activations}, batch ${n}`).to.be.below(1e-5);
          checked++;
        }
      }
    }
    expect(checked).to.equal(HIDDEN.length * ACTIVATION_NAMES.length * 2);
  });

  it('runs a single-layer network and a deep one', async function () {
    this.timeout(120000);
    const rng = mulberry32(3);
    for (const sizes of [
      [5, 1],
      [3, 8, 8, 8, 8, 2],
    ]) {
      const net = new Network({ sizes, activations: 'tanh', seed: 5, backend: be() });
      const n = 33;
      const x = randomFloat32(rng, n * sizes[0]);
      const y = await runOnnx(toOnnx(net), x, n, sizes[0]);
      expect(maxAbsDiff(y.data as Float32Array, net.predict(x))).to.be.below(1e-5);
    }
  });
});

describe('ONNX export: the model it declares', () => {
  it('declares opset 13, the input and output names, a symbolic batch, Gemm with transB=1', () => {
    const net = new Network({ sizes: [784, 30, 10], activations: ['relu', 'softmax'], seed: 1 });
    const model = onnx.ModelProto.decode(toOnnx(net));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).to.deep.equal([
      ['', ONNX_OPSET],
    ]);
    expect(ONNX_OPSET).to.equal(13);
    expect(Number(model.irVersion)).to.equal(7);
    expect(model.producerName).to.equal('blasnet');
    // decode() builds message instances: the repeated fields are arrays, never null.
    const graph = model.graph as onnx.GraphProto;
    const dims = (v: onnx.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph.input.map((v) => v.name)).to.deep.equal(['input']);
    expect(dims(graph.input[0])).to.deep.equal(['batch', 784]);
    expect(graph.output.map((v) => v.name)).to.deep.equal(['output']);
    expect(dims(graph.output[0])).to.deep.equal(['batch', 10]);
    expect(graph.node.map((n) => n.opType)).to.deep.equal(['Gemm', 'Relu', 'Gemm', 'Softmax']);
    const gemm = graph.node[0] as onnx.NodeProto;
    expect(gemm.attribute.map((a) => [a.name, Number(a.i)])).to.deep.equal([['transB', 1]]);
    expect(
      (graph.node[3] as onnx.NodeProto).attribute.map((a) => [a.name, Number(a.i)]),
    ).to.deep.equal([['axis', -1]]);
    // The weights travel as [out, in] float32, little-endian, bit for bit.
    const w1 = graph.initializer.find((t) => t.name === 'w1') as onnx.TensorProto;
    expect(w1.dims.map(Number)).to.deep.equal([30, 784]);
    expect(w1.dataType).to.equal(onnx.TensorProto.DataType.FLOAT);
    const expected = Buffer.alloc(4 * 30 * 784);
    net.getWeights(1).forEach((v, i) => expected.writeFloatLE(v, 4 * i));
    expect(Buffer.from(w1.rawData).equals(expected)).to.equal(true);
  });

  it('adds no node for identity and maps heaviside to Greater + Cast', () => {
    const net = new Network({ sizes: [2, 3, 1], activations: ['heaviside', 'identity'], seed: 1 });
    const graph = onnx.ModelProto.decode(toOnnx(net)).graph as onnx.GraphProto;
    expect(graph.node.map((n) => n.opType)).to.deep.equal(['Gemm', 'Greater', 'Cast', 'Gemm']);
    expect(graph.node[3].output).to.deep.equal(['output']);
  });

  it('saves atomically and rejects bad arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blasnet-onnx-'));
    try {
      const net = new Network({ sizes: [2, 2], seed: 1 });
      const path = join(dir, 'net.onnx');
      saveOnnx(net, path);
      expect(Buffer.from(readFileSync(path)).equals(Buffer.from(toOnnx(net)))).to.equal(true);
      expect(readdirSync(dir)).to.deep.equal(['net.onnx']);
      expect(() => saveOnnx(net, join(dir, 'missing', 'net.onnx')))
        .to.throw(/net\.onnx/)
        .with.property('code', 'ERR_BLASNET_IO');
      expect(() => toOnnx({} as Network))
        .to.throw(TypeError, /^Expected a Network for net but received/)
        .with.property('code', 'ERR_BLASNET_TYPE');
      expect(() => saveOnnx(net, ''))
        .to.throw(TypeError, /for path/)
        .with.property('code', 'ERR_BLASNET_TYPE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
