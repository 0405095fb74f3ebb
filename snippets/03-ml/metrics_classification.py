"""Classification metrics from their definitions: confusion matrix, precision, recall, F1 and ROC AUC.

Look at: the 10-example confusion matrix (TP 3, FN 1, FP 2, TN 4) and the numbers computed from it,
equal to scikit-learn's; macro F1 exposing a class that is never predicted while micro F1 equals
accuracy; AUC computed twice, as the area under the ROC curve (trapezoids) and as the chance that a
random positive outranks a random negative (ties count 1/2), 0.8125 both ways; the standard error of
an AUC from 200 + 200 scores, by the Hanley-McNeil formula and by repeated draws (about 0.014 at d = 2,
twice that near 0.6), which makes the gaps to Phi(d / sqrt 2) sampling noise; and, with 1% positives,
a classifier that always answers "negative" scoring 0.99 accuracy, more than a useful model.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch
from sklearn import metrics

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The hand-worked example: 10 scores (the model's belief that the label is 1) and the true labels.
SCORES = [0.95, 0.85, 0.80, 0.70, 0.55, 0.40, 0.30, 0.30, 0.20, 0.10]
LABELS = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]
THRESHOLD = 0.5                           # predict 1 when score >= THRESHOLD
Y3_TRUE = [0, 0, 0, 0, 0, 0, 1, 1, 1, 2]  # three classes with 6, 3 and 1 examples
Y3_PRED = [0, 0, 0, 0, 0, 1, 1, 1, 0, 0]  # class 2 is never predicted
N_POS_RARE, N_NEG_RARE = 10, 990          # imbalanced data: 1% positives
SEPARATIONS = [0.5, 1.0, 2.0]             # score models: positives ~ N(d, 1), negatives ~ N(0, 1)
N_PER_CLASS = 200
SE_REPEATS = 400                          # fresh data sets drawn to measure the standard error of an AUC

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
gen = torch.Generator().manual_seed(0)    # data drawn on the CPU: the same numbers on every device
gen_se = torch.Generator().manual_seed(2)  # the repeated draws that measure an AUC's standard error


def confusion(y, pred):
    """Counts of the four cells for binary labels y and predictions pred (tensors of 0/1)."""
    tp = int(((pred == 1) & (y == 1)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    return tp, fn, fp, tn


def prf(tp, fn, fp):
    """Precision, recall, F1; a ratio 0/0 is reported as 0, as sklearn does with zero_division=0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0         # = 2PR / (P + R)
    return precision, recall, f1


def roc_points(scores, y):
    """ROC curve: (FPR, TPR) after lowering the threshold past each distinct score, from (0, 0)."""
    order = torch.argsort(scores, descending=True, stable=True)
    s, t = scores[order], y[order].double()
    last = torch.ones_like(s, dtype=torch.bool)
    last[:-1] = s[1:] != s[:-1]                            # last example of each group of equal scores
    zero = torch.zeros(1, dtype=torch.float64, device=s.device)
    tpr = torch.cat([zero, t.cumsum(0)[last] / t.sum()])
    fpr = torch.cat([zero, (1 - t).cumsum(0)[last] / (1 - t).sum()])
    return fpr, tpr, s[last]


def auc_trapezoid(scores, y):
    fpr, tpr, _ = roc_points(scores, y)
    return torch.trapezoid(tpr, fpr).item()


def auc_pairs(scores, y):
    """P(score of a random positive > score of a random negative), ties counting 1/2."""
    pos, neg = scores[y == 1][:, None], scores[y == 0][None, :]
    wins = ((pos > neg).double() + 0.5 * (pos == neg).double()).sum().item()  # exact: terms are 0, 1/2, 1
    return wins / (pos.numel() * neg.numel())


# 1. The hand example: confusion matrix and the numbers read from it.
s = torch.tensor(SCORES, dtype=torch.float64, device=DEVICE)
y = torch.tensor(LABELS, device=DEVICE)
pred = (s >= THRESHOLD).long()
tp, fn, fp, tn = confusion(y, pred)
assert (tp, fn, fp, tn) == (3, 1, 2, 4)                    # the counts worked out on the page
yc, pc = y.cpu().numpy(), pred.cpu().numpy()
assert metrics.confusion_matrix(yc, pc).tolist() == [[tn, fp], [fn, tp]]   # sklearn: rows = actual 0, 1
precision, recall, f1 = prf(tp, fn, fp)
mine = {"accuracy": (tp + tn) / (tp + fn + fp + tn), "precision": precision, "recall": recall, "F1": f1}
lib = {"accuracy": metrics.accuracy_score(yc, pc), "precision": metrics.precision_score(yc, pc),
       "recall": metrics.recall_score(yc, pc), "F1": metrics.f1_score(yc, pc)}
