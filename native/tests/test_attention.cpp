// lcl_cpu_attention_forward / _backward against the float64 oracle: random
// shapes (odd sequence lengths, every mask combination, strided views into a
// packed qkv buffer, fully masked rows), bitwise determinism, thread counts,
// argument validation, and a finite-difference check of the oracle itself.
#include "cpu/kernel_table.h"
#include "lcl/kernels.h"
#include "reference/attention_ref.h"
#include "test_util.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

using namespace lcl::test;

namespace {

// A (B, H, L, D) fp32 tensor living somewhere inside `storage` with free strides.
struct Tensor {
    float* ptr = nullptr;
    int64_t stride[4] = {0, 0, 0, 1};
};

enum Layout { kBHLD, kBLHD, kPaddedRows, kNumLayouts };

// Allocates a tensor in one of the layouts. Gaps between rows hold NaN so a
// kernel that reads or leaves them shows up at once.
Tensor make_tensor(std::vector<std::vector<float>>& arena, Layout layout, int64_t B, int64_t H,
                   int64_t L, int64_t D) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Tensor t;
    int64_t row = D;
    switch (layout) {
        case kBHLD: t.stride[0] = H * L * D; t.stride[1] = L * D; t.stride[2] = D; break;
        case kBLHD: t.stride[0] = L * H * D; t.stride[1] = D; t.stride[2] = H * D; break;
        default:
            row = D + 8;
            t.stride[0] = H * L * row; t.stride[1] = L * row; t.stride[2] = row; break;
    }
    arena.emplace_back(size_t(B * H * L * row), nan);
    t.ptr = arena.back().data();
    return t;
}

float* at(const Tensor& t, int64_t b, int64_t h, int64_t s) {
    return t.ptr + b * t.stride[0] + h * t.stride[1] + s * t.stride[2];
}

void fill_random(const Tensor& t, Rng& rng, int64_t B, int64_t H, int64_t L, int64_t D, double sd) {
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s)
                for (int64_t d = 0; d < D; ++d) at(t, b, h, s)[d] = float(sd * rng.normal());
}

std::vector<double> to_double(const Tensor& t, int64_t B, int64_t H, int64_t L, int64_t D) {
    std::vector<double> out(size_t(B * H * L * D));
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s)
                for (int64_t d = 0; d < D; ++d) out[size_t(((b * H + h) * L + s) * D + d)] = at(t, b, h, s)[d];
    return out;
}

struct Case {
    int64_t B, H, L, D;
    bool causal;
    float scale;
    std::vector<int32_t> valid_lens, segment_ids;  // empty = not used
    bool packed_qkv;
    Layout out_layout, grad_layout, dout_layout;
};

std::string describe(const Case& c) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "B%lld H%lld L%lld D%lld causal=%d valid_lens=%s segments=%s packed=%d",
                  (long long)c.B, (long long)c.H, (long long)c.L, (long long)c.D, int(c.causal),
                  c.valid_lens.empty() ? "no" : "yes", c.segment_ids.empty() ? "no" : "yes",
                  int(c.packed_qkv));
    return buf;
}

struct Buffers {
    std::vector<std::vector<float>> arena;
    Tensor q, k, v, o, dout, dq, dk, dv;
    std::vector<float> lse;
};

Buffers make_buffers(const Case& c, Rng& rng) {
    Buffers x;
    const int64_t B = c.B, H = c.H, L = c.L, D = c.D;
    if (c.packed_qkv) {
        // One (B, L, 3, H, D) projection output; q, k, v are views into it.
        x.arena.emplace_back(size_t(B * L * 3 * H * D));
        float* base = x.arena.back().data();
        const int64_t st[4] = {L * 3 * H * D, D, 3 * H * D, 1};
        Tensor* views[3] = {&x.q, &x.k, &x.v};
        for (int i = 0; i < 3; ++i) {
            views[i]->ptr = base + i * H * D;
            std::memcpy(views[i]->stride, st, sizeof st);
        }
    } else {
        x.q = make_tensor(x.arena, kBHLD, B, H, L, D);
        x.k = make_tensor(x.arena, kPaddedRows, B, H, L, D);
        x.v = make_tensor(x.arena, kBLHD, B, H, L, D);
    }
    fill_random(x.q, rng, B, H, L, D, 1.0);
    fill_random(x.k, rng, B, H, L, D, 1.0);
    fill_random(x.v, rng, B, H, L, D, 1.0);
    x.o = make_tensor(x.arena, c.out_layout, B, H, L, D);
    x.dout = make_tensor(x.arena, c.dout_layout, B, H, L, D);
    fill_random(x.dout, rng, B, H, L, D, 1.0);
    x.dq = make_tensor(x.arena, c.grad_layout, B, H, L, D);
    x.dk = make_tensor(x.arena, c.grad_layout, B, H, L, D);
    x.dv = make_tensor(x.arena, c.grad_layout, B, H, L, D);
    x.lse.assign(size_t(B * H * L), std::numeric_limits<float>::quiet_NaN());
    return x;
}

