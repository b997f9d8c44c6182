// Fused symmetric InfoNCE (CLIP loss) on CUDA, fp32, by tiles: the
// n_local x n_global logits exist only as 32x32 tiles in shared memory.
// Direction 0 is image->text (rows: image, columns: text_all), direction 1 is
// text->image (rows: text, columns: image_all); every kernel runs both as
// gridDim.z = 2. The scale s, dloss and the outputs loss/dscale are device
// pointers; s is read on the device.
//
// forward:  infonce_lse_kernel   per 32 local rows: online LSE over column tiles
//           infonce_terms_kernel per local row: (lse - positive logit) both ways
//           infonce_reduce       one block: loss = sum / (2 normalizer) (fixed order)
// backward: dlogits_ij = (p_ij - [j == offset+i]) * dloss / (2 normalizer)
//           infonce_drow_kernel  dA_i = s sum_j dl_ij B_j  (+ dscale partials)
//           infonce_dcol_kernel  dB_j = s sum_i dl_ij A_i
//           infonce_reduce       dscale = sum of partials sum dl_ij (A_i . B_j)
// Output columns of dA/dB are done 256 at a time (gridDim.y chunks), each
// chunk recomputing its logits tiles: registers stay at 32 accumulators/thread.
#include "common/lcl_internal.h"
#include "cuda/attn_args.cuh"
#include "cuda/cuda_util.cuh"

