"""BERT's masking (15% selected; of those 80% [MASK], 10% random, 10% unchanged) equals the library's collator.

Look at: a WordPiece tokenizer built here on the shipped corpus, with [CLS], [SEP] and segment ids;
one sentence before and after masking; the assertion that our masking function, given a generator with
the same seed, produces exactly the inputs and labels of DataCollatorForLanguageModeling; the fractions
over the whole corpus next to 15/80/10/10, each within 4 standard errors; no special token ever selected;
and dynamic masking: the same collator called twice masks different positions.
"""
import os
import sys
from collections import Counter
from pathlib import Path

import matplotlib
import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertTokenizerFast, DataCollatorForLanguageModeling

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CORPUS = Path("snippets/corpus/en.txt")
TRAIN_LINES = 400                  # paragraphs used to build the vocabulary
VOCAB_SIZE = 2000                  # specials + characters + word endings + whole words
N_SUFFIXES = 300                   # most frequent word endings kept as ## pieces
MAX_LEN = 128                      # each paragraph becomes one sequence, cut to this many tokens
MLM_P, MASK_P, RANDOM_P = 0.15, 0.8, 0.1    # select 15%; of those 80% [MASK], 10% random, 10% unchanged
SEED = 0
TOLERANCE = 4                      # allowed distance from the nominal fraction, in standard errors

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"   # masking is cheap: everything runs on the CPU
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

try:                                    # a missing or damaged corpus is a message, not a traceback
    paragraphs = CORPUS.read_text(encoding="utf-8").splitlines()
except (OSError, UnicodeDecodeError) as exc:
    sys.exit(f"{CORPUS}: cannot read it ({type(exc).__name__}). Run this program from a clone of the repository; "
             "restore the file with `git checkout snippets/corpus`, or recreate it with: python scripts/corpus.py")

# --- a small BERT-style WordPiece vocabulary, counted here (nothing downloaded) ---
# (The `tokenizers` WordPiece trainer breaks ties in hash order, so its vocabulary changes from run to run;
# counting keeps this program's output reproducible. Encoding is WordPiece's greedy longest match either way.)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
normalizer, pre_tok = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
words = Counter(w for p in paragraphs[:TRAIN_LINES] for w, _ in pre_tok.pre_tokenize_str(normalizer.normalize_str(p)))
chars = sorted({c for w in words for c in w})
suffixes = Counter()
for w, n in words.items():
    for k in range(2, min(len(w), 6)):              # word endings of 2-5 characters: ##ed, ##ing, ##ised, ...
        suffixes["##" + w[-k:]] += n
by_count = lambda c: sorted(c, key=lambda t: (-c[t], t))                           # noqa: E731
pieces = SPECIALS + chars + ["##" + c for c in chars] + by_count(suffixes)[:N_SUFFIXES]
pieces += [w for w in by_count(words) if w not in pieces][:VOCAB_SIZE - len(pieces)]
tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(pieces)}, unk_token="[UNK]"))
tok.normalizer, tok.pre_tokenizer = normalizer, pre_tok
PAD, UNK, CLS, SEP, MASK = range(5)
tok.post_processor = processors.TemplateProcessing(          # [CLS] A [SEP] B [SEP], segments 0 and 1
    single="[CLS] $A [SEP]", pair="[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1", special_tokens=[("[CLS]", CLS), ("[SEP]", SEP)])
tok.decoder = decoders.WordPiece()
hf_tok = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                           sep_token="[SEP]", mask_token="[MASK]")

print("== a sentence pair, as BERT sees it ==")
pair = tok.encode("Attention weights are normalised.", "BERT reads both sides.")
print(f"tokens      : {' '.join(pair.tokens)}")
print(f"segment ids : {' '.join(str(t) for t in pair.type_ids)}")


def mask_tokens(ids, special, gen, vocab_size, mask_id):
    """BERT's masking. ids, special: [B, T]. Returns (inputs, labels, decisions) with labels -100 where not selected."""
    prob = torch.full(ids.shape, MLM_P).masked_fill(special, 0.0)       # special tokens are never selected
    selected = torch.bernoulli(prob, generator=gen).bool()              # ~15% of the other positions
    labels = torch.where(selected, ids, torch.full_like(ids, -100))     # loss only on selected positions
    to_mask = torch.bernoulli(torch.full(ids.shape, MASK_P), generator=gen).bool() & selected   # 80%
    rest = RANDOM_P / (1 - MASK_P)                                      # 0.1 of the remaining 0.2 -> 0.5
    to_random = torch.bernoulli(torch.full(ids.shape, rest), generator=gen).bool() & selected & ~to_mask
    random_ids = torch.randint(vocab_size, ids.shape, generator=gen)    # any id of the vocabulary
    inputs = ids.clone()
    inputs[to_mask] = mask_id
    inputs[to_random] = random_ids[to_random]
    return inputs, labels, (selected, to_mask, to_random, selected & ~to_mask & ~to_random)


# --- the whole corpus as one padded batch [B, T] ---
rows = [e.ids for e in tok.encode_batch(paragraphs)]
rows = [r[:MAX_LEN - 1] + [SEP] if len(r) > MAX_LEN else r for r in rows]      # cut, keep the final [SEP]
T = max(len(r) for r in rows)
ids = torch.tensor([r + [PAD] * (T - len(r)) for r in rows])                    # right padding
special = torch.isin(ids, torch.tensor([PAD, UNK, CLS, SEP, MASK]))             # what the library treats as special

