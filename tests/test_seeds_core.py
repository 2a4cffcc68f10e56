"""Tensor and autograd code written the way the course's source notes write PyTorch (``import torch``),
run once with ``import course as torch`` and once with the real torch; the results must agree.

The snippets are our own, covering the notes' topics: in-place ops, the numpy bridge, views and reshapes,
cat, masks, reductions along axes (per-channel normalisation), type casts, the chain rule, gradient
accumulation and zeroing, a manual SGD loop, the legacy constructors and Variable.
"""
import numpy as np
import pytest

import course

real_torch = pytest.importorskip("torch")


def inplace_and_numpy_bridge(torch):
    x = torch.ones(2, 3)
    y = torch.full((2, 3), 2.0)
    out = {"sum": (x + y).tolist()}
    x.add_(y)                                   # the trailing underscore changes x itself
    out["after_add_"] = x.tolist()
    result = torch.empty(2, 3)
    torch.add(x, y, out=result)
    out["out="] = result.tolist()
    a = x.numpy()                               # shares memory with x
    x.mul_(10)
    out["numpy_sees_change"] = a.tolist()
    b = np.arange(4.0)
    t = torch.from_numpy(b)
    b += 1
    out["tensor_sees_change"] = t.tolist()
    out["dtype_from_numpy"] = str(t.dtype).split(".")[-1]
    return out


def creation_and_types(torch):
    out = {}
    z = torch.zeros(2, 2, dtype=torch.int32)
    out["int_zeros"] = (z.tolist(), str(z.dtype).split(".")[-1])
    h = torch.tensor([0.1, 1.7, -2.5], dtype=torch.float16)
    out["half"] = [round(v, 3) for v in h.tolist()]
    out["to_int8"] = h.to(torch.int8).tolist()
    out["to_uint8"] = torch.tensor([1.9, 200.0]).to(torch.uint8).tolist()
    out["long"] = torch.tensor([1.9, -1.9]).long().tolist()
    out["type_as"] = str(torch.tensor([1.5]).type_as(torch.tensor([1])).dtype).split(".")[-1]
    out["legacy"] = (torch.FloatTensor([1, 2]).tolist(), torch.LongTensor([1.7]).tolist(),
                     tuple(torch.FloatTensor(2, 3).shape), torch.IntTensor().numel())
    out["legacy_dtype"] = str(torch.ByteTensor([3]).dtype).split(".")[-1]
    out["arange"] = torch.arange(0, 10, 3).tolist()
    out["linspace"] = [round(v, 4) for v in torch.linspace(0, 1, 5).tolist()]
    out["eye"] = torch.eye(3).tolist()
    out["like"] = torch.ones_like(torch.zeros(2, 3)).shape == (2, 3)
    return out


def views_reshapes_cat(torch):
    x = torch.arange(12)
    v = x.view(3, 4)
    v[0, 0] = 100                                # a view: x changes too
    out = {"x0": x[0].item(), "view": v.tolist(), "size": list(v.size())}
    out["view_infer"] = list(x.view(-1, 6).shape)
    out["reshape_t"] = v.t().reshape(-1).tolist()
    out["unsq"] = list(v.unsqueeze(0).shape)
    out["cat0"] = torch.cat([v, v], dim=0).shape[0]
    out["cat1"] = torch.cat((v, v * 2), 1).tolist()
    out["stack"] = list(torch.stack([v, v]).shape)
    out["permute"] = list(torch.zeros(2, 3, 4).permute(2, 0, 1).shape)
    try:
        v.t().view(12)
        out["view_error"] = None
    except RuntimeError as e:
        out["view_error"] = str(e).split(".")[0]
    return out


def masks_comparisons_ufuncs(torch):
    a = torch.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    mask = a > 0
    out = {"mask": mask.tolist(), "selected": a[mask].tolist(), "count": mask.sum().item()}
    b = a.clone()
    b[b < 0] = 0
    out["relu_by_mask"] = b.tolist()
    out["where"] = torch.where(a > 0, a, torch.zeros_like(a)).tolist()
    out["masked_fill"] = a.masked_fill(~mask, -1.0).tolist()
    out["eq"] = (a == 3).tolist()
    out["any_all"] = (mask.any().item(), mask.all().item())
    out["ufuncs"] = [round(v, 4) for v in (torch.exp(a[0]) + torch.sin(a[0]) - torch.abs(a[0])).tolist()]
    out["clamp"] = a.clamp(-1, 1).tolist()
    out["sqrt_pow"] = (a.abs().sqrt() ** 2).round().tolist()
    return out