formulas = {"accuracy": "(TP + TN) / all", "precision": "TP / (TP + FP)", "recall": "TP / (TP + FN)",
            "F1": "2 P R / (P + R)"}
for name in mine:
    assert abs(mine[name] - lib[name]) < 1e-12
assert abs(f1 - 2 / 3) < 1e-12 and abs(precision - 0.6) < 1e-12 and abs(recall - 0.75) < 1e-12

print(f"== {len(SCORES)} examples, predict 1 when score >= {THRESHOLD}: confusion matrix ==")
print(f"{'':<14} {'predicted 1':>12} {'predicted 0':>12}")
print(f"{'actual 1':<14} {'TP ' + str(tp):>12} {'FN ' + str(fn):>12}")
print(f"{'actual 0':<14} {'FP ' + str(fp):>12} {'TN ' + str(tn):>12}")
print()
print(f"{'metric':<10} {'definition':<17} {'mine':>7} {'sklearn':>8}")
for name in mine:
    print(f"{name:<10} {formulas[name]:<17} {mine[name]:>7.4f} {lib[name]:>8.4f}")
p_, r_ = 1.0, 0.01                                     # one correct flag among a hundred positives
f1_, mean_ = 2 * p_ * r_ / (p_ + r_), (p_ + r_) / 2
assert f1_ < 2 * r_ < mean_                             # the harmonic mean stays near the smaller value
print(f"P = {p_:g}, R = {r_:g}: F1 {f1_:.4f}, arithmetic mean {mean_:.4f}")

# 2. Three classes: per-class F1, then macro (mean of the F1s) and micro (F1 of the pooled counts).
y3, p3 = torch.tensor(Y3_TRUE, device=DEVICE), torch.tensor(Y3_PRED, device=DEVICE)
rows, pooled = [], [0, 0, 0]
for k in range(3):
    tp_k, fn_k, fp_k, _ = confusion((y3 == k).long(), (p3 == k).long())
    rows.append((k, int((y3 == k).sum()), *prf(tp_k, fn_k, fp_k)))
    pooled = [pooled[0] + tp_k, pooled[1] + fn_k, pooled[2] + fp_k]
macro = sum(r[4] for r in rows) / 3
micro = prf(*pooled)[2]
acc3 = (y3 == p3).double().mean().item()
macro_sk = metrics.f1_score(Y3_TRUE, Y3_PRED, average="macro", zero_division=0)
micro_sk = metrics.f1_score(Y3_TRUE, Y3_PRED, average="micro")
assert abs(macro - macro_sk) < 1e-12 and abs(micro - micro_sk) < 1e-12
assert abs(micro - acc3) < 1e-12                           # one label per example: micro F1 = accuracy
assert macro < micro - 0.2                                  # the missed rare class pulls macro down
print(f"\n== 3 classes ({', '.join(str(r[1]) for r in rows)} examples): per-class and averaged F1 ==")
print(f"{'class':<6} {'examples':>8} {'precision':>10} {'recall':>7} {'F1':>7}")
for k, n, p_k, r_k, f_k in rows:
    print(f"{k:<6} {n:>8} {p_k:>10.4f} {r_k:>7.4f} {f_k:>7.4f}")
print(f"{'macro F1 = mean of the three F1':<34} {macro:.4f}   sklearn {macro_sk:.4f}")
print(f"{'micro F1 = F1 of pooled counts':<34} {micro:.4f}   sklearn {micro_sk:.4f}")
print(f"{'accuracy':<34} {acc3:.4f}")

# 3. ROC curve and AUC of the hand example, two ways.
fpr, tpr, thr = roc_points(s, y)
fpr_sk, tpr_sk, thr_sk = metrics.roc_curve(yc, s.cpu().numpy(), drop_intermediate=False)
assert torch.allclose(fpr.cpu(), torch.tensor(fpr_sk)) and torch.allclose(tpr.cpu(), torch.tensor(tpr_sk))
auc_t, auc_p, auc_sk = auc_trapezoid(s, y), auc_pairs(s, y), metrics.roc_auc_score(yc, s.cpu().numpy())
assert abs(auc_t - 0.8125) < 1e-12 and abs(auc_p - 0.8125) < 1e-12 and abs(auc_sk - 0.8125) < 1e-12
print("\n== ROC curve of the 10 examples: lower the threshold one distinct score at a time ==")
print(f"{'threshold':>9} {'FPR':>7} {'TPR':>7}")
print(f"{'(none)':>9} {0.0:>7.4f} {0.0:>7.4f}")
for t, a, b in zip(thr.tolist(), fpr[1:].tolist(), tpr[1:].tolist()):
    print(f"{t:>9.2f} {a:>7.4f} {b:>7.4f}")
