"""GPU check of liblcl4j_cuda: correctness against the CPU kernels (liblcl4j_cpu)
and a float64 PyTorch reference, then timing against
torch.nn.functional.scaled_dot_product_attention, all in one process.

    python3 check.py --lib INSTALL/lib [--layout "$(./layout)"] [--out FILE] [--quick]

Exit status 0 only when every check passes. Errors are ||out - ref|| / ||ref||
(plus the max abs difference); tolerances: 1e-4 for fp32, 2e-2 for bf16/fp16
(against the fp32/fp64 result on the same rounded inputs).

Results that cancel: where the exact result is a sum of terms that cancel
(attention's dQ and dK: sum_j dS_ij = 0 in every row; with one key dS = 0
exactly), rounding leaves an error of the size of the terms times the unit
roundoff, however small the result. Those checks pass when
    ||out - ref|| < tol * ||ref|| + atol,  atol = 16 * u * || sum |terms| ||
with u the unit roundoff of what the kernel rounds the terms to (fp32 2^-24,
fp16 2^-11, bf16 2^-8) and 16 a margin for the handful of roundings each term
goes through; the printed "rel" is ||out - ref|| / (||ref|| + atol / tol). For
results that do not cancel atol is far below tol * ||ref|| and changes nothing.
"""
import argparse
import ctypes
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lcl_ctypes as L  # noqa: E402

# LCL_CHECK_DEVICE=cpu is a dry run of this script's own plumbing against a
# host-emulated build of the SIMT kernels (host_emu/run_emu.sh --lib DIR):
# fp32 and InfoNCE only, no timing. Real checks always run on "cuda".
DEV = os.environ.get("LCL_CHECK_DEVICE", "cuda")
TOL = {torch.float32: 1e-4, torch.bfloat16: 2e-2, torch.float16: 2e-2}
DTYPE_CODE = {torch.float32: L.LCL_FLOAT32, torch.bfloat16: L.LCL_BFLOAT16, torch.float16: L.LCL_FLOAT16}
NAME = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
UNIT_ROUNDOFF = {torch.float32: 2.0 ** -24, torch.bfloat16: 2.0 ** -8, torch.float16: 2.0 ** -11}


class Report:
    def __init__(self):
        self.lines = []
        self.failures = 0
        self.sections = {}   # section -> [checks, failures], in order of first use
        self.section = "setup"
        self.highlights = []  # (what, value) lines for the closing summary
        self.lab_tables = []  # the lab's tables (lab.py), repeated at the very end

    def say(self, line=""):
        print(line, flush=True)
        self.lines.append(line)

    def begin(self, section):
        self.section = section
        self.sections.setdefault(section, [0, 0])

    def _count(self, ok):
        c = self.sections.setdefault(self.section, [0, 0])
        c[0] += 1
        if not ok:
            c[1] += 1
            self.failures += 1

    def fail(self, what):
        """A failure that is not a comparison (an exception, a crash)."""
        self._count(False)
        self.say(f"  {what}  FAIL")

    def check(self, what, out, ref, tol, mask=None, atol=0.0, info=False):
        """Relative L2 error of out vs ref (both converted to float64 on the CPU);
        atol: the floor of cancelling results (module docstring). info: printed,
        not counted (comparisons against a reference that is itself less exact)."""
        out = out.detach().to("cpu", torch.float64)
        ref = ref.detach().to("cpu", torch.float64)
        if mask is not None:
            out, ref = out[mask], ref[mask]
        if out.numel() == 0:
            self.say(f"  {what:<44} (empty)")
            return True
        finite = bool(torch.isfinite(out).all())
        diff = (out - ref).abs()
        max_abs = float(diff.max()) if finite else float("nan")
        denom = float(ref.norm()) + atol / tol
        err = float((out - ref).norm())
        rel = err / denom if denom > 0 else (0.0 if err == 0 else float("inf")) if finite else float("nan")
        ok = finite and rel < tol
        if not info:
            self._count(ok)
        self.say(f"  {what:<44} rel {rel:9.2e}  max|d| {max_abs:9.2e}  tol {tol:.0e}  "
                 f"{'PASS' if ok else 'FAIL'}{'' if finite else ' (non-finite)'}"
                 f"{' (info, not counted)' if info else ''}{' (floor)' if atol / tol > float(ref.norm()) else ''}")
        return ok

    def require(self, what, ok):
        self._count(ok)
        self.say(f"  {what:<44} {'PASS' if ok else 'FAIL'}")


def stream_ptr():
    return torch.cuda.current_stream().cuda_stream if DEV == "cuda" else None


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def call(lib, fn, params, lib_for_error):
    st = getattr(lib, fn)(ctypes.byref(params))
    if st != L.LCL_OK:
        msg = lib_for_error.lcl_last_error().decode()
        raise RuntimeError(f"{fn} returned {st}: {msg}")


def strides(t):
    return L.Stride4(*t.stride())


# ---------------------------------------------------------------------------
# attention

