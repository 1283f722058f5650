/**
 * Universality of NAND (lecture B.2): the NAND gate as a perceptron with fixed weights, circuits
 * of NAND perceptrons for all 16 boolean functions of two variables, a full adder, n-bit parity,
 * and random functions of 3 to 6 inputs built from their truth tables. Every gate is evaluated by
 * the perceptron (a test swaps its θ to prove it); expected values come from arithmetic here.
 */
import { expect } from 'chai';
import {
  Circuit,
  fromTruthTable,
  fullAdder,
  NAND_THETA,
  nandPerceptron,
  parity,
  Perceptron,
  TWO_INPUT_FUNCTIONS,
  type Wire,
} from '../lib/perceptron';
import { Random } from '../lib/random';
import { forEachBackend } from './helpers/backends';

const ROWS2 = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

/** The 16 functions by meaning, computed with arithmetic on 0/1 (not read from the library's table). */
const MEANING: Record<string, (a: number, b: number) => number> = {
  FALSE: () => 0,
  AND: (a, b) => a * b,
  'A AND NOT B': (a, b) => a * (1 - b),
  A: (a) => a,
  'NOT A AND B': (a, b) => (1 - a) * b,
  B: (_, b) => b,
  XOR: (a, b) => (a + b) % 2,
  OR: (a, b) => Math.min(1, a + b),
  NOR: (a, b) => 1 - Math.min(1, a + b),
  XNOR: (a, b) => 1 - ((a + b) % 2),
  'NOT B': (_, b) => 1 - b,
  'A OR NOT B': (a, b) => Math.min(1, a + 1 - b),
  'NOT A': (a) => 1 - a,
  'NOT A OR B': (a, b) => Math.min(1, 1 - a + b),
  NAND: (a, b) => 1 - a * b,
  TRUE: () => 1,
};

/** Each function again, built by hand from the circuit's NAND-only helpers. */
const BY_HELPERS: Record<string, (c: Circuit, a: Wire, b: Wire) => Wire> = {
  FALSE: (c) => c.zero(),
  AND: (c, a, b) => c.and(a, b),
  'A AND NOT B': (c, a, b) => c.and(a, c.not(b)),
  A: (_, a) => a,
  'NOT A AND B': (c, a, b) => c.and(c.not(a), b),
  B: (_, __, b) => b,
  XOR: (c, a, b) => c.xor(a, b),
  OR: (c, a, b) => c.or(a, b),
  NOR: (c, a, b) => c.nor(a, b),
  XNOR: (c, a, b) => c.xnor(a, b),
  'NOT B': (c, _, b) => c.not(b),
  'A OR NOT B': (c, a, b) => c.or(a, c.not(b)),
  'NOT A': (c, a) => c.not(a),
  'NOT A OR B': (c, a, b) => c.or(c.not(a), b),
  NAND: (c, a, b) => c.nand(a, b),
  TRUE: (c) => c.one(),
};

const popcount = (i: number) =>
  i
    .toString(2)
    .split('')
    .filter((ch) => ch === '1').length;

describe('NAND perceptron', () => {
  it('θ = (3, −2, −2) computes NAND: 3 − 2x₁ − 2x₂ > 0 unless both inputs are 1', () => {
    expect(NAND_THETA).to.deep.equal([3, -2, -2]);
    const p = nandPerceptron('js');
    expect(p).to.be.instanceOf(Perceptron);
    expect(Array.from(p.scores(ROWS2))).to.deep.equal([3, 1, 1, -1]);
    expect(Array.from(p.predict(ROWS2))).to.deep.equal([1, 1, 1, 0]);
  });

  it('TWO_INPUT_FUNCTIONS lists the 16 functions, numbered by their truth tables', () => {
    expect(TWO_INPUT_FUNCTIONS).to.have.length(16);
    expect(new Set(TWO_INPUT_FUNCTIONS.map((f) => f.table.join(''))).size).to.equal(16);
    for (const [k, f] of TWO_INPUT_FUNCTIONS.entries()) {
      expect(f.table, f.name).to.deep.equal(ROWS2.map(([a, b]) => MEANING[f.name](a!, b!)));
      expect(parseInt(f.table.join(''), 2), f.name).to.equal(k);
    }
  });
});

