# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["en"]
# # Lab: build and train a tiny Transformer
#
# In this lab you put the pieces of this stage together into a complete model and train it, on your
# CPU, in a few seconds. You will:
#
# - write multi-head self-attention with plain tensor operations and check it against PyTorch's
#   `F.scaled_dot_product_attention`;
# - add token embeddings and learned positional encodings, stack pre-norm blocks (attention, feed-forward
#   network, residual connections, LayerNorm) into an encoder;
# - train it to **reverse sequences of digits** and measure its accuracy on sequences it has never seen;
# - see why the model needs positions, and what a padding mask does.
#
# Every cell is ordinary PyTorch. Run the notebook top to bottom, or the same file as a script:
# `python lab_tiny_transformer.py`.

# %% [markdown] tags=["zh"]
# # 动手实验：从零搭建并训练一个小型 Transformer
#
# 本实验把这一阶段学过的组件拼成一个完整的模型，并在你自己的 CPU 上用几秒钟把它训练好。你将：
#
# - 只用张量运算写出多头自注意力，并与 PyTorch 的 `F.scaled_dot_product_attention` 对照验证；
# - 加上词元嵌入（token embedding）和可学习的位置编码，把前归一化（pre-norm）的块（注意力、前馈网络、残差连接、层归一化）堆叠成一个编码器；
# - 训练它**把数字序列倒过来**，并在从未见过的序列上测量准确率；
# - 体会模型为什么需要位置信息，以及填充掩码（padding mask）起什么作用。
#
# 所有单元格都是普通的 PyTorch 代码。可以在 Jupyter 里从上到下依次运行，也可以把同一个文件当脚本运行：`python lab_tiny_transformer.py`。

# %% [markdown] tags=["en"]
# ## Step 0 · Settings
#
# All sizes and hyperparameters live in one place. The model is deliberately tiny: two blocks, width 64, four heads —
# about 100 thousand parameters. Seeding and `torch.use_deterministic_algorithms(True)` make every run
# print the same numbers.

# %% [markdown] tags=["zh"]
# ## 第 0 步 · 设置
#
# 所有尺寸和超参数都集中在一处。模型刻意做得很小：两个块、宽度 64、四个头，约 10 万个参数。固定随机种子并开启 `torch.use_deterministic_algorithms(True)`，保证每次运行打印出相同的数字。

# %%
import math
import os

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 10                 # digits 0-9
PAD = VOCAB                # an extra token id that fills the slots after a short sequence
MIN_LEN, MAX_LEN = 8, 10   # sequence lengths
D_MODEL = 64               # width of every token vector
N_HEADS = 4                # attention heads, each of size D_MODEL // N_HEADS = 16
N_LAYERS = 2               # Transformer blocks
D_FF = 4 * D_MODEL         # hidden width of the feed-forward network
BATCH = 128
STEPS = 200
WARMUP = 30                # steps of linear learning-rate warm-up
LR = 3e-3
LOG_EVERY = 40
N_TEST = 2000

torch.manual_seed(0)
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS on a GPU
torch.use_deterministic_algorithms(True)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

try:  # in a notebook: vector figures without a timestamp; as a plain script this is skipped
    get_ipython().run_line_magic("config", 'InlineBackend.figure_formats = ["svg"]')
    get_ipython().run_line_magic(
        "config", 'InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Date": None}}')
except NameError:
    pass
plt.rcParams["svg.hashsalt"] = "llm-roadmap"  # stable ids inside the SVG

# %% [markdown] tags=["en"]
# ## Step 1 · The task: reverse a sequence
#
# Each example is a random string of 8 to 10 digits; the target is the same string backwards. Shorter
# strings are padded on the right with a `PAD` token so that a batch is one rectangular tensor, and the
# target at padded slots is `-100`, the value `F.cross_entropy` ignores.
#
# Reversal is a good first task for attention: to write the output at position $i$ the model must copy
# the token at position $L-1-i$, where $L$ is the length. Nothing about the *content* of the tokens says
# where to look, so the model can only solve it with positional information. Training batches are
# drawn fresh at every step; the test set comes from a separate random generator. With 10⁸ to 10¹⁰
# possible strings per length, a test string will almost never have been seen in training, and Step 5
# checks that none was.