def ref_attention(q, k, v, do, scale, causal, vlens, seg):
    """float64 reference: O, LSE, dQ, dK, dV (B, H, S, D), masks as in kernels.h,
    and the norms of sum |terms| of dQ and dK (their results cancel)."""
    q, k, v, do = (t.double() for t in (q, k, v, do))
    B, H, S, D = q.shape
    dev = q.device
    i = torch.arange(S, device=dev)
    mask = torch.ones(B, 1, S, S, dtype=torch.bool, device=dev)
    if causal:
        mask &= (i[None, :] <= i[:, None])[None, None]
    if vlens is not None:
        mask &= (i[None, None, None, :] < vlens.to(dev).long()[:, None, None, None])
    if seg is not None:
        sg = seg.to(dev)
        mask &= (sg[:, None, :, None] == sg[:, None, None, :])
    s = scale * q @ k.transpose(-1, -2)
    s = s.masked_fill(~mask, float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    p = torch.exp(s - lse[..., None]).nan_to_num(nan=0.0)
    o = p @ v
    dv = p.transpose(-1, -2) @ do
    dp = do @ v.transpose(-1, -2)
    dvec = (do * o).sum(-1, keepdim=True)
    ds = p * (dp - dvec)
    dq = scale * ds @ k
    dk = scale * ds.transpose(-1, -2) @ q
    ds_terms = p * (dp.abs() + dvec.abs())  # |dS| before the cancellation of dP - Dvec
    dq_terms = float((scale * ds_terms @ k.abs()).norm())
    dk_terms = float((scale * ds_terms.transpose(-1, -2) @ q.abs()).norm())
    return o, lse, dq, dk, dv, dq_terms, dk_terms


def attn_params(B, H, S, D, scale, causal, dtype, vlens, seg, q, k, v, o, lse, do=None, dq=None, dk=None,
                dv=None, stream=None):
    p = L.AttentionParams()
    p.batch, p.heads, p.seq_len, p.head_dim = B, H, S, D
    p.softmax_scale, p.causal, p.dtype = scale, int(causal), dtype
    p.valid_lens = vlens.data_ptr() if vlens is not None else None
    p.segment_ids = seg.data_ptr() if seg is not None else None
    for name, t in (("q", q), ("k", k), ("v", v), ("o", o), ("dout", do), ("dq", dq), ("dk", dk), ("dv", dv)):
        if t is not None:
            setattr(p, name, t.data_ptr())
            setattr(p, name + "_stride", strides(t))
    p.lse = lse.data_ptr()
    p.stream = stream
    return p


def make_qkv(B, H, S, D, dtype, layout, gen):
    """q, k, v (B, H, S, D) in `dtype` on the GPU with the requested memory layout."""
    if layout == "packed":  # views into one (B, S, 3, H, D) projection, as from a fused qkv Linear
        qkv = torch.randn(B, S, 3, H, D, generator=gen, device=DEV).to(dtype)
        return [qkv[:, :, j].permute(0, 2, 1, 3) for j in range(3)]
    if layout == "misaligned":  # storage starting one element past an aligned address: scalar load path
        return [torch.randn(B * H * S * D + 1, generator=gen, device=DEV).to(dtype)[1:].view(B, H, S, D)
                for _ in range(3)]
    if layout == "bshd":  # (B, S, H, D) storage
        return [torch.randn(B, S, H, D, generator=gen, device=DEV).to(dtype).permute(0, 2, 1, 3)
                for _ in range(3)]
    return [torch.randn(B, H, S, D, generator=gen, device=DEV).to(dtype) for _ in range(3)]


def empty_out(B, H, S, D, dtype, layout):
    """Outputs poisoned with NaN, so an unwritten element fails the check."""
    if layout == "contig":
        return torch.full((B, H, S, D), float("nan"), device=DEV, dtype=dtype)
    if layout == "misaligned":
        return torch.full((B * H * S * D + 1,), float("nan"), device=DEV, dtype=dtype)[1:].view(B, H, S, D)
    return torch.full((B, S, H, D), float("nan"), device=DEV, dtype=dtype).permute(0, 2, 1, 3)


def attention_case(rep, libs, gen, dtype, B, H, S, D, causal=False, vlens=None, seg=None, layout="contig"):
    cpu, cuda, has_cpu = libs
    scale = 1.0 / math.sqrt(D)
    code = DTYPE_CODE[dtype]
    tol = TOL[dtype]
    masks = "".join([" causal" if causal else "", " valid_lens" if vlens is not None else "",
                     " segments" if seg is not None else "", f" {layout}" if layout != "contig" else ""])
    rep.say(f"attention {NAME[dtype]} B={B} H={H} S={S} D={D}{masks}")
    q, k, v = make_qkv(B, H, S, D, dtype, layout, gen)
    do = torch.randn(B, H, S, D, generator=gen, device=DEV).to(dtype)
    vl_d = torch.tensor(vlens, dtype=torch.int32, device=DEV) if vlens is not None else None
    sg_d = seg.to(torch.int32).to(DEV).contiguous() if seg is not None else None

    # CUDA forward + backward
    o = empty_out(B, H, S, D, dtype, layout)
    lse = torch.full((B, H, S), float("nan"), device=DEV)
    dq, dk, dv = (empty_out(B, H, S, D, dtype, layout) for _ in range(3))
    stream = stream_ptr()
    pf = attn_params(B, H, S, D, scale, causal, code, vl_d, sg_d, q, k, v, o, lse, stream=stream)
    call(cuda, "lcl_cuda_attention_forward", pf, cpu)
    pb = attn_params(B, H, S, D, scale, causal, code, vl_d, sg_d, q, k, v, o, lse, do, dq, dk, dv, stream)
    call(cuda, "lcl_cuda_attention_backward", pb, cpu)
    sync()

    # the same rounded inputs in fp32 (contiguous, host) and float64 (device)
    qf, kf, vf, dof = (t.float().contiguous() for t in (q, k, v, do))
    r_o, r_lse, r_dq, r_dk, r_dv, dq_terms, dk_terms = ref_attention(qf, kf, vf, dof, scale, causal, vl_d, sg_d)
    finite = torch.isfinite(r_lse).cpu()
    u = UNIT_ROUNDOFF[dtype]

    refs = [("torch64", (r_o, r_lse, r_dq, r_dk, r_dv))]
    if has_cpu["attention"]:
        hq, hk, hv, hdo = (t.cpu() for t in (qf, kf, vf, dof))
        ho = torch.empty(B, H, S, D)
        hlse = torch.empty(B, H, S)
        hdq, hdk, hdv = (torch.empty(B, H, S, D) for _ in range(3))
        vl_h = torch.tensor(vlens, dtype=torch.int32) if vlens is not None else None
        sg_h = seg.to(torch.int32).contiguous() if seg is not None else None
        call(cpu, "lcl_cpu_attention_forward",
             attn_params(B, H, S, D, scale, causal, L.LCL_FLOAT32, vl_h, sg_h, hq, hk, hv, ho, hlse), cpu)
        call(cpu, "lcl_cpu_attention_backward",
             attn_params(B, H, S, D, scale, causal, L.LCL_FLOAT32, vl_h, sg_h, hq, hk, hv, ho, hlse, hdo,
                         hdq, hdk, hdv), cpu)
        refs.insert(0, ("cpu", (ho, hlse, hdq, hdk, hdv)))
        # The CPU kernels against float64 too, so a failure can be attributed.
        rep.check("cpu   O vs torch64 (info)", ho, r_o, 1e-4)

    for rname, (ro, rl, rdq, rdk, rdv) in refs:
        rep.check(f"O    vs {rname}", o, ro, tol)
        rep.check(f"LSE  vs {rname} (finite rows)", lse, rl, 1e-4 if dtype == torch.float32 else 1e-3,
                  mask=finite)
        rep.check(f"dQ   vs {rname}", dq, rdq, tol, atol=16 * u * dq_terms)
        rep.check(f"dK   vs {rname}", dk, rdk, tol, atol=16 * u * dk_terms)
        rep.check(f"dV   vs {rname}", dv, rdv, tol)
    if not bool(finite.all()):
        empty = ~finite
        rep.require("rows with no key: LSE = -inf", bool(torch.isneginf(lse.cpu()[empty]).all()))
        rep.require("rows with no key: O = 0, dQ = 0",
                    bool((o.cpu().float()[empty] == 0).all()) and bool((dq.cpu().float()[empty] == 0).all()))


# ---------------------------------------------------------------------------
# InfoNCE

def ref_infonce(image, text, image_all, text_all, valid, s, offset, normalizer, dloss):
    leaves = [t.double().clone().requires_grad_(True) for t in (image, text, image_all, text_all)]
    im, tx, ia, ta = leaves
    sc = torch.tensor(float(s), dtype=torch.float64, device=image.device, requires_grad=True)
    n = im.shape[0]
    rows = torch.arange(n, device=image.device)
    g = rows + offset
    neg = torch.zeros(ia.shape[0], dtype=torch.float64, device=image.device)
    if valid is not None:
        neg = neg.masked_fill(valid == 0, float("-inf"))
    li2t = sc * im @ ta.T + neg
    lt2i = sc * tx @ ia.T + neg
    lse_i2t = torch.logsumexp(li2t, 1)
    lse_t2i = torch.logsumexp(lt2i, 1)
    loss = ((lse_i2t - li2t[rows, g]) + (lse_t2i - lt2i[rows, g])).sum() / (2 * normalizer)
    (loss * dloss).backward()
    return loss.detach(), lse_i2t.detach(), lse_t2i.detach(), [t.grad for t in leaves], sc.grad


def infonce_params(n_local, n_global, dim, offset, normalizer, t):
    p = L.InfonceParams()
    p.n_local, p.n_global, p.dim, p.offset = n_local, n_global, dim, offset
    p.normalizer, p.dtype = normalizer, L.LCL_FLOAT32
    for name, x in t.items():
        setattr(p, name, x.data_ptr() if x is not None else None)
    return p


def infonce_case(rep, libs, gen, n_local, n_global, dim, offset, invalid=(), shared=False, summed=False):
    """summed (one rank, shared): dimage_all/dtext_all alias dimage/dtext, which then hold the sums
    (kernels.h "Summed gradients"); checked against the sum of the separate reference gradients."""
    cpu, cuda, has_cpu = libs
    rep.say(f"infonce fp32 n_local={n_local} n_global={n_global} dim={dim} offset={offset} "
            f"invalid={len(invalid)}{' one-rank(shared buffers)' if shared else ''}{' summed gradients' if summed else ''}")
    norm = lambda x: F.normalize(x, dim=-1)  # noqa: E731
    image_all = norm(torch.randn(n_global, dim, generator=gen, device=DEV))
    text_all = norm(torch.randn(n_global, dim, generator=gen, device=DEV))
    if shared:
        image, text = image_all, text_all
    else:
        image = image_all[offset:offset + n_local].clone()
        text = text_all[offset:offset + n_local].clone()
    valid = None
    if invalid:
        valid = torch.ones(n_global, dtype=torch.uint8, device=DEV)
        valid[list(invalid)] = 0
    s = 14.285
    normalizer = float(n_local)
    dloss = 1.3
    nanf = lambda *shape: torch.full(shape, float("nan"), device=DEV)  # noqa: E731
    t = dict(image=image, text=text, image_all=image_all, text_all=text_all, global_valid=valid,
             scale=torch.tensor([s], device=DEV), loss=nanf(1), lse_i2t=nanf(n_local), lse_t2i=nanf(n_local),
             dloss=torch.tensor([dloss], device=DEV), dimage=nanf(n_local, dim), dtext=nanf(n_local, dim),
             dimage_all=nanf(n_global, dim), dtext_all=nanf(n_global, dim), dscale=nanf(1))
    if summed:
        t["dimage_all"], t["dtext_all"] = t["dimage"], t["dtext"]
    p = infonce_params(n_local, n_global, dim, offset, normalizer, t)
    p.stream = stream_ptr()
    call(cuda, "lcl_cuda_infonce_forward", p, cpu)
    call(cuda, "lcl_cuda_infonce_backward", p, cpu)
    sync()

    r_loss, r_li, r_lt, (r_dim, r_dtx, r_dia, r_dta), r_ds = ref_infonce(
        image, text, image_all, text_all, valid, s, offset, normalizer, dloss)
    if summed:
        r_dim, r_dtx = r_dim + r_dia, r_dtx + r_dta
        r_dia, r_dta = r_dim, r_dtx
    refs = [("torch64", (r_loss, r_li, r_lt, r_dim, r_dtx, r_dia, r_dta, r_ds))]
    if has_cpu["infonce"]:
        h = {k: (x.cpu() if x is not None else None) for k, x in t.items()}
        for k in ("loss", "lse_i2t", "lse_t2i", "dimage", "dtext", "dimage_all", "dtext_all", "dscale"):
            h[k] = torch.full_like(h[k], float("nan"))
        if shared:
            h["image"], h["text"] = h["image_all"], h["text_all"]
        if summed:
            h["dimage_all"], h["dtext_all"] = h["dimage"], h["dtext"]
        hp = infonce_params(n_local, n_global, dim, offset, normalizer, h)
        call(cpu, "lcl_cpu_infonce_forward", hp, cpu)
        call(cpu, "lcl_cpu_infonce_backward", hp, cpu)
        refs.insert(0, ("cpu", tuple(h[k] for k in ("loss", "lse_i2t", "lse_t2i", "dimage", "dtext",
                                                      "dimage_all", "dtext_all", "dscale"))))
        rep.check("cpu   loss vs torch64 (info)", h["loss"], r_loss.reshape(1), 1e-4)
    tol = TOL[torch.float32]
    for rname, (rl, rli, rlt, rdi, rdt, rdia, rdta, rds) in refs:
        rep.check(f"loss       vs {rname}", t["loss"], rl.reshape(1), tol)
        rep.check(f"lse_i2t    vs {rname}", t["lse_i2t"], rli, tol)
        rep.check(f"lse_t2i    vs {rname}", t["lse_t2i"], rlt, tol)
        rep.check(f"dimage     vs {rname}", t["dimage"], rdi, tol)
        rep.check(f"dtext      vs {rname}", t["dtext"], rdt, tol)
        rep.check(f"dimage_all vs {rname}", t["dimage_all"], rdia, tol)
        rep.check(f"dtext_all  vs {rname}", t["dtext_all"], rdta, tol)
        rep.check(f"dscale     vs {rname}", t["dscale"], rds.reshape(1), tol)


# ---------------------------------------------------------------------------
# LM head + cross-entropy

IGNORE = -100


def lm_inputs(gen, dtype, n, dim, V, stride_pad=0, misaligned=False, ignore_every=7, out_of_range=False):
    """hidden (n, dim) as a view with row stride dim + stride_pad (storage one
    element off 16 bytes when misaligned), weight (V, dim), targets with every
    ignore_every-th token ignored and (out_of_range) token 1 aimed past the
    vocabulary (the CUDA kernels count it as ignored; the torch reference gets
    ignore_index there, since torch would raise on it)."""
    hs = dim + stride_pad
    off = 1 if misaligned else 0
    # at least one element, so that even n = 0 passes non-NULL pointers
    buf = torch.randn(max(n * hs, 1) + off, generator=gen, device=DEV).to(dtype)
    hidden = buf[off:off + n * hs].view(n, hs)[:, :dim]
    # weights ~ N(0, 4/dim): logits of standard deviation ~2, a realistic spread
    weight = (torch.randn(V, dim, generator=gen, device=DEV) * (2.0 / math.sqrt(dim))).to(dtype)
    y = torch.randint(0, V, (max(n, 1),), generator=gen, device=DEV)[:n]
    if n > 0 and ignore_every:
        y[ignore_every // 2::ignore_every] = IGNORE
    y_ref = y.clone()
    if out_of_range and n > 1:
        y[1] = V + 3
        y_ref[1] = IGNORE
    return hidden, hs, weight, y, y_ref


def ref_lm_head(hidden, weight, y_ref, normalizer, dloss):
    """float64 torch: F.linear + F.cross_entropy(ignore_index, sum / normalizer);
    loss, lse (0 where ignored), dhidden, dweight for this dloss."""
    h = hidden.double().detach().requires_grad_(True)
    w = weight.double().detach().requires_grad_(True)
    logits = F.linear(h, w)
    loss = F.cross_entropy(logits, y_ref, ignore_index=IGNORE, reduction="sum") / normalizer
    (loss * dloss).backward()
    lse = torch.logsumexp(logits.detach(), dim=-1).masked_fill(y_ref == IGNORE, 0.0)
    return loss.detach(), lse, h.grad, w.grad


def address(t):
    """t's address, also for an empty view (whose data_ptr() is 0): the C ABI
    takes non-NULL pointers even for 0 tokens."""
    return t.untyped_storage().data_ptr() + t.storage_offset() * t.element_size() if t.numel() == 0 \
        else t.data_ptr()


def lm_params(n, dim, V, dtype, hidden, hs, weight, y, normalizer, loss, lse, dloss=None, dh=None, dhs=0,
              dw=None, stream=None):
    p = L.LmHeadParams()
    p.n_tokens, p.dim, p.vocab, p.ignore_index = n, dim, V, IGNORE
    p.normalizer, p.dtype = normalizer, dtype
    p.hidden, p.hidden_stride = address(hidden), hs
    p.weight, p.targets = weight.data_ptr(), address(y)
    p.loss, p.lse = loss.data_ptr(), lse.data_ptr()
    p.dloss = dloss.data_ptr() if dloss is not None else None
    p.dhidden = dh.data_ptr() if dh is not None else None
    p.dhidden_stride = dhs
    p.dweight = dw.data_ptr() if dw is not None else None
    p.stream = stream
    return p


def lm_head_case(rep, libs, gen, dtype, n, dim, V, stride_pad=0, misaligned=False, ignore_every=7,
                 out_of_range=False):
    cpu, cuda, has_cpu = libs
    tol = TOL[dtype]
    desc = "".join([f" hidden_stride=+{stride_pad}" if stride_pad else "", " misaligned" if misaligned else "",
                    f" ignore 1/{ignore_every}" if ignore_every else "", " out-of-range target" if out_of_range else ""])
    rep.say(f"lm_head {NAME[dtype]} n_tokens={n} dim={dim} vocab={V}{desc}")
    hidden, hs, weight, y, y_ref = lm_inputs(gen, dtype, n, dim, V, stride_pad, misaligned, ignore_every,
                                             out_of_range)
    counted = int((y_ref != IGNORE).sum())
    normalizer = float(max(counted, 1))
    nan = lambda *shape, dt=torch.float32: torch.full(shape, float("nan"), device=DEV, dtype=dt)  # noqa: E731
    dhs = dim + 3  # dhidden written into a wider buffer: its row stride is honoured
    code = DTYPE_CODE[dtype]
    stream = stream_ptr()
    dloss_val = 0.7
    for mode in ("forward + backward", "forward with gradients"):
        dloss_v = dloss_val if mode == "forward + backward" else 1.0
        loss, lse = nan(1), nan(max(n, 1))
        dh_buf = nan(max(n, 1), dhs, dt=dtype)
        dh = dh_buf[:n, :dim]
        dw = nan(V, dim)
        dloss = torch.tensor([dloss_v], device=DEV)
        if mode == "forward + backward":
            call(cuda, "lcl_cuda_lm_head_forward",
                 lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, stream=stream), cpu)
            call(cuda, "lcl_cuda_lm_head_backward",
                 lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, dloss, dh_buf, dhs, dw,
                           stream), cpu)
        else:
            call(cuda, "lcl_cuda_lm_head_forward",
                 lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, None, dh_buf, dhs, dw,
                           stream), cpu)
        sync()
        rep.say(f" {mode}{' (dloss 0.7)' if dloss_v != 1.0 else ''}")
        r_loss, r_lse, r_dh, r_dw = ref_lm_head(hidden, weight, y_ref, normalizer, dloss_v)
        # loss and lse are fp32 sums of exact products of the rounded inputs in every
        # dtype: the fp32 tolerance. The gradients pass through the dtype's rounding
        # (dhidden stored in it; the tensor-core path rounds dlogits to it).
        rep.check("loss     vs torch64", loss, r_loss.reshape(1), 1e-4)
        rep.check("lse      vs torch64 (0 where ignored)", lse[:n], r_lse, 1e-4)
        rep.check("dhidden  vs torch64", dh, r_dh, tol)
        rep.check("dweight  vs torch64", dw, r_dw, tol)
        if n > 0:
            ignored = (y_ref == IGNORE).cpu()
            rep.require("ignored tokens: lse = 0, dhidden = 0",
                        bool((lse[:n].cpu()[ignored] == 0).all()) and bool((dh.float().cpu()[ignored] == 0).all()))
        if dtype != torch.float32 and n > 0 and mode == "forward + backward":
            # what a user runs without our kernel: F.linear + F.cross_entropy in the dtype
            # (its logits and softmax rounded to the dtype: less exact than ours, so info)
            hg = hidden.detach().clone().requires_grad_(True)
            wg = weight.detach().clone().requires_grad_(True)
            tl = F.cross_entropy(F.linear(hg, wg), y_ref, ignore_index=IGNORE, reduction="sum") / normalizer
            (tl * dloss_v).backward()
            rep.check(f"loss     vs torch {NAME[dtype]} (info)", loss, tl.detach().float().reshape(1), tol, info=True)
            rep.check(f"dhidden  vs torch {NAME[dtype]} (info)", dh, hg.grad, tol, info=True)
            rep.check(f"dweight  vs torch {NAME[dtype]} (info)", dw, wg.grad, tol, info=True)
        if has_cpu["lm_head"] and dtype == torch.float32 and n > 0:
            # host copies, held in names for as long as the calls use their memory
            h_h, w_h, y_h = hidden.cpu().contiguous(), weight.cpu(), y_ref.cpu()
            hl, hlse, hdh, hdw = torch.full((1,), float("nan")), torch.full((n,), float("nan")), \
                torch.full((n, dim), float("nan")), torch.full((V, dim), float("nan"))
            h_dloss = torch.tensor([dloss_v])
            hp = lm_params(n, dim, V, L.LCL_FLOAT32, h_h, dim, w_h, y_h, normalizer, hl, hlse, h_dloss, hdh, dim,
                           hdw)
            call(cpu, "lcl_cpu_lm_head_forward", hp, cpu)
            call(cpu, "lcl_cpu_lm_head_backward", hp, cpu)
            rep.check("loss     vs cpu", loss, hl, 1e-4)
            rep.check("dhidden  vs cpu", dh, hdh, tol)
            rep.check("dweight  vs cpu", dw, hdw, tol)


