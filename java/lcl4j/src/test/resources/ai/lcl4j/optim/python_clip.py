# Generates python_clip.safetensors, the oracle GradClipPythonFixtureTest checks against.
# Run with PyTorch 2.13.0+cpu and safetensors 0.8.0: `python python_clip.py`.
# torch.nn.utils.clip_grad_norm_(max_norm=1.0) on three gradients, once above the
# threshold ("big") and once below ("small").
import torch
from safetensors.torch import save_file

torch.manual_seed(1)
out = {}
for case, scale in (("big", 10.0), ("small", 1e-3)):
    params = []
    for i, s in enumerate([(7, 5), (13,), (3, 2, 3)]):
        p = torch.randn(s, requires_grad=True)
        p.grad = torch.randn(s) * scale
        out[f"{case}.grad.{i}"] = p.grad.clone()
        params.append(p)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    out[f"{case}.norm"] = norm.reshape(())
    for i, p in enumerate(params):
        out[f"{case}.clipped.{i}"] = p.grad.clone()
save_file(out, "python_clip.safetensors", metadata={"torch": torch.__version__})
