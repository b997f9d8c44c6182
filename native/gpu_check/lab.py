"""The kernel lab of check.py: every variant of native/src/cuda/variants.h
checked for correctness on a few odd shapes and timed on the timing shapes, in
the same run, with the winner per shape. check.py runs it after its own
sections (which use the production defaults) unless --no-lab; the table goes
last in the report (check.finish prints rep.lab_tables).

Correctness: each forward variant with a backward variant (so every backward
variant meets several forwards), each LM-head forward variant with a gradient
variant, against the float64 torch references of check.py (same tolerances);
passing checks are counted but not printed, one line per variant pairing.
Timing (bf16): attention forward per forward variant, backward alone per
backward variant (after a forward), SDPA for scale; LM head forward per
forward variant (its loss checked), backward per gradient variant (its
dhidden and dweight checked against float64 at the timing size, and its
workspace high-water mark), and the forward with gradients of the production
pair and of the best pair.
"""
import math

import torch
import torch.nn.functional as F

import check as C
import lcl_ctypes as L


# attention has one slot per head-dim class (variants.h); the lab sets both
ATTN_CLASSES = ("d64", "d128")


def _select(cuda, **slots):
    """slot=name; attn_fwd / attn_bwd set the slot of every head-dim class."""
    for slot, name in slots.items():
        for s in ([f"{slot}_{c}" for c in ATTN_CLASSES] if slot in ("attn_fwd", "attn_bwd") else [slot]):
            L.set_variant(cuda, s, name)


def _attn_class(D):
    return "d64" if D <= 64 else "d128"


def _reset(cuda, variants):
    for slot in variants:
        L.set_variant(cuda, slot, "default")


class _Quiet:
    """Counts the checks of a block without printing the passing ones."""

    def __init__(self, rep):
        self.rep = rep

    def __enter__(self):
        self.say, self.before = self.rep.say, (self.rep.failures, sum(c[0] for c in self.rep.sections.values()))
        self.lines = []
        self.rep.say = self.lines.append  # buffered: printed only when something failed
        return self

    def __exit__(self, *exc):
        self.rep.say = self.say
        failed = self.rep.failures - self.before[0]
        checks = sum(c[0] for c in self.rep.sections.values()) - self.before[1]
        if failed or exc[0] is not None:
            for ln in self.lines:
                if "FAIL" in ln or not ln.startswith("  "):
                    self.rep.say(ln)
        self.checks, self.failed = checks, failed
        return False


# ---------------------------------------------------------------------------
# correctness

def attention_correctness(rep, libs, gen, variants):
    _, cuda, _ = libs
    bf16, f16 = torch.bfloat16, torch.float16
    fwd_names = variants["attn_fwd_d64"][0]
    bwd_names = variants["attn_bwd_d64"][0]
    seg = torch.tensor([[0] * 100 + [1] * 120 + [2] * 37], dtype=torch.int32)
    if C.DEV != "cuda":  # dry run: the host emulation has no tensor-core attention
        fwd_names = []
        rep.say("  lab attention: skipped in the dry run")
    for i, fv in enumerate(fwd_names):
        bv = bwd_names[i % len(bwd_names)]
        _select(cuda, attn_fwd=fv, attn_bwd=bv)
        with _Quiet(rep) as q:
            try:
                # D 64 / 128 exactly (the branch-free shapes), odd L, every mask, every layout,
                # the element-wise copy path (misaligned), a head dim that takes the fallback
                C.attention_case(rep, libs, gen, bf16, 2, 3, 300, 64, causal=True, vlens=[300, 77])
                C.attention_case(rep, libs, gen, f16, 1, 2, 257, 128, causal=True, seg=seg, layout="bshd")
                C.attention_case(rep, libs, gen, bf16, 2, 2, 130, 128, layout="packed")
                C.attention_case(rep, libs, gen, f16, 1, 2, 100, 64, causal=True, layout="misaligned")
                C.attention_case(rep, libs, gen, bf16, 1, 2, 77, 72, causal=True)
            except Exception as e:  # noqa: BLE001 - a crash fails this pairing, the next one still runs
                rep.fail(f"ERROR: {type(e).__name__}: {e}")
        rep.say(f"  lab attention fwd={fv:<3} bwd={bv:<3} {q.checks:4d} checks, {q.failed} failed"
                f"{'  FAIL' if q.failed else ''}")
    _reset(cuda, variants)


