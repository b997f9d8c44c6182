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
vocabulary splits. It proves the index arithmetic, not the hardware: bf16
rounding, barriers and cp.async are out of its reach (the GPU check covers
those).
"""
import math
import sys

import numpy as np

from emulate_tc import G, T, NEG_INF, c_to_a, ld_a, ld_b_trans_x4, ld_b_x4, mma, quad_reduce

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


def lm_block(h, w, y, lse, c, own_tokens, grad, bx, by, split_len, bz=0, dh_splits=1, dh_split_len=0):
    """One block of lm_tc_kernel; returns what it writes: {(kind, row, col or split): value}."""
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
        ksteps = (min(KK, dim - kc * KK) + 15) // 16
        for wp in range(4):
            for kk in range(KK // 16):
                if kk < ksteps:
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
                    if d0 + nn * 8 < dim:
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


def lm_head(h, w, y, normalizer, dloss):
    """The launch sequence of lcl_cuda_lm_head_forward + _backward on tensor cores."""
    n, dim = h.shape
    V = w.shape[0]
    splits, split_len = plan_splits(n, V)
    part = {}
    for bx in range(-(-n // BO)):
        for by in range(splits):
            part.update(lm_block(h, w, y, None, 0.0, True, False, bx, by, split_len))
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
    dh = np.full((n, dim), np.nan)
    dw = np.full((V, dim), np.nan)
    chunks = -(-dim // DC)
    token_tiles = -(-n // BO)
    dh_splits, dh_split_len = plan_dh_splits(V, token_tiles * chunks)
    part = np.full((dh_splits, n, dim), np.nan)  # the fp32 partials (dh_part), or dhidden itself
    for bx in range(token_tiles):
        for by in range(chunks):
            for bz in range(dh_splits):
                blk = lm_block(h, w, y, lse, c, True, True, bx, by, split_len, bz, dh_splits, dh_split_len)
                for (_, row, col), val in blk.items():
                    part[bz, row, col] = val
    dh[:] = 0.0
    for bz in range(dh_splits):  # lm_dhidden_reduce_kernel: slices in order
        dh += part[bz]
    for bx in range(-(-V // BO)):
        for by in range(chunks):
            for (_, row, col), val in lm_block(h, w, y, lse, c, False, True, bx, by, split_len).items():
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


def case(rng, n, dim, V):
    h = rng.standard_normal((n, dim))
    w = rng.standard_normal((V, dim)) * (2 / math.sqrt(dim))
    y = rng.integers(0, V, n)
    y[3::7] = IGNORE
    if n > 1:
        y[1] = V + 3  # out of range: ignored on the device
    normalizer = float(max(1, sum(target(y, t, V) >= 0 for t in range(n))))
    dloss = 0.7
    loss, lse, dh, dw, splits = lm_head(h, w, y, normalizer, dloss)
    r_loss, r_lse, r_dh, r_dw = reference(h, w, y, normalizer, dloss)
    errs = {"loss": abs(loss - r_loss), "lse": np.abs(lse - r_lse).max(),
            "dhidden": np.abs(dh - r_dh).max() if not np.isnan(dh).any() else np.nan,
            "dweight": np.abs(dw - r_dw).max() if not np.isnan(dw).any() else np.nan}
    ok = all(e < 1e-9 for e in errs.values())
    print(f"n={n} dim={dim} V={V} splits(lse, dhidden)={splits} " + " ".join(f"{k} {v:.1e}" for k, v in errs.items())
          + f"  {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    rng = np.random.default_rng(0)
    ok = True
    ok &= case(rng, 70, 72, 150)      # partial k chunk (72 = 64 + 8), one output chunk
    ok &= case(rng, 37, 300, 97)      # five k chunks, two output chunks (d0 = 256)
    ok &= case(rng, 130, 40, 700)     # several vocabulary splits, own rows past n
    ok &= case(rng, 20, 24, 300)     # split length 160: walked tiles straddle the split end
    ok &= case(rng, 40, 24, 1100)    # three dhidden vocabulary slices, the last one short
    ok &= case(rng, 5, 16, 3)         # vocabulary smaller than a fragment
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
