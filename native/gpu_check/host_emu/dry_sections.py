"""Dry run of check.py's GPU-only sections (LM-head peak memory and timing,
attention timing, the lab's timing of every variant) on the CPU, against the
host-emulated library: torch.cuda's memory counters and events are replaced by
stand-ins and the sizes shrunk, so the script's own plumbing (arguments,
tables, summary) runs before the one GPU run. Proves nothing about speed or memory. Test-only:
    LCL_CHECK_DEVICE=cpu python3 dry_sections.py --lib EMU_LIB_DIR
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import check  # noqa: E402
import lcl_ctypes as L  # noqa: E402


class FakeEvent:
    def __init__(self, enable_timing=True):
        self.t = 0.0

    def record(self):
        self.t = time.perf_counter()

    def synchronize(self):
        pass

    def elapsed_time(self, other):
        return (other.t - self.t) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    args = ap.parse_args()
    assert check.DEV == "cpu", "set LCL_CHECK_DEVICE=cpu"
    torch.cuda.Event = FakeEvent
    torch.cuda.synchronize = lambda: None
    torch.cuda.empty_cache = lambda: None
    torch.cuda.reset_peak_memory_stats = lambda: None
    torch.cuda.memory_allocated = lambda: 0
    torch.cuda.max_memory_allocated = lambda: 1 << 20
    torch.cuda.current_device = lambda: 0
    real_call = check.call

    def call(lib, fn, params, lib_for_error):  # no tensor-core attention in the emulation
        if fn.startswith("lcl_cuda_attention"):
            return None
        return real_call(lib, fn, params, lib_for_error)

    check.call = call
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):  # torch < 2.0 (a distribution's build)
        def sdpa(q, k, v, is_causal=False):  # in fp32 (no fp16 matmul on the CPU there)
            s = q.float() @ k.float().transpose(-1, -2) / q.shape[-1] ** 0.5
            if is_causal:
                s = s.masked_fill(torch.ones_like(s, dtype=torch.bool).triu(1), float("-inf"))
            return (torch.softmax(s, -1) @ v.float()).to(q.dtype)
        torch.nn.functional.scaled_dot_product_attention = sdpa
    check.timing_shapes = lambda quick: [(1, 16, 1024, 32, True)]
    libs = L.load(os.path.join(args.lib, "liblcl4j_cpu.so"), os.path.join(args.lib, "liblcl4j_cuda.so"))
    gen = torch.Generator()
    gen.manual_seed(1)
    rep = check.Report()
    check.run_section(rep, "lm_head memory", lambda: check.lm_memory(rep, libs, gen, n=70, dim=24, V=301))
    check.run_section(rep, "lm_head timing", lambda: check.lm_timing(rep, libs, gen, dim=24, V=301, sizes=(40, 70)))
    check.run_section(rep, "attention timing", lambda: check.timing(rep, libs, gen, True))
    import lab  # the lab's timing sections (every variant), same stand-ins
    variants = L.diag_variants(libs[1])
    if variants is None:
        rep.fail("ERROR: the emulated library has no lcl_cuda_diag_variants")
    else:
        check.run_section(rep, "lab lm_head timing",
                          lambda: lab.lm_timing(rep, libs, gen, variants, dim=24, V=301, sizes=(40, 70)))
        check.run_section(rep, "lab attention timing", lambda: lab.attention_timing(rep, libs, gen, variants, True))

    class A:
        out = None
    check.finish(rep, A())
    # the stand-ins make the attention agreement fail (no output is computed); the
    # run is good when every section ran to its end without an ERROR line
    errors = [ln for ln in rep.lines if "ERROR" in ln]
    print("dry run of the GPU-only sections:", "FAIL" if errors else "ran to the end")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
