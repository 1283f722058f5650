/**
 * What a divergence error advises. A loss that overflows on unscaled inputs (a column of car
 * weights in the thousands, say) is cured by scaling them, not by an ever lower learning rate,
 * so when the network has no scaler and some feature lies far outside the unit scale, the
 * message says so first.
 *
 * The rule: a feature looks unscaled when the magnitude of its mean or its standard deviation
 * exceeds {@link UNSCALED_LIMIT}. Standardized features have mean 0 and deviation 1, min–max
 * scaled ones lie in [0, 1], and pixels divided by 255 too, so none of those trip it.
 */

/** The mean magnitude or standard deviation above which a feature looks unscaled. */
export const UNSCALED_LIMIT = 3;

/**
 * The advice for a divergence at `learningRate`: scale the inputs when they look unscaled (see
 * the rule above), else lower the learning rate. `x` `[n, n0]` is what training saw, bytes
 * converted by `scale` and `offset`; `scaled` says a scaler is attached (no statistics then).
 */
export function divergenceAdvice(
  x: Float32Array | Uint8Array,
  n0: number,
  scale: number,
  offset: number,
  scaled: boolean,
  learningRate: number,
): string {
  const lower = `Try a lower learning rate (now ${learningRate}).`;
  if (scaled) return lower;
  const worst = mostUnscaled(x, n0, scale, offset);
  if (worst === undefined) return lower;
  return (
    `The inputs look unscaled (feature ${worst.feature} has mean ${round(worst.mean)} and standard deviation ` +
    `${round(worst.std)}): scale them, e.g. fitSync(net, data, { scale: 'standard' }), which also scales later ` +
    `inputs the same way; or else try a lower learning rate (now ${learningRate}).`
  );
}

/** The feature furthest outside the unit scale, if any is beyond the limit (float64 sums). */
function mostUnscaled(
  x: Float32Array | Uint8Array,
  n0: number,
  scale: number,
  offset: number,
): { feature: number; mean: number; std: number } | undefined {
  const n = x.length / n0;
  let worst: { feature: number; mean: number; std: number } | undefined;
  let worstSize = UNSCALED_LIMIT;
  for (let j = 0; j < n0; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i * n0 + j] * scale + offset;
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (x[i * n0 + j] * scale + offset - mean) ** 2;
    const std = Math.sqrt(squares / n);
    const size = Math.max(Math.abs(mean), std);
    if (size > worstSize) {
      worstSize = size;
      worst = { feature: j, mean, std };
    }
  }
  return worst;
}

function round(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
