/**
 * A network as an ONNX model (opset 13), encoded with the official ONNX schema compiled by
 * protobufjs (the `onnx-proto` package), so any ONNX runtime (onnxruntime in Python, C++, the
 * browser) runs it.
 *
 * The graph, for l = 1..L with a^0 = `input` `[batch, n0]` and a^L = `output` `[batch, nL]`:
 *
 * - `z^l = Gemm(a^(l−1), w^l, b^l; transB=1)`: a^(l−1) `[batch, n(l−1)]` times w^l transposed
 *   (w^l is `[nl, n(l−1)]`, so w^lᵀ is `[n(l−1), nl]`) plus b^l `[nl]` broadcast over rows,
 *   giving `[batch, nl]`: the lecture's z = w·a + b for every row at once.
 * - `a^l = act(z^l)`: Sigmoid, Tanh, Relu, LeakyRelu(alpha=0.01), Elu(alpha=1), Softmax(axis=-1);
 *   identity adds no node; heaviside
 *   (1 where z > 0, else 0, as blasnet computes it) is `Cast(Greater(z, 0), to=FLOAT)`, which is
 *   exact, since ONNX has no step operator.
 *
 * The batch dimension is symbolic (`batch`), so one model serves any batch size.
 */
import { onnx } from 'onnx-proto';
import { type ActivationName, ELU_ALPHA, LEAKY_RELU_SLOPE } from '../activations';
import { writeFileAtomic } from '../atomic-file';
import { typeError } from '../errors';
import { Network } from '../network';
import { version as blasnetVersion } from '../version';

/**
 * The ONNX operator set the exported models declare (the default domain, `ai.onnx`).
 *
 * @example
 * ```ts
 * ONNX_OPSET; // 13: Softmax takes axis=-1 over the last dimension alone
 * ```
 */
export const ONNX_OPSET = 13;

/** IR version 7 is the one that introduced opset 13: the oldest runtime that can run it reads it. */
const IR_VERSION = 7;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT_ATTRIBUTE = onnx.AttributeProto.AttributeType.FLOAT;

/** A float32 initializer, little-endian in `raw_data` as the ONNX spec requires. */
function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  const raw = new Uint8Array(4 * values.length);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** A `[batch, width]` float tensor's type with a symbolic batch dimension. */
function batchOf(name: string, width: number): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] },
      },
    },
  };
}

/** The nodes computing `output` = act(`input`), plus any constant they need. */
function activationNodes(
  act: ActivationName,
  input: string,
  output: string,
  constants: onnx.ITensorProto[],
): onnx.INodeProto[] {
  const node = (opType: string, attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({
    name: output,
    opType,
    input: [input],
    output: [output],
    attribute,
  });
  switch (act) {
    case 'sigmoid':
      return [node('Sigmoid')];
    case 'tanh':
      return [node('Tanh')];
    case 'relu':
      return [node('Relu')];
    // ONNX's attribute is a float32, the same float32 slope the kernels multiply by.
    case 'leakyRelu':
      return [node('LeakyRelu', [{ name: 'alpha', type: FLOAT_ATTRIBUTE, f: LEAKY_RELU_SLOPE }])];
    case 'elu':
      return [node('Elu', [{ name: 'alpha', type: FLOAT_ATTRIBUTE, f: ELU_ALPHA }])];
    case 'softmax':
      return [
        node('Softmax', [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]),
      ];
    case 'heaviside': {
      if (!constants.some((t) => t.name === 'zero'))
        constants.push(floatTensor('zero', [], new Float32Array([0])));
      const positive = `${output}_positive`;
      return [
        { name: positive, opType: 'Greater', input: [input, 'zero'], output: [positive] },
        {
          name: output,
          opType: 'Cast',
          input: [positive],
          output: [output],
          attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
        },
      ];
    }
    case 'identity':
      return [];
  }
}

/**
 * The bytes of an ONNX model computing `net.predict`: input `input` `[batch, n0]`, output
 * `output` `[batch, nL]`, float32, opset {@link ONNX_OPSET}, one Gemm per layer and its activation.
 *
 * @example
 * ```ts
 * const bytes = toOnnx(net);
 * // onnxruntime: (await InferenceSession.create(bytes)).run({ input: new Tensor('float32', x, [n, 784]) })
 * ```
 */
export function toOnnx(net: Network): Uint8Array {
  if (!(net instanceof Network)) throw typeError('net', 'a Network', net);
  const L = net.depth;
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let a = 'input';
  for (let l = 1; l <= L; l++) {
    const act = net.activations[l - 1];
    const last = l === L;
    const z = last && act === 'identity' ? 'output' : `z${l}`;
    const out = last ? 'output' : act === 'identity' ? z : `a${l}`;
    initializers.push(
      floatTensor(`w${l}`, [net.sizes[l], net.sizes[l - 1]], net.getWeights(l)),
      floatTensor(`b${l}`, [net.sizes[l]], net.getBiases(l)),
    );
    // z^l [batch, nl] = a^(l-1) [batch, n(l-1)] · (w^l [nl, n(l-1)])ᵀ + b^l [nl]
    nodes.push({
      name: `gemm${l}`,
      opType: 'Gemm',
      input: [a, `w${l}`, `b${l}`],
      output: [z],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    });
    if (act !== 'identity') nodes.push(...activationNodes(act, z, out, initializers));
    a = out;
  }
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'blasnet',
    producerVersion: blasnetVersion,
    docString: `blasnet multilayer perceptron [${net.sizes.join(', ')}] (${net.activations.join(', ')})`,
    metadataProps: [
      { key: 'sizes', value: net.sizes.join(',') },
      { key: 'activations', value: net.activations.join(',') },
      // What the network is for, when it says: the graph takes scaled inputs (the scaler's
      // offsets and scales are here, not in the graph) and outputs class scores, not names.
      ...(net.task === undefined ? [] : [{ key: 'blasnet.task', value: net.task }]),
      ...(net.classes === undefined
        ? []
        : [{ key: 'blasnet.classes', value: JSON.stringify(net.classes) }]),
      ...(net.scaler === undefined
        ? []
        : [{ key: 'blasnet.scaler', value: JSON.stringify(net.scaler.toJSON()) }]),
    ],
    graph: {
      name: 'blasnet',
      node: nodes,
      initializer: initializers,
      input: [batchOf('input', net.inputSize)],
      output: [batchOf('output', net.outputSize)],
    },
  };
  const error = onnx.ModelProto.verify(model);
  // verify() only fails on a wrong field type: a bug here, never a user error.
  if (error) throw new Error(`blasnet built an invalid ONNX model: ${error}`);
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Write `net` to `path` as an ONNX model, atomically (a temporary file renamed over the target).
 *
 * @example
 * ```ts
 * saveOnnx(net, 'digits.onnx');
 * // Python: onnxruntime.InferenceSession('digits.onnx').run(None, {'input': x})
 * ```
 */
export function saveOnnx(net: Network, path: string): void {
  if (typeof path !== 'string' || path === '') throw typeError('path', 'a file path', path);
  writeFileAtomic(path, toOnnx(net));
}
