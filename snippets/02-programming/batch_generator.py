"""A ten-line generator yields exactly the mini-batches of torch.utils.data.DataLoader.

Look at: in order and in a fixed shuffled order, with and without drop_last, the generator and
DataLoader give the same batches (same indices, equal tensors). The generator is lazy: it has read
nothing when created and one batch after next(). And it is one-shot: a second pass over the same
generator object is empty, while a DataLoader starts again on every `for`.
"""
import torch
from torch.utils.data import DataLoader, Dataset

N, D, BATCH_SIZE = 10, 3, 4          # 10 samples of 3 features, batches of 4: sizes 4, 4, 2
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class ToyDataset(Dataset):
    """A map-style data set: __len__ and __getitem__ are all DataLoader needs."""

    def __init__(self, n, d):
        self.x = torch.randn(n, d, device=DEVICE)   # features [n, d]
        self.reads = 0                              # how many samples were fetched so far

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):                       # one sample: (features [d], its index)
        self.reads += 1
        return self.x[i], torch.tensor(i)


def collate(samples):
    """[(x, i), (x, i), ...] -> (x stacked [B, d], i stacked [B])."""
    xs, idx = zip(*samples)
    return torch.stack(xs), torch.stack(idx)


def batches(dataset, batch_size, order=None, drop_last=False):
    """Yield one collated batch at a time; nothing is read before the caller asks for it."""
    chunk = []
    for i in range(len(dataset)) if order is None else order:
        chunk.append(dataset[i])
        if len(chunk) == batch_size:
            yield collate(chunk)
            chunk = []
    if chunk and not drop_last:                     # the short last batch
        yield collate(chunk)


def same(mine, loader):
    mine, theirs = list(mine), list(loader)
    assert len(mine) == len(theirs)
    for (x1, i1), (x2, i2) in zip(mine, theirs):
        assert torch.equal(x1, x2) and torch.equal(i1, i2)
    return [b[1].tolist() for b in mine]            # the sample indices of each batch


ds = ToyDataset(N, D)
order = torch.randperm(N, generator=torch.Generator().manual_seed(SEED)).tolist()
cases = {
    "in order": (batches(ds, BATCH_SIZE), DataLoader(ds, batch_size=BATCH_SIZE)),
    "in order, drop_last": (batches(ds, BATCH_SIZE, drop_last=True),
                            DataLoader(ds, batch_size=BATCH_SIZE, drop_last=True)),
    "fixed shuffled order": (batches(ds, BATCH_SIZE, order=order),
                             DataLoader(ds, batch_size=BATCH_SIZE, sampler=order)),
}
print("== generator vs DataLoader: same batches ==")
for name, (mine, loader) in cases.items():
    print(f"{name:<21} {same(mine, loader)}")

print("\n== a generator is lazy ==")
ds.reads = 0
gen = batches(ds, BATCH_SIZE)
reads_created = ds.reads                            # creating a generator runs no code
x, idx = next(gen)                                  # runs until the first `yield`
assert (reads_created, ds.reads) == (0, BATCH_SIZE)
print(f"{'samples read after batches(...)':<32} {reads_created}")
print(f"{'samples read after next(...)':<32} {ds.reads}   first batch x: {list(x.shape)}")

print("\n== a generator is one-shot, a DataLoader is not ==")
gen = batches(ds, BATCH_SIZE)
loader = DataLoader(ds, batch_size=BATCH_SIZE)
gen_epochs = [len(list(gen)) for _ in range(2)]     # the second pass finds it exhausted
loader_epochs = [len(list(loader)) for _ in range(2)]   # each pass calls iter(loader) afresh
assert gen_epochs == [3, 0] and loader_epochs == [3, 3]
print(f"{'batches per epoch, same generator':<34} {gen_epochs}")
print(f"{'batches per epoch, same DataLoader':<34} {loader_epochs}")