def reductions_along_axes(torch):
    rng = np.random.default_rng(0)
    images = torch.tensor(rng.uniform(0, 255, size=(4, 3, 5, 5)).astype(np.float32))   # N, C, H, W
    mean = images.mean(dim=(0, 2, 3), keepdim=True)          # one mean per channel
    std = images.std(dim=(0, 2, 3), keepdim=True)
    normalised = (images - mean) / std
    out = {"channel_means": [round(v, 3) for v in mean.flatten().tolist()],
           "after_mean": [round(v, 4) + 0.0 for v in normalised.mean(dim=(0, 2, 3)).tolist()],
           "after_std": [round(v, 4) for v in normalised.std(dim=(0, 2, 3)).tolist()]}
    m = torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = m.max(dim=1)
    out["max_dim"] = (values.tolist(), indices.tolist())
    out["argmin0"] = m.argmin(dim=0).tolist()
    out["sum_rows"] = m.sum(dim=1).tolist()
    out["mean_cols_keep"] = m.mean(0, keepdim=True).tolist()
    out["prod"] = m.prod(1).tolist()
    out["cumsum"] = m.cumsum(1).tolist()
    out["norm"] = round(m.norm().item(), 4)
    return out


def chain_rule(torch):
    x1 = torch.tensor(1.5, requires_grad=True)
    x2 = torch.tensor(-0.5, requires_grad=True)
    y = torch.sin(x2 ** 2 * (x1 + x2))
    y.backward()
    out = {"y": round(y.item(), 6), "dx1": round(x1.grad.item(), 6), "dx2": round(x2.grad.item(), 6)}
    out["grad_fn"] = y.grad_fn.name()
    a = torch.rand(2, 3, requires_grad=True)
    x = torch.ones(2, 3)
    z = (a * x + 2).sum()
    out["leaf"] = (a.is_leaf, z.is_leaf, z.requires_grad, x.requires_grad)
    return out


def accumulation_and_zeroing(torch):
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    x = torch.tensor([2.0, 3.0])
    grads = []
    for _ in range(3):
        loss = ((w * x).sum() - 1) ** 2
        loss.backward()
        grads.append(w.grad.tolist())           # keeps adding up
    w.grad.zero_()
    after_zero = w.grad.tolist()
    loss = ((w * x).sum() - 1) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad                      # a manual SGD step
    w.grad.data.zero_()
    return {"grads": grads, "zeroed": after_zero, "w": [round(v, 6) for v in w.tolist()],
            "still_leaf": w.is_leaf}


def linear_regression_by_hand(torch):
    rng = np.random.default_rng(1)
    xs = torch.tensor(rng.uniform(-1, 1, size=(50, 1)).astype(np.float32))
    ys = 3 * xs + 0.5 + torch.tensor(rng.normal(0, 0.05, size=(50, 1)).astype(np.float32))
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(200):
        pred = xs * w + b
        loss = ((pred - ys) ** 2).mean()
        loss.backward()
        w.data -= 0.1 * w.grad.data             # the old .data idiom
        b.data -= 0.1 * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
        losses.append(loss.item())
    return {"w": round(w.item(), 3), "b": round(b.item(), 3), "loss": round(losses[-1], 5),
            "decreasing": losses[0] > losses[-1]}


def sigmoid_neuron(torch):
    x = torch.tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.7]])
    w = torch.tensor([[0.1], [-0.4], [0.25]], requires_grad=True)
    b = torch.tensor([0.05], requires_grad=True)
    out = torch.sigmoid(x @ w + b)
    target = torch.tensor([[1.0], [0.0]])
    loss = -(target * torch.log(out) + (1 - target) * torch.log(1 - out)).mean()
    loss.backward()
    return {"out": [round(v, 5) for v in out.flatten().tolist()], "loss": round(loss.item(), 5),
            "dw": [round(v, 5) for v in w.grad.flatten().tolist()], "db": round(b.grad.item(), 5)}


def variable_and_detach(torch):
    from_np = torch.FloatTensor(np.array([0.1, 0.2]))
    x = torch.autograd.Variable(from_np, requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    d = y.detach()
    with torch.no_grad():
        z = x * 2
    return {"grad": [round(v, 5) for v in x.grad.tolist()], "data": [round(v, 5) for v in x.data.tolist()],
            "detached": (d.requires_grad, d.grad_fn is None), "no_grad": z.requires_grad,
            "numpy": [round(v, 5) for v in x.detach().numpy().tolist()]}


SNIPPETS = [inplace_and_numpy_bridge, creation_and_types, views_reshapes_cat, masks_comparisons_ufuncs,
            reductions_along_axes, chain_rule, accumulation_and_zeroing, linear_regression_by_hand,
            sigmoid_neuron, variable_and_detach]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.__name__ for s in SNIPPETS])
def test_seed_style_code_runs_the_same_as_pytorch(snippet):
    ours = snippet(course)
    theirs = snippet(real_torch)
    assert ours == theirs
