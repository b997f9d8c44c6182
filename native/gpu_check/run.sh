#!/usr/bin/env bash
# GPU check of the CUDA kernels, one run on a machine with a GPU, nvcc, CMake,
# a C compiler and PyTorch (no Java, no network needed):
#   1. builds native/ with CUDA for sm_90 only (native/build.sh, LCL_CUDA=ON),
#   2. proves check.py's ctypes structs match lcl/kernels.h (layout.c),
#   3. checks every CUDA kernel against the CPU kernels and a float64 torch
#      reference on random odd-sized inputs, and times attention against
#      torch SDPA (check.py).
# Writes the report to $OUT/gpu_check.txt when $OUT is set; exits non-zero when
# anything fails. Usage: native/gpu_check/run.sh [--quick] [--no-timing]
# Environment: LCL_GPU_ARCHS (default 90), LCL_GPU_BUILD (default /tmp/lcl4j-gpu-check).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
native="$(dirname "$here")"
work="${LCL_GPU_BUILD:-/tmp/lcl4j-gpu-check}"
mkdir -p "$work"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*"; }

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

log "building native/ with CUDA (archs ${LCL_GPU_ARCHS:-90})"
start=$(date +%s)
LCL_CMAKE_ARGS="-DLCL_CUDA_ARCHS=${LCL_GPU_ARCHS:-90} -DLCL_BUILD_TESTS=OFF ${LCL_CMAKE_ARGS:-}" \
  bash "$native/build.sh" "$work/build" "$work/install" ON
log "build took $(( $(date +%s) - start )) s"

cc="$(command -v cc || command -v gcc || command -v g++)"
"$cc" -I "$native/include" "$here/layout.c" -o "$work/layout"
layout="$("$work/layout")"

out_args=()
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; out_args=(--out "$OUT/gpu_check.txt"); fi
log "running check.py"
set +e
python3 "$here/check.py" --lib "$work/install/lib" --layout "$layout" "${out_args[@]}" "$@"
status=$?
set -e
log "done, exit status $status"
exit $status
