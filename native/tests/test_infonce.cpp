// lcl_cpu_infonce_forward / _backward against the float64 oracle: one-rank form
// (the same buffers as local and global), multi-rank form (offsets, padding
// columns masked by global_valid), odd row counts and dims, all five gradients,
// bitwise determinism, validation, and a finite-difference check of the oracle.
#include "cpu/kernel_table.h"
#include "lcl/kernels.h"
#include "reference/infonce_ref.h"
#include "test_util.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

using namespace lcl::test;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Case {
    int64_t n_local, n_global, dim, offset;
    bool one_rank;        // local and global are the same buffers
    bool use_valid;       // global_valid given (some padding columns)
    bool aligned;         // text rows near their image rows: a confident model, p(positive) ~ 1 - 1e-6
    float scale, normalizer, dloss;
};

std::string describe(const Case& c) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "n_local %lld n_global %lld dim %lld offset %lld %s%s%s s=%.2f",
                  (long long)c.n_local, (long long)c.n_global, (long long)c.dim, (long long)c.offset,
                  c.one_rank ? "one-rank" : "multi-rank", c.use_valid ? " +padding" : "",
                  c.aligned ? " aligned" : "", c.scale);
    return buf;
}

// L2-normalised random rows, as the model feeds them.
void unit_rows(std::vector<float>& x, int64_t n, int64_t dim, Rng& rng) {
    x.resize(size_t(n * dim));
    for (int64_t i = 0; i < n; ++i) {
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d) {
            x[size_t(i * dim + d)] = float(rng.normal());
            norm += double(x[size_t(i * dim + d)]) * x[size_t(i * dim + d)];
        }
        for (int64_t d = 0; d < dim; ++d) x[size_t(i * dim + d)] = float(x[size_t(i * dim + d)] / std::sqrt(norm));
    }
}

struct Buffers {
    std::vector<float> image_all, text_all, image_own, text_own;  // own: multi-rank local rows
    std::vector<uint8_t> valid;
    float scale = 0, loss = 0, dloss = 0, dscale = 0;
    std::vector<float> lse_i2t, lse_t2i, dimage, dtext, dimage_all, dtext_all;
};

lcl_infonce_params params_for(const Case& c, Buffers& x) {
    lcl_infonce_params p{};
    p.n_local = c.n_local; p.n_global = c.n_global; p.dim = c.dim; p.offset = c.offset;
    p.normalizer = c.normalizer;
    p.dtype = LCL_FLOAT32;
    p.image_all = x.image_all.data();
    p.text_all = x.text_all.data();
    if (c.one_rank) {
        p.image = x.image_all.data();
        p.text = x.text_all.data();
    } else {
        p.image = x.image_own.data();
        p.text = x.text_own.data();
    }
    p.global_valid = c.use_valid ? x.valid.data() : nullptr;
    p.scale = &x.scale;
    p.loss = &x.loss;
    p.lse_i2t = x.lse_i2t.data();
    p.lse_t2i = x.lse_t2i.data();
    p.dloss = &x.dloss;
    p.dimage = x.dimage.data(); p.dtext = x.dtext.data();
    p.dimage_all = x.dimage_all.data(); p.dtext_all = x.dtext_all.data();
    p.dscale = &x.dscale;
    return p;
}

