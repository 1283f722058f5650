// Activations: the fused bias-add + σ of the forward pass, and δ ∘ σ' of the backward pass.
// Transcendentals run in double and round once, which keeps the native and the TypeScript
// backends (JS numbers are doubles) within a float ulp of each other; the exception is the
// sigmoid on CPUs with AVX2 or AVX-512, vectorized in float (kernel.cc, within 3 ulp), because
// it is a third of a batch-10 step of the lecture's network in double.
#include <cmath>
#include <cstring>

#include "blasnet_core.h"
#include "checked.h"

namespace {

// exp() of a non-positive number only: no overflow, no inf/inf = NaN for large |z|.
inline float sigmoid(float z) {
  if (z >= 0.0f) return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(z))));
  const double e = std::exp(static_cast<double>(z));
  return static_cast<float>(e / (1.0 + e));
}

// a[i] = f(z[i]) over count elements.
template <typename F>
void map(const float* z, float* a, int64_t count, F f) {
  for (int64_t i = 0; i < count; i++) a[i] = f(z[i]);
}

// delta[i] *= d(i) over count elements, the product taken in double.
template <typename D>
void scale_by(float* delta, int64_t count, D d) {
  for (int64_t i = 0; i < count; i++)
    delta[i] = static_cast<float>(static_cast<double>(delta[i]) * d(i));
}

// a = σ(z) elementwise over count values: every activation but softmax (row-wise).
void activate(const float* z, float* a, int64_t count, int act) {
  switch (act) {
    case BN_ACT_IDENTITY:
      if (count > 0 && a != z) std::memmove(a, z, static_cast<size_t>(count) * sizeof(float));
      return;
    case BN_ACT_SIGMOID:
      // The vectorized float sigmoid of kernel.cc where the CPU has one (within 3 ulp of this one).
      if (!bn_kernel_sigmoid(z, a, count)) map(z, a, count, sigmoid);
      return;
    case BN_ACT_TANH:
      map(z, a, count,
          [](float v) { return static_cast<float>(std::tanh(static_cast<double>(v))); });
      return;
    case BN_ACT_RELU:
      map(z, a, count, [](float v) { return v > 0.0f ? v : 0.0f; });
      return;
    case BN_ACT_HEAVISIDE:
      map(z, a, count, [](float v) { return v > 0.0f ? 1.0f : 0.0f; });
      return;
    case BN_ACT_LEAKY_RELU:  // torch computes z · slope in float: one rounding, as here
      map(z, a, count, [](float v) { return v > 0.0f ? v : v * BN_LEAKY_RELU_SLOPE; });
      return;
    case BN_ACT_ELU:  // expm1: no cancellation in e^z − 1 for z near 0
      map(z, a, count, [](float v) {
        return v > 0.0f ? v : static_cast<float>(BN_ELU_ALPHA * std::expm1(static_cast<double>(v)));
      });
      return;
    default:
      return;
  }
}

// delta ← delta ∘ σ'(z) elementwise over count values: every activation but softmax and heaviside.
void scale_by_derivative(float* delta, const float* z, const float* a, int64_t count, int act) {
  switch (act) {
    case BN_ACT_SIGMOID:  // σ' = a (1 − a), from the stored activation
      scale_by(delta, count, [a](int64_t i) {
        const double v = a[i];
        return v * (1.0 - v);
      });
      return;
    case BN_ACT_TANH:  // σ' = 1 − a²
      scale_by(delta, count, [a](int64_t i) {
        const double v = a[i];
        return 1.0 - v * v;
      });
      return;
    case BN_ACT_RELU:  // σ' = 1 where z > 0, else 0 (a multiplication, so NaNs still show; exact in float)
      // (Written so the compiler vectorizes it: `delta[i] *= …` became a branch per element.)
      for (int64_t i = 0; i < count; i++) {
        const float slope = z[i] > 0.0f ? 1.0f : 0.0f;
        delta[i] = delta[i] * slope;
      }
      return;
    case BN_ACT_LEAKY_RELU:  // σ' = 1 where z > 0, else the slope (at z = 0 too, as torch's)
      scale_by(delta, count, [z](int64_t i) { return z[i] > 0.0f ? 1.0 : BN_LEAKY_RELU_SLOPE; });
      return;
    case BN_ACT_ELU:  // σ' = 1 where z > 0, else α e^z (α at z = 0, as torch's); from z, not a + α
      scale_by(delta, count, [z](int64_t i) {
        return z[i] > 0.0f ? 1.0 : BN_ELU_ALPHA * std::exp(static_cast<double>(z[i]));
      });
      return;
    default:  // identity: σ' = 1
      return;
  }
}

