import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { onnx } from 'onnx-proto';
import { Scaler } from '../lib/data/scaler';
import { toOnnx } from '../lib/interop/onnx';
import { fromSafetensors, toSafetensors } from '../lib/interop/safetensors';
import { evaluate } from '../lib/evaluate';
import { deserializeNetwork, loadNetwork, saveNetwork, serializeNetwork } from '../lib/model-file';
import { Network } from '../lib/network';
import { fit, fitSync } from '../lib/train';
import { forEachBackend } from './helpers/backends';

/**
 * Plain inputs (issue 15): rows, flat arrays and class names go in wherever data does, converted
 * once with errors naming the element; class names and the scaler travel with the model file.
 */
type Coded = Error & { code?: string };

function thrown(fn: () => unknown): Coded {
  try {
    fn();
  } catch (e) {
    return e as Coded;
  }
  throw new Error('expected a throw');
}

/** A model file's bytes with its JSON header changed by `edit`, the checksum made right again. */
function withHeader(bytes: Buffer, edit: (h: Record<string, unknown>) => void): Buffer {
  const length = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(12, 12 + length).toString()) as Record<string, unknown>;
  const payload = bytes.subarray(header.payloadOffset as number, bytes.length - 32);
  edit(header);
  for (let i = 0; i < 3; i++)
    header.payloadOffset = (12 + Buffer.byteLength(JSON.stringify(header)) + 3) & ~3;
  const json = Buffer.from(JSON.stringify(header));
  const end = (header.payloadOffset as number) + payload.length;
  const out = Buffer.alloc(end + 32);
  out.write('BLASNET\n', 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  payload.copy(out, header.payloadOffset as number);
  createHash('sha256').update(out.subarray(0, end)).digest().copy(out, end);
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-plain-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

forEachBackend('62 plain inputs', (_be, kind) => {
  const net = () => new Network({ sizes: [3, 4, 2], activations: 'tanh', seed: 3, backend: kind });

  it('rows, flat arrays and Float32Array give the same outputs', () => {
    const n = net();
    const rows = [
      [0.5, -1, 2],
      [3, 0.25, -0.75],
    ];
    const typed = n.predict(new Float32Array(rows.flat()));
    expect(n.predict(rows)).to.deep.equal(typed);
    expect(n.predict(rows.flat())).to.deep.equal(typed);
    // One feature per row is the n0 = 1 case of the same row-major rule.
    const one = new Network({ sizes: [1, 2], seed: 1, backend: kind });
    expect(one.predict([1, 2, 3])).to.deep.equal(one.predict([[1], [2], [3]]));
  });

  it('names the row and column of a ragged, non-numeric or non-finite value', () => {
    const n = net();
    const y = [0, 1, 0, 1, 0, 1];
    const cases: [unknown, ErrorConstructor, string, RegExp][] = [
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8],
        ],
        RangeError,
        'ERR_BLASNET_SHAPE',
        /^Expected a row of 3 inputs like the others for data\.x\[2\] but received 2 values$/,
      ],
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 'abc'],
        ],
        TypeError,
        'ERR_BLASNET_TYPE',
        /^Expected a finite number for data\.x\[2\]\[2\] but received "abc"$/,
      ],
      [
        [
          [1, 2, 3],
          [4, Number.NaN, 6],
          [7, 8, 9],
        ],
        RangeError,
        'ERR_BLASNET_RANGE',
        /^Expected a finite number for data\.x\[1\]\[1\] but received NaN$/,
      ],
      [
        [1, 2, 3, 4, 5, Infinity, 7, 8, 9],
        RangeError,
        'ERR_BLASNET_RANGE',
        /for data\.x\[5\] \(row 1, column 2\) but received Infinity$/,
      ],
      [[1, 2, 3, 4], RangeError, 'ERR_BLASNET_SHAPE', /rows of 3 inputs .*for data\.x/],
      [[[1, 2, 3], null], TypeError, 'ERR_BLASNET_TYPE', /array of 3 inputs for data\.x\[1\]/],
    ];
    for (const [x, kindOf, code, message] of cases) {
      const e = thrown(() => evaluate(n, { x: x as number[], y: y.slice(0, 2 * 3) }));
      expect(e, String(message)).to.be.instanceOf(kindOf);
      expect(e.code).to.equal(code);
      expect(e.message).to.match(message);
    }
    // Targets too, by row and column.
    const t = thrown(() => evaluate(n, { x: [[1, 2, 3]], y: [[0, '1' as unknown as number]] }));
    expect(t.message).to.equal('Expected a finite number for data.y[0][1] but received "1"');
  });

  it('class names and indices: one-hot targets, labels, and the errors', () => {
    const c = new Network({
      sizes: [2, 3],
      activations: 'tanh',
      task: 'classification',
      seed: 1,
      backend: kind,
    });
    const x = [
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    // Indices work without names; names need the network to know them (or training to learn them).
    const byIndex = evaluate(c, { x, y: [2, 0, 1] });
    const oneHot = evaluate(c, {
      x,
      y: new Float32Array([0, 0, 1, 1, 0, 0, 0, 1, 0]),
      labels: new Uint8Array([2, 0, 1]),
    });
    expect(byIndex.loss).to.equal(oneHot.loss);
    expect(byIndex.accuracy).to.equal(oneHot.accuracy);
    expect(thrown(() => evaluate(c, { x, y: ['b', 'a', 'c'] })).message).to.match(
      /class names need a network with class names.* for data\.y/,
    );
    c.classes = ['a', 'b', 'c'];
    expect(evaluate(c, { x, y: ['c', 'a', 'b'] }).loss).to.equal(byIndex.loss);
    const unknown = thrown(() => evaluate(c, { x, y: ['c', 'd', 'b'] }));
    expect(unknown).to.be.instanceOf(RangeError);
    expect(unknown.message).to.equal(
      'Expected one of the classes "a", "b", "c" for data.y[1] but received "d"',
    );
    expect(thrown(() => evaluate(c, { x, y: [2, 3, 0] })).message).to.equal(
      'Expected a class index in [0, 2] for data.y[1] but received 3',
    );
    // Training learns the names from string labels: sorted, and exactly one per output.
    const fresh = new Network({ sizes: [2, 3], task: 'classification', seed: 1, backend: kind });
    const few = thrown(() => fitSync(fresh, { x, y: ['b', 'a', 'b'] }, { epochs: 1 }));
    expect(few.message).to.match(
      /^Expected 3 distinct class names for 3 outputs .* but received "2: a, b"$/,
    );
    expect(fresh.classes).to.equal(undefined);
    fitSync(fresh, { x, y: ['b', 'a', 'c'] }, { epochs: 1 });
    expect(fresh.classes).to.deep.equal(['a', 'b', 'c']);
    // Without a class task, names are refused rather than guessed at.
    const plain = new Network({ sizes: [2, 3], activations: 'softmax', backend: kind });
    expect(thrown(() => evaluate(plain, { x, y: ['a', 'b', 'c'] })).message).to.match(
      /task "classification" or "binary"/,
    );
    expect(() => {
      c.classes = ['a', 'a', 'b'];
    }).to.throw(RangeError, 'classes[1]');
  });

  it('fit (async) takes plain data and validation too, as fitSync does', async () => {
    const x = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const y = ['off', 'on', 'on', 'off'];
    const options = { epochs: 5, batchSize: 2, learningRate: 0.5, validation: { x, y } };
    const make = () =>
      new Network({ sizes: [2, 3, 2], task: 'classification', seed: 5, backend: kind });
    const a = make();
    const b = make();
    const ra = await fit(a, { x, y }, options);
    const rb = fitSync(b, { x: new Float32Array(x.flat()), y }, options);
    expect(a.params).to.deep.equal(b.params);
    expect(ra.history.map((h) => h.validationLoss)).to.deep.equal(
      rb.history.map((h) => h.validationLoss),
    );
    expect(ra.history[4].validationMetrics?.classes).to.deep.equal(['off', 'on']);
  });

  it('binary: two names, the second is class 1; classify returns the names', () => {
    const b = new Network({ sizes: [1, 1], task: 'binary', seed: 1, backend: kind });
    expect(b.activations).to.deep.equal(['sigmoid']);
    const x = [[-3], [-2], [-1], [1], [2], [3]];
    const y = ['spam', 'ham', 'ham', 'spam', 'spam', 'spam'].map((_, i) =>
      i < 3 ? 'ham' : 'spam',
    );
    fitSync(b, { x, y }, { epochs: 200, batchSize: 6, learningRate: 1 });
    expect(b.classes).to.deep.equal(['ham', 'spam']);
    expect(b.classify([[-4], [4]])).to.deep.equal(['ham', 'spam']);
    expect(Array.from(b.classIndices([[-4], [4]]))).to.deep.equal([0, 1]);
    const e = evaluate(b, { x, y });
    expect(e.accuracy).to.equal(1);
    expect(e.confusion).to.deep.equal([
      [3, 0],
      [0, 3],
    ]);
  });

  it('string labels round-trip through save and load; classify returns the names', () => {
    const n = new Network({
      sizes: [2, 4, 3],
      activations: 'tanh',
      task: 'classification',
      seed: 2,
      backend: kind,
    });
    const x = [
      [0, 0],
      [0, 5],
      [5, 0],
      [0, 0.5],
      [0.5, 5],
      [5, 0.5],
    ];
    const y = ['none', 'up', 'right', 'none', 'up', 'right'];
    fitSync(n, { x, y }, { epochs: 300, batchSize: 6, learningRate: 0.5, scale: 'minmax' });
    const file = path.join(dir, `names-${kind}.blasnet`);
    saveNetwork(n, file);
    const copy = loadNetwork(file, { backend: kind });
    expect(copy.task).to.equal('classification');
    expect(copy.classes).to.deep.equal(['none', 'right', 'up']);
    expect(copy.scaler?.toJSON()).to.deep.equal(n.scaler?.toJSON());
    expect(copy.classify(x)).to.deep.equal(n.classify(x));
    expect(copy.classify(x)).to.deep.equal(y);
    expect(copy.predict(x)).to.deep.equal(n.predict(x));
  });

  it('a scaler is applied by every entry point to a copy of the raw inputs, and saved', () => {
    const x = [
      [1000, 0.001],
      [3000, 0.003],
      [2000, 0.002],
    ];
    const flat = new Float32Array(x.flat());
    const keep = flat.slice();
    const n = new Network({
      sizes: [2, 3, 1],
      activations: 'tanh',
      task: 'regression',
      seed: 4,
      backend: kind,
    });
    fitSync(n, { x: flat, y: [1, 3, 2] }, { epochs: 3, scale: 'standard' });
    expect(flat).to.deep.equal(keep); // the caller's array is untouched
    const scaler = n.scaler as Scaler;
    expect(scaler.kind).to.equal('standard');
    // Fitted on the training inputs, as given (float32), in float64.
    expect(scaler.offset[0]).to.equal(2000);
    expect(scaler.offset[1]).to.be.closeTo(0.002, 1e-9);
    expect(scaler.scale[0]).to.be.closeTo(Math.sqrt(2e6 / 3), 1e-6);
    // predict(raw) is the scaler-free network's predict(scaled).
    const bare = n.clone(kind);
    bare.scaler = undefined;
    expect(n.predict(x)).to.deep.equal(bare.predict(scaler.transform(flat)));
    expect(evaluate(n, { x, y: [1, 3, 2] }).loss).to.equal(
      evaluate(bare, { x: scaler.transform(flat), y: [1, 3, 2] }).loss,
    );
    const copy = deserializeNetwork(serializeNetwork(n), { backend: kind });
    expect(copy.predict(x)).to.deep.equal(n.predict(x));
    expect(() => {
      n.scaler = Scaler.fit(new Float32Array([1, 2, 3]), 3);
    }).to.throw(RangeError, 'scaler');
    // A call refused for another option attaches nothing.
    const fresh = new Network({ sizes: [2, 1], task: 'regression', backend: kind });
    expect(() => fitSync(fresh, { x, y: [1, 3, 2] }, { scale: 'standard', epochs: 0 })).to.throw(
      RangeError,
      'options.epochs',
    );
    expect(fresh.scaler).to.equal(undefined);
    expect(() => fitSync(fresh, { x, y: [1, 3, 2] }, { scale: 'zscore' as 'standard' })).to.throw(
      RangeError,
      'options.scale',
    );
  });
});

