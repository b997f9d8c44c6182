// lcl_cpu_infonce_forward / _backward: the symmetric in-batch InfoNCE of
// lcl/kernels.h without ever holding the n_local x n_global logits. Both
// directions are the same computation with roles swapped:
//   i2t: rows = image (local), columns = text_all (global), lse = lse_i2t
//   t2i: rows = text  (local), columns = image_all (global), lse = lse_t2i
// (Tile kernels in infonce_kernels.h; the two backward passes are one kernel
// templated on the side it owns.) Every pass walks 64 x 64 tiles of (local
// row, global column): one product rows . columns^T per tile (columns packed
// transposed), then per-element work.
//
// Forward: one task per row tile; a running max and sum per row give the LSE
// (online log-sum-exp), the positive logit is picked out of the tile that holds
// column offset + i.
// Backward, with dlogits_ij = (p_ij - [j == offset + i]) * dloss / (2 normalizer):
//   row pass:    one task per row tile: d rows_i = s sum_j dlogits_ij col_j, and
//                that tile's share of dscale = sum dlogits_ij (row_i . col_j);
//   column pass: one task per column tile: d cols_j = s sum_i dlogits_ij row_i.
// A positive pair's dlogits (p - 1) is formed as minus the sum of the row's
// other probabilities (accurate when p is close to 1); the row pass computes it
// and hands it to the column pass (2 x n_local floats).
// Each output row belongs to exactly one task and dscale partials are added in
// tile order, so results are bitwise reproducible without atomics; recomputing
// the logits in the second pass is the price of needing only O(tile) memory per
// thread.
#include "common/lcl_internal.h"
#include "cpu/kernel_table.h"
#include "cpu/scratch.h"
#include "cpu/thread_pool.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lcl::cpu {
namespace {

int infonce_forward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_forward";
    if (int st = validate_infonce(pp, false, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const int64_t n_tiles = (p.n_local + kTileRows - 1) / kTileRows;
    std::vector<double> row_loss(size_t(p.n_local), 0.0);
    const size_t scratch = infonce_scratch_floats(p.dim);
    const KernelTable& k = kernels();
    parallel_for(n_tiles, [&](int64_t t) {
        k.infonce_forward_rows(p, t * kTileRows, row_loss.data(), thread_scratch(scratch));
    });
    double total = 0.0;  // fixed order: reproducible
    for (double x : row_loss) total += x;
    *p.loss = float(total / double(p.normalizer));
    return LCL_OK;
}

int infonce_backward(const lcl_infonce_params* pp) {
    static const char* who = "lcl_cpu_infonce_backward";
    if (int st = validate_infonce(pp, true, Memory::Host, who)) return st;
    const lcl_infonce_params& p = *pp;
    const float cscale = float(double(*p.dloss) / (2.0 * double(p.normalizer)));
    const int64_t n_row_tiles = (p.n_local + kTileRows - 1) / kTileRows;
    const int64_t n_col_tiles = (p.n_global + kTileCols - 1) / kTileCols;
    const size_t scratch = infonce_scratch_floats(p.dim);
    const KernelTable& k = kernels();
    std::vector<double> dscale_parts(size_t(n_row_tiles), 0.0);
    // Row pass, then column pass: the column pass needs the positive pairs'
    // dlogits, which only a complete row yields.
    std::vector<float> dpos(size_t(2 * p.n_local));
    parallel_for(n_row_tiles, [&](int64_t t) {
        k.infonce_backward_tile(p, InfonceOwner::Rows, t * kTileRows, cscale, &dscale_parts[size_t(t)],
                                dpos.data(), thread_scratch(scratch));
    });
    parallel_for(n_col_tiles, [&](int64_t t) {
        k.infonce_backward_tile(p, InfonceOwner::Cols, t * kTileCols, cscale, nullptr, dpos.data(),
                                thread_scratch(scratch));
    });
    double ds = 0.0;
    for (double x : dscale_parts) ds += x;
    *p.dscale = float(ds);
    return LCL_OK;
}

}  // namespace
}  // namespace lcl::cpu

extern "C" int lcl_cpu_infonce_forward(const lcl_infonce_params* p) {
    return lcl::guarded("lcl_cpu_infonce_forward", [&] { return lcl::cpu::infonce_forward(p); });
}

extern "C" int lcl_cpu_infonce_backward(const lcl_infonce_params* p) {
    return lcl::guarded("lcl_cpu_infonce_backward", [&] { return lcl::cpu::infonce_backward(p); });
}
