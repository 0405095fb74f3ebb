"""Greedy decoding with a KV cache gives the same tokens and logits as recomputing everything.

A tiny decoder (random weights, float64) generates text twice: once by running the whole sequence
through the model at every step, once by keeping each layer's keys and values in a cache and feeding
only the newest token. It uses grouped-query attention: 4 query heads share 2 key/value heads.
Look at: identical tokens, how many positions each way pushes through the model, and the cache size
from the formula 2 * layers * kv_heads * d_head * T * bytes against the bytes of the real tensors.
"""
import math

import torch
import torch.nn.functional as F

VOCAB, D_MODEL, N_LAYER = 64, 32, 2
N_HEAD, N_KV_HEAD = 4, 2                  # grouped-query attention; N_KV_HEAD = N_HEAD is plain MHA
D_HEAD = D_MODEL // N_HEAD
PROMPT, NEW_TOKENS, MAX_T = [3, 14, 15, 9, 26], 20, 32
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
W = lambda *shape: (torch.randn(*shape, dtype=torch.float64) / math.sqrt(shape[0])).to(DEVICE)
emb, pos, head = W(VOCAB, D_MODEL) * 5, W(MAX_T, D_MODEL) * 5, W(D_MODEL, VOCAB)
layers = [dict(q=W(D_MODEL, N_HEAD * D_HEAD), k=W(D_MODEL, N_KV_HEAD * D_HEAD),
               v=W(D_MODEL, N_KV_HEAD * D_HEAD), o=W(D_MODEL, D_MODEL),
               up=W(D_MODEL, 4 * D_MODEL), down=W(4 * D_MODEL, D_MODEL)) for _ in range(N_LAYER)]


def attend(q, k, v, start):
    """Causal GQA: q (N_HEAD, T, D_HEAD) at positions start.., k and v (N_KV_HEAD, S, D_HEAD)."""
    group = N_HEAD // N_KV_HEAD                              # query head j uses kv head j // group
    k, v = k.repeat_interleave(group, dim=0), v.repeat_interleave(group, dim=0)
    s = q @ k.transpose(-2, -1) / math.sqrt(D_HEAD)                      # (N_HEAD, T, S)
    q_pos = torch.arange(start, start + q.shape[1], device=q.device)[:, None]
    k_pos = torch.arange(k.shape[1], device=q.device)[None, :]
    return torch.softmax(s.masked_fill(k_pos > q_pos, float("-inf")), dim=-1) @ v


def forward(tokens, cache=None):
    """Logits for `tokens`; with a cache they continue the S tokens already in it, which it extends."""
    start = 0 if cache is None else cache[0][0].shape[1]
    T = len(tokens)
    x = emb[tokens] + pos[start:start + T]                               # (T, D_MODEL)
    for i, p in enumerate(layers):
        h = F.layer_norm(x, (D_MODEL,))
        q = (h @ p["q"]).view(T, N_HEAD, D_HEAD).transpose(0, 1)         # (N_HEAD, T, D_HEAD)
        k = (h @ p["k"]).view(T, N_KV_HEAD, D_HEAD).transpose(0, 1)      # (N_KV_HEAD, T, D_HEAD)
        v = (h @ p["v"]).view(T, N_KV_HEAD, D_HEAD).transpose(0, 1)
        if cache is not None:                                            # append, then attend to all S
            k = cache[i][0] = torch.cat([cache[i][0], k], dim=1)         # (N_KV_HEAD, S, D_HEAD)
            v = cache[i][1] = torch.cat([cache[i][1], v], dim=1)
        x = x + attend(q, k, v, start).transpose(0, 1).reshape(T, D_MODEL) @ p["o"]
        x = x + F.gelu(F.layer_norm(x, (D_MODEL,)) @ p["up"]) @ p["down"]
    return F.layer_norm(x, (D_MODEL,)) @ head                              # (T, VOCAB)


full, cached = list(PROMPT), list(PROMPT)
empty = lambda: torch.empty(N_KV_HEAD, 0, D_HEAD, dtype=torch.float64, device=DEVICE)
cache = [[empty(), empty()] for _ in range(N_LAYER)]                    # per layer: [K, V], (kv, S, d)
new = list(PROMPT)                                                       # first call: the whole prompt
max_diff, fed_full, fed_cached = 0.0, 0, 0
for step in range(NEW_TOKENS):
    logits_f = forward(torch.tensor(full, device=DEVICE))[-1]            # recompute every position
    logits_c = forward(torch.tensor(new, device=DEVICE), cache)[-1]      # only tokens not yet cached
    fed_full, fed_cached = fed_full + len(full), fed_cached + len(new)
    max_diff = max(max_diff, (logits_f - logits_c).abs().max().item())
    assert torch.allclose(logits_f, logits_c, atol=1e-10, rtol=0)
    full.append(int(logits_f.argmax()))                                  # greedy: most likely token
    cached.append(int(logits_c.argmax()))
    new = cached[-1:]
    assert full == cached

q = torch.randn(N_HEAD, 6, D_HEAD, dtype=torch.float64).to(DEVICE)
k, v = (torch.randn(N_KV_HEAD, 6, D_HEAD, dtype=torch.float64).to(DEVICE) for _ in range(2))
sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
assert torch.allclose(attend(q, k, v, 0), sdpa, atol=1e-12)              # same head grouping as PyTorch

print("greedy decoding, float64")
print(f"  prompt                       : {PROMPT}")
print(f"  generated, full recompute    : {full[len(PROMPT):]}")
print(f"  generated, KV cache          : {cached[len(PROMPT):]}")
print(f"  max |logit diff| < 1e-10     : {max_diff < 1e-10}")
print(f"  positions run through model  : full {fed_full}, cached {fed_cached}")

T = len(cached) - 1                                                      # tokens whose K, V are cached
formula = 2 * N_LAYER * N_KV_HEAD * D_HEAD * T * 8                       # float64: 8 bytes
actual = sum(t.numel() * t.element_size() for kv in cache for t in kv)
assert actual == formula
print()
print("KV-cache size = 2 * layers * kv_heads * d_head * T * bytes")
print(f"  formula, T={T}                : {formula:,} bytes")
print(f"  bytes of the cached tensors  : {actual:,} bytes")
print()
print("LLaMA-like: 32 layers, 32 query heads, d_head 128, T 8192, fp16, one sequence")
for name, kv_heads in (("MHA", 32), ("GQA", 8), ("MQA", 1)):
    size = 2 * 32 * kv_heads * 128 * 8192 * 2
    print(f"  {name}, {kv_heads:>2} kv heads : {size / 2**30:>6.3f} GiB  (1/{32 // kv_heads} of MHA)")
