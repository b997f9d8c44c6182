"""ctypes mirror of native/include/lcl/kernels.h (the three parameter structs and
the entry points), shared by check.py. No torch import here so the layout can be
checked on any machine:  python3 lcl_ctypes.py "$(./layout)"  """
import ctypes
import json
import sys

c_i64, c_i32, c_f32, c_ptr = ctypes.c_int64, ctypes.c_int32, ctypes.c_float, ctypes.c_void_p
Stride4 = c_i64 * 4

LCL_OK = 0
OPS = ("attention", "infonce", "lm_head")
LCL_FLOAT32, LCL_BFLOAT16, LCL_FLOAT16 = 0, 1, 2


class AttentionParams(ctypes.Structure):
    _fields_ = [
        ("batch", c_i64), ("heads", c_i64), ("seq_len", c_i64), ("head_dim", c_i64),
        ("softmax_scale", c_f32), ("causal", c_i32), ("dtype", c_i32),
        ("valid_lens", c_ptr), ("segment_ids", c_ptr),
        ("q", c_ptr), ("q_stride", Stride4),
        ("k", c_ptr), ("k_stride", Stride4),
        ("v", c_ptr), ("v_stride", Stride4),
        ("o", c_ptr), ("o_stride", Stride4),
        ("lse", c_ptr),
        ("dout", c_ptr), ("dout_stride", Stride4),
        ("dq", c_ptr), ("dq_stride", Stride4),
        ("dk", c_ptr), ("dk_stride", Stride4),
        ("dv", c_ptr), ("dv_stride", Stride4),
        ("stream", c_ptr),
    ]


class InfonceParams(ctypes.Structure):
    _fields_ = [
        ("n_local", c_i64), ("n_global", c_i64), ("dim", c_i64), ("offset", c_i64),
        ("normalizer", c_f32), ("dtype", c_i32),
        ("image", c_ptr), ("text", c_ptr), ("image_all", c_ptr), ("text_all", c_ptr),
        ("global_valid", c_ptr), ("scale", c_ptr),
        ("loss", c_ptr), ("lse_i2t", c_ptr), ("lse_t2i", c_ptr),
        ("dloss", c_ptr), ("dimage", c_ptr), ("dtext", c_ptr), ("dimage_all", c_ptr),
        ("dtext_all", c_ptr), ("dscale", c_ptr),
        ("stream", c_ptr),
    ]


class LmHeadParams(ctypes.Structure):
    _fields_ = [
        ("n_tokens", c_i64), ("dim", c_i64), ("vocab", c_i64), ("ignore_index", c_i64),
        ("normalizer", c_f32), ("dtype", c_i32),
        ("hidden", c_ptr), ("hidden_stride", c_i64),
        ("weight", c_ptr),
        ("targets", c_ptr),
        ("loss", c_ptr), ("lse", c_ptr),
        ("dloss", c_ptr),
        ("dhidden", c_ptr), ("dhidden_stride", c_i64),
        ("dweight", c_ptr),
        ("stream", c_ptr),
    ]


STRUCTS = {"lcl_attention_params": AttentionParams, "lcl_infonce_params": InfonceParams,
           "lcl_lm_head_params": LmHeadParams}


def layout_errors(c_layout):
    """Differences between the C layout (JSON from layout.c) and the ctypes mirror."""
    errors = []
    for name, cls in STRUCTS.items():
        want = c_layout[name]
        if ctypes.sizeof(cls) != want["__size__"]:
            errors.append(f"{name}: sizeof {ctypes.sizeof(cls)} (ctypes) != {want['__size__']} (C)")
        fields = [f[0] for f in cls._fields_]
        if sorted(fields) != sorted(k for k in want if k != "__size__"):
            errors.append(f"{name}: field sets differ")
        for f in fields:
            off = getattr(cls, f).offset
            if want.get(f) != off:
                errors.append(f"{name}.{f}: offset {off} (ctypes) != {want.get(f)} (C)")
    return errors


def bind(lib, names):
    for n in names:
        fn = getattr(lib, n)
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_void_p]
    return lib


def load(cpu_path, cuda_path):
    """Loads both libraries; returns (cpu, cuda, has_cpu) where has_cpu maps each
    op ("attention", "infonce", "lm_head") to whether liblcl4j_cpu exports its
    kernels (a build may predate an op's CPU kernels: then only the float64
    torch reference checks it)."""
    cpu = ctypes.CDLL(cpu_path, mode=ctypes.RTLD_GLOBAL)
    cpu.lcl_last_error.restype = ctypes.c_char_p
    cuda = ctypes.CDLL(cuda_path)
    cuda.lcl_cuda_device_count.restype = ctypes.c_int
    has_cpu = {}
    for op in OPS:
        bind(cuda, [f"lcl_cuda_{op}_forward", f"lcl_cuda_{op}_backward"])
        try:
            bind(cpu, [f"lcl_cpu_{op}_forward", f"lcl_cpu_{op}_backward"])
            has_cpu[op] = True
        except AttributeError:
            has_cpu[op] = False
    return cpu, cuda, has_cpu


def diag_variants(cuda):
    """The kernel variants of liblcl4j_cuda (native/src/cuda/variants.h), as
    {slot: ([variant, ...], production default)}, or None for a build without
    the diagnostic entry points."""
    try:
        fn = cuda.lcl_cuda_diag_variants
        setter = cuda.lcl_cuda_diag_set_variant
    except AttributeError:
        return None
    fn.restype = ctypes.c_char_p
    fn.argtypes = []
    setter.restype = ctypes.c_int
    setter.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    slots = {}
    for part in fn().decode().split(";"):
        slot, names = part.split(":")
        names = names.split(",")
        default = next(n[1:] for n in names if n.startswith("*"))
        slots[slot] = ([n.lstrip("*") for n in names], default)
    return slots


def set_variant(cuda, slot, name):
    """Selects a variant ("default": the production one) for every later call."""
    st = cuda.lcl_cuda_diag_set_variant(slot.encode(), name.encode())
    if st != LCL_OK:
        raise RuntimeError(f"lcl_cuda_diag_set_variant({slot}, {name}) returned {st}")


if __name__ == "__main__":
    errs = layout_errors(json.loads(sys.argv[1]))
    for e in errs:
        print("LAYOUT MISMATCH:", e)
    print("ctypes layout: " + ("FAIL" if errs else "PASS (matches the C header)"))
    sys.exit(1 if errs else 0)
