// Checked size arithmetic: every product and sum of sizes, counts and offsets in native/ goes
// through these, so a size that does not fit int64 is reported (BN_ERR_OVERFLOW) instead of
// wrapping to a small or negative number that would then pass a length check and send a loop far
// past a buffer. Sizes are never negative, so a negative operand is refused too.
#ifndef BLASNET_CORE_CHECKED_H
#define BLASNET_CORE_CHECKED_H

#include <cstdint>

#include "blasnet_core.h"

// *out = a · b for sizes a, b >= 0; BN_ERR_OVERFLOW (and *out untouched) when an operand is
// negative or the product does not fit int64.
inline bn_status bn_checked_mul(int64_t a, int64_t b, int64_t* out) {
  if (a < 0 || b < 0) return BN_ERR_OVERFLOW;
  int64_t result = 0;
#if defined(__GNUC__) || defined(__clang__)
  if (__builtin_mul_overflow(a, b, &result)) return BN_ERR_OVERFLOW;
#else
  // (MSVC has no overflow builtins; with a, b >= 0 this division test is exact.)
  if (b != 0 && a > INT64_MAX / b) return BN_ERR_OVERFLOW;
  result = a * b;
#endif
  *out = result;
  return BN_OK;
}

// *out = a + b for sizes a, b >= 0; BN_ERR_OVERFLOW (and *out untouched) likewise.
inline bn_status bn_checked_add(int64_t a, int64_t b, int64_t* out) {
  if (a < 0 || b < 0 || a > INT64_MAX - b) return BN_ERR_OVERFLOW;
  *out = a + b;
  return BN_OK;
}

// Whether a [rows, cols] block's element count fits int64 (rows, cols >= 0): the bound every
// loop over r · cols + j relies on.
inline bool bn_block_fits(int64_t rows, int64_t cols) {
  int64_t count = 0;
  return bn_checked_mul(rows, cols, &count) == BN_OK;
}

#endif  // BLASNET_CORE_CHECKED_H
