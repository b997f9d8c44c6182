"""Lane-level emulation of the tensor-core LM-head kernel (lm_head_tc.cuh) in
float64 numpy, runnable without a GPU:  python3 emulate_lm_tc.py

It mirrors lm_tc_kernel<T, kOwn, kGrad> step by step: the flattened
(walked tile, hidden-dim chunk) loop with its two chunk buffers (the next
step's chunk is written into the other buffer before the current one is
used), zero-filled padded smem tiles, per-warp mma.sync m16n8k16 fragments
(ldmatrix for A and B, c_to_a, ldmatrix.trans, decoded by the PTX layouts in
emulate_tc.py), the k16 steps skipped past dim, the online (max, sum) of the
LSE pass in the log2 domain and its natural-log partials, the dlogits
epilogue of both gradient kernels (own = tokens -> dhidden, own = vocabulary ->
dweight), output column chunks, and the finish kernel's merge of the
vocabulary splits; and, for the lab's variants (variants.h), the branch-free
instances (f) and the tiled GEMMs of lm_head_gemm.cuh (g, s): the 3-stage copy
ring, TileCopy's chunk map, ldmatrix(.trans) for both operand layouts, the LSE
walk and its cross-warp merge, and the dlogits scratch in vocabulary chunks. It proves the index arithmetic, not the hardware: bf16
rounding, barriers and cp.async are out of its reach (the GPU check covers
those).
"""
import math
import sys

import numpy as np

from emulate_tc import G, T, NEG_INF, c_to_a, ld_a, ld_a_trans, ld_b_trans_x4, ld_b_x4, mma, quad_reduce

BO, BW, KK, DC = 64, 64, 64, 256  # LmTcTraits: own rows, walked rows, k chunk, output columns
IGNORE = -100
LOG2E, LN2 = 1 / math.log(2), math.log(2)


def load_tile(mat, row0, nrows, col0, ncols, rows, cols):
    """lm_load_tile: rows x cols (+8 padding) from mat[row0.., col0..], zeros past nrows / ncols."""
    s = np.zeros((rows, cols + 8))
    r = max(0, min(rows, nrows - row0))
    c = max(0, min(cols, ncols - col0))
    s[:r, :c] = mat[row0:row0 + r, col0:col0 + c]
    return s


def target(y, t, V):
    """lm_target: the target of token t when it counts, else -1."""
    v = y[t]
    return -1 if (v == IGNORE or v < 0 or v >= V) else v


