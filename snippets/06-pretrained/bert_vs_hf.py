"""A BERT encoder written from scratch equals Hugging Face BertLayer and BertForMaskedLM, with copied weights.

Look at: one post-norm encoder layer against BertLayer, then the whole masked-LM model (token + position +
segment embeddings, 2 layers, MLM head tied to the word embeddings) against BertForMaskedLM on a padded
batch: logits agree to ~1e-15 and the masked-token loss is the same number. Then three properties of a
bidirectional encoder: changing a late token (10) changes the output at an early position (1), which a causal
decoder could not do; padding changes nothing at real positions; and a sentence embedding by mean pooling
must leave the padding out. Last, BERT-base and BERT-large parameter counts from their hyper-parameters.
"""
import math

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertForMaskedLM, BertModel
from transformers.utils import logging

VOCAB, MAX_POS, D, N_HEAD, N_LAYER, D_FF = 100, 64, 32, 4, 2, 64   # a tiny BERT
INIT_STD = 0.3
EPS = 1e-12                        # BERT's layer-norm epsilon
ATOL = 1e-10

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
HEAD = D // N_HEAD
logging.set_verbosity_error()


def rand(*shape):
    return (torch.randn(*shape, dtype=DTYPE) * INIT_STD).to(DEVICE)


# Our weights, under the library's names; nn.Linear stores [out, in]: y = x @ W.T + b.
W = {"bert.embeddings.word_embeddings.weight": rand(VOCAB, D),
     "bert.embeddings.position_embeddings.weight": rand(MAX_POS, D),
     "bert.embeddings.token_type_embeddings.weight": rand(2, D),       # segment A = 0, segment B = 1
     "bert.embeddings.LayerNorm.weight": 1 + rand(D), "bert.embeddings.LayerNorm.bias": rand(D)}
for i in range(N_LAYER):
    p = f"bert.encoder.layer.{i}."
    for name, shape in [("attention.self.query", (D, D)), ("attention.self.key", (D, D)),
                        ("attention.self.value", (D, D)), ("attention.output.dense", (D, D)),
                        ("intermediate.dense", (D_FF, D)), ("output.dense", (D, D_FF))]:
        W[p + name + ".weight"], W[p + name + ".bias"] = rand(*shape), rand(shape[0])
    for name in ["attention.output.LayerNorm", "output.LayerNorm"]:
        W[p + name + ".weight"], W[p + name + ".bias"] = 1 + rand(D), rand(D)
W.update({"cls.predictions.transform.dense.weight": rand(D, D), "cls.predictions.transform.dense.bias": rand(D),
          "cls.predictions.transform.LayerNorm.weight": 1 + rand(D),
          "cls.predictions.transform.LayerNorm.bias": rand(D), "cls.predictions.bias": rand(VOCAB)})
W["cls.predictions.decoder.weight"] = W["bert.embeddings.word_embeddings.weight"]   # tied output layer
W["cls.predictions.decoder.bias"] = W["cls.predictions.bias"]


def linear(x, name):
    return x @ W[name + ".weight"].T + W[name + ".bias"]


def layer_norm(x, name):
    return F.layer_norm(x, (D,), W[name + ".weight"], W[name + ".bias"], EPS)


def encoder_layer(x, add_mask, i):
    """Post-norm: x = LN(x + attn(x)); x = LN(x + FFN(x)). x: [B, T, D]; add_mask: [B, 1, 1, T] (0 or -inf)."""
    p = f"bert.encoder.layer.{i}."
    B, T, _ = x.shape
    q, k, v = (linear(x, p + f"attention.self.{n}").view(B, T, N_HEAD, HEAD).transpose(1, 2)
               for n in ("query", "key", "value"))                    # [B, h, T, d_head]
    scores = q @ k.transpose(-2, -1) / math.sqrt(HEAD) + add_mask     # [B, h, T, T]; no causal mask
    att = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)   # concatenate the heads
    x = layer_norm(x + linear(att, p + "attention.output.dense"), p + "attention.output.LayerNorm")
    h = F.gelu(linear(x, p + "intermediate.dense"))                   # exact (erf) GELU
    return layer_norm(x + linear(h, p + "output.dense"), p + "output.LayerNorm")


