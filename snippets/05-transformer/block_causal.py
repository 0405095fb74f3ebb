"""With a causal mask, changing future tokens cannot change the outputs at earlier positions.

Look at: in a GPT-like decoder-only stack, the change at positions 0..T_CUT is exactly 0 with the
causal mask and non-zero without it. In an encoder-decoder (original Transformer / T5 layout), the
decoder is causal in the target but its cross-attention reads the whole source: changing the last
source token changes every target position.
"""
import torch
import torch.nn as nn

VOCAB = 50
D_MODEL, N_HEADS, D_FF = 32, 4, 128
N_LAYERS = 2
BATCH, SEQ = 4, 8
T_CUT = 3                                  # tokens at positions > T_CUT are replaced

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def layer(kind):                           # pre-norm, GELU, no dropout
    cls = nn.TransformerEncoderLayer if kind == "enc" else nn.TransformerDecoderLayer
    return cls(D_MODEL, N_HEADS, D_FF, dropout=0.0, activation="gelu",
               batch_first=True, norm_first=True)


tok_emb = nn.Embedding(VOCAB, D_MODEL).to(DEVICE)
pos_emb = nn.Embedding(SEQ, D_MODEL).to(DEVICE)      # learned positions
dec_only = nn.ModuleList(layer("enc") for _ in range(N_LAYERS)).to(DEVICE)  # GPT-like: no cross-attn
encoder = nn.ModuleList(layer("enc") for _ in range(N_LAYERS)).to(DEVICE)
decoder = nn.ModuleList(layer("dec") for _ in range(N_LAYERS)).to(DEVICE)
# pre-norm stacks end with a LayerNorm: one for each stack
ln_dec_only, ln_enc, ln_dec = (nn.LayerNorm(D_MODEL).to(DEVICE) for _ in range(3))

# nn.MultiheadAttention convention: True = "may NOT attend". Row i blocks columns j > i.
causal = torch.triu(torch.ones(SEQ, SEQ, dtype=torch.bool, device=DEVICE), diagonal=1)


def embed(tokens):                         # (B, T) -> (B, T, d)
    return tok_emb(tokens) + pos_emb(torch.arange(tokens.shape[1], device=DEVICE))


def decoder_only(tokens, mask):
    x = embed(tokens)
    for blk in dec_only:
        x = blk(x, src_mask=mask)          # masked self-attention + FFN
    return ln_dec_only(x)


def encoder_decoder(src, tgt):
    memory = embed(src)
    for blk in encoder:                    # bidirectional self-attention: no mask
        memory = blk(memory)
    memory = ln_enc(memory)
    y = embed(tgt)
    for blk in decoder:                    # masked self-attn, cross-attn to memory, FFN
        y = blk(y, memory, tgt_mask=causal)
    return ln_dec(y)


def change_per_position(a, b):             # (B, T, d) -> (T,): max |a - b| per position
    return (a - b).abs().amax(dim=(0, 2))


tokens = torch.randint(0, VOCAB, (BATCH, SEQ), device=DEVICE)
edited = tokens.clone()                    # same past, different future
edited[:, T_CUT + 1:] = (tokens[:, T_CUT + 1:] + torch.randint(1, VOCAB, (BATCH, SEQ - T_CUT - 1),
                                                                   device=DEVICE)) % VOCAB
src = torch.randint(0, VOCAB, (BATCH, SEQ), device=DEVICE)
src_edited = src.clone()
src_edited[:, -1] = (src[:, -1] + 1) % VOCAB

with torch.no_grad():
    with_mask = change_per_position(decoder_only(tokens, causal), decoder_only(edited, causal))
    no_mask = change_per_position(decoder_only(tokens, None), decoder_only(edited, None))
    tgt_future = change_per_position(encoder_decoder(src, tokens), encoder_decoder(src, edited))
    src_last = change_per_position(encoder_decoder(src, tokens), encoder_decoder(src_edited, tokens))

past = slice(0, T_CUT + 1)
assert torch.all(with_mask[past] == 0) and torch.all(with_mask[T_CUT + 1:] > 0)
assert torch.all(no_mask > 1e-3)
assert torch.all(tgt_future[past] == 0) and torch.all(tgt_future[T_CUT + 1:] > 0)
assert torch.all(src_last > 1e-3)

print(f"tokens at positions > {T_CUT} replaced; max |change| of the output at each position")
print(f"{'position':>8}  {'causal mask':>11}  {'no mask':>8}  {'enc-dec: tgt':>12}  {'enc-dec: src':>12}")
for t in range(SEQ):
    print(f"{t:>8}  {with_mask[t].item():>11.4f}  {no_mask[t].item():>8.4f}  "
          f"{tgt_future[t].item():>12.4f}  {src_last[t].item():>12.4f}")
print(f"\npositions 0..{T_CUT} unchanged with the causal mask (exactly): "
      f"{bool(torch.all(with_mask[past] == 0))}")
print("enc-dec: tgt = future target tokens replaced; src = last source token replaced")