# %% [markdown] tags=["zh"]
# ## 第 1 步 · 任务：把序列倒过来
#
# 每个样本是一串长度为 8 到 10 的随机数字，目标是把它倒序。较短的序列在右侧用 `PAD` 词元补齐，这样一个批次就是一个规整的矩形张量；填充位置上的目标设为 `-100`，也就是 `F.cross_entropy` 默认忽略的值。
#
# 倒序很适合作为注意力的入门任务：要在位置 $i$ 输出正确的词元，模型必须复制位置 $L-1-i$ 上的词元（$L$ 为序列长度）。词元的*内容*本身并不指明该看哪里，所以模型只能依靠位置信息来完成任务。训练批次每一步都重新随机生成；测试集由另一个独立的随机数生成器产生。每种长度都有 10⁸ 到 10¹⁰ 种可能的序列，测试序列几乎不可能在训练中出现过，第 5 步会核实确实一条都没有。

# %%
def make_batch(n, gen):
    """n random digit strings of length MIN_LEN..MAX_LEN, padded; returns (inputs, targets, lengths)."""
    lengths = torch.randint(MIN_LEN, MAX_LEN + 1, (n,), generator=gen)
    digits = torch.randint(0, VOCAB, (n, MAX_LEN), generator=gen)
    pos = torch.arange(MAX_LEN)
    real = pos[None, :] < lengths[:, None]                          # (n, T) True where a digit is
    x = torch.where(real, digits, torch.full_like(digits, PAD))
    # target[b, i] = x[b, L-1-i] for i < L; clamp keeps the index valid at padded slots
    src = (lengths[:, None] - 1 - pos[None, :]).clamp(min=0)       # (n, T)
    y = torch.where(real, x.gather(1, src), torch.full_like(x, -100))
    return x, y, lengths


train_gen = torch.Generator().manual_seed(1)
test_gen = torch.Generator().manual_seed(2)
x_test, y_test, len_test = make_batch(N_TEST, test_gen)

x_demo, y_demo, _ = make_batch(2, torch.Generator().manual_seed(3))
print("example input :", x_demo[0].tolist())
print("example target:", y_demo[0].tolist())
print("(PAD =", PAD, "in inputs, -100 = ignored in targets)")

# %% [markdown] tags=["en"]
# ## Step 2 · Multi-head self-attention, written with tensors
#
# This is the module from the pages *Attention and self-attention* and *Multi-head attention*. One
# linear layer produces queries, keys and values for all heads at once; they are split into heads of
# size $d_h = d_\text{model}/h$, and each head computes
#
# $$
# \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_h}} + M\right)V ,
# $$
#
# where the mask $M$ is $0$ for real tokens and $-\infty$ for padded keys, so no query ever attends to
# a `PAD` slot. The heads are concatenated and mixed by an output projection. We check our arithmetic
# against `F.scaled_dot_product_attention` before using it.

# %% [markdown] tags=["zh"]
# ## 第 2 步 · 用张量写出多头自注意力
#
# 这就是“注意力机制与自注意力”和“多头注意力”两页中的模块。一个线性层一次性算出所有头的查询、键和值，再按头切分，每个头的维度为 $d_h = d_\text{model}/h$，各自计算
#
# $$
# \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(\frac{QK^\top}{\sqrt{d_h}} + M\right)V ,
# $$
#
# 其中掩码 $M$ 在真实词元处为 $0$，在填充的键处为 $-\infty$，因此任何查询都不会关注 `PAD` 位置。各头的输出拼接起来，再经过输出投影混合。正式使用之前，先把我们的计算与 `F.scaled_dot_product_attention` 对照一遍。

# %%
class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.h, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)   # W_Q, W_K, W_V stacked
        self.out = nn.Linear(d_model, d_model)       # W_O

    def split_heads(self, x):                        # (B, T, C) -> (B, h, T, d_head)
        B, T, _ = x.shape
        return x.view(B, T, self.h, self.d_head).transpose(1, 2)

    def forward(self, x, key_ok, use_sdpa=False):
        # x: (B, T, C); key_ok: (B, T), True for real tokens
        q, k, v = map(self.split_heads, self.qkv(x).chunk(3, dim=-1))
        mask = key_ok[:, None, None, :]              # (B, 1, 1, T), broadcast over heads and queries
        if use_sdpa:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)   # (B, h, T, T)
            scores = scores.masked_fill(~mask, float("-inf"))
            y = scores.softmax(dim=-1) @ v                              # (B, h, T, d_head)
        y = y.transpose(1, 2).reshape(x.shape)       # concatenate heads: (B, T, C)
        return self.out(y)


attn = MultiHeadSelfAttention(D_MODEL, N_HEADS)
x_check = torch.randn(3, MAX_LEN, D_MODEL)
ok_check = torch.arange(MAX_LEN)[None, :] < torch.tensor([[8], [9], [10]])
mine = attn(x_check, ok_check)
reference = attn(x_check, ok_check, use_sdpa=True)
assert torch.allclose(mine, reference, atol=1e-5)
print("matches F.scaled_dot_product_attention:", torch.allclose(mine, reference, atol=1e-5))

