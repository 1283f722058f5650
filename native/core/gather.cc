// Gathering a shuffled mini-batch straight from the dataset: one memmove per row, no JS loop.
#include <cstring>

#include "blasnet_core.h"
#include "checked.h"
#include "tuning.h"

namespace {

// Rows ahead whose cache lines are requested before they are copied (measured: bn_tuning).
constexpr int64_t kAhead = bn_tuning::kGatherAhead;

// The cache lines of row indices[i + kAhead] of src (rows of row_bytes), if there is one and it
// is a row of src (a bad index is reported when its turn comes, never read). The index is read
// once here too: the indices may sit in shared memory that another thread rewrites.
inline void prefetch_ahead(const void* src, int64_t src_rows, size_t row_bytes,
                           const uint32_t* indices, int64_t i, int64_t count) {
#if defined(__GNUC__) || defined(__clang__)
  if (i + kAhead >= count) return;
  const int64_t row = indices[i + kAhead];
  if (row >= src_rows) return;
  const char* p = static_cast<const char*>(src) + static_cast<size_t>(row) * row_bytes;
  for (size_t offset = 0; offset < row_bytes; offset += 64) __builtin_prefetch(p + offset, 0, 0);
#else
  (void)src;
  (void)src_rows;
  (void)row_bytes;
  (void)indices;
  (void)i;
  (void)count;
#endif
}

}  // namespace

void bn_prefetch_rows(const void* src, int64_t src_rows, int64_t row_bytes, const uint32_t* indices,
                      int64_t count) {
#if defined(__GNUC__) || defined(__clang__)
  for (int64_t i = 0; i < count; i++) {
    const int64_t row = indices[i];
    if (row >= src_rows) continue;  // never read; the gather reports it
    const char* p = static_cast<const char*>(src) + row * row_bytes;
    for (int64_t offset = 0; offset < row_bytes; offset += 64) __builtin_prefetch(p + offset, 0, 2);
  }
#else
  (void)src;
  (void)src_rows;
  (void)row_bytes;
  (void)indices;
  (void)count;
#endif
}

bn_status bn_gather_rows(const float* src, int64_t src_rows, int64_t cols, const uint32_t* indices,
                         int64_t count, float* dst) {
  if (src_rows < 0 || cols < 0 || count < 0) return BN_ERR_SIZE;
  // src [src_rows, cols] and dst [count, cols] floats: their element (and byte) counts must fit.
  int64_t bytes = 0;
  if (bn_checked_mul(src_rows, cols, &bytes) != BN_OK ||
      bn_checked_mul(bytes, sizeof(float), &bytes) != BN_OK ||
      bn_checked_mul(count, cols, &bytes) != BN_OK ||
      bn_checked_mul(bytes, sizeof(float), &bytes) != BN_OK)
    return BN_ERR_OVERFLOW;
  const size_t row_bytes = static_cast<size_t>(cols) * sizeof(float);
  for (int64_t i = 0; i < count; i++) {
    // Each index is read once, checked and used: even if the indices sit in shared memory that
    // another thread rewrites, no row past the end of src is ever read. (The binding has checked
    // every index before the call, so a failure here stops a racing caller half-way.)
    const int64_t row = indices[i];
    if (row >= src_rows) return BN_ERR_INDEX;
    prefetch_ahead(src, src_rows, row_bytes, indices, i, count);
    // memmove: a caller may gather within one buffer; overlap must not be undefined behavior.
    if (row_bytes > 0) std::memmove(dst + i * cols, src + row * cols, row_bytes);
  }
  return BN_OK;
}

bn_status bn_gather_rows_u8(const uint8_t* src, int64_t src_rows, int64_t cols,
                            const uint32_t* indices, int64_t count, float scale, float offset,
                            float* dst) {
  if (src_rows < 0 || cols < 0 || count < 0) return BN_ERR_SIZE;
  // src [src_rows, cols] bytes and dst [count, cols] floats.
  int64_t bytes = 0;
  if (bn_checked_mul(src_rows, cols, &bytes) != BN_OK ||
      bn_checked_mul(count, cols, &bytes) != BN_OK ||
      bn_checked_mul(bytes, sizeof(float), &bytes) != BN_OK)
    return BN_ERR_OVERFLOW;
  for (int64_t i = 0; i < count; i++) {
    const int64_t row = indices[i];  // read once, checked, used (see bn_gather_rows)
    if (row >= src_rows) return BN_ERR_INDEX;
    prefetch_ahead(src, src_rows, static_cast<size_t>(cols), indices, i, count);
    const uint8_t* from = src + row * cols;
    float* to = dst + i * cols;
    // The vectorized kernel where the CPU has one, else a plain loop the compiler vectorizes for
    // SSE2 (bytes widened to int32, converted, multiplied, added: the same two roundings).
    if (bn_kernel_bytes_to_floats(from, to, cols, scale, offset)) continue;
    for (int64_t j = 0; j < cols; j++) to[j] = static_cast<float>(from[j]) * scale + offset;
  }
  return BN_OK;
}
