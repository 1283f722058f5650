/**
 * The perceptron of lecture B.1 on the two-input gates: it learns AND, OR and NAND with the
 * perceptron rule, cannot learn XOR, and learns XOR once the input gets the feature x₁x₂.
 *
 *   npx tsx examples/perceptron.ts
 */
import {
  gateData,
  type GateName,
  linearlySeparable,
  pairwiseProducts,
  Perceptron,
  type PerceptronFitResult,
} from '../lib/perceptron';

const ROWS = ['00', '01', '10', '11'];
const MAX_EPOCHS = 1000;

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
const vec = (theta: ArrayLike<number>) => `(${Array.from(theta, num).join(', ')})`;

function describe(r: PerceptronFitResult): string {
  if (r.converged) return `converged in ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`;
  return `did not converge after ${r.epochs} epochs, ${r.misclassified} of ${r.examples} still misclassified`;
}

console.log('Perceptron ŷ = f(θᵀx̃), f(z) = 1 if z > 0 else 0, x̃ = (1, x₁, x₂), θ₀ the bias.');
console.log(`Perceptron rule from θ = 0 with α = 1, at most ${MAX_EPOCHS} epochs.\n`);

const header = `${'rule'.padEnd(8)}${'gate'.padEnd(6)}${'epochs'.padStart(6)}${'updates'.padStart(9)}  ${'θ = (θ₀, θ₁, θ₂)'.padEnd(18)}${'ŷ on 00 01 10 11'.padEnd(18)}${'target'.padEnd(9)}result`;
console.log(header);
console.log('-'.repeat(header.length + 21));
const failures: string[] = [];
for (const mode of ['batch', 'online'] as const) {
  for (const gate of ['and', 'or', 'nand', 'xor'] as GateName[]) {
    const data = gateData(gate);
    const p = new Perceptron({ inputs: 2 });
    const r = p.fit(data, { mode, maxEpochs: MAX_EPOCHS });
    const out = `      ${Array.from(p.predict(data.x)).join('  ')}`;
    const result = r.converged ? 'converged' : `not converged, ${r.misclassified} of 4 wrong`;
    console.log(
      `${mode.padEnd(8)}${gate.toUpperCase().padEnd(6)}${String(r.epochs).padStart(6)}${String(r.updates).padStart(9)}  ${vec(r.theta).padEnd(18)}${out.padEnd(18)}${data.y.join(' ').padEnd(9)}${result}`,
    );
    if (!r.converged) {
      const kept =
        r.kept === 'best'
          ? `the best θ seen (after ${r.keptEpoch} epochs)`
          : 'no θ seen did better';
      failures.push(
        `${gate.toUpperCase()} (${mode}): ${describe(r)}; θ = ${vec(r.theta)}, ${kept}.`,
      );
    }
  }
}
console.log(`\n${failures.join('\n')}`);
console.log(
  'No line θ₀ + θ₁x₁ + θ₂x₂ = 0 puts 01 and 10 on one side and 00 and 11 on the other.\n',
);

console.log(
  'A better representation (lecture B.1): map x = (x₁, x₂) to (x₁, x₂, x₁x₂), then classify linearly.',
);
const xor = gateData('xor');
const mapped = pairwiseProducts(xor.x, 2);
for (const mode of ['batch', 'online'] as const) {
  const p = new Perceptron({ inputs: mapped.features });
  const r = p.fit({ x: mapped.x, y: xor.y }, { mode, maxEpochs: MAX_EPOCHS });
  const s = Array.from(p.scores(mapped.x), num).join(', ');
  console.log(
    `XOR (${mode}): ${describe(r)}, θ = ${vec(r.theta)}: θᵀx̃ = ${s} on ${ROWS.join(', ')} → ŷ = ${Array.from(p.predict(mapped.x)).join(' ')}`,
  );
}

console.log(
  '\nLarge inputs run on the backend sgemm (scores X̃·θ and the batch update X̃ᵀ·(y∘m), two calls per epoch):',
);
for (const [examples, features, margin] of [
  [200, 2, 0.02],
  [500, 50, 0.05],
  [2000, 1000, 0.1],
] as const) {
  const data = linearlySeparable({ examples, features, margin, seed: 3 });
  const r = new Perceptron({ inputs: features }).fit(data, { maxEpochs: MAX_EPOCHS });
  console.log(
    `  ${String(examples).padStart(4)} examples × ${String(features).padStart(4)} features, margin ${margin}: ${describe(r)}, ${r.misclassified} misclassified`,
  );
}
