// Decoding the int32 network spec into offsets: the same checks as lib/backend/spec.ts, so both
// backends accept and reject the same specs and agree on where every block lives.
#include "blasnet_core.h"
#include "checked.h"

namespace {

bn_status fail(bn_status status, size_t index, size_t* bad_index) {
  if (bad_index != nullptr) *bad_index = index;
  return status;
}

}  // namespace

bn_status bn_layout_decode(const int32_t* spec, size_t length, bn_layout* out, size_t* bad_index) {
  if (spec == nullptr || length == 0) return fail(BN_ERR_SPEC_LENGTH, 0, bad_index);
  // Read each entry once: the spec may sit in shared memory, and everything after this point
  // uses the private copy in *out.
  const int32_t L = spec[0];
  if (L < 1 || length != 2 + 2 * static_cast<size_t>(L))
    return fail(BN_ERR_SPEC_LENGTH, 0, bad_index);
  if (L > BN_MAX_LAYERS) return fail(BN_ERR_SPEC_TOO_DEEP, 0, bad_index);
  out->L = L;
  for (int l = 0; l <= L; l++) {
    const int32_t n = spec[1 + l];
    if (n < 1) return fail(BN_ERR_SPEC_SIZE, 1 + l, bad_index);
    out->sizes[l] = n;
  }
  for (int l = 0; l < L; l++) {
    const size_t index = 2 + static_cast<size_t>(L) + l;
    const int32_t code = spec[index];
    if (code < 0 || code > BN_ACT_MAX) return fail(BN_ERR_SPEC_ACTIVATION, index, bad_index);
    if (code == BN_ACT_SOFTMAX && l != L - 1)
      return fail(BN_ERR_SPEC_SOFTMAX_HIDDEN, index, bad_index);
    out->acts[l] = code;
  }
  // Sizes are < 2^31, but n_l · n(l-1) is up to 2^62 and L such blocks overflow int64: every sum
  // is checked, and a spec whose parameter count does not fit is refused (bad_index: the first
  // layer size whose block overflowed).
  int64_t offset = 0;
  int64_t units = 0;
  for (int l = 1; l <= L; l++) {
    out->w_offset[l - 1] = offset;
    int64_t weights = 0;
    if (bn_checked_mul(out->sizes[l], out->sizes[l - 1], &weights) != BN_OK ||
        bn_checked_add(offset, weights, &offset) != BN_OK)
      return fail(BN_ERR_OVERFLOW, 1 + l, bad_index);
    out->b_offset[l - 1] = offset;
    if (bn_checked_add(offset, out->sizes[l], &offset) != BN_OK)
      return fail(BN_ERR_OVERFLOW, 1 + l, bad_index);
    out->units_before[l - 1] = units;
    units += out->sizes[l];  // at most 256 · (2^31 − 1): fits
  }
  out->param_count = offset;
  out->units_per_example = units;
  return BN_OK;
}

bn_status bn_layout_check_batch(const bn_layout& layout, int64_t batch) {
  if (batch < 0 || batch > 0x7fffffff) return BN_ERR_SIZE;
  // The largest block offsets of a call: batch · (n1 + ... + nL) for z, a and delta, and
  // batch · n0 for x; every other block is smaller.
  int64_t count = 0;
  if (bn_checked_mul(batch, layout.units_per_example, &count) != BN_OK ||
      bn_checked_mul(batch, layout.sizes[0], &count) != BN_OK)
    return BN_ERR_OVERFLOW;
  return BN_OK;
}