class CudaPool:
    """High-water mark of the CUDA runtime's default memory pool, where
    cudaMallocAsync (our kernels' workspace) allocates; torch's caching
    allocator does not see it. Reached through the libcudart that torch loaded
    (the pool belongs to the device, so it is the one our statically linked
    runtime uses too). None where that library cannot be found."""

    USED_MEM_HIGH = 8  # cudaMemPoolAttrUsedMemHigh

    def __init__(self):
        self.rt = None
        try:
            path = next((ln.split()[-1] for ln in open("/proc/self/maps") if "libcudart.so" in ln), "libcudart.so")
            rt = ctypes.CDLL(path)
            self.pool = ctypes.c_void_p()
            if rt.cudaDeviceGetDefaultMemPool(ctypes.byref(self.pool), torch.cuda.current_device()) == 0:
                self.rt = rt
        except Exception:  # noqa: BLE001 - measured where possible, reported as n/a otherwise
            self.rt = None

    def reset(self):
        if self.rt is not None:
            zero = ctypes.c_uint64(0)
            self.rt.cudaMemPoolSetAttribute(self.pool, self.USED_MEM_HIGH, ctypes.byref(zero))

    def high(self):
        if self.rt is None:
            return None
        v = ctypes.c_uint64(0)
        if self.rt.cudaMemPoolGetAttribute(self.pool, self.USED_MEM_HIGH, ctypes.byref(v)) != 0:
            return None
        return int(v.value)


