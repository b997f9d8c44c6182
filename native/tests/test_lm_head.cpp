// lcl_cpu_lm_head_forward / _backward against the float64 oracle: odd
// vocabulary sizes (not a multiple of any chunk), odd and even dims, token
// counts from 0 to several blocks, ignored tokens (some, all, and an
// ignore_index inside the vocabulary), confident tokens (p ~ 1), padded row
// strides; forward, forward with gradients and backward; every ISA level;
// bitwise equality across thread counts; validation; and a finite-difference
// check of the oracle.
#include "cpu/kernel_table.h"
#include "lcl/kernels.h"
#include "reference/lm_head_ref.h"
#include "test_util.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

using namespace lcl::test;

namespace {

struct Case {
    int64_t n_tokens, dim, vocab, ignore_index;
    int64_t hidden_pad, dhidden_pad;  // extra floats per row (strides dim + pad)
    double ignored_fraction;          // 1 = every token ignored
    bool confident;                   // hidden near its target's weight row: p(target) ~ 1 - 1e-4
    double logit_sd;                  // spread of the random logits
    float normalizer, dloss;
};

std::string describe(const Case& c) {
    char buf[220];
    std::snprintf(buf, sizeof buf, "n %lld dim %lld V %lld ignore %lld (%.0f%%)%s%s sd %.1f",
                  (long long)c.n_tokens, (long long)c.dim, (long long)c.vocab, (long long)c.ignore_index,
                  100 * c.ignored_fraction, c.confident ? " confident" : "",
                  c.hidden_pad || c.dhidden_pad ? " strided" : "", c.logit_sd);
    return buf;
}

struct Buffers {
    std::vector<float> hidden, weight;  // hidden rows at stride dim + hidden_pad
    std::vector<int64_t> targets;
    float loss = 0, dloss = 0;
    std::vector<float> lse, dhidden, dweight;  // dhidden rows at stride dim + dhidden_pad
};

const float kNaN = std::numeric_limits<float>::quiet_NaN();

Buffers make_buffers(const Case& c, Rng& rng) {
    Buffers x;
    const int64_t hs = c.dim + c.hidden_pad;
    // Logits h.w have sd logit_sd when both sides have sd (logit_sd^2 / dim)^(1/4).
    const double sd = std::pow(c.logit_sd * c.logit_sd / double(c.dim), 0.25);
    x.weight.resize(size_t(c.vocab * c.dim));
    for (float& w : x.weight) w = float(sd * rng.normal());
    x.hidden.assign(size_t(std::max<int64_t>(c.n_tokens * hs, 1)), kNaN);  // NaN in the gaps
    x.targets.resize(size_t(std::max<int64_t>(c.n_tokens, 1)));
    for (int64_t t = 0; t < c.n_tokens; ++t) {
        int64_t y = rng.range(0, c.vocab - 1);
        if (rng.coin(c.ignored_fraction)) y = c.ignore_index;
        else while (y == c.ignore_index) y = rng.range(0, c.vocab - 1);  // only when V == 1 and ignore 0: not generated
        x.targets[size_t(t)] = y;
        float* h = &x.hidden[size_t(t * hs)];
        for (int64_t k = 0; k < c.dim; ++k) h[k] = float(sd * rng.normal());
        if (c.confident && y != c.ignore_index) {
            // h = a w_y + noise with a set so the target's logit leads by ~14 + ln V:
            // 1 - p(target) ~ V e^(-14 - ln V) ~ 1e-6 .. 1e-4.
            const float* w = &x.weight[size_t(y * c.dim)];
            double ww = 0;
            for (int64_t k = 0; k < c.dim; ++k) ww += double(w[k]) * w[k];
            const double a = (14.0 + std::log(double(c.vocab))) / std::max(ww, 1e-30);
            for (int64_t k = 0; k < c.dim; ++k) h[k] = float(a * w[k] + 0.1 * h[k]);
        }
    }
    x.dloss = c.dloss;
    x.loss = kNaN;
    x.lse.assign(x.targets.size(), kNaN);
    x.dhidden.assign(size_t(std::max<int64_t>(c.n_tokens * (c.dim + c.dhidden_pad), 1)), kNaN);
    x.dweight.assign(size_t(c.vocab * c.dim), kNaN);
    return x;
}

lcl_lm_head_params params_for(const Case& c, Buffers& x, bool grads) {
    lcl_lm_head_params p{};
    p.n_tokens = c.n_tokens; p.dim = c.dim; p.vocab = c.vocab; p.ignore_index = c.ignore_index;
    p.normalizer = c.normalizer;
    p.dtype = LCL_FLOAT32;
    p.hidden = x.hidden.data(); p.hidden_stride = c.dim + c.hidden_pad;
    p.weight = x.weight.data();
    p.targets = x.targets.data();
    p.loss = &x.loss;
    p.lse = x.lse.data();
    p.dloss = &x.dloss;
    if (grads) {
        p.dhidden = x.dhidden.data(); p.dhidden_stride = c.dim + c.dhidden_pad;
        p.dweight = x.dweight.data();
    }
    return p;
}

Case random_case(Rng& rng, int index) {
    static const int64_t vocabs[] = {1, 7, 1001, 3001, 5003, 257};
    static const int64_t dims[] = {1, 5, 64, 77, 512, 130};
    static const int64_t tokens[] = {0, 1, 37, 300, 3, 513};
    Case c;
    c.vocab = index < 6 ? vocabs[index] : (rng.coin() ? rng.pick(vocabs) : rng.range(1, 2000));
    c.dim = index < 6 ? dims[(index + 2) % 6] : (rng.coin() ? rng.pick(dims) : rng.range(1, 300));
    c.n_tokens = index < 6 ? tokens[(index + 4) % 6] : (rng.coin() ? rng.pick(tokens) : rng.range(0, 400));
    // keep the float64 oracle quick
    while (c.n_tokens * c.vocab * c.dim > 12'000'000 && c.dim > 1) c.dim = std::max<int64_t>(1, c.dim / 2);
    while (c.n_tokens * c.vocab * c.dim > 12'000'000) c.n_tokens /= 2;
    // ignore_index: usually -100; sometimes a vocabulary id (targets equal to it are skipped)
    c.ignore_index = index % 5 == 2 && c.vocab > 1 ? rng.range(0, c.vocab - 1) : -100;
    c.ignored_fraction = index % 7 == 5 ? 1.0 : (index % 3 == 0 ? 0.0 : 0.25);
    c.confident = index % 4 == 3 && c.vocab > 1 && c.dim >= 16;  // a few dims cannot single out the target
    c.hidden_pad = index % 3 == 1 ? 3 : 0;
    c.dhidden_pad = index % 3 == 2 ? 5 : 0;
    c.logit_sd = rng.uniform(0.5, 4.0);
    c.normalizer = float(std::max<int64_t>(1, c.n_tokens) * rng.uniform(0.5, 1.5));
    c.dloss = float(rng.uniform(0.5, 2.0));
    return c;
}

std::vector<double> to_double_rows(const std::vector<float>& x, int64_t n, int64_t dim, int64_t stride) {
    std::vector<double> out(size_t(n * dim));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < dim; ++k) out[size_t(i * dim + k)] = x[size_t(i * stride + k)];
    return out;
}