Buffers make_buffers(const Case& c, Rng& rng) {
    Buffers x;
    unit_rows(x.image_all, c.n_global, c.dim, rng);
    unit_rows(x.text_all, c.n_global, c.dim, rng);
    if (c.aligned) {  // text = normalise(image + 1.7 noise): cos(image, text) ~ 0.5
        for (int64_t i = 0; i < c.n_global; ++i) {
            double norm = 0;
            float* t = &x.text_all[size_t(i * c.dim)];
            for (int64_t d = 0; d < c.dim; ++d) {
                t[d] = x.image_all[size_t(i * c.dim + d)] + 1.7f * t[d];
                norm += double(t[d]) * t[d];
            }
            for (int64_t d = 0; d < c.dim; ++d) t[d] = float(t[d] / std::sqrt(norm));
        }
    }
    // Local rows are a copy of this rank's slice of the gathered batch (a separate
    // allocation, as after an all-gather).
    x.image_own.assign(x.image_all.begin() + c.offset * c.dim, x.image_all.begin() + (c.offset + c.n_local) * c.dim);
    x.text_own.assign(x.text_all.begin() + c.offset * c.dim, x.text_all.begin() + (c.offset + c.n_local) * c.dim);
    x.valid.assign(size_t(c.n_global), 1);
    if (c.use_valid) {
        for (int64_t j = 0; j < c.n_global; ++j)
            if ((j < c.offset || j >= c.offset + c.n_local) && rng.coin(0.3)) x.valid[size_t(j)] = 0;
    }
    x.scale = c.scale;
    x.dloss = c.dloss;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    x.loss = x.dscale = nan;
    x.lse_i2t.assign(size_t(c.n_local), nan);
    x.lse_t2i.assign(size_t(c.n_local), nan);
    x.dimage.assign(size_t(c.n_local * c.dim), nan);
    x.dtext.assign(size_t(c.n_local * c.dim), nan);
    x.dimage_all.assign(size_t(c.n_global * c.dim), nan);
    x.dtext_all.assign(size_t(c.n_global * c.dim), nan);
    return x;
}

Case random_case(Rng& rng, int index) {
    static const int64_t rows[] = {1, 3, 17, 64, 65, 130};
    static const int64_t dims[] = {1, 5, 64, 77, 512};
    Case c;
    c.n_local = index < 6 ? rows[index] : (rng.coin() ? rng.pick(rows) : rng.range(1, 150));
    c.dim = index < 5 ? dims[index] : (rng.coin() ? rng.pick(dims) : rng.range(1, 300));
    c.one_rank = index % 3 == 0;
    if (c.one_rank) {
        c.n_global = c.n_local;
        c.offset = 0;
        c.use_valid = false;
    } else {
        const int64_t ranks = rng.range(2, 4);
        const int64_t rank = rng.range(0, ranks - 1);
        c.n_global = ranks * c.n_local + rng.range(0, 5);  // plus a few padding rows
        c.offset = rank * c.n_local;
        c.use_valid = index % 3 == 1;
    }
    while (c.n_local * c.n_global * c.dim > 12'000'000) c.dim = std::max<int64_t>(1, c.dim / 2);
    // Up to the usual clamp of exp(logit_scale) = 100: logits of +-100 in fp32.
    c.scale = float(index % 8 == 7 ? 100.0 : rng.uniform(1.0, 30.0));
    c.aligned = index % 8 == 7 || index % 8 == 3;
    c.normalizer = float(rng.coin() ? c.n_local : c.n_global);
    c.dloss = float(rng.uniform(0.5, 2.0));
    return c;
}

// 1e-5, except that fp32 logits s * dot carry an absolute rounding error that
// grows with s (ulp(100) is 7.6e-6), and p = exp(logit - lse) inherits it as a
// relative error: at s = 100 with a confident model that alone reaches ~2e-5
// against float64, so the bound scales as 1e-5 * max(1, s / 12.5) (8e-5 at s = 100: 50 runs of
// fresh seeds showed up to 4.1e-5 there).
double tolerance(float scale) { return 1e-5 * std::max(1.0, double(scale) / 12.5); }

std::vector<double> to_double(const std::vector<float>& x) { return std::vector<double>(x.begin(), x.end()); }

ErrAcc compare(const std::vector<float>& out, const std::vector<double>& ref, const std::vector<double>& mag) {
    ErrAcc e;
    for (size_t i = 0; i < ref.size(); ++i) e.add(out[i], ref[i], mag[i]);
    return e;
}

