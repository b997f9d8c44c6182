// Host-emulated run of the real CUDA source of the SIMT paths (fp32 attention
// forward/backward, InfoNCE forward/backward, LM head + cross-entropy in fp32,
// bf16 and fp16) through the public entry points, against float64 loops
// written here from the contract in lcl/kernels.h.
// Test-only; built and run by run_emu.sh (no GPU needed).
#include "lcl/kernels.h"

#include "cuda_bf16.h"  // the host emulation's bf16/fp16 storage types and roundings
#include "cuda_fp16.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace {

int failures = 0;
std::mt19937 rng(12345);

std::vector<float> randn(size_t n) {
    std::normal_distribution<float> d;
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

// Relative L2 error against ref must stay below tol. The default 1e-5: fp32
// sums of up to a few hundred terms (relative rounding ~ sqrt(n) * 6e-8 for the
// random-sign sums here) against exact float64 sums of the same inputs.
void report(const char* what, const std::vector<double>& ref, const float* out, size_t n, double tol = 1e-5) {
    double num = 0, den = 0, mx = 0;
    bool finite = true;
    for (size_t i = 0; i < n; ++i) {
        const double o = out[i], r = ref[i];
        if (std::isinf(r) && o == r) continue;
        if (!std::isfinite(o)) finite = false;
        num += (o - r) * (o - r);
        den += r * r;
        mx = std::max(mx, std::fabs(o - r));
    }
    const double rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
    const bool ok = finite && rel < tol;
    if (!ok) ++failures;
    std::printf("  %-28s rel %.2e max %.2e tol %.0e %s\n", what, rel, mx, tol, ok ? "PASS" : "FAIL");
}

// ---------------------------------------------------------------- attention
struct Attn {
    int64_t B, H, S, D;
    bool causal;
    std::vector<int32_t> vlens, seg;
};

void attention(const Attn& c, bool strided) {
    std::printf("attention fp32 B=%lld H=%lld S=%lld D=%lld%s%s%s%s\n", (long long)c.B, (long long)c.H,
                (long long)c.S, (long long)c.D, c.causal ? " causal" : "", c.vlens.empty() ? "" : " valid_lens",
                c.seg.empty() ? "" : " segments", strided ? " packed-qkv" : "");
    const int64_t B = c.B, H = c.H, S = c.S, D = c.D;
    const size_t n = size_t(B * H * S * D);
    // q, k, v either contiguous (B,H,S,D) or views into one (B,S,3,H,D) buffer
    std::vector<float> qkv = randn(3 * n), dout = randn(n);
    int64_t st[4];
    const float *q, *k, *v;
    if (strided) {
        st[0] = S * 3 * H * D; st[1] = D; st[2] = 3 * H * D; st[3] = 1;
        q = qkv.data(); k = qkv.data() + H * D; v = qkv.data() + 2 * H * D;
    } else {
        st[0] = H * S * D; st[1] = S * D; st[2] = D; st[3] = 1;
        q = qkv.data(); k = qkv.data() + n; v = qkv.data() + 2 * n;
    }
    const int64_t cs[4] = {H * S * D, S * D, D, 1};
    auto at = [&](const float* base, const int64_t* s, int64_t b, int64_t h, int64_t i, int64_t d) {
        return double(base[b * s[0] + h * s[1] + i * s[2] + d]);
    };
    const float nanf = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> o(n, nanf), lse(size_t(B * H * S), nanf), dq(n, nanf), dk(n, nanf), dv(n, nanf);
    const float scale = float(1.0 / std::sqrt(double(D)));

    lcl_attention_params p{};
    p.batch = B; p.heads = H; p.seq_len = S; p.head_dim = D; p.softmax_scale = scale;
    p.causal = c.causal; p.dtype = LCL_FLOAT32;
    p.valid_lens = c.vlens.empty() ? nullptr : c.vlens.data();
    p.segment_ids = c.seg.empty() ? nullptr : c.seg.data();
    p.q = q; p.k = k; p.v = v;
    for (int i = 0; i < 4; ++i) {
        p.q_stride[i] = p.k_stride[i] = p.v_stride[i] = st[i];
        p.o_stride[i] = p.dout_stride[i] = p.dq_stride[i] = p.dk_stride[i] = p.dv_stride[i] = cs[i];
    }
    p.o = o.data(); p.lse = lse.data(); p.dout = dout.data(); p.dq = dq.data(); p.dk = dk.data(); p.dv = dv.data();
    int s1 = lcl_cuda_attention_forward(&p);
    int s2 = lcl_cuda_attention_backward(&p);
    if (s1 || s2) {
        std::printf("  call failed: %d %d %s\n", s1, s2, lcl_last_error());
        ++failures;
        return;
    }

    std::vector<double> ro(n), rl(size_t(B * H * S)), rdq(n, 0), rdk(n, 0), rdv(n, 0);
    const double inf = std::numeric_limits<double>::infinity();
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h) {
            std::vector<double> P(size_t(S * S), 0.0);
            auto vis = [&](int64_t i, int64_t j) {
                if (c.causal && j > i) return false;
                if (!c.vlens.empty() && j >= c.vlens[b]) return false;
                if (!c.seg.empty() && c.seg[b * S + i] != c.seg[b * S + j]) return false;
                return true;
            };
            for (int64_t i = 0; i < S; ++i) {
                double m = -inf;
                std::vector<double> s(size_t(S), -inf);
                for (int64_t j = 0; j < S; ++j) {
                    if (!vis(i, j)) continue;
                    double acc = 0;
                    for (int64_t d = 0; d < D; ++d) acc += at(q, st, b, h, i, d) * at(k, st, b, h, j, d);
                    s[j] = scale * acc;
                    m = std::max(m, s[j]);
                }
                double sum = 0;
                for (int64_t j = 0; j < S; ++j) if (s[j] > -inf) sum += std::exp(s[j] - m);
                rl[(b * H + h) * S + i] = sum > 0 ? m + std::log(sum) : -inf;
                for (int64_t j = 0; j < S; ++j) P[i * S + j] = s[j] > -inf ? std::exp(s[j] - m) / sum : 0.0;
                for (int64_t d = 0; d < D; ++d) {
                    double acc = 0;
                    for (int64_t j = 0; j < S; ++j) acc += P[i * S + j] * at(v, st, b, h, j, d);
                    ro[((b * H + h) * S + i) * D + d] = acc;
                }
            }
            for (int64_t i = 0; i < S; ++i) {
                const size_t ri = size_t(((b * H + h) * S + i) * D);
                double dvec = 0;
                for (int64_t d = 0; d < D; ++d) dvec += double(dout[ri + d]) * ro[ri + d];
                for (int64_t j = 0; j < S; ++j) {
                    const double pij = P[i * S + j];
                    if (pij == 0) continue;
                    const size_t rj = size_t(((b * H + h) * S + j) * D);
                    double dp = 0;
                    for (int64_t d = 0; d < D; ++d) dp += double(dout[ri + d]) * at(v, st, b, h, j, d);
                    const double ds = pij * (dp - dvec);
                    for (int64_t d = 0; d < D; ++d) {
                        rdv[rj + d] += pij * dout[ri + d];
                        rdq[ri + d] += scale * ds * at(k, st, b, h, j, d);
                        rdk[rj + d] += scale * ds * at(q, st, b, h, i, d);
                    }
                }
            }
        }
    report("O", ro, o.data(), n);
    report("LSE", rl, lse.data(), rl.size());
    report("dQ", rdq, dq.data(), n);
    report("dK", rdk, dk.data(), n);
    report("dV", rdv, dv.data(), n);
}

