"""Lane-level emulation of the tensor-core attention kernels' index maps, in
float64 numpy, runnable without a GPU:  python3 emulate_tc.py

It mirrors attn_fwd_kernel.cuh and attn_bwd_kernel.cuh step by step (tiles,
padded smem, per-warp fragments, c_to_a, ldmatrix.trans, masks, causal skips,
the dQ split among warps, head-dim chunks), with mma.sync m16n8k16 and
ldmatrix decoded by the fragment layouts of the PTX ISA, for every variant of
variants.h (fwd_shape mirrors the launcher's choice, including the fallbacks;
the forward's K/V buffers are modelled, so a schedule that overwrote a buffer
before its last read would fail here). It proves the
kernels' index arithmetic, not the hardware: rounding to bf16, barriers and
memory races are out of its reach (the GPU check covers those).
"""
import math
import sys

import numpy as np

LANE = np.arange(32)
G, T = LANE >> 2, LANE & 3
NEG_INF = -np.inf


# --- PTX fragment layouts (the ground truth the kernels rely on) -------------

def decode_a(a):  # a[lane][reg][half] -> A (16x16)
    A = np.full((16, 16), np.nan)
    for r in range(4):
        for h in range(2):
            A[G + 8 * (r & 1), 2 * T + h + 8 * (r >> 1)] = a[:, r, h]
    return A


def decode_b(b):  # b[lane][reg][half] -> B (16x8)
    B = np.full((16, 8), np.nan)
    for r in range(2):
        for h in range(2):
            B[2 * T + h + 8 * r, G] = b[:, r, h]
    return B


def c_coords(e):  # accumulator element e of each lane -> (row, col)
    return G + 8 * (e >> 1), 2 * T + (e & 1)


def mma(c, a, b):  # c[lane][4] += A @ B
    C = decode_a(a) @ decode_b(b)
    assert not np.isnan(C).any(), "fragment left a hole"
    for e in range(4):
        r, col = c_coords(e)
        c[:, e] += C[r, col]


def ldmatrix_x4_trans(rowptr):
    """rowptr(lane) -> 8 contiguous elements at the address lane supplies.
    Matrix i is given by lanes 8i..8i+7 (its rows); .trans hands lane
    (g, t) the elements M_i[2t][g], M_i[2t+1][g]."""
    rows = np.stack([rowptr(l) for l in range(32)])  # (32, 8)
    out = np.zeros((32, 4, 2))
    for i in range(4):
        M = rows[8 * i:8 * i + 8]  # (8 rows, 8 cols)
        out[:, i, 0] = M[2 * T, G]
        out[:, i, 1] = M[2 * T + 1, G]
    return out


# --- the kernels' helpers, as written in attn_traits.cuh ---------------------

def ldmatrix_x4(rowptr):
    """rowptr(lane) -> 8 contiguous elements at the address lane supplies.
    Matrix i is given by lanes 8i..8i+7 (its rows); without .trans lane
    (g, t) gets M_i[g][2t], M_i[g][2t+1]."""
    rows = np.stack([rowptr(l) for l in range(32)])  # (32, 8)
    out = np.zeros((32, 4, 2))
    for i in range(4):
        M = rows[8 * i:8 * i + 8]
        out[:, i, 0] = M[G, 2 * T]
        out[:, i, 1] = M[G, 2 * T + 1]
    return out


def ld_a(s, row0, col0):
    """ld_a: ldmatrix.x4, lane l addresses row row0 + (l & 15), column col0 + 8 (l >> 4)."""
    return ldmatrix_x4(lambda l: s[row0 + (l & 15), col0 + ((l >> 4) << 3): col0 + ((l >> 4) << 3) + 8])


def ld_b_x4(s, n0, k0):
    """ld_b_x4: ldmatrix.x4, lane l addresses row n0 + (l & 7) + 8 (l >> 4), column
    k0 + 8 ((l >> 3) & 1); returns the (b0, b1) pairs of n8 tiles n0 and n0 + 8."""
    r = ldmatrix_x4(lambda l: s[n0 + (l & 7) + ((l >> 4) << 3),
                                k0 + (((l >> 3) & 1) << 3): k0 + (((l >> 3) & 1) << 3) + 8])
    return r[:, 0:2, :], r[:, 2:4, :]


