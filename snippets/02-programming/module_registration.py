"""How nn.Module finds your parameters: a 30-line module system that behaves like the real one.

Look at: TinyModule registers parameters and sub-modules in __setattr__ and runs forward() through
__call__, like nn.Module; both models list the same parameter names and shapes in the same order
and give the same output. Then the traps: model.forward(x) skips hooks, a plain tensor and a plain
Python list stay invisible, and a forgotten super().__init__() fails at once (the message names what
was assigned first). Last, type hints at run time: Python does not check them, but @dataclass reads
them to decide which class attributes are fields.
"""
import dataclasses

import torch
import torch.nn as nn

D_IN, D_HIDDEN, D_OUT = 4, 8, 3      # a two-layer MLP: 4 -> 8 -> 3
BATCH = 5

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class TinyModule:                                   # the bookkeeping part of nn.Module, no more
    def __init__(self):
        # object.__setattr__ skips our own __setattr__ below, which needs these two dicts to exist.
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_children", {})

    def __setattr__(self, name, value):             # runs on every `self.name = value`
        if isinstance(value, nn.Parameter):
            self._params[name] = value              # self.weight = nn.Parameter(...)
        elif isinstance(value, TinyModule):
            self._children[name] = value            # self.fc1 = TinyLinear(...)
        else:
            object.__setattr__(self, name, value)   # anything else: a normal attribute

    def __getattr__(self, name):                    # runs only when normal lookup fails
        for store in ("_params", "_children"):
            if name in self.__dict__.get(store, {}):
                return self.__dict__[store][name]
        raise AttributeError(name)

    def named_parameters(self, prefix=""):          # a generator: own parameters, then children's
        yield from ((prefix + n, p) for n, p in self._params.items())
        for n, child in self._children.items():
            yield from child.named_parameters(prefix + n + ".")

    def __call__(self, *args):                      # model(x) -> model.forward(x)
        return self.forward(*args)


class TinyLinear(TinyModule):
    def __init__(self, d_in, d_out):
        super().__init__()
        bound = d_in ** -0.5                        # the same init range as nn.Linear
        self.weight = nn.Parameter(torch.empty(d_out, d_in, device=DEVICE).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(d_out, device=DEVICE).uniform_(-bound, bound))

    def forward(self, x):                           # x: [B, d_in] -> [B, d_out]
        return x @ self.weight.T + self.bias


class TinyMLP(TinyModule):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = TinyLinear(D_IN, D_HIDDEN), TinyLinear(D_HIDDEN, D_OUT)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class TorchMLP(nn.Module):                          # the same model with the real nn.Module
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(D_IN, D_HIDDEN), nn.Linear(D_HIDDEN, D_OUT)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


tiny, ref = TinyMLP(), TorchMLP().to(DEVICE)
mine, theirs = list(tiny.named_parameters()), list(ref.named_parameters())
assert [(n, p.shape) for n, p in mine] == [(n, p.shape) for n, p in theirs]
print("== named_parameters(): TinyModule | nn.Module ==")
for (n, p), (_, q) in zip(mine, theirs):
    print(f"{n:<11} {str(list(p.shape)):<8} | {list(q.shape)}")
print(f"{'total':<11} {sum(p.numel() for _, p in mine):<8} | {sum(q.numel() for q in ref.parameters())}")

ref.load_state_dict(dict(mine))                     # our names are valid nn.Module names
x = torch.randn(BATCH, D_IN, device=DEVICE)
assert torch.allclose(tiny(x), ref(x), atol=1e-6)
print(f"same output for a [{BATCH}, {D_IN}] batch: yes")

print("\n== the traps ==")
calls = []
ref.register_forward_hook(lambda module, inputs, output: calls.append("hook"))
ref(x)                                              # __call__ runs forward, then the forward hooks
via_call = len(calls)
ref.forward(x)                                      # calling forward directly skips them
assert (via_call, len(calls) - via_call) == (1, 0)
print(f"{'hook runs: model(x), model.forward(x)':<38} {via_call}, {len(calls) - via_call}")


class Traps(nn.Module):
    def __init__(self, init_base=True):
        if init_base:                                        # False: forgot super().__init__()
            super().__init__()
        self.w = nn.Parameter(torch.ones(D_OUT))             # a parameter: trained and saved
        self.plain = torch.ones(D_OUT)                       # a plain tensor: invisible
        self.register_buffer("running", torch.zeros(D_OUT))  # a buffer: saved, not trained
        self.as_list = [nn.Linear(D_IN, D_OUT)]              # a Python list: invisible
        self.as_module_list = nn.ModuleList([nn.Linear(D_IN, D_OUT)])


params, saved = [n for n, _ in Traps().named_parameters()], list(Traps().state_dict())
assert params == ["w", "as_module_list.0.weight", "as_module_list.0.bias"]
assert saved == ["w", "running", "as_module_list.0.weight", "as_module_list.0.bias"]
print(f"{'named_parameters()':<38} {params}")
print(f"{'state_dict()':<38} {saved}")


class Forgot(nn.Module):                                     # the usual case: a layer is assigned first
    def __init__(self):
        self.fc = nn.Linear(D_IN, D_OUT)                     # no super().__init__() above


for label, make, expected in (("no super().__init__(), layer first", Forgot, "cannot assign module"),
                              ("no super().__init__(), Parameter first", lambda: Traps(init_base=False),
                               "cannot assign parameters")):
    try:
        make()
        raise SystemExit("expected an AttributeError")
    except AttributeError as err:
        assert str(err).startswith(expected), err
        print(f"{label:<38} AttributeError: {err}")

print("\n== type hints at run time ==")


@dataclasses.dataclass
class MLPConfig:                                             # @dataclass reads the annotations
    d_in: int = D_IN
    d_hidden: int = D_HIDDEN
    d_out = D_OUT                                            # no hint: a class attribute, not a field


fields = [f.name for f in dataclasses.fields(MLPConfig)]
assert fields == ["d_in", "d_hidden"]
print(f"{'dataclass fields (those with a hint)':<38} {fields}")
try:
    MLPConfig(d_out=5)                                       # d_out is not an argument of __init__
    raise SystemExit("expected a TypeError")
except TypeError as err:
    assert "d_out" in str(err)
    print(f"{'MLPConfig(d_out=5)':<38} TypeError: {err}")
cfg = MLPConfig(d_in="four")                                 # the hint says int; nothing checks it
assert cfg.d_in == "four"
print(f"{'MLPConfig(d_in=' + repr(cfg.d_in) + ')':<38} accepted: the hint int is not checked")
