# cmake/aarch64-linux-gnu.cmake — cross-compiling the static abiprobe for arm64 Linux with
# Debian's gcc-aarch64-linux-gnu and the multiarch :arm64 development packages (libelf-dev,
# zlib1g-dev), whose archives live in /usr/lib/aarch64-linux-gnu. Used by scripts/package.sh.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkg-config must describe the arm64 libelf, never the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
