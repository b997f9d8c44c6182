// Fused symmetric InfoNCE (CLIP loss) on CUDA, fp32, by tiles: the
// n_local x n_global logits exist only as 32x32 tiles in shared memory.
// Direction 0 is image->text (rows: image, columns: text_all), direction 1 is
// text->image (rows: text, columns: image_all); every kernel runs both as
// gridDim.z = 2. The scale s, dloss and the outputs loss/dscale are device
// pointers; s is read on the device.
//
// forward:  infonce_lse_kernel   per 32 local rows: online LSE over column tiles
//           infonce_terms_kernel per local row: (lse - positive logit) both ways
//           launch_sum           one block: loss = sum / (2 normalizer) (fixed order)
// backward: dlogits_ij = (p_ij - [j == offset+i]) * dloss / (2 normalizer)
//           infonce_grad_kernel<Own::Rows>  dA_i = s sum_j dl_ij B_j  (+ dscale partials)
//           infonce_grad_kernel<Own::Cols>  dB_j = s sum_i dl_ij A_i
//           launch_sum           dscale = sum of partials sum dl_ij (A_i . B_j)
// The two gradient passes are one kernel templated on which side's rows a
// block owns. Output columns of dA/dB are done kDC = 256 at a time (gridDim.y
// chunks), each chunk recomputing its logits tiles: registers stay at 32
// accumulators/thread. The tiles themselves are simt_tile.cuh's.
#include <algorithm>
#include "common/lcl_internal.h"
#include "cuda/attn_args.cuh"
#include "cuda/cuda_util.cuh"
#include "cuda/reduce.h"
#include "cuda/simt_tile.cuh"

namespace lcl {
namespace cuda {
namespace {

constexpr int kThreads = kTileThreads;

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

__global__ void __launch_bounds__(kThreads) infonce_lse_kernel(const InfoArgs a) {
    __shared__ float sX[kT * kLd], sY[kT * kLd];
    const int z = blockIdx.z, tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t r0 = int64_t(blockIdx.x) * kT;
    const float s = *a.scale;
    float m = -kInf, l = 0.f;
    for (int64_t c0 = 0; c0 < a.n_global; c0 += kT) {
        float acc[kQ];
        tile_dot(rows_of(a, z), a.dim, a.n_local, cols_of(a, z), a.dim, a.n_global, a.dim, r0, c0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            if (col_valid(a, c0 + tx + 8 * q)) lse_merge(m, l, s * acc[q], 1.f);
        }
    }
    lse_merge_row(m, l);
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

// Which side's rows a gradient block owns: Rows = local rows i of direction z
// (writes dA_i = dimage/dtext, and the dscale partials), Cols = global columns
// j (writes dB_j = dtext_all/dimage_all). The block walks the other side in
// kT-wide tiles; element (own o, walked w) is logit (i, j) = (o, w) or (w, o).
enum class Own { Rows, Cols };

template <Own kOwn>
__global__ void __launch_bounds__(kThreads) infonce_grad_kernel(const InfoArgs a) {
    constexpr bool kRows = kOwn == Own::Rows;
    __shared__ float sX[kT * kLd], sY[kT * kLd], sP[kT * kLd];
    __shared__ float sW[kT * kDC];
    __shared__ float red[kThreads / 32];
    const int z = blockIdx.z, tid = threadIdx.x, ty = tid >> 3, tx = tid & 7;
    const int64_t o0 = int64_t(blockIdx.x) * kT, d0 = int64_t(blockIdx.y) * kDC;
    const float s = *a.scale;
    const float c = *a.dloss / (2.f * a.normalizer);
    const float* lse = lse_of(a, z);
    const float* X = kRows ? rows_of(a, z) : cols_of(a, z);  // own operand
    const float* Y = kRows ? cols_of(a, z) : rows_of(a, z);  // walked operand
    const int64_t nx = kRows ? a.n_local : a.n_global;
    const int64_t ny = kRows ? a.n_global : a.n_local;
    const int64_t o = o0 + ty;
    const bool own_ok = kRows ? o < a.n_local : col_valid(a, o);
    const float own_lse = kRows && own_ok ? lse[o] : 0.f;
    float out[kQO];
#pragma unroll
    for (int q = 0; q < kQO; ++q) out[q] = 0.f;
    float dscale = 0.f;

    for (int64_t w0 = 0; w0 < ny; w0 += kT) {
        float acc[kQ];
        tile_dot(X, a.dim, nx, Y, a.dim, ny, a.dim, o0, w0, sX, sY, acc);
#pragma unroll
        for (int q = 0; q < kQ; ++q) {
            const int64_t w = w0 + tx + 8 * q;
            const int64_t i = kRows ? o : w, j = kRows ? w : o;
            float dl = 0.f;
            if (own_ok && (kRows ? col_valid(a, w) : w < a.n_local)) {
                const float p = expf(s * acc[q] - (kRows ? own_lse : lse[w]));
                dl = (p - (j == a.offset + i ? 1.f : 0.f)) * c;
                if (kRows) dscale = fmaf(dl, acc[q], dscale);
            }
            sP[ty * kLd + tx + 8 * q] = dl;
        }
        accumulate_rows(sP, Y, a.dim, ny, a.dim, w0, d0, sW, out);
    }
    if (o < nx) {
        float* dX = kRows ? (z == 0 ? a.dimage : a.dtext) : (z == 0 ? a.dtext_all : a.dimage_all);
#pragma unroll
        for (int q = 0; q < kQO; ++q) {
            const int64_t d = d0 + tx + 8 * q;
            if (d < a.dim) dX[o * a.dim + d] = s * out[q];
        }
    }
    if (kRows && blockIdx.y == 0) {
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

// dst[i] += src[i] over n elements (grid-stride).
__global__ void add_into_kernel(float* dst, const float* src, size_t n) {
    for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
        dst[i] += src[i];
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
    return launch_sum(a.work, p->n_local, 0.5f / p->normalizer, p->loss, stream, who);
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
    // Summed gradients (kernels.h: dimage_all == dimage and dtext_all == dtext, one rank, checked by
    // validate_infonce): the column pass writes its rows into a workspace that is then added onto the
    // row pass's, so each output element still has one writer per pass and the sum one fixed order.
    const bool summed = p->dimage_all == p->dimage;
    DeviceBuffer columns;
    const size_t nd = size_t(p->n_global) * size_t(p->dim);
    if (summed) {
        if ((st = columns.allocate(who, 2 * nd * sizeof(float), stream)) != LCL_OK) return st;
        a.dimage_all = columns.as<float>();
        a.dtext_all = columns.as<float>() + nd;
    }

    infonce_grad_kernel<Own::Rows><<<dim3(unsigned(row_tiles), chunks, 2), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_grad_kernel<Rows>");
    infonce_grad_kernel<Own::Cols><<<dim3(unsigned(ceil_div(p->n_global, kT)), chunks, 2), kThreads, 0, stream>>>(a);
    LCL_LAUNCH_TRY(who, "infonce_grad_kernel<Cols>");
    if (summed) {
        const unsigned blocks = unsigned(std::min<size_t>(ceil_div(int64_t(nd), 256), 65535));
        add_into_kernel<<<blocks, 256, 0, stream>>>(p->dimage, a.dimage_all, nd);
        LCL_LAUNCH_TRY(who, "add_into_kernel(dimage)");
        add_into_kernel<<<blocks, 256, 0, stream>>>(p->dtext, a.dtext_all, nd);
        LCL_LAUNCH_TRY(who, "add_into_kernel(dtext)");
    }
    return launch_sum(a.work, 2 * row_tiles, 1.f, p->dscale, stream, who);
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
