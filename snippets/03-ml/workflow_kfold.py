"""k-fold cross-validation by hand, checked, then used to pick a ridge penalty before a single test.

Look at: the fold checks (every sample is validated exactly once, folds are disjoint and cover the
data, and they are the folds of scikit-learn's KFold); how often a plain 5-fold split leaves a fold
with no positive example, against a stratified split; the table of training and validation error per
penalty (training error only falls as the penalty shrinks, validation error has a minimum); the
single test score of the chosen model, of the same order as the cross-validation estimate but, with
only 20 test points, not very precise; and the training error that a least-squares fit with 10
coefficients reaches on 48 points of pure noise, sigma^2 (1 - p/N): below the noise variance, as
every least-squares fit is, on average.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

N, N_TEST, K = 80, 20, 5          # 80 samples: 20 locked away for the final test, 60 for 5-fold CV
NOISE = 0.3                       # y = sin(3x) + noise of this standard deviation
DEGREE = 9                        # features: x, x^2, ..., x^9
LAMBDAS = [10.0 ** e for e in range(-7, 3)]   # ridge penalties to compare: 1e-7 ... 1e2
N_STRAT, N_POS, N_SHUFFLES = 60, 6, 4000      # an imbalanced label: 6 positives in 60
N_NOISE_DRAWS = 4000                           # pure-noise data sets for the training-error check

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
gen = torch.Generator().manual_seed(0)        # all random draws on the CPU: same numbers on any device


def kfold(n, k):
    """Shuffle 0..n-1 once and cut it into k consecutive chunks (the first n % k one longer).

    Returns the permutation and the k (train indices, validation indices) pairs."""
    perm = torch.randperm(n, generator=gen)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    chunks = torch.split(perm, sizes)
    folds = [(torch.cat(chunks[:i] + chunks[i + 1:]), chunks[i]) for i in range(k)]
    return perm, folds


# ---- 1. the folds, checked --------------------------------------------------------------------
n_cv = N - N_TEST
perm, folds = kfold(n_cv, K)
times_validated = torch.zeros(n_cv, dtype=torch.long)
for train, val in folds:
    times_validated[val] += 1
    assert len(set(train.tolist()) & set(val.tolist())) == 0                 # disjoint
    assert sorted(train.tolist() + val.tolist()) == list(range(n_cv))        # together: everything
assert (times_validated == 1).all()                                          # each sample validated once
vals = [set(v.tolist()) for _, v in folds]
assert all(not (vals[i] & vals[j]) for i in range(K) for j in range(i + 1, K))   # val folds disjoint
ref = [(perm[torch.as_tensor(tr)], perm[torch.as_tensor(va)]) for tr, va in KFold(K).split(perm.numpy())]
assert all(torch.equal(a, c) and torch.equal(b, d) for (a, b), (c, d) in zip(folds, ref))  # = sklearn

print(f"== {K}-fold split of {n_cv} samples (another {N_TEST} are held out for the test) ==")
print(f"{'fold':>4} {'train':>6} {'val':>4}  first validation indices")
for i, (train, val) in enumerate(folds):
    print(f"{i:>4} {len(train):>6} {len(val):>4}  {sorted(val.tolist())[:6]}")
print(f"times each sample is in a validation fold: min {times_validated.min().item()}, "
      f"max {times_validated.max().item()}")
print("validation folds are disjoint and cover all samples: True")
print("same folds as sklearn KFold(5) on the shuffled order: True")

# ---- 2. plain versus stratified folds on an imbalanced label ----------------------------------
y_cls = torch.zeros(N_STRAT, dtype=torch.long)
y_cls[torch.randperm(N_STRAT, generator=gen)[:N_POS]] = 1
fold_size = N_STRAT // K
_, plain = kfold(N_STRAT, K)
plain_pos = [int(y_cls[v].sum()) for _, v in plain]
# Stratified by hand: shuffle, sort by class (stable), deal position p to fold p % K.
order = torch.randperm(N_STRAT, generator=gen)
order = order[torch.sort(y_cls[order], stable=True).indices]
strat_fold = torch.empty(N_STRAT, dtype=torch.long)
strat_fold[order] = torch.arange(N_STRAT) % K
strat_pos = [int(y_cls[strat_fold == i].sum()) for i in range(K)]
sk_folds = StratifiedKFold(K).split(y_cls.numpy(), y_cls.numpy())
sk_pos = [int(y_cls[torch.as_tensor(va)].sum()) for _, va in sk_folds]
# Same counts as sklearn (up to the order of the folds: sklearn deals the class it meets first first).
assert sorted(strat_pos) == sorted(sk_pos) and max(strat_pos) - min(strat_pos) <= 1
# How often does a plain shuffled split leave some fold with no positive at all?
perms = torch.rand(N_SHUFFLES, N_STRAT, generator=gen).argsort(1)
pos_per_fold = y_cls[perms].view(N_SHUFFLES, K, fold_size).sum(-1)
simulated = (pos_per_fold == 0).any(1).double().mean().item()
exact = sum((-1) ** (j + 1) * math.comb(K, j) * math.comb(N_STRAT - j * fold_size, N_POS)
            for j in range(1, K)) / math.comb(N_STRAT, N_POS)               # inclusion-exclusion
assert abs(simulated - exact) < 0.03

print(f"\n== positives per validation fold ({N_POS} positives in {N_STRAT} samples) ==")
print(f"{'fold':>4} {'plain':>6} {'stratified':>11} {'sklearn StratifiedKFold':>24}")
for i in range(K):
    print(f"{i:>4} {plain_pos[i]:>6} {strat_pos[i]:>11} {sk_pos[i]:>24}")
print(f"plain splits with a fold that has no positive: {simulated:.3f} of {N_SHUFFLES} shuffles "
      f"(exact probability {exact:.3f})")

# ---- 3. choose the ridge penalty by cross-validation, then test once --------------------------
x = torch.rand(N, generator=gen, dtype=torch.float64) * 2 - 1
y = torch.sin(3 * x) + NOISE * torch.randn(N, generator=gen, dtype=torch.float64)
X = x[:, None] ** torch.arange(1, DEGREE + 1)                 # [N, DEGREE] polynomial features
X, y = X.to(DEVICE), y.to(DEVICE)
X_cv, y_cv = X[:n_cv], y[:n_cv]          # x is i.i.d., so the last 20 points are a random test set
X_test, y_test = X[n_cv:], y[n_cv:]


def ridge_fit(A, b, lam):
    """min ||b - A w - c||^2 + lam ||w||^2 (intercept c not penalised), as sklearn's Ridge."""
    mu_a, mu_b = A.mean(0), b.mean()
    Ac = A - mu_a
    eye = torch.eye(A.shape[1], dtype=A.dtype, device=A.device)
    w = torch.linalg.solve(Ac.T @ Ac + lam * eye, Ac.T @ (b - mu_b))
    return w, mu_b - mu_a @ w