def ld_b_trans_x4(s, k0, n0):
    r = ldmatrix_x4_trans(lambda l: s[k0 + (l & 15), n0 + ((l >> 4) << 3): n0 + ((l >> 4) << 3) + 8])
    return r[:, 0:2, :], r[:, 2:4, :]  # (b0, b1) of tile n0 and of tile n0+8


def ld_a_trans(s, m0, k0):
    """ld_a_trans: the tile holds A^T ([k][m]); ldmatrix.x4.trans, lane l addresses
    row k0 + (l & 7) + 8 (l >> 4), column m0 + 8 ((l >> 3) & 1)."""
    return ldmatrix_x4_trans(lambda l: s[k0 + (l & 7) + ((l >> 4) << 3),
                                         m0 + (((l >> 3) & 1) << 3): m0 + (((l >> 3) & 1) << 3) + 8])


def rows_loader_cover(rows, kd, threads=128):
    """load_tile_async_rows' index map: thread tid copies the chunk at column
    (tid % (kd/8)) * 8 of rows tid / (kd/8) + i * kRowStep; every (row, chunk) of
    the tile exactly once."""
    per_row = kd // 8
    step = threads // per_row
    seen = {}
    for tid in range(threads):
        r0, col = tid // per_row, (tid % per_row) * 8
        for i in range(rows // step):
            key = (r0 + i * step, col)
            seen[key] = seen.get(key, 0) + 1
    return len(seen) == rows * per_row and all(v == 1 for v in seen.values())


def c_to_a(c_lo, c_hi):
    a = np.zeros((32, 4, 2))
    a[:, 0] = c_lo[:, 0:2]
    a[:, 1] = c_lo[:, 2:4]
    a[:, 2] = c_hi[:, 0:2]
    a[:, 3] = c_hi[:, 2:4]
    return a


def load_tile(x, row0, rows, kd):
    """Padded smem tile (rows x (kd+8)), zeros past seq_len / head_dim."""
    L, D = x.shape
    s = np.zeros((rows, kd + 8))
    n = max(0, min(rows, L - row0))
    s[:n, :D] = x[row0:row0 + n]
    return s


def padded(D):
    return 64 if D <= 64 else 128 if D <= 128 else 256


class Mask:
    def __init__(self, L, causal, vlen, seg):
        self.L, self.causal, self.key_end, self.seg = L, causal, (L if vlen is None else vlen), seg

    def visible(self, i, j):
        ok = (j < self.key_end)
        if self.causal:
            ok = ok & (j <= i)
        if self.seg is not None:
            ok = ok & (self.seg[np.minimum(i, self.L - 1)] == self.seg[np.minimum(j, self.L - 1)])
        return ok


# --- forward, as attn_fwd_tc_kernel -------------------------------------------

def ld_a_lds32(s, row0, col0):
    """ld_a_lds32: a[r] = s[row0 + g + 8 (r & 1)][col0 + 2t + 8 (r >> 1) ..+1] (32-bit loads)."""
    a = np.zeros((32, 4, 2))
    for r in range(4):
        for h in range(2):
            a[:, r, h] = s[row0 + G + 8 * (r & 1), col0 + 2 * T + h + 8 * (r >> 1)]
    return a


def ld_b_lds32(s, n0, k0):
    """ld_b_lds32: b0 = s[n0 + g][k0 + 2t ..+1], b1 = s[n0 + g][k0 + 8 + 2t ..+1]."""
    b = np.zeros((32, 2, 2))
    for r in range(2):
        for h in range(2):
            b[:, r, h] = s[n0 + G, k0 + 2 * T + h + 8 * r]
    return b


FWD_VARIANTS = ("r1", "m1", "m2", "f1", "f2", "p1", "p2")


def fwd_shape(variant, D):
    """launch_attn_fwd_tc's choice: (kM, ldmatrix, flat, K/V double-buffered)."""
    kD = padded(D)
    m1 = (1, True, False, False)
    if kD > 128:
        return m1
    m2 = (2, True, False, False)
    exact = D == kD
    return {"r1": (1, False, False, False), "m1": m1, "m2": m2,
            "f1": (1, True, True, False) if exact else m1, "f2": (2, True, True, False) if exact else m2,
            "p1": (1, True, True, True) if exact else m1, "p2": (2, True, True, True) if exact else m2}[variant]


def fwd(q, k, v, scale, m: Mask, variant="m2"):
    """One pass of the forward grid. The smem K/V buffers are modelled: a copy
    lands in its buffer when it is issued (the earliest it could), and every
    read takes the buffer the kernel reads, so a schedule that overwrote a
    buffer before its last read would compute wrong values here."""
    L, D = q.shape
    kD, Bc = padded(D), 64
    M, ldsm, flat, kv2 = fwd_shape(variant, D)
    Br = 4 * 16 * M
    o = np.full((L, D), np.nan)
    lse = np.full(L, np.nan)
    ksteps = kD // 16 if flat else (D + 15) // 16
    log2e = 1 / math.log(2)
    for q0 in range(0, L, Br):
        sQ = load_tile(q, q0, Br, kD)
        kv_end = m.key_end
        if m.causal:
            kv_end = min(kv_end, q0 + Br)
        ntiles = (kv_end + Bc - 1) // Bc
        nb = 2 if kv2 else 1
        sK = [np.full((Bc, kD + 8), np.nan) for _ in range(nb)]
        sV = [np.full((Bc, kD + 8), np.nan) for _ in range(nb)]
        if ntiles > 0:
            sK[0] = load_tile(k, 0, Bc, kD)
            if kv2:
                sV[0] = load_tile(v, 0, Bc, kD)
        oacc = np.zeros((4, M, kD // 8, 32, 4))
        mrow = np.full((4, M, 2, 32), NEG_INF)
        lrow = np.zeros((4, M, 2, 32))
        for kt in range(ntiles):
            k0 = kt * Bc
            buf = (kt & 1) if kv2 else 0
            # __syncthreads(); then the copies issued at the top of the tile
            if kv2:
                if kt + 1 < ntiles:
                    sK[buf ^ 1] = load_tile(k, k0 + Bc, Bc, kD)
                    sV[buf ^ 1] = load_tile(v, k0 + Bc, Bc, kD)
            else:
                sV[0] = load_tile(v, k0, Bc, kD)
            s = np.zeros((4, M, Bc // 8, 32, 4))
            for warp in range(4):
                warp_row0 = q0 + 16 * M * warp
                for kk in range(kD // 16):
                    if flat or kk < ksteps:
                        af = [(ld_a if ldsm else ld_a_lds32)(sQ, warp_row0 - q0 + 16 * mi, kk * 16) for mi in range(M)]
                        for n in range(0, Bc // 8, 2):
                            if ldsm:
                                b_lo, b_hi = ld_b_x4(sK[buf], n * 8, kk * 16)
                            else:
                                b_lo, b_hi = ld_b_lds32(sK[buf], n * 8, kk * 16), ld_b_lds32(sK[buf], n * 8 + 8, kk * 16)
                            for mi in range(M):
                                mma(s[warp][mi][n], af[mi], b_lo)
                                mma(s[warp][mi][n + 1], af[mi], b_hi)
                for mi in range(M):
                    row0 = warp_row0 + 16 * mi
                    full = (k0 + Bc <= m.key_end) and (not m.causal or k0 + Bc - 1 <= row0) and m.seg is None
                    sl2 = scale * log2e
                    for n in range(Bc // 8):
                        for e in range(4):
                            col = k0 + n * 8 + 2 * T + (e & 1)
                            row = row0 + G + (0 if e < 2 else 8)
                            x = s[warp][mi][n][:, e] * (1.0 if flat else sl2)  # flat: the scale goes into exp2
                            if not full:
                                bad = (row >= L) | (col >= L) | ~m.visible(row, col)
                                x = np.where(bad, NEG_INF, x)
                            s[warp][mi][n][:, e] = x
                    # OnlineSoftmax.update (general) / update_scaled (flat)
                    alpha = np.zeros((2, 32))
                    for r in range(2):
                        if flat:
                            mx = np.full(32, NEG_INF)
                        else:
                            mx = mrow[warp][mi][r].copy()
                        for n in range(Bc // 8):
                            mx = np.maximum(mx, np.maximum(s[warp][mi][n][:, 2 * r], s[warp][mi][n][:, 2 * r + 1]))
                        mx = quad_reduce(mx, np.maximum)
                        if flat:
                            mx = np.maximum(mrow[warp][mi][r], mx * sl2)
                        base = np.where(mx == NEG_INF, 0.0, mx)
                        alpha[r] = np.exp2(mrow[warp][mi][r] - base)
                        mrow[warp][mi][r] = mx
                        tot = np.zeros(32)
                        for h in range(2):
                            for n in range(Bc // 8):
                                x = s[warp][mi][n][:, 2 * r + h]
                                s[warp][mi][n][:, 2 * r + h] = np.exp2(x * sl2 - base if flat else x - base)
                                tot += s[warp][mi][n][:, 2 * r + h]
                        lrow[warp][mi][r] = lrow[warp][mi][r] * alpha[r] + tot
                    for n in range(kD // 8):
                        oacc[warp][mi][n][:, 0:2] *= alpha[0][:, None]
                        oacc[warp][mi][n][:, 2:4] *= alpha[1][:, None]
            if not kv2:  # __syncthreads(); K(kt+1) into the one K buffer, read by no warp any more
                sK[0] = load_tile(k, k0 + Bc, Bc, kD) if kt + 1 < ntiles else np.full((Bc, kD + 8), np.nan)
            for warp in range(4):
                for kk in range(Bc // 16):
                    pf = [c_to_a(s[warp][mi][2 * kk], s[warp][mi][2 * kk + 1]) for mi in range(M)]
                    for n in range(0, kD // 8, 2):
                        if flat or n * 8 < D:
                            b_lo, b_hi = ld_b_trans_x4(sV[buf], kk * 16, n * 8)
                            for mi in range(M):
                                mma(oacc[warp][mi][n], pf[mi], b_lo)
                                mma(oacc[warp][mi][n + 1], pf[mi], b_hi)
        for warp in range(4):
            warp_row0 = q0 + 16 * M * warp
            for mi in range(M):
                for r in range(2):
                    tot = quad_reduce(lrow[warp][mi][r], np.add)
                    inv = np.where(tot > 0, 1 / np.where(tot > 0, tot, 1), 0.0)
                    l_se = np.where(tot > 0, (mrow[warp][mi][r] + np.log2(np.where(tot > 0, tot, 1))) * math.log(2),
                                    NEG_INF)
                    rows = warp_row0 + 16 * mi + G + 8 * r
                    for lane in range(32):
                        row = rows[lane]
                        if row >= L:
                            continue
                        for n in range(kD // 8):
                            col = n * 8 + 2 * T[lane]
                            if col < D:
                                o[row, col] = oacc[warp][mi][n][lane, 2 * r] * inv[lane]
                                o[row, col + 1] = oacc[warp][mi][n][lane, 2 * r + 1] * inv[lane]
                        if T[lane] == 0:
                            lse[row] = l_se[lane]
    return o, lse


def quad_reduce(x, op):
    y = x.copy()
    for off in (1, 2):
        y = op(y, y[LANE ^ off])
    return y


# --- backward, as attn_bwd_tc_kernel -------------------------------------------

BWD_VARIANTS = ("b2", "b1", "bf", "b3")


def bwd(q, k, v, do, lse, dvec, scale, m: Mask, variant="b2"):
    """b1 differs from b2 only in how the dQ pairs reach memory (atomics), b3
    from bf only in its register budget: neither shows here."""
    L, D = q.shape
    kD = padded(D)
    flat = variant in ("bf", "b3") and kD <= 128 and D == kD  # b3: bf's code, fewer registers
    Bc, Br = 64, (64 if kD <= 64 else 32)
    DC = kD if kD <= 128 else 128
    log2e = 1 / math.log(2)
    ksteps = kD // 16 if flat else (D + 15) // 16
    dq_acc = np.zeros((L, D))
    dk = np.full((L, D), np.nan)
    dv = np.full((L, D), np.nan)
    for chunk in range(kD // DC):
        dc0 = chunk * DC
        for k0 in range(0, L, Bc):
            acc_dk = np.zeros((4, DC // 8, 32, 4))
            acc_dv = np.zeros((4, DC // 8, 32, 4))
            if k0 < m.key_end:
                sK, sV = load_tile(k, k0, Bc, kD), load_tile(v, k0, Bc, kD)
                q_begin = (k0 // Br) * Br if m.causal else 0
                for q0 in range(q_begin, L, Br):
                    sQ, sdO = load_tile(q, q0, Br, kD), load_tile(do, q0, Br, kD)
                    rows = q0 + np.arange(Br)
                    lse_r = np.where(rows < L, lse[np.minimum(rows, L - 1)], NEG_INF)
                    sLse = np.where(lse_r == NEG_INF, np.inf, lse_r * log2e)
                    sDvec = np.where(rows < L, dvec[np.minimum(rows, L - 1)], 0.0)
                    sdS = np.zeros((Br, Bc + 8))
                    for warp in range(4):
                        key_lo = k0 + 16 * warp + G
                        key_hi = key_lo + 8
                        st = np.zeros((Br // 8, 32, 4))
                        dpt = np.zeros((Br // 8, 32, 4))
                        for kk in range(kD // 16):
                            if flat or kk < ksteps:
                                ka, va = ld_a(sK, 16 * warp, kk * 16), ld_a(sV, 16 * warp, kk * 16)
                                for n in range(0, Br // 8, 2):
                                    b_lo, b_hi = ld_b_x4(sQ, n * 8, kk * 16)
                                    mma(st[n], ka, b_lo)
                                    mma(st[n + 1], ka, b_hi)
                                    b_lo, b_hi = ld_b_x4(sdO, n * 8, kk * 16)
                                    mma(dpt[n], va, b_lo)
                                    mma(dpt[n + 1], va, b_hi)
                        full = (k0 + Bc <= m.key_end) and (not m.causal or k0 + Bc - 1 <= q0) and m.seg is None
                        for n in range(Br // 8):
                            for e in range(4):
                                ql = n * 8 + 2 * T + (e & 1)
                                key = key_lo if e < 2 else key_hi
                                query = q0 + ql
                                with np.errstate(over="ignore"):
                                    p = np.exp2(st[n][:, e] * scale * log2e - sLse[ql])
                                if not full:
                                    bad = (query >= L) | (key >= L) | ~m.visible(query, key)
                                    p = np.where(bad, 0.0, p)
                                st[n][:, e] = p
                                dpt[n][:, e] = p * (dpt[n][:, e] - sDvec[ql])
                        for kk in range(Br // 16):
                            pa, dsa = c_to_a(st[2 * kk], st[2 * kk + 1]), c_to_a(dpt[2 * kk], dpt[2 * kk + 1])
                            for n in range(0, DC // 8, 2):
                                if flat or dc0 + n * 8 < D:
                                    b_lo, b_hi = ld_b_trans_x4(sdO, kk * 16, dc0 + n * 8)
                                    mma(acc_dv[warp][n], pa, b_lo)
                                    mma(acc_dv[warp][n + 1], pa, b_hi)
                                    b_lo, b_hi = ld_b_trans_x4(sQ, kk * 16, dc0 + n * 8)
                                    mma(acc_dk[warp][n], dsa, b_lo)
                                    mma(acc_dk[warp][n + 1], dsa, b_hi)
                        for n in range(Br // 8):
                            for e in range(4):
                                ql = n * 8 + 2 * T + (e & 1)
                                kl = 16 * warp + G + (0 if e < 2 else 8)
                                sdS[ql, kl] = dpt[n][:, e]
                    # __syncthreads(); dQ
                    slabs = Br // 16
                    per_slab = 4 // slabs
                    n_per_warp = (DC // 8) // per_slab
                    for warp in range(4):
                        slab = warp % slabs
                        nbase = (warp // slabs) * n_per_warp
                        dsf = [ld_a(sdS, 16 * slab, kk * 16) for kk in range(Bc // 16)]
                        qrow_lo = q0 + 16 * slab + G
                        for nn in range(0, n_per_warp, 2):
                            col0 = dc0 + (nbase + nn) * 8
                            if not flat and col0 >= D:
                                continue
                            acc = np.zeros((2, 32, 4))
                            for kk in range(Bc // 16):
                                b_lo, b_hi = ld_b_trans_x4(sK, kk * 16, col0)
                                mma(acc[0], dsf[kk], b_lo)
                                mma(acc[1], dsf[kk], b_hi)
                            for h in range(2):
                                for lane in range(32):
                                    col = col0 + h * 8 + 2 * T[lane]
                                    if not flat and col >= D:
                                        continue
                                    for r in range(2):
                                        row = qrow_lo[lane] + 8 * r
                                        if row >= L:
                                            continue
                                        dq_acc[row, col] += scale * acc[h][lane, 2 * r]
                                        dq_acc[row, col + 1] += scale * acc[h][lane, 2 * r + 1]
            for warp in range(4):
                for r in range(2):
                    for lane in range(32):
                        key = k0 + 16 * warp + G[lane] + 8 * r
                        if key >= L:
                            continue
                        for n in range(DC // 8):
                            col = dc0 + n * 8 + 2 * T[lane]
                            if col >= D:
                                continue
                            dk[key, col:col + 2] = scale * acc_dk[warp][n][lane, 2 * r:2 * r + 2]
                            dv[key, col:col + 2] = acc_dv[warp][n][lane, 2 * r:2 * r + 2]
    return dq_acc, dk, dv


# --- reference and driver ------------------------------------------------------

def reference(q, k, v, do, scale, m: Mask):
    L = q.shape[0]
    i = np.arange(L)
    vis = m.visible(i[:, None], i[None, :])
    s = np.where(vis, scale * q @ k.T, NEG_INF)
    mx = s.max(1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0)
    e = np.exp(s - mx)
    tot = e.sum(1, keepdims=True)
    p = np.where(tot > 0, e / np.where(tot > 0, tot, 1), 0)
    lse = np.where(tot[:, 0] > 0, np.log(np.where(tot[:, 0] > 0, tot[:, 0], 1)) + mx[:, 0], NEG_INF)
    o = p @ v
    dvec = (do * o).sum(1)
    dp = do @ v.T
    ds = p * (dp - dvec[:, None])
    return o, lse, scale * ds @ k, scale * ds.T @ q, p.T @ do, dvec


def case(rng, L, D, causal=False, vlen=None, seg=None):
    """Every forward variant and every backward variant on the same inputs."""
    q, k, v, do = (rng.standard_normal((L, D)) for _ in range(4))
    scale = 1 / math.sqrt(D)
    m = Mask(L, causal, vlen, seg)
    r_o, r_lse, r_dq, r_dk, r_dv, r_dvec = reference(q, k, v, do, scale, m)
    fin = np.isfinite(r_lse)
    desc = f"L={L} D={D}{' causal' if causal else ''}{f' vlen={vlen}' if vlen is not None else ''}" \
           f"{' seg' if seg is not None else ''}"
    ok_all = True

    def report(name, errs, extra_ok=True):
        ok = all(e < 1e-9 for e in errs.values()) and extra_ok
        print(f"{desc:<36} {name:<4} " + " ".join(f"{k} {v:.1e}" for k, v in errs.items())
              + f"  {'PASS' if ok else 'FAIL'}")
        return ok

    lse_ref = None
    for variant in FWD_VARIANTS:
        o, lse = fwd(q, k, v, scale, m, variant)
        errs = {"O": np.abs(o - r_o).max() if not np.isnan(o).any() else np.nan,
                "LSE": np.abs(lse[fin] - r_lse[fin]).max() if fin.any() else 0.0}
        ok_all &= report(variant, errs, bool(np.all(np.isneginf(lse[~fin]))))
        if variant == "m2":
            lse_ref = lse
    for variant in BWD_VARIANTS:
        dq, dk, dv = bwd(q, k, v, do, lse_ref, r_dvec, scale, m, variant)
        errs = {}
        for name, a, b in (("dQ", dq, r_dq), ("dK", dk, r_dk), ("dV", dv, r_dv)):
            errs[name] = np.abs(a - b).max() if not np.isnan(a).any() else np.nan
        ok_all &= report(variant, errs)
    return ok_all


def main():
    rng = np.random.default_rng(0)
    ok = True
    ok &= case(rng, 77, 40, causal=True)
    ok &= case(rng, 130, 64, causal=True, vlen=51)
    ok &= case(rng, 300, 64, causal=True)          # three 128-row forward blocks, the last partial
    ok &= case(rng, 97, 128, vlen=0)
    ok &= case(rng, 200, 128, causal=True)         # branch-free and double-buffered shapes at D 128
    ok &= case(rng, 150, 64, seg=np.array([0] * 60 + [1] * 70 + [2] * 20))
    ok &= case(rng, 70, 72, causal=True, seg=np.array([0] * 30 + [1] * 25 + [2] * 15))
    ok &= case(rng, 80, 136, causal=True)
    ok &= case(rng, 33, 256, vlen=20)
    ok &= case(rng, 1, 32)
    cover = all(rows_loader_cover(r, kd) for kd in (64, 128) for r in (32, 64, 128))
    print(f"load_tile_async_rows covers every chunk once (rows 32/64/128, kD 64/128): {'PASS' if cover else 'FAIL'}")
    ok &= cover
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