bool block_ok(int64_t rows, int64_t ld, int64_t j0, int64_t j1) {
  return rows >= 0 && ld >= 0 && j0 >= 0 && j0 <= j1 && j1 <= ld && bn_block_fits(rows, ld);
}

}  // namespace

bn_status bn_bias_activate(float* z, float* a, const float* bias, int64_t rows, int64_t cols,
                           int act) {
  if (rows < 0 || cols < 0) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, cols)) return BN_ERR_OVERFLOW;
  if (act < 0 || act > BN_ACT_MAX) return BN_ERR_ACTIVATION;
  for (int64_t r = 0; r < rows; r++) {
    float* zr = z + r * cols;
    for (int64_t j = 0; j < cols; j++) zr[j] += bias[j];
  }
  if (act == BN_ACT_SOFTMAX) return bn_softmax(z, a, rows, cols);
  // Whole rows are one contiguous run: one call over all of it (batch-10 rows of 10 outputs
  // would otherwise be ten short calls).
  activate(z, a, rows * cols, act);
  return BN_OK;
}

bn_status bn_bias_activate_cols(float* z, float* a, const float* bias, int64_t rows, int64_t ld,
                                int64_t j0, int64_t j1, int act) {
  if (!block_ok(rows, ld, j0, j1)) return BN_ERR_SIZE;
  if (act < 0 || act > BN_ACT_MAX) return BN_ERR_ACTIVATION;
  if (j0 == 0 && j1 == ld) return bn_bias_activate(z, a, bias, rows, ld, act);
  if (act == BN_ACT_SOFTMAX) return BN_ERR_ACTIVATION;  // needs whole rows
  for (int64_t r = 0; r < rows; r++) {
    float* zr = z + r * ld;
    for (int64_t j = j0; j < j1; j++) zr[j] += bias[j];
    activate(zr + j0, a + r * ld + j0, j1 - j0, act);
  }
  return BN_OK;
}

bn_status bn_activation_backward(float* delta, const float* z, const float* a, int64_t rows,
                                 int64_t cols, int act) {
  if (rows < 0 || cols < 0) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, cols)) return BN_ERR_OVERFLOW;
  if (act < 0 || act > BN_ACT_MAX) return BN_ERR_ACTIVATION;
  if (act == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;
  if (act != BN_ACT_SOFTMAX) {
    scale_by_derivative(delta, z, a, rows * cols, act);
    return BN_OK;
  }
  // Softmax: the Jacobian-vector product δ_j ← a_j (δ_j − Σ_k δ_k a_k), per row.
  for (int64_t r = 0; r < rows; r++) {
    float* dr = delta + r * cols;
    const float* ar = a + r * cols;
    double dot = 0.0;
    for (int64_t j = 0; j < cols; j++) dot += static_cast<double>(dr[j]) * ar[j];
    for (int64_t j = 0; j < cols; j++) dr[j] = static_cast<float>(ar[j] * (dr[j] - dot));
  }
  return BN_OK;
}

bn_status bn_activation_backward_cols(float* delta, const float* z, const float* a, int64_t rows,
                                      int64_t ld, int64_t j0, int64_t j1, int act) {
  if (!block_ok(rows, ld, j0, j1)) return BN_ERR_SIZE;
  if (act < 0 || act > BN_ACT_MAX) return BN_ERR_ACTIVATION;
  if (j0 == 0 && j1 == ld) return bn_activation_backward(delta, z, a, rows, ld, act);
  if (act == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;
  if (act == BN_ACT_SOFTMAX) return BN_ERR_ACTIVATION;  // needs whole rows
  for (int64_t r = 0; r < rows; r++) {
    const int64_t o = r * ld + j0;
    scale_by_derivative(delta + o, z + o, a + o, j1 - j0, act);
  }
  return BN_OK;
}
