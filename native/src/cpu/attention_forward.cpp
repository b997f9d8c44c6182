// lcl_cpu_attention_forward: validation, then one pool task per (batch, head,
// 64-row query tile), each running the tile kernel of attention_kernels.h for
// this CPU's ISA level. Tasks write disjoint rows of O and LSE and each does its
// work in a fixed order, so the result does not depend on the thread count.
#include "common/lcl_internal.h"
#include "cpu/kernel_table.h"
#include "cpu/scratch.h"
#include "cpu/thread_pool.h"

namespace lcl::cpu {
namespace {

int attention_forward(const lcl_attention_params* pp) {
    static const char* who = "lcl_cpu_attention_forward";
    if (int st = validate_attention(pp, false, false, Memory::Host, who)) return st;
    const lcl_attention_params& p = *pp;
    const KernelTable& k = kernels();
    const int64_t n_qt = (p.seq_len + kTileQ - 1) / kTileQ;
    const int64_t BH = p.batch * p.heads;
    // Tasks in (batch, head) order, so the threads work on the same head's K and
    // V together and find them in cache (interleaving heads cost 11% at B4 H8
    // L1024); within a head the heaviest query tiles (the last ones under
    // causal) come first, for balance.
    parallel_for(BH * n_qt, [&](int64_t task) {
        const int64_t bh = task / n_qt, qt = n_qt - 1 - task % n_qt;
        k.attention_forward_tile(p, bh / p.heads, bh % p.heads, qt * kTileQ,
                                 thread_scratch(kAttentionForwardScratch));
    });
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_attention_forward(const lcl_attention_params* p) {
    return lcl::guarded("lcl_cpu_attention_forward", [&] { return lcl::cpu::attention_forward(p); });
}