lcl_attention_params params_for(const Case& c, Buffers& x) {
    lcl_attention_params p{};
    p.batch = c.B; p.heads = c.H; p.seq_len = c.L; p.head_dim = c.D;
    p.softmax_scale = c.scale;
    p.causal = c.causal;
    p.dtype = LCL_FLOAT32;
    p.valid_lens = c.valid_lens.empty() ? nullptr : c.valid_lens.data();
    p.segment_ids = c.segment_ids.empty() ? nullptr : c.segment_ids.data();
    auto set = [](const Tensor& t, const void** ptr, int64_t* stride) {
        *ptr = t.ptr;
        std::memcpy(stride, t.stride, sizeof t.stride);
    };
    set(x.q, &p.q, p.q_stride);
    set(x.k, &p.k, p.k_stride);
    set(x.v, &p.v, p.v_stride);
    p.o = x.o.ptr; std::memcpy(p.o_stride, x.o.stride, sizeof x.o.stride);
    p.lse = x.lse.data();
    set(x.dout, &p.dout, p.dout_stride);
    p.dq = x.dq.ptr; std::memcpy(p.dq_stride, x.dq.stride, sizeof x.dq.stride);
    p.dk = x.dk.ptr; std::memcpy(p.dk_stride, x.dk.stride, sizeof x.dk.stride);
    p.dv = x.dv.ptr; std::memcpy(p.dv_stride, x.dv.stride, sizeof x.dv.stride);
    return p;
}

Case random_case(Rng& rng, int index) {
    static const int64_t lens[] = {1, 2, 7, 63, 64, 65, 100, 129, 257};
    static const int64_t dims[] = {32, 40, 64, 72, 128, 256};
    Case c;
    c.L = index < 9 ? lens[index] : (rng.coin(0.5) ? rng.pick(lens) : rng.range(1, 300));
    c.D = index < 6 ? dims[index] : (rng.coin(0.6) ? rng.pick(dims) : 8 * rng.range(4, 32));
    // Keep the float64 oracle's O(B H L^2 D) cost bounded.
    c.B = rng.range(1, 3);
    c.H = rng.range(1, 3);
    while (c.B * c.H * c.L * c.L * c.D > 40'000'000 && c.B * c.H > 1) {
        if (c.H > 1) --c.H; else --c.B;
    }
    if (c.L * c.L * c.D > 40'000'000) c.D = 64;
    c.causal = (index % 2) == 0;
    c.scale = float(rng.uniform(0.5, 1.5) / std::sqrt(double(c.D)));
    if ((index / 2) % 2 == 1) {  // key padding; sometimes a whole batch row is padding
        for (int64_t b = 0; b < c.B; ++b)
            c.valid_lens.push_back(int32_t(rng.coin(b > 0 ? 0.3 : 0.05) ? 0 : rng.range(1, c.L)));
    }
    if ((index / 4) % 2 == 1) {  // packed documents, occasionally interleaved ids
        const bool interleaved = rng.coin(0.3);
        for (int64_t b = 0; b < c.B; ++b) {
            int32_t seg = 0;
            for (int64_t s = 0; s < c.L; ++s) {
                if (interleaved) seg = int32_t(rng.range(0, 2));
                else if (s > 0 && rng.coin(4.0 / double(c.L + 4))) ++seg;
                c.segment_ids.push_back(seg);
            }
        }
    }
    c.packed_qkv = rng.coin(0.5);
    c.out_layout = Layout(rng.range(0, kNumLayouts - 1));
    c.grad_layout = Layout(rng.range(0, kNumLayouts - 1));
    c.dout_layout = Layout(rng.range(0, kNumLayouts - 1));
    return c;
}

ErrAcc compare(const Tensor& t, const std::vector<double>& ref, const std::vector<double>* mag, int64_t B,
               int64_t H, int64_t L, int64_t D) {
    ErrAcc e;
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s)
                for (int64_t d = 0; d < D; ++d) {
                    const size_t i = size_t(((b * H + h) * L + s) * D + d);
                    e.add(at(t, b, h, s)[d], ref[i], mag ? (*mag)[i] : 0.0);
                }
    return e;
}