def mse(A, b, model):
    w, c = model
    return ((A @ w + c - b) ** 2).mean().item()


rows = []
for lam in LAMBDAS:
    tr_err, va_err = [], []
    for train, val in folds:
        train, val = train.to(DEVICE), val.to(DEVICE)
        model = ridge_fit(X_cv[train], y_cv[train], lam)        # fitted on the training folds only
        tr_err.append(mse(X_cv[train], y_cv[train], model))
        va_err.append(mse(X_cv[val], y_cv[val], model))
    sk = -cross_val_score(Ridge(alpha=lam), X_cv.cpu().numpy(), y_cv.cpu().numpy(),
                          cv=[(tr.numpy(), va.numpy()) for tr, va in folds], scoring="neg_mean_squared_error")
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(va_err, sk))  # same scores as sklearn
    rows.append((lam, sum(tr_err) / K, sum(va_err) / K, va_err))

train_curve = [r[1] for r in rows]
best = min(range(len(rows)), key=lambda i: rows[i][2])
assert all(a <= b for a, b in zip(train_curve, train_curve[1:]))   # less penalty, lower training error
assert 0 < best < len(rows) - 1                                    # the best penalty is inside the grid
lam_best, cv_best = rows[best][0], rows[best][2]
final = ridge_fit(X_cv, y_cv, lam_best)          # refit on all 60 CV samples with the chosen penalty
test_mse = mse(X_test, y_test, final)            # the test set is used here, once
assert test_mse < 3 * cv_best            # same order as the CV estimate; 20 test points are a rough check

