#!/usr/bin/env bash
# Configure, build and install the native library (called by Maven, usable alone).
#   native/build.sh BUILD_DIR INSTALL_DIR [CUDA=ON|AUTO|OFF]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?build dir}"; install="${2:?install dir}"; cuda="${3:-AUTO}"
jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLCL_CUDA="$cuda" \
      -DCMAKE_INSTALL_PREFIX="$install" ${LCL_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" --parallel "$jobs"
cmake --install "$build" >/dev/null