// Tolerance from the fp32 error of the logits. A logit h.w summed in fp32 over
// dim terms carries an absolute error of a few ulps of the running sums; with
// dim <= 512 and the random-walk growth of rounding (sqrt(dim) / 4 <= 6 ulps)
// that is <= 6 * 2^-23 * Z = 7e-7 Z, where Z = the largest |logit|. Every
// output inherits it as a relative error: p = exp(z - lse) directly; the loss
// per token as log1p(sum over others of exp(z_v - z_y)), whose relative error
// is the absolute error of z_v - z_y; the gradients as sums of dlogits with
// that relative error. The chunked sums over V and over tokens add a few ulps
// (1e-6). So 1e-5 up to Z = 8 (2x margin over 7e-7 * 8 + 1e-6) and
// proportional beyond: confident tokens have Z ~ 14 + ln V, i.e. up to ~23.
double tolerance(double max_abs_logit) { return 1e-5 * std::max(1.0, max_abs_logit / 8.0); }

double max_abs_logit(const Case& c, const std::vector<double>& h, const std::vector<double>& w) {
    double z = 0;
    for (int64_t t = 0; t < c.n_tokens; ++t)
        for (int64_t v = 0; v < c.vocab; ++v) {
            double dot = 0;
            for (int64_t k = 0; k < c.dim; ++k) dot += h[size_t(t * c.dim + k)] * w[size_t(v * c.dim + k)];
            z = std::max(z, std::abs(dot));
        }
    return z;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void run_case(Checker& ck, const Case& c, Rng& rng, int index) {
    const std::string what = "case " + std::to_string(index) + " (" + describe(c) + ")";
    Buffers x = make_buffers(c, rng);
    const int64_t hs = c.dim + c.hidden_pad, ds = c.dim + c.dhidden_pad;

    // oracle
    lcl::ref::LmHeadShape shape{c.n_tokens, c.dim, c.vocab, c.ignore_index, double(c.normalizer)};
    const std::vector<double> h = to_double_rows(x.hidden, c.n_tokens, c.dim, hs);
    const std::vector<double> w(x.weight.begin(), x.weight.end());
    std::vector<double> lse(size_t(std::max<int64_t>(c.n_tokens, 1)));
    const double loss = lcl::ref::lm_head_forward(shape, h.data(), w.data(), x.targets.data(), lse.data());
    std::vector<double> dh(size_t(c.n_tokens * c.dim)), dw(size_t(c.vocab * c.dim)), mh(dh.size()), mw(dw.size());
    lcl::ref::lm_head_backward(shape, h.data(), w.data(), x.targets.data(), 1.0, dh.data(), dw.data(), mh.data(),
                               mw.data());
    const double tol = tolerance(max_abs_logit(c, h, w));
    int64_t counted = 0;
    for (int64_t t = 0; t < c.n_tokens; ++t) counted += x.targets[size_t(t)] != c.ignore_index;
    // gradient size per unit feature: the |dlogits| of one token sum to <= 2 / normalizer
    const double grad_scale = 2.0 / double(c.normalizer) * std::sqrt(double(std::max<int64_t>(counted, 1)));

    auto check_forward = [&](const Buffers& y, const char* mode) {
        const double e_loss = std::abs(double(y.loss) - loss) / (loss != 0 ? std::abs(loss) : 1.0);
        ErrAcc el;
        bool ignored_zero = true;
        for (int64_t t = 0; t < c.n_tokens; ++t) {
            el.add(y.lse[size_t(t)], lse[size_t(t)]);
            if (x.targets[size_t(t)] == c.ignore_index) ignored_zero = ignored_zero && y.lse[size_t(t)] == 0.0f;
        }
        ck.check(e_loss < tol, "%s %s: loss %.9g vs %.9g (rel %.3e, tol %.1e)", what.c_str(), mode, double(y.loss),
                 loss, e_loss, tol);
        ck.check(el.rel() < tol, "%s %s: lse relative error %.3e (tol %.1e)", what.c_str(), mode, el.rel(), tol);
        ck.check(ignored_zero, "%s %s: an ignored token's lse is not 0", what.c_str(), mode);
        return e_loss;
    };
    auto check_grads = [&](const Buffers& y, double dloss, const char* mode, double* e_out) {
        ErrAcc eh, ew;
        bool gaps = true;
        for (int64_t t = 0; t < c.n_tokens; ++t) {
            for (int64_t k = 0; k < c.dim; ++k)
                eh.add(y.dhidden[size_t(t * ds + k)], dloss * dh[size_t(t * c.dim + k)],
                       std::abs(dloss) * mh[size_t(t * c.dim + k)]);
            for (int64_t k = c.dim; k < ds; ++k) gaps = gaps && std::isnan(y.dhidden[size_t(t * ds + k)]);
        }
        for (size_t i = 0; i < dw.size(); ++i) ew.add(y.dweight[i], dloss * dw[i], std::abs(dloss) * mw[i]);
        const double gs = std::abs(dloss) * grad_scale;
        ck.check(eh.ok(tol, gs), "%s %s: dhidden relative error %.3e (vs magnitudes %.3e, tol %.1e)", what.c_str(),
                 mode, eh.rel(), eh.rel_mag(), tol);
        ck.check(ew.ok(tol, gs), "%s %s: dweight relative error %.3e (vs magnitudes %.3e, tol %.1e)", what.c_str(),
                 mode, ew.rel(), ew.rel_mag(), tol);
        ck.check(gaps, "%s %s: dhidden written between rows (stride gap)", what.c_str(), mode);
        e_out[0] = eh.rel();
        e_out[1] = ew.rel();
    };

    // 1. forward only: no gradient buffer is touched
    Buffers f = x;
    lcl_lm_head_params p = params_for(c, f, false);
    int st = lcl_cpu_lm_head_forward(&p);
    ck.check(st == LCL_OK, "%s: forward returned %d: %s", what.c_str(), st, lcl_last_error());
    const double e_loss = check_forward(f, "forward");
    ck.check(std::isnan(f.dweight[0]), "%s: forward without gradients wrote dweight", what.c_str());

    // 2. forward with gradients (dloss = 1)
    Buffers g = x;
    p = params_for(c, g, true);
    st = lcl_cpu_lm_head_forward(&p);
    ck.check(st == LCL_OK, "%s: forward with gradients returned %d: %s", what.c_str(), st, lcl_last_error());
    check_forward(g, "forward+grads");
    ck.check(std::memcmp(&f.loss, &g.loss, 4) == 0 && same_bits(f.lse, g.lse),
             "%s: forward with gradients gives other loss/lse bits than the forward", what.c_str());
    double e_fg[2];
    check_grads(g, 1.0, "forward+grads", e_fg);

    // 3. backward from the saved lse, with dloss
    Buffers b = x;
    b.lse = g.lse;
    p = params_for(c, b, true);
    st = lcl_cpu_lm_head_backward(&p);
    ck.check(st == LCL_OK, "%s: backward returned %d: %s", what.c_str(), st, lcl_last_error());
    double e_b[2];
    check_grads(b, double(c.dloss), "backward", e_b);
    std::printf("  %-3d %-62s tol %.1e loss %.1e | fwd+grads dH %.1e dW %.1e | bwd dH %.1e dW %.1e\n", index,
                describe(c).c_str(), tol, e_loss, e_fg[0], e_fg[1], e_b[0], e_b[1]);

    // 4. thread counts 1 and 3 give the default's bits
    const int saved = lcl_cpu_get_num_threads();
    for (int threads : {1, 3}) {
        lcl_cpu_set_num_threads(threads);
        Buffers g2 = x, b2 = x;
        b2.lse = g.lse;
        lcl_lm_head_params p2 = params_for(c, g2, true), p3 = params_for(c, b2, true);
        st = lcl_cpu_lm_head_forward(&p2) | lcl_cpu_lm_head_backward(&p3);
        ck.check(st == LCL_OK, "%s: %d threads failed: %s", what.c_str(), threads, lcl_last_error());
        ck.check(std::memcmp(&g.loss, &g2.loss, 4) == 0 && same_bits(g.lse, g2.lse) && same_bits(g.dhidden, g2.dhidden) &&
                     same_bits(g.dweight, g2.dweight),
                 "%s: forward with gradients on %d threads differs from the default's bits", what.c_str(), threads);
        ck.check(same_bits(b.dhidden, b2.dhidden) && same_bits(b.dweight, b2.dweight),
                 "%s: backward on %d threads differs from the default's bits", what.c_str(), threads);
    }
    lcl_cpu_set_num_threads(saved);
}

// The float64 oracle's analytic gradients agree with central differences.
void check_reference_gradients(Checker& ck, Rng& rng) {
    lcl::ref::LmHeadShape shape{5, 4, 7, 2, 3.5};
    const int64_t targets[5] = {0, 2, 6, 3, 1};  // token 1 ignored (ignore_index 2)
    std::vector<double> h(size_t(5 * 4)), w(size_t(7 * 4)), lse(5);
    for (double& e : h) e = rng.normal();
    for (double& e : w) e = rng.normal();
    std::vector<double> dh(h.size()), dw(w.size());
    const double dloss = 1.3;
    lcl::ref::lm_head_backward(shape, h.data(), w.data(), targets, dloss, dh.data(), dw.data());
    auto f = [&]() { return dloss * lcl::ref::lm_head_forward(shape, h.data(), w.data(), targets, lse.data()); };
    ErrAcc err;
    const double step = 1e-6;
    for (auto [x, d] : {std::pair{&h, &dh}, std::pair{&w, &dw}})
        for (size_t i = 0; i < x->size(); ++i) {
            const double keep = (*x)[i];
            (*x)[i] = keep + step; const double up = f();
            (*x)[i] = keep - step; const double down = f();
            (*x)[i] = keep;
            err.add((*d)[i], (up - down) / (2 * step));
        }
    std::printf("  float64 oracle vs finite differences: relative error %.2e\n", err.rel());
    ck.check(err.rel() < 1e-7, "float64 LM-head oracle disagrees with finite differences: %.3e", err.rel());
}

void check_validation(Checker& ck, Rng& rng) {
    Case c{6, 8, 11, -100, 0, 0, 0.0, false, 1.0, 6.0f, 1.0f};
    Buffers x = make_buffers(c, rng);
    const lcl_lm_head_params good = params_for(c, x, true);
    auto expect = [&](const char* what, lcl_lm_head_params p, bool backward, int status, const char* needle) {
        x.loss = 7.0f;
        x.lse[0] = 7.0f;
        x.dhidden[0] = 7.0f;
        x.dweight[0] = 7.0f;
        const int st = backward ? lcl_cpu_lm_head_backward(&p) : lcl_cpu_lm_head_forward(&p);
        const std::string msg = lcl_last_error();
        ck.check(st == status && contains(msg, needle),
                 "validation '%s': got status %d message \"%s\", wanted %d mentioning \"%s\"", what, st,
                 msg.c_str(), status, needle);
        ck.check(x.loss == 7.0f && x.lse[0] == 7.0f && x.dhidden[0] == 7.0f && x.dweight[0] == 7.0f,
                 "validation '%s': output written despite the error", what);
    };
    ck.check(lcl_cpu_lm_head_forward(nullptr) == LCL_ERR_NULL_POINTER && contains(lcl_last_error(), "params"),
             "NULL params: %s", lcl_last_error());
    ck.check(lcl_cpu_lm_head_backward(nullptr) == LCL_ERR_NULL_POINTER && contains(lcl_last_error(), "params"),
             "NULL params (backward): %s", lcl_last_error());
    lcl_lm_head_params p = good; p.hidden = nullptr;
    expect("hidden NULL", p, false, LCL_ERR_NULL_POINTER, "hidden is NULL");
    p = good; p.weight = nullptr;
    expect("weight NULL", p, true, LCL_ERR_NULL_POINTER, "weight is NULL");
    p = good; p.targets = nullptr;
    expect("targets NULL", p, false, LCL_ERR_NULL_POINTER, "targets is NULL");
    p = good; p.lse = nullptr;
    expect("lse NULL", p, true, LCL_ERR_NULL_POINTER, "lse is NULL");
    p = good; p.loss = nullptr;
    expect("loss NULL", p, false, LCL_ERR_NULL_POINTER, "loss is NULL");
    p = good; p.dloss = nullptr;
    expect("dloss NULL", p, true, LCL_ERR_NULL_POINTER, "dloss is NULL");
    p = good; p.dhidden = nullptr;
    expect("dhidden NULL (backward)", p, true, LCL_ERR_NULL_POINTER, "dhidden is NULL");
    p = good; p.dweight = nullptr;
    expect("forward with dhidden only", p, false, LCL_ERR_NULL_POINTER, "needs both dhidden and dweight");
    p = good; p.n_tokens = -1;
    expect("n_tokens < 0", p, false, LCL_ERR_BAD_SHAPE, "n_tokens");
    p = good; p.dim = 0;
    expect("dim 0", p, false, LCL_ERR_BAD_SHAPE, "dim");
    p = good; p.vocab = 0;
    expect("vocab 0", p, true, LCL_ERR_BAD_SHAPE, "vocab");
    p = good; p.normalizer = 0.0f;
    expect("normalizer 0", p, false, LCL_ERR_BAD_VALUE, "normalizer");
    p = good; p.normalizer = kNaN;
    expect("normalizer NaN", p, true, LCL_ERR_BAD_VALUE, "normalizer");
    p = good; p.dtype = LCL_BFLOAT16;
    expect("bf16", p, false, LCL_ERR_BAD_DTYPE, "dtype");
    p = good; p.dtype = 9;
    expect("dtype 9", p, false, LCL_ERR_BAD_DTYPE, "dtype");
    p = good; p.hidden_stride = c.dim - 1;
    expect("hidden_stride < dim", p, false, LCL_ERR_BAD_STRIDE, "hidden_stride");
    p = good; p.dhidden_stride = 2;
    expect("dhidden_stride < dim", p, true, LCL_ERR_BAD_STRIDE, "dhidden_stride");
    const int64_t keep = x.targets[4];
    x.targets[4] = c.vocab;  // one past the end
    p = good;
    expect("target == vocab", p, false, LCL_ERR_BAD_VALUE, "targets[4]");
    x.targets[4] = -3;
    expect("target < 0", p, true, LCL_ERR_BAD_VALUE, "targets[4]");
    x.targets[4] = keep;
    float nan_dloss = kNaN;
    p = good; p.dloss = &nan_dloss;
    expect("dloss NaN", p, true, LCL_ERR_BAD_VALUE, "dloss");
    p = good;
    ck.check(lcl_cpu_lm_head_forward(&p) == LCL_OK && lcl_last_error()[0] == '\0',
             "successful call leaves error \"%s\"", lcl_last_error());
}

}  // namespace

int main() {
    Checker ck;
    Rng rng(pick_seed("test_lm_head"));
    check_reference_gradients(ck, rng);
    // Every ISA level this CPU runs: the full set of cases on the one the
    // library picks by default, a sample on the narrower ones.
    const std::string best = lcl::cpu::kernels().name;
    int index = 0;
    for (const char* isa : {"x86-64-v4", "x86-64-v3", "baseline"}) {
        if (!lcl::cpu::select_kernels(isa)) continue;
        const int n_cases = isa == best ? 24 : 8;
        std::printf("kernels %s: %d cases\n", isa, n_cases);
        for (int i = 0; i < n_cases; ++i, ++index) run_case(ck, random_case(rng, i), rng, index);
    }
    lcl::cpu::select_kernels(best.c_str());
    lcl_cpu_set_num_threads(0);
    check_validation(ck, rng);
    return ck.report("test_lm_head");
}