# %% [markdown] tags=["en"]
# ## Step 3 · The pre-norm block and the whole encoder
#
# A block, as on the page *The Transformer block*, in the pre-norm arrangement used by GPT-2 and most
# modern models:
#
# $$
# x \leftarrow x + \operatorname{MHA}(\operatorname{LN}(x)), \qquad
# x \leftarrow x + \operatorname{FFN}(\operatorname{LN}(x)) .
# $$
#
# The feed-forward network acts on each position separately (Linear → GELU → Linear, widening 4×).
# The residual connections keep an unobstructed path from input to output, which makes deeper stacks
# much easier to train.
#
# The model itself: token embedding plus a **learned positional embedding** (one trainable vector per
# position, see *Positional encoding*), `N_LAYERS` blocks, a final LayerNorm, and a linear head giving
# 10 digit logits at every position. There is no causal mask: this is an encoder, every position sees
# the whole (unpadded) input, as it must to read position $L-1-i$.

# %% [markdown] tags=["zh"]
# ## 第 3 步 · 前归一化块与整个编码器
#
# 按照“Transformer 块”一页的写法，采用 GPT-2 及多数现代模型使用的前归一化（pre-norm）结构：
#
# $$
# x \leftarrow x + \operatorname{MHA}(\operatorname{LN}(x)), \qquad
# x \leftarrow x + \operatorname{FFN}(\operatorname{LN}(x)) .
# $$
#
# 前馈网络对每个位置独立作用（Linear → GELU → Linear，中间宽度扩大 4 倍）。残差连接为从输入到输出保留了一条畅通的通路，使更深的堆叠容易训练得多。
#
# 整个模型：词元嵌入加上**可学习的位置嵌入**（每个位置一个可训练向量，见“位置编码”一页），接 `N_LAYERS` 个块、一个最终的层归一化，以及一个线性输出头，在每个位置给出 10 个数字各自的 logits。这里没有因果掩码：这是编码器，每个位置都能看到整个（非填充的）输入；要读取位置 $L-1-i$，这是必需的。

# %%
class Block(nn.Module):
    def __init__(self, d_model, n_heads, d_ff):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x, key_ok):
        x = x + self.attn(self.ln1(x), key_ok)   # residual around attention
        x = x + self.ffn(self.ln2(x))            # residual around the feed-forward network
        return x


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB + 1, D_MODEL)    # digits + PAD
        self.pos = nn.Embedding(MAX_LEN, D_MODEL)      # learned positional encoding
        self.blocks = nn.ModuleList(Block(D_MODEL, N_HEADS, D_FF) for _ in range(N_LAYERS))
        self.ln_f = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, x):                              # x: (B, T) token ids
        key_ok = x != PAD                              # (B, T) padding mask
        h = self.tok(x) + self.pos(torch.arange(x.shape[1], device=x.device))   # (B, T, C)
        for block in self.blocks:
            h = block(h, key_ok)
        return self.head(self.ln_f(h))                 # (B, T, VOCAB) logits


model = TinyTransformer().to(DEVICE)
print("parameters:", sum(p.numel() for p in model.parameters()))

# %% [markdown] tags=["en"]
# ## Step 4 · Train
#
# Cross-entropy over all real positions, AdamW, and a learning rate that rises linearly to `LR` over
# the first 30 steps and then decays to zero along a half cosine over the remaining 170 — the usual
# recipe for Transformers, which are sensitive to large early updates. We print the mean loss over
# each stretch of 40 steps, and the loss at the very first step.

# %% [markdown] tags=["zh"]
# ## 第 4 步 · 训练
#
# 损失是所有真实位置上的交叉熵，优化器用 AdamW；学习率在前 30 步线性预热到 `LR`，再在其余 170 步内沿半个余弦周期衰减到零。这是训练 Transformer 的常用做法，因为它对训练初期过大的更新比较敏感。每 40 步打印一次这段时间内的平均损失，另外打印第一步的损失。

# %%
opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)


def lr_factor(s):                    # s = number of optimizer steps already taken
    if s < WARMUP:
        return (s + 1) / WARMUP      # linear warm-up: LR/WARMUP, 2*LR/WARMUP, ..., LR
    return 0.5 * (1 + math.cos(math.pi * (s - WARMUP) / (STEPS - WARMUP)))   # cosine from LR to 0


sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)

