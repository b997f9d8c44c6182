#!/usr/bin/env bash
# Runs the real source of the CUDA SIMT kernels (fp32 attention, InfoNCE) on
# the CPU through a thread-per-CUDA-thread emulation, to test them where no GPU
# exists. Test-only; needs g++ >= 11 (C++20 std::barrier). A few minutes.
#   run_emu.sh                  build and run emu_test.cpp
#   run_emu.sh --lib DIR CPULIB build DIR/liblcl4j_cuda.so (emulated, linked to the
#                               real liblcl4j_cpu.so CPULIB) for a dry run of
#                               check.py: LCL_CHECK_DEVICE=cpu check.py --lib DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
native="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/cuda" "$work/src/common"
cp "$native"/src/common/* "$work/src/common/"
for f in "$native"/src/cuda/*.cuh "$native"/src/cuda/*.h; do cp "$f" "$work/src/cuda/"; done
srcs=()
for f in attn_api attn_fp32 attn_bwd_pre infonce reduce lm_head_api lm_head_simt device; do
  python3 "$here/rewrite.py" "$native/src/cuda/$f.cu" "$work/src/cuda/$f.cpp"
  srcs+=("$work/src/cuda/$f.cpp")
done
srcs+=("$native/src/cuda/variants.cpp")  # host code as it is
flags=(-std=c++20 -O2 -pthread -Wall -Wno-unknown-pragmas -Wno-unused-parameter -include cuda_runtime.h
       -I "$here" -I "$native/include" -I "$work/src")
if [ "${1:-}" = "--lib" ]; then
  out="$2"; cpulib="$(readlink -f "$3")"
  mkdir -p "$out"
  ln -sf "$cpulib" "$out/liblcl4j_cpu.so"
  g++ "${flags[@]}" -shared -fPIC "${srcs[@]}" "$here/tc_stub.cpp" "$out/liblcl4j_cpu.so" \
    -Wl,-rpath,"$out" -o "$out/liblcl4j_cuda.so"
  echo "built $out/liblcl4j_cuda.so (host emulation)"
  exit 0
fi
g++ -std=c++20 -O2 -pthread -Wall -Wno-unknown-pragmas -Wno-unused-parameter \
  -include cuda_runtime.h -I "$here" -I "$native/include" -I "$work/src" \
  "${srcs[@]}" "$here/tc_stub.cpp" "$work"/src/common/*.cpp "$here/emu_test.cpp" -o "$work/emu_test"
"$work/emu_test"
