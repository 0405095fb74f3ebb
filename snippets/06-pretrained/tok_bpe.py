"""Byte-level BPE from scratch gives the same merges and ids as Hugging Face `tokenizers`.

Look at: the first merges learned from the bilingual corpus (byte pairs shared by common Chinese
characters, e4 b8 and ef bc, alongside common English pieces ' t' and 'he'; rank 9 completes 的),
how many merges the tie-break decided, the assertion that every merge and every vocabulary id equals the
library's (again with a min_frequency that stops training early), and the round trip:
decode(encode(text)) == text, English and Chinese.
"""
import heapq
import json
import sys
from collections import Counter
from pathlib import Path

import regex                       # like `re`, but knows \p{L} (any letter) and \p{N} (any number)
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

CORPUS = [Path("snippets/corpus/en.txt"), Path("snippets/corpus/zh.txt")]
LINES = 300                        # paragraphs taken from each language for training
VOCAB_SIZE = 1000                  # 256 byte symbols + 744 merges
MIN_FREQUENCY = 2                  # a pair seen fewer times is never merged

# GPT-2's pre-tokenizer: contractions, letters with an optional leading space, numbers, other symbols, spaces.
GPT2_SPLIT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's table: each of the 256 bytes gets a printable character (a space 0x20 becomes 'Ġ')."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)          # unprintable bytes are moved past 255
            extra += 1
    return table


BYTE2CHAR = bytes_to_unicode()
CHAR2BYTE = {c: b for b, c in BYTE2CHAR.items()}


def pre_tokenize(text):
    """Text -> list of words, each word spelled with one printable character per UTF-8 byte."""
    return ["".join(BYTE2CHAR[b] for b in piece.encode("utf-8")) for piece in GPT2_SPLIT.findall(text)]


def pair_counts_of(word):
    return Counter(zip(word, word[1:]))


def train_bpe(texts, vocab_size, min_frequency):
    """Return (vocab: token -> id, merges: list of (left, right)) learned greedily."""
    # The 256 byte symbols come first, numbered in the order of their characters (as the library does).
    vocab = {c: i for i, c in enumerate(sorted(BYTE2CHAR.values()))}
    word_freq = Counter(w for t in texts for w in pre_tokenize(t))
    words = [list(w) for w in word_freq]                     # each word as a list of symbols
    freqs = list(word_freq.values())
    counts, where = Counter(), {}                            # pair -> count; pair -> words containing it
    for i, w in enumerate(words):
        for pair, n in pair_counts_of(w).items():
            counts[pair] += n * freqs[i]
            where.setdefault(pair, set()).add(i)
    # Max-heap by (count, then the smaller id pair first): the library's tie-break.
    key = lambda p: (-counts[p], vocab[p[0]], vocab[p[1]])
    heap = [(*key(p), p) for p in counts]
    heapq.heapify(heap)
    merges, ties = [], 0
    while len(vocab) < vocab_size and heap:
        neg, _, _, pair = heapq.heappop(heap)
        if -neg != counts[pair]:
            continue                                         # stale entry: the count changed since
        if counts[pair] < max(min_frequency, 1):
            break
        # Drop stale entries (and copies of this pair) from the top: what is left on top is the runner-up.
        while heap and (heap[0][3] == pair or -heap[0][0] != counts[heap[0][3]]):
            heapq.heappop(heap)
        ties += bool(heap) and -heap[0][0] == counts[pair]   # another pair was just as frequent
        new = pair[0] + pair[1]
        # One id (and one word set) per token string: this equals the library as long as no two merges
        # make the same string, i.e. len(vocab) == 256 + len(merges), which the caller asserts.
        vocab.setdefault(new, len(vocab))
        merges.append(pair)
        changed = set()
        for i in where.pop(pair):
            w = words[i]
            before = pair_counts_of(w)
            j, out = 0, []
            while j < len(w):                                # merge left to right, without overlaps
                if j + 1 < len(w) and (w[j], w[j + 1]) == pair:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            after = pair_counts_of(out)
            for p in before.keys() | after.keys():
                delta = after[p] - before[p]
                if delta:
                    counts[p] += delta * freqs[i]
                    changed.add(p)
                if after[p]:
                    where.setdefault(p, set()).add(i)
        counts[pair] = 0
        for p in changed:
            if p != pair and counts[p] > 0:
                heapq.heappush(heap, (*key(p), p))
    return vocab, merges, ties