def bert_mlm(ids, type_ids, attention_mask):
    """ids, type_ids, attention_mask (1 = real token, 0 = padding): [B, T]. Returns (hidden, logits)."""
    e = "bert.embeddings."
    pos = torch.arange(ids.size(1), device=DEVICE)
    x = W[e + "word_embeddings.weight"][ids] + W[e + "position_embeddings.weight"][pos] \
        + W[e + "token_type_embeddings.weight"][type_ids]             # three embeddings, summed
    x = layer_norm(x, e + "LayerNorm")
    add_mask = torch.zeros(attention_mask.shape, dtype=DTYPE, device=DEVICE)
    add_mask = add_mask.masked_fill(attention_mask == 0, float("-inf"))[:, None, None, :]  # no key is padding
    for i in range(N_LAYER):
        x = encoder_layer(x, add_mask, i)
    h = layer_norm(F.gelu(linear(x, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm")
    return x, h @ W["cls.predictions.decoder.weight"].T + W["cls.predictions.bias"]   # [B, T, VOCAB]


config = BertConfig(vocab_size=VOCAB, hidden_size=D, num_hidden_layers=N_LAYER, num_attention_heads=N_HEAD,
                    intermediate_size=D_FF, max_position_embeddings=MAX_POS, type_vocab_size=2,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
model = BertForMaskedLM(config).to(DEVICE, DTYPE).eval()
model.load_state_dict(W)           # strict: every parameter of the library's model is set

# A padded batch: sequence 0 is a pair [CLS] A [SEP] B [SEP] (12 tokens), sequence 1 a single text of 7.
CLS_ID, SEP_ID, PAD_ID, MASK_ID = 2, 3, 0, 4
ids = torch.randint(5, VOCAB, (2, 12))
ids[0, [0, 6, 11]] = torch.tensor([CLS_ID, SEP_ID, SEP_ID])
ids[1, [0, 6]] = torch.tensor([CLS_ID, SEP_ID])
ids[1, 7:] = PAD_ID
type_ids = torch.zeros_like(ids)
type_ids[0, 7:] = 1                                                   # segment B of the pair
attention_mask = (ids != PAD_ID).long()
labels = torch.full_like(ids, -100)
for b, t in [(0, 2), (0, 8), (1, 3)]:                                 # three selected positions
    labels[b, t] = ids[b, t]
    ids[b, t] = MASK_ID
ids, type_ids, attention_mask, labels = (t.to(DEVICE) for t in (ids, type_ids, attention_mask, labels))

print("== one encoder layer against BertLayer ==")
x = rand(2, 12, D)
add_mask = torch.zeros(2, 1, 1, 12, dtype=DTYPE, device=DEVICE).masked_fill(
    attention_mask[:, None, None, :] == 0, torch.finfo(DTYPE).min)
with torch.no_grad():
    lib_layer = model.bert.encoder.layer[0](x, attention_mask=add_mask)
    lib_layer = lib_layer[0] if isinstance(lib_layer, tuple) else lib_layer
    mine_layer = encoder_layer(x, add_mask, 0)
assert torch.allclose(mine_layer, lib_layer, atol=ATOL, rtol=0)
print(f"max |ours - BertLayer|       : {(mine_layer - lib_layer).abs().max().item():.1e}")

print("\n== the whole model against BertForMaskedLM (padded batch, segment ids) ==")
with torch.no_grad():
    hidden, logits = bert_mlm(ids, type_ids, attention_mask)
    out = model(input_ids=ids, token_type_ids=type_ids, attention_mask=attention_mask, labels=labels,
                output_hidden_states=True)
assert torch.allclose(logits, out.logits, atol=ATOL, rtol=0)
loss = F.cross_entropy(logits.reshape(-1, VOCAB), labels.reshape(-1), ignore_index=-100)
assert abs(loss.item() - out.loss.item()) < ATOL
print(f"logits shape                 : {list(logits.shape)}")
print(f"max |ours - library| logits  : {(logits - out.logits).abs().max().item():.1e}")
print(f"positions scored (label set) : {(labels != -100).sum().item()} of {attention_mask.sum().item()} real tokens")
print(f"MLM loss, ours               : {loss.item():.6f}")
print(f"MLM loss, library            : {out.loss.item():.6f}")
print(f"uniform guess, ln V          : {math.log(VOCAB):.6f}")

print("\n== a bidirectional encoder sees both sides ==")
changed = ids.clone()
changed[0, 10] = 7 if ids[0, 10] != 7 else 8                          # change the last word before [SEP]
with torch.no_grad():
    h2, _ = bert_mlm(changed, type_ids, attention_mask)
    padded = ids.clone()
    padded[1, 7:] = 9                                                 # other ids at the padded positions
    h3, _ = bert_mlm(padded, type_ids, attention_mask)
first = (h2[0, 1] - hidden[0, 1]).abs().max().item()
assert first > 0.01
print(f"change token 10; output at position 1 moves by   : {first:.4f}  (0 in a causal decoder)")
real = attention_mask.bool()
pad_effect = (h3[real] - hidden[real]).abs().max().item()
assert pad_effect == 0.0
print(f"change the padding; real positions move by       : {pad_effect + 0.0:.4f}")

print("\n== a sentence embedding: mean of the token vectors, padding left out ==")
m = attention_mask[..., None].to(DTYPE)                              # [B, T, 1]
pooled = (hidden * m).sum(1) / m.sum(1)                               # masked mean pooling [B, D]
with torch.no_grad():
    alone, _ = bert_mlm(ids[1:, :7], type_ids[1:, :7], attention_mask[1:, :7])   # sequence 1, no padding
naive = hidden[1].mean(0)                                             # averages the 5 padded positions too
assert torch.allclose(pooled[1], alone[0].mean(0), atol=ATOL)
print(f"masked mean vs. run alone, max diff : below {ATOL:.0e}")          # ~1e-15; last digits vary with threads
print(f"naive mean vs. run alone, max diff  : {(naive - alone[0].mean(0)).abs().max().item():.4f}")
print(f"embedding size                      : {pooled.shape[-1]}")

print("\n== parameter counts from the published hyper-parameters (meta device, nothing downloaded) ==")
for name, layers, d, heads in [("BERT-base", 12, 768, 12), ("BERT-large", 24, 1024, 16)]:
    cfg = BertConfig(vocab_size=30522, hidden_size=d, num_hidden_layers=layers, num_attention_heads=heads,
                     intermediate_size=4 * d, max_position_embeddings=512, type_vocab_size=2)
    with torch.device("meta"):
        n_lib = sum(p.numel() for p in BertModel(cfg).parameters())  # includes the [CLS] pooler
    emb = (30522 + 512 + 2) * d + 2 * d                                # three tables + layer norm
    per_layer = 4 * (d * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d) + 2 * d
    ours = emb + layers * per_layer + (d * d + d)                      # + pooler dense
    assert ours == n_lib
    print(f"{name:10s} L={layers:2d} d={d:4d} heads={heads:2d} : {ours:,} parameters")
