"""h heads as one batched matmul = a loop over heads + concatenation; cost does not depend on h.

Look at: (1) the loop over heads, the reshape/transpose version and the sum of per-head terms
head_i W_i^O all agree, while a wrong reshape or a sqrt(d_model) scale does not; (2) the table:
parameters stay 4*d^2 + 4*d and matmul FLOPs stay the same for every h, while the number of
attention scores (softmax work, memory for the weights) grows with h; (3) the order of the heads
means nothing: permuting the heads of nn.MultiheadAttention (and the matching columns of W^O) changes
the output only by rounding error, about 1e-7 in float32 (the default) and 1e-15 in float64, while
leaving out_proj.weight unpermuted (a wrong index) changes it by far more.
"""
import math

import torch
import torch.nn.functional as F

B, T, D_MODEL, N_HEADS = 2, 6, 64, 4
HEAD_COUNTS = [1, 2, 4, 8, 16]
torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

x = torch.randn(B, T, D_MODEL, device=DEVICE, dtype=DTYPE)
# full-width projections in the nn.Linear layout [out, in]: y = x @ W.T (no biases here)
w_q, w_k, w_v, w_o = (torch.randn(D_MODEL, D_MODEL, device=DEVICE, dtype=DTYPE)
                      / math.sqrt(D_MODEL) for _ in range(4))
COUNT = {"flops": 0, "scores": 0}               # matmul FLOPs and attention scores computed


def mm(a, b):
    """a @ b, counting 2*m*k*n FLOPs (a multiply and an add) for each matrix in the batch."""
    out = a @ b
    COUNT["flops"] += 2 * out.numel() * a.shape[-1]
    return out


def split_heads(t, h):                          # [B, T, d_model] -> [B, h, T, d_head]
    return t.view(t.shape[0], t.shape[1], h, -1).transpose(1, 2)


def wrong_split(t, h):                          # same shape, wrong numbers: mixes tokens
    return t.view(t.shape[0], h, t.shape[1], -1)