forEachBackend('NAND circuits', (be) => {
  const options = () => ({ backend: be() });

  it('all 16 functions of two variables from their truth tables, every row through evaluate()', () => {
    const counts: Record<string, number> = {};
    for (const f of TWO_INPUT_FUNCTIONS) {
      const c = fromTruthTable(f.table, { inputs: ['a', 'b'], output: 'f', ...options() });
      for (const [a, b] of ROWS2) {
        expect(c.evaluate({ a: a as 0 | 1, b: b as 0 | 1 }).f, `${f.name}(${a}, ${b})`).to.equal(
          MEANING[f.name](a!, b!),
        );
      }
      expect(Array.from(c.truthTable().f!), f.name).to.deep.equal(f.table);
      counts[f.name] = c.gateCount;
    }
    // Gate counts of the NAND-NAND sum of products (the smaller of f and ¬f); wires a, b are free.
    expect(counts).to.deep.equal({
      FALSE: 3,
      AND: 2,
      'A AND NOT B': 3,
      A: 0,
      'NOT A AND B': 3,
      B: 0,
      XOR: 5,
      OR: 3,
      NOR: 4,
      XNOR: 5,
      'NOT B': 1,
      'A OR NOT B': 2,
      'NOT A': 1,
      'NOT A OR B': 2,
      NAND: 1,
      TRUE: 2,
    });
  });

  it('all 16 functions again from the NAND-only helpers (not, and, or, nor, xor, xnor, one, zero)', () => {
    for (const f of TWO_INPUT_FUNCTIONS) {
      const c = new Circuit(options());
      const a = c.input('a');
      const b = c.input('b');
      c.output('f', BY_HELPERS[f.name](c, a, b));
      expect(Array.from(c.truthTable().f!), f.name).to.deep.equal(f.table);
    }
  });

  it('the helpers cost the classic gate counts: not 1, and 2, or 3, nor 4, xor 4, xnor 5', () => {
    const cost = (build: (c: Circuit, a: Wire, b: Wire) => Wire) => {
      const c = new Circuit(options());
      const a = c.input('a');
      const b = c.input('b');
      return c.output('f', build(c, a, b)).gateCount;
    };
    expect([
      cost((c, a) => c.not(a)),
      cost((c, a, b) => c.and(a, b)),
      cost((c, a, b) => c.or(a, b)),
    ]).to.deep.equal([1, 2, 3]);
    expect([
      cost((c, a, b) => c.nor(a, b)),
      cost((c, a, b) => c.xor(a, b)),
      cost((c, a, b) => c.xnor(a, b)),
    ]).to.deep.equal([4, 4, 5]);
  });

  it('every gate runs through the NAND perceptron: one predict per gate, and a swapped θ changes the circuit', () => {
    const c = new Circuit(options());
    const a = c.input('a');
    const b = c.input('b');
    c.output('f', c.nand(a, b));
    const original = c.gate.predict.bind(c.gate);
    let calls = 0;
    c.gate.predict = (x) => {
      calls++;
      return original(x);
    };
    expect(c.evaluate({ a: true, b: true })).to.deep.equal({ f: 0 });
    expect(calls).to.equal(1);
    const adder = fullAdder(options());
    let adderCalls = 0;
    const adderPredict = adder.gate.predict.bind(adder.gate);
    adder.gate.predict = (x) => {
      adderCalls++;
      return adderPredict(x);
    };
    adder.truthTable();
    expect(adderCalls).to.equal(adder.gateCount); // all 8 rows at once, one batched predict per gate
    // With the perceptron's θ set to OR's (−1, 2, 2), the same one-gate circuit computes OR.
    c.gate.setTheta([-1, 2, 2]);
    expect(Array.from(c.truthTable().f!)).to.deep.equal([0, 1, 1, 1]);
  });

  it('a 1-bit full adder of 9 NAND perceptrons: sum and carry on all 8 inputs', () => {
    const adder = fullAdder(options());
    expect(adder.inputNames).to.deep.equal(['a', 'b', 'cin']);
    expect(adder.outputNames).to.deep.equal(['sum', 'carry']);
    expect(adder.gateCount).to.equal(9);
    for (let i = 0; i < 8; i++) {
      const [a, b, cin] = [(i >> 2) & 1, (i >> 1) & 1, i & 1] as (0 | 1)[];
      const total = a! + b! + cin!;
      expect(adder.evaluate({ a: a!, b: b!, cin: cin! }), `${a}+${b}+${cin}`).to.deep.equal({
        sum: total % 2,
        carry: total >= 2 ? 1 : 0,
      });
    }
    const table = adder.truthTable();
    expect(Array.from(table.sum!)).to.deep.equal([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(Array.from(table.carry!)).to.deep.equal([0, 0, 0, 1, 0, 1, 1, 1]);
  });

  it('a 4-bit ripple-carry adder of full adders adds all 256 pairs', () => {
    const c = new Circuit(options());
    const a = [0, 1, 2, 3].map((i) => c.input(`a${i}`));
    const b = [0, 1, 2, 3].map((i) => c.input(`b${i}`));
    let carry: Wire | undefined;
    for (let i = 0; i < 4; i++) {
      if (!carry) {
        c.output(`s${i}`, c.xor(a[i], b[i]));
        carry = c.and(a[i], b[i]);
        continue;
      }
      const x = c.xor(a[i], b[i]);
      c.output(`s${i}`, c.xor(x, carry));
      carry = c.or(c.and(a[i], b[i]), c.and(x, carry));
    }
    c.output('s4', carry!);
    // Inputs a0..a3 then b0..b3; row i spells them most significant first.
    const table = c.truthTable();
    for (let row = 0; row < 256; row++) {
      const bit = (j: number) => (row >> (7 - j)) & 1;
      const x = bit(0) + 2 * bit(1) + 4 * bit(2) + 8 * bit(3);
      const y = bit(4) + 2 * bit(5) + 4 * bit(6) + 8 * bit(7);
      const sum = [0, 1, 2, 3, 4].reduce((s, i) => s + table[`s${i}`][row] * 2 ** i, 0);
      expect(sum, `${x} + ${y}`).to.equal(x + y);
    }
  });

  for (const bits of [4, 8]) {
    it(`${bits}-bit parity: 4(n − 1) = ${4 * (bits - 1)} gates, right on all ${2 ** bits} inputs`, () => {
      const p = parity(bits, options());
      expect(p.gateCount).to.equal(4 * (bits - 1));
      expect(p.depth).to.equal(3 * Math.log2(bits));
      const table = p.truthTable().parity!;
      expect(table).to.have.length(2 ** bits);
      for (let i = 0; i < 2 ** bits; i++) expect(table[i], `row ${i}`).to.equal(popcount(i) % 2);
      const one: Record<string, 0 | 1> = {};
      for (let j = 1; j <= bits; j++) one[`x${j}`] = j <= 3 ? 1 : 0;
      expect(p.evaluate(one)).to.deep.equal({ parity: 1 });
    });
  }

  it('fromTruthTable builds any function of 3 to 6 inputs (random tables, round trip through truthTable)', () => {
    const rng = new Random(17);
    for (let n = 3; n <= 6; n++) {
      for (let t = 0; t < 3; t++) {
        const table = Array.from({ length: 2 ** n }, () => rng.below(2));
        const c = fromTruthTable(table, options());
        expect(c.inputNames).to.deep.equal(Array.from({ length: n }, (_, j) => `x${j + 1}`));
        expect(Array.from(c.truthTable().out!), `n=${n} #${t}`).to.deep.equal(table);
        // Never worse than one NAND per literal of every minterm plus the NOTs and the tree.
        expect(c.gateCount).to.be.at.most(2 ** n * 2 * n);
      }
    }
    // Quine-McCluskey merges: x1 ∧ x2 in three inputs needs no x3 at all.
    const and12 = fromTruthTable([0, 0, 0, 0, 0, 0, 1, 1], options());
    expect(and12.gateCount).to.equal(2);
    // The majority function: ab + ac + bc.
    const majority = fromTruthTable([0, 0, 0, 1, 0, 1, 1, 1], {
      inputs: ['a', 'b', 'c'],
      ...options(),
    });
    for (let i = 0; i < 8; i++) {
      const row = { a: ((i >> 2) & 1) as 0 | 1, b: ((i >> 1) & 1) as 0 | 1, c: (i & 1) as 0 | 1 };
      expect(majority.evaluate(row).out).to.equal(popcount(i) >= 2 ? 1 : 0);
    }
  });

  it('shares gates: nand(a, b) is nand(b, a), ¬¬a is a, and unused gates are not counted', () => {
    const c = new Circuit(options());
    const a = c.input('a');
    const b = c.input('b');
    expect(c.nand(a, b)).to.equal(c.nand(b, a));
    expect(c.not(c.not(a))).to.equal(a);
    c.xor(a, b); // never output
    c.output('f', c.and(a, b));
    expect(c.gateCount).to.equal(2);
    expect(c.depth).to.equal(2);
  });
});