losses = []
seen_in_training = set()            # every training string, to check the test set is really unseen
model.train()
for step in range(1, STEPS + 1):
    x, y, _ = make_batch(BATCH, train_gen)
    seen_in_training.update(map(tuple, x.tolist()))
    logits = model(x.to(DEVICE))                                    # (B, T, VOCAB)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.to(DEVICE).reshape(-1))  # ignores -100
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    losses.append(float(f"{loss.item():.3g}"))   # 3 significant digits: ample for the plot and the log
    if step % LOG_EVERY == 0:
        recent = sum(losses[-LOG_EVERY:]) / LOG_EVERY
        print(f"steps {step - LOG_EVERY + 1:4d}-{step:4d}   mean loss {recent:.3f}")
print(f"loss at step 1: {losses[0]:.2f}   (ln 10 = {math.log(VOCAB):.2f})")
assert abs(losses[0] - math.log(VOCAB)) < 0.3                  # starts near a uniform guess
assert sum(losses[-LOG_EVERY:]) / LOG_EVERY < 5e-3 * losses[0]  # ends far below: about 1/1000 here

# %% [markdown] tags=["en"]
# The loss curve (log scale) starts near $\ln 10 \approx 2.30$, the loss of a uniform guess over ten
# digits (2.48 at step 1: the random initial logits are not exactly uniform). Once the model learns to
# fetch the digit at position $L-1-i$ the loss plunges — the mean over steps 81–120 is already below
# 0.01 — and then flattens at about 0.002, three orders of magnitude below the start, as the learning
# rate decays.

# %% [markdown] tags=["zh"]
# 损失曲线（对数坐标）的起点接近 $\ln 10 \approx 2.30$，即在十个数字中均匀猜测时的损失（第 1 步为 2.48：随机初始化的 logits 并不完全均匀）。模型一旦学会去取位置 $L-1-i$ 上的数字，损失就急剧下降：第 81–120 步的平均损失已经低于 0.01；随后随着学习率衰减，损失稳定在 0.002 左右，比起点低了三个数量级。

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(range(1, STEPS + 1), losses, linewidth=1)
ax.axhline(math.log(VOCAB), color="gray", linestyle="--", linewidth=1, label="ln 10 (uniform guess)")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel("cross-entropy loss")
ax.set_title("Tiny Transformer learning to reverse digits")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown] tags=["en"]
# ## Step 5 · Evaluate on held-out sequences
#
# First we confirm that no test string occurred in training. Token accuracy counts correct digits
# over all real (unpadded) positions; sequence accuracy counts sequences reversed without a single
# mistake, a much stricter measure.

# %% [markdown] tags=["zh"]
# ## 第 5 步 · 在留出的测试序列上评估
#
# 先确认没有任何测试序列在训练中出现过。词元准确率统计所有真实（非填充）位置上预测正确的数字比例；序列准确率统计整条序列一个错误都没有的比例，这个标准要严格得多。

# %%
n_seen = sum(row in seen_in_training for row in map(tuple, x_test.tolist()))
print(f"test strings that also occurred in training: {n_seen} of {N_TEST}")
assert n_seen == 0                  # the test set is truly held out

model.eval()
with torch.no_grad():
    pred = model(x_test.to(DEVICE)).argmax(dim=-1).cpu()          # (N_TEST, T)
real = y_test != -100
token_acc = (pred == y_test)[real].float().mean().item()
seq_acc = ((pred == y_test) | ~real).all(dim=1).float().mean().item()
print(f"test token accuracy    : {token_acc:.4f}")
print(f"test sequence accuracy : {seq_acc:.4f}")
for n in range(MIN_LEN, MAX_LEN + 1):
    rows = len_test == n
    acc_n = (pred[rows] == y_test[rows])[real[rows]].float().mean().item()
    print(f"  length {n:2d} token accuracy: {acc_n:.4f}")
assert token_acc >= 0.99

print("\ninput          -> prediction")
for b in range(5):
    L = len_test[b].item()
    src = "".join(map(str, x_test[b, :L].tolist()))
    out = "".join(map(str, pred[b, :L].tolist()))
    mark = "ok" if out == src[::-1] else "WRONG"
    print(f"{src:<14s} -> {out:<10s} {mark}")

# %% [markdown] tags=["en"]
# ## Step 6 · Positions matter: a quick experiment
#
# Self-attention without positional information is permutation-equivariant (page *Positional
# encoding*): shuffle the input tokens and the outputs are shuffled the same way. Zero the learned
# positional embedding of the trained model and the whole encoder inherits this property — the code
# below checks it by shuffling the ten columns of the test inputs. The output at a position can then depend
# only on that position's own token and on the unordered multiset of digits in the sequence (which
# digits occur and how often, not where). The model can no longer tell which digit is at $L-1-i$, and
# the accuracy collapses.

