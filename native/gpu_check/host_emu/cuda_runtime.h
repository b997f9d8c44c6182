// Host emulation of the slice of CUDA that liblcl4j_cuda's SIMT kernels use,
// so their real source runs on a CPU (no GPU here): one std::thread per CUDA
// thread, std::barrier for __syncthreads and for the warp shuffles, blocks run
// one after another, device memory = host memory. Tensor-core (mma.sync) code
// is not emulated here (see ../emulate_tc.py). Test-only; never shipped.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>
#include <algorithm>
#include <mutex>

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint4 { unsigned x, y, z, w; };
inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }

typedef struct CUstream_st* cudaStream_t;
enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2 };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };
inline const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated error"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaGetDeviceCount(int* n) { *n = 0; return cudaErrorInvalidValue; }
template <class F> cudaError_t cudaFuncSetAttribute(F, cudaFuncAttribute, int) { return cudaSuccess; }
inline cudaError_t cudaMallocAsync(void** p, size_t n, cudaStream_t) {
    *p = std::malloc(n);
    // poison: workspace is never assumed zero
    if (*p) std::memset(*p, 0xff, n);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFreeAsync(void* p, cudaStream_t) { std::free(p); return cudaSuccess; }
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) { std::memset(p, v, n); return cudaSuccess; }

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// __shared__ declarations are rewritten by emulate_simt.py (see emu::shared)

using std::max;
using std::min;
template <class T> T __ldg(const T* p) { return *p; }

namespace emu {
struct Warp {
    explicit Warp(int n) : bar(n) {}
    std::barrier<> bar;
    double slot[32];
};
struct Ctx {
    dim3 tid, bid;
    std::barrier<>* block;
    Warp* warp;
};
inline thread_local Ctx ctx;
inline dim3 grid_dim, block_dim;
inline std::vector<unsigned char> dyn_smem;
inline std::vector<std::vector<double>> static_smem;  // per __shared__ declaration, reset per block
}  // namespace emu

#define threadIdx (emu::ctx.tid)
#define blockIdx (emu::ctx.bid)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)

inline void __syncthreads() { emu::ctx.block->arrive_and_wait(); }

template <class T>
T __shfl_sync(unsigned, T v, int src) {
    emu::Warp& w = *emu::ctx.warp;
    const int lane = int(threadIdx.x) & 31;
    w.slot[lane] = double(v);
    w.bar.arrive_and_wait();
    const T r = T(w.slot[src & 31]);
    w.bar.arrive_and_wait();
    return r;
}
template <class T>
T __shfl_xor_sync(unsigned m, T v, int off) {
    return __shfl_sync(m, v, (int(threadIdx.x) & 31) ^ off);
}

// Shared arrays: the preprocessing step turns `__shared__ float x[N];` into
// `float* x = emu::shared<float>(N, __COUNTER__);`, one buffer per declaration per block.
namespace emu {
inline std::vector<std::unique_ptr<unsigned char[]>> shared_bufs;
inline std::vector<size_t> shared_sizes;
template <class T>
T* shared(size_t n, int id) {
    // allocated by the first thread of the block that reaches the declaration
    static std::mutex m;
    std::lock_guard<std::mutex> lock(m);
    if (size_t(id) >= shared_bufs.size()) { shared_bufs.resize(id + 1); shared_sizes.resize(id + 1, 0); }
    if (!shared_bufs[id]) {
        shared_bufs[id].reset(new unsigned char[n * sizeof(T) + 16]);
        std::memset(shared_bufs[id].get(), 0xff, n * sizeof(T));  // poison like uninitialised smem
        shared_sizes[id] = n;
    }
    return reinterpret_cast<T*>(shared_bufs[id].get());
}
template <class T>
T* dynamic_shared() { return reinterpret_cast<T*>(dyn_smem.data()); }

template <class K, class... A>
void launch(K kernel, dim3 grid, dim3 block, size_t smem, cudaStream_t, const A&... args) {
    grid_dim = grid;
    block_dim = block;
    const int nthreads = int(block.x * block.y * block.z);
    for (unsigned bz = 0; bz < grid.z; ++bz)
        for (unsigned by = 0; by < grid.y; ++by)
            for (unsigned bx = 0; bx < grid.x; ++bx) {
                dyn_smem.assign(smem + 16, 0xff);
                shared_bufs.clear();
                std::barrier<> block_bar(nthreads);
                std::vector<std::unique_ptr<Warp>> warps;
                for (int w = 0; w < (nthreads + 31) / 32; ++w)
                    warps.emplace_back(new Warp(std::min(32, nthreads - 32 * w)));
                std::vector<std::thread> threads;
                for (int t = 0; t < nthreads; ++t)
                    threads.emplace_back([&, t] {
                        ctx.tid = dim3(unsigned(t), 0, 0);
                        ctx.bid = dim3(bx, by, bz);
                        ctx.block = &block_bar;
                        ctx.warp = warps[t / 32].get();
                        kernel(args...);
                        // exited threads no longer take part in barriers
                        ctx.warp->bar.arrive_and_drop();
                        block_bar.arrive_and_drop();
                    });
                for (auto& th : threads) th.join();
            }
}
}  // namespace emu
