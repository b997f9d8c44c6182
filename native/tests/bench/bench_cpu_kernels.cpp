// Timing program for the CPU kernels (not a test: no assertions, not run by
// ctest). Build against an installed liblcl4j_cpu, e.g. (one command line)
//   g++ -O2 -std=c++17 native/tests/bench/bench_cpu_kernels.cpp -I/tmp/nc-install/include
//       -L/tmp/nc-install/lib -llcl4j_cpu -Wl,-rpath,/tmp/nc-install/lib -o /tmp/bench_cpu
//   /tmp/bench_cpu [threads=2] [reps=5] [ops=attention,infonce,lmhead]
//
// Prints the CPU, the kernels' ISA level, the measured FMA peak
// (lcl_cpu_fma_peak_gflops, before and after the cases) and per case the
// min / median / max wall time over reps (after one warm-up call), the process
// CPU time per rep, and GFLOP/s with % of the peak at the min and the median.
// FLOPs are counted by convention, not by what the kernel executes:
//   attention  FlashAttention's: forward 4 B H L^2 D (halved when causal),
//              backward 2.5x the forward (B4 H8 L1024 D64 causal fwd+bwd: 15.0 GFLOP)
//   InfoNCE    four N x N x D products (forward, recompute, two gradients):
//              8 N^2 D (N 8192, D 512: 275 GFLOP) for fwd+bwd; the kernel does
//              exactly that with summed gradients (dimage_all == dimage), six
//              products with separate outputs
//   LM head    2 T d V per product: forward 1, forward with gradients and
//              backward 3 each (the minimum: logits, dhidden, dweight)
// The machine may be shared: the spread (max / min) says how much to trust a
// line; rerun when it is wide. On a loaded machine the threads get only part of
// the cores and wall-clock rates fall with the probe's; the "cpu" columns
// divide by process CPU time instead (the probe's too), which time-slicing
// does not inflate (it still counts a core shared with another tenant's
// hyperthread as a whole one).
#include "lcl/kernels.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

double g_peak = 0.0;      // GFLOP/s, wall clock
double g_peak_cpu = 0.0;  // GFLOP per CPU-second of all threads

// lcl_cpu_fma_peak_gflops over `seconds`, also as GFLOP per CPU-second.
void measure_peak(double seconds, double* wall_rate, double* cpu_rate) {
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    *wall_rate = lcl_cpu_fma_peak_gflops(0, seconds);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    *cpu_rate = *wall_rate * wall / (cpu_seconds() - cpu0);
}

template <class F>
void time_it(const char* name, int reps, double gflop, F&& f) {
    f();  // warm-up (thread pool, scratch buffers, page faults)
    std::vector<double> t;
    const double cpu0 = cpu_seconds();
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const double cpu = (cpu_seconds() - cpu0) / reps;
    std::sort(t.begin(), t.end());
    const double lo = t.front(), med = t[t.size() / 2], hi = t.back();
    std::printf("%-40s %6.1f GFLOP | min %7.3f med %7.3f max %7.3f s (spread %4.2f) | %6.1f GFLOP/s = %5.1f%% "
                "of peak (median %5.1f%%) | cpu %7.3f s/rep: %5.1f%% of the probe per cpu-s\n",
                name, gflop, lo, med, hi, hi / lo, gflop / lo, 100 * gflop / lo / g_peak, 100 * gflop / med / g_peak,
                cpu, 100 * gflop / cpu / g_peak_cpu);
    std::fflush(stdout);
}

void fill(std::vector<float>& x, std::mt19937& g, float sd = 1.0f) {
    std::normal_distribution<float> n(0.0f, sd);
    for (float& v : x) v = n(g);
}

void bench_attention(int reps, std::mt19937& g) {
    const int64_t B = 4, H = 8, L = 1024, D = 64;
    const size_t n = size_t(B * H * L * D);
    std::vector<float> q(n), k(n), v(n), o(n), dout(n), dq(n), dk(n), dv(n), lse(size_t(B * H * L));
    fill(q, g); fill(k, g); fill(v, g); fill(dout, g);
    lcl_attention_params p{};
    p.batch = B; p.heads = H; p.seq_len = L; p.head_dim = D;
    p.softmax_scale = 1.0f / std::sqrt(float(D));
    p.dtype = LCL_FLOAT32;
    const int64_t st[4] = {H * L * D, L * D, D, 1};
    auto set = [&](int64_t* s) { for (int i = 0; i < 4; ++i) s[i] = st[i]; };
    p.q = q.data(); set(p.q_stride);
    p.k = k.data(); set(p.k_stride);
    p.v = v.data(); set(p.v_stride);
    p.o = o.data(); set(p.o_stride);
    p.lse = lse.data();
    p.dout = dout.data(); set(p.dout_stride);
    p.dq = dq.data(); set(p.dq_stride);
    p.dk = dk.data(); set(p.dk_stride);
    p.dv = dv.data(); set(p.dv_stride);
    for (int causal : {1, 0}) {
        p.causal = causal;
        const double fwd = 4.0 * double(B * H) * L * L * D / (causal ? 2.0 : 1.0) * 1e-9;
        const char* tag = causal ? "causal" : "full";
        char name[96];
        std::snprintf(name, sizeof name, "attention fwd     B4 H8 L1024 D64 %s", tag);
        time_it(name, reps, fwd, [&] { lcl_cpu_attention_forward(&p); });
        std::snprintf(name, sizeof name, "attention bwd     B4 H8 L1024 D64 %s", tag);
        time_it(name, reps, 2.5 * fwd, [&] { lcl_cpu_attention_backward(&p); });
        std::snprintf(name, sizeof name, "attention fwd+bwd B4 H8 L1024 D64 %s", tag);
        time_it(name, reps, 3.5 * fwd, [&] {
            lcl_cpu_attention_forward(&p);
            lcl_cpu_attention_backward(&p);
        });
    }
}