namespace lcl {
namespace cuda {
namespace {

constexpr int kT = 32;        // rows and columns of a logits tile; also the k step
constexpr int kLd = kT + 1;   // padded smem row
constexpr int kThreads = 256; // thread (ty, tx): tile row ty = tid / 8, columns tx + 8 q
constexpr int kDC = 256;      // output columns of dA / dB per block
constexpr int kQ = kT / 8;    // logits per thread
constexpr int kQO = kDC / 8;  // output accumulators per thread

struct InfoArgs {
    int64_t n_local, n_global, dim, offset;
    float normalizer;
    const float* image;
    const float* text;
    const float* image_all;
    const float* text_all;
    const uint8_t* valid;
    const float* scale;
    float* loss;
    float* lse_i2t;
    float* lse_t2i;
    const float* dloss;
    float* dimage;
    float* dtext;
    float* dimage_all;
    float* dtext_all;
    float* dscale;
    float* work;  // forward: n_local terms; backward: 2 * row tiles dscale partials
};

// Rows (local) and columns (global) operands of direction z.
__device__ __forceinline__ const float* rows_of(const InfoArgs& a, int z) { return z == 0 ? a.image : a.text; }
__device__ __forceinline__ const float* cols_of(const InfoArgs& a, int z) {
    return z == 0 ? a.text_all : a.image_all;
}
__device__ __forceinline__ float* lse_of(const InfoArgs& a, int z) { return z == 0 ? a.lse_i2t : a.lse_t2i; }
__device__ __forceinline__ bool col_valid(const InfoArgs& a, int64_t j) {
    return j < a.n_global && (a.valid == nullptr || a.valid[j] != 0);
}

// acc[q] = X[x0 + ty] . Y[y0 + tx + 8 q] for a 32x32 tile (out-of-range rows
// read as zeros). Starts with a barrier, so callers may reuse sX/sY freely.
__device__ void tile_dot(const float* X, int64_t nx, const float* Y, int64_t ny, int64_t dim, int64_t x0,
                         int64_t y0, float* sX, float* sY, float (&acc)[kQ]) {
    const int tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
#pragma unroll
    for (int q = 0; q < kQ; ++q) acc[q] = 0.f;
    for (int64_t k0 = 0; k0 < dim; k0 += kT) {
        __syncthreads();
        for (int idx = tid; idx < kT * kT; idx += kThreads) {
            const int r = idx / kT, c = idx % kT;
            const int64_t k = k0 + c;
            sX[r * kLd + c] = (x0 + r < nx && k < dim) ? X[(x0 + r) * dim + k] : 0.f;
            sY[r * kLd + c] = (y0 + r < ny && k < dim) ? Y[(y0 + r) * dim + k] : 0.f;
        }
        __syncthreads();
#pragma unroll 8
        for (int c = 0; c < kT; ++c) {
            const float x = sX[ty * kLd + c];
#pragma unroll
            for (int q = 0; q < kQ; ++q) acc[q] = fmaf(x, sY[(tx + 8 * q) * kLd + c], acc[q]);
        }
    }
}

// (m, l) log-sum-exp pair merge; m = -inf means empty.
__device__ __forceinline__ void lse_merge(float& m, float& l, float m2, float l2) {
    const float mx = fmaxf(m, m2);
    if (mx == -kInf) return;
    l = l * expf(m - mx) + l2 * expf(m2 - mx);
    m = mx;
}

__global__ void __launch_bounds__(kThreads) infonce_lse_kernel(const InfoArgs a) {
    __shared__ float sX[kT * kLd], sY[kT * kLd];
    const int z = blockIdx.z, tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t r0 = int64_t(blockIdx.x) * kT;
    const float s = *a.scale;
    float m = -kInf, l = 0.f;
    for (int64_t c0 = 0; c0 < a.n_global; c0 += kT) {
        float acc[kQ];
        tile_dot(rows_of(a, z), a.n_local, cols_of(a, z), a.n_global, a.dim, r0, c0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            if (col_valid(a, c0 + tx + 8 * q)) lse_merge(m, l, s * acc[q], 1.f);
        }
    }
    // The 8 threads of a row are 8 consecutive lanes.
#pragma unroll
    for (int off = 1; off < 8; off <<= 1) {
        const float m2 = __shfl_xor_sync(0xffffffffu, m, off);
        const float l2 = __shfl_xor_sync(0xffffffffu, l, off);
        lse_merge(m, l, m2, l2);
    }
    const int64_t row = r0 + ty;
    if (tx == 0 && row < a.n_local) lse_of(a, z)[row] = m == -kInf ? -kInf : m + logf(l);
}

// work[i] = (lse_i2t[i] - s image_i . text_all[g]) + (lse_t2i[i] - s text_i . image_all[g])
__global__ void __launch_bounds__(256) infonce_terms_kernel(const InfoArgs a) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int64_t i = int64_t(blockIdx.x) * 8 + warp;
    if (i >= a.n_local) return;
    const int64_t g = a.offset + i;
    const float* im = a.image + i * a.dim;
    const float* tx = a.text + i * a.dim;
    const float* ta = a.text_all + g * a.dim;
    const float* ia = a.image_all + g * a.dim;
    float d0 = 0.f, d1 = 0.f;
    for (int64_t c = lane; c < a.dim; c += 32) {
        d0 = fmaf(im[c], ta[c], d0);
        d1 = fmaf(tx[c], ia[c], d1);
    }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        d0 += __shfl_xor_sync(0xffffffffu, d0, off);
        d1 += __shfl_xor_sync(0xffffffffu, d1, off);
    }
    if (lane == 0) {
        const float s = *a.scale;
        a.work[i] = (a.lse_i2t[i] - s * d0) + (a.lse_t2i[i] - s * d1);
    }
}

// *out = factor * sum(x[0..n)), one block, fixed summation order (deterministic).
__global__ void __launch_bounds__(1024) infonce_reduce_kernel(const float* x, int64_t n, float factor, float* out) {
    __shared__ float part[1024];
    float sum = 0.f;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) sum += x[i];
    part[threadIdx.x] = sum;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (int(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) *out = factor * part[0];
}

// dA[i][d0 + ..] = s sum_j dl_ij B_j, plus (chunk 0) this block's dscale partial.
__global__ void __launch_bounds__(kThreads) infonce_drow_kernel(const InfoArgs a) {
    __shared__ float sX[kT * kLd], sY[kT * kLd], sP[kT * kLd];
    __shared__ float sB[kT * kDC];
    __shared__ float red[kThreads / 32];
    const int z = blockIdx.z, tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t r0 = int64_t(blockIdx.x) * kT, d0 = int64_t(blockIdx.y) * kDC;
    const float s = *a.scale;
    const float c = *a.dloss / (2.f * a.normalizer);
    const float* A = rows_of(a, z);
    const float* B = cols_of(a, z);
    const int64_t row = r0 + ty;
    const float lse = row < a.n_local ? lse_of(a, z)[row] : 0.f;
    const int64_t g = a.offset + row;
    float out[kQO];
#pragma unroll
    for (int q = 0; q < kQO; ++q) out[q] = 0.f;
    float dscale = 0.f;

    for (int64_t c0 = 0; c0 < a.n_global; c0 += kT) {
        float acc[kQ];
        tile_dot(A, a.n_local, B, a.n_global, a.dim, r0, c0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            const int64_t col = c0 + tx + 8 * q;
            float dl = 0.f;
            if (row < a.n_local && col_valid(a, col)) {
                const float p = expf(s * acc[q] - lse);
                dl = (p - (col == g ? 1.f : 0.f)) * c;
                dscale = fmaf(dl, acc[q], dscale);
            }
            sP[ty * kLd + tx + 8 * q] = dl;
        }
        for (int idx = tid; idx < kT * kDC; idx += kThreads) {
            const int r = idx / kDC, d = idx % kDC;
            sB[idx] = (c0 + r < a.n_global && d0 + d < a.dim) ? B[(c0 + r) * a.dim + d0 + d] : 0.f;
        }
        __syncthreads();
        for (int cc = 0; cc < kT; ++cc) {
            const float dl = sP[ty * kLd + cc];
#pragma unroll
            for (int q = 0; q < kQO; ++q) out[q] = fmaf(dl, sB[cc * kDC + tx + 8 * q], out[q]);
        }
    }
    if (row < a.n_local) {
        float* dA = (z == 0 ? a.dimage : a.dtext) + row * a.dim;
#pragma unroll
        for (int q = 0; q < kQO; ++q) {
            const int64_t d = d0 + tx + 8 * q;
            if (d < a.dim) dA[d] = s * out[q];
        }
    }
    if (blockIdx.y == 0) {
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) dscale += __shfl_xor_sync(0xffffffffu, dscale, off);
        if ((tid & 31) == 0) red[tid >> 5] = dscale;
        __syncthreads();
        if (tid == 0) {
            float sum = 0.f;
            for (int w = 0; w < kThreads / 32; ++w) sum += red[w];
            a.work[int64_t(z) * gridDim.x + blockIdx.x] = sum;
        }
    }
}

