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
# # Lab: train a tiny GPT on a CPU
#
# In this lab you pre-train a small GPT, from random weights, on the English and Chinese text that ships
# with this site, in about a minute on one CPU core. You will:
#
# - hold out a fixed set of paragraphs for validation, and train a byte-level BPE tokenizer on the rest
#   with the `tokenizers` library;
# - build a tiny `GPT2LMHeadModel` from a `GPT2Config` and watch it produce gibberish;
# - write the training loop yourself (AdamW, warm-up and cosine decay, gradient clipping, teacher forcing)
#   and check that the held-out loss ends far below the **unigram baseline**, a model that knows only how
#   often each token occurs;
# - generate from the trained model, greedily and by sampling, in both languages;
# - save model and tokenizer with `save_pretrained`, load them back from that folder, and check that the
#   library's `generate` picks exactly the tokens of your own greedy loop.
#
# It puts the pages [GPT and causal language modelling](../gpt/) and [Tokenization](../tokenization/) to
# work. It reads `snippets/corpus/`, so it runs inside a clone of the repository: as a script from the
# repository root, `python snippets/06-pretrained/lab_tiny_gpt.py`, or as a notebook, run top to bottom, in
# Jupyter started from the repository root (the lab finds the root from the folder the notebook is in).
# It writes its checkpoint `tiny_gpt/` and its figure into the repository root; git ignores both.

# %% [markdown] tags=["zh"]
# # 动手实验：在 CPU 上训练一个小型 GPT
#
# 本实验从随机权重开始，用本站随仓库发布的中英文正文预训练一个小型 GPT，在一个 CPU 核上大约一分钟就能完成。你将：
#
# - 固定留出一部分段落作验证集，用其余段落和 `tokenizers` 库训练一个字节级 BPE 分词器；
# - 由 `GPT2Config` 构建一个很小的 `GPT2LMHeadModel`，先看看它生成的乱码；
# - 亲手写出训练循环（AdamW、学习率预热加余弦衰减、梯度裁剪、教师强制），并验证留出集（held-out set）上的损失最终远低于**一元语法基线**（unigram baseline），即只知道每个词元出现频率的模型；
# - 用训练好的模型以贪心解码和采样两种方式生成中英文文本；
# - 用 `save_pretrained` 保存模型和分词器，再从这个文件夹加载回来，验证库的 `generate` 选出的词元与你自己写的贪心解码循环完全相同。
#
# 本实验是对 [GPT 与自回归语言模型](../gpt/) 和 [分词与子词](../tokenization/) 两页内容的动手实践。它要读取 `snippets/corpus/`，所以要在仓库的克隆里运行：当脚本运行时，在仓库根目录下执行 `python snippets/06-pretrained/lab_tiny_gpt.py`；当 notebook 运行时，在仓库根目录下启动 Jupyter，从上到下依次运行（实验会从 notebook 所在的文件夹向上找到仓库根目录）。它把检查点 `tiny_gpt/` 和损失曲线图写在仓库根目录下，git 会忽略这两者。

# %% [markdown] tags=["en"]
# ## Step 0 · Settings
#
# Every size and hyperparameter of the recipe is in this cell. The lab runs PyTorch on **one thread**:
# with two or more threads, sums are split differently between threads, the last bits of the losses
# differ, and after a few hundred steps of training the printed numbers and samples would depend on the
# machine. One thread makes every run on a given machine print the same lines, and in practice the recorded
# ones on the usual x86 machines with the same library versions. A different CPU or library build can still
# differ in the last digits, and so can a GPU, which the lab uses when it finds one.

# %% [markdown] tags=["zh"]
# ## 第 0 步 · 设置
#
# 这套训练配方的所有尺寸和超参数都在这个单元格里。本实验让 PyTorch 只用**一个线程**：多线程时，一次求和会拆给几个线程分别累加，线程数不同，累加顺序就不同，损失的最后几位会有差别，训练几百步之后，打印出的数字和生成的文本就会因机器而异。只用一个线程，同一台机器上每次运行打印的内容都完全相同；实际上，在常见的 x86 机器上，只要库的版本相同，打印的也就是这里记录的内容。换一种 CPU 或另一个构建版本的库，最后几位仍可能不同；用 GPU 也一样，而实验发现有 GPU 时就会用它。

# %%
import math
import os
import shutil
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import torch

warnings.filterwarnings("ignore", message="IProgress not found")   # tqdm's notice in Jupyter without ipywidgets
from safetensors.torch import load_file, save_file  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import (AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel,  # noqa: E402
                          PreTrainedTokenizerFast)
