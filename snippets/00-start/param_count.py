"""A model's size follows from a few hyper-parameters: a formula checked against real PyTorch models.

Part 1 builds tiny GPT-2-, BERT- and LLaMA-style models and checks that the formula equals
sum(p.numel()) of the instantiated model (and that the tiny GPT really runs). Part 2 applies the same
formulas to published configurations and prints them next to the sizes the authors report. Look at
the last two columns: the embedding tables are a large share of a small model, while in a large model
almost everything is in the blocks, about 12 * layers * d^2. Part 3 turns parameters N and training
tokens D into training compute, C = 6 N D, and shows the compute-optimal split of Hoffmann et al.
(2022): at a fixed C, N and D trade off; as C grows, both grow as sqrt(C), about 20 tokens per parameter.
"""
import torch
from torch import nn

SEED = 0
TINY = {  # family: hyper-parameters of a tiny model of that family
    "gpt2": dict(vocab=100, ctx=16, d=32, layers=2, d_ff=128, n_head=4),
    "bert": dict(vocab=120, ctx=24, d=48, layers=3, d_ff=192, n_head=4),
    "llama": dict(vocab=90, d=64, layers=2, d_ff=172, n_head=8, n_kv_head=2),
}
PUBLIC = [  # name, family, hyper-parameters from the paper or released config, size as reported
    ("GPT-2 small", "gpt2", dict(vocab=50257, ctx=1024, d=768, layers=12, d_ff=3072, n_head=12), "124M"),
    ("GPT-2 medium", "gpt2", dict(vocab=50257, ctx=1024, d=1024, layers=24, d_ff=4096, n_head=16), "355M"),
    ("GPT-2 large", "gpt2", dict(vocab=50257, ctx=1024, d=1280, layers=36, d_ff=5120, n_head=20), "774M"),
    ("GPT-2 XL", "gpt2", dict(vocab=50257, ctx=1024, d=1600, layers=48, d_ff=6400, n_head=25), "1558M"),
    ("BERT-base", "bert", dict(vocab=30522, ctx=512, d=768, layers=12, d_ff=3072, n_head=12), "110M"),
    ("BERT-large", "bert", dict(vocab=30522, ctx=512, d=1024, layers=24, d_ff=4096, n_head=16), "340M"),
    ("LLaMA-7B", "llama", dict(vocab=32000, d=4096, layers=32, d_ff=11008, n_head=32, n_kv_head=32), "6.7B"),
    ("GPT-3 175B", "gpt2", dict(vocab=50257, ctx=2048, d=12288, layers=96, d_ff=49152, n_head=96), "175.0B"),
]
TRAINED = [  # name, parameters, training tokens, training FLOPs as reported (None: not reported)
    ("GPT-3 175B", 175e9, 300e9, 3.14e23),      # Brown et al. (2020), table D.1
    ("LLaMA-7B", 6.7e9, 1.0e12, None),          # Touvron et al. (2023)
    ("Chinchilla", 70e9, 1.4e12, None),         # Hoffmann et al. (2022)
]
TOKENS_PER_PARAM = 20                           # the compute-optimal ratio of Hoffmann et al. (2022)

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def gpt2_params(vocab, ctx, d, layers, d_ff, **_):
    """Learned positions, biases everywhere, LayerNorm (gain and bias), output head tied to tok."""
    block = (4 * d * d + 4 * d) + (2 * d * d_ff + d_ff + d) + 2 * 2 * d   # attention, FFN, 2 LayerNorms
    return vocab * d + ctx * d + layers * block + 2 * d                   # + final LayerNorm; head: 0


def bert_params(vocab, ctx, d, layers, d_ff, types=2, **_):
    """Token, position and segment embeddings + LayerNorm, post-norm blocks, pooler; no MLM head."""
    block = (4 * d * d + 4 * d) + (2 * d * d_ff + d_ff + d) + 2 * 2 * d
    return (vocab + ctx + types) * d + 2 * d + layers * block + (d * d + d)


def llama_params(vocab, d, layers, d_ff, n_head, n_kv_head, **_):
    """No biases, RMSNorm (gain only), SwiGLU FFN (3 matrices), RoPE (no weights), untied head."""
    d_kv = d // n_head * n_kv_head                                        # K, V width (GQA if < d)
    block = (2 * d * d + 2 * d * d_kv) + 3 * d * d_ff + 2 * d
    return vocab * d + layers * block + d + vocab * d                     # embed, blocks, norm, head


class GPT(nn.Module):
    def __init__(self, vocab, ctx, d, layers, d_ff, n_head):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(d, n_head, d_ff, dropout=0.0, activation="gelu",
                                                               batch_first=True, norm_first=True)
                                    for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight                  # weight tying: one tensor used twice

    def forward(self, ids):                                 # ids: (B, T) -> logits: (B, T, vocab)
        T = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(T, device=ids.device))
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=ids.device)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.ln_f(x))