void run_case(Checker& ck, const Case& c, Rng& rng, int index) {
    Buffers x = make_buffers(c, rng);
    lcl_infonce_params p = params_for(c, x);
    const std::string what = "case " + std::to_string(index) + " (" + describe(c) + ")";
    const double kTol = tolerance(c.scale);
    // the size of one row's gradient, s * |dloss| / (2 * normalizer) per unit feature
    const double grad_scale = double(c.scale) * std::abs(double(c.dloss)) / (2.0 * double(c.normalizer))
                              * std::sqrt(double(c.n_local));
    int st = lcl_cpu_infonce_forward(&p);
    ck.check(st == LCL_OK, "%s: forward returned %d: %s", what.c_str(), st, lcl_last_error());
    st = lcl_cpu_infonce_backward(&p);
    ck.check(st == LCL_OK, "%s: backward returned %d: %s", what.c_str(), st, lcl_last_error());

    lcl::ref::InfonceShape shape{c.n_local, c.n_global, c.dim, c.offset, double(c.normalizer), double(c.scale),
                                 c.use_valid ? x.valid.data() : nullptr};
    const auto ia = to_double(x.image_all), ta = to_double(x.text_all);
    const auto il = c.one_rank ? ia : to_double(x.image_own), tl = c.one_rank ? ta : to_double(x.text_own);
    std::vector<double> lse_i2t(size_t(c.n_local)), lse_t2i(size_t(c.n_local));
    const double loss = lcl::ref::infonce_forward(shape, il.data(), tl.data(), ia.data(), ta.data(),
                                                  lse_i2t.data(), lse_t2i.data());
    std::vector<double> di(size_t(c.n_local * c.dim)), dt(di.size()), dia(size_t(c.n_global * c.dim)), dta(dia.size());
    double dscale = 0;
    lcl::ref::infonce_backward(shape, il.data(), tl.data(), ia.data(), ta.data(), double(c.dloss), di.data(),
                               dt.data(), dia.data(), dta.data(), &dscale);
    std::vector<double> mi(di.size()), mt(di.size()), mia(dia.size()), mta(dia.size());
    double mscale = 0;
    lcl::ref::infonce_backward_magnitudes(shape, il.data(), tl.data(), ia.data(), ta.data(), double(c.dloss),
                                          mi.data(), mt.data(), mia.data(), mta.data(), &mscale);

    const double e_loss = std::abs(x.loss - loss) / (loss != 0 ? std::abs(loss) : 1.0);  // n_global 1: loss is 0
    ErrAcc el;
    for (size_t i = 0; i < lse_i2t.size(); ++i) { el.add(x.lse_i2t[i], lse_i2t[i]); el.add(x.lse_t2i[i], lse_t2i[i]); }
    const ErrAcc e_di = compare(x.dimage, di, mi), e_dt = compare(x.dtext, dt, mt);
    const ErrAcc e_dia = compare(x.dimage_all, dia, mia), e_dta = compare(x.dtext_all, dta, mta);
    ErrAcc e_ds;
    e_ds.add(x.dscale, dscale, mscale);
    std::printf("  %-3d %-66s loss %.1e lse %.1e dI %.1e dT %.1e dIall %.1e dTall %.1e ds %.1e (%.1e)\n", index,
                describe(c).c_str(), e_loss, el.rel(), e_di.rel(), e_dt.rel(), e_dia.rel(), e_dta.rel(), e_ds.rel(),
                e_ds.rel_mag());
    ck.check(e_loss < kTol, "%s: loss %.9g vs %.9g (rel %.3e)", what.c_str(), double(x.loss), loss, e_loss);
    ck.check(el.rel() < kTol, "%s: LSE relative error %.3e", what.c_str(), el.rel());
    ck.check(e_di.ok(kTol, grad_scale), "%s: dimage relative error %.3e (vs term magnitudes %.3e)", what.c_str(),
             e_di.rel(), e_di.rel_mag());
    ck.check(e_dt.ok(kTol, grad_scale), "%s: dtext relative error %.3e (vs term magnitudes %.3e)", what.c_str(),
             e_dt.rel(), e_dt.rel_mag());
    ck.check(e_dia.ok(kTol, grad_scale), "%s: dimage_all relative error %.3e (vs term magnitudes %.3e)", what.c_str(),
             e_dia.rel(), e_dia.rel_mag());
    ck.check(e_dta.ok(kTol, grad_scale), "%s: dtext_all relative error %.3e (vs term magnitudes %.3e)", what.c_str(),
             e_dta.rel(), e_dta.rel_mag());
    ck.check(e_ds.ok(kTol), "%s: dscale %.9g vs %.9g (rel %.3e, vs term magnitudes %.3e)", what.c_str(),
             double(x.dscale), dscale, e_ds.rel(), e_ds.rel_mag());
    if (c.use_valid) {
        bool zero = true;
        for (int64_t j = 0; j < c.n_global; ++j)
            if (!x.valid[size_t(j)])
                for (int64_t d = 0; d < c.dim; ++d)
                    zero = zero && x.dimage_all[size_t(j * c.dim + d)] == 0.0f && x.dtext_all[size_t(j * c.dim + d)] == 0.0f;
        ck.check(zero, "%s: padding columns got non-zero gradients", what.c_str());
    }

    // One rank, summed gradients: dimage_all == dimage and dtext_all == dtext ask
    // for dimage + dimage_all and dtext + dtext_all in one buffer each.
    if (c.one_rank) {
        Buffers z = x;
        z.dimage.assign(z.dimage.size(), kNaN);
        z.dtext.assign(z.dtext.size(), kNaN);
        lcl_infonce_params ps = params_for(c, z);
        ps.dimage_all = ps.dimage;
        ps.dtext_all = ps.dtext;
        st = lcl_cpu_infonce_backward(&ps);
        ck.check(st == LCL_OK, "%s: summed backward returned %d: %s", what.c_str(), st, lcl_last_error());
        std::vector<double> si(di.size()), st_(dt.size()), msi(di.size()), mst(dt.size());
        for (size_t i = 0; i < di.size(); ++i) {
            si[i] = di[i] + dia[i]; st_[i] = dt[i] + dta[i];
            msi[i] = mi[i] + mia[i]; mst[i] = mt[i] + mta[i];
        }
        const ErrAcc e_si = compare(z.dimage, si, msi), e_st = compare(z.dtext, st_, mst);
        ErrAcc e_ss;
        e_ss.add(z.dscale, dscale, mscale);
        ck.check(e_si.ok(kTol, grad_scale), "%s: summed dimage relative error %.3e (vs magnitudes %.3e)",
                 what.c_str(), e_si.rel(), e_si.rel_mag());
        ck.check(e_st.ok(kTol, grad_scale), "%s: summed dtext relative error %.3e (vs magnitudes %.3e)",
                 what.c_str(), e_st.rel(), e_st.rel_mag());
        ck.check(e_ss.ok(kTol), "%s: summed dscale %.9g vs %.9g", what.c_str(), double(z.dscale), dscale);
        // thread counts give the same bits in this form too
        const int saved = lcl_cpu_get_num_threads();
        for (int threads : {1, 3}) {
            lcl_cpu_set_num_threads(threads);
            Buffers z2 = z;
            lcl_infonce_params p2 = params_for(c, z2);
            p2.dimage_all = p2.dimage;
            p2.dtext_all = p2.dtext;
            st = lcl_cpu_infonce_backward(&p2);
            ck.check(st == LCL_OK && std::memcmp(&z.dscale, &z2.dscale, 4) == 0 && same_bits(z.dimage, z2.dimage) &&
                         same_bits(z.dtext, z2.dtext),
                     "%s: summed backward on %d threads differs from the default's bits", what.c_str(), threads);
        }
        lcl_cpu_set_num_threads(saved);
    }

    // Thread counts 1 and 3 give the bits of the default count.
    {
        const int saved = lcl_cpu_get_num_threads();
        for (int threads : {1, 3}) {
            lcl_cpu_set_num_threads(threads);
            Buffers y = x;
            lcl_infonce_params p2 = params_for(c, y);
            st = lcl_cpu_infonce_forward(&p2) | lcl_cpu_infonce_backward(&p2);
            ck.check(st == LCL_OK, "%s: %d threads failed: %s", what.c_str(), threads, lcl_last_error());
            ck.check(std::memcmp(&x.loss, &y.loss, 4) == 0 && std::memcmp(&x.dscale, &y.dscale, 4) == 0 &&
                         same_bits(x.lse_i2t, y.lse_i2t) && same_bits(x.lse_t2i, y.lse_t2i) &&
                         same_bits(x.dimage, y.dimage) && same_bits(x.dtext, y.dtext) &&
                         same_bits(x.dimage_all, y.dimage_all) && same_bits(x.dtext_all, y.dtext_all),
                     "%s: %d threads differ from the default's bits", what.c_str(), threads);
        }
        lcl_cpu_set_num_threads(saved);
    }

    // Determinism: a second run gives the same bits everywhere.
    Buffers y = x;
    y.lse_i2t.assign(y.lse_i2t.size(), 0.0f);
    y.dimage.assign(y.dimage.size(), 0.0f);
    y.dtext_all.assign(y.dtext_all.size(), 0.0f);
    y.loss = y.dscale = 0.0f;
    lcl_infonce_params p2 = params_for(c, y);
    st = lcl_cpu_infonce_forward(&p2) | lcl_cpu_infonce_backward(&p2);
    ck.check(st == LCL_OK, "%s: second run failed", what.c_str());
    auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
        return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
    };
    ck.check(std::memcmp(&x.loss, &y.loss, 4) == 0 && same(x.lse_i2t, y.lse_i2t) && same(x.lse_t2i, y.lse_t2i),
             "%s: forward not bitwise reproducible", what.c_str());
    ck.check(std::memcmp(&x.dscale, &y.dscale, 4) == 0 && same(x.dimage, y.dimage) && same(x.dtext, y.dtext) &&
                 same(x.dimage_all, y.dimage_all) && same(x.dtext_all, y.dtext_all),
             "%s: backward not bitwise reproducible", what.c_str());
}

