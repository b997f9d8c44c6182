// lcl_cpu_fma_peak_gflops and lcl_cpu_isa: what the CPU kernels run on and the
// fp32 FMA rate they could reach, for benchmarks to print achieved / peak.
// The probe runs one task per pool thread; the tasks wait for each other before
// starting the clock, so every thread of the pool runs exactly one of them
// concurrently (a thread that finished early cannot take a second task).
#include "common/lcl_internal.h"
#include "cpu/kernel_table.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

namespace lcl::cpu {
namespace {

using Clock = std::chrono::steady_clock;

double fma_peak(int threads, double seconds) {
    if (threads < 0) return -fail(LCL_ERR_BAD_VALUE, "lcl_cpu_fma_peak_gflops: threads must be >= 0, got %d", threads);
    if (!std::isfinite(seconds))
        return -fail(LCL_ERR_BAD_VALUE, "lcl_cpu_fma_peak_gflops: seconds must be finite, got %g", seconds);
    seconds = std::clamp(seconds, 0.01, 10.0);
    const int saved = pool_threads();
    const int n = threads == 0 ? saved : threads;
    if (n != saved) set_pool_threads(n);
    const KernelTable& k = kernels();
    std::atomic<int> arrived{0};
    std::vector<double> flops(size_t(n), 0.0), elapsed(size_t(n), 0.0);
    parallel_for(n, [&](int64_t task) {
        // Start together (or after 1 s, if the pool cannot run them all at once).
        const Clock::time_point wait_until = Clock::now() + std::chrono::seconds(1);
        arrived.fetch_add(1);
        while (arrived.load() < n && Clock::now() < wait_until) std::this_thread::yield();
        const Clock::time_point t0 = Clock::now();
        const Clock::time_point stop = t0 + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(seconds));
        double done = 0.0;
        Clock::time_point now;
        do {
            done += k.fma_peak_loop(20000);  // ~0.1-0.5 ms per call
            now = Clock::now();
        } while (now < stop);
        flops[size_t(task)] = done;
        elapsed[size_t(task)] = std::chrono::duration<double>(now - t0).count();
    });
    if (n != saved) set_pool_threads(saved);
    double total = 0.0, wall = 0.0;
    for (int i = 0; i < n; ++i) {
        total += flops[size_t(i)];
        wall = std::max(wall, elapsed[size_t(i)]);
    }
    return total / wall * 1e-9;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" double lcl_cpu_fma_peak_gflops(int threads, double seconds) {
    double out = 0.0;
    const int st = lcl::guarded("lcl_cpu_fma_peak_gflops", [&] {
        out = lcl::cpu::fma_peak(threads, seconds);
        return out < 0 ? int(-out) : int(LCL_OK);
    });
    return st == LCL_OK ? out : -double(st);
}

extern "C" const char* lcl_cpu_isa(void) { return lcl::cpu::kernels().name; }