def lm_correctness(rep, libs, gen, variants):
    _, cuda, _ = libs
    bf16, f16 = torch.bfloat16, torch.float16
    lf, lg = variants["lm_fwd"][0], variants["lm_grads"][0]
    pairs = [(lf[i % len(lf)], lg[(i + 1) % len(lg)]) for i in range(max(len(lf), len(lg)))]
    if C.DEV == "cuda":  # (dtype, n, dim, V, options) as check.lm_head_case takes them
        cases = [(bf16, 257, 200, 2053, dict(stride_pad=8)),  # dim: neither a multiple of 64 nor of 128
                 (f16, 130, 512, 4099, dict(misaligned=True, out_of_range=True)),  # element-wise copies
                 (bf16, 77, 256, 3001, {}),  # the branch-free instances of f
                 (bf16, 100, 37, 777, {}),  # dim not a multiple of 8: element-wise copies
                 (bf16, 45, 64, 300, dict(ignore_every=1))]
        big = (bf16, 2050, 96, 49411, dict(stride_pad=8))  # s: a scratch over 192 MiB, two vocabulary chunks
    else:  # dry run on the host emulation: the plumbing only, small sizes
        cases = [(bf16, 33, 40, 70, dict(stride_pad=8)), (bf16, 20, 16, 40, dict(misaligned=True))]
        big = None
    for fv, gv in pairs:
        _select(cuda, lm_fwd=fv, lm_grads=gv)
        with _Quiet(rep) as q:
            for dt, n, dim, V, opts in cases + ([big] if gv == "s" and big else []):
                try:
                    C.lm_head_case(rep, libs, gen, dt, n, dim, V, **opts)
                except Exception as e:  # noqa: BLE001 - a crash fails this case, the next one still runs
                    rep.fail(f"ERROR: {type(e).__name__}: {e}")
        rep.say(f"  lab lm_head fwd={fv:<3} grads={gv:<3} {q.checks:4d} checks, {q.failed} failed"
                f"{'  FAIL' if q.failed else ''}")
    _reset(cuda, variants)


# ---------------------------------------------------------------------------
# timing

def _table(rep, title, names, rows):
    """rows: [(shape label, {variant: ms}, the row's default, note, group)]: each
    row's winner, then per group (None: none) the geometric mean of each
    variant's ms over the group's rows and its winner (the numbers the defaults
    are set from, gpu_check/README.md)."""
    head = f"  {'shape':<26} " + " ".join(f"{n:>8}" for n in names)
    lines = [title, head + "   winner  x default  note"]
    groups = {}
    for label, ms, default, extra, group in rows:
        best = min(ms, key=ms.get)
        gain = ms[default] / ms[best] if ms.get(default) else float("nan")
        lines.append(f"  {label:<26} " + " ".join(f"{ms[n]:8.3f}" if n in ms else f"{'-':>8}" for n in names)
                     + f"   {best:<7} {gain:5.2f}x   {extra}")
        if group is not None:
            groups.setdefault(group, []).append((ms, default))
    for group, members in groups.items():
        gm = {n: math.exp(sum(math.log(ms[n]) for ms, _ in members) / len(members))
              for n in names if all(n in ms for ms, _ in members)}
        default = members[0][1]
        best = min(gm, key=gm.get)
        lines.append(f"  {'geomean ' + group:<26} " + " ".join(f"{gm[n]:8.3f}" if n in gm else f"{'-':>8}"
                                                              for n in names)
                     + f"   {best:<7} {gm[default] / gm[best]:5.2f}x   (default {default})")
    rep.lab_tables.append(lines)
    for ln in lines:
        rep.say(ln)


