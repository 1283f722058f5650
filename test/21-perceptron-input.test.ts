/**
 * Every public entry point of the perceptron, NAND circuits and universal approximation rejects
 * bad input with the library's error form: `Expected <what> for <name> but received <value>`,
 * TypeError for the wrong kind, RangeError for out of range, and an ERR_BLASNET_ code.
 */
import { expect } from 'chai';
import { Network } from '../lib/network';
import {
  Circuit,
  fromTruthTable,
  fullAdder,
  gateData,
  linearlySeparable,
  mapFeatures,
  nandPerceptron,
  pairwiseProducts,
  parity,
  Perceptron,
} from '../lib/perceptron';
import { approximate, supNormError } from '../lib/universal';

type Kind = typeof TypeError | typeof RangeError;
type Case = [string, () => unknown, Kind, string];

function expectRejects([label, fn, kind, name]: Case): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `${label}: expected a ${kind.name} naming ${name}`).to.be.instanceOf(kind);
  const err = caught as Error & { code?: string };
  expect(err.message, label).to.contain(`for ${name} but received`);
  expect(err.message, label).to.match(/^Expected /);
  expect(err.code, label).to.match(/^ERR_BLASNET_/);
}

const AND = gateData('and');
const js = () => new Perceptron({ inputs: 2, backend: 'js' });
// biome-ignore lint/suspicious/noExplicitAny: deliberately ill-typed input for the rejection tests
const any = (v: unknown) => v as any;

