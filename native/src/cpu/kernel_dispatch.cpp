// Picks the kernel table for this CPU once: the widest level compiled into the
// library that the CPU (and the OS, for AVX state) supports, capped by
// LCL_CPU_ISA if set. The levels are listed once, in CMake
// (cmake/LclCpuIsa.cmake), which passes them here as LCL_CPU_ISA_LEVELS, an
// X-macro list of the levels' namespaces, widest first.
#include "cpu/kernel_table.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#ifndef LCL_CPU_ISA_LEVELS
#error "LCL_CPU_ISA_LEVELS (the compiled ISA levels) comes from cmake/LclCpuIsa.cmake"
#endif

namespace lcl::cpu {

#define X(ns) namespace ns { extern const KernelTable kTable; }
LCL_CPU_ISA_LEVELS
#undef X

namespace {

#define X(ns) &ns::kTable,
const KernelTable* const kLevels[] = {LCL_CPU_ISA_LEVELS};  // widest first
#undef X

const KernelTable* by_name(const char* name) {
    if (name == nullptr) return nullptr;
    for (const KernelTable* t : kLevels)
        if (std::strcmp(name, t->name) == 0) return t;
    return nullptr;
}

const KernelTable* best_for_this_cpu() {
    const KernelTable* cap = by_name(std::getenv("LCL_CPU_ISA"));
    bool allowed = cap == nullptr;
    for (const KernelTable* t : kLevels) {
        allowed = allowed || t == cap;
        if (allowed && t->cpu_supported()) return t;
    }
    return kLevels[sizeof kLevels / sizeof kLevels[0] - 1];  // the baseline: runs anywhere
}

std::atomic<const KernelTable*> g_selected{nullptr};

}  // namespace

const KernelTable& kernels() {
    const KernelTable* t = g_selected.load(std::memory_order_acquire);
    if (t == nullptr) {
        t = best_for_this_cpu();  // idempotent, so a race just computes it twice
        g_selected.store(t, std::memory_order_release);
    }
    return *t;
}

bool select_kernels(const char* name) {
    const KernelTable* t = by_name(name);
    if (t == nullptr || !t->cpu_supported()) return false;
    g_selected.store(t, std::memory_order_release);
    return true;
}

}  // namespace lcl::cpu