def plan_splits(n, V, kt=32):
    """lm_plan_splits."""
    token_tiles = -(-n // kt)
    vocab_tiles = -(-V // kt)
    splits = min(-(-1024 // token_tiles), 64)
    splits = max(1, min(splits, -(-vocab_tiles // 8)))
    split_len = -(-vocab_tiles // splits) * kt
    return -(-V // split_len), split_len


def plan_dh_splits(V, blocks):
    """plan_dh_splits (lm_head_tc.cu)."""
    vocab_tiles = -(-V // BW)
    splits = max(1, min(-(-512 // blocks), 8, -(-vocab_tiles // 8)))
    split_len = -(-vocab_tiles // splits) * BW
    return -(-V // split_len), split_len


def lm_block(h, w, y, lse, c, own_tokens, grad, bx, by, split_len, bz=0, dh_splits=1, dh_split_len=0, flat=False):
    """One block of lm_tc_kernel; returns what it writes: {(kind, row, col or split): value}.
    flat: the kFlat instance (no k16-step or output-column tests)."""
    n, dim = h.shape
    V = w.shape[0]
    X, Y = (h, w) if own_tokens else (w, h)
    nx = n if own_tokens else V
    o0 = bx * BO
    dh_split = grad and own_tokens and dh_splits > 1
    w_begin = by * split_len if not grad else bz * dh_split_len if dh_split else 0
    w_end = min(V, w_begin + split_len) if not grad else min(V, w_begin + dh_split_len) if dh_split \
        else (V if own_tokens else n)
    d0 = by * DC if grad else 0
    nk = -(-dim // KK)
    nw = -(-(w_end - w_begin) // BW)
    steps = nk * nw
    bufs = {}

    def issue(w0, k0, buf):
        bufs[buf] = (load_tile(X, o0, nx, k0, dim, BO, KK), load_tile(Y, w0, w_end, k0, dim, BW, KK))

    # per-warp registers
    s = np.zeros((4, BW // 8, 32, 4))
    out = np.zeros((4, DC // 8, 32, 4))
    m = np.full((4, 2, 32), NEG_INF)
    l = np.zeros((4, 2, 32))
    own_row = [[o0 + 16 * wp + G + 8 * r for r in range(2)] for wp in range(4)]
    if steps > 0:
        issue(w_begin, 0, 0)
    w0, kc = w_begin - BW, nk - 1  # counters, as the kernel advances them
    for step in range(steps):
        buf = step & 1
        kc += 1
        if kc == nk:
            kc, w0 = 0, w0 + BW
        last_chunk = kc == nk - 1
        if step + 1 < steps:  # written before this step's chunks are read: buffers must differ
            issue(w0 + BW if last_chunk else w0, 0 if last_chunk else (kc + 1) * KK, buf ^ 1)
        sX, sY = bufs[buf]
        if kc == 0:
            s[:] = 0
        ksteps = KK // 16 if flat else (min(KK, dim - kc * KK) + 15) // 16
        for wp in range(4):
            for kk in range(KK // 16):
                if flat or kk < ksteps:
                    af = ld_a(sX, 16 * wp, kk * 16)
                    for nn in range(0, BW // 8, 2):
                        b_lo, b_hi = ld_b_x4(sY, nn * 8, kk * 16)
                        mma(s[wp][nn], af, b_lo)
                        mma(s[wp][nn + 1], af, b_hi)
        if not last_chunk:
            continue
        if not grad:
            for wp in range(4):
                for nn in range(BW // 8):
                    for e in range(4):
                        col = w0 + nn * 8 + 2 * T + (e & 1)
                        s[wp][nn][:, e] = np.where(col < w_end, s[wp][nn][:, e] * LOG2E, NEG_INF)
                for r in range(2):  # OnlineSoftmax.update
                    mx = m[wp][r].copy()
                    for nn in range(BW // 8):
                        mx = np.maximum(mx, np.maximum(s[wp][nn][:, 2 * r], s[wp][nn][:, 2 * r + 1]))
                    mx = quad_reduce(mx, np.maximum)
                    base = np.where(mx == NEG_INF, 0.0, mx)
                    alpha = np.exp2(m[wp][r] - base)
                    m[wp][r] = mx
                    tot = np.zeros(32)
                    for nn in range(BW // 8):
                        tot += np.exp2(s[wp][nn][:, 2 * r] - base) + np.exp2(s[wp][nn][:, 2 * r + 1] - base)
                    l[wp][r] = l[wp][r] * alpha + tot
            continue
        sZ = load_tile(Y, w0, w_end, d0, dim, BW, DC)
        s_tgt = [(target(y, w0 + r, V) if w0 + r < n else -1) for r in range(BW)]
        s_lse = [(lse[w0 + r] if s_tgt[r] >= 0 else 0.0) for r in range(BW)]
        for wp in range(4):
            for nn in range(BW // 8):
                for e in range(4):
                    r = e >> 1
                    for lane in range(32):
                        wl = nn * 8 + 2 * T[lane] + (e & 1)
                        orow = own_row[wp][r][lane]
                        v = w0 + wl if own_tokens else orow
                        if own_tokens:
                            yy = target(y, orow, V) if orow < n else -1
                            ls = lse[orow] if orow < n else 0.0
                        else:
                            yy, ls = s_tgt[wl], s_lse[wl]
                        dl = 0.0
                        if yy >= 0 and v < (w_end if own_tokens else V):
                            dl = (math.exp(s[wp][nn][lane, e] - ls) - (1.0 if v == yy else 0.0)) * c
                        s[wp][nn][lane, e] = dl
            for kk in range(BW // 16):
                pf = c_to_a(s[wp][2 * kk], s[wp][2 * kk + 1])
                for nn in range(0, DC // 8, 2):
                    if flat or d0 + nn * 8 < dim:
                        b_lo, b_hi = ld_b_trans_x4(sZ, kk * 16, nn * 8)
                        mma(out[wp][nn], pf, b_lo)
                        mma(out[wp][nn + 1], pf, b_hi)
    writes = {}
    for wp in range(4):
        for r in range(2):
            for lane in range(32):
                row = own_row[wp][r][lane]
                if not grad:
                    if T[lane] == 0 and row < n:
                        tot = quad_reduce(l[wp][r], np.add)[lane]
                        mm = m[wp][r][lane]
                        writes[("m", row, by)] = NEG_INF if mm == NEG_INF else mm * LN2
                        writes[("l", row, by)] = tot
                    continue
                if row >= nx:
                    continue
                for nn in range(DC // 8):
                    for e in range(2):
                        col = d0 + nn * 8 + 2 * T[lane] + e
                        if col < dim:
                            writes[("dh" if own_tokens else "dw", row, col)] = out[wp][nn][lane, 2 * r + e]
    return writes


# --- the tiled-GEMM variants (lm_head_gemm.cuh) --------------------------------

GBM = GBN = 128   # LmGemmTraits<128>: block tile (rows kBM = 128 or 64, columns 128)
GBK = 32          # k step
GSTAGES = 3
SCRATCH = 192 << 20  # kScratchBytes (lm_head_tc.cu)
ELEM = 2             # sizeof(T)


def tile_copy(store, outer0, nouter, k0, K, k_major, rows, cols, vec):
    """One operand tile as the kernel stages it: TileCopy (vec) or lm_load_tile
    (element-wise). store is the operand's memory as a 2-D array (its real row
    stride: P includes its padding columns); k_major: tile rows are k. vec copies
    8-element chunks whose first element is in range, mapped as TileCopy maps
    them (thread tid: column (tid % (cols/8)) * 8 of rows tid / (cols/8) + i * step)."""
    s = np.full((rows, cols + 8), np.nan)  # the padding columns must never be read
    s[:, :cols] = 0.0
    per_row = cols // 8
    step = 256 // per_row
    if not vec:
        for r in range(rows):
            for cc in range(cols):
                orow, ocol = (k0 + r, outer0 + cc) if k_major else (outer0 + r, k0 + cc)
                ok = (k0 + r < K and outer0 + cc < nouter) if k_major else (outer0 + r < nouter and k0 + cc < K)
                if ok:
                    s[r, cc] = store[orow, ocol]
        return s
    seen = set()
    for tid in range(256):
        r0, cc = tid // per_row, (tid % per_row) * 8
        for i in range(rows // step):
            r = r0 + i * step
            seen.add((r, cc))
            if k_major:
                valid = outer0 + cc < nouter and k0 + r < K
                src = (k0 + r, outer0 + cc)
            else:
                valid = outer0 + r < nouter and k0 + cc < K
                src = (outer0 + r, k0 + cc)
            if valid:
                chunk = store[src[0], src[1]:src[1] + 8]
                assert len(chunk) == 8, "a 16-byte copy would read past the operand's storage"
                s[r, cc:cc + 8] = chunk
    assert len(seen) == rows * per_row, "TileCopy leaves a chunk uncopied"
    return s


def gemm_block(mode, h, w, y, lse, c, g, bx, by, split_len, vec, bm=GBM):
    """One block of lm_gemm_kernel<T, mode, bm>; returns its writes:
    lse: {("m"|"l", row, split)}, dlogits: {("p", row, col)}, dhidden:
    {("dh"|"acc", row, col)}, dweight: {("dw", v, col)}."""
    n, dim = h.shape
    V = w.shape[0]
    P = g.get("p")
    a_trans, b_trans = mode == "dweight", mode in ("dhidden", "dweight")
    if mode == "lse":
        A, B, M, K = h, w, n, dim
        m0 = bx * bm
        n_begin = by * split_len
        n_end = min(V, n_begin + split_len)
        N = n_end
        b_off = 0
    elif mode == "dlogits":
        A, B, M, N, K = h, w, n, g["v1"] - g["v0"], dim
        m0, n_begin = by * bm, bx * GBN
        n_end = n_begin + GBN
        b_off = g["v0"]
    elif mode == "dhidden":
        A, B, M, N, K = P, w, n, dim, g["v1"] - g["v0"]
        m0, n_begin = by * bm, bx * GBN
        n_end = min(N, n_begin + GBN)
        b_off = g["v0"]
    else:
        A, B, M, N, K = P, h, g["v1"] - g["v0"], dim, n
        m0, n_begin = by * bm, bx * GBN
        n_end = min(N, n_begin + GBN)
        b_off = 0
    Bv = B[b_off:] if b_off else B  # W + v0 * dim
    nk = -(-K // GBK)
    steps = nk * (-(-(n_end - n_begin) // GBN))
    stages = [None] * GSTAGES
    issued, in0, ik, ist = 0, n_begin, 0, 0

    def issue_next():
        nonlocal issued, in0, ik, ist
        k0 = ik * GBK
        sA = tile_copy(A, m0, M, k0, K, a_trans, GBK if a_trans else bm, bm if a_trans else GBK, vec)
        sB = tile_copy(Bv, in0, N, k0, K, b_trans, GBK if b_trans else GBN, GBN if b_trans else GBK, vec)
        stages[ist] = (sA, sB)
        ik += 1
        if ik == nk:
            ik, in0 = 0, in0 + GBN
        ist = 0 if ist + 1 == GSTAGES else ist + 1
        issued += 1

    for _ in range(GSTAGES - 1):
        if issued < steps:
            issue_next()
    wmr, mi_n = bm // 2, bm // 32  # warp tile rows, m16 tiles per warp
    acc = np.zeros((8, mi_n, 4, 32, 4))  # [warp][i][j][lane][e]
    sm_m = np.full((8, mi_n, 2, 32), NEG_INF)
    sm_l = np.zeros((8, mi_n, 2, 32))
    writes = {}
    n0, kc, stage = n_begin, 0, 0
    for step in range(steps):
        if issued < steps:  # after the barrier: into the stage read one step ago
            assert ist == (step + GSTAGES - 1) % GSTAGES
            issue_next()
        if kc == 0:
            acc[:] = 0.0
        sA, sB = stages[stage]
        for warp in range(8):
            wm, wn = warp & 1, warp >> 1
            for kk in range(GBK // 16):
                af = [(ld_a_trans(sA, wmr * wm + 16 * i, kk * 16) if a_trans
                       else ld_a(sA, wmr * wm + 16 * i, kk * 16)) for i in range(mi_n)]
                for jp in range(2):
                    b_lo, b_hi = (ld_b_trans_x4(sB, kk * 16, 32 * wn + 16 * jp) if b_trans
                                  else ld_b_x4(sB, 32 * wn + 16 * jp, kk * 16))
                    for i in range(mi_n):
                        mma(acc[warp][i][2 * jp], af[i], b_lo)
                        mma(acc[warp][i][2 * jp + 1], af[i], b_hi)
        if kc == nk - 1:
            for warp in range(8):
                wm, wn = warp & 1, warp >> 1
                for i in range(mi_n):
                    if mode == "lse":
                        sc = np.zeros((4, 32, 4))
                        for j in range(4):
                            for e in range(4):
                                col = n0 + 32 * wn + 8 * j + 2 * T + (e & 1)
                                sc[j][:, e] = np.where(col < n_end, acc[warp][i][j][:, e] * LOG2E, NEG_INF)
                        for r in range(2):  # OnlineSoftmax.update
                            mx = sm_m[warp][i][r].copy()
                            for j in range(4):
                                mx = np.maximum(mx, np.maximum(sc[j][:, 2 * r], sc[j][:, 2 * r + 1]))
                            mx = quad_reduce(mx, np.maximum)
                            base = np.where(mx == NEG_INF, 0.0, mx)
                            alpha = np.exp2(sm_m[warp][i][r] - base)
                            sm_m[warp][i][r] = mx
                            tot = np.zeros(32)
                            for j in range(4):
                                tot += np.exp2(sc[j][:, 2 * r] - base) + np.exp2(sc[j][:, 2 * r + 1] - base)
                            sm_l[warp][i][r] = sm_l[warp][i][r] * alpha + tot
                        continue
                    for r in range(2):
                        for lane in range(32):
                            row = m0 + wmr * wm + 16 * i + G[lane] + 8 * r
                            if row >= M:
                                continue
                            tg = target(y, row, V) if mode == "dlogits" else -1
                            rl = lse[row] if tg >= 0 else 0.0
                            for j in range(4):
                                col = n0 + 32 * wn + 8 * j + 2 * T[lane]
                                xy = acc[warp][i][j][lane, 2 * r:2 * r + 2]
                                for e in range(2):
                                    if mode == "dlogits":
                                        v = g["v0"] + col + e
                                        dl = 0.0
                                        if tg >= 0 and v < g["v1"]:
                                            dl = (math.exp(xy[e] - rl) - (1.0 if v == tg else 0.0)) * c
                                        assert col + e < g["ldp"]
                                        writes[("p", row, col + e)] = dl
                                    elif mode == "dhidden":
                                        if col + e >= N:
                                            continue
                                        val = xy[e] + (0.0 if g["first"] else g["dh_acc"][row, col + e])
                                        writes[("dh" if g["last"] else "acc", row, col + e)] = val
                                    else:
                                        if col + e < N:
                                            writes[("dw", g["v0"] + row, col + e)] = xy[e]
            n0, kc = n0 + GBN, 0
        else:
            kc += 1
        stage = 0 if stage + 1 == GSTAGES else stage + 1
    if mode == "lse":  # merge the four column warps per row, via shared memory
        sM = np.full((4, bm), np.nan)
        sL = np.full((4, bm), np.nan)
        for warp in range(8):
            wm, wn = warp & 1, warp >> 1
            for i in range(mi_n):
                for r in range(2):
                    tot = quad_reduce(sm_l[warp][i][r], np.add)
                    for lane in range(32):
                        if T[lane] == 0:
                            rl = wmr * wm + 16 * i + G[lane] + 8 * r
                            sM[wn][rl], sL[wn][rl] = sm_m[warp][i][r][lane], tot[lane]
        for rl in range(bm):
            row = m0 + rl
            if row >= n:
                continue
            mx = max(sM[:, rl])
            tot = 0.0
            if mx != NEG_INF:
                for wn in range(4):
                    if sM[wn][rl] != NEG_INF:
                        tot += sL[wn][rl] * 2.0 ** (sM[wn][rl] - mx)
            writes[("m", row, by)] = NEG_INF if mx == NEG_INF else mx * LN2
            writes[("l", row, by)] = tot
    return writes


def plan_splits_gemm(n, V):
    """lm_plan_splits_tc for the g variant."""
    token_tiles, vocab_tiles = -(-n // GBM), -(-V // GBN)
    splits = max(1, min(-(-512 // token_tiles), 64, -(-vocab_tiles // 4)))
    split_len = -(-vocab_tiles // splits) * GBN
    return -(-V // split_len), split_len


def rows_tile(m_rows, cols, sms):
    """launch_gemm_rows: 64-row tiles when 128-row ones give fewer than 2 blocks per SM."""
    return 64 if -(-cols // GBN) * -(-m_rows // 128) < 2 * sms else 128


def grads_gemm(h, w, y, lse, c, vec, scratch=SCRATCH, sms=132):
    """launch_grads_gemm: dlogits per vocabulary chunk into P, then dhidden and
    dweight as GEMMs over it. scratch: the P budget in bytes (smaller budgets
    give several chunks at emulation sizes); sms: the GPU's SM count, which
    picks 64- or 128-row tiles for dhidden and dweight (132: 64 at these sizes)."""
    n, dim = h.shape
    V = w.shape[0]
    vc_max = max(GBN, scratch // (ELEM * n) // GBN * GBN)
    chunks = -(-V // vc_max)
    vc = -(-(-(-V // chunks)) // GBN) * GBN
    P = np.full((n, vc), np.nan)  # cudaMallocAsync: garbage until written
    dh_acc = np.full((n, dim), np.nan) if chunks > 1 else None
    dh = np.full((n, dim), np.nan)
    dw = np.full((V, dim), np.nan)
    for ch in range(chunks):
        v0, v1 = ch * vc, min(V, ch * vc + vc)
        if v0 >= v1:
            break
        g = {"v0": v0, "v1": v1, "ldp": vc, "p": P, "dh_acc": dh_acc, "first": ch == 0,
             "last": ch == chunks - 1 or v1 == V}
        for bx in range(vc // GBN):
            for by in range(-(-n // GBM)):
                for (_, row, col), val in gemm_block("dlogits", h, w, y, lse, c, g, bx, by, 0, vec).items():
                    P[row, col] = val
        bm = rows_tile(n, dim, sms)
        for bx in range(-(-dim // GBN)):
            for by in range(-(-n // bm)):
                for (kind, row, col), val in gemm_block("dhidden", h, w, y, lse, c, g, bx, by, 0, vec, bm).items():
                    (dh if kind == "dh" else dh_acc)[row, col] = val
        bm = rows_tile(v1 - v0, dim, sms)
        for bx in range(-(-dim // GBN)):
            for by in range(-(-(v1 - v0) // bm)):
                for (_, v, col), val in gemm_block("dweight", h, w, y, lse, c, g, bx, by, 0, vec, bm).items():
                    dw[v, col] = val
    return dh, dw, chunks


def lm_head(h, w, y, normalizer, dloss, fwd="v1", grads="v1", vec=True, scratch=SCRATCH, sms=132):
    """The launch sequence of lcl_cuda_lm_head_forward + _backward on tensor cores
    for the variants fwd (v1, f, g) and grads (v1, f, s) of variants.h, with the
    launchers' fallbacks (f needs dim % 64 == 0, and % 256 == 0 for the gradients)."""
    n, dim = h.shape
    V = w.shape[0]
    part = {}
    if fwd == "g":
        splits, split_len = plan_splits_gemm(n, V)
        for bx in range(-(-n // GBM)):
            for by in range(splits):
                part.update(gemm_block("lse", h, w, y, None, 0.0, {}, bx, by, split_len, vec))
    else:
        splits, split_len = plan_splits(n, V)
        flat = fwd == "f" and dim % KK == 0
        for bx in range(-(-n // BO)):
            for by in range(splits):
                part.update(lm_block(h, w, y, None, 0.0, True, False, bx, by, split_len, flat=flat))
    lse = np.zeros(n)
    loss = 0.0
    for t in range(n):  # lm_finish_kernel: splits merged in order
        mm, ll = NEG_INF, 0.0
        for sp in range(splits):
            m2, l2 = part[("m", t, sp)], part[("l", t, sp)]
            mx = max(mm, m2)
            if mx == NEG_INF:
                continue
            ll = ll * math.exp(mm - mx) + l2 * math.exp(m2 - mx)
            mm = mx
        yy = target(y, t, V)
        if yy >= 0:
            lse[t] = mm + math.log(ll)
            loss += (lse[t] - h[t] @ w[yy]) / normalizer
    c = dloss / normalizer
    if grads == "s":
        dh, dw, chunks = grads_gemm(h, w, y, lse, c, vec, scratch, sms)
        return loss, lse, dh, dw, (splits, f"{chunks} chunk(s)")
    flat = grads == "f" and dim % KK == 0 and dim % DC == 0
    dh = np.full((n, dim), np.nan)
    dw = np.full((V, dim), np.nan)
    chunks = -(-dim // DC)
    token_tiles = -(-n // BO)
    dh_splits, dh_split_len = plan_dh_splits(V, token_tiles * chunks)
    part = np.full((dh_splits, n, dim), np.nan)  # the fp32 partials (dh_part), or dhidden itself
    for bx in range(token_tiles):
        for by in range(chunks):
            for bz in range(dh_splits):
                blk = lm_block(h, w, y, lse, c, True, True, bx, by, split_len, bz, dh_splits, dh_split_len, flat)
                for (_, row, col), val in blk.items():
                    part[bz, row, col] = val
    dh[:] = 0.0
    for bz in range(dh_splits):  # lm_dhidden_reduce_kernel: slices in order
        dh += part[bz]
    for bx in range(-(-V // BO)):
        for by in range(chunks):
            for (_, row, col), val in lm_block(h, w, y, lse, c, False, True, bx, by, split_len, flat=flat).items():
                dw[row, col] = val
    return loss, lse, dh, dw, (splits, dh_splits)


def reference(h, w, y, normalizer, dloss):
    V = w.shape[0]
    logits = h @ w.T
    mx = logits.max(1, keepdims=True)
    lse_all = mx[:, 0] + np.log(np.exp(logits - mx).sum(1))
    counted = np.array([target(y, t, V) >= 0 for t in range(len(y))])
    yc = np.where(counted, y, 0)
    loss = ((lse_all - logits[np.arange(len(y)), yc]) * counted).sum() / normalizer
    p = np.exp(logits - lse_all[:, None])
    onehot = np.zeros_like(p)
    onehot[np.arange(len(y)), yc] = 1.0
    dl = (p - onehot) * counted[:, None] * dloss / normalizer
    return loss, np.where(counted, lse_all, 0.0), dl @ w, dl.T @ h


def case(rng, n, dim, V, fwd="v1", grads="v1", vec=True, scratch=SCRATCH, sms=132):
    h = rng.standard_normal((n, dim))
    w = rng.standard_normal((V, dim)) * (2 / math.sqrt(dim))
    y = rng.integers(0, V, n)
    y[3::7] = IGNORE
    if n > 1:
        y[1] = V + 3  # out of range: ignored on the device
    normalizer = float(max(1, sum(target(y, t, V) >= 0 for t in range(n))))
    dloss = 0.7
    loss, lse, dh, dw, splits = lm_head(h, w, y, normalizer, dloss, fwd, grads, vec, scratch, sms)
    r_loss, r_lse, r_dh, r_dw = reference(h, w, y, normalizer, dloss)
    errs = {"loss": abs(loss - r_loss), "lse": np.abs(lse - r_lse).max(),
            "dhidden": np.abs(dh - r_dh).max() if not np.isnan(dh).any() else np.nan,
            "dweight": np.abs(dw - r_dw).max() if not np.isnan(dw).any() else np.nan}
    ok = all(e < 1e-9 for e in errs.values())
    print(f"n={n} dim={dim} V={V} fwd={fwd} grads={grads}{'' if vec else ' element-wise'}"
          f"{' 128-row tiles' if sms == 1 else ''} splits={splits} "
          + " ".join(f"{k} {v:.1e}" for k, v in errs.items()) + f"  {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    rng = np.random.default_rng(0)
    ok = True
    # v1 (and f where its conditions fail, i.e. the same kernels)
    ok &= case(rng, 70, 72, 150)      # partial k chunk (72 = 64 + 8), one output chunk
    ok &= case(rng, 37, 300, 97)      # five k chunks, two output chunks (d0 = 256)
    ok &= case(rng, 130, 40, 700)     # several vocabulary splits, own rows past n
    ok &= case(rng, 20, 24, 300)     # split length 160: walked tiles straddle the split end
    ok &= case(rng, 40, 24, 1100)    # three dhidden vocabulary slices, the last one short
    ok &= case(rng, 5, 16, 3)         # vocabulary smaller than a fragment
    # f: branch-free instances (dim 256 / 512: every chunk full)
    ok &= case(rng, 50, 256, 130, "f", "f")
    ok &= case(rng, 33, 512, 70, "f", "f")
    # g / s: 128 x 128 tiles; partial tiles in every dimension, dim not a
    # multiple of 32 (element-wise copies) or of 128, several LSE splits, and
    # small scratch budgets for several vocabulary chunks (the last one short)
    ok &= case(rng, 150, 96, 700, "g", "s")
    ok &= case(rng, 130, 40, 300, "g", "s", vec=False)
    ok &= case(rng, 200, 64, 1000, "g", "s", scratch=2 * 200 * 256)   # four chunks of 256, the last 232
    ok &= case(rng, 70, 160, 390, "g", "s", scratch=2 * 70 * 128)     # four chunks of 128: the last 6
    ok &= case(rng, 70, 48, 390, "g", "s", vec=False, scratch=2 * 70 * 128)
    # dhidden / dweight with 128-row tiles (what a GPU takes for large shapes)
    ok &= case(rng, 150, 96, 700, "g", "s", sms=1)
    ok &= case(rng, 200, 64, 1000, "g", "s", scratch=2 * 200 * 256, sms=1)
    ok &= case(rng, 5, 16, 3, "g", "s")
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
