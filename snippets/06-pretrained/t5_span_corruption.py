"""T5's span corruption by hand: drop 15% of the tokens in spans of mean length 3, mark them with sentinels.

Look at: one English and one Chinese example (inputs keep the text with each dropped span replaced by
<extra_id_k>; targets list the dropped spans after their sentinels); the statistics over every
568-unit chunk of the shipped corpus (noise fraction 0.15, mean span length 3, inputs of exactly 512
and targets of exactly 114 units, as in T5's pre-training); the assertion that inputs and targets
rebuild the original exactly; the share of spans of length 1 against its expected value (s - 1)/(n - 1);
and the figure, a histogram of all span lengths (length 1 most common, fewer at each length, a long tail).
Units: English is split at whitespace (words), Chinese into characters; T5 itself uses SentencePiece subwords.
"""
import os
import sys
from collections import Counter
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CORPUS = {"English": Path("snippets/corpus/en.txt"), "Chinese": Path("snippets/corpus/zh.txt")}
NOISE_DENSITY = 0.15               # fraction of the units to drop
MEAN_SPAN = 3.0                    # mean length of a dropped span
LENGTH = 568                       # units per chunk: T5's 512-token inputs after corruption
EXAMPLE_LENGTH = 40                # a short chunk to print
EOS = "</s>"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

rng = np.random.default_rng(0)


def random_segmentation(num_items, num_segments):
    """Split num_items into num_segments positive lengths, uniformly at random (T5's _random_segmentation)."""
    first = np.arange(num_items - 1) < (num_segments - 1)   # num_segments-1 cut points among num_items-1 gaps
    rng.shuffle(first)
    segment_id = np.cumsum(np.concatenate([[0], first]))     # [num_items]: which segment each item is in
    return np.bincount(segment_id)                           # [num_segments] lengths, each >= 1


def noise_mask(length):
    """T5's random_spans_noise_mask: True where a unit is dropped. Starts with kept units, ends with noise.

    T5's random_spans_helper picks the raw length for which the corrupted inputs fill the encoder (568 -> 512).
    """
    num_noise = min(max(int(round(length * NOISE_DENSITY)), 1), length - 1)   # round(L x 0.15)
    num_spans = max(int(round(num_noise / MEAN_SPAN)), 1)                      # round(noise / 3)
    noise_lengths = random_segmentation(num_noise, num_spans)
    keep_lengths = random_segmentation(length - num_noise, num_spans)
    interleaved = np.stack([keep_lengths, noise_lengths], axis=1).reshape(-1)  # keep, noise, keep, noise, ...
    return np.repeat(np.arange(2 * num_spans) % 2 == 1, interleaved), noise_lengths


def corrupt(units, mask):
    """Inputs: kept units, each noise span replaced by one sentinel. Targets: each sentinel, then its span."""
    inputs, targets, k = [], [], 0
    for i, (unit, noisy) in enumerate(zip(units, mask)):
        if noisy and (i == 0 or not mask[i - 1]):            # the first unit of a noise span
            inputs.append(f"<extra_id_{k}>")
            targets.append(f"<extra_id_{k}>")
            k += 1
        (targets if noisy else inputs).append(unit)
    return inputs + [EOS], targets + [EOS]


def rebuild(inputs, targets):
    """Put each target span back where its sentinel stands in the inputs."""
    spans, current = {}, None
    for t in targets[:-1]:
        if t.startswith("<extra_id_"):
            current = spans.setdefault(t, [])
        else:
            current.append(t)
    return [u for t in inputs[:-1] for u in (spans[t] if t in spans else [t])]


def units_of(language, text):
    return text.split() if language == "English" else [c for c in text if not c.isspace()]


texts = {}
for language, path in CORPUS.items():
    try:                                # a missing or damaged corpus is a message, not a traceback
        texts[language] = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"cannot read {path} ({type(exc).__name__}): run this program from a clone of the repository; "
                 "restore the file with `git checkout snippets/corpus`, or recreate it with: python scripts/corpus.py")

joiner = {"English": " ", "Chinese": ""}
for language, lines in texts.items():
    print(f"== one example: {language}, {EXAMPLE_LENGTH} units ==")
    units = units_of(language, lines[1])[:EXAMPLE_LENGTH]    # the site's opening paragraph
    mask, _ = noise_mask(len(units))
    inputs, targets = corrupt(units, mask)
    assert rebuild(inputs, targets) == units
    print(f"original : {joiner[language].join(units)}")
    print(f"inputs   : {joiner[language].join(inputs)}")
    print(f"targets  : {joiner[language].join(targets)}")
    print()

