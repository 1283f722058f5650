// Every tuning threshold of the native core, each with the measurement that set it. The use sites
// name these constants and point here; changing one changes which path or split a product takes,
// never the arithmetic of a path, except where a comment says it fixes the bits (the BLAS blocks).
// Unless noted, measured on the 2-core development machine (an AMD EPYC, Zen 5, shared with other
// work) against OpenBLAS 0.3.21 (Haswell kernels).
//
// Not here: the kernels' register tiles and k-pass (MR_B, NV_B, MR_D, NR_D, KC_B), which are set
// by each instruction set's register count and live with the kernels (kernels_avx2.cc,
// kernels_avx512.cc, kernel_isa.inc); BN_SPLIT_ALIGN (blasnet_core.h), a vector width rather
// than a threshold; and the fixed chunk sizes of column_sums.cc, dropout.cc and
// train_batches.cc, which size stack buffers and cache blocks and were not tuned.
#ifndef BLASNET_TUNING_H
#define BLASNET_TUNING_H

#include <cstdint>

namespace bn_tuning {

// ---- which products the own kernels take (gemm.cc, kernel_takes) -------------------------------
//
// Measured with bench/kernels.ts and the kernel harness, GFLOP/s best of 5, one thread unless
// noted:
//   AVX-512 kernels vs BLAS: every MLP shape of bench/kernels.ts (batch 10/32/128 × 784 ×
//     30/100/800, all three GEMMs) 1.4x–4x faster (e.g. 128×800×784 forward 120 vs 84, weight
//     gradient 168 vs 83, δ·w 151 vs 81; 10×30×784 forward 116 vs 29); squares 256–1024: NN and
//     TN 1.7x–2.1x, NT 1.07x–1.2x. With BLAS on 2 threads NT lost above ~2^28 multiply-adds
//     (512×2000×784: 65 vs 73), but the kernels still take it: one path for every thread count
//     (a choice by thread count would change the bits). So AVX-512 has no limit.
//   AVX2 kernels vs BLAS: faster up to ~2^22 multiply-adds (batch 10 and 32 shapes 1.1x–2.6x),
//     slower above (256³: NT 0.61x, TN 0.86x; 128×800×784 NT 0.75x), so only small ones:
constexpr double kAvx2MaxMacs = 4194304.0;  // 2^22 multiply-adds

// ---- splitting one product over threads (pool.cc, bn_split_parts) -----------------------------
//
// Multiply-adds per thread below which a product is not split (a product of fewer than twice
// this runs on one thread). Measured:
//   bench/threads.ts (products in a tight loop, 1 vs 2 threads): 80M multiply-adds (128×800×784)
//     NT 2.02x, TN 1.92x, NN 1.85x; 10M (128×100×784) 1.7x–1.9x; 2.5M (32×100×784) 1.5x–1.7x in
//     one run, 0.7x–0.9x in another; below 1M no better or much worse (30×784×10: 0.2x–0.5x).
//   Training (bench/train.ts, medians of 3 runs): W2, whose products are 2.5M, 0.170 s/epoch on
//     one thread against 0.195 s split at 1M; W3 (80M) 0.68–0.91 s on two against 1.14–1.30 s.
// Hence 2M: W1 and W2 stay on one thread, W3's large products use both cores.
// BLASNET_MIN_MACS_PER_THREAD overrides it (for these measurements).
constexpr double kSplitMacsPerThread = static_cast<double>(1 << 21);

// ---- a training call on a team (pool.cc, bn_team_parts) ----------------------------------------
//
// Multiply-adds per thread of a training step's largest product below which the step does not
// run on a team. A team pays for its barriers, the batch gathered by every part and the output
// layer computed by every part, so it needs more work than one product's split. Measured
// (bn_train_batches, whole epochs of one thread and two alternated in one process, [784, h, 10]
// sigmoid + softmax, two threads over one): 5M (h 100, batch 64) 1.31x slower, 7.5M (h 300
// batch 32; h 150 batch 64) 1.17x and 1.28x slower, 10M (h 200 batch 64; h 400 batch 32) 0.98x
// and 0.92x, 20M (h 400 batch 64; h 800 batch 32) 0.77x and 0.79x, 30M 0.74x. Hence 5M per
// thread: a team of two from 10M. BLASNET_MIN_TEAM_MACS_PER_THREAD overrides it.
constexpr double kTeamMacsPerThread = 5e6;

// Every part of a team computes the whole output layer itself (train_plan.cc)
// where its product is at most 1/kOutputEverywhereRatio of the largest product of a step (W3:
// 8,000 weights against 627,200): doing it once per part then costs less than the parts waiting
// for each other's rows of δ^L. No sweep of the ratio is recorded.
constexpr double kOutputEverywhereRatio = 32.0;

// w^1 is kept transposed for a training call (train_plan.cc, bn_plan_first_transposed) where the AVX-512
// kernels take the products and a batch's first-layer product has at least this many
// multiply-adds. a · wᵀ with wᵀ's rows contiguous runs on the broadcast kernel, measured at
// 128 × 400 × 784 (a part of W3's forward) 195 GFLOP/s on one core against 126–154 for the dot
// kernel on w as it is; whole epochs on one thread, 5M ([784, 100, 10] batch 64; [784, 200, 10]
// batch 32): 0.97x and 0.93x of the time untransposed. Independent of the threads, so that one
// thread or several give the same bits.
constexpr double kFirstTransposedMacs = 4194304.0;  // 2^22

// How a team's shares move toward the parts' measured speeds between steps (pool.h, bn_shares):
// halfway each step, and never below a quarter of an even share, so that a stall of one step
// cannot hand all the work to the other part. What they answer: on W3 the parts' busy times
// differed by up to 40%, in either direction from run to run. No sweep of them is recorded.
constexpr double kShareStep = 0.5;
constexpr double kShareFloor = 0.25;

// ---- BLAS products cut into blocks (gemm.cc, blas_blocks) --------------------------------------
//
// A BLAS product is cut into blocks of C by its shape alone (so that every thread count makes the
// same cblas_sgemm calls: changing these changes the BLAS path's bits). Blocks of at least the
// kernels' threshold for a second thread (kSplitMacsPerThread: the size from which splitting
// pays) and at least kBlasBlockMinExtent rows or columns, at most kBlasMaxBlocks. Measured on one
// thread as CPU time (the machine at a load average near 20): the three training products at
// 128×800×784 took a median of 5.3–5.7 ms per round whole and 5.6–5.8 ms cut, on the AVX2 path;
// 5.4–5.5 ms both ways on the BLAS path (3 runs of 31 rounds each).
constexpr double kBlasBlockMacs = kSplitMacsPerThread;
constexpr int64_t kBlasBlockMinExtent = 64;
constexpr int kBlasMaxBlocks = 8;

// ---- the pool's workers (pool.cc) --------------------------------------------------------------
//
// How long a worker spins for the next task before it sleeps on a condition variable (~0.2 ms):
// the next product of a training step is that close. No sweep of it is recorded.
constexpr int kPoolSpinMicros = 200;

// ---- gathering a shuffled batch (gather.cc) ----------------------------------------------------
//
// Rows ahead whose cache lines are requested before they are copied. A shuffled batch reads rows
// scattered over the whole dataset (47 MB for 60,000 digits), each a few cache lines that the
// hardware prefetcher cannot guess, so without this every row waits for memory in turn.
// Measured (an epoch of batch-128 gathers of 784 bytes from 60,000 rows, caches flushed, best of
// 5, noisy): none 13.5–19.9 ms, 1–2 rows ahead 7.3–10.1, 4 ahead 6.8–8.5, 6–16 ahead 9–11.
constexpr int64_t kGatherAhead = 4;

}  // namespace bn_tuning

#endif  // BLASNET_TUNING_H
