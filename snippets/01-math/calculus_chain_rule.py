"""The chain rule by hand on a small computational graph gives exactly autograd's gradients.

Graph: u = w*x + b, h = tanh(u), p = w*h, L = (p - t)^2 / 2. The weight w is used twice, so its
gradient is the sum of two paths. Look at: the backward table (each node's gradient is the one above
it times a local derivative) matches autograd node by node; then the same rules with matrices,
dW = X^T dZ, reproduce autograd for a two-layer network on a batch.
"""
import torch

X, W, B, T = 1.5, 0.8, -0.3, 0.2             # input, weight, bias, target of the scalar graph
N, D_IN, D_HID, D_OUT = 4, 3, 5, 2           # batch and widths of the matrix example

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

# 1. Scalars. Forward pass, keeping every intermediate value (autograd keeps them too).
x, w, b = (torch.tensor(v, dtype=DTYPE, device=DEVICE, requires_grad=True) for v in (X, W, B))
u = w * x + b                                # u = w x + b
h = torch.tanh(u)                            # h = tanh(u)
p = w * h                                    # p = w h      (w is used a second time)
L = 0.5 * (p - T) ** 2                       # L = (p - t)^2 / 2
print("forward:  " + "  ".join(f"{n} = {v.item():.6f}" for n, v in zip("uhpL", (u, h, p, L))))

# Backward pass by hand: gradient of a node = gradient of its output x local derivative.
dL_dp = p - T                                # dL/dp = p - t
dL_dh = dL_dp * w                            # dp/dh = w
dL_du = dL_dh * (1 - h ** 2)                 # dh/du = 1 - tanh(u)^2
dL_dw_direct = dL_dp * h                     # path w -> p      (dp/dw = h)
dL_dw_via_u = dL_du * x                      # path w -> u -> h -> p   (du/dw = x)
dL_dw = dL_dw_direct + dL_dw_via_u           # two paths: add them
dL_db = dL_du * 1                            # du/db = 1
dL_dx = dL_du * w                            # du/dx = w
hand = [dL_dp, dL_dh, dL_du, dL_dw, dL_db, dL_dx]
auto = torch.autograd.grad(L, [p, h, u, w, b, x])
for mine, ref in zip(hand, auto):
    assert torch.allclose(mine, ref, rtol=0, atol=1e-14)

rows = [("p", "dL/dp = p - t", dL_dp), ("h", "dL/dp * w", dL_dh), ("u", "dL/dh * (1 - h^2)", dL_du),
        ("w", "dL/dp * h + dL/du * x", dL_dw), ("b", "dL/du * 1", dL_db), ("x", "dL/du * w", dL_dx)]
print()
print(f"{'node':<5} {'rule':<22} {'by hand':>10} {'autograd':>10}")
for (node, rule, mine), ref in zip(rows, auto):
    print(f"{node:<5} {rule:<22} {mine.item():>10.6f} {ref.item():>10.6f}")
print(f"w's two paths: direct {dL_dw_direct.item():.6f} + through u {dL_dw_via_u.item():.6f} "
      f"= {dL_dw.item():.6f}")

# 2. Matrices. Z = X W1 + b1, H = tanh(Z), Y = H W2 + b2, L = sum((Y - T)^2) / (2N).
Xm = torch.randn(N, D_IN, dtype=DTYPE, device=DEVICE)
Tm = torch.randn(N, D_OUT, dtype=DTYPE, device=DEVICE)
W1 = (0.5 * torch.randn(D_IN, D_HID, dtype=DTYPE, device=DEVICE)).requires_grad_()
b1 = torch.zeros(D_HID, dtype=DTYPE, device=DEVICE, requires_grad=True)
W2 = (0.5 * torch.randn(D_HID, D_OUT, dtype=DTYPE, device=DEVICE)).requires_grad_()
b2 = torch.zeros(D_OUT, dtype=DTYPE, device=DEVICE, requires_grad=True)
Z = Xm @ W1 + b1                             # [N, D_HID]
Hm = torch.tanh(Z)                           # [N, D_HID]
Y = Hm @ W2 + b2                             # [N, D_OUT]
Lm = ((Y - Tm) ** 2).sum() / (2 * N)         # scalar
auto = dict(zip(["W1", "b1", "W2", "b2"], torch.autograd.grad(Lm, [W1, b1, W2, b2])))

dY = (Y - Tm) / N                            # [N, D_OUT]   dL/dY
dW2 = Hm.T @ dY                              # [D_HID, D_OUT] = H^T dY
db2 = dY.sum(0)                              # [D_OUT]  the bias is added to every row: sum rows
dH = dY @ W2.T                               # [N, D_HID]   = dY W2^T
dZ = dH * (1 - Hm ** 2)                      # [N, D_HID]   elementwise: tanh' = 1 - tanh^2
dW1 = Xm.T @ dZ                              # [D_IN, D_HID] = X^T dZ
db1 = dZ.sum(0)                              # [D_HID]
hand = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
print()
print(f"two-layer network, batch {N}: {D_IN} -> {D_HID} (tanh) -> {D_OUT}, "
      f"loss {Lm.item():.6f}")
print(f"{'param':<6} {'shape':<7} {'hand-written rule':<20} {'|grad| by hand':>15} {'autograd':>10}")
rules = {"W1": "X^T dZ", "b1": "dZ summed over rows", "W2": "H^T dY", "b2": "dY summed over rows"}
for name, param in zip(["W1", "b1", "W2", "b2"], [W1, b1, W2, b2]):
    assert hand[name].shape == param.shape   # a gradient has the shape of its parameter
    assert torch.allclose(hand[name], auto[name], rtol=0, atol=1e-12)
    shape = "x".join(map(str, param.shape))
    print(f"{name:<6} {shape:<7} {rules[name]:<20} {hand[name].norm().item():>15.6f} "
          f"{auto[name].norm().item():>10.6f}")