def lm_memory(rep, libs, gen, n=16384, dim=512, V=49411, dtype=torch.bfloat16):
    """Peak GPU memory of one training step of the LM head + cross-entropy beyond
    its inputs (hidden, weight, targets): outputs, gradients and workspace.
    torch: F.linear + F.cross_entropy forward and backward (its grads counted);
    ours: one forward with gradients into freshly allocated outputs, plus the
    cudaMallocAsync workspace (CudaPool)."""
    cpu, cuda, _ = libs
    rep.say("")
    rep.say(f"lm_head peak memory, {NAME[dtype]} n_tokens={n} dim={dim} vocab={V} "
            "(beyond the inputs; torch.cuda.max_memory_allocated + our cudaMallocAsync pool's high-water mark)")
    hidden, hs, weight, y, y_ref = lm_inputs(gen, dtype, n, dim, V, ignore_every=10)
    normalizer = float(int((y_ref != IGNORE).sum()))
    sync()
    torch.cuda.empty_cache()

    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    hg = hidden.detach().requires_grad_(True)
    wg = weight.detach().requires_grad_(True)
    tl = F.cross_entropy(F.linear(hg, wg), y_ref, ignore_index=IGNORE)
    tl.backward()
    sync()
    torch_peak = torch.cuda.max_memory_allocated() - base
    t_loss = float(tl)
    del hg, wg, tl
    torch.cuda.empty_cache()

    pool = CudaPool()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    pool.reset()
    loss, lse = torch.empty(1, device=DEV), torch.empty(n, device=DEV)
    dh, dw = torch.empty(n, dim, device=DEV, dtype=dtype), torch.empty(V, dim, device=DEV)
    call(cuda, "lcl_cuda_lm_head_forward",
         lm_params(n, dim, V, DTYPE_CODE[dtype], hidden, hs, weight, y, normalizer, loss, lse, None, dh, dim, dw,
                   stream_ptr()), cpu)
    sync()
    ours_alloc = torch.cuda.max_memory_allocated() - base
    ws = pool.high()
    ours_peak = ours_alloc + (ws or 0)
    mib = lambda b: b / 2 ** 20  # noqa: E731
    rep.say(f"  torch: {mib(torch_peak):9.1f} MiB   ours: {mib(ours_peak):7.1f} MiB "
            f"(outputs {mib(ours_alloc):.1f} + workspace {'n/a' if ws is None else f'{mib(ws):.2f}'})   "
            f"ours/torch = {ours_peak / torch_peak:.3f}")
    rep.highlights.append((f"lm_head peak memory {NAME[dtype]} n={n} V={V} ours/torch",
                           f"{ours_peak / torch_peak:.3f} ({mib(ours_peak):.0f} / {mib(torch_peak):.0f} MiB)"))
    rep.check("loss agrees with torch at this size (info)", loss, torch.tensor([t_loss]), 2e-2, info=True)