// ---------------------------------------------------------------- InfoNCE
// summed: dimage_all/dtext_all alias dimage/dtext (kernels.h "Summed gradients", one rank), which then
// must hold dimage + dimage_all and dtext + dtext_all of the separate form.
void infonce(int64_t nl, int64_t ng, int64_t dim, int64_t off, std::vector<uint8_t> valid, bool summed = false) {
    std::printf("infonce fp32 n_local=%lld n_global=%lld dim=%lld offset=%lld%s%s\n", (long long)nl, (long long)ng,
                (long long)dim, (long long)off, valid.empty() ? "" : " with invalid columns",
                summed ? " summed gradients" : "");
    auto norm_rows = [&](std::vector<float> x, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (int64_t d = 0; d < dim; ++d) s += double(x[i * dim + d]) * x[i * dim + d];
            for (int64_t d = 0; d < dim; ++d) x[i * dim + d] = float(x[i * dim + d] / std::sqrt(s));
        }
        return x;
    };
    std::vector<float> ia = norm_rows(randn(size_t(ng * dim)), ng), ta = norm_rows(randn(size_t(ng * dim)), ng);
    std::vector<float> im(ia.begin() + off * dim, ia.begin() + (off + nl) * dim);
    std::vector<float> tx(ta.begin() + off * dim, ta.begin() + (off + nl) * dim);
    const float s = 14.285f, dloss = 1.3f, normalizer = float(nl);
    const float nanf = std::numeric_limits<float>::quiet_NaN();
    float loss = nanf, dscale = nanf;
    std::vector<float> li(size_t(nl), nanf), lt(size_t(nl), nanf), dim_(size_t(nl * dim), nanf),
        dtx(size_t(nl * dim), nanf), dia(size_t(ng * dim), nanf), dta(size_t(ng * dim), nanf);
    lcl_infonce_params p{};
    p.n_local = nl; p.n_global = ng; p.dim = dim; p.offset = off; p.normalizer = normalizer; p.dtype = LCL_FLOAT32;
    p.image = im.data(); p.text = tx.data(); p.image_all = ia.data(); p.text_all = ta.data();
    p.global_valid = valid.empty() ? nullptr : valid.data();
    p.scale = &s; p.loss = &loss; p.lse_i2t = li.data(); p.lse_t2i = lt.data(); p.dloss = &dloss;
    p.dimage = dim_.data(); p.dtext = dtx.data(); p.dimage_all = dia.data(); p.dtext_all = dta.data();
    if (summed) { p.dimage_all = p.dimage; p.dtext_all = p.dtext; }
    p.dscale = &dscale;
    int s1 = lcl_cuda_infonce_forward(&p), s2 = lcl_cuda_infonce_backward(&p);
    if (s1 || s2) {
        std::printf("  call failed: %d %d %s\n", s1, s2, lcl_last_error());
        ++failures;
        return;
    }
    // reference, float64
    std::vector<double> rli(static_cast<size_t>(nl)), rlt(static_cast<size_t>(nl)), rdim(size_t(nl * dim), 0), rdtx(size_t(nl * dim), 0),
        rdia(size_t(ng * dim), 0), rdta(size_t(ng * dim), 0);
    double rloss = 0, rds = 0;
    const double c = double(dloss) / (2.0 * normalizer);
    for (int dir = 0; dir < 2; ++dir) {
        const std::vector<float>& A = dir == 0 ? im : tx;
        const std::vector<float>& Bm = dir == 0 ? ta : ia;
        std::vector<double>& dA = dir == 0 ? rdim : rdtx;
        std::vector<double>& dB = dir == 0 ? rdta : rdia;
        std::vector<double>& L = dir == 0 ? rli : rlt;
        for (int64_t i = 0; i < nl; ++i) {
            std::vector<double> dot(static_cast<size_t>(ng));
            double m = -1e300;
            for (int64_t j = 0; j < ng; ++j) {
                double acc = 0;
                for (int64_t d = 0; d < dim; ++d) acc += double(A[i * dim + d]) * Bm[j * dim + d];
                dot[j] = acc;
                if (valid.empty() || valid[j]) m = std::max(m, s * acc);
            }
            double sum = 0;
            for (int64_t j = 0; j < ng; ++j) if (valid.empty() || valid[j]) sum += std::exp(s * dot[j] - m);
            L[i] = m + std::log(sum);
            const int64_t g = off + i;
            rloss += (L[i] - s * dot[g]) / (2.0 * normalizer);
            for (int64_t j = 0; j < ng; ++j) {
                if (!(valid.empty() || valid[j])) continue;
                const double dl = (std::exp(s * dot[j] - L[i]) - (j == g ? 1.0 : 0.0)) * c;
                rds += dl * dot[j];
                for (int64_t d = 0; d < dim; ++d) {
                    dA[i * dim + d] += s * dl * Bm[j * dim + d];
                    dB[j * dim + d] += s * dl * A[i * dim + d];
                }
            }
        }
    }
    report("loss", {rloss}, &loss, 1);
    report("lse_i2t", rli, li.data(), li.size());
    report("lse_t2i", rlt, lt.data(), lt.size());
    if (summed) {
        for (size_t k = 0; k < rdim.size(); ++k) { rdim[k] += rdia[k]; rdtx[k] += rdta[k]; }
        report("dimage (summed)", rdim, dim_.data(), dim_.size());
        report("dtext (summed)", rdtx, dtx.data(), dtx.size());
    } else {
        report("dimage", rdim, dim_.data(), dim_.size());
        report("dtext", rdtx, dtx.data(), dtx.size());
        report("dimage_all", rdia, dia.data(), dia.size());
        report("dtext_all", rdta, dta.data(), dta.size());
    }
    report("dscale", {rds}, &dscale, 1);
}


