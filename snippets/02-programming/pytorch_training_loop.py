"""A complete PyTorch training loop: Dataset, DataLoader, nn.Module, loss, optimiser, evaluation.

Look at: the validation loss falling towards the noise floor (NOISE_STD**2 = 0.01) within a few epochs,
and the learned weights and bias ending up close to the true ones hidden in the synthetic data.
The same code runs on a CPU or a GPU: only DEVICE changes.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

N_TRAIN, N_VAL, N_FEATURES = 800, 200, 4
TRUE_W = torch.tensor([1.5, -2.0, 0.5, 3.0])
TRUE_B = 0.7
NOISE_STD = 0.1
BATCH_SIZE, EPOCHS, LR = 32, 10, 0.05
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

# Synthetic data, made on the CPU: y = x . w + b + noise.
X = torch.randn(N_TRAIN + N_VAL, N_FEATURES)                      # [1000, 4]
y = X @ TRUE_W + TRUE_B + NOISE_STD * torch.randn(len(X))         # [1000]
train_set = TensorDataset(X[:N_TRAIN], y[:N_TRAIN])               # item i -> (x_i, y_i)
val_set = TensorDataset(X[N_TRAIN:], y[N_TRAIN:])
train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True,
                          generator=torch.Generator().manual_seed(SEED))   # reshuffled every epoch
val_loader = DataLoader(val_set, batch_size=100)                  # order does not matter here


class LinearRegressor(nn.Module):
    """y_hat = x W^T + b, one output per example."""

    def __init__(self, n_features: int):
        super().__init__()
        self.linear = nn.Linear(n_features, 1)                    # registers weight [1, F] and bias [1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).squeeze(-1)                         # [B, F] -> [B, 1] -> [B]


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    """Mean squared error over a whole data set, without building a graph."""
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for xb, yb in loader:
            xb, yb = xb.to(DEVICE), yb.to(DEVICE)
            total += nn.functional.mse_loss(model(xb), yb, reduction="sum").item()
            count += len(yb)
    return total / count


model = LinearRegressor(N_FEATURES).to(DEVICE)                    # moves its parameters
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
loss_fn = nn.MSELoss()
n_params = sum(p.numel() for p in model.parameters())

print(f"parameters: {n_params}, batches per epoch: {len(train_loader)}")
print(f"{'epoch':>5}{'train loss':>12}{'val loss':>10}")
print(f"{0:>5}{'-':>12}{evaluate(model, val_loader):>10.4f}")
for epoch in range(1, EPOCHS + 1):
    model.train()
    running = 0.0
    for xb, yb in train_loader:                                   # xb: [32, 4], yb: [32]
        xb, yb = xb.to(DEVICE), yb.to(DEVICE)
        loss = loss_fn(model(xb), yb)                             # 1. forward
        optimizer.zero_grad()                                     # 2. clear old gradients
        loss.backward()                                           # 3. backward: fill .grad
        optimizer.step()                                          # 4. update the parameters
        running += loss.item() * len(yb)
    val_loss = evaluate(model, val_loader)
    if epoch in (1, 2, 3, 5, EPOCHS):
        print(f"{epoch:>5}{running / N_TRAIN:>12.4f}{val_loss:>10.4f}")

w_hat = model.linear.weight.detach().cpu().squeeze(0)             # [4]
b_hat = model.linear.bias.item()
assert n_params == N_FEATURES + 1
assert val_loss < 2 * NOISE_STD ** 2, val_loss
assert torch.allclose(w_hat, TRUE_W, atol=0.02) and abs(b_hat - TRUE_B) < 0.02

print()
print(f"{'':>8}" + "".join(f"{f'w{i + 1}':>8}" for i in range(N_FEATURES)) + f"{'b':>8}")
print(f"{'true':>8}" + "".join(f"{v:>8.3f}" for v in TRUE_W.tolist()) + f"{TRUE_B:>8.3f}")
print(f"{'learned':>8}" + "".join(f"{v:>8.3f}" for v in w_hat.tolist()) + f"{b_hat:>8.3f}")