def mha_vectorised(x, h, split=split_heads, scale_dim=None):
    b, n, d = x.shape
    q, k, v = (split(mm(x, w.T), h) for w in (w_q, w_k, w_v))          # [B, h, T, d_head]
    scores = mm(q, k.transpose(-2, -1)) / math.sqrt(scale_dim or d // h)  # [B, h, T, T]
    COUNT["scores"] += scores.numel()
    heads = mm(F.softmax(scores, dim=-1), v)                           # [B, h, T, d_head]
    return mm(heads.transpose(1, 2).reshape(b, n, d), w_o.T)           # [B, T, d_model]


def mha_loop(x, h):
    dh = D_MODEL // h
    heads = []
    for i in range(h):
        rows = slice(i * dh, (i + 1) * dh)
        wq_i, wk_i, wv_i = w_q[rows].T, w_k[rows].T, w_v[rows].T     # W_i^Q, ...: [d_model, d_head]
        q_i, k_i, v_i = x @ wq_i, x @ wk_i, x @ wv_i                   # [B, T, d_head]
        a_i = F.softmax(q_i @ k_i.transpose(-2, -1) / math.sqrt(dh), dim=-1)  # [B, T, T]
        heads.append(a_i @ v_i)                                        # head_i: [B, T, d_head]
    return torch.cat(heads, dim=-1) @ w_o.T, heads                     # Concat(heads) W^O


out_loop, heads = mha_loop(x, N_HEADS)
dh = D_MODEL // N_HEADS
w_o_paper = w_o.T                                # paper layout: W^O is [h*d_head, d_model]
candidates = [
    ("vectorised (view + transpose)", mha_vectorised(x, N_HEADS)),
    # Concat(head_1..head_h) W^O = sum_i head_i W_i^O, W_i^O = rows i*d_head..(i+1)*d_head of W^O
    ("sum of head_i W_i^O", sum(hd @ w_o_paper[i * dh:(i + 1) * dh] for i, hd in enumerate(heads))),
    ("wrong: view(B, h, T, d_head)", mha_vectorised(x, N_HEADS, split=wrong_split)),
    ("wrong: scale by sqrt(d_model)", mha_vectorised(x, N_HEADS, scale_dim=D_MODEL)),
]
print(f"equivalence (B={B}, T={T}, d_model={D_MODEL}, h={N_HEADS}): max abs difference to the loop")
for label, out in candidates:
    diff = (out - out_loop).abs().max().item()
    assert (diff < 1e-12) if not label.startswith("wrong") else (diff > 0.1)
    print(f"  {label:<30}: {diff:.4f}")

print(f"\ncost for d_model={D_MODEL}, B={B}, T={T}")
print(f"{'heads':>5} {'d_head':>6} {'params':>7} {'4d^2+4d':>7} {'matmul FLOPs':>12} {'scores':>6}")
expected_params = 4 * D_MODEL**2 + 4 * D_MODEL
expected_flops = 4 * 2 * B * T * D_MODEL**2 + 2 * 2 * B * T**2 * D_MODEL
for h in HEAD_COUNTS:
    layer = torch.nn.MultiheadAttention(D_MODEL, h, batch_first=True, device=DEVICE)
    n_params = sum(p.numel() for p in layer.parameters())   # W_q, W_k, W_v, W_o and 4 biases
    COUNT.update(flops=0, scores=0)
    mha_vectorised(x, h)
    assert n_params == expected_params
    assert COUNT["flops"] == expected_flops     # 4 projections + (Q K^T and weights @ V)
    assert COUNT["scores"] == B * h * T * T     # one T x T score matrix per head and sequence
    print(f"{h:>5} {D_MODEL // h:>6} {n_params:>7} {expected_params:>7} {COUNT['flops']:>12} "
          f"{COUNT['scores']:>6}")

# (3) head order: move head i's rows of W_Q, W_K, W_V (and biases) and its columns of out_proj.weight
perm = torch.tensor([2, 0, 3, 1])                            # new order of the N_HEADS heads
idx = (perm[:, None] * dh + torch.arange(dh)).flatten()      # feature indices in the new order
print(f"\nhead order: heads permuted to {perm.tolist()}, max abs difference of the outputs")
F64_BOUND = 1e-13                                            # float64 rounding stays below this
for dtype, bound in [(torch.float32, 1e-5), (torch.float64, F64_BOUND)]:
    m, m2 = (torch.nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True, device=DEVICE,
                                         dtype=dtype) for _ in range(2))
    with torch.no_grad():
        m.in_proj_bias.normal_()                             # non-zero biases, so they are moved too
        m.out_proj.bias.normal_()
        w, b = m.in_proj_weight.view(3, D_MODEL, D_MODEL), m.in_proj_bias.view(3, D_MODEL)
        m2.in_proj_weight.copy_(w[:, idx].reshape(3 * D_MODEL, D_MODEL))
        m2.in_proj_bias.copy_(b[:, idx].reshape(3 * D_MODEL))
        m2.out_proj.weight.copy_(m.out_proj.weight[:, idx])  # PyTorch stores (W^O)^T: move columns
        m2.out_proj.bias.copy_(m.out_proj.bias)
        xd = x.to(dtype)
        diff = (m(xd, xd, xd)[0] - m2(xd, xd, xd)[0]).abs().max().item()
        if dtype == torch.float64:                           # a wrong index: W^O columns left in place
            m2.out_proj.weight.copy_(m.out_proj.weight)
            wrong = (m(xd, xd, xd)[0] - m2(xd, xd, xd)[0]).abs().max().item()
    eps = torch.finfo(dtype).eps
    assert diff < bound                                      # same layer, up to rounding
    name = str(dtype).removeprefix("torch.")
    if dtype == torch.float32:                               # float32 rounding, not float64's
        assert diff > F64_BOUND
        print(f"  {name}: max |diff| < {bound:.0e} and > {F64_BOUND:.0e}: True   (machine epsilon {eps:.1e})")
    else:
        print(f"  {name}: max |diff| < {bound:.0e}: True             (machine epsilon {eps:.1e})")
        assert wrong > 1e-2                                  # not rounding: the heads are mismatched
        print(f"  {name}, out_proj.weight left unpermuted (wrong): max |diff| = {wrong:.4f}")
