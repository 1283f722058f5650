// Decoding the int32 network spec into offsets: the same checks as lib/backend/spec.ts, so both
// backends accept and reject the same specs and agree on where every block lives.
#include "blasnet_core.h"

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
  // Sizes are < 2^31 and L <= 256, so these int64 sums cannot overflow.
  int64_t offset = 0;
  int64_t units = 0;
  for (int l = 1; l <= L; l++) {
    out->w_offset[l - 1] = offset;
    offset += out->sizes[l] * out->sizes[l - 1];
    out->b_offset[l - 1] = offset;
    offset += out->sizes[l];
    out->units_before[l - 1] = units;
    units += out->sizes[l];
  }
  out->param_count = offset;
  out->units_per_example = units;
  return BN_OK;
}