// dB[j][d0 + ..] = s sum_i dl_ij A_i (columns j of this block, all local rows i).
__global__ void __launch_bounds__(kThreads) infonce_dcol_kernel(const InfoArgs a) {
    __shared__ float sX[kT * kLd], sY[kT * kLd], sP[kT * kLd];
    __shared__ float sA[kT * kDC];
    const int z = blockIdx.z, tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t j0 = int64_t(blockIdx.x) * kT, d0 = int64_t(blockIdx.y) * kDC;
    const float s = *a.scale;
    const float c = *a.dloss / (2.f * a.normalizer);
    const float* A = rows_of(a, z);
    const float* B = cols_of(a, z);
    const float* lse = lse_of(a, z);
    const int64_t j = j0 + ty;
    const bool jvalid = col_valid(a, j);
    float out[kQO];
#pragma unroll
    for (int q = 0; q < kQO; ++q) out[q] = 0.f;

    for (int64_t r0 = 0; r0 < a.n_local; r0 += kT) {
        float acc[kQ];
        tile_dot(B, a.n_global, A, a.n_local, a.dim, j0, r0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            const int64_t i = r0 + tx + 8 * q;
            float dl = 0.f;
            if (jvalid && i < a.n_local) {
                const float p = expf(s * acc[q] - lse[i]);
                dl = (p - (j == a.offset + i ? 1.f : 0.f)) * c;
            }
            sP[ty * kLd + tx + 8 * q] = dl;
        }
        for (int idx = tid; idx < kT * kDC; idx += kThreads) {
            const int r = idx / kDC, d = idx % kDC;
            sA[idx] = (r0 + r < a.n_local && d0 + d < a.dim) ? A[(r0 + r) * a.dim + d0 + d] : 0.f;
        }
        __syncthreads();
        for (int ii = 0; ii < kT; ++ii) {
            const float dl = sP[ty * kLd + ii];
#pragma unroll
            for (int q = 0; q < kQO; ++q) out[q] = fmaf(dl, sA[ii * kDC + tx + 8 * q], out[q]);
        }
    }
    if (j < a.n_global) {
        float* dB = (z == 0 ? a.dtext_all : a.dimage_all) + j * a.dim;
#pragma unroll
        for (int q = 0; q < kQO; ++q) {
            const int64_t d = d0 + tx + 8 * q;
            if (d < a.dim) dB[d] = s * out[q];
        }
    }
}

