// The variant table (names in enum order, each slot's production variant from
// variants.h) and the test-only diagnostic entry points that list and select
// variants (variants.h says what each variant is). Compiled in every CUDA
// build: the lab build (LCL_CUDA_LAB) holds every variant and can switch
// between them; the production build holds the production variants only, so
// there selecting any other one fails with LCL_ERR_UNSUPPORTED and a message
// naming the build option, instead of silently running something else.
#include "cuda/variants.h"

#include "common/lcl_internal.h"

#include <atomic>
#include <cstring>
#include <string>

namespace lcl {
namespace cuda {
namespace {

struct SlotInfo {
    const char* name;
    const char* const* variants;  // nullptr-terminated, in the enum's order
    int production;               // index of the production variant
};

constexpr const char* kAttnFwd[] = {"r1", "m1", "m2", "f1", "f2", "p1", "p2", nullptr};
constexpr const char* kAttnBwd[] = {"b2", "b1", "bf", "b3", nullptr};
constexpr const char* kLmFwd[] = {"v1", "f", "g", nullptr};
constexpr const char* kLmGrads[] = {"v1", "f", "s", nullptr};
static_assert(sizeof(kAttnFwd) / sizeof(kAttnFwd[0]) == size_t(AttnFwdVariant::kCount) + 1, "a name per variant");
static_assert(sizeof(kAttnBwd) / sizeof(kAttnBwd[0]) == size_t(AttnBwdVariant::kCount) + 1, "a name per variant");
static_assert(sizeof(kLmFwd) / sizeof(kLmFwd[0]) == size_t(LmFwdVariant::kCount) + 1, "a name per variant");
static_assert(sizeof(kLmGrads) / sizeof(kLmGrads[0]) == size_t(LmGradsVariant::kCount) + 1, "a name per variant");

// rows in Slot order; the production variants come from variants.h
constexpr SlotInfo kSlots[] = {
    {"attn_fwd_d64", kAttnFwd, int(kProductionAttnFwd64)},    // head_dim <= 64
    {"attn_fwd_d128", kAttnFwd, int(kProductionAttnFwd128)},  // head_dim 65..128
    {"attn_bwd_d64", kAttnBwd, int(kProductionAttnBwd64)},
    {"attn_bwd_d128", kAttnBwd, int(kProductionAttnBwd128)},
    {"lm_fwd", kLmFwd, int(kProductionLmFwd)},
    {"lm_grads", kLmGrads, int(kProductionLmGrads)},
};
static_assert(sizeof(kSlots) / sizeof(kSlots[0]) == size_t(Slot::kCount), "one table row per slot");

// whether variant i of a slot is compiled into this library
bool compiled(const SlotInfo& info, int i) { return LCL_CUDA_LAB || i == info.production; }

#if LCL_CUDA_LAB
// -1: the production variant
std::atomic<int> g_selected[int(Slot::kCount)] = {{-1}, {-1}, {-1}, {-1}, {-1}, {-1}};
#endif

}  // namespace

#if LCL_CUDA_LAB
int variant(Slot slot) {
    const int s = g_selected[int(slot)].load(std::memory_order_relaxed);
    return s < 0 ? kSlots[int(slot)].production : s;
}
#endif

}  // namespace cuda
}  // namespace lcl

extern "C" const char* lcl_cuda_diag_variants(void) {
    using namespace lcl::cuda;
    static const std::string list = [] {
        std::string s;
        for (const SlotInfo& info : kSlots) {
            if (!s.empty()) s += ';';
            s += info.name;
            s += ':';
            bool first = true;
            for (int i = 0; info.variants[i] != nullptr; ++i) {
                if (!compiled(info, i)) continue;
                if (!first) s += ',';
                first = false;
                if (i == info.production) s += '*';
                s += info.variants[i];
            }
        }
        return s;
    }();
    return list.c_str();
}

extern "C" int lcl_cuda_diag_set_variant(const char* slot, const char* name) {
    using namespace lcl::cuda;
    const char* who = "lcl_cuda_diag_set_variant";
    lcl::clear_error();
    if (slot == nullptr || name == nullptr) return lcl::fail(LCL_ERR_NULL_POINTER, "%s: slot and name are required", who);
    for (int k = 0; k < int(Slot::kCount); ++k) {
        const SlotInfo& info = kSlots[k];
        if (std::strcmp(info.name, slot) != 0) continue;
        const bool is_default = std::strcmp(name, "default") == 0;
        for (int i = 0; !is_default && info.variants[i] != nullptr; ++i) {
            if (std::strcmp(info.variants[i], name) != 0) continue;
            if (!compiled(info, i))
                return lcl::fail(LCL_ERR_UNSUPPORTED,
                                 "%s: variant '%s' of slot %s is not compiled into this library: it was built "
                                 "without -DLCL_CUDA_LAB=ON and holds the production variant '%s' only",
                                 who, name, slot, info.variants[info.production]);
#if LCL_CUDA_LAB
            g_selected[k].store(i, std::memory_order_relaxed);
#endif
            return LCL_OK;
        }
        if (is_default) {
#if LCL_CUDA_LAB
            g_selected[k].store(-1, std::memory_order_relaxed);
#endif
            return LCL_OK;
        }
        return lcl::fail(LCL_ERR_BAD_VALUE, "%s: slot %s has no variant '%s' (see lcl_cuda_diag_variants)", who, slot,
                         name);
    }
    return lcl::fail(LCL_ERR_BAD_VALUE, "%s: unknown slot '%s' (see lcl_cuda_diag_variants)", who, slot);
}
