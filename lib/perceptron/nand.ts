/**
 * The NAND gate as a perceptron with fixed weights (lecture B.2): θ = (3, −2, −2), so
 * θᵀx̃ = 3 − 2x₁ − 2x₂ is 3, 1, 1 > 0 on (0,0), (0,1), (1,0) and −1 on (1,1): output 1 unless both
 * inputs are 1. NAND is universal: every boolean function is a circuit of NAND gates (see
 * `circuit.ts`), so a combination of perceptrons computes any boolean function.
 */
import type { BackendName } from '../backend/select';
import type { Backend } from '../backend/types';
import { Perceptron } from './perceptron';

/**
 * θ of the NAND perceptron: bias 3, weights −2 and −2.
 *
 * @example
 * ```ts
 * new Perceptron({ inputs: 2, theta: NAND_THETA }).predict([[1, 1]]); // Uint8Array [0]
 * ```
 */
export const NAND_THETA: readonly number[] = Object.freeze([3, -2, -2]);

/**
 * A new perceptron with the fixed NAND weights {@link NAND_THETA}.
 *
 * @example
 * ```ts
 * nandPerceptron().predict([[0, 0], [0, 1], [1, 0], [1, 1]]); // Uint8Array [1, 1, 1, 0]
 * ```
 */
export function nandPerceptron(backend?: BackendName | Backend): Perceptron {
  return new Perceptron(
    backend === undefined
      ? { inputs: 2, theta: NAND_THETA }
      : { inputs: 2, theta: NAND_THETA, backend },
  );
}