bool same_bits(const Tensor& a, const Tensor& b, int64_t B, int64_t H, int64_t L, int64_t D) {
    for (int64_t x = 0; x < B; ++x)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t s = 0; s < L; ++s)
                if (std::memcmp(at(a, x, h, s), at(b, x, h, s), size_t(D) * sizeof(float)) != 0) return false;
    return true;
}

constexpr double kTol = 1e-5;

void run_case(Checker& ck, const Case& c, Rng& rng, int index) {
    Buffers x = make_buffers(c, rng);
    lcl_attention_params p = params_for(c, x);
    const std::string what = "case " + std::to_string(index) + " (" + describe(c) + ")";
    const int64_t B = c.B, H = c.H, L = c.L, D = c.D;

    int st = lcl_cpu_attention_forward(&p);
    ck.check(st == LCL_OK, "%s: forward returned %d: %s", what.c_str(), st, lcl_last_error());
    st = lcl_cpu_attention_backward(&p);
    ck.check(st == LCL_OK, "%s: backward returned %d: %s", what.c_str(), st, lcl_last_error());

    lcl::ref::AttentionShape shape{B, H, L, D, double(c.scale), c.causal,
                                   c.valid_lens.empty() ? nullptr : c.valid_lens.data(),
                                   c.segment_ids.empty() ? nullptr : c.segment_ids.data()};
    const auto q = to_double(x.q, B, H, L, D), k = to_double(x.k, B, H, L, D);
    const auto v = to_double(x.v, B, H, L, D), g = to_double(x.dout, B, H, L, D);
    const size_t n = size_t(B * H * L * D);
    std::vector<double> o(n), lse(size_t(B * H * L)), dq(n), dk(n), dv(n), dq_mag(n), dk_mag(n);
    lcl::ref::attention_forward(shape, q.data(), k.data(), v.data(), o.data(), lse.data());
    lcl::ref::attention_backward(shape, q.data(), k.data(), v.data(), g.data(), dq.data(), dk.data(), dv.data(),
                                 dq_mag.data(), dk_mag.data());

    const double e_o = compare(x.o, o, nullptr, B, H, L, D).rel();
    ErrAcc e_lse;
    int lse_inf_mismatch = 0;
    for (size_t i = 0; i < lse.size(); ++i) {
        if (std::isinf(lse[i]) || std::isinf(x.lse[i])) {
            if (!(std::isinf(x.lse[i]) && x.lse[i] < 0 && std::isinf(lse[i]))) ++lse_inf_mismatch;
        } else {
            e_lse.add(x.lse[i], lse[i]);
        }
    }
    const ErrAcc e_dq = compare(x.dq, dq, &dq_mag, B, H, L, D), e_dk = compare(x.dk, dk, &dk_mag, B, H, L, D);
    const double e_dv = compare(x.dv, dv, nullptr, B, H, L, D).rel();
    std::printf("  %-3d %-70s  o %.1e lse %.1e dq %.1e (%.1e) dk %.1e (%.1e) dv %.1e\n", index,
                describe(c).c_str(), e_o, e_lse.rel(), e_dq.rel(), e_dq.rel_mag(), e_dk.rel(), e_dk.rel_mag(), e_dv);
    ck.check(e_o < kTol, "%s: forward O relative error %.3e", what.c_str(), e_o);
    ck.check(e_lse.rel() < kTol, "%s: LSE relative error %.3e", what.c_str(), e_lse.rel());
    ck.check(lse_inf_mismatch == 0, "%s: %d rows disagree on LSE = -inf", what.c_str(), lse_inf_mismatch);
    ck.check(e_dq.ok(kTol), "%s: dQ relative error %.3e (vs term magnitudes %.3e)", what.c_str(), e_dq.rel(),
             e_dq.rel_mag());
    ck.check(e_dk.ok(kTol), "%s: dK relative error %.3e (vs term magnitudes %.3e)", what.c_str(), e_dk.rel(),
             e_dk.rel_mag());
    ck.check(e_dv < kTol, "%s: dV relative error %.3e", what.c_str(), e_dv);

    // Determinism: a second run into fresh outputs is bitwise identical.
    Buffers y;
    y.arena = x.arena;  // copies inputs and the NaN-filled output storage alike
    auto rebase = [&](const Tensor& t) {
        for (size_t i = 0; i < x.arena.size(); ++i) {
            const float* b = x.arena[i].data();
            if (t.ptr >= b && t.ptr < b + x.arena[i].size()) {
                Tensor r = t;
                r.ptr = y.arena[i].data() + (t.ptr - b);
                return r;
            }
        }
        return t;
    };
    y.q = rebase(x.q); y.k = rebase(x.k); y.v = rebase(x.v); y.o = rebase(x.o); y.dout = rebase(x.dout);
    y.dq = rebase(x.dq); y.dk = rebase(x.dk); y.dv = rebase(x.dv);
    for (Tensor* t : {&y.o, &y.dq, &y.dk, &y.dv}) fill_random(*t, rng, B, H, L, D, 1.0);
    y.lse.assign(x.lse.size(), 0.0f);
    lcl_attention_params p2 = params_for(c, y);
    st = lcl_cpu_attention_forward(&p2) | lcl_cpu_attention_backward(&p2);
    ck.check(st == LCL_OK, "%s: second run failed", what.c_str());
    ck.check(same_bits(x.o, y.o, B, H, L, D) &&
                 std::memcmp(x.lse.data(), y.lse.data(), x.lse.size() * sizeof(float)) == 0,
             "%s: forward not bitwise reproducible", what.c_str());
    ck.check(same_bits(x.dq, y.dq, B, H, L, D) && same_bits(x.dk, y.dk, B, H, L, D) &&
                 same_bits(x.dv, y.dv, B, H, L, D),
             "%s: backward not bitwise reproducible", what.c_str());
}

