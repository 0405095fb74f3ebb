"""A Transformer encoder block written from scratch equals torch.nn.TransformerEncoderLayer.

Look at: the largest difference from PyTorch for the pre-norm and the post-norm block (float64, so
it is at rounding level), then the parameter count per part, which adds up to 12*d^2 + 13*d when
d_ff = 4*d (12*d^2 from weight matrices, 13*d from biases and LayerNorm).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

D_MODEL = 64
N_HEADS = 4
D_FF = 4 * D_MODEL
BATCH, SEQ = 2, 10

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class Block(nn.Module):
    """Self-attention sublayer + position-wise FFN, each with a residual connection and LayerNorm."""

    def __init__(self, d, n_heads, d_ff, pre_norm):
        super().__init__()
        self.h, self.pre_norm = n_heads, pre_norm
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ff1, self.ff2 = nn.Linear(d, d_ff), nn.Linear(d_ff, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def attn(self, x):                                       # x: (B, T, d)
        B, T, d = x.shape
        split = lambda t: t.view(B, T, self.h, d // self.h).transpose(1, 2)  # (B, h, T, d_h)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        w = (q @ k.transpose(-2, -1) / math.sqrt(d // self.h)).softmax(-1)  # (B, h, T, T)
        return self.o((w @ v).transpose(1, 2).reshape(B, T, d))  # concat heads, project

    def ffn(self, x):                                        # same MLP at every position
        return self.ff2(F.gelu(self.ff1(x)))                 # d -> d_ff -> d

    def forward(self, x):
        if self.pre_norm:                                    # x = x + Sublayer(LN(x))
            x = x + self.attn(self.ln1(x))
            return x + self.ffn(self.ln2(x))
        x = self.ln1(x + self.attn(x))                       # x = LN(x + Sublayer(x))
        return self.ln2(x + self.ffn(x))


def copy_into(mine, ref):
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([mine.q.weight, mine.k.weight, mine.v.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([mine.q.bias, mine.k.bias, mine.v.bias]))
        pairs = [(ref.self_attn.out_proj, mine.o), (ref.linear1, mine.ff1), (ref.linear2, mine.ff2),
                 (ref.norm1, mine.ln1), (ref.norm2, mine.ln2)]
        for r, m in pairs:
            r.weight.copy_(m.weight)
            r.bias.copy_(m.bias)


print("from scratch vs nn.TransformerEncoderLayer (float64)")
x = torch.randn(BATCH, SEQ, D_MODEL, dtype=torch.float64, device=DEVICE)
for pre_norm in (True, False):
    mine = Block(D_MODEL, N_HEADS, D_FF, pre_norm).double().to(DEVICE)
    with torch.no_grad():                                    # LayerNorm starts at (1, 0): make
        for ln in (mine.ln1, mine.ln2):                      # it non-trivial so the copy is tested
            ln.weight.add_(0.1 * torch.randn_like(ln.weight))
            ln.bias.add_(0.1 * torch.randn_like(ln.bias))
    ref = nn.TransformerEncoderLayer(D_MODEL, N_HEADS, D_FF, dropout=0.0, activation="gelu",
                                     batch_first=True, norm_first=pre_norm).double().to(DEVICE)
    copy_into(mine, ref)
    y_mine, y_ref = mine(x), ref(x)
    assert torch.allclose(y_mine, y_ref, atol=1e-12, rtol=0)
    name = "pre-norm " if pre_norm else "post-norm"
    print(f"  {name}  output {tuple(y_mine.shape)}  max |diff| below 1e-12: True")

# position-wise: the FFN sees one position at a time; only attention mixes positions
per_position = torch.stack([mine.ffn(x[:, t]) for t in range(SEQ)], dim=1)   # (B, T, d)
assert torch.allclose(mine.ffn(x), per_position, atol=1e-12, rtol=0)
print("  FFN(whole sequence) == FFN(each position alone): True")

d, d_ff = D_MODEL, D_FF
parts = {
    "attention W_Q, W_K, W_V, W_O": 4 * d * d,
    "attention biases": 4 * d,
    "FFN W_1, W_2": 2 * d * d_ff,
    "FFN biases": d_ff + d,
    "2 LayerNorms (gain, bias)": 2 * 2 * d,
}
total = sum(parts.values())
print(f"\nparameters of one block (d_model={d}, d_ff={d_ff})")
for label, n in parts.items():
    print(f"  {label:<30}{n:>10,}")
print(f"  {'total':<30}{total:>10,}")
print(f"  {'12*d^2 + 13*d':<30}{12 * d * d + 13 * d:>10,}")
print(f"  {'sum(p.numel()), scratch':<30}{sum(p.numel() for p in mine.parameters()):>10,}")
print(f"  {'sum(p.numel()), PyTorch':<30}{sum(p.numel() for p in ref.parameters()):>10,}")
assert total == 12 * d * d + 13 * d
assert total == sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in ref.parameters())

print("\nGPT-2 small / BERT-base sized block (d_model=768, d_ff=3072)")
big = nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True)
n_big = sum(p.numel() for p in big.parameters())
assert n_big == 12 * 768**2 + 13 * 768
print(f"  {'12*d^2 (weights only)':<30}{12 * 768**2:>10,}")
print(f"  {'sum(p.numel())':<30}{n_big:>10,}")
print(f"  {'x 12 layers':<30}{12 * n_big:>10,}")
