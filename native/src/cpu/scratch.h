// Per-thread scratch memory for kernel tiles. The pool's threads live for the
// process, so each keeps one growing buffer and tiles never hit the allocator
// in steady state.
#ifndef LCL_CPU_SCRATCH_H
#define LCL_CPU_SCRATCH_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lcl::cpu {

// At least n floats, 64-byte aligned, owned by the calling thread; contents are
// unspecified (callers initialise what they read). Valid until the next call on
// the same thread.
inline float* thread_scratch(size_t n) {
    thread_local std::vector<float> buffer;
    if (buffer.size() < n + 16) buffer.resize(n + 16);
    float* p = buffer.data();
    while (reinterpret_cast<uintptr_t>(p) % 64 != 0) ++p;
    return p;
}

}  // namespace lcl::cpu

#endif