describe('62 model file: task, classes and scaler fields', () => {
  const net = new Network({
    sizes: [2, 3],
    activations: 'relu',
    task: 'classification',
    classes: ['a', 'b', 'c'],
    scaler: new Scaler('minmax', new Float64Array([0, 1]), new Float64Array([2, 3])),
    seed: 1,
    backend: 'js',
  });
  const good = serializeNetwork(net);

  it('writes them only for a network that has them', () => {
    const bare = new Network({
      sizes: [2, 3],
      activations: ['softmax'],
      seed: 1,
      backend: 'js',
    });
    const header = (b: Buffer) => JSON.parse(b.subarray(12, 12 + b.readUInt32LE(8)).toString());
    expect(header(serializeNetwork(bare))).to.not.have.any.keys('task', 'classes', 'scaler');
    expect(header(good)).to.deep.include({
      task: 'classification',
      classes: ['a', 'b', 'c'],
      scaler: { kind: 'minmax', offset: [0, 1], scale: [2, 3] },
    });
  });

  it('refuses corrupted values with ERR_BLASNET_FORMAT, checksum and all', () => {
    const cases: [(h: Record<string, unknown>) => void, RegExp][] = [
      [(h) => (h.task = 'clustering'), /invalid task "clustering"/],
      [(h) => (h.task = 'regression'), /the layers do not fit task "regression"/],
      [(h) => (h.classes = ['a', 'b']), /invalid class names: Expected 3 class names/],
      [(h) => (h.classes = ['a', 'a', 'b']), /invalid class names: .*classes\[1\]/],
      [(h) => (h.classes = ['a', 7, 'b']), /invalid class names: .*classes\[1\]/],
      [
        (h) => (h.scaler = { kind: 'minmax', offset: [0, 1], scale: [2, 0] }),
        /invalid scaler: .*scale\[1\]/,
      ],
      [
        (h) => (h.scaler = { kind: 'log', offset: [0, 1], scale: [2, 3] }),
        /invalid scaler: .*scaler\.kind/,
      ],
      [
        (h) => (h.scaler = { kind: 'minmax', offset: [0], scale: [2] }),
        /the scaler is for 1 features but the network has 2 inputs/,
      ],
      [
        (h) => {
          h.task = undefined;
        },
        /invalid class names: .*no class names unless the task/,
      ],
    ];
    for (const [edit, message] of cases) {
      const e = thrown(() => deserializeNetwork(withHeader(good, edit)));
      expect(e.code, String(message)).to.equal('ERR_BLASNET_FORMAT');
      expect(e.message).to.match(message);
    }
    // The untouched rewrite loads: the helper itself is sound.
    expect(deserializeNetwork(withHeader(good, () => {})).classes).to.deep.equal(['a', 'b', 'c']);
  });

  it('safetensors carry them both ways, checked; ONNX names them in its metadata', () => {
    const copy = fromSafetensors(toSafetensors(net), { backend: 'js' });
    expect([copy.task, copy.classes, copy.scaler?.toJSON()]).to.deep.equal([
      net.task,
      net.classes,
      net.scaler?.toJSON(),
    ]);
    expect(copy.predict([[1, 2]])).to.deep.equal(net.predict([[1, 2]]));
    expect(thrown(() => toSafetensors(net, { 'blasnet.classes': 'x' })).message).to.match(
      /keys other than .*blasnet\.classes/,
    );
    // A file whose classes are not JSON, or do not fit, is the file's error.
    const text = Buffer.from(toSafetensors(net));
    const broken = Buffer.from(text.toString('latin1').replace('[\\"a\\",', '[\\"a\\";'), 'latin1');
    expect(thrown(() => fromSafetensors(broken)).message).to.match(
      /metadata's blasnet.classes is not JSON/,
    );
    const two = Buffer.from(
      text.toString('latin1').replace('\\"b\\",\\"c\\"', '\\"b\\",\\"b\\"'),
      'latin1',
    );
    const e = thrown(() => fromSafetensors(two));
    expect(e.code).to.equal('ERR_BLASNET_FORMAT');
    expect(e.message).to.match(/invalid class names: .*classes\[2\]/);
    const props = onnx.ModelProto.decode(toOnnx(net)).metadataProps;
    expect(Object.fromEntries(props.map((p) => [p.key, p.value]))).to.deep.include({
      'blasnet.task': 'classification',
      'blasnet.classes': '["a","b","c"]',
      'blasnet.scaler': '{"kind":"minmax","offset":[0,1],"scale":[2,3]}',
    });
  });
});