// The float64 oracle's analytic gradients agree with central differences.
void check_reference_gradients(Checker& ck, Rng& rng) {
    const int64_t nl = 3, ng = 8, dim = 6, offset = 2;
    std::vector<uint8_t> valid{1, 0, 1, 1, 1, 1, 0, 1};
    lcl::ref::InfonceShape shape{nl, ng, dim, offset, 5.0, 4.0, valid.data()};
    std::vector<double> im(size_t(nl * dim)), tx(im.size()), ia(size_t(ng * dim)), ta(ia.size());
    for (auto* t : {&im, &tx, &ia, &ta})
        for (double& e : *t) e = rng.normal() * 0.4;
    std::vector<double> dim_(im.size()), dtx(im.size()), dia(ia.size()), dta(ia.size()), l1(nl), l2(nl);
    double dscale = 0;
    const double dloss = 1.3;
    lcl::ref::infonce_backward(shape, im.data(), tx.data(), ia.data(), ta.data(), dloss, dim_.data(), dtx.data(),
                               dia.data(), dta.data(), &dscale);
    auto f = [&]() {
        return dloss * lcl::ref::infonce_forward(shape, im.data(), tx.data(), ia.data(), ta.data(), l1.data(), l2.data());
    };
    ErrAcc err;
    const double h = 1e-6;
    std::vector<double>* inputs[4] = {&im, &tx, &ia, &ta};
    const std::vector<double>* grads[4] = {&dim_, &dtx, &dia, &dta};
    for (int t = 0; t < 4; ++t)
        for (size_t i = 0; i < inputs[t]->size(); ++i) {
            double& v = (*inputs[t])[i];
            const double keep = v;
            v = keep + h; const double up = f();
            v = keep - h; const double down = f();
            v = keep;
            err.add((*grads[t])[i], (up - down) / (2 * h));
        }
    const double keep = shape.scale;
    shape.scale = keep + h; const double up = f();
    shape.scale = keep - h; const double down = f();
    shape.scale = keep;
    err.add(dscale, (up - down) / (2 * h));
    std::printf("  float64 oracle vs finite differences: relative error %.2e\n", err.rel());
    ck.check(err.rel() < 1e-7, "float64 InfoNCE oracle disagrees with finite differences: %.3e", err.rel());
}

