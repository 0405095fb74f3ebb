"""Saving and loading: a state_dict round trip reproduces a model; a full checkpoint resumes training exactly.

Look at: the state_dict's names and shapes; train() versus eval() (dropout); a fresh model predicting
differently until the state_dict is loaded; resuming with optimiser and RNG state matching an
uninterrupted run bit for bit, while the weights alone do not. All saved to io.BytesIO, not a file.
"""
import io

import torch
from torch import nn

N_IN, N_HIDDEN, N_DATA = 4, 16, 64
STEPS, LR = 40, 0.01          # the resume test stops after STEPS // 2
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(N_IN, N_HIDDEN)
        self.drop = nn.Dropout(p=0.2)                        # no parameters, but train/eval matters
        self.out = nn.Linear(N_HIDDEN, 1)

    def forward(self, x):                                    # [B, 4] -> [B, 16] -> [B, 1]
        return self.out(self.drop(torch.relu(self.hidden(x))))


def make(seed):
    torch.manual_seed(seed)                                  # the initial weights depend on the seed
    model = SmallNet().to(DEVICE)
    return model, torch.optim.Adam(model.parameters(), lr=LR)


def train(model, opt, steps):
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, N_DATA, (16,))                # random batch: uses the CPU RNG
        loss = nn.functional.mse_loss(model(x[idx]), y[idx])  # dropout: uses DEVICE's RNG
        opt.zero_grad()
        loss.backward()
        opt.step()


def save(obj):
    buf = io.BytesIO()                                       # a file would work the same way
    torch.save(obj, buf)
    buf.seek(0)                                              # rewind before reading it back
    return buf


def set_rng_state(state):                                    # CPU generator, plus the GPU's if used
    torch.set_rng_state(state["rng"])
    if state["cuda_rng"] is not None:
        torch.cuda.set_rng_state(state["cuda_rng"])


def max_diff(a, b):
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


x = torch.randn(N_DATA, N_IN)                                # [64, 4], made on the CPU
x, y = x.to(DEVICE), (x[:, :1] * x[:, 1:2] + x[:, 2:3]).to(DEVICE)   # y: [64, 1], nonlinear

print("== state_dict: every parameter by name ==")
model, opt = make(1)
train(model, opt, STEPS)
for name, tensor in model.state_dict().items():
    print(f"{name:<16}{str(list(tensor.shape)):<10}{str(tensor.dtype)}")

model.train()
assert not torch.equal(model(x), model(x))                   # dropout: each call drops other units
model.eval()
assert torch.equal(model(x), model(x))                       # eval: dropout off, deterministic
print("train(): two calls differ (dropout); eval(): two calls are identical")

print()
print("== round trip through io.BytesIO ==")
buf = save(model.state_dict())
fresh, _ = make(2)
fresh.eval()
with torch.no_grad():
    before = (fresh(x) - model(x)).abs().max().item()
    fresh.load_state_dict(torch.load(buf, map_location=DEVICE, weights_only=True))
    after = (fresh(x) - model(x)).abs().max().item()
    assert before > 0.01 and torch.equal(fresh(x), model(x))
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
print(f"max |fresh - original| before loading: {before:.4f}, after loading: {after:.4f}")

print()
print("== resuming training from a checkpoint ==")
straight, opt_s = make(3)
train(straight, opt_s, STEPS)                                # never stopped

half, opt_h = make(3)
train(half, opt_h, STEPS // 2)
ckpt = save({"model": half.state_dict(), "optimizer": opt_h.state_dict(), "step": STEPS // 2,
             "rng": torch.get_rng_state(),
             "cuda_rng": torch.cuda.get_rng_state() if DEVICE == "cuda" else None})
del half, opt_h                                              # "the job crashed"

state = torch.load(ckpt, map_location="cpu", weights_only=True)  # RNG states must stay on the CPU
resumed, opt_r = make(99)                                    # fresh objects, other weights
resumed.load_state_dict(state["model"])
opt_r.load_state_dict(state["optimizer"])                    # Adam's moments and step count
set_rng_state(state)                                         # same batches and dropout masks
train(resumed, opt_r, STEPS - state["step"])

no_opt, opt_n = make(99)
no_opt.load_state_dict(state["model"])                       # the weights, but a brand-new Adam
set_rng_state(state)
train(no_opt, opt_n, STEPS - state["step"])

assert all(torch.equal(p, q) for p, q in zip(straight.parameters(), resumed.parameters()))
assert max_diff(straight, no_opt) > 1e-4
print(f"{'resumed with model + optimizer + RNG':<40} max |diff| = {max_diff(straight, resumed):.4f}")
print(f"{'resumed with model weights only':<40} max |diff| = {max_diff(straight, no_opt):.4f}")