def attention_timing(rep, libs, gen, variants, quick):
    cpu, cuda, _ = libs
    fwd_names = variants["attn_fwd_d64"][0]
    bwd_names = variants["attn_bwd_d64"][0]
    dtype, code = torch.bfloat16, L.LCL_BFLOAT16
    stream = C.stream_ptr()
    fwd_rows, bwd_rows = [], []
    for B, H, S, D, causal in C.timing_shapes(quick):
        q, k, v, do = (torch.randn(B, H, S, D, generator=gen, device=C.DEV, dtype=dtype) for _ in range(4))
        o, lse = torch.empty_like(q), torch.empty(B, H, S, device=C.DEV)
        dq, dk, dv = (torch.empty_like(q) for _ in range(3))
        scale = 1.0 / math.sqrt(D)
        pf = C.attn_params(B, H, S, D, scale, causal, code, None, None, q, k, v, o, lse, stream=stream)
        pb = C.attn_params(B, H, S, D, scale, causal, code, None, None, q, k, v, o, lse, do, dq, dk, dv, stream)
        flop = 4.0 * B * S * S * H * D / (2 if causal else 1)
        label = f"{'c' if causal else 'f'} B{B} H{H} L{S} D{D}"
        fwd_default = variants[f"attn_fwd_{_attn_class(D)}"][1]  # of this row's head-dim class
        bwd_default = variants[f"attn_bwd_{_attn_class(D)}"][1]
        fwd_ms = {}
        for fv in fwd_names:
            _select(cuda, attn_fwd=fv)
            fwd_ms[fv] = C.bench(lambda: C.call(cuda, "lcl_cuda_attention_forward", pf, cpu))
        _reset(cuda, variants)
        C.call(cuda, "lcl_cuda_attention_forward", pf, cpu)  # O and LSE for the backward
        bwd_ms = {}
        for bv in bwd_names:
            _select(cuda, attn_bwd=bv)
            bwd_ms[bv] = C.bench(lambda: C.call(cuda, "lcl_cuda_attention_backward", pb, cpu))
        _reset(cuda, variants)
        with torch.no_grad():
            sdpa_f = C.bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))

        def sdpa_fb():
            out = F.scaled_dot_product_attention(qg, kg, vg, is_causal=causal)
            torch.autograd.grad(out, (qg, kg, vg), do)

        sdpa_b = max(C.bench(sdpa_fb) - sdpa_f, 1e-6)
        best_f, best_b = min(fwd_ms.values()), min(bwd_ms.values())
        tf = lambda f, ms: f / (ms * 1e-3) / 1e12  # noqa: E731
        group = f"D{D} H16 L>=1024" if H == 16 and S >= 1024 else None  # the rows the defaults come from
        fwd_rows.append((label, fwd_ms, fwd_default,
                         f"best {tf(flop, best_f):5.1f} TF/s; sdpa {sdpa_f:.3f} ms ({tf(flop, sdpa_f):.0f} TF/s), "
                         f"sdpa/best {sdpa_f / best_f:.2f}", group))
        bwd_rows.append((label, bwd_ms, bwd_default,
                         f"best {tf(2.5 * flop, best_b):5.1f} TF/s; sdpa bwd {sdpa_b:.3f} ms, "
                         f"sdpa/best {sdpa_b / best_b:.2f}", group))
        del qg, kg, vg
    _table(rep, "LAB attention forward, bf16, ms (median of 10); x vs the row's head-dim class default", fwd_names,
           fwd_rows)
    _table(rep, "LAB attention backward alone, bf16, ms (median of 10; sdpa bwd = its fwd+bwd - fwd)", bwd_names,
           bwd_rows)


