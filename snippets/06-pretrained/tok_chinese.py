"""How many tokens does a character cost? Chinese vs English, as characters, words, bytes and BPE tokens.

Look at: a Chinese character is 3 UTF-8 bytes, so a byte-level tokenizer starts at 3 tokens per
Chinese character but 1 per English letter; BPE merges shrink both, and a bigger vocabulary helps
Chinese most. jieba words sit between characters and sentences. The figure plots tokens per character
against vocabulary size; the last table is what a vocabulary costs in embedding parameters.
"""
import json
import logging
import os
import sys
from pathlib import Path

import jieba
import matplotlib
import regex
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CORPUS = {"English": Path("snippets/corpus/en.txt"), "Chinese": Path("snippets/corpus/zh.txt")}
HELD_OUT = 0.1                          # the last 10% of paragraphs are kept out of training
VOCAB_SIZES = [256, 512, 1000, 2000, 4000, 8000, 16000]
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
jieba.setLogLevel(logging.WARNING)      # no "Building prefix dict" chatter

train, test = [], {}
for lang, path in CORPUS.items():
    try:                                # a missing or damaged corpus is a message, not a traceback
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"cannot read {path} ({type(exc).__name__}): run this program from a clone of the repository; "
                 "restore the file with `git checkout snippets/corpus`, or recreate it with: python scripts/corpus.py")
    cut = int(len(lines) * (1 - HELD_OUT))
    train += lines[:cut]
    test[lang] = "\n".join(lines[cut:])


def bytes_to_unicode():
    """GPT-2's table from byte to printable character, used by the byte-level pre-tokenizer."""
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    extra = [b for b in range(256) if b not in keep]
    return {b: chr(b) if b in keep else chr(256 + extra.index(b)) for b in range(256)}


CHAR2BYTE = {c: b for b, c in bytes_to_unicode().items()}


def show(tok, i):
    """A token as text, or as hex bytes when it holds only part of a character."""
    raw = bytes(CHAR2BYTE[c] for c in tok.id_to_token(i))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex(" ")


def train_bpe(vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, show_progress=False, special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def truncated(tok, vocab_size):
    """The same tokenizer with only its first vocab_size - 256 merges."""
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m) for m in model["merges"][:vocab_size - 256]]
    small = Tokenizer(models.BPE(vocab=model["vocab"], merges=merges))
    small.pre_tokenizer = tok.pre_tokenizer
    return small


def merges_of(tok):
    return json.loads(tok.to_str())["model"]["merges"]


big = train_bpe(VOCAB_SIZES[-1])
# Greedy training is a prefix process: a 1000-token BPE is the first 744 merges of the 16000-token one.
assert merges_of(train_bpe(1000)) == merges_of(big)[:1000 - 256]
for lang, text in test.items():
    assert big.decode(big.encode(text).ids) == text             # byte-level: exact round trip

# 1. One text, four ways to cut it.
han = regex.findall(r"\p{Han}", test["Chinese"])
assert all(len(ch.encode("utf-8")) == 3 for ch in han)         # every Chinese character: 3 bytes
ascii_share = sum(ch.isascii() for ch in test["Chinese"]) / len(test["Chinese"])
print(f"held-out text: {len(test['English']):,} English and {len(test['Chinese']):,} Chinese characters "
      f"({len(han):,} of them Han, {ascii_share:.0%} ASCII)")
print()
print(f"{'unit':<22} {'English':>10} {'Chinese':>10}   (tokens per character)")
words = {"English": lambda t: len(t.split()),                   # a word per space-separated run
         "Chinese": lambda t: sum(1 for w in jieba.lcut(t) if w.strip())}
rows = {
    "characters": lambda lang, t: len(t),
    "words (spaces / jieba)": lambda lang, t: words[lang](t),
    "UTF-8 bytes": lambda lang, t: len(t.encode("utf-8")),
}
for v in [1000, 16000]:
    rows[f"byte-level BPE, {v // 1000}K"] = lambda lang, t, v=v: len(truncated(big, v).encode(t).ids)
per_char = {}
for unit, count in rows.items():
    en, zh = (count(lang, test[lang]) / len(test[lang]) for lang in CORPUS)
    per_char[unit] = en, zh
    print(f"{unit:<22} {en:>10.3f} {zh:>10.3f}")
assert per_char["UTF-8 bytes"][1] > 2 * per_char["UTF-8 bytes"][0]
# The held-out paragraphs are roughly the same pages in both languages: compare whole-text token counts.
counts = [len(big.encode(test[lang]).ids) for lang in CORPUS]
print(f"{'tokens, 16K, in total':<22} {counts[0]:>10,} {counts[1]:>10,}   (about the same pages)")
assert 0.8 < counts[1] / counts[0] < 1.25                        # the same content costs about the same

sentence = "我们用一个小程序验证大模型的分词器。"
print()
print(f"sentence    : {sentence}")
print(f"characters  : {' '.join(sentence)}")
print(f"jieba words : {' / '.join(jieba.lcut(sentence))}")
print(f"UTF-8 bytes : {len(sentence.encode('utf-8'))} ({sentence[0]} = {sentence[0].encode('utf-8').hex(' ')})")
for v in [1000, 16000]:
    pieces = [show(big, i) for i in truncated(big, v).encode(sentence).ids]
    print(f"BPE {v // 1000:>2}K     : {' | '.join(pieces)}  ({len(pieces)} tokens)")

# 2. Tokens per character against vocabulary size.
print()
print(f"{'vocabulary':>10} {'English':>9} {'Chinese':>9} {'zh / en':>8}")
curve = {lang: [] for lang in CORPUS}
for v in VOCAB_SIZES:
    tok = truncated(big, v)
    for lang, text in test.items():
        curve[lang].append(len(tok.encode(text).ids) / len(text))
    print(f"{v:>10,} {curve['English'][-1]:>9.3f} {curve['Chinese'][-1]:>9.3f} "
          f"{curve['Chinese'][-1] / curve['English'][-1]:>8.2f}")
assert all(a > b for c in curve.values() for a, b in zip(c, c[1:]))       # more merges, fewer tokens
assert curve["Chinese"][0] / curve["Chinese"][-1] > curve["English"][0] / curve["English"][-1]

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4))
for lang, marker in [("English", "o"), ("Chinese", "s")]:
    ax.plot(VOCAB_SIZES, curve[lang], marker=marker, label=f"{lang}, byte-level BPE")
ax.axhline(1.0, color="gray", lw=0.8, ls="--", label="one token per character")
ax.set_xscale("log")
ax.set_xticks(VOCAB_SIZES, [f"{v:,}" for v in VOCAB_SIZES])
ax.set_xlabel("vocabulary size (log scale)")
ax.set_ylabel("tokens per character (held-out text)")
ax.set_title("Byte-level BPE trained on the bilingual corpus")
ax.legend()
fig.tight_layout()
fig.savefig(OUT_DIR / "tok_per_char.svg", metadata={"Date": None})
print("figure: tok_per_char.svg")

# 3. What a vocabulary costs: one d_model-wide row per token, in the input embedding (and the output head).
print()
print(f"{'model (config)':<18} {'vocab':>8} {'d_model':>8} {'embedding params':>17}")
for name, vocab, d in [("Llama 3 8B", 128256, 4096), ("Qwen2.5 7B", 152064, 3584),
                       ("DeepSeek-V3", 129280, 7168), ("this page, 16K", 16000, 256)]:
    print(f"{name:<18} {vocab:>8,} {d:>8,} {vocab * d / 1e6:>15,.0f} M")