InfoArgs make_args(const lcl_infonce_params* p) {
    InfoArgs a{};
    a.n_local = p->n_local;
    a.n_global = p->n_global;
    a.dim = p->dim;
    a.offset = p->offset;
    a.normalizer = p->normalizer;
    a.image = p->image;
    a.text = p->text;
    a.image_all = p->image_all;
    a.text_all = p->text_all;
    a.valid = p->global_valid;
    a.scale = p->scale;
    a.loss = p->loss;
    a.lse_i2t = p->lse_i2t;
    a.lse_t2i = p->lse_t2i;
    a.dloss = p->dloss;
    a.dimage = p->dimage;
    a.dtext = p->dtext;
    a.dimage_all = p->dimage_all;
    a.dtext_all = p->dtext_all;
    a.dscale = p->dscale;
    return a;
}

int check_grid(const lcl_infonce_params* p, const char* who) {
    if (ceil_div(p->dim, kDC) > 65535)
        return fail(LCL_ERR_UNSUPPORTED, "%s: dim too large for the CUDA kernels", who);
    if (ceil_div(p->n_global, kT) > 0x7fffffff)
        return fail(LCL_ERR_UNSUPPORTED, "%s: n_global too large for the CUDA kernels", who);
    return LCL_OK;
}

int forward(const lcl_infonce_params* p, const char* who) {
    int st = validate_infonce(p, false, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_grid(p, who)) != LCL_OK) return st;
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    InfoArgs a = make_args(p);
    DeviceBuffer work;
    if ((st = work.allocate(who, size_t(p->n_local) * sizeof(float), stream)) != LCL_OK) return st;
    a.work = work.as<float>();

    infonce_lse_kernel<<<dim3(unsigned(ceil_div(p->n_local, kT)), 1, 2), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_lse_kernel");
    infonce_terms_kernel<<<unsigned(ceil_div(p->n_local, 8)), 256, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_terms_kernel");
    infonce_reduce_kernel<<<1, 1024, 0, stream>>>(a.work, p->n_local, 0.5f / p->normalizer, p->loss);
    LCL_LAUNCH_TRY(who, "infonce_reduce_kernel");
    return LCL_OK;
}

int backward(const lcl_infonce_params* p, const char* who) {
    int st = validate_infonce(p, true, Memory::Device, who);
    if (st != LCL_OK) return st;
    if ((st = check_grid(p, who)) != LCL_OK) return st;
    const cudaStream_t stream = static_cast<cudaStream_t>(p->stream);
    InfoArgs a = make_args(p);
    const int64_t row_tiles = ceil_div(p->n_local, kT);
    const unsigned chunks = unsigned(ceil_div(p->dim, kDC));
    DeviceBuffer work;
    if ((st = work.allocate(who, size_t(2 * row_tiles) * sizeof(float), stream)) != LCL_OK) return st;
    a.work = work.as<float>();

    infonce_drow_kernel<<<dim3(unsigned(row_tiles), chunks, 2), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_drow_kernel");
    infonce_dcol_kernel<<<dim3(unsigned(ceil_div(p->n_global, kT)), chunks, 2), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_dcol_kernel");
    infonce_reduce_kernel<<<1, 1024, 0, stream>>>(a.work, 2 * row_tiles, 1.f, p->dscale);
    LCL_LAUNCH_TRY(who, "infonce_reduce_kernel");
    return LCL_OK;
}

}  // namespace
}  // namespace cuda
}  // namespace lcl

extern "C" int lcl_cuda_infonce_forward(const lcl_infonce_params* p) {
    const char* who = "lcl_cuda_infonce_forward";
    return lcl::guarded(who, [&] { return lcl::cuda::forward(p, who); });
}

extern "C" int lcl_cuda_infonce_backward(const lcl_infonce_params* p) {
    const char* who = "lcl_cuda_infonce_backward";
    return lcl::guarded(who, [&] { return lcl::cuda::backward(p, who); });
}