# %% [markdown] tags=["zh"]
# ## 第 6 步 · 位置信息很关键：一个小实验
#
# 没有位置信息的自注意力具有置换等变性（见“位置编码”一页）：打乱输入词元的顺序，输出也按同样的方式被打乱。把训练好的模型的位置嵌入置零后，整个编码器也具有这一性质，下面的代码把测试输入的十列打乱来验证这一点。此时某个位置的输出只能取决于该位置自己的词元，以及整条序列中数字的无序多重集合（出现了哪些数字、各出现几次，但不含它们的位置）。模型再也分辨不出位置 $L-1-i$ 上是哪个数字，准确率随之崩溃。

# %%
saved = model.pos.weight.detach().clone()
perm = torch.randperm(MAX_LEN, generator=torch.Generator().manual_seed(4))   # shuffle the columns
with torch.no_grad():
    model.pos.weight.zero_()
    logits_nopos = model(x_test.to(DEVICE)).cpu()
    logits_shuffled = model(x_test[:, perm].to(DEVICE)).cpu()
    model.pos.weight.copy_(saved)
# without positions: shuffling the input only shuffles the output the same way
equivariant = torch.allclose(logits_shuffled, logits_nopos[:, perm], atol=1e-4)
print("without positions, shuffled input -> equally shuffled output:", equivariant)
assert equivariant
acc_nopos = (logits_nopos.argmax(dim=-1) == y_test)[real].float().mean().item()
print(f"token accuracy without positions: {acc_nopos:.4f}   (with positions: {token_acc:.4f})")
assert acc_nopos < 0.5

# %% [markdown] tags=["en"]
# ## What to try next
#
# 1. **Sinusoidal positions.** Replace `nn.Embedding(MAX_LEN, D_MODEL)` with the fixed sinusoidal
#    table from *Positional encoding* (register it as a buffer). Does the model still reach 99%? Does it
#    need more steps?
# 2. **Drop the padding mask.** In `TinyTransformer.forward`, set
#    `key_ok = torch.ones_like(x, dtype=torch.bool)` so queries can also see `PAD` slots. Does
#    accuracy change? Where could the model now read the sequence length from?
# 3. **Longer sequences.** Train on lengths 8–10, then test on length 12 (enlarge the positional table
#    first). Why do learned positions give no useful signal at positions the model never trained on?
# 4. **Smaller model.** Try `N_LAYERS = 1`, or `N_HEADS = 1`, or `D_MODEL = 32`. Which change hurts
#    most, and does training for more steps repair it?
# 5. **Post-norm.** Rewrite `Block.forward` as `x = LN(x + MHA(x))`, `x = LN(x + FFN(x))` and remove
#    the warm-up. Compare the loss curves (page *The Transformer block*).
# 6. **Look inside.** Return the attention weights of the last block and plot them for one test
#    example as a heatmap. Can you see the anti-diagonal $i \to L-1-i$?

# %% [markdown] tags=["zh"]
# ## 接下来可以尝试
#
# 1. **正弦位置编码。** 把 `nn.Embedding(MAX_LEN, D_MODEL)` 换成“位置编码”一页中的固定正弦位置编码表（用 `register_buffer` 注册为缓冲区）。模型还能达到 99% 吗？需要更多训练步数吗？
# 2. **去掉填充掩码。** 在 `TinyTransformer.forward` 里改为 `key_ok = torch.ones_like(x, dtype=torch.bool)`，让查询也能看到 `PAD` 位置。准确率有变化吗？模型现在可以从哪里得知序列长度？
# 3. **更长的序列。** 在长度 8–10 上训练，在长度 12 上测试（先把位置嵌入表加大）。为什么可学习的位置编码在训练中从未出现过的位置上提供不了有用的信号？
# 4. **更小的模型。** 试试 `N_LAYERS = 1`、`N_HEADS = 1` 或 `D_MODEL = 32`。哪一项改动影响最大？多训练一些步数能弥补吗？
# 5. **后归一化（post-norm）。** 把 `Block.forward` 改写成 `x = LN(x + MHA(x))`、`x = LN(x + FFN(x))`，并去掉学习率预热，比较两条损失曲线（见“Transformer 块”一页）。
# 6. **看看模型内部。** 让最后一个块返回注意力权重，对一个测试样本画成热力图。你能看到 $i \to L-1-i$ 的反对角线吗？
