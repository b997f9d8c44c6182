// The CUDA kernel variants' table and diagnostic entry points
// (src/cuda/variants.cpp: host code, so no GPU or nvcc is needed), built twice
// (tests/CMakeLists.txt): as the default build, which must list each slot's
// production variant only and reject every other variant with
// LCL_ERR_UNSUPPORTED and a message naming the build option; and as the lab
// build (LCL_CUDA_LAB=1), which must list every variant and select each one.
#include "cuda/variants.h"
#include "lcl/kernels.h"
#include "test_util.h"

#include <string>
#include <vector>

using namespace lcl::test;
using lcl::cuda::Slot;

namespace {

// Every variant of each slot in its enum's order (variants.h documents them),
// rows in Slot order, with the production variant declared in variants.h.
struct Expected {
    const char* slot;
    std::vector<std::string> names;
    int production;
};

const Expected kExpected[] = {
    {"attn_fwd_d64", {"r1", "m1", "m2", "f1", "f2", "p1", "p2"}, int(lcl::cuda::kProductionAttnFwd64)},
    {"attn_fwd_d128", {"r1", "m1", "m2", "f1", "f2", "p1", "p2"}, int(lcl::cuda::kProductionAttnFwd128)},
    {"attn_bwd_d64", {"b2", "b1", "bf", "b3"}, int(lcl::cuda::kProductionAttnBwd64)},
    {"attn_bwd_d128", {"b2", "b1", "bf", "b3"}, int(lcl::cuda::kProductionAttnBwd128)},
    {"lm_fwd", {"v1", "f", "g"}, int(lcl::cuda::kProductionLmFwd)},
    {"lm_grads", {"v1", "f", "s"}, int(lcl::cuda::kProductionLmGrads)},
};
static_assert(sizeof(kExpected) / sizeof(kExpected[0]) == size_t(Slot::kCount), "a row per slot");

struct Listed {
    std::string slot;
    std::vector<std::string> names;
    std::string starred;  // "" when no name carries the '*'
};

// "slot:a,*b,c;slot2:..." as lcl_cuda_diag_variants writes it
std::vector<Listed> parse(const std::string& text) {
    std::vector<Listed> out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find(';', pos);
        if (end == std::string::npos) end = text.size();
        const std::string part = text.substr(pos, end - pos);
        Listed l;
        const size_t colon = part.find(':');
        l.slot = part.substr(0, colon);
        if (colon != std::string::npos) {
            size_t p = colon + 1;
            while (p <= part.size()) {
                size_t e = part.find(',', p);
                if (e == std::string::npos) e = part.size();
                std::string name = part.substr(p, e - p);
                if (!name.empty() && name[0] == '*') l.starred = name = name.substr(1);
                l.names.push_back(name);
                p = e + 1;
            }
        }
        out.push_back(l);
        pos = end + 1;
    }
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

void check_listing(Checker& ck) {
    const std::string text = lcl_cuda_diag_variants();
    std::printf("lcl_cuda_diag_variants: %s\n", text.c_str());
    const std::vector<Listed> listed = parse(text);
    ck.check(listed.size() == size_t(Slot::kCount), "%zu slots listed, expected %d", listed.size(),
             int(Slot::kCount));
    for (size_t k = 0; k < listed.size() && k < size_t(Slot::kCount); ++k) {
        const Expected& e = kExpected[k];
        const Listed& l = listed[k];
        ck.check(l.slot == e.slot, "slot %zu is '%s', expected '%s'", k, l.slot.c_str(), e.slot);
        ck.check(l.starred == e.names[e.production], "%s: production variant listed as '%s', variants.h says '%s'",
                 e.slot, l.starred.c_str(), e.names[e.production].c_str());
        const std::vector<std::string> want =
            LCL_CUDA_LAB ? e.names : std::vector<std::string>{e.names[e.production]};
        ck.check(l.names == want, "%s: lists %s, expected %s", e.slot, joined(l.names).c_str(), joined(want).c_str());
    }
}

void check_selection(Checker& ck) {
    for (int k = 0; k < int(Slot::kCount); ++k) {
        const Expected& e = kExpected[k];
        for (int i = 0; i < int(e.names.size()); ++i) {
            const char* name = e.names[i].c_str();
            const int st = lcl_cuda_diag_set_variant(e.slot, name);
            const std::string err = lcl_last_error();
            if (LCL_CUDA_LAB || i == e.production) {
                ck.check(st == LCL_OK, "%s %s: status %d (%s), expected LCL_OK", e.slot, name, st, err.c_str());
#if LCL_CUDA_LAB
                ck.check(lcl::cuda::variant(Slot(k)) == i, "%s %s: variant() %d, expected %d", e.slot, name,
                         lcl::cuda::variant(Slot(k)), i);
#endif
            } else {
                // not compiled in: a clear error, naming the variant, its slot and the option that adds it
                ck.check(st == LCL_ERR_UNSUPPORTED, "%s %s: status %d, expected LCL_ERR_UNSUPPORTED", e.slot, name,
                         st);
                ck.check(contains(err, "LCL_CUDA_LAB") && contains(err, e.slot) &&
                             contains(err, ("'" + e.names[i] + "'").c_str()),
                         "%s %s: message '%s' does not name the variant, slot and LCL_CUDA_LAB", e.slot, name,
                         err.c_str());
            }
        }
        ck.check(lcl_cuda_diag_set_variant(e.slot, "default") == LCL_OK, "%s default: %s", e.slot, lcl_last_error());
#if LCL_CUDA_LAB
        ck.check(lcl::cuda::variant(Slot(k)) == e.production, "%s: 'default' gives variant %d, expected %d", e.slot,
                 lcl::cuda::variant(Slot(k)), e.production);
#endif
        const int st = lcl_cuda_diag_set_variant(e.slot, "zz");
        ck.check(st == LCL_ERR_BAD_VALUE && contains(lcl_last_error(), "zz"),
                 "%s zz: status %d (%s), expected LCL_ERR_BAD_VALUE naming it", e.slot, st, lcl_last_error());
    }
    int st = lcl_cuda_diag_set_variant("attn_fwd_d32", "f1");
    ck.check(st == LCL_ERR_BAD_VALUE && contains(lcl_last_error(), "attn_fwd_d32"),
             "unknown slot: status %d (%s), expected LCL_ERR_BAD_VALUE naming it", st, lcl_last_error());
    st = lcl_cuda_diag_set_variant(nullptr, "f1");
    ck.check(st == LCL_ERR_NULL_POINTER, "null slot: status %d, expected LCL_ERR_NULL_POINTER", st);
    st = lcl_cuda_diag_set_variant("lm_fwd", nullptr);
    ck.check(st == LCL_ERR_NULL_POINTER, "null name: status %d, expected LCL_ERR_NULL_POINTER", st);
}

}  // namespace

int main() {
    const char* name = LCL_CUDA_LAB ? "test_cuda_variants (lab build)" : "test_cuda_variants (default build)";
    Checker ck;
    check_listing(ck);
    check_selection(ck);
    return ck.report(name);
}