from transformers.utils import logging  # noqa: E402

CORPUS = [Path("snippets/corpus/en.txt"), Path("snippets/corpus/zh.txt")]
HOLD_OUT_EVERY = 20        # paragraph i is held out when i % 20 == 10
VOCAB_SIZE = 2048          # byte-level BPE: 256 bytes + <|endoftext|> + 1791 merges
EOT = "<|endoftext|>"      # ends every paragraph
CONTEXT = 128              # tokens per training window (and the model's n_positions)
N_LAYER, N_EMBD, N_HEAD = 2, 128, 4
BATCH = 8                  # windows per step
STEPS = 480
WARMUP = 60                # steps of linear warm-up, then cosine decay to zero
LR = 4e-3                  # peak learning rate, reached at the end of the warm-up
WEIGHT_DECAY = 0.1
CLIP = 1.0                 # gradient-norm clipping
EVAL_EVERY = 80
NEW_TOKENS = 24            # tokens generated per sample
PROMPTS = ["The model", "注意力"]
SEED = 0

torch.set_num_threads(1)   # the same results run after run, and across machines of the same kind
torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# The clone's root: the current folder, or the nearest folder above it that holds snippets/corpus/ (Jupyter
# runs a notebook in the notebook's own folder).
ROOT = next((d for d in (Path.cwd(), *Path.cwd().parents) if (d / "snippets" / "corpus").is_dir()), Path.cwd())
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", ROOT))
CKPT = OUT_DIR / "tiny_gpt"   # save_pretrained writes here
logging.set_verbosity_error()  # quiet the library's notices
logging.disable_progress_bar()  # and its progress bars (they print timings)
plt.rcParams["svg.hashsalt"] = "llm-roadmap"  # stable ids inside the SVG

# %% [markdown] tags=["en"]
# ## Step 1 · Read the corpus and hold out paragraphs
#
# `snippets/corpus/en.txt` and `zh.txt` hold this site's own prose, one paragraph per line. Every 20th
# paragraph of each language is held out: the tokenizer and the model never train on it, and the
# held-out loss is measured on it. A missing or damaged file stops the lab with a message that says how
# to get it back, not with a traceback.

# %% [markdown] tags=["zh"]
# ## 第 1 步 · 读取语料并留出部分段落
#
# `snippets/corpus/en.txt` 和 `zh.txt` 是本站自己的正文，每段一行。两种语言都每隔 20 段留出一段：分词器和模型都不在这些段落上训练，留出集损失就在它们上面测量。文件缺失或损坏时，实验会给出一条说明如何恢复的消息然后停止，而不是抛出一长串回溯信息。

