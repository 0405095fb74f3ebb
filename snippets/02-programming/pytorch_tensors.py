"""Tensors, dtypes, devices and autograd: the four things every PyTorch line relies on.

Look at: the default dtypes (int64, float32) and what mixing them gives; bytes per element of each
float type; that torch.from_numpy shares memory while torch.tensor copies; that autograd's gradient
equals the one derived by hand; and that calling backward twice adds the gradients up.
"""
import numpy as np
import torch

N, D = 8, 3   # rows and features of a tiny regression problem

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

print("== dtypes ==")
examples = {
    "torch.tensor([1, 2, 3])": torch.tensor([1, 2, 3]),
    "torch.tensor([1.0, 2.0])": torch.tensor([1.0, 2.0]),
    "torch.from_numpy(np.ones(2))": torch.from_numpy(np.ones(2)),
    "int64 tensor + 0.5": torch.tensor([1, 2]) + 0.5,
    "int64 tensor / 2": torch.tensor([3, 4]) / 2,
    "int64 tensor // 2": torch.tensor([3, 4]) // 2,
    "float32 + float64 tensors": torch.ones(2) + torch.ones(2, dtype=torch.float64),
}
for text, t in examples.items():
    print(f"{text:<30} -> {str(t.dtype):<14} {t.tolist()}")
assert torch.tensor([1, 2, 3]).dtype == torch.int64 and torch.tensor([1.0]).dtype == torch.float32
assert torch.from_numpy(np.ones(2)).dtype == torch.float64        # NumPy's default float is float64

print()
print(f"{'dtype':<16}{'bytes':>6}{'machine eps':>14}{'7B params (GB)':>16}")
for dt in (torch.float64, torch.float32, torch.bfloat16, torch.float16):
    size = torch.empty((), dtype=dt).element_size()
    print(f"{str(dt):<16}{size:>6}{torch.finfo(dt).eps:>14.2e}{7e9 * size / 1e9:>16.0f}")

layer = torch.nn.Linear(2, 1)                                      # float32 weights
try:
    layer(torch.from_numpy(np.ones((1, 2))))                       # float64 input
    raise AssertionError("expected a dtype error")
except RuntimeError:
    print("nn.Linear (float32) on a float64 input: RuntimeError, fix with .float()")
assert layer(torch.from_numpy(np.ones((1, 2))).float()).dtype == torch.float32

print()
print("== NumPy bridge and devices ==")
arr = np.zeros(3)
shared, copied = torch.from_numpy(arr), torch.tensor(arr)
arr[0] = 7.0                                                      # change the NumPy array in place
print(f"after arr[0] = 7:  from_numpy sees {shared[0].item():.1f}, "
      f"torch.tensor copy sees {copied[0].item():.1f}")
assert shared[0] == 7.0 and copied[0] == 0.0
on_device = shared.to(DEVICE)                                      # a copy if DEVICE is a GPU
result = (on_device * 2).cpu().numpy()                             # back to the CPU before NumPy
assert result.tolist() == [14.0, 0.0, 0.0] and (on_device * 2).device == on_device.device

print()
print("== autograd ==")
X = torch.randn(N, D, dtype=torch.float64).to(DEVICE)             # [N, D], drawn on the CPU
y = torch.randn(N, dtype=torch.float64).to(DEVICE)                # [N]
w = torch.zeros(D, dtype=torch.float64, device=DEVICE, requires_grad=True)
loss = ((X @ w - y) ** 2).mean()                                   # L(w) = mean (Xw - y)^2
loss.backward()                                                    # fills w.grad = dL/dw
by_hand = 2 / N * X.T @ (X @ w.detach() - y)                       # dL/dw = (2/N) X^T (Xw - y)
assert torch.allclose(w.grad, by_hand, atol=1e-12)
print(f"{'autograd':<22}" + "".join(f"{g:>9.4f}" for g in w.grad.tolist()))
print(f"{'by hand (2/N)X^T(Xw-y)':<22}" + "".join(f"{g:>9.4f}" for g in by_hand.tolist()))

first = w.grad.clone()
((X @ w - y) ** 2).mean().backward()                               # no zero_grad in between
assert torch.allclose(w.grad, 2 * first)
print(f"{'after a 2nd backward':<22}" + "".join(f"{g:>9.4f}" for g in w.grad.tolist()) + "   (doubled)")
w.grad = None                                                      # what optimizer.zero_grad() does

with torch.no_grad():                                              # no graph is recorded here
    pred = X @ w
assert not pred.requires_grad and (X @ w).requires_grad
print(f"requires_grad: inside no_grad {pred.requires_grad}, outside {(X @ w).requires_grad}")
