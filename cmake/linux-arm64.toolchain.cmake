# Cross-compiling the linux-arm64 addon on a Debian/Ubuntu x86-64 machine (scripts/prebuild.js
# --arch arm64 passes this file). Needs Debian's multiarch arm64 OpenBLAS and the cross compiler:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install -y g++-aarch64-linux-gnu libopenblas-dev:arm64
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP aarch64-linux-gnu-strip)

# The cross compiler's own sysroot, and Debian's multiarch directories where libopenblas-dev:arm64
# puts libopenblas.a and cblas.h. Programs (pkg-config, node) are the build machine's.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must see only the arm64 .pc files, or it would hand back x86-64's OpenBLAS.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
