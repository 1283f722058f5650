/**
 * The browser bundle's entry (`npm run build:browser` writes dist/browser/blasnet.mjs): the
 * pure-TypeScript backend with the Network, inference, synchronous training and evaluation, and
 * a model-file reader, with no Node built-in anywhere (the native backend stays Node-only).
 *
 * ```js
 * import { deserializeNetwork } from './blasnet.mjs';
 * const net = deserializeNetwork(new Uint8Array(await (await fetch('digits.blasnet')).arrayBuffer()));
 * net.classify(pixels); // Float32Array of rows of 784 values in [0, 1] -> Uint8Array of labels
 * ```
 */
export { ACTIVATION_NAMES } from '../activations';
export { evaluate } from '../evaluate';
export { Network, argmaxRows } from '../network';
export { fitSync } from '../train';
export { networkFromModelBytes as deserializeNetwork } from './model-bytes';
