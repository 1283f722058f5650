/**
 * XOR, which one perceptron cannot learn, learned by an MLP with one hidden layer (2-3-1,
 * sigmoid) trained by backpropagation: full-batch gradient descent with momentum on the
 * quadratic loss. The hidden layer is the "better representation" of lecture B.1, learned.
 *
 *   npx tsx examples/xor-mlp.ts
 */
import { Network } from '../lib/network';
import { Perceptron } from '../lib/perceptron';
import { fitSync } from '../lib/train';

const XOR = {
  x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]),
  y: new Float32Array([0, 1, 1, 0]),
  labels: new Uint8Array([0, 1, 1, 0]),
};
const ROWS = ['0 0', '0 1', '1 0', '1 1'];
const EPOCHS = 2000;

const net = new Network({ sizes: [2, 3, 1], activations: 'sigmoid', seed: 1 });
console.log(
  `MLP ${net.sizes.join('-')}, sigmoid units, seed 1: backpropagation, batch of all 4 examples,`,
);
console.log(
  `learning rate 2, momentum 0.9, quadratic loss L = 1/(2N) Σ (a − y)², ${EPOCHS} epochs\n`,
);
console.log('  epoch        loss   accuracy');
const result = fitSync(net, XOR, {
  epochs: EPOCHS,
  batchSize: 4,
  learningRate: 2,
  momentum: 0.9,
  onEpoch: (e) => {
    if (e.epoch === 1 || e.epoch % 200 === 0)
      console.log(
        `${String(e.epoch).padStart(7)}  ${e.loss.toFixed(6).padStart(10)}   ${(100 * e.accuracy!).toFixed(0).padStart(6)}%`,
      );
  },
});

const out = net.predict(XOR.x);
const cls = net.classify(XOR.x);
console.log(
  `\nstopped: ${result.stopReason}, final loss ${result.history.at(-1)!.loss.toExponential(2)}\n`,
);
console.log(' x₁ x₂   target   output   class');
for (let i = 0; i < 4; i++)
  console.log(`  ${ROWS[i]}      ${XOR.y[i]}     ${out[i].toFixed(4)}     ${cls[i]}`);

// The hidden layer's activations: the representation backpropagation found.
const w = net.getWeights(1);
const b = net.getBiases(1);
const hidden = [0, 1, 2, 3].map((i) =>
  [0, 1, 2].map(
    (j) => 1 / (1 + Math.exp(-(w[2 * j] * XOR.x[2 * i] + w[2 * j + 1] * XOR.x[2 * i + 1] + b[j]))),
  ),
);
console.log('\nHidden layer a¹ = σ(ω¹x + b¹), the learned feature space:');
console.log(' x₁ x₂       a¹₁     a¹₂     a¹₃');
hidden.forEach((h, i) =>
  console.log(`  ${ROWS[i]}     ${h.map((v) => v.toFixed(3).padStart(6)).join('  ')}`),
);
const p = new Perceptron({ inputs: 3 });
const r = p.fit({ x: hidden, y: Array.from(XOR.labels) });
console.log(
  `\nA single perceptron on (a¹₁, a¹₂, a¹₃): ${r.converged ? `converged in ${r.epochs} epochs` : 'did not converge'}, ${r.misclassified} of 4 misclassified:`,
);
console.log("XOR is linearly separable in the hidden layer's representation.");