print(f"\n== ridge on degree-{DEGREE} features: mean squared error over the {K} folds ==")
print(f"{'lambda':>8} {'train':>8} {'validation':>11}  per-fold validation")
for lam, tr, va, per_fold in rows:
    mark = "  <- lowest" if lam == lam_best else ""
    print(f"{lam:>8.0e} {tr:>8.4f} {va:>11.4f}  " + " ".join(f"{v:.3f}" for v in per_fold) + mark)
print("per-fold scores equal sklearn cross_val_score(Ridge): True")
print(f"chosen lambda {lam_best:.0e}: CV estimate {cv_best:.4f}, test MSE {test_mse:.4f} "
      f"(noise variance {NOISE ** 2:.4f})")

# ---- 4. how low may a training error go without overfitting? -----------------------------------
# Least squares with p coefficients on N points projects the noise onto a p-dimensional space and
# removes it: the residual is (I - H) eps, so E[training MSE] = sigma^2 (N - p) / N, even when the
# model family contains the true curve. Checked on pure noise, with the inputs of fold 0's training set.
train0 = folds[0][0].to(DEVICE)
A = torch.cat([torch.ones(len(train0), 1, dtype=X.dtype, device=DEVICE), X_cv[train0]], 1)  # [48, 10]
n_fit, p_fit = A.shape
Q, _ = torch.linalg.qr(A)                                            # orthonormal basis of the fit space
eps = NOISE * torch.randn(N_NOISE_DRAWS, n_fit, generator=gen, dtype=torch.float64).to(DEVICE)
resid = eps - (eps @ Q) @ Q.T                                        # what a least-squares fit leaves
per_draw = (resid ** 2).mean(1)                                      # training MSE of each draw
sim_train, sd_train = per_draw.mean().item(), per_draw.std().item()
expected_train = NOISE ** 2 * (1 - p_fit / n_fit)
assert abs(sim_train - expected_train) < 0.002          # Monte Carlo sd here is about 0.0003
assert abs(train_curve[0] - expected_train) < sd_train  # within one standard deviation of one fit
print(f"\n== training error of a least-squares fit that only fits noise ({p_fit} coefficients, "
      f"{n_fit} points) ==")
for label, value in [(f"expected, sigma^2 (1 - p/N) = {NOISE ** 2:.2f} * (1 - {p_fit}/{n_fit})", expected_train),
                     (f"simulated, {N_NOISE_DRAWS} draws of pure noise", sim_train),
                     ("spread of one fit (standard deviation)", sd_train),
                     ("this data, ridge at lambda 1e-07 (table above)", train_curve[0])]:
    print(f"{label:<50} {value:.4f}")

# ---- figure: the folds, and the validation curve ----------------------------------------------
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
grid = torch.zeros(K, n_cv)
for i, (_, val) in enumerate(folds):
    grid[i, val] = 1
ax1.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
ax1.set(xlabel="sample index", ylabel="fold", yticks=range(K),
        title="validation samples (dark) of each fold: one per column")
lams = [r[0] for r in rows]
for j in range(K):
    ax2.plot(lams, [r[3][j] for r in rows], color="#9ecae1", linewidth=0.8,
             label="validation, one fold" if j == 0 else None)
ax2.plot(lams, [r[2] for r in rows], "o-", color="#08519c", label="validation, mean of folds")
ax2.plot(lams, train_curve, "s--", color="#e6550d", label="training, mean of folds")
ax2.axvline(lam_best, color="gray", linestyle=":", label=f"chosen lambda = {lam_best:.0e}")
ax2.axhline(NOISE ** 2, color="black", linewidth=0.6, label="noise variance")
ax2.set(xscale="log", yscale="log", xlabel="ridge penalty lambda", ylabel="mean squared error",
        title="choosing lambda by 5-fold cross-validation")
ax2.set_yticks([0.05, 0.1, 0.2, 0.5], labels=["0.05", "0.1", "0.2", "0.5"])
ax2.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
ax2.legend(fontsize=8)
fig.savefig(OUT_DIR / "workflow_kfold.svg", metadata={"Date": None})
print("figure: workflow_kfold.svg")
