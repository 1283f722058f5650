// The built-in losses: their mean value over a batch and the output delta δ^L = ∂L/∂z^L.
// Values are computed from z where that is the stable form (log-softmax, softplus), so a
// saturated output never produces log(0); sums are accumulated in double.
#include <algorithm>
#include <cmath>

#include "blasnet_core.h"
#include "checked.h"

namespace {

// softplus(t) = log(1 + e^t), without overflow for large t and without cancellation for small.
inline double softplus(double t) {
  return std::max(t, 0.0) + std::log1p(std::exp(-std::fabs(t)));
}

bn_status check_codes(int loss, int act) {
  if (loss < 0 || loss > BN_LOSS_MAX) return BN_ERR_LOSS;
  if (act < 0 || act > BN_ACT_MAX) return BN_ERR_ACTIVATION;
  if (loss == BN_LOSS_CROSS_ENTROPY && act != BN_ACT_SOFTMAX) return BN_ERR_LOSS_ACTIVATION;
  if (loss == BN_LOSS_BINARY_CROSS_ENTROPY && act != BN_ACT_SIGMOID) return BN_ERR_LOSS_ACTIVATION;
  return BN_OK;
}

// Σ_n Σ_j (a − y)²
double quadratic_sum(const float* a, const float* y, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; i++) {
    const double d = static_cast<double>(a[i]) - y[i];
    sum += d * d;
  }
  return sum;
}

// Σ_n Σ_{j: y≠0} y_nj · logsoftmax(z_n)_j, with logsoftmax(z)_j = z_j − max − log Σ_k e^(z_k − max).
double log_likelihood_sum(const float* z, const float* y, int64_t rows, int64_t cols) {
  double sum = 0.0;
  for (int64_t r = 0; r < rows; r++) {
    const float* zr = z + r * cols;
    const float* yr = y + r * cols;
    double max = zr[0];
    for (int64_t j = 1; j < cols; j++) max = std::max(max, static_cast<double>(zr[j]));
    double exps = 0.0;
    for (int64_t j = 0; j < cols; j++) exps += std::exp(zr[j] - max);
    const double log_norm = max + std::log(exps);
    // Skipping y = 0 keeps 0 · (−inf) from turning the loss into NaN.
    for (int64_t j = 0; j < cols; j++) {
      if (yr[j] != 0.0f) sum += yr[j] * (zr[j] - log_norm);
    }
  }
  return sum;
}

// Σ_n Σ_j [y · softplus(−z) + (1 − y) · softplus(z)]  (= −y log σ(z) − (1 − y) log(1 − σ(z)))
double binary_cross_entropy_sum(const float* z, const float* y, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; i++) {
    const double t = z[i];
    const double target = y[i];
    sum += target * softplus(-t) + (1.0 - target) * softplus(t);
  }
  return sum;
}

// Σ_n Σ_j |a − y|
double absolute_sum(const float* a, const float* y, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; i++) sum += std::fabs(static_cast<double>(a[i]) - y[i]);
  return sum;
}

// Σ_n Σ_j h(a − y), h(d) = d²/2 for |d| < δ, else δ(|d| − δ/2)  (torch's HuberLoss)
double huber_sum(const float* a, const float* y, int64_t count) {
  constexpr double delta = BN_HUBER_DELTA;
  double sum = 0.0;
  for (int64_t i = 0; i < count; i++) {
    const double d = std::fabs(static_cast<double>(a[i]) - y[i]);
    sum += d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
  }
  return sum;
}

// ∂h/∂d: d clamped to [−δ, δ] (torch's: ±δ only beyond the kink, d itself at |d| = δ; NaN kept).
inline double huber_slope(double d) {
  return d < -BN_HUBER_DELTA ? -BN_HUBER_DELTA : d > BN_HUBER_DELTA ? BN_HUBER_DELTA : d;
}

// sign(d), 0 at d = 0 as torch's (and NaN kept, so a NaN output still shows).
inline double sign(double d) {
  return d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : d;
}

}  // namespace