def lm_timing(rep, libs, gen, dtype=torch.bfloat16, dim=512, V=49411, sizes=(4096, 16384)):
    """ours (forward; forward with gradients) vs torch F.linear + F.cross_entropy
    (forward under no_grad; forward + backward), same inputs."""
    cpu, cuda, _ = libs
    rep.say("")
    rep.say(f"lm_head timing {NAME[dtype]} dim={dim} vocab={V}: median of 3 after 1 warm-up; "
            "TFLOP/s counts 2*n*V*d per matmul (fwd 1, fwd+grads 3)")
    rep.say(f"{'n':>6} | {'ours fwd ms':>11} {'TF/s':>6} {'torch ms':>9} {'ratio':>6} | {'ours f+g ms':>11} "
            f"{'TF/s':>6} {'torch f+b':>9} {'ratio':>6} | loss rel vs torch fp32-logits")
    stream = stream_ptr()
    for n in sizes:
        hidden, hs, weight, y, y_ref = lm_inputs(gen, dtype, n, dim, V, ignore_every=10)
        normalizer = float(int((y_ref != IGNORE).sum()))
        loss, lse = torch.empty(1, device=DEV), torch.empty(n, device=DEV)
        dh, dw = torch.empty(n, dim, device=DEV, dtype=dtype), torch.empty(V, dim, device=DEV)
        code = DTYPE_CODE[dtype]
        pf = lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, stream=stream)
        pg = lm_params(n, dim, V, code, hidden, hs, weight, y, normalizer, loss, lse, None, dh, dim, dw, stream)
        hg = hidden.detach().requires_grad_(True)
        wg = weight.detach().requires_grad_(True)

        def torch_f():
            with torch.no_grad():
                F.cross_entropy(F.linear(hidden, weight), y_ref, ignore_index=IGNORE)

        def torch_fb():
            tl = F.cross_entropy(F.linear(hg, wg), y_ref, ignore_index=IGNORE)
            torch.autograd.grad(tl, (hg, wg))

        t_of = bench(lambda: call(cuda, "lcl_cuda_lm_head_forward", pf, cpu), 1, 3)
        t_tf = bench(torch_f, 1, 3)
        t_og = bench(lambda: call(cuda, "lcl_cuda_lm_head_forward", pg, cpu), 1, 3)
        t_tfb = bench(torch_fb, 1, 3)
        with torch.no_grad():
            ref = F.cross_entropy(F.linear(hidden.float(), weight.float()), y_ref, ignore_index=IGNORE)
        sync()
        lrel = abs(float(loss) - float(ref)) / abs(float(ref))
        ok = lrel < 1e-4  # both fp32 sums of the same exact products
        rep._count(ok)
        mm = 2.0 * n * V * dim
        tf = lambda f, ms: f / (ms * 1e-3) / 1e12  # noqa: E731
        rep.say(f"{n:>6} | {t_of:>11.2f} {tf(mm, t_of):>6.1f} {t_tf:>9.2f} {t_tf / t_of:>6.2f} | {t_og:>11.2f} "
                f"{tf(3 * mm, t_og):>6.1f} {t_tfb:>9.2f} {t_tfb / t_og:>6.2f} | {lrel:.1e}{'' if ok else ' FAIL'}")
        rep.highlights.append((f"lm_head {NAME[dtype]} n={n} torch/ours time fwd, fwd+grads",
                               f"{t_tf / t_of:.2f}, {t_tfb / t_og:.2f}"))
        del hg, wg, dh, dw
    rep.say("ratio = torch time / ours (> 1: ours faster)")


