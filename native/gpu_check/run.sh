#!/usr/bin/env bash
# GPU check of the CUDA kernels, one run on a machine with a GPU, nvcc, CMake,
# a C compiler and PyTorch (no Java, no network needed):
#   1. uses a prebuilt install dir (--install DIR, e.g. built elsewhere for
#      sm_90 and carried along) when its libraries load here; otherwise builds
#      native/ with CUDA for sm_90 only (native/build.sh, LCL_CUDA=ON),
#   2. proves check.py's ctypes structs match lcl/kernels.h (layout.c),
#   3. checks every CUDA kernel (attention, InfoNCE, LM head) against the CPU
#      kernels and a float64 torch reference on random odd-sized inputs,
#      measures the LM head's peak memory against torch, times the LM head
#      and attention against torch, and prints a summary last (check.py).
# Writes the report to $OUT/gpu_check.txt when $OUT is set; exits non-zero when
# anything fails.
# Usage: native/gpu_check/run.sh [--install DIR] [--quick] [--no-timing]
# Environment: LCL_GPU_ARCHS (default 90), LCL_GPU_BUILD (default /tmp/lcl4j-gpu-check).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
native="$(dirname "$here")"
work="${LCL_GPU_BUILD:-/tmp/lcl4j-gpu-check}"
mkdir -p "$work"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*"; }

install=""
if [ "${1:-}" = "--install" ]; then
  install="$(cd "${2:?--install needs a directory}" && pwd)"
  shift 2
fi

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

lib=""
if [ -n "$install" ]; then
  # A library built on another machine may need system libraries this one lacks:
  # load both before trusting them, and build here when they do not load.
  if python3 -c 'import ctypes, sys
ctypes.CDLL(sys.argv[1] + "/liblcl4j_cpu.so", mode=ctypes.RTLD_GLOBAL)
ctypes.CDLL(sys.argv[1] + "/liblcl4j_cuda.so")' "$install/lib"; then
    lib="$install/lib"
    log "using the prebuilt libraries in $lib"
  else
    log "the prebuilt libraries in $install/lib do not load here: building instead"
  fi
fi
if [ -z "$lib" ]; then
  log "building native/ with CUDA (archs ${LCL_GPU_ARCHS:-90})"
  start=$(date +%s)
  LCL_CMAKE_ARGS="-DLCL_CUDA_ARCHS=${LCL_GPU_ARCHS:-90} -DLCL_BUILD_TESTS=OFF ${LCL_CMAKE_ARGS:-}" \
    bash "$native/build.sh" "$work/build" "$work/install" ON
  log "build took $(( $(date +%s) - start )) s"
  lib="$work/install/lib"
fi

cc="$(command -v cc || command -v gcc || command -v g++)"
"$cc" -I "$native/include" "$here/layout.c" -o "$work/layout"
layout="$("$work/layout")"

out_args=()
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; out_args=(--out "$OUT/gpu_check.txt"); fi
log "running check.py"
set +e
python3 "$here/check.py" --lib "$lib" --layout "$layout" "${out_args[@]}" "$@"
status=$?
set -e
log "done, exit status $status"
exit $status
