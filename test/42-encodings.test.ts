import { expect } from 'chai';
import { encodingNames, encodings, getEncoding, type LabelEncoding } from '../lib/data/encodings';
import { expectArgError, thrown } from './fixtures/data-helpers';

const ALL10 = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

function rows(a: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += width) out.push(Array.from(a.subarray(i, i + width)));
  return out;
}

describe('42 output encodings (lecture B.3: regression, binary, one-hot)', () => {
  it('the registry lists the three names, and unknown names get a RangeError listing them', () => {
    expect(encodingNames).to.deep.equal(['regression', 'binary', 'onehot']);
    expect(Object.keys(encodings)).to.deep.equal(['regression', 'binary', 'onehot']);
    for (const name of encodingNames) expect(getEncoding(name).name).to.equal(name);
    const err = thrown(() => getEncoding('softmax' as never));
    expect(err).to.be.instanceOf(RangeError);
    expect(err.message).to.equal(
      'Expected one of "regression", "binary", "onehot" for name but received "softmax"',
    );
    expect(err.code).to.equal('ERR_BLASNET_RANGE');
  });

  it("widths: 1, 4 and 10 neurons for digits (the lecture's options a, b, c)", () => {
    expect(getEncoding('regression').width(10)).to.equal(1);
    expect(getEncoding('binary').width(10)).to.equal(4);
    expect(getEncoding('onehot').width(10)).to.equal(10);
    expect(getEncoding('binary').width(2)).to.equal(1);
    expect(getEncoding('binary').width(1)).to.equal(1);
    expect(getEncoding('binary').width(16)).to.equal(4);
    expect(getEncoding('binary').width(17)).to.equal(5);
    expect(getEncoding('onehot').width(3)).to.equal(3);
  });

  for (const name of encodingNames) {
    it(`${name}: encode then decode returns every label, for all 10 classes`, () => {
      const enc = getEncoding(name);
      const y = enc.encode(ALL10, 10);
      expect(y).to.be.instanceOf(Float32Array);
      expect(y.length).to.equal(10 * enc.width(10));
      expect(Array.from(enc.decode(y, 10, 10))).to.deep.equal(Array.from(ALL10));
      expect(Array.from(enc.decode(y, 10))).to.deep.equal(Array.from(ALL10)); // default: 10 classes
      // And for other class counts.
      for (const classes of [1, 2, 3, 7, 16, 33, 256]) {
        const labels = Uint8Array.from({ length: classes }, (_, i) => i);
        expect(
          Array.from(enc.decode(enc.encode(labels, classes), classes, classes)),
          `${classes} classes`,
        ).to.deep.equal(Array.from(labels));
      }
      expect(enc.encode(new Uint8Array(0), 10).length).to.equal(0);
      expect(enc.decode(new Float32Array(0), 0).length).to.equal(0);
    });
  }

  it('regression: label / (classes − 1) by default, the label itself unscaled; decoding rounds and clamps', () => {
    const scaled = getEncoding('regression');
    expect(Array.from(scaled.encode(new Uint8Array([0, 9, 3]), 10))).to.deep.equal([
      0,
      1,
      Math.fround(3 / 9),
    ]);
    expect(
      Array.from(scaled.decode(new Float32Array([-0.4, 0.05, 0.06, 0.5, 0.95, 1.7, NaN]), 7)),
    ).to.deep.equal([0, 0, 1, 5, 9, 9, 0]);
    const raw = getEncoding('regression', { scaled: false });
    expect(raw).to.equal(getEncoding('regression', { scaled: false }));
    expect(Array.from(raw.encode(new Uint8Array([7, 0]), 10))).to.deep.equal([7, 0]);
    expect(Array.from(raw.decode(new Float32Array([6.6, -2, 42, 4.49]), 4))).to.deep.equal([
      7, 0, 9, 4,
    ]);
    expect(Array.from(raw.decode(new Float32Array([42]), 1, 50))).to.deep.equal([42]);
    expect(Array.from(scaled.encode(new Uint8Array([0]), 1))).to.deep.equal([0]); // one class: no division by zero
  });

  it('binary: 4-bit codes MSB first; thresholds at 0.5; invalid codes (10–15) go to the nearest valid class', () => {
    const enc = getEncoding('binary');
    expect(rows(enc.encode(new Uint8Array([0, 1, 5, 8, 9]), 10), 4)).to.deep.equal([
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 1, 0, 1],
      [1, 0, 0, 0],
      [1, 0, 0, 1],
    ]);
    // Thresholds: 0.5 is a 1.
    expect(Array.from(enc.decode(new Float32Array([0.49, 0.5, 0.2, 0.9]), 1))).to.deep.equal([5]);
    // 1111 (15): nearest valid codes by distance to the raw outputs.
    expect(Array.from(enc.decode(new Float32Array([0.9, 0.6, 0.6, 0.9]), 1))).to.deep.equal([9]); // 1001 is closest
    expect(Array.from(enc.decode(new Float32Array([0.6, 0.9, 0.9, 0.9]), 1))).to.deep.equal([7]); // 0111 is closest
    // 1010 (10) with clear bits: 1000 (8) and 0010 (2) are both at distance 1; ties go to the smaller class.
    expect(Array.from(enc.decode(new Float32Array([1, 0, 1, 0]), 1))).to.deep.equal([2]);
    // Every decoded label is valid whatever the outputs.
    for (let code = 0; code < 16; code++) {
      const out = new Float32Array([(code >> 3) & 1, (code >> 2) & 1, (code >> 1) & 1, code & 1]);
      const label = enc.decode(out, 1)[0];
      expect(label).to.be.lessThan(10);
      if (code < 10) expect(label).to.equal(code);
    }
  });

  it('onehot: a single 1 per row; argmax decodes (first maximum, NaN never wins)', () => {
    const enc = getEncoding('onehot');
    expect(rows(enc.encode(new Uint8Array([2, 0]), 3), 3)).to.deep.equal([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(
      Array.from(enc.decode(new Float32Array([0.1, 0.7, 0.2, 0.5, 0.5, 0.1, NaN, 0.2, 0.3]), 3)),
    ).to.deep.equal([1, 0, 2]);
    expect(Array.from(enc.decode(new Float32Array([-5, -1, -3]), 1))).to.deep.equal([1]);
  });

  describe('rejects bad input', () => {
    const all: LabelEncoding[] = [
      getEncoding('regression'),
      getEncoding('regression', { scaled: false }),
      getEncoding('binary'),
      getEncoding('onehot'),
    ];

    it('getEncoding', () => {
      for (const bad of [undefined, null, 3, {}, ['onehot']])
        expectArgError(() => getEncoding(bad as never), 'name');
      for (const bad of ['', 'one-hot', 'OneHot', 'mse'])
        expectArgError(() => getEncoding(bad as never), 'name');
      for (const bad of ['yes', 1, null])
        expectArgError(() => getEncoding('regression', { scaled: bad as never }), 'options.scaled');
      for (const bad of [5, 'x', [true]])
        expectArgError(() => getEncoding('binary', bad as never), 'options');
    });

    it('width / encode / decode', () => {
      for (const enc of all) {
        for (const bad of [0, -1, 1.5, 257, '10', null, undefined, NaN]) {
          expectArgError(() => enc.width(bad as never), 'classes');
          expectArgError(() => enc.encode(ALL10, bad as never), 'classes');
        }
        for (const bad of [null, [0, 1], new Int8Array(2), new Float32Array(2), 'labels'])
          expectArgError(() => enc.encode(bad as never, 10), 'labels');
        expectArgError(() => enc.encode(new Uint8Array([1, 10]), 10), 'labels[1]');
        expectArgError(() => enc.encode(new Uint8Array([3]), 3), 'labels[0]');
        const good = enc.encode(ALL10, 10);
        for (const bad of [null, Array.from(good), new Float64Array(good.length), 'out'])
          expectArgError(() => enc.decode(bad as never, 10), 'outputs');
        for (const bad of [-1, 1.5, '10', null])
          expectArgError(() => enc.decode(good, bad as never), 'n');
        expectArgError(() => enc.decode(good, 3), 'outputs'); // length not n × width
        expectArgError(() => enc.decode(good.subarray(1), 10), 'outputs');
        for (const bad of [0, 1.5, 300, 'ten'])
          expectArgError(() => enc.decode(good, 10, bad as never), 'classes');
      }
      expectArgError(() => getEncoding('onehot').decode(new Float32Array(30), 3, 11), 'outputs');
      expectArgError(() => getEncoding('onehot').decode(new Float32Array(300), 1), 'outputs');
    });
  });
});
