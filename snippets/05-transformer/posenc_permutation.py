"""Self-attention without positions cannot tell word order; adding positions fixes that.

Look at the "max |attn(x[perm]) - attn(x)[perm]|" block: without positions, attention on a
shuffled sequence equals the shuffled output (difference ~0); with sinusoidal or learned
position vectors added to the input it does not, and a causal mask alone also breaks the
symmetry. The last block shows that a learned table has a fixed number of rows.
"""
import math

import torch

T, D = 6, 16          # sequence length, model width
MAX_LEN = 8           # rows of the learned position table

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.set_default_dtype(torch.float64)   # compare to ~1e-12, not float32 noise

W_q, W_k, W_v = (torch.randn(D, D, device=DEVICE) / math.sqrt(D) for _ in range(3))


def self_attention(x, causal=False):                      # x: (T, D)
    q, k, v = x @ W_q, x @ W_k, x @ W_v                   # (T, D) each
    scores = q @ k.T / math.sqrt(D)                       # (T, T)
    if causal:                                            # token t sees tokens <= t
        future = torch.ones(T, T, dtype=torch.bool, device=DEVICE).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v              # (T, D)


def sinusoidal(n, d):                                     # (n, d) table
    pos = torch.arange(n, device=DEVICE).unsqueeze(1)                 # (n, 1)
    freq = 10000.0 ** (-torch.arange(0, d, 2, device=DEVICE) / d)     # (d/2,)
    pe = torch.zeros(n, d, device=DEVICE)
    pe[:, 0::2] = torch.sin(pos * freq)                   # PE(pos, 2i)
    pe[:, 1::2] = torch.cos(pos * freq)                   # PE(pos, 2i+1)
    return pe


x = torch.randn(T, D, device=DEVICE)                      # T token embeddings
perm = torch.randperm(T, device=DEVICE)                   # a shuffle of the tokens

# 1. No positions: attn(x[perm]) == attn(x)[perm]  (permutation-equivariant)
plain_gap = (self_attention(x[perm]) - self_attention(x)[perm]).abs().max()
assert torch.allclose(self_attention(x[perm]), self_attention(x)[perm], atol=1e-12)

# 2. Sinusoidal positions: position t is added to whatever token sits at slot t
pe = sinusoidal(T, D)
sin_gap = (self_attention(x[perm] + pe) - self_attention(x + pe)[perm]).abs().max()
assert sin_gap > 0.05

# 3. Learned positions (GPT-2/BERT style): a trainable table, one row per position
learned = torch.nn.Embedding(MAX_LEN, D).to(DEVICE)
with torch.no_grad():
    pe_learned = learned(torch.arange(T, device=DEVICE))  # (T, D)
    learned_gap = (self_attention(x[perm] + pe_learned)
                   - self_attention(x + pe_learned)[perm]).abs().max()
assert learned_gap > 0.05

# 4. A causal mask is tied to slots too, so it alone already breaks the symmetry
causal_gap = (self_attention(x[perm], causal=True)
              - self_attention(x, causal=True)[perm]).abs().max()
assert causal_gap > 0.05

print("shuffle of the tokens")
print("  perm                      :", perm.tolist())
print()
print("max |attn(x[perm]) - attn(x)[perm]|")
print(f"  no positions              : {plain_gap.item():.4f}")
print(f"  + sinusoidal positions    : {sin_gap.item():.4f}")
print(f"  + learned positions       : {learned_gap.item():.4f}")
print(f"  causal mask, no positions : {causal_gap.item():.4f}")

# 5. A learned table stops at MAX_LEN: there is no row for position MAX_LEN
#    (looked up on the CPU: an out-of-range index on a GPU is a fatal device error)
try:
    torch.nn.functional.embedding(torch.tensor([MAX_LEN]), learned.weight.detach().cpu())
    raised = False
except (IndexError, RuntimeError):
    raised = True
assert raised
print()
print("learned table")
print(f"  rows (MAX_LEN)            : {learned.num_embeddings}")
print(f"  {'lookup of position ' + str(MAX_LEN):<26}: error (no such row)")
