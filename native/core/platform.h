// What this build has of its own: the kernels (kernel_table.h) and the thread pool (pool.h) exist
// on x86-64 with GCC or Clang; elsewhere (arm64, MSVC) BLAS does every product on its own threads.
#ifndef BLASNET_PLATFORM_H
#define BLASNET_PLATFORM_H

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define BN_KERNELS 1
#else
#define BN_KERNELS 0
#endif

#endif  // BLASNET_PLATFORM_H
