"""Clean a table of training sentences with pandas: normalise, drop empty rows and duplicates, filter by length.

Look at: how many rows each step removes (the counts are asserted); the per-language summary of what
is left; which lines the length filter threw away; the cleaned labels handed to PyTorch as a tensor.
The CSV lives next to this program in data/training_text.csv.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import torch

CSV = Path(__file__).parent / "data" / "training_text.csv"
LANGS = ["en", "zh"]          # languages we keep
MIN_LEN, MAX_LEN = 4, 40      # length in words (English) or characters (Chinese)
LANG_IDS = {"en": 0, "zh": 1}

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

raw = pd.read_csv(CSV)                                   # columns: text, lang
steps = [("read CSV", len(raw))]

# 1. Normalise whitespace: missing -> "", runs of spaces/tabs -> one space, trim both ends.
df = raw.copy()
df["text"] = df["text"].fillna("").str.replace(r"\s+", " ", regex=True).str.strip()
df["lang"] = df["lang"].str.strip().str.lower()          # " EN" -> "en"; missing stays NaN
changed = int((df["text"] != raw["text"].fillna("")).sum())
steps.append(("normalise whitespace", len(df)))

# 2. Drop rows whose text is now empty (it was missing, or only whitespace).
df = df[df["text"] != ""]
steps.append(("drop empty text", len(df)))

# 3. Keep the languages we train on (a boolean mask selects rows).
df = df[df["lang"].isin(LANGS)]
steps.append((f"keep lang {'/'.join(LANGS)}", len(df)))

# 4. Drop exact duplicates of the text, keeping the first occurrence.
df = df.drop_duplicates(subset="text", keep="first")
steps.append(("drop duplicate text", len(df)))

# 5. Length: words for English, characters for Chinese (no spaces between Chinese words).
length = np.where(df["lang"] == "zh", df["text"].str.len(), df["text"].str.split().str.len())
df = df.assign(length=length)
too_short, too_long = df[df["length"] < MIN_LEN], df[df["length"] > MAX_LEN]
df = df[df["length"].between(MIN_LEN, MAX_LEN)]          # inclusive at both ends
steps.append((f"keep length {MIN_LEN}..{MAX_LEN}", len(df)))

# The page's claims about this file: the row count after every step.
assert [n for _, n in steps] == [48, 48, 44, 43, 37, 31], steps
assert changed == 6
assert df["text"].is_unique and not df["text"].str.contains(r"^\s|\s$|\s\s", regex=True).any()
assert df["length"].between(MIN_LEN, MAX_LEN).all() and set(df["lang"]) == set(LANGS)

print("== cleaning steps ==")
print(f"{'step':<26}{'rows':>6}{'removed':>9}")
previous = None
for name, n in steps:
    removed = "-" if previous is None else str(previous - n)
    print(f"{name:<26}{n:>6}{removed:>9}")
    previous = n
print(f"texts changed by normalising whitespace: {changed}")

print()
print("== what is left, per language ==")
summary = df.groupby("lang")["length"].agg(["count", "min", "mean", "max"])
print(summary.round(1).to_string())

print()
print("== removed by the length filter ==")
print("too short:", ", ".join(repr(t) for t in too_short["text"]))
print("too long: ", ", ".join(f"{lang} ({n})" for lang, n in zip(too_long["lang"], too_long["length"])))

# Hand the clean table to PyTorch: integer language labels, one per kept row.
labels = torch.from_numpy(df["lang"].map(LANG_IDS).to_numpy()).to(DEVICE)   # [31], int64
assert labels.dtype == torch.int64 and labels.bincount().tolist() == summary["count"].tolist()
print()
print(f"labels tensor: shape {tuple(labels.shape)}, dtype {labels.dtype}, "
      f"counts per class {labels.bincount().tolist()}")
