/**
 * The perceptron of lecture B.1 and the universality of NAND of B.2: a Heaviside unit trained
 * with the perceptron rule (batch and online) on the backend's sgemm, feature maps for what it
 * cannot separate, and circuits of NAND perceptrons computing any boolean function.
 *
 * @example
 * ```ts
 * import { Perceptron, gateData, fromTruthTable } from './perceptron';
 * new Perceptron({ inputs: 2 }).fit(gateData('nand')).converged; // true
 * fromTruthTable([0, 1, 1, 0]).gateCount; // XOR in 5 NAND perceptrons
 * ```
 */
export { Perceptron } from './perceptron';
export type {
  PerceptronOptions,
  PerceptronData,
  PerceptronFitOptions,
  PerceptronFitResult,
  PerceptronEpochReport,
} from './perceptron';
export type { PerceptronInput, PerceptronLabels, PerceptronLabelKind } from './inputs';
export { mapFeatures, pairwiseProducts } from './features';
export type { MappedFeatures } from './features';
export { NAND_THETA, nandPerceptron } from './nand';
export { Circuit, Wire, fromTruthTable, fullAdder, parity, TWO_INPUT_FUNCTIONS } from './circuit';
export type { Bit, CircuitOptions, TruthTableOptions } from './circuit';
export { GATE_NAMES, gateData, linearlySeparable } from './datasets';
export type { GateName, SeparableOptions } from './datasets';