void bench_infonce(int reps, std::mt19937& g) {
    const int64_t N = 8192, D = 512;
    std::vector<float> img(size_t(N * D)), txt(size_t(N * D));
    fill(img, g); fill(txt, g);
    for (auto* x : {&img, &txt})
        for (int64_t i = 0; i < N; ++i) {
            double s = 0;
            for (int64_t d = 0; d < D; ++d) s += double((*x)[size_t(i * D + d)]) * (*x)[size_t(i * D + d)];
            for (int64_t d = 0; d < D; ++d) (*x)[size_t(i * D + d)] = float((*x)[size_t(i * D + d)] / std::sqrt(s));
        }
    const size_t nn = size_t(N);
    std::vector<float> lse1(nn), lse2(nn), di(nn * size_t(D)), dt(di.size()), dia(di.size()), dta(di.size());
    float scale = 14.0f, loss = 0, dloss = 1.0f, dscale = 0;
    lcl_infonce_params p{};
    p.n_local = N; p.n_global = N; p.dim = D; p.offset = 0; p.normalizer = float(N);
    p.dtype = LCL_FLOAT32;
    p.image = img.data(); p.text = txt.data(); p.image_all = img.data(); p.text_all = txt.data();
    p.scale = &scale; p.loss = &loss; p.lse_i2t = lse1.data(); p.lse_t2i = lse2.data();
    p.dloss = &dloss; p.dimage = di.data(); p.dtext = dt.data(); p.dimage_all = dia.data(); p.dtext_all = dta.data();
    p.dscale = &dscale;
    const double pass = 2.0 * double(N) * N * D * 1e-9;
    time_it("infonce fwd       N8192 D512", reps, 1 * pass, [&] { lcl_cpu_infonce_forward(&p); });
    // summed gradients (dimage_all == dimage, dtext_all == dtext): 4 products
    p.dimage_all = p.dimage; p.dtext_all = p.dtext;
    time_it("infonce fwd+bwd   N8192 D512 summed", reps, 4 * pass, [&] {
        lcl_cpu_infonce_forward(&p);
        lcl_cpu_infonce_backward(&p);
    });
    // separate outputs, as the ABI had them: 6 products, counted as 4
    p.dimage_all = dia.data(); p.dtext_all = dta.data();
    time_it("infonce fwd+bwd   N8192 D512 separate", reps, 4 * pass, [&] {
        lcl_cpu_infonce_forward(&p);
        lcl_cpu_infonce_backward(&p);
    });
}

void bench_lm_head(int reps, std::mt19937& g) {
    const int64_t T = 4096, d = 512, V = 49411;
    const size_t nh = size_t(T * d), nw = size_t(V * d), nt = size_t(T);
    std::vector<float> h(nh), w(nw), lse(nt), dh(nh), dw(nw);
    fill(h, g, 1.0f);
    fill(w, g, 0.05f);  // logits with sd ~1.1, like a trained LM head's spread
    std::vector<int64_t> y(nt);
    for (int64_t& t : y) t = int64_t(g() % uint32_t(V));
    float loss = 0, dloss = 1.0f;
    lcl_lm_head_params p{};
    p.n_tokens = T; p.dim = d; p.vocab = V; p.ignore_index = -100; p.normalizer = float(T);
    p.dtype = LCL_FLOAT32;
    p.hidden = h.data(); p.hidden_stride = d; p.weight = w.data(); p.targets = y.data();
    p.loss = &loss; p.lse = lse.data(); p.dloss = &dloss;
    const double pass = 2.0 * double(T) * d * V * 1e-9;
    time_it("lm head fwd       T4096 d512 V49411", reps, pass, [&] { lcl_cpu_lm_head_forward(&p); });
    p.dhidden = dh.data(); p.dhidden_stride = d; p.dweight = dw.data();
    time_it("lm head fwd+grads T4096 d512 V49411", reps, 3 * pass, [&] { lcl_cpu_lm_head_forward(&p); });
    time_it("lm head bwd       T4096 d512 V49411", reps, 3 * pass, [&] { lcl_cpu_lm_head_backward(&p); });
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    const std::string ops = argc > 3 ? argv[3] : "attention,infonce,lmhead";
    lcl_cpu_set_num_threads(threads);
    measure_peak(1.0, &g_peak, &g_peak_cpu);
    std::printf("cpu %s | kernels %s | threads %d | reps %d | fp32 FMA peak %.1f GFLOP/s (%.1f per cpu-second)\n",
                cpu_model().c_str(), lcl_cpu_isa(), lcl_cpu_get_num_threads(), reps, g_peak, g_peak_cpu);
    std::mt19937 g(1);
    if (ops.find("attention") != std::string::npos) bench_attention(reps, g);
    if (ops.find("infonce") != std::string::npos) bench_infonce(std::max(1, reps / 2), g);
    if (ops.find("lmhead") != std::string::npos) bench_lm_head(std::max(1, reps / 2), g);
    double after = 0, after_cpu = 0;
    measure_peak(1.0, &after, &after_cpu);
    std::printf("fp32 FMA peak after the cases: %.1f GFLOP/s (%.1f per cpu-second); percentages above use %.1f (%.1f)\n",
                after, after_cpu, g_peak, g_peak_cpu);
    return 0;
}