// The analytic float64 backward agrees with central differences of the float64 forward.
void check_reference_gradients(Checker& ck, Rng& rng) {
    const int64_t B = 1, H = 2, L = 11, D = 32;
    std::vector<int32_t> seg(L), valid{9};
    for (int64_t s = 0; s < L; ++s) seg[s] = s < 5 ? 0 : 1;
    lcl::ref::AttentionShape shape{B, H, L, D, 0.3, true, valid.data(), seg.data()};
    const size_t n = size_t(B * H * L * D);
    std::vector<double> q(n), k(n), v(n), g(n), o(n), lse(size_t(B * H * L)), dq(n), dk(n), dv(n);
    for (auto* t : {&q, &k, &v, &g})
        for (double& e : *t) e = rng.normal();
    lcl::ref::attention_backward(shape, q.data(), k.data(), v.data(), g.data(), dq.data(), dk.data(), dv.data());
    auto objective = [&]() {
        lcl::ref::attention_forward(shape, q.data(), k.data(), v.data(), o.data(), lse.data());
        double s = 0;
        for (size_t i = 0; i < n; ++i) s += o[i] * g[i];
        return s;
    };
    ErrAcc err;
    for (int probe = 0; probe < 60; ++probe) {
        const int which = probe % 3;
        std::vector<double>& t = which == 0 ? q : which == 1 ? k : v;
        const std::vector<double>& grad = which == 0 ? dq : which == 1 ? dk : dv;
        const size_t i = size_t(rng.range(0, int64_t(n) - 1));
        const double keep = t[i], h = 1e-5;
        t[i] = keep + h; const double up = objective();
        t[i] = keep - h; const double down = objective();
        t[i] = keep;
        err.add(grad[i], (up - down) / (2 * h));
    }
    std::printf("  float64 oracle vs finite differences: relative error %.2e\n", err.rel());
    ck.check(err.rel() < 1e-7, "float64 attention oracle disagrees with finite differences: %.3e", err.rel());
}