// ---------------------------------------------------------------- LM head
// Element types of the call: storage and rounding as the emulation's headers.
struct F32 { using T = float; static constexpr int code = LCL_FLOAT32; static constexpr const char* name = "fp32";
             static T from(float x) { return x; } static float to(T x) { return x; } };
struct BF16 { using T = __nv_bfloat16; static constexpr int code = LCL_BFLOAT16; static constexpr const char* name = "bf16";
              static T from(float x) { return __float2bfloat16_rn(x); } static float to(T x) { return __bfloat162float(x); } };
struct F16 { using T = __half; static constexpr int code = LCL_FLOAT16; static constexpr const char* name = "fp16";
             static T from(float x) { return __float2half_rn(x); } static float to(T x) { return __half2float(x); } };

// n tokens of width dim (row stride hs >= dim), vocabulary V; targets: every
// 5th token ignored (-100), one out of range (treated as ignored on CUDA).
// Checks the forward, the forward with gradients (dloss = 1) and the backward
// (dloss = 1.7) against float64 loops over the same rounded inputs.
template <class E>
void lm_head(int64_t n, int64_t dim, int64_t hs, int64_t V, bool out_of_range) {
    using T = typename E::T;
    std::printf("lm_head %s n_tokens=%lld dim=%lld hidden_stride=%lld vocab=%lld%s\n", E::name, (long long)n,
                (long long)dim, (long long)hs, (long long)V, out_of_range ? " (one target out of range)" : "");
    const int64_t ignore = -100;
    std::vector<T> h(size_t(std::max<int64_t>(n, 1) * hs)), w(size_t(V * dim));
    std::vector<float> hr = randn(h.size()), wr = randn(w.size());
    for (size_t i = 0; i < h.size(); ++i) h[i] = E::from(hr[i]);
    for (size_t i = 0; i < w.size(); ++i) w[i] = E::from(0.5f * wr[i]);  // logits of size ~ sqrt(dim)/2
    std::vector<int64_t> y(size_t(std::max<int64_t>(n, 1)));
    std::uniform_int_distribution<int64_t> pick(0, V - 1);
    int64_t counted = 0;
    for (int64_t t = 0; t < n; ++t) {
        y[t] = t % 5 == 3 ? ignore : pick(rng);
        if (out_of_range && t == 1) y[t] = V + 7;
        if (y[t] != ignore && y[t] >= 0 && y[t] < V) ++counted;
    }
    const float normalizer = float(std::max<int64_t>(counted, 1));
    const float nanf = std::numeric_limits<float>::quiet_NaN();

    // float64 reference over the rounded inputs
    std::vector<double> rl(size_t(n), 0), rdh(size_t(n * dim), 0), rdw(size_t(V * dim), 0);
    double rloss = 0;
    for (int64_t t = 0; t < n; ++t) {
        const bool cnt = y[t] != ignore && y[t] >= 0 && y[t] < V;
        if (!cnt) continue;
        std::vector<double> lg(static_cast<size_t>(V));
        double m = -1e300;
        for (int64_t v = 0; v < V; ++v) {
            double acc = 0;
            for (int64_t d = 0; d < dim; ++d) acc += double(E::to(h[t * hs + d])) * E::to(w[v * dim + d]);
            lg[v] = acc;
            m = std::max(m, acc);
        }
        double sum = 0;
        for (int64_t v = 0; v < V; ++v) sum += std::exp(lg[v] - m);
        rl[t] = m + std::log(sum);
        rloss += (rl[t] - lg[y[t]]) / normalizer;
        for (int64_t v = 0; v < V; ++v) {
            const double dl = (std::exp(lg[v] - rl[t]) - (v == y[t] ? 1.0 : 0.0)) / normalizer;
            for (int64_t d = 0; d < dim; ++d) {
                rdh[t * dim + d] += dl * E::to(w[v * dim + d]);
                rdw[v * dim + d] += dl * E::to(h[t * hs + d]);
            }
        }
    }
    // dhidden is stored in the call's dtype: its rounding (bf16 2^-9, fp16 2^-12
    // relative) bounds the error; fp32 outputs keep the fp32 tolerance.
    const double tol_dh = E::code == LCL_BFLOAT16 ? 8e-3 : E::code == LCL_FLOAT16 ? 1e-3 : 1e-5;
    const int64_t ds = dim + 3;  // dhidden row stride (strided output)
    for (int mode = 0; mode < 2; ++mode) {  // 0: forward, then backward; 1: forward with gradients
        const float dloss = mode == 0 ? 1.7f : 1.f;
        float loss = nanf;
        std::vector<float> lse(y.size(), nanf), dw(size_t(V * dim), nanf);
        std::vector<T> dh(size_t(std::max<int64_t>(n, 1) * ds), E::from(nanf));
        lcl_lm_head_params p{};
        p.n_tokens = n; p.dim = dim; p.vocab = V; p.ignore_index = ignore; p.normalizer = normalizer;
        p.dtype = E::code; p.hidden = h.data(); p.hidden_stride = hs; p.weight = w.data(); p.targets = y.data();
        p.loss = &loss; p.lse = lse.data(); p.dloss = &dloss;
        p.dhidden_stride = ds;
        int st;
        if (mode == 0) {
            st = lcl_cuda_lm_head_forward(&p);
            p.dhidden = dh.data(); p.dweight = dw.data();
            if (st == LCL_OK) st = lcl_cuda_lm_head_backward(&p);
        } else {
            p.dhidden = dh.data(); p.dweight = dw.data();
            st = lcl_cuda_lm_head_forward(&p);
        }
        if (st != LCL_OK) {
            std::printf("  call failed: %d %s\n", st, lcl_last_error());
            ++failures;
            continue;
        }
        std::printf(" %s\n", mode == 0 ? "forward + backward (dloss 1.7)" : "forward with gradients");
        report("loss", {rloss}, &loss, 1);
        report("lse (0 for ignored)", rl, lse.data(), size_t(n));
        std::vector<float> dhf(size_t(n * dim));
        for (int64_t t = 0; t < n; ++t)
            for (int64_t d = 0; d < dim; ++d) dhf[t * dim + d] = E::to(dh[t * ds + d]);
        std::vector<double> sdh(rdh), sdw(rdw);
        for (auto& x : sdh) x *= dloss;
        for (auto& x : sdw) x *= dloss;
        report("dhidden", sdh, dhf.data(), dhf.size(), tol_dh);
        report("dweight", sdw, dw.data(), dw.size());
    }
}

}  // namespace