bn_status bn_loss_value(int loss, int act, const float* z, const float* a, const float* y,
                        int64_t rows, int64_t cols, double* value) {
  if (rows < 1) return BN_ERR_SIZE;
  double sum = 0.0;
  const bn_status status = bn_loss_sum(loss, act, z, a, y, rows, cols, &sum);
  // (Halving is exact, so the quadratic's sum / 2 / N is the sum / (2N) rounded once.)
  if (status == BN_OK) *value = sum / static_cast<double>(rows);
  return status;
}

bn_status bn_loss_sum(int loss, int act, const float* z, const float* a, const float* y,
                      int64_t rows, int64_t cols, double* sum) {
  if (rows < 0 || cols < 1) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, cols)) return BN_ERR_OVERFLOW;
  const bn_status status = check_codes(loss, act);
  if (status != BN_OK) return status;
  switch (loss) {
    case BN_LOSS_QUADRATIC:
      *sum = quadratic_sum(a, y, rows * cols) / 2.0;
      break;
    case BN_LOSS_CROSS_ENTROPY:
      *sum = -log_likelihood_sum(z, y, rows, cols);
      break;
    case BN_LOSS_BINARY_CROSS_ENTROPY:
      *sum = binary_cross_entropy_sum(z, y, rows * cols);
      break;
    // The mean of these two is over every element, as torch's reduction='mean': divided by N here
    // (bn_loss_value) and by the outputs per example now.
    case BN_LOSS_MEAN_ABSOLUTE_ERROR:
      *sum = absolute_sum(a, y, rows * cols) / static_cast<double>(cols);
      break;
    case BN_LOSS_HUBER:
      *sum = huber_sum(a, y, rows * cols) / static_cast<double>(cols);
      break;
    default:
      return BN_ERR_LOSS;
  }
  return BN_OK;
}

bn_status bn_output_delta(int loss, int act, const float* z, const float* a, const float* y,
                          int64_t rows, int64_t cols, float* delta) {
  return bn_output_delta_part(loss, act, z, a, y, rows, cols, rows, delta);
}

bn_status bn_output_delta_part(int loss, int act, const float* z, const float* a, const float* y,
                               int64_t rows, int64_t cols, int64_t batch, float* delta) {
  if (rows < 0 || cols < 1 || batch < 1 || rows > batch) return BN_ERR_SIZE;
  if (!bn_block_fits(rows, cols)) return BN_ERR_OVERFLOW;
  const bn_status status = check_codes(loss, act);
  if (status != BN_OK) return status;
  if (act == BN_ACT_HEAVISIDE) return BN_ERR_NOT_DIFFERENTIABLE;  // before delta is written
  const double n = static_cast<double>(batch);
  const int64_t count = rows * cols;
  // Mean absolute error and Huber: ∂L/∂a = h'(a − y)/(N·nL), then times σ'.
  if (loss == BN_LOSS_MEAN_ABSOLUTE_ERROR || loss == BN_LOSS_HUBER) {
    const double elements = n * static_cast<double>(cols);
    const bool mae = loss == BN_LOSS_MEAN_ABSOLUTE_ERROR;
    for (int64_t i = 0; i < count; i++) {
      const double d = static_cast<double>(a[i]) - y[i];
      delta[i] = static_cast<float>((mae ? sign(d) : huber_slope(d)) / elements);
    }
    return bn_activation_backward(delta, z, a, rows, cols, act);
  }
  // Quadratic: ∂L/∂a = (a − y)/N. Cross-entropy with softmax and binary cross-entropy with
  // sigmoid: σ' cancels against the loss's derivative, so ∂L/∂z = (a − y)/N exactly (fused).
  for (int64_t i = 0; i < count; i++)
    delta[i] = static_cast<float>((static_cast<double>(a[i]) - y[i]) / n);
  if (loss == BN_LOSS_QUADRATIC) return bn_activation_backward(delta, z, a, rows, cols, act);
  return BN_OK;
}
