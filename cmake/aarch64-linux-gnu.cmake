# cmake/aarch64-linux-gnu.cmake — cross-compiling the static abiprobe for arm64 Linux with
# Debian's gcc-aarch64-linux-gnu. The arm64 archives of libelf and zlib come from Debian's
# :arm64 development packages, unpacked (not installed) into the directory that the
# environment variable ABIPROBE_ARM64_ROOT names (scripts/package.sh sets it).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(arm64_root "$ENV{ABIPROBE_ARM64_ROOT}")
if(NOT arm64_root OR NOT EXISTS "${arm64_root}/usr/lib/aarch64-linux-gnu/libelf.a")
  message(FATAL_ERROR "ABIPROBE_ARM64_ROOT must name the unpacked libelf-dev:arm64 and zlib1g-dev:arm64 "
                      "(scripts/package.sh makes it)")
endif()
# Libraries only from there, never the build machine's; headers there first.
set(CMAKE_FIND_ROOT_PATH "${arm64_root}")
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} "${arm64_root}/usr/lib/aarch64-linux-gnu/pkgconfig:${arm64_root}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${arm64_root}")
set(ENV{PKG_CONFIG_PATH} "")