def lm_timing(rep, libs, gen, variants, dtype=torch.bfloat16, dim=512, V=49411, sizes=(4096, 16384)):
    cpu, cuda, _ = libs
    fwd_names, fwd_default = variants["lm_fwd"]
    g_names, g_default = variants["lm_grads"]
    stream = C.stream_ptr()
    pool = C.CudaPool()
    fwd_rows, g_rows, fg_rows = [], [], []
    for n in sizes:
        hidden, hs, weight, y, y_ref = C.lm_inputs(gen, dtype, n, dim, V, ignore_every=10)
        normalizer = float(int((y_ref != C.IGNORE).sum()))
        loss, lse = torch.empty(1, device=C.DEV), torch.empty(n, device=C.DEV)
        dh, dw = torch.empty(n, dim, device=C.DEV, dtype=dtype), torch.empty(V, dim, device=C.DEV)
        dloss = torch.ones(1, device=C.DEV)
        code = C.DTYPE_CODE[dtype]
        pf = C.lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, stream=stream)
        pb = C.lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, dloss, dh, dim, dw, stream)
        pg = C.lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, None, dh, dim, dw, stream)
        with torch.no_grad():
            ref = float(F.cross_entropy(F.linear(hidden.float(), weight.float()), y_ref, ignore_index=C.IGNORE))
        fwd_ms, notes = {}, []
        for fv in fwd_names:
            _select(cuda, lm_fwd=fv)
            fwd_ms[fv] = C.bench(lambda: C.call(cuda, "lcl_cuda_lm_head_forward", pf, cpu), 1, 3)
            C.sync()
            lrel = abs(float(loss) - ref) / abs(ref)
            ok = lrel < 1e-4  # fp32 sums of the same exact products
            rep._count(ok)
            if not ok:
                notes.append(f"{fv}: loss rel {lrel:.1e} FAIL")
        _reset(cuda, variants)
        C.call(cuda, "lcl_cuda_lm_head_forward", pf, cpu)  # lse for the backward
        # float64 gradients for dloss 1: every variant's dhidden / dweight at this size
        # (the sizes where the tiled GEMMs take their 128-row tiles) is checked
        _, _, r_dh, r_dw = C.ref_lm_head(hidden, weight, y_ref, normalizer, 1.0)
        tol = C.TOL[dtype]
        g_ms, ws = {}, {}
        for gv in g_names:
            _select(cuda, lm_grads=gv)
            C.call(cuda, "lcl_cuda_lm_head_backward", pb, cpu)  # warm-up, then the workspace of one call
            C.sync()
            pool.reset()
            C.call(cuda, "lcl_cuda_lm_head_backward", pb, cpu)
            C.sync()
            high = pool.high()
            ws[gv] = "n/a" if high is None else f"{high / 2 ** 20:.0f}"
            g_ms[gv] = C.bench(lambda: C.call(cuda, "lcl_cuda_lm_head_backward", pb, cpu), 1, 3)
            C.sync()
            rep.check(f"lab grads={gv} n={n}: dhidden vs torch64", dh, r_dh, tol)
            rep.check(f"lab grads={gv} n={n}: dweight vs torch64", dw, r_dw, tol)
        del r_dh, r_dw
        _reset(cuda, variants)
        best_f = min(fwd_ms, key=fwd_ms.get)
        best_g = min(g_ms, key=g_ms.get)
        # the forward with gradients (one call) for the production pair and the best pair
        fg_ms = {}
        for fv, gv in {(fwd_default, g_default), (best_f, best_g)}:
            _select(cuda, lm_fwd=fv, lm_grads=gv)
            fg_ms[f"{fv}+{gv}"] = C.bench(lambda: C.call(cuda, "lcl_cuda_lm_head_forward", pg, cpu), 1, 3)
        _reset(cuda, variants)
        hg, wg = hidden.detach().requires_grad_(True), weight.detach().requires_grad_(True)

        def torch_fb():
            tl = F.cross_entropy(F.linear(hg, wg), y_ref, ignore_index=C.IGNORE)
            torch.autograd.grad(tl, (hg, wg))

        t_tfb = C.bench(torch_fb, 1, 3)
        mm = 2.0 * n * V * dim
        tf = lambda f, ms: f / (ms * 1e-3) / 1e12  # noqa: E731
        fwd_rows.append((f"n={n}", fwd_ms, fwd_default,
                         f"best {tf(mm, fwd_ms[best_f]):.0f} TF/s" + ("; " + "; ".join(notes) if notes else ""),
                         "n"))
        g_rows.append((f"n={n}", g_ms, g_default,
                       f"best {tf(2 * mm, g_ms[best_g]):.0f} TF/s (2 matmuls' worth); workspace MiB "
                       + ", ".join(f"{k} {v}" for k, v in ws.items()), "n"))
        fg_rows.append((f"n={n}", fg_ms, f"{fwd_default}+{g_default}",
                        f"torch f+b {t_tfb:.2f} ms; torch/best {t_tfb / min(fg_ms.values()):.2f}", None))
        del hg, wg, dh, dw
    _table(rep, f"LAB lm_head forward, bf16 dim={dim} V={V}, ms (median of 3)", fwd_names, fwd_rows)
    _table(rep, "LAB lm_head backward (gradients alone), ms (median of 3)", g_names, g_rows)
    pair_names = sorted({k for _, ms, _, _, _ in fg_rows for k in ms})
    _table(rep, "LAB lm_head forward with gradients (one call), ms: production pair vs best pair", pair_names,
           fg_rows)


def run(rep, libs, gen, quick, run_section):
    """The lab's two sections; skipped (with a note) for a library without variants."""
    _, cuda, _ = libs
    variants = L.diag_variants(cuda)
    if variants is None:
        rep.say("lab: this liblcl4j_cuda has no lcl_cuda_diag_variants (built before the lab): skipped")
        return
    rep.say("")
    rep.say("lab variants (*: production default): " + "; ".join(
        f"{slot} " + ",".join(("*" if n == d else "") + n for n in names) for slot, (names, d) in variants.items()))
    # attention first, then the LM head, each checked before it is timed: a
    # variant that broke the CUDA context would cost only the sections after it
    try:
        run_section(rep, "lab attention checks", lambda: attention_correctness(rep, libs, gen, variants))
        if C.DEV == "cuda":
            run_section(rep, "lab attention timing", lambda: attention_timing(rep, libs, gen, variants, quick))
        run_section(rep, "lab lm_head checks", lambda: lm_correctness(rep, libs, gen, variants))
        if C.DEV == "cuda":
            run_section(rep, "lab lm_head timing", lambda: lm_timing(rep, libs, gen, variants))
    finally:
        _reset(cuda, variants)