int main() {
    attention({2, 2, 37, 40, true, {}, {}}, false);
    attention({2, 1, 45, 64, true, {45, 13}, {}}, true);
    attention({3, 1, 33, 136, false, {33, 0, 20}, {}}, false);
    {
        Attn c{1, 2, 41, 72, true, {}, {}};
        for (int i = 0; i < 41; ++i) c.seg.push_back(i < 15 ? 0 : i < 30 ? 1 : 2);
        attention(c, true);
    }
    attention({1, 1, 20, 256, true, {}, {}}, false);
    attention({1, 1, 1, 32, false, {}, {}}, false);
    infonce(37, 37, 64, 0, {});
    infonce(37, 37, 64, 0, {}, /*summed*/ true);
    {
        std::vector<uint8_t> valid(70, 1);
        valid[0] = valid[5] = valid[69] = 0;
        infonce(21, 70, 300, 20, valid);
    }
    infonce(5, 40, 24, 35, {});
    lm_head<F32>(37, 45, 50, 77, true);
    lm_head<F32>(70, 300, 300, 130, false);
    lm_head<BF16>(33, 64, 64, 100, false);
    lm_head<F16>(41, 40, 48, 67, true);
    lm_head<F32>(20, 24, 24, 700, false);  // 3 vocabulary splits in the LSE pass
    lm_head<F32>(0, 16, 16, 9, false);
    std::printf("RESULT: %s (%d failures)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