# ---------------------------------------------------------------------------
# timing

def bench(fn, warmup=3, iters=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def timing_shapes(quick):
    """(B, H, L, D, causal): the CPU benchmark profile's shapes first (same cases as
    benchmarks/ Ratios), then a causal sweep at 16384 tokens, H=16."""
    shapes = [(4, 8, 1024, 64, True), (16, 8, 256, 64, False)]
    for D in (64, 128):
        for S in ((1024, 2048) if quick else (1024, 2048, 4096, 8192)):
            shapes.append((16384 // S, 16, S, D, True))
    return shapes


def timing(rep, libs, gen, quick):
    cpu, cuda, _ = libs
    rep.say("")
    rep.say("timing: TFLOP/s by FlashAttention's convention (fwd 4*B*L^2*H*D, halved for causal; "
            "fwd+bwd x3.5); median of 10 after 3 warm-up; same inputs for ours and SDPA")
    rep.say(f"{'type':>4} {'mask':>6} {'B':>3} {'H':>3} {'L':>5} {'D':>4} | {'ours fwd ms':>11} {'TF/s':>6} "
            f"{'sdpa ms':>8} {'TF/s':>6} {'ratio':>6} | {'ours f+b ms':>11} {'TF/s':>6} {'sdpa ms':>8} "
            f"{'TF/s':>6} {'ratio':>6} | O rel   dQ rel")
    stream = stream_ptr()
    ratios = {}
    for dtype, lcl_type in ((torch.bfloat16, L.LCL_BFLOAT16), (torch.float16, L.LCL_FLOAT16)):
        for B, H, S, D, causal in timing_shapes(quick):
            q, k, v, do = (torch.randn(B, H, S, D, generator=gen, device=DEV, dtype=dtype) for _ in range(4))
            o = torch.empty_like(q)
            lse = torch.empty(B, H, S, device=DEV)
            dq, dk, dv = (torch.empty_like(q) for _ in range(3))
            scale = 1.0 / math.sqrt(D)
            pf = attn_params(B, H, S, D, scale, causal, lcl_type, None, None, q, k, v, o, lse, stream=stream)
            pb = attn_params(B, H, S, D, scale, causal, lcl_type, None, None, q, k, v, o, lse, do, dq, dk, dv,
                             stream)

            def ours_f():
                call(cuda, "lcl_cuda_attention_forward", pf, cpu)

            def ours_fb():
                call(cuda, "lcl_cuda_attention_forward", pf, cpu)
                call(cuda, "lcl_cuda_attention_backward", pb, cpu)

            qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))

            def sdpa_f():
                with torch.no_grad():
                    F.scaled_dot_product_attention(q, k, v, is_causal=causal)

            def sdpa_fb():
                out = F.scaled_dot_product_attention(qg, kg, vg, is_causal=causal)
                torch.autograd.grad(out, (qg, kg, vg), do)

            t_of, t_sf = bench(ours_f), bench(sdpa_f)
            t_ofb, t_sfb = bench(ours_fb), bench(sdpa_fb)
            flop = 4.0 * B * S * S * H * D / (2 if causal else 1)
            tf = lambda f, ms: f / (ms * 1e-3) / 1e12  # noqa: E731

            # agreement with SDPA at this size (same precision, both fp32-accumulated)
            ours_fb()
            out = F.scaled_dot_product_attention(qg, kg, vg, is_causal=causal)
            gq, = torch.autograd.grad(out, (qg,), do)
            sync()
            out = out.detach()
            erel = float((o.float() - out.float()).norm() / out.float().norm())
            grel = float((dq.float() - gq.float()).norm() / gq.float().norm())
            ok = erel < 2e-2 and grel < 2e-2
            rep._count(ok)
            rep.say(f"{NAME[dtype]:>4} {'causal' if causal else 'full':>6} {B:>3} {H:>3} {S:>5} {D:>4} | "
                    f"{t_of:>11.3f} {tf(flop, t_of):>6.1f} {t_sf:>8.3f} {tf(flop, t_sf):>6.1f} "
                    f"{t_sf / t_of:>6.2f} | {t_ofb:>11.3f} {tf(3.5 * flop, t_ofb):>6.1f} {t_sfb:>8.3f} "
                    f"{tf(3.5 * flop, t_sfb):>6.1f} {t_sfb / t_ofb:>6.2f} | {erel:.1e} {grel:.1e}"
                    f"{'' if ok else ' FAIL'}")
            if S >= 1024 and H == 16:
                ratios.setdefault(dtype, []).append((t_sf / t_of, t_sfb / t_ofb))
    rep.say("ratio = sdpa time / ours (> 1: ours faster)")
    for dtype, rows in ratios.items():
        fwd = math.exp(sum(math.log(r[0]) for r in rows) / len(rows))
        fb = math.exp(sum(math.log(r[1]) for r in rows) / len(rows))
        rep.highlights.append((f"attention {NAME[dtype]} sdpa/ours time, geometric mean over L >= 1024 "
                               "(fwd, fwd+bwd)", f"{fwd:.2f}, {fb:.2f}"))


# ---------------------------------------------------------------------------

def run_section(rep, name, fn):
    """Runs one section; an exception fails it (with its message in the report)
    without skipping the sections after it."""
    rep.begin(name)
    t0 = time.time()
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - a crash is a failure, reported
        rep.fail(f"ERROR in {name}: {type(e).__name__}: {e}")
    rep.say(f"[{name}: {time.time() - t0:.1f} s]")


def correctness_attention(rep, libs, gen):
    # odd sizes, every mask, strided layouts, every head-dim class
    dtypes = (torch.float32, torch.bfloat16, torch.float16) if DEV == "cuda" else (torch.float32,)
    for dt in dtypes:
        attention_case(rep, libs, gen, dt, 2, 3, 77, 40, causal=True)
        attention_case(rep, libs, gen, dt, 2, 2, 130, 64, causal=True, vlens=[130, 51])
        attention_case(rep, libs, gen, dt, 3, 2, 97, 128, vlens=[97, 0, 33], layout="packed")
        seg = torch.tensor([[0] * 40 + [1] * 50 + [2] * 39, [5] * 129], dtype=torch.int32)
        attention_case(rep, libs, gen, dt, 2, 2, 129, 72, causal=True, seg=seg, layout="bshd")
        attention_case(rep, libs, gen, dt, 1, 2, 150, 256, causal=True)
        attention_case(rep, libs, gen, dt, 1, 1, 1, 32)
    if DEV == "cuda":
        attention_case(rep, libs, gen, torch.bfloat16, 2, 2, 300, 136, causal=True, vlens=[300, 17])
        attention_case(rep, libs, gen, torch.float16, 1, 4, 200, 192, layout="packed")
        attention_case(rep, libs, gen, torch.bfloat16, 2, 2, 100, 64, causal=True, layout="misaligned")
        attention_case(rep, libs, gen, torch.float16, 1, 2, 70, 136, vlens=[69], layout="misaligned")


def correctness_infonce(rep, libs, gen):
    infonce_case(rep, libs, gen, 77, 77, 64, 0, shared=True)
    infonce_case(rep, libs, gen, 77, 77, 64, 0, shared=True, summed=True)
    infonce_case(rep, libs, gen, 130, 130, 300, 0, shared=True, summed=True)
    infonce_case(rep, libs, gen, 37, 150, 300, 50, invalid=(0, 3, 149))
    infonce_case(rep, libs, gen, 33, 33, 24, 0)
    infonce_case(rep, libs, gen, 64, 256, 512, 192, invalid=(10, 11))


def correctness_lm_head(rep, libs, gen):
    # V, n and dim never multiples of a tile; strided and misaligned hidden;
    # ignored tokens; an out-of-range target; no tokens; every token ignored.
    # On the GPU fp32 takes the SIMT kernels, bf16/fp16 the tensor-core ones
    # (16-byte cp.async rows where aligned, element-wise loads otherwise).
    f32, bf16, f16 = torch.float32, torch.bfloat16, torch.float16
    if DEV == "cuda":
        lm_head_case(rep, libs, gen, f32, 300, 136, 1001, stride_pad=5, out_of_range=True)
        lm_head_case(rep, libs, gen, f32, 33, 24, 5)
        lm_head_case(rep, libs, gen, bf16, 257, 200, 2053, stride_pad=8)
        lm_head_case(rep, libs, gen, f16, 130, 512, 4099, misaligned=True, out_of_range=True)
        lm_head_case(rep, libs, gen, bf16, 77, 520, 3001)  # three column chunks of the gradient passes
        lm_head_case(rep, libs, gen, bf16, 100, 37, 777)   # dim not a multiple of 8: element-wise loads
        lm_head_case(rep, libs, gen, bf16, 45, 64, 300, ignore_every=1)  # every token ignored
        lm_head_case(rep, libs, gen, bf16, 0, 64, 300)
    else:  # host emulation: small sizes, every dtype (the SIMT path takes them all)
        lm_head_case(rep, libs, gen, f32, 40, 24, 77, stride_pad=5, out_of_range=True)
        lm_head_case(rep, libs, gen, bf16, 33, 40, 70, stride_pad=8)
        lm_head_case(rep, libs, gen, f16, 20, 16, 40, misaligned=True)
        lm_head_case(rep, libs, gen, bf16, 0, 16, 30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True, help="directory with liblcl4j_cpu.so and liblcl4j_cuda.so")
    ap.add_argument("--layout", help="JSON printed by layout.c (struct offsets of the C header)")
    ap.add_argument("--out", help="write the report here too")
    ap.add_argument("--quick", action="store_true", help="fewer attention timing sizes")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--no-lab", action="store_true", help="skip the kernel lab (lab.py: every variant)")
    args = ap.parse_args()
    rep = Report()
    rep.begin("setup")
    try:
        if args.layout:
            import json
            errs = L.layout_errors(json.loads(args.layout))
            for e in errs:
                rep.say("LAYOUT MISMATCH: " + e)
            rep.require("ctypes structs match the C header", not errs)
            if errs:
                return finish(rep, args)
        libs = L.load(os.path.join(args.lib, "liblcl4j_cpu.so"), os.path.join(args.lib, "liblcl4j_cuda.so"))
        cpu, cuda, has_cpu = libs
        n = cuda.lcl_cuda_device_count()
        name = torch.cuda.get_device_name() if DEV == "cuda" else "host emulation (dry run)"
        rep.say(f"device: {name} (lcl_cuda_device_count = {n}); torch {torch.__version__}")
        if DEV == "cuda":
            rep.require("lcl_cuda_device_count() >= 1", n >= 1)
        for op, present in has_cpu.items():
            if not present:
                rep.say(f"NOTE: liblcl4j_cpu has no lcl_cpu_{op}_* kernels: {op} is checked against "
                        "the float64 torch reference only")
        gen = torch.Generator(device=DEV)
        gen.manual_seed(int(time.time()))  # fresh inputs each run
        rep.say(f"seed {gen.initial_seed()}")
    except Exception as e:  # noqa: BLE001
        rep.fail(f"ERROR in setup: {type(e).__name__}: {e}")
        return finish(rep, args)

    if os.environ.get("LCL_CHECK_SKIP_ATTENTION") != "1":  # dry runs of the other sections
        run_section(rep, "attention", lambda: correctness_attention(rep, libs, gen))
    run_section(rep, "infonce", lambda: correctness_infonce(rep, libs, gen))
    run_section(rep, "lm_head", lambda: correctness_lm_head(rep, libs, gen))
    if DEV == "cuda":
        run_section(rep, "lm_head memory", lambda: lm_memory(rep, libs, gen))
        if not args.no_timing:
            run_section(rep, "lm_head timing", lambda: lm_timing(rep, libs, gen))
            run_section(rep, "attention timing", lambda: timing(rep, libs, gen, args.quick))
    if not args.no_lab and not args.no_timing:
        import lab  # the variants of native/src/cuda/variants.h, side by side
        lab.run(rep, libs, gen, args.quick, run_section)
    return finish(rep, args)


def finish(rep, args):
    rep.say("")
    rep.say("SUMMARY")
    rep.say(f"  {'section':<24} {'checks':>7} {'failed':>7}")
    for name, (checks, failed) in rep.sections.items():
        rep.say(f"  {name:<24} {checks:>7} {failed:>7}{'  <-- FAIL' if failed else ''}")
    for what, value in rep.highlights:
        rep.say(f"  {what}: {value}")
    for table in rep.lab_tables:
        for line in table:
            rep.say(line)
    rep.say(f"RESULT: {'FAIL (' + str(rep.failures) + ' failures)' if rep.failures else 'PASS'}")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(rep.lines) + "\n")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
