"""Multi-head attention from scratch equals torch.nn.MultiheadAttention with the same weights.

Look at: the shapes at each step ([B, T, d_model] -> [B, h, T, d_head] -> back to [B, T, d_model]);
then the max abs differences: outputs, head-averaged weights and per-head weights agree with PyTorch
to 12 decimals (float64), without a mask and with a causal mask. The last column runs the per-head
step with F.scaled_dot_product_attention, which takes the same mask `allowed` (True = may attend)
unchanged, while nn.MultiheadAttention needs it inverted (True = may NOT attend).
"""
import math

import torch
import torch.nn.functional as F

B, T, D_MODEL, N_HEADS = 2, 5, 16, 4
D_HEAD = D_MODEL // N_HEADS                      # d_head = d_model / h
torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64                            # tight comparison without float32 noise


def mha(x, w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o, allowed=None, show=False, sdpa=False):
    """Multi-head self-attention. Weights use the nn.Linear layout [out, in]: y = x @ W.T + b.
    allowed: [T, T] bool, True = this query may attend to this key (as on the attention page).
    sdpa: compute the heads with F.scaled_dot_product_attention instead of by hand."""
    b, t, d = x.shape
    q = x @ w_q.T + b_q                          # [B, T, d_model]: every head's x W_i^Q at once
    k = x @ w_k.T + b_k                          # [B, T, d_model]
    v = x @ w_v.T + b_v                          # [B, T, d_model]
    # cut d_model into h slices of width d_head, then move the head axis next to the batch axis
    qh = q.view(b, t, N_HEADS, D_HEAD).transpose(1, 2)       # [B, h, T, d_head]
    kh = k.view(b, t, N_HEADS, D_HEAD).transpose(1, 2)       # [B, h, T, d_head]
    vh = v.view(b, t, N_HEADS, D_HEAD).transpose(1, 2)       # [B, h, T, d_head]
    scores = qh @ kh.transpose(-2, -1) / math.sqrt(D_HEAD)   # [B, h, T, T], scaled by sqrt(d_head)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = F.softmax(scores, dim=-1)          # [B, h, T, T], every row sums to 1
    heads = weights @ vh                         # [B, h, T, d_head]: head_1 ... head_h
    if sdpa:                                     # same mask, same meaning: True = may attend
        heads = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=allowed)
    concat = heads.transpose(1, 2).reshape(b, t, d)          # [B, T, h*d_head] = Concat(heads)
    out = concat @ w_o.T + b_o                   # [B, T, d_model] = Concat(heads) W^O
    if show:
        steps = [("x", x), ("Q = x W_q + b_q", q), ("Q split into heads", qh),
                 ("scores Q K^T", scores), ("heads = weights V", heads),
                 ("concat heads", concat), ("output", out)]
        for name, tensor in steps:
            print(f"{name:<20}: {list(tensor.shape)}")
    return out, weights


ref = torch.nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True, device=DEVICE, dtype=DTYPE)
ref.eval()
with torch.no_grad():                            # PyTorch initialises the biases to 0: make them
    ref.in_proj_bias.normal_()                   # non-zero, so that the check also covers them
    ref.out_proj.bias.normal_()
# PyTorch stacks W_q, W_k, W_v (and their biases) in one [3*d_model, d_model] matrix
w_q, w_k, w_v = ref.in_proj_weight.detach().chunk(3, dim=0)
b_q, b_k, b_v = ref.in_proj_bias.detach().chunk(3, dim=0)
w_o, b_o = ref.out_proj.weight.detach(), ref.out_proj.bias.detach()
params = (w_q, b_q, w_k, b_k, w_v, b_v, w_o, b_o)

x = torch.randn(B, T, D_MODEL, device=DEVICE, dtype=DTYPE)
causal = torch.tril(torch.ones(T, T, dtype=torch.bool, device=DEVICE))  # True = may attend

print(f"shapes (B={B}, T={T}, d_model={D_MODEL}, h={N_HEADS}, d_head={D_HEAD})")
mha(x, *params, show=True)

print("\nmax abs difference to nn.MultiheadAttention (float64, rounded to 12 decimals)")
print(f"{'':<12} {'output':>15} {'avg weights':>15} {'head weights':>15} {'output (SDPA)':>15}")
for label, allowed in [("no mask", None), ("causal mask", causal)]:
    mine_out, mine_w = mha(x, *params, allowed=allowed)
    sdpa_out, _ = mha(x, *params, allowed=allowed, sdpa=True)   # F.sdpa gets `allowed` as it is
    # nn.MultiheadAttention's bool attn_mask means the opposite: True = may NOT attend
    torch_mask = None if allowed is None else ~allowed
    with torch.no_grad():
        ref_out, ref_avg = ref(x, x, x, attn_mask=torch_mask)                 # avg: [B, T, T]
        _, ref_heads = ref(x, x, x, attn_mask=torch_mask,
                           average_attn_weights=False)                          # [B, h, T, T]
    mine_avg = mine_w.mean(dim=1)                # PyTorch's default returns the mean over heads
    assert torch.allclose(mine_out, ref_out, atol=1e-12)
    assert torch.allclose(mine_avg, ref_avg, atol=1e-12)
    assert torch.allclose(mine_w, ref_heads, atol=1e-12)
    assert torch.allclose(sdpa_out, ref_out, atol=1e-12)
    diffs = [(a - r).abs().max().item() for a, r in
             [(mine_out, ref_out), (mine_avg, ref_avg), (mine_w, ref_heads), (sdpa_out, ref_out)]]
    print(f"{label:<12} " + " ".join(f"{dv:>15.12f}" for dv in diffs))

# with the causal mask no query puts any weight on a later key, in any head
_, w_causal = mha(x, *params, allowed=causal)
assert torch.all(w_causal[..., ~causal] == 0)
future = w_causal[..., ~causal].sum().item()
print(f"\ncausal: total weight on future keys, all heads = {future:.4f}")
