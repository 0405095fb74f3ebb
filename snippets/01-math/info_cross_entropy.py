"""F.cross_entropy is -log softmax picked at the target, averaged over the positions that count.

Look at: per position, the library's loss equals -log_softmax(logits)[target]; the mean reduction
divides by the number of targets that are not ignore_index, not by all positions; logits laid out as
[B, V, T] give the same loss; with a probability vector as target it is H(p, q); the gradient with
respect to the logits is softmax - one_hot; and log(softmax) computed naively overflows where
log_softmax does not.
"""
import torch
import torch.nn.functional as F

B, T, V = 2, 6, 11                   # batch, sequence length, vocabulary size
IGNORE = -100                        # F.cross_entropy's default ignore_index

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

logits = torch.randn(B, T, V, dtype=DTYPE, device=DEVICE)                 # model outputs
targets = torch.randint(0, V, (B, T), device=DEVICE)                       # next-token ids
targets[1, 4:] = IGNORE                                                    # padding: no loss here

# By hand: log q = log_softmax(logits); loss_t = -log q_t[target_t]; mean over the counted positions.
log_q = torch.log_softmax(logits, dim=-1)                                  # [B, T, V]
keep = targets != IGNORE                                                   # [B, T]
picked = log_q.gather(-1, targets.clamp_min(0).unsqueeze(-1)).squeeze(-1)  # [B, T]
mine = torch.where(keep, -picked, 0.0)                                     # 0 at ignored positions
mine_mean = mine.sum() / keep.sum()

flat_logits, flat_targets = logits.reshape(B * T, V), targets.reshape(B * T)
lib = F.cross_entropy(flat_logits, flat_targets, reduction="none").reshape(B, T)
lib_mean = F.cross_entropy(flat_logits, flat_targets)                      # reduction="mean"
assert torch.allclose(lib, mine) and torch.allclose(lib_mean, mine_mean)
assert torch.allclose(F.cross_entropy(logits.transpose(1, 2), targets), lib_mean)   # [B, V, T] layout
assert torch.allclose(F.nll_loss(log_q.reshape(B * T, V), flat_targets), lib_mean)   # = NLL of log_softmax
wrong_mean = mine.mean()                                   # divides by B * T, counting the padding
assert not torch.allclose(wrong_mean, lib_mean)

print(f"== logits [B={B}, T={T}, V={V}], {int((~keep).sum())} targets set to ignore_index ==")
print("per-position loss ('-' = ignored)")
for b in range(B):
    for name, row in ((f"seq {b}  F.cross_entropy", lib[b]), ("        -log q[target]", mine[b])):
        cells = [f"{v:6.3f}" if k else "     -" for v, k in zip(row.tolist(), keep[b].tolist())]
        print(f"{name:<23}" + " ".join(cells))
print(f"{'mean, F.cross_entropy':<36} : {lib_mean.item():.4f}")
print(f"{f'mean by hand over {int(keep.sum())} counted targets':<36} : {mine_mean.item():.4f}")
print(f"{f'mean over all {B * T} positions (wrong)':<36} : {wrong_mean.item():.4f}")
print()

# Soft targets: with a probability vector p as target, F.cross_entropy computes H(p, q) = -sum p log q.
p = torch.softmax(torch.randn(4, V, dtype=DTYPE, device=DEVICE), dim=-1)
z = torch.randn(4, V, dtype=DTYPE, device=DEVICE)
h_pq = -(p * torch.log_softmax(z, dim=-1)).sum(-1)
assert torch.allclose(F.cross_entropy(z, p, reduction="none"), h_pq)
# A one-hot p is an ordinary target: H(one_hot, q) = -log q[target].
one_hot = F.one_hot(torch.tensor([3, 0, 7, 1], device=DEVICE), V).to(DTYPE)
assert torch.allclose(F.cross_entropy(z, one_hot), F.cross_entropy(z, one_hot.argmax(-1)))
print(f"{'soft targets: F.cross_entropy(z, p)':<36} : {h_pq.mean().item():.4f} = mean H(p, softmax(z)), 4 rows")

# Gradient: d loss / d logits = softmax(logits) - one_hot(target), for one position.
z1 = torch.randn(V, dtype=DTYPE, device=DEVICE, requires_grad=True)
y1 = torch.tensor(5, device=DEVICE)
(grad,) = torch.autograd.grad(F.cross_entropy(z1, y1), z1)
assert torch.allclose(grad, torch.softmax(z1, -1) - F.one_hot(y1, V).to(DTYPE))
print(f"{'d loss / d logits':<36} : softmax - one_hot (checked)")

# Stability: log(softmax(z)) underflows to log(0) = -inf for a far-behind target; log_softmax does not.
big = torch.tensor([[0.0, 200.0]], device=DEVICE)                            # float32
naive = -torch.log(torch.softmax(big, dim=-1))[0, 0]
stable = F.cross_entropy(big, torch.tensor([0], device=DEVICE))
assert naive.isinf() and torch.allclose(stable, torch.tensor(200.0, device=DEVICE))
print(f"{'logits (0, 200), target 0, float32':<36} : -log(softmax) = {naive.item()}, "
      f"F.cross_entropy = {stable.item():.1f}")
