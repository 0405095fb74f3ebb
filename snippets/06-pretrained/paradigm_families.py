"""Encoder-only, decoder-only, encoder-decoder: the same block, different attention masks.

Look at: the three "who can see whom" tables. Each is measured, not assumed: change one input token
and record which output positions change. The encoder's table is full (every position sees every
token), the decoder's is lower-triangular (no position sees the future), and the encoder-decoder's
decoder sees the whole source but only the past of the target. The masks are checked against
PyTorch's own causal mask and `is_causal=True`.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, D_MODEL, N_HEADS, N_LAYERS = 50, 32, 4, 2
SRC_LEN, TGT_LEN = 5, 5

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64


class Block(nn.Module):
    """Pre-norm Transformer block; cross-attention only if the block is given `memory`."""

    def __init__(self, cross=False):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(D_MODEL), nn.LayerNorm(D_MODEL), nn.LayerNorm(D_MODEL)
        self.self_attn = nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True) if cross else None
        self.mlp = nn.Sequential(nn.Linear(D_MODEL, 4 * D_MODEL), nn.GELU(), nn.Linear(4 * D_MODEL, D_MODEL))

    def forward(self, x, allowed, memory=None):
        # allowed: [L, L] bool, True where query i may read key j (nn.MultiheadAttention wants the opposite)
        h = self.ln1(x)
        x = x + self.self_attn(h, h, h, attn_mask=~allowed, need_weights=False)[0]
        if memory is not None:                      # every target position reads every source position
            h = self.ln2(x)
            x = x + self.cross_attn(h, memory, memory, need_weights=False)[0]
        return x + self.mlp(self.ln3(x))


def bidirectional_mask(n):
    return torch.ones(n, n, dtype=torch.bool, device=DEVICE)          # encoder (BERT)


def causal_mask(n):
    return torch.tril(torch.ones(n, n, dtype=torch.bool, device=DEVICE))  # decoder (GPT): j <= i


# The masks against PyTorch's own: the float causal mask has -inf exactly where ours is False.
torch_causal = nn.Transformer.generate_square_subsequent_mask(TGT_LEN, device=DEVICE)
assert torch.equal(torch_causal == 0, causal_mask(TGT_LEN))
q, k, v = torch.randn(3, 1, 2, TGT_LEN, 8, dtype=DTYPE, device=DEVICE)
assert torch.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(TGT_LEN)),
                      F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-12)

embed = nn.Embedding(VOCAB, D_MODEL).to(DEVICE, DTYPE)
encoder = nn.ModuleList(Block() for _ in range(N_LAYERS)).to(DEVICE, DTYPE)
decoder = nn.ModuleList(Block() for _ in range(N_LAYERS)).to(DEVICE, DTYPE)
enc_dec = nn.ModuleList(Block(cross=True) for _ in range(N_LAYERS)).to(DEVICE, DTYPE)
for module in (embed, encoder, decoder, enc_dec):
    module.eval()


def run(blocks, tokens, allowed, memory=None):
    x = embed(tokens)                                               # [1, L, D_MODEL]
    for block in blocks:
        x = block(x, allowed, memory)
    return x[0]                                                      # [L, D_MODEL]


def encoder_only(src, tgt):
    return run(encoder, tgt, bidirectional_mask(TGT_LEN))


def decoder_only(src, tgt):
    return run(decoder, tgt, causal_mask(TGT_LEN))


def encoder_decoder(src, tgt):
    memory = run(encoder, src, bidirectional_mask(SRC_LEN))[None]     # [1, SRC_LEN, D_MODEL]
    return run(enc_dec, tgt, causal_mask(TGT_LEN), memory)


def who_sees_whom(model, which):
    """[out positions, in positions] bool: does output i change when input token j of `which` changes?"""
    src = torch.randint(0, VOCAB, (1, SRC_LEN), device=DEVICE)
    tgt = torch.randint(0, VOCAB, (1, TGT_LEN), device=DEVICE)
    with torch.no_grad():
        base = model(src, tgt)
        n_in = SRC_LEN if which == "src" else TGT_LEN
        seen = torch.zeros(TGT_LEN, n_in, dtype=torch.bool)
        for j in range(n_in):
            s, t = src.clone(), tgt.clone()
            seq = s if which == "src" else t                         # the sequence whose token j changes
            seq[0, j] = (seq[0, j] + 1) % VOCAB                       # change token j
            change = (model(s, t) - base).abs().amax(-1)              # [TGT_LEN]
            seen[:, j] = change.cpu() > 1e-9
    return seen


def show(title, seen, col):
    print(title)
    print("  out\\in " + " ".join(f"{col}{j}" for j in range(seen.shape[1])))
    for i, row in enumerate(seen):
        print(f"  pos {i}  " + " ".join(" x" if s else " ." for s in row))
    print()


print("x = the output at this position changes when that input token changes\n")
enc = who_sees_whom(encoder_only, "tgt")
dec = who_sees_whom(decoder_only, "tgt")
ed_src = who_sees_whom(encoder_decoder, "src")
ed_tgt = who_sees_whom(encoder_decoder, "tgt")
show("encoder-only (BERT): bidirectional mask", enc, "t")
show("decoder-only (GPT): causal mask", dec, "t")
show("encoder-decoder (T5), decoder outputs vs source tokens: cross-attention", ed_src, "s")
show("encoder-decoder (T5), decoder outputs vs target tokens: causal mask", ed_tgt, "t")

assert torch.equal(enc, bidirectional_mask(TGT_LEN).cpu())
assert torch.equal(dec, causal_mask(TGT_LEN).cpu())
assert ed_src.all()
assert torch.equal(ed_tgt, causal_mask(TGT_LEN).cpu())

# The one-line version: change the LAST token and look at position 0.
src = torch.randint(0, VOCAB, (1, SRC_LEN), device=DEVICE)
tgt = torch.randint(0, VOCAB, (1, TGT_LEN), device=DEVICE)
tgt2 = tgt.clone()
tgt2[0, -1] = (tgt[0, -1] + 1) % VOCAB
print("change the last token; largest change of the output at position 0:")
with torch.no_grad():
    for name, model in [("encoder-only", encoder_only), ("decoder-only", decoder_only),
                        ("encoder-decoder", encoder_decoder)]:
        delta = (model(src, tgt2)[0] - model(src, tgt)[0]).abs().max().item()
        print(f"  {name:<16} {delta:.4f}")
        assert (delta > 1e-3) if name == "encoder-only" else (delta == 0.0)