print(f"AUC as area under the curve (trapezoids) : {auc_t:.4f}")
print(f"AUC as P(positive outranks negative)     : {auc_p:.4f}  ({auc_p * 24:g} of 24 pairs)")
print(f"sklearn roc_auc_score                    : {auc_sk:.4f}")
# Many ties: scores on 5 levels, so tie groups hold several positives and negatives at once.
gen_tie = torch.Generator().manual_seed(1)
y_tie = (torch.rand(60, generator=gen_tie) < 0.4).long()
s_tie = (torch.randint(0, 5, (60,), generator=gen_tie) + y_tie).clamp(max=4).double()
assert any(((s_tie == v) & (y_tie == 1)).sum() >= 2 and ((s_tie == v) & (y_tie == 0)).sum() >= 2 for v in range(5))
y_tie, s_tie = y_tie.to(DEVICE), s_tie.to(DEVICE)
a_tie = auc_pairs(s_tie, y_tie)
assert abs(a_tie - auc_trapezoid(s_tie, y_tie)) < 1e-12
assert abs(a_tie - metrics.roc_auc_score(y_tie.cpu().numpy(), s_tie.cpu().numpy())) < 1e-12
print(f"{'60 scores on 5 levels (many ties)':<40} : pairs = area = sklearn (|diff| < 1e-12)")
auc_hard = auc_pairs(pred.double(), y)                 # AUC of the 0/1 predictions instead of the scores
assert abs(auc_hard - (tp / (tp + fn) + tn / (tn + fp)) / 2) < 1e-12   # = balanced accuracy
print(f"{'AUC of the 0/1 predictions at ' + str(THRESHOLD):<40} : {auc_hard:.4f}  = (TPR + TNR) / 2")

# 4. Score models of growing quality: empirical AUC against the formula Phi(d / sqrt 2).
print(f"\n== {N_PER_CLASS} positives ~ N(d, 1), {N_PER_CLASS} negatives ~ N(0, 1) ==")
print(f"{'d':>4} {'AUC':>7} {'Phi(d / sqrt 2)':>16} {'gap':>7} {'SE Hanley-McNeil':>17} "
      f"{'SE simulated':>13}")
curves = {}
y_bin = torch.cat([torch.ones(N_PER_CLASS), torch.zeros(N_PER_CLASS)]).long().to(DEVICE)
for d in SEPARATIONS:
    s_bin = torch.cat([torch.randn(N_PER_CLASS, generator=gen, dtype=torch.float64) + d,
                       torch.randn(N_PER_CLASS, generator=gen, dtype=torch.float64)]).to(DEVICE)
    a_p, a_t = auc_pairs(s_bin, y_bin), auc_trapezoid(s_bin, y_bin)
    a_sk = metrics.roc_auc_score(y_bin.cpu().numpy(), s_bin.cpu().numpy())
    theory = 0.5 * (1 + math.erf(d / 2))                   # Phi(d / sqrt 2) = P(N(d,1) > N(0,1))
    assert abs(a_p - a_t) < 1e-12 and abs(a_p - a_sk) < 1e-12
    # Standard error of an AUC from n1 positives and n0 negatives (Hanley & McNeil, 1982):
    # SE^2 = [A(1-A) + (n1-1)(Q1 - A^2) + (n0-1)(Q2 - A^2)] / (n1 n0), Q1 = A/(2-A), Q2 = 2A^2/(1+A).
    q1, q2 = theory / (2 - theory), 2 * theory ** 2 / (1 + theory)
    se_hm = math.sqrt((theory * (1 - theory) + (N_PER_CLASS - 1) * (q1 - theory ** 2)
                       + (N_PER_CLASS - 1) * (q2 - theory ** 2)) / N_PER_CLASS ** 2)
    # ... checked by drawing SE_REPEATS fresh data sets from the same model (own generator: the data
    # above do not change) and taking the standard deviation of their AUCs.
    pos = torch.randn(SE_REPEATS, N_PER_CLASS, generator=gen_se, dtype=torch.float64).to(DEVICE) + d
    neg = torch.randn(SE_REPEATS, N_PER_CLASS, generator=gen_se, dtype=torch.float64).to(DEVICE)
    se_sim = (pos[:, :, None] > neg[:, None, :]).double().mean((1, 2)).std().item()
    assert abs(se_sim / se_hm - 1) < 0.15                  # the formula is right for this model
    assert abs(a_p - theory) < 2.5 * se_hm                 # the measured gap is sampling noise
    curves[d] = (roc_points(s_bin, y_bin), a_p)
    print(f"{d:>4.1f} {a_p:>7.4f} {theory:>16.4f} {a_p - theory:>+7.4f} {se_hm:>17.4f} {se_sim:>13.4f}")