# %%
paragraphs = {}
for path in CORPUS:
    try:                                # a missing or damaged corpus is a message, not a traceback
        paragraphs[path.stem] = [p for p in (ROOT / path).read_text(encoding="utf-8").splitlines() if p.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(f"cannot read {path} ({type(exc).__name__}): run this lab from the root of a clone of the repository "
                 "(the folder that holds `snippets/`); restore the file with `git checkout snippets/corpus`, "
                 "or recreate it with: python scripts/corpus.py")

train_par, heldout_par = [], []
for lang, pars in paragraphs.items():
    for i, p in enumerate(pars):
        (heldout_par if i % HOLD_OUT_EVERY == HOLD_OUT_EVERY // 2 else train_par).append(p)
    n_out = sum(i % HOLD_OUT_EVERY == HOLD_OUT_EVERY // 2 for i in range(len(pars)))
    print(f"{lang}: {len(pars):5d} paragraphs, {n_out:3d} held out, {sum(map(len, pars)):7,} characters")
print(f"training paragraphs: {len(train_par)}   held-out paragraphs: {len(heldout_par)}")

# %% [markdown] tags=["en"]
# ## Step 2 · A byte-level BPE tokenizer
#
# The same kind of tokenizer as GPT-2's, trained here on the training paragraphs of both languages
# (the page [Tokenization](../tokenization/) builds it from scratch and checks it against this library).
# The vocabulary is tiny, 2048 tokens, and one of them is the special token `<|endoftext|>`, which we
# append to every paragraph so the model learns where a paragraph ends. Wrapping the `tokenizers` object
# in `PreTrainedTokenizerFast` gives it the interface of every `transformers` tokenizer, including
# `save_pretrained`. With so few merges, the frequent words of this corpus are single tokens in both
# languages (`Attention`, `token`, 注意力, 词元), rarer English words split into pieces (`l|ets`, `lo|ok`),
# and a Chinese character that no merge covers falls back to two or three byte pieces.

# %% [markdown] tags=["zh"]
# ## 第 2 步 · 字节级 BPE 分词器
#
# 与 GPT-2 同类的分词器，这里用两种语言的训练段落来训练（[分词与子词](../tokenization/)一页从零实现了它，并与这个库做了对照）。词表很小，只有 2048 个词元，其中一个是特殊词元 `<|endoftext|>`：我们把它接在每个段落末尾，让模型学会段落在哪里结束。把 `tokenizers` 的对象包装成 `PreTrainedTokenizerFast`，它就拥有了所有 `transformers` 分词器的统一接口，包括 `save_pretrained`。合并规则这么少，本站语料里的高频词在两种语言中都是一个词元（`Attention`、`token`、注意力、词元），较少见的英文单词会切成几段（`l|ets`、`lo|ok`），没有被合并覆盖的汉字则退回两三个字节片段。

# %%
bpe = Tokenizer(models.BPE())
bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
bpe.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=[EOT], show_progress=False,
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
bpe.train_from_iterator(train_par, trainer=trainer)
tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token=EOT, eos_token=EOT, pad_token=EOT)
EOT_ID = tokenizer.eos_token_id
assert len(tokenizer) == VOCAB_SIZE and EOT_ID == 0
print(f"vocabulary: {len(tokenizer)} tokens, {EOT} has id {EOT_ID}")

for text in ["Attention lets every token look at the tokens before it.", "注意力让每个词元都能看到它前面的词元。"]:
    pieces = [tokenizer.decode([i]) for i in tokenizer(text)["input_ids"]]
    print(f"{len(text):3d} characters -> {len(pieces):3d} tokens ({len(pieces) / len(text):.2f} per character): "
          + "|".join(pieces))


def to_stream(pars):
    """All paragraphs as one token stream, each followed by <|endoftext|>."""
    ids = [i for enc in tokenizer(pars)["input_ids"] for i in enc + [EOT_ID]]
    return torch.tensor(ids)


train_ids, heldout_ids = to_stream(train_par), to_stream(heldout_par)
print(f"training tokens: {len(train_ids):,}   held-out tokens: {len(heldout_ids):,}")

# %% [markdown] tags=["en"]
# ## Step 3 · A tiny GPT, before training
#
# `GPT2Config` describes the architecture of the page *GPT and causal language modelling*: 2 blocks,
# width 128, 4 heads, a context of 128 tokens, and an output layer that shares its weights with the token
# embedding. Dropout is off: with a corpus this small and a run this short, the model does not overfit
# (Step 4 measures it). `GPT2LMHeadModel(config)` initialises the weights randomly, from our seed; nothing
# is downloaded. Untrained, the model's next-token distribution is close to uniform over 2048 tokens, so
# it starts at a loss of about $\ln 2048 \approx 7.62$ and writes random tokens.

# %% [markdown] tags=["zh"]
# ## 第 3 步 · 训练之前的小型 GPT
#
# `GPT2Config` 描述的就是“GPT 与自回归语言模型”一页中的结构：2 个块，隐藏维度 128，4 个头，上下文长度 128 个词元，输出层与词元嵌入共享权重。这里关掉了 dropout：语料这么小、训练这么短，模型不会过拟合（第 4 步会验证这一点）。`GPT2LMHeadModel(config)` 按我们设定的随机种子随机初始化权重，不下载任何东西。未经训练的模型对下一个词元的预测接近 2048 个词元上的均匀分布，所以损失从 $\ln 2048 \approx 7.62$ 附近开始，写出来的是一串随机词元。

# %%
config = GPT2Config(vocab_size=VOCAB_SIZE, n_positions=CONTEXT, n_embd=N_EMBD, n_layer=N_LAYER, n_head=N_HEAD,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                    bos_token_id=EOT_ID, eos_token_id=EOT_ID, pad_token_id=EOT_ID)
model = GPT2LMHeadModel(config).to(DEVICE)
print(f"parameters: {sum(p.numel() for p in model.parameters()):,} "
      f"(token embedding {model.transformer.wte.weight.numel():,}, shared with the output layer)")


def printable(text):
    """Decoded text with control characters shown as '·', so that random tokens print as one line."""
    return "".join(c if c.isprintable() else "·" for c in text)


def sample(m, prompt, seed):
    """A seeded top-k / top-p sample from the library's generate."""
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"].to(DEVICE)
    torch.manual_seed(seed)
    out = m.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, top_k=50, top_p=0.9,
                     temperature=0.8, max_new_tokens=NEW_TOKENS, pad_token_id=EOT_ID)
    return printable(tokenizer.decode(out[0], skip_special_tokens=True))


model.eval()
print("\nsamples before training (top-k 50, top-p 0.9, temperature 0.8):")
for prompt in PROMPTS:
    print(f"  {sample(model, prompt, SEED)}")

# %% [markdown] tags=["en"]
# ## Step 4 · Train
#
# Each step takes 8 windows of 128 consecutive tokens at random places in the training stream. Passing
# `labels=x` makes the model compute the teacher-forced loss: the logits at position $t$ are scored against
# the token at $t+1$, for all positions at once (the model shifts the labels itself). AdamW with weight
# decay, a learning rate that rises linearly over 60 steps to its peak of 4e-3 and then follows a half
# cosine down to zero, and gradients clipped to norm 1.
#
# The **unigram baseline** is the model that ignores the context: it predicts every token with its
# frequency in the training stream (add-one smoothing, so that no token has probability zero). Its
# cross-entropy on the held-out tokens is what a language model must beat to have learned anything
# about *order*. Every 80 steps we measure the loss on the held-out stream cut into windows of 128 (the
# baseline on the same targets).

# %% [markdown] tags=["zh"]
# ## 第 4 步 · 训练
#
# 每一步在训练词元流中随机取 8 个窗口，每个窗口是 128 个连续词元。传入 `labels=x`，模型就会计算教师强制下的损失：位置 $t$ 的 logits 与位置 $t+1$ 的词元比较，所有位置一次算完（标签的错位由模型自己完成）。优化器是带权重衰减的 AdamW；学习率在前 60 步线性预热到峰值 4e-3，然后沿半个余弦周期降到零；梯度按范数 1 裁剪。
#
# **一元语法基线**是一个完全不看上下文的模型：它按每个词元在训练词元流中的出现频率来预测（加一平滑，保证没有哪个词元的概率为零）。它在留出词元上的交叉熵是一道门槛：语言模型的损失要明显低于它，才说明学到了与词序有关的东西。每 80 步测一次留出集损失：把留出词元流按 128 个一段切成窗口来测（基线也在同样的目标词元上计算）。

# %%
counts = torch.bincount(train_ids, minlength=VOCAB_SIZE).double() + 1        # add-one smoothing
log_p_unigram = (counts / counts.sum()).log()
heldout_windows = heldout_ids[: len(heldout_ids) // CONTEXT * CONTEXT].view(-1, CONTEXT)   # (n, 128)
unigram_loss = -log_p_unigram[heldout_windows[:, 1:]].mean().item()          # the same targets as the model's
print(f"unigram baseline on held-out tokens: {unigram_loss:.4f}   (uniform over {VOCAB_SIZE}: "
      f"{math.log(VOCAB_SIZE):.4f})")


@torch.no_grad()
def heldout_loss(m):
    m.eval()
    losses = [m(input_ids=w.to(DEVICE), labels=w.to(DEVICE)).loss for w in heldout_windows.split(BATCH)]
    sizes = [len(w) for w in heldout_windows.split(BATCH)]
    m.train()
    return sum(l.item() * n for l, n in zip(losses, sizes)) / sum(sizes)    # every window has 127 targets


opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=(0.9, 0.95), weight_decay=WEIGHT_DECAY)


def lr_factor(s):                    # s = optimizer steps already taken
    if s < WARMUP:
        return (s + 1) / WARMUP
    return 0.5 * (1 + math.cos(math.pi * (s - WARMUP) / (STEPS - WARMUP)))


sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
windows = torch.Generator().manual_seed(SEED)
train_losses, evals = [], [(0, heldout_loss(model))]
print(f"step    0   held-out loss {evals[0][1]:.4f}")
model.train()
for step in range(1, STEPS + 1):
    starts = torch.randint(0, len(train_ids) - CONTEXT, (BATCH,), generator=windows)
    x = torch.stack([train_ids[s:s + CONTEXT] for s in starts]).to(DEVICE)     # (8, 128)
    loss = model(input_ids=x, labels=x).loss            # teacher forcing: predict x[:, t+1] from x[:, :t+1]
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    opt.step()
    sched.step()
    train_losses.append(loss.item())
    if step % EVAL_EVERY == 0:
        evals.append((step, heldout_loss(model)))
        recent = sum(train_losses[-EVAL_EVERY:]) / EVAL_EVERY
        print(f"step {step:4d}   train loss (mean of last {EVAL_EVERY}) {recent:.4f}   held-out loss {evals[-1][1]:.4f}")
model.eval()

final = evals[-1][1]
print(f"\nfinal held-out loss {final:.4f} vs unigram baseline {unigram_loss:.4f}: "
      f"{unigram_loss - final:.4f} nats lower, perplexity {math.exp(final):.1f} vs {math.exp(unigram_loss):.1f}")
below = next(s for s in range(1, STEPS + 1) if max(train_losses[s - 1:]) < unigram_loss)
print(f"training loss below the unigram baseline from step {below} on, highest after step 1: "
      f"{max(train_losses[1:]):.4f} (step 1: {train_losses[0]:.4f})")
assert abs(evals[0][1] - math.log(VOCAB_SIZE)) < 0.2   # starts near a uniform guess
assert final < unigram_loss - 1.0                       # well below the unigram baseline: it learned order
assert abs(recent - final) < 0.1                        # held-out close to training loss: no overfitting

# %% [markdown] tags=["en"]
# The training loss is below the unigram line for good from step 36 on, still during the warm-up (the line
# printed above): first the model learns token frequencies (that alone reaches the baseline), then which
# tokens follow which. And it shows no loss spike: after step 1 it never goes higher than 7.6449, barely
# above the 7.6408 of step 1 (exercise 4 shows what a shorter warm-up to a higher peak does). The held-out
# loss stays close to the training loss (the lab asserts that they end less than 0.1 apart): 480 steps of 8 × 128 tokens go through the training stream only about 1.4 times, too
# little to memorise it.

# %% [markdown] tags=["zh"]
# 从第 36 步起，训练损失就一直低于一元语法基线，这时预热还没结束（见上面打印的那一行）：模型先学会各个词元的频率（仅凭这一点就能达到基线），再学会哪些词元常跟在哪些词元后面。曲线上也没有损失尖峰：第 1 步之后，训练损失最高只到 7.6449，只比第 1 步的 7.6408 高一点点（练习 4 可以看到更短的预热、更高的峰值会带来什么）。留出集损失始终与训练损失接近（实验断言两者最后相差不到 0.1）：480 步、每步 8 × 128 个词元，合起来只相当于把训练词元流遍历约 1.4 遍，还不足以把它背下来。

# %%
fig, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(range(1, STEPS + 1), train_losses, linewidth=0.8, color="tab:blue", label="training loss (one batch)")
ax.plot(*zip(*evals), "o-", color="tab:orange", label="held-out loss")
ax.axhline(unigram_loss, color="gray", linestyle="--", linewidth=1, label="unigram baseline")
ax.set_xlabel("training step")
ax.set_ylabel("cross-entropy (nats per token)")
ax.set_title("Tiny GPT on the bilingual corpus")
ax.legend()
fig.tight_layout()
fig.savefig(OUT_DIR / "lab_tiny_gpt_loss.svg", metadata={"Date": None})
print("figure: lab_tiny_gpt_loss.svg")
plt.show()

# %% [markdown] tags=["en"]
# ## Step 5 · Samples after training
#
# Greedy decoding, with a loop written out: feed the whole sequence, take the most likely next token,
# append it, repeat, stop at `<|endoftext|>`. No KV cache, so every step recomputes all positions (the
# page *GPT and causal language modelling* shows the cache changes nothing but the cost). Then a seeded
# sample with top-k 50, top-p 0.9 and temperature 0.8, from the same prompts as before training.
#
# Do not expect prose: a model of 0.7 million parameters trained for about a minute has learned which
# pieces make words and which words and punctuation are frequent, not meaning. Greedy decoding shows the
# classic failure of the argmax, a loop it never gets out of: from `The model` it repeats `" the same tares"`
# (`tares` is no word here, only the pieces `t|ar|es`), and after the `，` of the Chinese prompt the most
# likely token is a space, and after that space again a space, to the end. Sampling avoids the loop, which
# is one reason chat models sample.

# %% [markdown] tags=["zh"]
# ## 第 5 步 · 训练之后的生成
#
# 先用自己写的循环做贪心解码：把整个序列送进模型，取概率最大的下一个词元，接到末尾，如此重复，遇到 `<|endoftext|>` 就停。这里不用 KV 缓存，每一步都重新计算所有位置（“GPT 与自回归语言模型”一页验证过缓存只改变计算量，不改变结果）。然后用与训练前相同的提示词做一次固定种子的采样：top-k 50、top-p 0.9、温度 0.8。
#
# 别指望它写出通顺的句子：一个 70 万参数、训练大约一分钟的模型，学到的是哪些片段能拼成词、哪些词和标点常见，而不是意思。贪心解码暴露了 argmax 的典型问题：陷入循环，再也出不来。从 `The model` 开始，它不停地重复 `" the same tares"`（这里的 `tares` 不是单词，只是 `t|ar|es` 三个片段）；中文提示词那一行，在 `，` 之后概率最大的是一个空格，空格之后还是空格，一直到结束。采样能避开这种循环，这也是对话模型通常采样生成的原因之一。

# %%
@torch.no_grad()
def greedy(m, ids, n_new):
    """Our greedy decoding: ids (1, T) -> (1, T + up to n_new), without a KV cache."""
    for _ in range(n_new):
        next_id = m(input_ids=ids, use_cache=False).logits[:, -1].argmax(dim=-1, keepdim=True)   # (1, 1)
        ids = torch.cat([ids, next_id], dim=1)
        if next_id.item() == EOT_ID:
            break
    return ids


prompt_ids = {p: tokenizer(p, return_tensors="pt")["input_ids"].to(DEVICE) for p in PROMPTS}
ours = {p: greedy(model, ids, NEW_TOKENS) for p, ids in prompt_ids.items()}
print("greedy, the new tokens one by one:")
for p in PROMPTS:
    new = ours[p][0, prompt_ids[p].shape[1]:].tolist()
    print(f"  {p} -> " + "|".join(printable(tokenizer.decode([i])) for i in new))
print("sampled (top-k 50, top-p 0.9, temperature 0.8):")
for p in PROMPTS:
    print(f"  {sample(model, p, SEED)}")

# %% [markdown] tags=["en"]
# ## Step 6 · Save, load back, and generate with the library
#
# `save_pretrained` writes the model (`config.json`, `generation_config.json`, `model.safetensors`) and the
# tokenizer (`tokenizer.json`, `tokenizer_config.json`) into one folder. `AutoModelForCausalLM.from_pretrained` and
# `AutoTokenizer.from_pretrained` read it back; `local_files_only=True` makes sure they never look for
# it on the Hugging Face Hub. The checks: the reloaded model gives exactly the logits of the trained one,
# the reloaded tokenizer gives the same ids, and `generate(do_sample=False)` (greedy, with a KV cache)
# picks exactly the tokens of our loop. `generate` stops at `eos_token_id` (0, `<|endoftext|>`, saved in
# `generation_config.json`), as our loop does; neither prompt reaches it here, so both write all 24 tokens.
#
# `from_pretrained` quietly gives random weights to any parameter the file does not hold (here with its
# warnings silenced), so `load_checkpoint` asks for the loading report (`output_loading_info=True`) and
# stops when a weight is missing, unexpected or of the wrong shape.

# %% [markdown] tags=["zh"]
# ## 第 6 步 · 保存、加载回来，再用库生成
#
# `save_pretrained` 把模型（`config.json`、`generation_config.json`、`model.safetensors`）和分词器（`tokenizer.json`、`tokenizer_config.json`）写进同一个文件夹。`AutoModelForCausalLM.from_pretrained` 和 `AutoTokenizer.from_pretrained` 再把它读回来；`local_files_only=True` 保证它们不会去 Hugging Face Hub 上查找。要验证的是：加载回来的模型给出的 logits 与训练好的模型完全相同，加载回来的分词器给出相同的 id，`generate(do_sample=False)`（贪心解码，使用 KV 缓存）选出的词元与我们自己的循环完全相同。`generate` 遇到 `eos_token_id`（0，即 `<|endoftext|>`，保存在 `generation_config.json` 里）就停，和我们的循环一样；这里两个提示词都没有生成到它，所以两者都写满了 24 个词元。
#
# 文件里缺少某个参数时，`from_pretrained` 会悄悄地给它随机初始化（这里它的警告已被关掉），所以 `load_checkpoint` 要求返回加载报告（`output_loading_info=True`），只要有权重缺失、多余或形状不符就停下。

# %%
shutil.rmtree(CKPT, ignore_errors=True)
model.save_pretrained(CKPT)
tokenizer.save_pretrained(CKPT)
print("saved:", ", ".join(sorted(f.name for f in CKPT.iterdir())))

NEEDED = ("config.json", "model.safetensors", "tokenizer.json")


def load_checkpoint(folder):
    """Model and tokenizer from a folder written by save_pretrained, or an error that says how to recreate it."""
    missing = [name for name in NEEDED if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder.name}/ has no {', '.join(missing)}: "
                                "run the cell of Step 6 that calls save_pretrained (after Steps 0-4) to recreate it")
    try:
        m, info = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, output_loading_info=True)
        t = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except Exception as exc:        # a truncated or edited file
        raise RuntimeError(f"{folder.name}/ is damaged ({type(exc).__name__}): delete it and run the cell of Step 6 "
                           "that calls save_pretrained to recreate it") from None
    wrong = [f"{kind} {sorted(map(str, info[kind]))}" for kind in ("missing_keys", "unexpected_keys", "mismatched_keys")
             if info[kind]]         # weights that from_pretrained would otherwise leave random, without a word
    if wrong:
        raise RuntimeError(f"{folder.name}/ does not match the model ({'; '.join(wrong)}): delete it and run the cell "
                           "of Step 6 that calls save_pretrained to recreate it")
    return m.to(DEVICE).eval(), t


