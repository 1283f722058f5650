// The own kernels of one instruction set behind one table (bn_kernel_table): each instruction
// set's file (kernels_avx2.cc, kernels_avx512.cc) compiles kernel_isa.inc for its target and fills
// in a table; kernel.cc chooses one table when the addon loads (the CPU's best, or what
// BLASNET_KERNELS asks for) and sends every kernel call through it. The shipped binary is built
// for baseline x86-64 (never -march=native), so it runs on any x86-64 CPU: only the functions of
// the chosen table use the wider instructions.
#ifndef BLASNET_KERNEL_TABLE_H
#define BLASNET_KERNEL_TABLE_H

#include <cstdint>

#include "blasnet_core.h"
#include "platform.h"

// One product for the kernels: C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, with
// op(A)(i, p) at a[i·a_si + p·a_sp] and, for the broadcast kernel, B[p, j] at b[p·ldb + j]; for
// the dot kernel (op(B) = Bᵀ) B's row j at b + j·ldb and A's row i at a + i·a_si. With p set
// (broadcast kernel only): the momentum epilogue p ← p + f·C_new, p laid out as C; with coef set
// too, the adaptive epilogue instead (bn_adaptive_fused: C_new is the gradient, stepping p and the
// state s0, s1, laid out as C, and C is not written but for the partial sums of a k > KC_B).
struct bn_kernel_gemm {
  int64_t m, n, k;
  float alpha, beta;
  const float* a;
  int64_t a_si, a_sp;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  float* p;
  float f;
  // The fused ReLU work (see bn_relu_fused): the forward's bias (by column) and relu (laid out as
  // C), either kernel; BP2's mask (laid out as C), the broadcast kernel. Null when not fused.
  const float* bias;
  float* relu;
  const float* mask;
  float slope = 0.0f;   // leaky ReLU's (0: ReLU)
  float* s0 = nullptr;  // the adaptive epilogue's state (Adam: m; RMSprop: v) and Adam's v
  float* s1 = nullptr;
  const bn_step_coef* coef = nullptr;
  float l2 = 0.0f;
  // How far apart B's (b_vs) and C's (c_vs) consecutive vectors of a row are, in floats: the
  // vector's lanes where rows are contiguous; rows · lanes where the matrix is kept in column blocks
  // one vector wide (BN_PANELS_B, BN_PANELS_C; ldb or ldc is then the lanes).
  int64_t b_vs = 0;
  int64_t c_vs = 0;
};

// The optimizer step of one tile of the broadcast kernel (EPI), its pointers at the tile's first
// element, laid out as C: momentum p ← p + f·C; Adam/AdamW/RMSprop on p, s0, s1 with coef and l2.
struct bn_tile_step {
  float* p;
  float f;
  float* s0;
  float* s1;
  const bn_step_coef* coef;
  float l2;

  bn_tile_step at(int64_t i, int64_t j, int64_t ldc) const { return at(i * ldc + j); }
  bn_tile_step at(int64_t o) const {
    return {p != nullptr ? p + o : nullptr,   f,    s0 != nullptr ? s0 + o : nullptr,
            s1 != nullptr ? s1 + o : nullptr, coef, l2};
  }
};

// The fused ReLU work of one tile (bn_relu_fused), its pointers at the tile's first row and column:
// mask and relu laid out as C, bias by column. Null: not fused. slope: 0 for ReLU, else leaky's.
struct bn_tile_relu {
  const float* mask;
  const float* bias;
  float* relu;
  float slope;

  bool any() const { return mask != nullptr || bias != nullptr; }
  bn_tile_relu at(int64_t i, int64_t j, int64_t ldc) const { return at(i * ldc + j, j); }
  // o: the offset of the tile's first element (laid out as C), j: its column (the bias's).
  bn_tile_relu at(int64_t o, int64_t j) const {
    return {mask != nullptr ? mask + o : nullptr, bias != nullptr ? bias + j : nullptr,
            relu != nullptr ? relu + o : nullptr, slope};
  }
};

// One instruction set's kernels. A table without kernels (BN_ISA_NONE) has null entry points: BLAS
// and the scalar code do everything then.
struct bn_kernel_table {
  bn_isa isa;
  const char* name;  // as backend().kernels reports it: "avx512", "avx2", "none"
  // Rows [0, g.m) × columns [j0, j1) of the product g on the calling thread: the broadcast kernel
  // (op(B) = B; the optimizer epilogues and both fused ReLU passes) and the dot kernel (op(B) = Bᵀ;
  // the fused forward ReLU). bn_kernel_sgemm, _step, _block and _relu_block all run on these.
  void (*gemm_bcast)(const bn_kernel_gemm& g, int64_t j0, int64_t j1);
  void (*gemm_dot)(const bn_kernel_gemm& g, int64_t j0, int64_t j1);
  void (*sigmoid)(const float* z, float* a, int64_t count);  // bn_kernel_sigmoid
  void (*bytes_to_floats)(const uint8_t* src, float* dst, int64_t count, float scale,
                          float offset);  // bn_kernel_bytes_to_floats
  // The register tiles (kernel_isa.inc): floats per vector; the broadcast kernel's rows × vectors;
  // the dot kernel's rows of A × rows of B.
  int lanes;
  int bcast_rows, bcast_vectors;
  int dot_rows, dot_cols;
};

#if BN_KERNELS
extern const bn_kernel_table bn_kernels_avx2;    // kernels_avx2.cc: AVX2 + FMA
extern const bn_kernel_table bn_kernels_avx512;  // kernels_avx512.cc: AVX-512F
#endif

#endif  // BLASNET_KERNEL_TABLE_H