def bert(vocab, ctx, d, layers, d_ff, n_head):
    return nn.ModuleDict(dict(
        tok=nn.Embedding(vocab, d), pos=nn.Embedding(ctx, d), seg=nn.Embedding(2, d), ln=nn.LayerNorm(d),
        blocks=nn.ModuleList(nn.TransformerEncoderLayer(d, n_head, d_ff, activation="gelu", batch_first=True)
                             for _ in range(layers)),
        pooler=nn.Linear(d, d)))


def llama(vocab, d, layers, d_ff, n_head, n_kv_head):
    def lin(i, o):
        return nn.Linear(i, o, bias=False)
    d_kv = d // n_head * n_kv_head
    blocks = nn.ModuleList(nn.ModuleDict(dict(
        norm1=nn.RMSNorm(d), q=lin(d, d), k=lin(d, d_kv), v=lin(d, d_kv), o=lin(d, d),
        norm2=nn.RMSNorm(d), w1=lin(d, d_ff), w3=lin(d, d_ff), w2=lin(d_ff, d))) for _ in range(layers))
    return nn.ModuleDict(dict(tok=nn.Embedding(vocab, d), blocks=blocks, norm=nn.RMSNorm(d), head=lin(d, vocab)))


FORMULA = {"gpt2": gpt2_params, "bert": bert_params, "llama": llama_params}
BUILD = {"gpt2": GPT, "bert": bert, "llama": llama}


def count(model):
    return sum(p.numel() for p in model.parameters())      # parameters() yields a shared tensor once


print("== tiny models: formula versus sum(p.numel()) ==")
for family, hp in TINY.items():
    model = BUILD[family](**hp).to(DEVICE)
    assert count(model) == FORMULA[family](**hp)
    print(f"{family:<6} formula {FORMULA[family](**hp):>8,}   instantiated {count(model):>8,}")

gpt, hp = GPT(**TINY["gpt2"]).to(DEVICE), TINY["gpt2"]
logits = gpt(torch.randint(0, hp["vocab"], (2, hp["ctx"]), device=DEVICE))
assert logits.shape == (2, hp["ctx"], hp["vocab"])         # the counted model is a working model
in_state_dict = sum(t.numel() for t in gpt.state_dict().values())
assert in_state_dict == count(gpt) + hp["vocab"] * hp["d"]  # state_dict lists the tied matrix twice
print(f"tied GPT: state_dict holds {in_state_dict:,} numbers = {count(gpt):,} + vocab*d (listed twice)")

print("\n== published configurations: formula ==")
print(f"{'model':<13} {'reported':>9} {'parameters':>16} {'embeddings':>11} {'12*L*d^2':>9}")
for name, family, hp, reported in PUBLIC:
    n = FORMULA[family](**hp)
    emb = hp["vocab"] * hp["d"] * (2 if family == "llama" else 1) + hp.get("ctx", 0) * hp["d"]  # + untied head
    print(f"{name:<13} {reported:>9} {n:>16,} {emb / n:>11.1%} {12 * hp['layers'] * hp['d'] ** 2 / n:>9.1%}")

B, T = 1e9, 1e12                                           # billions of parameters, trillions of tokens
print("\n== training compute C = 6 N D ==")
print(f"{'model':<11} {'N params':>9} {'D tokens':>9} {'D / N':>6} {'C FLOPs':>9}")
for name, n, d, reported in TRAINED:
    c = 6 * n * d                                          # 2ND forward + 4ND backward
    if reported is not None:
        assert abs(c / reported - 1) < 0.01                # the estimate matches the paper within 1%
    print(f"{name:<11} {n / B:>8.1f}B {d / T:>8.2f}T {d / n:>6.1f} {c:>9.3g}")
ratio = {name: d / n for name, n, d, _ in TRAINED}
assert ratio["GPT-3 175B"] < 2 and round(ratio["Chinchilla"]) == TOKENS_PER_PARAM


def optimal(c):                                            # C = 6 N D with D = 20 N  =>  N = sqrt(C / 120)
    n = (c / (6 * TOKENS_PER_PARAM)) ** 0.5
    return n, TOKENS_PER_PARAM * n


print(f"\n== compute-optimal split of a budget C, D = {TOKENS_PER_PARAM} N (arithmetic) ==")
print(f"{'compute C':>10} {'N params':>9} {'D tokens':>9}")
gpt3_c = 6 * TRAINED[0][1] * TRAINED[0][2]
for c in (gpt3_c, 10 * gpt3_c, 100 * gpt3_c):
    n, d = optimal(c)
    print(f"{c:>10.3g} {n / B:>8.1f}B {d / T:>8.2f}T")
