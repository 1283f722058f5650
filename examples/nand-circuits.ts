/**
 * Universality of NAND (lecture B.2): one perceptron with fixed weights θ = (3, −2, −2) is a NAND
 * gate, and circuits of NAND perceptrons compute any boolean function: all 16 functions of two
 * variables, a full adder, 8-bit parity.
 *
 *   npx tsx examples/nand-circuits.ts
 */
import {
  Circuit,
  fromTruthTable,
  fullAdder,
  NAND_THETA,
  nandPerceptron,
  parity,
  TWO_INPUT_FUNCTIONS,
  type Wire,
} from '../lib/perceptron';

const ROWS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

// 1. One perceptron is a NAND gate.
const nand = nandPerceptron();
const scores = Array.from(nand.scores(ROWS));
const outputs = Array.from(nand.predict(ROWS));
console.log(`The NAND perceptron: θ = (${NAND_THETA.join(', ')}), ŷ = f(3 − 2x₁ − 2x₂)\n`);
console.log(' x₁  x₂   θᵀx̃   ŷ');
ROWS.forEach(([a, b], i) =>
  console.log(`  ${a}   ${b}   ${String(scores[i]).padStart(3)}    ${outputs[i]}`),
);

// 2. All 16 functions of two variables, each a circuit of NAND perceptrons built from its truth table.
console.log(
  '\nAll 16 boolean functions of two variables as circuits of NAND perceptrons, built from',
);
console.log(
  'their truth tables (sum of products in NAND-NAND form); every gate is evaluated by the perceptron.\n',
);
console.log(
  `  #  ${'function'.padEnd(13)}${'formula'.padEnd(10)}${'truth table'.padEnd(13)}${'circuit'.padEnd(10)}gates  depth`,
);
for (const [k, f] of TWO_INPUT_FUNCTIONS.entries()) {
  const c = fromTruthTable(f.table, { inputs: ['a', 'b'] });
  const got = Array.from(c.truthTable().out!);
  const same = got.every((v, i) => v === f.table[i]);
  console.log(
    `${String(k).padStart(3)}  ${f.name.padEnd(13)}${f.formula.padEnd(10)}${f.table.join(' ').padEnd(13)}${`${got.join(' ')} ${same ? '✓' : '✗'}`.padEnd(10)}${String(c.gateCount).padStart(5)}${String(c.depth).padStart(7)}`,
  );
}
console.log(
  '(a and b themselves are wires: A and B need no gate; the truth tables list 00, 01, 10, 11)',
);

const cost = (build: (c: Circuit, a: Wire, b: Wire) => Wire): number => {
  const c = new Circuit();
  return c.output('f', build(c, c.input('a'), c.input('b'))).gateCount;
};
const helpers = [
  ['not', cost((c, a) => c.not(a))],
  ['and', cost((c, a, b) => c.and(a, b))],
  ['or', cost((c, a, b) => c.or(a, b))],
  ['nor', cost((c, a, b) => c.nor(a, b))],
  ['xor', cost((c, a, b) => c.xor(a, b))],
  ['xnor', cost((c, a, b) => c.xnor(a, b))],
] as const;
console.log(
  `\nThe circuit builder's helpers, NANDs only: ${helpers.map(([name, gates]) => `${name} ${gates}`).join(', ')} gates.`,
);

// 3. A full adder.
const adder = fullAdder();
const table = adder.truthTable();
console.log(`\n1-bit full adder: ${adder.gateCount} NAND perceptrons, depth ${adder.depth}`);
console.log('  a  b  cin | carry sum | a + b + cin');
for (let i = 0; i < 8; i++) {
  const [a, b, cin] = [(i >> 2) & 1, (i >> 1) & 1, i & 1];
  const carry = table.carry![i];
  const sum = table.sum![i];
  const check = 2 * carry + sum === a + b + cin ? '✓' : '✗';
  console.log(`  ${a}  ${b}   ${cin}  |   ${carry}    ${sum}  |      ${a + b + cin} ${check}`);
}

// 4. 8-bit parity on all 256 inputs.
const p = parity(8);
const bits = p.truthTable().parity!;
let right = 0;
for (let i = 0; i < 256; i++) {
  let ones = 0;
  for (let v = i; v; v >>= 1) ones += v & 1;
  if (bits[i] === ones % 2) right++;
}
const sop = fromTruthTable(bits);
console.log(
  `\n8-bit parity x1 ⊕ x2 ⊕ ... ⊕ x8: a tree of 7 XORs = ${p.gateCount} NAND perceptrons, depth ${p.depth}`,
);
console.log(`  right on ${right} of 256 inputs (odd number of ones → 1)`);
const sample = { x1: 1, x2: 0, x3: 1, x4: 1, x5: 0, x6: 0, x7: 1, x8: 0 } as const;
console.log(`  e.g. 10110010 → ${p.evaluate(sample).parity}`);
console.log(
  `  the same function from its truth table as a sum of products: ${sop.gateCount} gates (parity has no smaller SOP)`,
);