print(f"(AUC: pairs = area = sklearn, max |diff| < 1e-12; SE simulated from {SE_REPEATS} fresh data sets)")

# 5. Accuracy's trap: 1% positives.
y_rare = torch.cat([torch.ones(N_POS_RARE), torch.zeros(N_NEG_RARE)]).long().to(DEVICE)
s_rare = torch.cat([torch.randn(N_POS_RARE, generator=gen, dtype=torch.float64) + 2.0,
                    torch.randn(N_NEG_RARE, generator=gen, dtype=torch.float64)]).to(DEVICE)
t80 = torch.sort(s_rare[:N_POS_RARE], descending=True).values[7]          # keeps 8 of the 10 positives
print(f"\n== {N_POS_RARE} positives among {N_POS_RARE + N_NEG_RARE} examples: accuracy's trap ==")
print(f"{'classifier':<35} {'accuracy':>8} {'precision':>9} {'recall':>7} {'F1':>7}")
results = {}
for name, p in (('always "negative"', torch.zeros_like(y_rare)),
                ("scores N(2,1) vs N(0,1), recall 0.8", (s_rare >= t80).long())):
    tp_r, fn_r, fp_r, tn_r = confusion(y_rare, p)
    acc = (tp_r + tn_r) / y_rare.numel()
    pr, rc, f = prf(tp_r, fn_r, fp_r)
    results[name] = (acc, pr, rc)
    shown_pr = "0/0" if tp_r + fp_r == 0 else f"{pr:.4f}"
    print(f"{name:<35} {acc:>8.4f} {shown_pr:>9} {rc:>7.4f} {f:>7.4f}")
acc_lazy, _, rec_lazy = results['always "negative"']
acc_model, prec_model, rec_model = results["scores N(2,1) vs N(0,1), recall 0.8"]
assert acc_lazy == 0.99 and rec_lazy == 0.0 and rec_model == 0.8
assert acc_model < acc_lazy and prec_model < 0.5            # lower accuracy; most of its flags are false
auc_rare = auc_pairs(s_rare, y_rare)
assert abs(auc_rare - metrics.roc_auc_score(y_rare.cpu().numpy(), s_rare.cpu().numpy())) < 1e-12
print(f"AUC of those scores: {auc_rare:.4f} (imbalance does not change it; precision is what suffers)")


plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
ax = axes[0]
f_, t_ = fpr.cpu(), tpr.cpu()
ax.fill_between(f_, t_, color="#1f77b4", alpha=0.2, label=f"area = AUC = {auc_t:.4f}")
ax.plot(f_, t_, marker="o", color="#1f77b4", label="ROC curve")
ax.plot([0, 1], [0, 1], linestyle="--", color="gray", linewidth=1, label="chance (AUC 0.5)")
ax.annotate(f"threshold {THRESHOLD}:\nTPR 3/4, FPR 2/6", xy=(2 / 6, 0.75), xytext=(0.42, 0.45),
            arrowprops={"arrowstyle": "->"}, fontsize=8)
ax.set(xlabel="false-positive rate (FPR)", ylabel="true-positive rate (TPR)",
       title="the 10 hand-worked examples", xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
ax.legend(loc="lower right", fontsize=8)
ax = axes[1]
for d, ((f_d, t_d, _), a) in curves.items():
    ax.plot(f_d.cpu(), t_d.cpu(), linewidth=1.2, label=f"d = {d:g}, AUC {a:.3f}")
ax.plot([0, 1], [0, 1], linestyle="--", color="gray", linewidth=1)
ax.set(xlabel="false-positive rate (FPR)", ylabel="true-positive rate (TPR)",
       title=f"positives N(d,1), negatives N(0,1), {N_PER_CLASS} each",
       xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
ax.legend(loc="lower right", fontsize=8)
fig.savefig(OUT_DIR / "metrics_roc.svg", metadata={"Date": None})
print("figure: metrics_roc.svg")