loaded, loaded_tok = load_checkpoint(CKPT)
probe = torch.cat([prompt_ids[p][0] for p in PROMPTS])[None]             # both prompts as one sequence
with torch.no_grad():
    same_logits = torch.equal(loaded(input_ids=probe).logits, model(input_ids=probe).logits)
assert same_logits
print("reloaded model, same logits as the trained one:", same_logits)
for p in PROMPTS:
    assert loaded_tok(p)["input_ids"] == tokenizer(p)["input_ids"]
    ids = prompt_ids[p]
    lib = loaded.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=NEW_TOKENS,
                          pad_token_id=EOT_ID)
    assert torch.equal(lib, ours[p]), p
    print(f"generate(do_sample=False) = our greedy loop, {lib.shape[1] - ids.shape[1]} new tokens: "
          f"{printable(loaded_tok.decode(lib[0], skip_special_tokens=True))}")

# %% [markdown] tags=["en"]
# A folder that is missing a file, or holds a damaged one, gives a message that names the cell to rerun
# rather than a long traceback from inside the library, or a model with random weights. Below, an empty
# folder, a copy of the checkpoint whose weights file was cut in half, and a copy whose weights file lacks
# one tensor.

# %% [markdown] tags=["zh"]
# 文件夹缺了文件，或者有文件损坏时，给出的是一条指明该重新运行哪个单元格的消息，而不是从库内部抛出的一长串回溯，也不是一个带着随机权重的模型。下面分别用一个空文件夹、一份把权重文件截掉一半的检查点副本，以及一份权重文件里少了一个张量的副本来试一试。

