"""The same model run eagerly and captured as a graph (torch.fx) computes identical numbers.

Look at: the graph is a plain list of nodes (inputs, calls, output) recorded by running forward()
once on stand-in values; the graph module's output equals the eager output bit for bit. A Python
`if` on a tensor's value cannot be recorded (tracing fails), while the same choice written as a
tensor operation (torch.where) becomes one more node. A graph can also be rewritten by a tool.
"""
import torch
import torch.fx
import torch.nn as nn

BATCH, D = 4, 6

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


class TinyBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.linear = nn.Linear(d, d)

    def forward(self, x):                           # x: [B, D]
        h = torch.relu(self.linear(self.norm(x)))   # [B, D]
        return torch.softmax(x + h, dim=-1)         # residual, then softmax over features


def describe(target):                               # a module's name or a function's name
    return target if isinstance(target, str) else target.__name__


def inputs(node):                                   # the nodes and constants a node reads
    return ", ".join([str(a) for a in node.args] + [f"{k}={v}" for k, v in node.kwargs.items()])


model = TinyBlock(D).to(DEVICE).eval()
x = torch.randn(BATCH, D, device=DEVICE)

graph_model = torch.fx.symbolic_trace(model)        # runs forward once on Proxy objects
eager_out, graph_out = model(x), graph_model(x)
assert torch.equal(eager_out, graph_out)            # the same kernels in the same order
print("== eager vs graph ==")
print(f"{'max |eager - graph|':<22} {(eager_out - graph_out).abs().max().item():.1f}")

print("\n== the captured graph: one node per operation ==")
print(f"{'op':<14} {'name':<8} {'target':<8} inputs")
for node in graph_model.graph.nodes:
    print(f"{node.op:<14} {node.name:<8} {describe(node.target):<8} {inputs(node)}".rstrip())
ops = [n.op for n in graph_model.graph.nodes]
assert ops == ["placeholder", "call_module", "call_module", "call_function",
               "call_function", "call_function", "output"]


def python_branch(x):                               # eager Python: fine, the branch is chosen live
    if x.sum() > 0:
        return x * 2
    return -x


def tensor_branch(x):                               # the same choice as a tensor operation
    return torch.where(x.sum() > 0, x * 2, -x)


print("\n== data-dependent control flow ==")
try:
    torch.fx.symbolic_trace(python_branch)
    raise SystemExit("expected tracing to fail")
except torch.fx.proxy.TraceError as err:
    print(f"{'trace python_branch':<22} TraceError: {err}")
traced_where = torch.fx.symbolic_trace(tensor_branch)
for sign in (+1, -1):                               # both branches, positive and negative input
    xs = sign * x.abs()
    assert torch.equal(traced_where(xs), python_branch(xs))
print(f"{'trace tensor_branch':<22} ok, {len(traced_where.graph.nodes)} nodes, "
      f"matches eager for sum > 0 and sum < 0")

print("\n== a tool rewrites the graph: relu -> gelu ==")
for node in graph_model.graph.nodes:
    if node.op == "call_function" and node.target is torch.relu:
        node.target = torch.nn.functional.gelu
graph_model.recompile()                             # regenerate the Python code from the graph
with torch.no_grad():
    expected = torch.softmax(x + torch.nn.functional.gelu(model.linear(model.norm(x))), dim=-1)
assert torch.equal(graph_model(x), expected)
print(f"{'rewritten graph':<22} {[describe(n.target) for n in graph_model.graph.nodes][1:-1]}")
print(f"{'equals eager gelu':<22} yes")
