/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_(parameters, max_norm)
 * (norm_type 2, error_if_nonfinite=False): the L2 norm of all gradients together, and when it is
 * above maxNorm every gradient scaled by maxNorm / (norm + 1e-6).
 */

/**
 * Clip `grad` (every parameter's gradient, one buffer) in place to global L2 norm `maxNorm`;
 * returns the norm before clipping. The sum of squares runs in float64, the norm, the coefficient
 * and the products are rounded to float32 as PyTorch computes them on float32 tensors.
 *
 * @example
 * ```ts
 * const norm = clipGradNorm(step.grad, 1.0); // step.grad now has norm <= 1 (to float32 rounding)
 * ```
 */
export function clipGradNorm(grad: Float32Array, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < grad.length; i++) sum += grad[i] * grad[i];
  const norm = Math.fround(Math.sqrt(sum));
  // clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1 (a product by 1 changes nothing).
  const coef = Math.fround(Math.fround(maxNorm) / Math.fround(norm + Math.fround(1e-6)));
  if (coef < 1) for (let i = 0; i < grad.length; i++) grad[i] = Math.fround(grad[i] * coef);
  return norm;
}
