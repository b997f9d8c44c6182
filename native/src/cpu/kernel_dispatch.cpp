// Picks the kernel table for this CPU once: the widest x86-64 level the CPU
// (and the OS, for AVX state) supports, capped by LCL_CPU_ISA if set.
#include "cpu/kernel_table.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace lcl::cpu {
namespace {


bool cpu_has(const KernelTable& t) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (&t == &kKernelsX86_64_V4) return __builtin_cpu_supports("x86-64-v4");
    if (&t == &kKernelsX86_64_V3) return __builtin_cpu_supports("x86-64-v3");
#endif
    return &t == &kKernelsBaseline;
}

const KernelTable* by_name(const char* name) {
    if (name == nullptr) return nullptr;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (std::strcmp(name, kKernelsX86_64_V4.name) == 0) return &kKernelsX86_64_V4;
    if (std::strcmp(name, kKernelsX86_64_V3.name) == 0) return &kKernelsX86_64_V3;
#endif
    if (std::strcmp(name, kKernelsBaseline.name) == 0) return &kKernelsBaseline;
    return nullptr;
}

const KernelTable* best_for_this_cpu() {
    const KernelTable* order[] = {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
        &kKernelsX86_64_V4, &kKernelsX86_64_V3,
#endif
        &kKernelsBaseline};
    const KernelTable* cap = by_name(std::getenv("LCL_CPU_ISA"));
    bool allowed = cap == nullptr;
    for (const KernelTable* t : order) {
        allowed = allowed || t == cap;
        if (allowed && cpu_has(*t)) return t;
    }
    return &kKernelsBaseline;
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
    if (t == nullptr || !cpu_has(*t)) return false;
    g_selected.store(t, std::memory_order_release);
    return true;
}

}  // namespace lcl::cpu