describe('rejects bad input', () => {
  it('new Perceptron(options)', () => {
    const cases: Case[] = [
      ['no options', () => new Perceptron(any(undefined)), TypeError, 'options'],
      ['null', () => new Perceptron(any(null)), TypeError, 'options'],
      ['a number', () => new Perceptron(any(2)), TypeError, 'options'],
      ['inputs missing', () => new Perceptron(any({})), TypeError, 'options.inputs'],
      ['zero features', () => new Perceptron({ inputs: 0 }), RangeError, 'options.inputs'],
      ['fractional inputs', () => new Perceptron({ inputs: 1.5 }), RangeError, 'options.inputs'],
      ['string inputs', () => new Perceptron({ inputs: any('2') }), TypeError, 'options.inputs'],
      [
        'theta too short',
        () => new Perceptron({ inputs: 2, theta: [1, 2] }),
        RangeError,
        'options.theta',
      ],
      [
        'theta a string',
        () => new Perceptron({ inputs: 2, theta: any('abc') }),
        TypeError,
        'options.theta',
      ],
      [
        'theta NaN',
        () => new Perceptron({ inputs: 2, theta: [1, NaN, 0] }),
        RangeError,
        'options.theta[1]',
      ],
      [
        'theta Infinity',
        () => new Perceptron({ inputs: 2, theta: new Float64Array([0, 0, Infinity]) }),
        RangeError,
        'options.theta[2]',
      ],
      [
        'theta beyond float32',
        () => new Perceptron({ inputs: 2, theta: [1e39, 0, 0] }),
        RangeError,
        'options.theta[0]',
      ],
      [
        'theta holds a string',
        () => new Perceptron({ inputs: 2, theta: any([1, '2', 3]) }),
        TypeError,
        'options.theta[1]',
      ],
      [
        'unknown backend',
        () => new Perceptron({ inputs: 2, backend: any('gpu') }),
        RangeError,
        'backend',
      ],
      [
        'unknown option',
        () => new Perceptron(any({ inputs: 2, bias: 1 })),
        RangeError,
        'options.bias',
      ],
    ];
    cases.forEach(expectRejects);
  });

  it('perceptron.setTheta, predict, scores, misclassified', () => {
    const p = js();
    const cases: Case[] = [
      ['setTheta length', () => p.setTheta([1]), RangeError, 'theta'],
      ['setTheta NaN', () => p.setTheta([0, 0, NaN]), RangeError, 'theta[2]'],
      ['setTheta null', () => p.setTheta(any(null)), TypeError, 'theta'],
      ['predict length', () => p.predict(new Float32Array(3)), RangeError, 'x'],
      ['predict empty', () => p.predict(new Float32Array(0)), RangeError, 'x'],
      ['predict empty rows', () => p.predict([]), RangeError, 'x'],
      ['predict NaN', () => p.predict(new Float32Array([0, NaN])), RangeError, 'x[1]'],
      ['predict a Float64Array', () => p.predict(any(new Float64Array(2))), TypeError, 'x'],
      ['predict a string', () => p.predict(any('0101')), TypeError, 'x'],
      ['scores short row', () => p.scores([[1, 2], [3]]), RangeError, 'x[1]'],
      ['scores row not an array', () => p.scores(any([[1, 2], 5])), TypeError, 'x[1]'],
      ['scores Infinity', () => p.scores([[1, Infinity]]), RangeError, 'x[0][1]'],
      ['scores string value', () => p.scores(any([[1, '2']])), TypeError, 'x[0][1]'],
      ['misclassified null', () => p.misclassified(any(null)), TypeError, 'data'],
      [
        'misclassified labels',
        () => p.misclassified({ x: AND.x, y: [0, 1, 2, 1] }),
        RangeError,
        'data.y[2]',
      ],
    ];
    cases.forEach(expectRejects);
  });

  it('perceptron.fit(data, options)', () => {
    const p = js();
    const fit = (data: unknown, options?: unknown) => () => p.fit(any(data), any(options));
    const cases: Case[] = [
      ['no data', fit(undefined), TypeError, 'data'],
      ['data an array', fit([[0, 0]]), TypeError, 'data'],
      ['x missing', fit({ y: [1] }), TypeError, 'data.x'],
      ['x not whole rows', fit({ x: new Float32Array(5), y: [1, 1] }), RangeError, 'data.x'],
      [
        'x with NaN',
        fit({ x: new Float32Array([0, 0, NaN, 1]), y: [0, 1] }),
        RangeError,
        'data.x[2]',
      ],
      [
        'x row of 3',
        fit({
          x: [
            [0, 0],
            [0, 1, 1],
          ],
          y: [0, 1],
        }),
        RangeError,
        'data.x[1]',
      ],
      ['y missing', fit({ x: AND.x }), TypeError, 'data.y'],
      ['y a string', fit({ x: AND.x, y: '0001' }), TypeError, 'data.y'],
      ['y too short', fit({ x: AND.x, y: [0, 0, 1] }), RangeError, 'data.y'],
      ['y too long', fit({ x: AND.x, y: new Int8Array(5) }), RangeError, 'data.y'],
      ['label 2', fit({ x: AND.x, y: [0, 0, 2, 1] }), RangeError, 'data.y[2]'],
      ['label 0.5', fit({ x: AND.x, y: [0.5, 0, 0, 1] }), RangeError, 'data.y[0]'],
      ['label NaN', fit({ x: AND.x, y: [0, NaN, 0, 1] }), RangeError, 'data.y[1]'],
      ['labels -1 and 0 mixed', fit({ x: AND.x, y: [-1, 0, 1, 1] }), RangeError, 'data.y[1]'],
      ['label a string', fit({ x: AND.x, y: ['0', 0, 0, 1] }), TypeError, 'data.y[0]'],
      [
        'label a boolean',
        fit({ x: AND.x, y: [false, false, false, true] }),
        TypeError,
        'data.y[0]',
      ],
      ['options a string', fit(AND, 'batch'), TypeError, 'options'],
      ['unknown option', fit(AND, { epochs: 10 }), RangeError, 'options.epochs'],
      ['mode', fit(AND, { mode: 'stochastic' }), RangeError, 'options.mode'],
      ['mode a number', fit(AND, { mode: 1 }), TypeError, 'options.mode'],
      ['maxEpochs 0', fit(AND, { maxEpochs: 0 }), RangeError, 'options.maxEpochs'],
      ['maxEpochs -1', fit(AND, { maxEpochs: -1 }), RangeError, 'options.maxEpochs'],
      ['maxEpochs 1.5', fit(AND, { maxEpochs: 1.5 }), RangeError, 'options.maxEpochs'],
      ['maxEpochs Infinity', fit(AND, { maxEpochs: Infinity }), RangeError, 'options.maxEpochs'],
      ['maxEpochs a string', fit(AND, { maxEpochs: '10' }), TypeError, 'options.maxEpochs'],
      ['learningRate 0', fit(AND, { learningRate: 0 }), RangeError, 'options.learningRate'],
      ['learningRate -1', fit(AND, { learningRate: -1 }), RangeError, 'options.learningRate'],
      ['learningRate NaN', fit(AND, { learningRate: NaN }), RangeError, 'options.learningRate'],
      ['learningRate a string', fit(AND, { learningRate: '1' }), TypeError, 'options.learningRate'],
      ['schedule name', fit(AND, { schedule: 'cosine' }), TypeError, 'schedule'],
      ['schedule type', fit(AND, { schedule: { type: 'cosine' } }), RangeError, 'schedule.type'],
      ['schedule returning NaN', fit(AND, { schedule: () => NaN }), RangeError, 'schedule(0)'],
      ['schedule returning < 0', fit(AND, { schedule: () => -1 }), RangeError, 'schedule(0)'],
      ['keep', fit(AND, { keep: 'first' }), RangeError, 'options.keep'],
      ['shuffle', fit(AND, { shuffle: 'yes' }), TypeError, 'options.shuffle'],
      ['seed', fit(AND, { seed: -1 }), RangeError, 'options.seed'],
      ['onEpoch', fit(AND, { onEpoch: 5 }), TypeError, 'options.onEpoch'],
    ];
    cases.forEach(expectRejects);
  });

  it('gateData, linearlySeparable, mapFeatures, pairwiseProducts, nandPerceptron', () => {
    const cases: Case[] = [
      ['gate name', () => gateData(any('nandx')), RangeError, 'name'],
      ['gate number', () => gateData(any(3)), TypeError, 'name'],
      [
        'separable no options',
        () => linearlySeparable(any(undefined)),
        TypeError,
        'options.examples',
      ],
      [
        'separable examples 0',
        () => linearlySeparable({ examples: 0, features: 2 }),
        RangeError,
        'options.examples',
      ],
      [
        'separable features 0',
        () => linearlySeparable({ examples: 10, features: 0 }),
        RangeError,
        'options.features',
      ],
      [
        'separable features 1.5',
        () => linearlySeparable({ examples: 10, features: 1.5 }),
        RangeError,
        'options.features',
      ],
      [
        'separable margin 0',
        () => linearlySeparable({ examples: 10, features: 2, margin: 0 }),
        RangeError,
        'options.margin',
      ],
      [
        'separable margin -1',
        () => linearlySeparable({ examples: 10, features: 2, margin: -1 }),
        RangeError,
        'options.margin',
      ],
      [
        'separable margin NaN',
        () => linearlySeparable({ examples: 10, features: 2, margin: NaN }),
        RangeError,
        'options.margin',
      ],
      [
        'separable seed',
        () => linearlySeparable({ examples: 10, features: 2, seed: any('1') }),
        TypeError,
        'options.seed',
      ],
      [
        'separable unknown',
        () => linearlySeparable(any({ examples: 10, features: 2, noise: 1 })),
        RangeError,
        'options.noise',
      ],
      [
        'separable too big',
        () => linearlySeparable({ examples: 1 << 20, features: 1 << 10 }),
        RangeError,
        'options.examples × options.features',
      ],
      ['map inputs 0', () => mapFeatures([[1]], 0, (r) => r), RangeError, 'inputs'],
      ['map not a function', () => mapFeatures([[1]], 1, any('square')), TypeError, 'map'],
      ['map x bad', () => mapFeatures(new Float32Array(3), 2, (r) => r), RangeError, 'x'],
      [
        'map returns a number',
        () =>
          mapFeatures(
            [[1]],
            1,
            any(() => 1),
          ),
        TypeError,
        'map(x[0])',
      ],
      ['map returns nothing', () => mapFeatures([[1]], 1, () => []), RangeError, 'map(x[0])'],
      [
        'map lengths differ',
        () => mapFeatures([[1], [2]], 1, (r) => (r[0] === 1 ? [1] : [1, 2])),
        RangeError,
        'map(x[1])',
      ],
      ['map returns NaN', () => mapFeatures([[1]], 1, () => [NaN]), RangeError, 'map(x[0])[0]'],
      ['products inputs 0', () => pairwiseProducts([[1]], 0), RangeError, 'inputs'],
      ['products inputs a string', () => pairwiseProducts([[1]], any('1')), TypeError, 'inputs'],
      ['products x mismatched', () => pairwiseProducts([[1, 2, 3]], 2), RangeError, 'x[0]'],
      ['nandPerceptron backend', () => nandPerceptron(any('gpu')), RangeError, 'backend'],
    ];
    cases.forEach(expectRejects);
  });

  it('Circuit, fromTruthTable, fullAdder, parity', () => {
    const c = new Circuit({ backend: 'js' });
    const a = c.input('a');
    const other = new Circuit({ backend: 'js' });
    const foreign = other.input('a');
    const empty = new Circuit({ backend: 'js' });
    const noOutputs = new Circuit({ backend: 'js' });
    noOutputs.input('a');
    const wide = new Circuit({ backend: 'js' });
    const w = Array.from({ length: 17 }, (_, i) => wide.input(`x${i}`));
    wide.output('f', wide.and(w[0], w[1], ...w.slice(2)));
    c.output('f', c.not(a));
    const cases: Case[] = [
      ['options', () => new Circuit(any('js')), TypeError, 'options'],
      ['backend', () => new Circuit({ backend: any('gpu') }), RangeError, 'backend'],
      ['input empty name', () => c.input(''), RangeError, 'name'],
      ['input number', () => c.input(any(5)), TypeError, 'name'],
      ['input duplicate', () => c.input('a'), RangeError, 'name'],
      ['nand foreign wire', () => c.nand(a, foreign), RangeError, 'b'],
      ['nand not a wire', () => c.nand(any('a'), a), TypeError, 'a'],
      ['not undefined', () => c.not(any(undefined)), TypeError, 'a'],
      ['and with a foreign wire', () => c.and(a, a, foreign), RangeError, 'wires[2]'],
      ['xor with a string', () => c.xor(a, any('b')), TypeError, 'wires[1]'],
      ['output duplicate', () => c.output('f', a), RangeError, 'name'],
      ['output empty name', () => c.output('', a), RangeError, 'name'],
      ['output foreign wire', () => c.output('g', foreign), RangeError, 'wire'],
      ['one without inputs', () => empty.one(), RangeError, 'circuit'],
      ['evaluate null', () => c.evaluate(any(null)), TypeError, 'assignment'],
      ['evaluate missing input', () => c.evaluate({}), RangeError, 'assignment.a'],
      ['evaluate unknown input', () => c.evaluate({ a: 1, b: 0 }), RangeError, 'assignment.b'],
      ['evaluate value 2', () => c.evaluate(any({ a: 2 })), RangeError, 'assignment.a'],
      ['evaluate value "1"', () => c.evaluate(any({ a: '1' })), TypeError, 'assignment.a'],
      ['evaluate without outputs', () => noOutputs.evaluate({ a: 1 }), RangeError, 'circuit'],
      ['truthTable of 17 inputs', () => wide.truthTable(), RangeError, 'circuit'],
      ['table a string', () => fromTruthTable(any('0110')), TypeError, 'table'],
      ['table empty', () => fromTruthTable([]), RangeError, 'table'],
      ['table of 1', () => fromTruthTable([1]), RangeError, 'table'],
      ['table of 3', () => fromTruthTable([0, 1, 0]), RangeError, 'table'],
      ['table value 2', () => fromTruthTable(any([0, 1, 2, 0])), RangeError, 'table[2]'],
      ['table value null', () => fromTruthTable(any([0, null])), TypeError, 'table[1]'],
      [
        'table inputs count',
        () => fromTruthTable([0, 1, 1, 0], { inputs: ['a'] }),
        RangeError,
        'options.inputs',
      ],
      [
        'table inputs duplicate',
        () => fromTruthTable([0, 1, 1, 0], { inputs: ['a', 'a'] }),
        RangeError,
        'options.inputs',
      ],
      [
        'table inputs not names',
        () => fromTruthTable([0, 1, 1, 0], { inputs: any(['a', 2]) }),
        TypeError,
        'options.inputs[1]',
      ],
      [
        'table output empty',
        () => fromTruthTable([0, 1, 1, 0], { output: '' }),
        RangeError,
        'options.output',
      ],
      [
        'table unknown option',
        () => fromTruthTable([0, 1, 1, 0], any({ names: ['a', 'b'] })),
        RangeError,
        'options.names',
      ],
      ['fullAdder unknown option', () => fullAdder(any({ bits: 2 })), RangeError, 'options.bits'],
      ['parity 1 bit', () => parity(1), RangeError, 'bits'],
      ['parity 1.5 bits', () => parity(1.5), RangeError, 'bits'],
      ['parity "8"', () => parity(any('8')), TypeError, 'bits'],
      ['parity 65 bits', () => parity(65), RangeError, 'bits'],
    ];
    cases.forEach(expectRejects);
  });

  it('approximate(g, options) and supNormError(g, network, domain, points)', () => {
    const base = {
      domain: [0, 1] as [number, number],
      hiddenUnits: 2,
      backend: 'js' as const,
      iterations: 1,
    };
    const approx =
      (over: Record<string, unknown>, g: unknown = Math.sin) =>
      () =>
        approximate(any(g), any({ ...base, ...over }));
    const net = new Network({
      sizes: [1, 2, 1],
      activations: ['sigmoid', 'identity'],
      backend: 'js',
    });
    const cases: Case[] = [
      ['g not a function', approx({}, 'sin'), TypeError, 'g'],
      ['no options', () => approximate(Math.sin, any(undefined)), TypeError, 'options'],
      ['unknown option', approx({ K: 3 }), RangeError, 'options.K'],
      ['domain missing', approx({ domain: undefined }), TypeError, 'options.domain'],
      ['domain a string', approx({ domain: '0..1' }), TypeError, 'options.domain'],
      ['domain reversed', approx({ domain: [1, 0] }), RangeError, 'options.domain[1]'],
      ['domain empty interval', approx({ domain: [1, 1] }), RangeError, 'options.domain[1]'],
      ['domain infinite', approx({ domain: [0, Infinity] }), RangeError, 'options.domain[1]'],
      ['domain bad interval', approx({ domain: [[0, 1], [2]] }), TypeError, 'options.domain[1]'],
      [
        'domain NaN in 2-D',
        approx({
          domain: [
            [0, 1],
            [NaN, 1],
          ],
        }),
        RangeError,
        'options.domain[1][0]',
      ],
      ['hiddenUnits 0', approx({ hiddenUnits: 0 }), RangeError, 'options.hiddenUnits'],
      ['hiddenUnits 1.5', approx({ hiddenUnits: 1.5 }), RangeError, 'options.hiddenUnits'],
      ['hiddenUnits missing', approx({ hiddenUnits: undefined }), TypeError, 'options.hiddenUnits'],
      [
        'hiddenUnits too many for LM',
        approx({ hiddenUnits: 400 }),
        RangeError,
        'options.hiddenUnits',
      ],
      [
        'activation relu (unbounded)',
        approx({ activation: 'relu' }),
        RangeError,
        'options.activation',
      ],
      ['method', approx({ method: 'adam' }), RangeError, 'options.method'],
      ['seed', approx({ seed: -2 }), RangeError, 'options.seed'],
      ['trainPoints 1', approx({ trainPoints: 1 }), RangeError, 'options.trainPoints'],
      ['testPoints a string', approx({ testPoints: '100' }), TypeError, 'options.testPoints'],
      [
        'testPoints too many in 2-D',
        approx({
          domain: [
            [0, 1],
            [0, 1],
          ],
          testPoints: 5000,
        }),
        RangeError,
        'options.testPoints',
      ],
      ['iterations -1', approx({ iterations: -1 }), RangeError, 'options.iterations'],
      ['epochs 1.5', approx({ epochs: 1.5 }), RangeError, 'options.epochs'],
      ['batchSize 0', approx({ batchSize: 0 }), RangeError, 'options.batchSize'],
      ['learningRate -1', approx({ learningRate: -1 }), RangeError, 'options.learningRate'],
      ['momentum 1', approx({ momentum: 1 }), RangeError, 'options.momentum'],
      ['g returns NaN', approx({}, () => NaN), RangeError, 'g(0)'],
      ['g returns a string', approx({}, () => '1'), RangeError, 'g(0)'],
      ['backend', approx({ backend: 'gpu' }), RangeError, 'backend'],
      ['sup g', () => supNormError(any(null), net, [0, 1], 10), TypeError, 'g'],
      ['sup network', () => supNormError(Math.sin, any({}), [0, 1], 10), TypeError, 'network'],
      [
        'sup network of 2 inputs',
        () =>
          supNormError(
            Math.sin,
            net,
            [
              [0, 1],
              [0, 1],
            ],
            10,
          ),
        RangeError,
        'network',
      ],
      ['sup domain', () => supNormError(Math.sin, net, any([2, 1]), 10), RangeError, 'domain[1]'],
      ['sup points 1', () => supNormError(Math.sin, net, [0, 1], 1), RangeError, 'points'],
      [
        'sup points a string',
        () => supNormError(Math.sin, net, [0, 1], any('10')),
        TypeError,
        'points',
      ],
    ];
    cases.forEach(expectRejects);
  });
});