void check_validation(Checker& ck, Rng& rng) {
    Case c{4, 12, 8, 4, false, true, false, 10.0f, 4.0f, 1.0f};
    Buffers x = make_buffers(c, rng);
    x.valid.assign(12, 1);
    const lcl_infonce_params good = params_for(c, x);
    auto expect = [&](const char* what, lcl_infonce_params p, bool backward, int status, const char* needle) {
        x.loss = 7.0f;
        x.lse_i2t[0] = 7.0f;
        x.dimage[0] = 7.0f;
        const int st = backward ? lcl_cpu_infonce_backward(&p) : lcl_cpu_infonce_forward(&p);
        const std::string msg = lcl_last_error();
        ck.check(st == status && contains(msg, needle),
                 "validation '%s': got status %d message \"%s\", wanted %d mentioning \"%s\"", what, st,
                 msg.c_str(), status, needle);
        ck.check(x.loss == 7.0f && x.lse_i2t[0] == 7.0f && x.dimage[0] == 7.0f,
                 "validation '%s': output written despite the error", what);
    };
    ck.check(lcl_cpu_infonce_forward(nullptr) == LCL_ERR_NULL_POINTER && contains(lcl_last_error(), "params"),
             "NULL params: %s", lcl_last_error());
    lcl_infonce_params p = good; p.image = nullptr;
    expect("image NULL", p, false, LCL_ERR_NULL_POINTER, "image is NULL");
    p = good; p.text_all = nullptr;
    expect("text_all NULL", p, true, LCL_ERR_NULL_POINTER, "text_all is NULL");
    p = good; p.dscale = nullptr;
    expect("dscale NULL", p, true, LCL_ERR_NULL_POINTER, "dscale is NULL");
    p = good; p.dimage_all = nullptr;
    expect("dimage_all NULL", p, true, LCL_ERR_NULL_POINTER, "dimage_all is NULL");
    p = good; p.n_local = 0;
    expect("n_local 0", p, false, LCL_ERR_BAD_SHAPE, "n_local");
    p = good; p.dim = 0;
    expect("dim 0", p, false, LCL_ERR_BAD_SHAPE, "dim");
    p = good; p.offset = 9;
    expect("offset too big", p, false, LCL_ERR_BAD_SHAPE, "offset");
    p = good; p.n_global = 3;
    expect("n_global < n_local", p, false, LCL_ERR_BAD_SHAPE, "n_global");
    p = good; p.normalizer = 0.0f;
    expect("normalizer 0", p, false, LCL_ERR_BAD_VALUE, "normalizer");
    p = good; p.dtype = LCL_BFLOAT16;
    expect("bf16", p, false, LCL_ERR_BAD_DTYPE, "dtype");
    float bad_scale = -1.0f;
    p = good; p.scale = &bad_scale;
    expect("scale < 0", p, false, LCL_ERR_BAD_VALUE, "scale");
    p = good; p.dimage_all = p.dimage;
    expect("only dimage aliased", p, true, LCL_ERR_BAD_VALUE, "alias both pairs");
    p = good; p.dimage_all = p.dimage; p.dtext_all = p.dtext;
    expect("summed gradients with several ranks", p, true, LCL_ERR_BAD_VALUE, "one rank");
    x.valid[5] = 0;  // row 1 of this rank (offset 4)
    p = good;
    expect("local row invalid", p, true, LCL_ERR_BAD_VALUE, "global_valid[5]");
    x.valid[5] = 1;
    ck.check(lcl_cpu_infonce_forward(&p) == LCL_OK && lcl_last_error()[0] == '\0',
             "successful call leaves error \"%s\"", lcl_last_error());
}

}  // namespace

int main() {
    Checker ck;
    Rng rng(pick_seed("test_infonce"));
    check_reference_gradients(ck, rng);
    // Every ISA level of the kernels this CPU can run: the full set of cases on
    // the one the library picks by default, a sample on the narrower ones.
    const std::string best = lcl::cpu::kernels().name;
    int index = 0;
    for (const char* isa : {"x86-64-v4", "x86-64-v3", "baseline"}) {
        if (!lcl::cpu::select_kernels(isa)) continue;
        const int n_cases = isa == best ? 24 : 8;
        std::printf("kernels %s: %d cases\n", isa, n_cases);
        for (int i = 0; i < n_cases; ++i, ++index) {
            lcl_cpu_set_num_threads(i % 5 == 4 ? 1 : 0);
            run_case(ck, random_case(rng, i), rng, index);
        }
    }
    lcl::cpu::select_kernels(best.c_str());
    lcl_cpu_set_num_threads(0);
    check_validation(ck, rng);
    return ck.report("test_infonce");
}
