# Generates python_written.safetensors, the fixture SafetensorsPythonFixtureTest reads.
# Written with Python's safetensors 0.8.0 (numpy 2.4.6): `python python_written.py`.
# numpy has no bfloat16/float8, so every tensor goes through the library's raw
# TensorSpec serializer with explicit little-endian bytes; the values are
# documented next to each tensor and asserted in the Java test.
import ctypes

import numpy as np
from safetensors import _safetensors_rust as st

tensors = {
    "bool": ("bool", [3], np.array([True, False, True], dtype=np.bool_).tobytes()),
    "u8": ("uint8", [3], np.array([0, 7, 255], dtype=np.uint8).tobytes()),
    "i8": ("int8", [3], np.array([-128, 0, 127], dtype=np.int8).tobytes()),
    "f8_e5m2": ("float8_e5m2", [2], bytes([0x3C, 0xC0])),        # 1.0, -2.0
    "f8_e4m3": ("float8_e4m3fn", [2], bytes([0x38, 0x30])),      # 1.0, 0.5
    "f8_e8m0": ("float8_e8m0fnu", [2], bytes([0x7F, 0x80])),     # 1.0, 2.0
    "i16": ("int16", [2, 2], np.array([[-32768, 1], [2, 32767]], dtype="<i2").tobytes()),
    "u16": ("uint16", [2], np.array([65535, 1], dtype="<u2").tobytes()),
    "f16": ("float16", [3], np.array([0.5, -2.0, 65504.0], dtype="<f2").tobytes()),
    "bf16": ("bfloat16", [2], bytes([0x80, 0x3F, 0x00, 0xC0])),  # 1.0, -2.0
    "i32": ("int32", [2], np.array([-2**31, 2**31 - 1], dtype="<i4").tobytes()),
    "u32": ("uint32", [1], np.array([2**32 - 1], dtype="<u4").tobytes()),
    "f32": ("float32", [2, 3], np.array([[1.5, -2.25, 3.0], [0.0, -0.0, 1e-30]], dtype="<f4").tobytes()),
    "scalar": ("float32", [], np.array(2.5, dtype="<f4").tobytes()),
    "empty": ("float32", [0, 3], b""),
    "f64": ("float64", [2], np.array([np.pi, -1e300], dtype="<f8").tobytes()),
    "i64": ("int64", [2], np.array([-2**63, 1234567890123], dtype="<i8").tobytes()),
    "u64": ("uint64", [1], np.array([2**64 - 1], dtype="<u8").tobytes()),
}
buffers = []
specs = {}
for name, (dtype, shape, data) in tensors.items():
    buf = ctypes.create_string_buffer(data, max(len(data), 1))
    buffers.append(buf)  # keep alive until serialize_file returns
    specs[name] = st.TensorSpec(dtype=dtype, shape=shape, data_ptr=ctypes.addressof(buf), data_len=len(data))
st.serialize_file(specs, "python_written.safetensors", {"format": "np"})
