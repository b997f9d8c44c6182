// Timing program for the CPU kernels (not a test: no assertions, not run by
// ctest). Build against an installed liblcl4j_cpu, e.g. (one command line)
//   g++ -O2 -std=c++17 native/tests/bench/bench_cpu_kernels.cpp -I/tmp/ncpu-install/include
//       -L/tmp/ncpu-install/lib -llcl4j_cpu -Wl,-rpath,/tmp/ncpu-install/lib -o /tmp/bench_cpu
//   /tmp/bench_cpu [threads] [reps] [infonce N]
// Prints the best wall time over reps, the process CPU time per rep and the
// implied GFLOP/s (matrix-product flops only, causal counted as half).
#include "lcl/kernels.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

template <class F>
void time_it(const char* name, int reps, double gflop, F&& f) {
    f();  // warm-up (thread pool, scratch buffers, page faults)
    double best = 1e30;
    const double cpu0 = cpu_seconds();
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
    }
    const double cpu = (cpu_seconds() - cpu0) / reps;
    std::printf("%-48s best %.4f s  cpu/rep %.4f s  %.1f GFLOP/s wall, %.1f GFLOP/s per cpu-second\n", name, best,
                cpu, gflop / best, gflop / cpu);
}

void fill(std::vector<float>& x, std::mt19937& g) {
    std::normal_distribution<float> n(0.0f, 1.0f);
    for (float& v : x) v = n(g);
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    lcl_cpu_set_num_threads(threads);
    std::printf("threads %d, reps %d\n", lcl_cpu_get_num_threads(), reps);
    std::mt19937 g(1);

    {
        const int64_t B = 4, H = 8, L = 1024, D = 64;
        const size_t n = size_t(B * H * L * D);
        std::vector<float> q(n), k(n), v(n), o(n), dout(n), dq(n), dk(n), dv(n), lse(size_t(B * H * L));
        fill(q, g); fill(k, g); fill(v, g); fill(dout, g);
        lcl_attention_params p{};
        p.batch = B; p.heads = H; p.seq_len = L; p.head_dim = D;
        p.softmax_scale = 1.0f / std::sqrt(float(D));
        p.causal = 1;
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
        const double fwd = 2.0 * 2.0 * double(B * H) * L * L * D / 2.0 * 1e-9;  // causal: half
        time_it("attention fwd  B4 H8 L1024 D64 causal", reps, fwd, [&] { lcl_cpu_attention_forward(&p); });
        time_it("attention bwd  B4 H8 L1024 D64 causal", reps, 2.5 * fwd, [&] { lcl_cpu_attention_backward(&p); });
        time_it("attention fwd+bwd B4 H8 L1024 D64 causal", reps, 3.5 * fwd, [&] {
            lcl_cpu_attention_forward(&p);
            lcl_cpu_attention_backward(&p);
        });
    }
    {
        const int64_t N = argc > 3 ? std::atoll(argv[3]) : 8192, D = 512;
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
        const double fwd = 2.0 * 2.0 * double(N) * N * D * 1e-9;
        char name[96];
        std::snprintf(name, sizeof name, "infonce fwd+bwd N=%lld D=512", (long long)N);
        time_it(name, std::max(1, reps / 3), 5.0 * fwd, [&] {
            lcl_cpu_infonce_forward(&p);
            lcl_cpu_infonce_backward(&p);
        });
        std::printf("  loss %.5f dscale %.5f\n", loss, dscale);
    }
    return 0;
}