print(f"== every {LENGTH}-unit chunk of the corpus ==")
num_noise = int(round(LENGTH * NOISE_DENSITY))
num_spans = int(round(num_noise / MEAN_SPAN))
in_len = LENGTH - num_noise + num_spans + 1          # kept units + one sentinel per span + EOS
tg_len = num_noise + num_spans + 1                   # dropped units + one sentinel per span + EOS
if (LENGTH, NOISE_DENSITY, MEAN_SPAN) == (568, 0.15, 3.0):
    assert (in_len, tg_len) == (512, 114)            # T5's pre-training lengths
# A span is 1 long when the cut right after its first unit is chosen: s - 1 cuts among n - 1 gaps.
share_1_expected = (num_spans - 1) / (num_noise - 1)
print(f"noise units  = round({LENGTH} x {NOISE_DENSITY}) = {num_noise}")
print(f"noise spans  = round({num_noise} / {MEAN_SPAN:g}) = {num_spans}")
print(f"inputs  = {LENGTH} - {num_noise} + {num_spans} sentinels + EOS = {in_len}")
print(f"targets = {num_noise} + {num_spans} sentinels + EOS = {tg_len}")
print(f"expected share of spans of 1 = ({num_spans} - 1) / ({num_noise} - 1) = {share_1_expected:.3f}")
print()
print(f"{'language':<9}{'chunks':>8}{'noise frac':>12}{'mean span':>11}{'inputs':>8}{'targets':>9}"
      f"{'spans of 1':>12}{'longest':>9}")
span_lengths = {}
for language, lines in texts.items():
    units = units_of(language, " ".join(lines))
    chunks = [units[i:i + LENGTH] for i in range(0, len(units) - LENGTH + 1, LENGTH)]
    noise, lengths, in_lens, tg_lens = 0, [], set(), set()
    for chunk in chunks:
        mask, spans = noise_mask(LENGTH)
        inputs, targets = corrupt(chunk, mask)
        assert rebuild(inputs, targets) == chunk             # nothing lost, nothing added
        assert len(targets) == mask.sum() + len(spans) + 1   # noise + sentinels + EOS
        noise += int(mask.sum())
        lengths += spans.tolist()
        in_lens.add(len(inputs))
        tg_lens.add(len(targets))
    fraction, mean_span = noise / (len(chunks) * LENGTH), np.mean(lengths)
    assert abs(fraction - NOISE_DENSITY) < 0.001 and abs(mean_span - MEAN_SPAN) < 0.05
    assert in_lens == {in_len} and tg_lens == {tg_len}
    share_1 = lengths.count(1) / len(lengths)
    assert abs(share_1 - share_1_expected) < 0.03
    span_lengths[language] = lengths
    print(f"{language:<9}{len(chunks):>8}{fraction:>12.4f}{mean_span:>11.3f}{min(in_lens):>8}{min(tg_lens):>9}"
          f"{share_1:>12.3f}{max(lengths):>9}")
print()
print(f"input + target units per original unit: {(in_len + tg_len) / LENGTH:.3f}")
print(f"target units per original unit        : {tg_len / LENGTH:.3f}")

# Figure: how long the dropped spans are.
fig, ax = plt.subplots(figsize=(7, 4))
top = max(max(v) for v in span_lengths.values())
for (language, lengths), color in zip(span_lengths.items(), ["tab:blue", "tab:orange"]):
    counts = Counter(lengths)
    share = [counts[n] / len(lengths) for n in range(1, top + 1)]
    offset = -0.2 if language == "English" else 0.2
    ax.bar(np.arange(1, top + 1) + offset, share, width=0.4, color=color, label=language)
ax.axvline(MEAN_SPAN, color="black", linestyle="--", linewidth=1, label=f"mean = {MEAN_SPAN:g}")
ax.set_xlabel("length of a dropped span (units)")
ax.set_ylabel("share of spans")
ax.set_title(f"Span corruption: {num_spans} spans, {num_noise} of {LENGTH} units dropped")
ax.set_xlim(0.3, top + 0.7)                  # every length, up to the longest
ax.legend()
fig.tight_layout()
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig.savefig(OUT_DIR / "t5_span_lengths.svg", metadata={"Date": None})
print("figure: t5_span_lengths.svg")