gen = torch.Generator().manual_seed(SEED)
inputs, labels, (selected, to_mask, to_random, kept) = mask_tokens(ids, special, gen, len(hf_tok), MASK)
collator = DataCollatorForLanguageModeling(hf_tok, mlm_probability=MLM_P, seed=SEED)
examples = [{"input_ids": r} for r in ids.tolist()]                            # already padded: same batch
lib = collator(examples)
assert torch.equal(inputs, lib["input_ids"]) and torch.equal(labels, lib["labels"])

print("\n== one sequence, first 16 tokens ==")
show = lambda t: [hf_tok.convert_ids_to_tokens(i) if i != -100 else "-" for i in t[0, :16].tolist()]  # noqa: E731
print(f"original : {' '.join(show(ids))}")
print(f"input    : {' '.join(show(inputs))}")
print(f"labels   : {' '.join(show(labels))}")

print(f"\n== ours versus DataCollatorForLanguageModeling(mlm_probability={MLM_P}, seed={SEED}) ==")
print(f"batch shape        : {list(ids.shape)}")
print("inputs identical   : yes")
print("labels identical   : yes (-100 on every position that was not selected)")

# --- statistics: decisions of our function; the library's output judged by what it contains ---
eligible = (~special).sum().item()
n_sel = selected.sum().item()
lib_sel = lib["labels"] != -100
lib_mask = (lib["input_ids"] == MASK) & lib_sel
lib_same = (lib["input_ids"] == ids) & lib_sel
lib_other = lib_sel & ~lib_mask & ~lib_same
rows_out = [  # name, nominal, ours, library, n (the count the fraction is taken over)
    ("selected / eligible", MLM_P, n_sel / eligible, lib_sel.sum().item() / eligible, eligible),
    ("[MASK] / selected", MASK_P, to_mask.sum().item() / n_sel, lib_mask.sum().item() / n_sel, n_sel),
    ("random / selected", RANDOM_P, to_random.sum().item() / n_sel, lib_other.sum().item() / n_sel, n_sel),
    ("unchanged / selected", 1 - MASK_P - RANDOM_P, kept.sum().item() / n_sel, lib_same.sum().item() / n_sel, n_sel),
]
print(f"\n== fractions over {eligible:,} eligible tokens ({n_sel:,} selected) ==")
print(f"{'':22s} {'nominal':>8s} {'ours':>8s} {'library':>8s} {'std err':>8s} {'|z| ours':>9s}")
for name, nominal, ours, library, n in rows_out:
    se = (nominal * (1 - nominal) / n) ** 0.5            # binomial standard error of a fraction of n
    z = abs(ours - nominal) / se
    assert z < TOLERANCE and abs(library - nominal) < TOLERANCE * se
    print(f"{name:22s} {nominal:8.4f} {ours:8.4f} {library:8.4f} {se:8.4f} {z:9.2f}")
print("(library 'random' = changed to a token other than [MASK]; a random draw can hit the original token)")
n_random = to_random.sum().item()
hit_orig = (to_random & (inputs == ids)).sum().item()      # random id = the original: looks unchanged
hit_mask = (to_random & (inputs == MASK)).sum().item()     # random id = [MASK]: looks masked
assert lib_other.sum().item() == n_random - hit_orig - hit_mask
print(f"random draws that hit the original / [MASK] : {hit_orig} / {hit_mask} (of {n_random:,} random replacements)")
assert not (selected & special).any()
print(f"special tokens selected : {(selected & special).sum().item()} of {special.sum().item():,}")

print("\n== dynamic masking: the same collator, called again on the same batch ==")
again = collator(examples)["labels"] != -100
both = (again & lib_sel).sum().item()
assert not torch.equal(again, lib_sel)
print(f"selected in call 1      : {lib_sel.sum().item():,}")
print(f"selected in call 2      : {again.sum().item():,}")
print(f"selected in both        : {both:,} ({both / lib_sel.sum().item():.3f} of call 1; "
      f"independent draws give ~{MLM_P})")
restart = DataCollatorForLanguageModeling(hf_tok, mlm_probability=MLM_P, seed=SEED)(examples)["labels"]
assert torch.equal(restart, lib["labels"])
print("new collator, same seed : the mask of call 1 again (static masking)")

# --- figure: the four fractions, ours and the library's, with 4-standard-error bars ---
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 3.6))
x = torch.arange(len(rows_out)).float()
ax.bar(x - 0.2, [r[2] for r in rows_out], 0.4, label="ours", color="#4c72b0",
       yerr=[TOLERANCE * (r[1] * (1 - r[1]) / r[4]) ** 0.5 for r in rows_out], capsize=3)
ax.bar(x + 0.2, [r[3] for r in rows_out], 0.4, label="DataCollatorForLanguageModeling", color="#dd8452")
for xi, r in zip(x.tolist(), rows_out):
    ax.hlines(r[1], xi - 0.42, xi + 0.42, colors="black", linestyles="dashed", linewidth=1)
ax.set_xticks(x.tolist(), ["selected\n/ eligible", "[MASK]\n/ selected", "random\n/ selected",
                           "unchanged\n/ selected"])
ax.set_ylabel("fraction")
nominal = " / ".join(f"{100 * r[1]:.0f}" for r in rows_out)                     # 15 / 80 / 10 / 10 by default
ax.set_title(f"BERT masking on the corpus (dashed: nominal {nominal})")
ax.set_ylim(0, 1.05)
ax.legend(frameon=False, loc="upper right")
fig.tight_layout()
fig.savefig(OUT_DIR / "bert_masking.svg", metadata={"Date": None})
print("\nfigure: bert_masking.svg")