void check_validation(Checker& ck, Rng& rng) {
    Case c{2, 2, 10, 64, false, 0.125f, {}, {}, false, kBHLD, kBHLD, kBHLD};
    Buffers x = make_buffers(c, rng);
    const lcl_attention_params good = params_for(c, x);
    // After a failure the outputs must be untouched: validation comes first.
    for (int64_t i = 0; i < 10; ++i) std::fill(at(x.o, 0, 0, i), at(x.o, 0, 0, i) + 64, 7.0f);
    auto expect = [&](const char* what, lcl_attention_params p, bool backward, int status, const char* needle) {
        const int st = backward ? lcl_cpu_attention_backward(&p) : lcl_cpu_attention_forward(&p);
        const std::string msg = lcl_last_error();
        ck.check(st == status && contains(msg, needle),
                 "validation '%s': got status %d message \"%s\", wanted %d mentioning \"%s\"", what, st,
                 msg.c_str(), status, needle);
        ck.check(at(x.o, 0, 0, 3)[5] == 7.0f, "validation '%s': output written despite the error", what);
    };
    ck.check(lcl_cpu_attention_forward(nullptr) == LCL_ERR_NULL_POINTER && contains(lcl_last_error(), "params"),
             "NULL params: %s", lcl_last_error());
    lcl_attention_params p = good; p.q = nullptr;
    expect("q NULL", p, false, LCL_ERR_NULL_POINTER, "q is NULL");
    p = good; p.lse = nullptr;
    expect("lse NULL", p, false, LCL_ERR_NULL_POINTER, "lse");
    p = good; p.dk = nullptr;
    expect("dk NULL", p, true, LCL_ERR_NULL_POINTER, "dk is NULL");
    p = good; p.head_dim = 30;
    expect("head_dim 30", p, false, LCL_ERR_BAD_SHAPE, "head_dim");
    p = good; p.head_dim = 264;
    expect("head_dim 264", p, false, LCL_ERR_BAD_SHAPE, "head_dim");
    p = good; p.head_dim = 36;
    expect("head_dim 36", p, true, LCL_ERR_BAD_SHAPE, "head_dim");
    p = good; p.seq_len = 0;
    expect("seq_len 0", p, false, LCL_ERR_BAD_SHAPE, "seq_len");
    p = good; p.k_stride[3] = 2;
    expect("k_stride[3]", p, false, LCL_ERR_BAD_STRIDE, "k_stride[3]");
    p = good; p.dv_stride[2] = 0;
    expect("dv_stride[2] = 0", p, true, LCL_ERR_BAD_STRIDE, "dv_stride[2]");
    p = good; p.dtype = LCL_BFLOAT16;
    expect("bf16 on CPU", p, false, LCL_ERR_BAD_DTYPE, "bfloat16");
    p = good; p.dtype = 42;
    expect("unknown dtype", p, false, LCL_ERR_BAD_DTYPE, "dtype");
    p = good; p.softmax_scale = std::numeric_limits<float>::quiet_NaN();
    expect("NaN scale", p, false, LCL_ERR_BAD_VALUE, "softmax_scale");
    p = good; p.causal = 2;
    expect("causal 2", p, false, LCL_ERR_BAD_VALUE, "causal");
    std::vector<int32_t> lens{5, 11};
    p = good; p.valid_lens = lens.data();
    expect("valid_lens too big", p, false, LCL_ERR_BAD_VALUE, "valid_lens[1]");
    lens = {-1, 3};
    expect("valid_lens negative", p, true, LCL_ERR_BAD_VALUE, "valid_lens[0]");
    // A successful call clears the message.
    p = good;
    ck.check(lcl_cpu_attention_forward(&p) == LCL_OK && lcl_last_error()[0] == '\0',
             "successful call leaves error \"%s\"", lcl_last_error());
}

}  // namespace

int main() {
    Checker ck;
    Rng rng(pick_seed("test_attention"));
    const int threads = lcl_cpu_get_num_threads();
    ck.check(threads >= 1, "default thread count %d", threads);
    lcl_cpu_set_num_threads(3);
    ck.check(lcl_cpu_get_num_threads() == 3, "set_num_threads(3) gave %d", lcl_cpu_get_num_threads());
    lcl_cpu_set_num_threads(0);
    ck.check(lcl_cpu_get_num_threads() == threads, "set_num_threads(0) did not restore the default");

    check_reference_gradients(ck, rng);
    // Every ISA level of the kernels this CPU can run: the full set of cases on
    // the one the library picks by default, a sample on the narrower ones.
    const std::string best = lcl::cpu::kernels().name;
    int index = 0;
    for (const char* isa : {"x86-64-v4", "x86-64-v3", "baseline"}) {
        if (!lcl::cpu::select_kernels(isa)) continue;
        const int n_cases = isa == best ? 28 : 8;
        std::printf("kernels %s: %d cases\n", isa, n_cases);
        for (int i = 0; i < n_cases; ++i, ++index) {
            // Thread counts change how backward splits work (and must not change
            // results beyond rounding): mostly the default, sometimes 1 or an odd 3.
            const int t = i % 7 == 3 ? 1 : i % 7 == 5 ? 3 : 0;
            lcl_cpu_set_num_threads(t);
            run_case(ck, random_case(rng, i), rng, index);
        }
    }
    lcl::cpu::select_kernels(best.c_str());
    lcl_cpu_set_num_threads(0);
    check_validation(ck, rng);
    return ck.report("test_attention");
}
