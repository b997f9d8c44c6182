// The variant table (names in enum order) with each slot's production
// default, and the diagnostic entry points that list and select variants
// (variants.h says what each variant is).
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
    int production;               // index of the production default
};

constexpr const char* kAttnFwd[] = {"r1", "m1", "m2", "f1", "f2", "p1", "p2", nullptr};
constexpr const char* kAttnBwd[] = {"b2", "b1", "bf", "b3", nullptr};
constexpr const char* kLmFwd[] = {"v1", "f", "g", nullptr};
constexpr const char* kLmGrads[] = {"v1", "f", "s", nullptr};

// The production defaults: the one place to change them.
constexpr SlotInfo kSlots[] = {
    {"attn_fwd_d64", kAttnFwd, int(AttnFwdVariant::M2)},    // head_dim <= 64
    {"attn_fwd_d128", kAttnFwd, int(AttnFwdVariant::M2)},   // head_dim 65..128
    {"attn_bwd_d64", kAttnBwd, int(AttnBwdVariant::B2)},
    {"attn_bwd_d128", kAttnBwd, int(AttnBwdVariant::B2)},
    {"lm_fwd", kLmFwd, int(LmFwdVariant::V1)},
    {"lm_grads", kLmGrads, int(LmGradsVariant::V1)},
};
static_assert(sizeof(kSlots) / sizeof(kSlots[0]) == size_t(Slot::kCount), "one table row per slot");

// -1: the production default
std::atomic<int> g_selected[int(Slot::kCount)] = {{-1}, {-1}, {-1}, {-1}, {-1}, {-1}};

}  // namespace

int variant(Slot slot) {
    const int s = g_selected[int(slot)].load(std::memory_order_relaxed);
    return s < 0 ? kSlots[int(slot)].production : s;
}

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
            for (int i = 0; info.variants[i] != nullptr; ++i) {
                if (i > 0) s += ',';
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
        if (std::strcmp(name, "default") == 0) {
            g_selected[k].store(-1, std::memory_order_relaxed);
            return LCL_OK;
        }
        for (int i = 0; info.variants[i] != nullptr; ++i) {
            if (std::strcmp(info.variants[i], name) == 0) {
                g_selected[k].store(i, std::memory_order_relaxed);
                return LCL_OK;
            }
        }
        return lcl::fail(LCL_ERR_BAD_VALUE, "%s: slot %s has no variant '%s' (see lcl_cuda_diag_variants)", who, slot,
                         name);
    }
    return lcl::fail(LCL_ERR_BAD_VALUE, "%s: unknown slot '%s' (see lcl_cuda_diag_variants)", who, slot);
}