# %%
empty, broken, partial = (OUT_DIR / f"tiny_gpt_{name}" for name in ("empty", "broken", "partial"))
for folder in (empty, broken, partial):
    shutil.rmtree(folder, ignore_errors=True)
empty.mkdir()
shutil.copytree(CKPT, broken)
weights = (broken / "model.safetensors").read_bytes()
(broken / "model.safetensors").write_bytes(weights[: len(weights) // 2])
shutil.copytree(CKPT, partial)
tensors = load_file(partial / "model.safetensors")
del tensors["transformer.h.1.mlp.c_proj.weight"]
save_file(tensors, partial / "model.safetensors", metadata={"format": "pt"})
for folder in (empty, broken, partial):
    try:
        load_checkpoint(folder)
        raise AssertionError(f"{folder.name} loaded")
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"{type(exc).__name__}: {exc}")
    shutil.rmtree(folder)

# %% [markdown] tags=["en"]
# ## The recipe
#
# Everything that decides the trained weights, so that a later lab (Stage 9, fine-tuning) can rebuild
# the same model by rerunning Steps 0–4, or load it from `tiny_gpt/` (written into the repository root when
# you run the lab; not committed):
#
# - **Corpus:** `snippets/corpus/en.txt` + `zh.txt` (the recorded snapshot); paragraph $i$ is held out when $i \bmod 20 = 10$.
# - **Tokenizer:** byte-level BPE, `tokenizers` `BpeTrainer`, vocabulary 2048, special token `<|endoftext|>` (id 0) after every paragraph.
# - **Model:** `GPT2Config(n_layer=2, n_embd=128, n_head=4, n_positions=128)`, dropout 0, tied embeddings; weights initialised by `GPT2LMHeadModel(config)` right after `torch.manual_seed(0)` (nothing draws from the generator in between).
# - **Training:** on the CPU, one thread; 480 steps × 8 windows × 128 tokens, window starts from `torch.randint` with its own `torch.Generator` seeded 0; AdamW (β = 0.9, 0.95; weight decay 0.1), LR 4e-3, 60 warm-up steps then cosine to 0, clipping at 1.0.
# - **Libraries:** torch 2.13.0, transformers 5.25.0, tokenizers 0.23.3.
#
# ## What to try next
#
# 1. **Longer training.** Set `STEPS = 1000`. How far does the held-out loss fall, and does it start to
#    separate from the training loss?
# 2. **Vocabulary size.** Retrain with `VOCAB_SIZE = 512` and `8192`. Tokens per character, the number of
#    parameters and the loss all change: why can you not compare losses per token across vocabularies,
#    and what would you compare instead (think of bits per character)?
# 3. **Bigram baseline.** Estimate $P(x_{t+1} \mid x_t)$ from the training stream and compute its held-out
#    cross-entropy on the same targets: first with add-one smoothing, then with
#    $\lambda P_{\text{bigram}} + (1-\lambda) P_{\text{unigram}}$ ($\lambda \approx 0.8$). Which beats the tiny
#    GPT? What does that say about how far from converged 480 steps leave it?
# 4. **Warm-up.** Set `WARMUP = 20` and `LR = 6e-3`, a shorter warm-up to a higher peak. What happens to
#    the training loss near the end of the warm-up, and does the run recover?
# 5. **Threads.** Remove `torch.set_num_threads(1)` on a machine with several cores and run the lab twice
#    with different thread counts. Which printed numbers change first?
# 6. **Decoding.** Generate with `repetition_penalty=1.3`, or with `num_beams=4`, from the reloaded model.
#    Which looks more like the corpus?

# %% [markdown] tags=["zh"]
# ## 训练配方
#
# 下面列出决定训练结果的全部设置。后面的实验（第 9 阶段的微调）可以重新运行第 0–4 步得到同一个模型，也可以直接从 `tiny_gpt/` 加载（运行实验时写在仓库根目录下；不提交到仓库）：
#
# - **语料：** `snippets/corpus/en.txt` + `zh.txt`（已记录的快照），满足 $i \bmod 20 = 10$ 的第 $i$ 段留出。
# - **分词器：** 字节级 BPE，`tokenizers` 的 `BpeTrainer`，词表 2048，每段末尾加特殊词元 `<|endoftext|>`（id 为 0）。
# - **模型：** `GPT2Config(n_layer=2, n_embd=128, n_head=4, n_positions=128)`，不用 dropout，输入输出嵌入共享；权重由紧接在 `torch.manual_seed(0)` 之后的 `GPT2LMHeadModel(config)` 初始化（两者之间没有任何代码从随机数生成器取数）。
# - **训练：** 在 CPU 上，单线程；480 步 × 每步 8 个窗口 × 每窗口 128 个词元，窗口起点由 `torch.randint` 用一个单独的、种子为 0 的 `torch.Generator` 抽取；AdamW（β = 0.9, 0.95，权重衰减 0.1），学习率 4e-3，先预热 60 步再余弦衰减到 0，梯度裁剪阈值 1.0。
# - **库版本：** torch 2.13.0、transformers 5.25.0、tokenizers 0.23.3。
#
# ## 接下来可以尝试
#
# 1. **训练更久。** 把 `STEPS` 设为 1000。留出集损失能降到多少？它会不会开始与训练损失拉开差距？
# 2. **词表大小。** 用 `VOCAB_SIZE = 512` 和 `8192` 重新训练。每字符词元数、参数量和损失都会变化：为什么不同词表的每词元损失不能直接比较？应该比较什么（想想每字符比特数）？
# 3. **二元语法基线。** 用训练词元流估计 $P(x_{t+1} \mid x_t)$，在同样的目标词元上计算它在留出集上的交叉熵：先用加一平滑，再用插值 $\lambda P_{\text{bigram}} + (1-\lambda) P_{\text{unigram}}$（$\lambda \approx 0.8$）。哪一种比小型 GPT 好？这说明训练 480 步之后，模型离收敛还有多远？
# 4. **预热。** 把 `WARMUP` 设为 20、`LR` 设为 6e-3，即预热更短、峰值更高。训练损失在预热快结束时会怎样？训练能恢复过来吗？
# 5. **线程数。** 在多核机器上去掉 `torch.set_num_threads(1)`，用不同的线程数各运行一次。打印出的哪些数字最先出现差别？
# 6. **解码方式。** 用加载回来的模型，加上 `repetition_penalty=1.3` 或 `num_beams=4` 生成。哪一种更像语料里的文字？
