# blasnet's native addon, built by node-gyp (scripts/check-gyp.js builds it in a scratch copy).
# CMakeLists.txt builds the same sources with cmake-js, the default; test/01-build-sync.test.ts
# keeps the two source lists identical.
{
  "variables": {
    # The addon reports the package version; the loader refuses a binary of another version.
    "blasnet_version": "<!(node -p \"require('./package.json').version\")"
  },
  "targets": [
    {
      "target_name": "blasnet",
      "sources": [
        "native/core/status.cc",
        "native/core/layout.cc",
        "native/core/gemm.cc",
        "native/core/kernel.cc",
        "native/core/kernels_avx2.cc",
        "native/core/kernels_avx512.cc",
        "native/core/pool.cc",
        "native/core/softmax.cc",
        "native/core/activation.cc",
        "native/core/column_sums.cc",
        "native/core/gather.cc",
        "native/core/loss.cc",
        "native/core/network.cc",
        "native/core/optimizer.cc",
        "native/core/update.cc",
        "native/core/dropout.cc",
        "native/core/train.cc",
        "native/core/train_batches.cc",
        "native/core/train_plan.cc",
        "native/core/train_phases.cc",
        "native/core/train_update.cc",
        "native/core/bench.cc",
        "native/binding/errors.cc",
        "native/binding/args.cc",
        "native/binding/dropout_arg.cc",
        "native/binding/kernel_calls.cc",
        "native/binding/network_calls.cc",
        "native/binding/info_calls.cc",
        "native/binding/bench_calls.cc",
        "native/binding/addon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "BLASNET_VERSION=\"<(blasnet_version)\""
      ],
      # OpenBLAS's headers and library, as pkg-config reports them (Debian: libopenblas-dev).
      "cflags": [
        "<!@(pkg-config --cflags-only-I openblas)"
      ],
      "libraries": [
        "<!@(pkg-config --libs openblas)"
      ],
      # Exceptions on, as in CMakeLists.txt: argument errors are C++ exceptions that every entry
      # point's catch-all turns into JS errors.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CFLAGS": ["<!@(pkg-config --cflags-only-I openblas)"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] }
      }
    }
  ]
}
