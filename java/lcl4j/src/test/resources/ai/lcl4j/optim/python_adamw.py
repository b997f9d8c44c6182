# Generates python_adamw.safetensors, the oracle AdamWPythonFixtureTest checks against.
# Run with PyTorch 2.13.0+cpu and safetensors 0.8.0: `python python_adamw.py`.
# Ten steps of torch.optim.AdamW (CPU default = single-tensor path) over two
# OpenCLIP-style groups, the learning rate changed every step as a schedule does,
# and one parameter without a gradient at step 3.
import torch
from safetensors.torch import save_file

torch.manual_seed(0)
shapes = {
    "visual.conv1.weight": (5, 3, 2, 2),
    "text.token_embedding.weight": (13, 7),
    "visual.ln_pre.weight": (7,),
    "lm_head.1.bias": (13,),
}
decay = ["visual.conv1.weight", "text.token_embedding.weight"]
no_decay = ["visual.ln_pre.weight", "lm_head.1.bias"]
steps = 10
out = {}
params = {}
for n, s in shapes.items():
    p = torch.randn(s)
    out["param." + n] = p.clone()
    params[n] = p.clone().requires_grad_(True)
lrs = torch.tensor([1e-2 * (1 + i) / steps for i in range(steps)], dtype=torch.float64)
out["lr"] = lrs
opt = torch.optim.AdamW(
    [{"params": [params[n] for n in no_decay], "weight_decay": 0.0},
     {"params": [params[n] for n in decay], "weight_decay": 0.2}],
    lr=3e-4, betas=(0.9, 0.98), eps=1e-6)
for i in range(steps):
    for n, p in params.items():
        if i == 3 and n == "lm_head.1.bias":
            p.grad = None
            continue
        g = torch.randn(shapes[n])
        out[f"grad.{i}.{n}"] = g
        p.grad = g.clone()
    for group in opt.param_groups:
        group["lr"] = lrs[i].item()
    opt.step()
for n, p in params.items():
    out["expected." + n] = p.detach().clone()
    st = opt.state[p]
    out["expected_exp_avg." + n] = st["exp_avg"].clone()
    out["expected_exp_avg_sq." + n] = st["exp_avg_sq"].clone()
    out["expected_step." + n] = st["step"].to(torch.int64).reshape(())
save_file(out, "python_adamw.safetensors", metadata={"torch": torch.__version__})