def encode(text, vocab, merges):
    """Apply the merges to each word in the order they were learned; return ids."""
    rank = {p: r for r, p in enumerate(merges)}
    ids = []
    for word in pre_tokenize(text):
        w = list(word)
        while len(w) > 1:
            best = min(zip(w, w[1:]), key=lambda p: rank.get(p, len(rank)))
            if best not in rank:
                break
            j, out = 0, []
            while j < len(w):
                if j + 1 < len(w) and (w[j], w[j + 1]) == best:
                    out.append(w[j] + w[j + 1])
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            w = out
        ids += [vocab[s] for s in w]
    return ids


def decode(ids, vocab):
    inverse = {i: s for s, i in vocab.items()}
    return bytes(CHAR2BYTE[c] for i in ids for c in inverse[i]).decode("utf-8")


def train_library(texts, vocab_size, min_frequency):
    """The library, same text and settings: byte-level pre-tokenizer, all 256 bytes in the alphabet."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(texts, trainer=trainer)
    merges = json.loads(tok.to_str())["model"]["merges"]
    return tok, [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]


corpus_lines = []
for path in CORPUS:
    try:                                # a missing or damaged corpus is a message, not a traceback
        corpus_lines.append(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"cannot read {path} ({type(exc).__name__}): run this program from a clone of the repository; "
                 "restore the file with `git checkout snippets/corpus`, or recreate it with: python scripts/corpus.py")
en_lines, zh_lines = corpus_lines
train_texts = en_lines[:LINES] + zh_lines[:LINES]
print(f"training text  : {LINES} English + {LINES} Chinese paragraphs, "
      f"{sum(len(t) for t in train_texts):,} characters")

# 1. From scratch, and 2. with the library.
vocab, merges, ties = train_bpe(train_texts, VOCAB_SIZE, MIN_FREQUENCY)
tok, lib_merges = train_library(train_texts, VOCAB_SIZE, MIN_FREQUENCY)

for t in train_texts:                                        # the same words, in every training paragraph
    assert [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(t)] == pre_tokenize(t)
assert len(vocab) == 256 + len(merges)                       # no two merges made the same string
assert merges == lib_merges, "merges differ"
assert vocab == tok.get_vocab(), "vocabularies differ"
print(f"vocabulary     : {len(vocab)} tokens = 256 bytes + {len(merges)} merges, same as the library")
print(f"merges decided by the tie-break: {ties} of {len(merges)}")

# The same again with a min_frequency high enough to stop training before the vocabulary is full.
vocab_mf, merges_mf, _ = train_bpe(train_texts, 5000, 50)
tok_mf, lib_merges_mf = train_library(train_texts, 5000, 50)
assert len(vocab_mf) < 5000 and merges_mf == lib_merges_mf and vocab_mf == tok_mf.get_vocab()
print(f"min_frequency 50: stops at {len(vocab_mf)} tokens = 256 + {len(merges_mf)} merges "
      "(vocab_size 5000), same as the library")


def show(s):
    """A token as readable text: its bytes decoded, or its hex bytes when they are not whole characters."""
    raw = bytes(CHAR2BYTE[c] for c in s)
    try:
        return repr(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return raw.hex(" ")


print()
print("first merges (rank: left + right -> new token)")
for r, (a, b) in enumerate(merges[:8]):
    print(f"  {r:>3}: {show(a):>8} + {show(b):<8} -> {show(a + b)}")
zh_first = next(r for r, (a, b) in enumerate(merges)
                if regex.fullmatch(r"\p{Han}+", bytes(CHAR2BYTE[c] for c in a + b).decode("utf-8", "replace")))
a, b = merges[zh_first]
print(f"  first merge that completes a Chinese character: rank {zh_first}: {show(a)} + {show(b)} -> {show(a + b)}")

# 3. Same ids, and an exact round trip, on held-out text in both languages.
print()
print(f"{'held-out text':<14} {'chars':>6} {'bytes':>6} {'tokens':>7} {'tokens/char':>12}  round trip")
for name, text in [("English", " ".join(en_lines[-5:])), ("Chinese", "".join(zh_lines[-5:]))]:
    ids = encode(text, vocab, merges)
    assert ids == tok.encode(text).ids, f"{name}: ids differ from the library"
    assert decode(ids, vocab) == text and tok.decode(ids) == text
    print(f"{name:<14} {len(text):>6} {len(text.encode('utf-8')):>6} {len(ids):>7} "
          f"{len(ids) / len(text):>12.3f}  exact")
sentence = "大模型用子词分词: tokenizers split text."
ids = encode(sentence, vocab, merges)
assert ids == tok.encode(sentence).ids and decode(ids, vocab) == sentence
print()
print(f"sentence : {sentence}")
print(f"ids      : {ids}")
print(f"tokens   : {' | '.join(show(''.join(k for k, v in vocab.items() if v == i)) for i in ids)}")
