"""Parity with PyTorch: the same code on random inputs gives the same values, gradients and dtypes.

Each case is a function of the library (``course`` or ``torch``) and its inputs, run on both. Skipped when
torch is not installed.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import course

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def to_numpy(t):
    if isinstance(t, (tuple, list)):
        return [to_numpy(x) for x in t]
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().float().numpy() if t.dtype == torch.bfloat16 else t.detach().cpu().numpy()
    if isinstance(t, course.Tensor):
        return t.detach().float().numpy() if t.dtype is course.bfloat16 else t.detach().numpy()
    return t


def same_dtype(c, t):
    return str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


def run_both(fn, arrays, requires_grad=True, rtol=1e-5, atol=1e-6):
    """Run fn on course and torch tensors made from the same arrays; compare outputs, dtypes and grads."""
    ins_c = [course.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    ins_t = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    out_c, out_t = fn(course, *ins_c), fn(torch, *ins_t)
    outs_c = out_c if isinstance(out_c, (tuple, list)) else [out_c]
    outs_t = out_t if isinstance(out_t, (tuple, list)) else [out_t]
    assert len(outs_c) == len(outs_t)
    for c, t in zip(outs_c, outs_t):
        assert tuple(c.shape) == tuple(t.shape)
        assert same_dtype(c, t), (c.dtype, t.dtype)
        np.testing.assert_allclose(to_numpy(c), to_numpy(t), rtol=rtol, atol=atol, equal_nan=True)
    c, t = outs_c[0], outs_t[0]
    if requires_grad and t.requires_grad:
        assert c.requires_grad
        seed = np.random.default_rng(0).standard_normal(tuple(t.shape)).astype(to_numpy(t).dtype)
        c.backward(course.tensor(seed))
        t.backward(torch.tensor(seed))
        for a, b in zip(ins_c, ins_t):
            if b.requires_grad:
                if b.grad is None:
                    assert a.grad is None or not np.any(to_numpy(a.grad))
                else:
                    assert a.grad is not None and same_dtype(a.grad, b.grad)
                    np.testing.assert_allclose(to_numpy(a.grad), to_numpy(b.grad), rtol=1e-4, atol=1e-5)
    return out_c, out_t


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


def data(seed, shape, low=-2.0, high=2.0, dtype=np.float32):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


# -- values and gradients ----------------------------------------------------------------------------------
UNARY = {
    "exp": (lambda L, x: x.exp(), (-2, 2)), "log": (lambda L, x: L.log(x), (0.1, 3)),
    "sqrt": (lambda L, x: x.sqrt(), (0.1, 3)), "abs": (lambda L, x: x.abs(), (-2, 2)),
    "sin": (lambda L, x: L.sin(x), (-3, 3)), "cos": (lambda L, x: x.cos(), (-3, 3)),
    "tan": (lambda L, x: x.tan(), (-1, 1)), "tanh": (lambda L, x: x.tanh(), (-3, 3)),
    "sigmoid": (lambda L, x: L.sigmoid(x), (-30, 30)), "relu": (lambda L, x: L.relu(x), (-2, 2)),
    "pow3": (lambda L, x: x ** 3, (-2, 2)), "pow_half": (lambda L, x: x.pow(0.5), (0.1, 2)),
    "rpow": (lambda L, x: 3 ** x, (-2, 2)), "clamp": (lambda L, x: x.clamp(-0.5, 0.5), (-2, 2)),
    "clamp_min": (lambda L, x: L.clamp(x, min=0.1), (-2, 2)), "sign": (lambda L, x: x.sign(), (-2, 2)),
    "floor": (lambda L, x: x.floor(), (-3, 3)), "ceil": (lambda L, x: x.ceil(), (-3, 3)),
    "round": (lambda L, x: x.round(), (-3, 3)), "trunc": (lambda L, x: x.trunc(), (-3, 3)),
    "log1p": (lambda L, x: x.log1p(), (-0.5, 2)), "expm1": (lambda L, x: x.expm1(), (-2, 2)),
    "rsqrt": (lambda L, x: x.rsqrt(), (0.1, 2)), "reciprocal": (lambda L, x: x.reciprocal(), (0.2, 2)),
    "erf": (lambda L, x: x.erf(), (-3, 3)), "atan": (lambda L, x: x.atan(), (-3, 3)),
    "asin": (lambda L, x: x.asin(), (-0.9, 0.9)), "neg": (lambda L, x: -x, (-2, 2)),
    "square": (lambda L, x: x.square(), (-2, 2)), "frac": (lambda L, x: x.frac(), (-3, 3)),
    "log2": (lambda L, x: x.log2(), (0.1, 3)), "log10": (lambda L, x: x.log10(), (0.1, 3)),
    "logit": (lambda L, x: x.logit(), (0.1, 0.9)), "sinh": (lambda L, x: x.sinh(), (-2, 2)),
    "rsub": (lambda L, x: 1 - x, (-2, 2)), "rdiv": (lambda L, x: 2 / x, (0.2, 2)),
    "sum": (lambda L, x: x.sum(), (-2, 2)), "mean": (lambda L, x: x.mean(), (-2, 2)),
    "max": (lambda L, x: x.max(), (-2, 2)), "min": (lambda L, x: x.min(), (-2, 2)),
    "prod": (lambda L, x: x.prod(), (0.5, 1.5)), "norm": (lambda L, x: x.norm(), (-2, 2)),
    "std": (lambda L, x: x.reshape(-1).repeat(2).std(), (-2, 2)),
    "var": (lambda L, x: x.reshape(-1).repeat(2).var(unbiased=False), (-2, 2)),
    "flatten": (lambda L, x: x.flatten(), (-2, 2)), "T": (lambda L, x: x.reshape(-1, 1).T * 2, (-2, 2)),
    "masked_fill": (lambda L, x: x.masked_fill(x > 0, 1.5), (-2, 2)),
    "where": (lambda L, x: L.where(x > 0, x, x * 0.1), (-2, 2)),
    "mask_index": (lambda L, x: x[x > 0.5] * 2, (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_unary_parity(name, shape, seed):
    fn, (low, high) = UNARY[name]
    run_both(fn, [data(seed, shape, low, high)])


@st.composite
def broadcast_pair(draw):
    big = draw(shapes)
    small = [1 if draw(st.booleans()) else n for n in big]
    small = tuple(small[draw(st.integers(0, len(small))):])
    return (big, small) if draw(st.booleans()) else (small, big)


BINARY = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b.abs() + 0.5), "pow": lambda L, a, b: (a.abs() + 0.1) ** b,
    "maximum": lambda L, a, b: L.maximum(a, b), "minimum": lambda L, a, b: L.minimum(a, b),
    "where": lambda L, a, b: L.where(a > b, a, b), "add_alpha": lambda L, a, b: L.add(a, b, alpha=2),
    "atan_mix": lambda L, a, b: (a * b).atan() + a.exp() * b, "eq": lambda L, a, b: (a > b) == (b > 0),
    "sub_scalar_first": lambda L, a, b: 2.5 - a * b, "fmod": lambda L, a, b: L.fmod(a, b.abs() + 0.5),
    "remainder": lambda L, a, b: L.remainder(a, b.abs() + 0.5), "floordiv": lambda L, a, b: a.detach() // (b.detach().abs() + 0.5),  # (no derivative in PyTorch)
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(pair=broadcast_pair(), seed=st.integers(0, 2 ** 16))
def test_binary_parity_with_broadcasting(name, pair, seed):
    run_both(BINARY[name], [data(seed, pair[0]), data(seed + 1, pair[1])], rtol=1e-4, atol=1e-5)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 2 ** 16),
       keepdim=st.booleans(), data_=st.data())
def test_reductions_along_dims_parity(shape, seed, keepdim, data_):
    dim = data_.draw(st.integers(-len(shape), len(shape) - 1))
    x = data(seed, shape)
    for fn in (lambda L, t: t.sum(dim, keepdim=keepdim), lambda L, t: t.mean(dim, keepdim),
               lambda L, t: t.amax(dim, keepdim), lambda L, t: L.logsumexp(t, dim, keepdim),
               lambda L, t: t.norm(dim=dim, keepdim=keepdim), lambda L, t: t.prod(dim, keepdim),
               lambda L, t: t.cumsum(dim), lambda L, t: t.argmax(dim, keepdim),
               lambda L, t: t.argmin(dim), lambda L, t: t.softmax(dim) if False else t.exp().sum(dim)):
        run_both(fn, [x], rtol=1e-4, atol=1e-5)
    values = run_both(lambda L, t: t.max(dim, keepdim=keepdim), [x])
    np.testing.assert_array_equal(to_numpy(values[0].indices), to_numpy(values[1].indices))
    if shape[dim % len(shape)] > 1:
        run_both(lambda L, t: t.std(dim, keepdim=keepdim), [x], rtol=1e-4, atol=1e-5)
        run_both(lambda L, t: t.var(dim, unbiased=False, keepdim=keepdim), [x], rtol=1e-4, atol=1e-5)
    if len(shape) > 1:
        run_both(lambda L, t: t.sum((0, -1), keepdim=keepdim), [x], rtol=1e-4, atol=1e-5)
        run_both(lambda L, t: t.mean(dim=(0, -1)), [x], rtol=1e-4, atol=1e-5)


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), b=st.integers(1, 3),
       seed=st.integers(0, 2 ** 16))
def test_matmul_parity(n, k, m, b, seed):
    for sa, sb in [((n, k), (k, m)), ((k,), (k, m)), ((n, k), (k,)), ((k,), (k,)), ((b, n, k), (b, k, m)),
                   ((b, n, k), (k, m)), ((k,), (b, k, m))]:
        run_both(lambda L, x, y: x @ y, [data(seed, sa), data(seed + 1, sb)], rtol=1e-4, atol=1e-5)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple), seed=st.integers(0, 2 ** 16))
def test_shape_ops_parity(shape, seed):
    x = data(seed, shape)
    cases = [
        lambda L, t: t.transpose(0, 1).reshape(-1), lambda L, t: t.permute(*reversed(range(t.dim()))),
        lambda L, t: t.unsqueeze(1).expand(-1, 3, *t.shape[1:]), lambda L, t: t.repeat(2, *([1] * (t.dim() - 1))),
        lambda L, t: L.cat([t, t * 2], dim=1), lambda L, t: L.stack([t, t + 1], dim=-1),
        lambda L, t: t.split(1, dim=1), lambda L, t: t.chunk(2, dim=0), lambda L, t: t.flip(0),
        lambda L, t: t.squeeze(), lambda L, t: t[:, None].squeeze(1), lambda L, t: t.flatten(1),
        lambda L, t: t[..., -1], lambda L, t: t[-1, ::2], lambda L, t: t[[0, -1, 0]],
        lambda L, t: t[L.tensor([True] + [False] * (t.shape[0] - 1))], lambda L, t: t.unbind(1),
        lambda L, t: t.narrow(1, 0, 1), lambda L, t: t.tril(), lambda L, t: t.roll(1, 1),
        lambda L, t: t.gather(1, L.zeros(t.shape, dtype=L.int64)), lambda L, t: L.movedim(t, 0, -1),
        lambda L, t: t.index_select(0, L.tensor([0, 0])), lambda L, t: t.mT @ t,
        lambda L, t: t.sort(dim=1, descending=True), lambda L, t: t.topk(1, dim=0),
    ]
    for fn in cases:
        run_both(fn, [x], rtol=1e-4, atol=1e-5)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), seed=st.integers(0, 2 ** 16))
def test_setitem_parity(shape, seed):
    x = data(seed, shape)

    def edit(L, t):
        y = t * 1.0
        y[0] = 5.0
        y[y < -1] = 0.0
        y[..., -1] = y[..., -1] * 3
        return y
    run_both(edit, [x])
    mask = data(seed + 2, shape) > 0

    def fill(L, t):
        y = t.clone()
        y.masked_fill_(L.tensor(mask), -1.0)
        y.mul_(2).add_(1).clamp_(-2, 2)
        return y
    run_both(fill, [x])


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple), seed=st.integers(0, 2 ** 16))
def test_more_ops_parity(shape, seed):
    x, y = data(seed, shape), data(seed + 1, shape)
    for fn in (lambda L, t: t.diagonal(), lambda L, t: t.diagonal(offset=-1, dim1=-1, dim2=0),
               lambda L, t: L.diag(t.reshape(-1)[:3]), lambda L, t: t.cumprod(-1), lambda L, t: L.cumprod(t, 0),
               lambda L, t: t.repeat_interleave(2, dim=0), lambda L, t: t.unfold(-1, 1, 1),
               lambda L, t: L.meshgrid(t.reshape(-1)[:2], t.reshape(-1), indexing="ij")[0],
               lambda L, t: L.meshgrid(t.reshape(-1)[:2], t.reshape(-1), indexing="xy")[1],
               lambda L, t: L.tensor_split(t, 2, dim=1), lambda L, t: t.flip(-1).fliplr(),
               lambda L, t: L.index_add(t, 0, L.tensor([0, 0]), t[:1].expand(2, *t.shape[1:]) * 2),
               lambda L, t: t.softmax(-1), lambda L, t: L.log_softmax(t, 0), lambda L, t: L.deg2rad(t),
               lambda L, t: L.logaddexp(t, t * 2), lambda L, t: t.trace() if t.dim() == 2 else t.sum()):
        run_both(fn, [x], rtol=1e-4, atol=1e-5)
    run_both(lambda L, a, b: L.atan2(a, b), [x, y], rtol=1e-4, atol=1e-5)
    run_both(lambda L, a, b: L.xlogy(a, b.abs() + 0.1), [x, y], rtol=1e-4, atol=1e-5)
    run_both(lambda L, a, b: L.hypot(a, b), [x, y], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("equation,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
                                             ("i,i->", [(3,), (3,)]), ("ij->j", [(2, 3)]), ("ij,kj", [(2, 3), (4, 3)]),
                                             ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)])])
def test_einsum_parity(equation, shapes):
    run_both(lambda L, *ts: L.einsum(equation, *ts), [data(i, s) for i, s in enumerate(shapes)], rtol=1e-4,
             atol=1e-5)


def test_finfo_iinfo_match():
    for name in ("float16", "bfloat16", "float32", "float64"):
        c, t = course.finfo(getattr(course, name)), torch.finfo(getattr(torch, name))
        assert (c.eps, c.max, c.min, c.tiny, c.bits, c.resolution) == (t.eps, t.max, t.min, t.tiny, t.bits,
                                                                      t.resolution)
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        c, t = course.iinfo(getattr(course, name)), torch.iinfo(getattr(torch, name))
        assert (c.min, c.max, c.bits) == (t.min, t.max, t.bits)


def test_inplace_index_family_matches():
    def edit(L, t):
        y = t * 1.0
        y.index_add_(0, L.tensor([0, 0]), L.ones(2, *t.shape[1:]))
        y.index_fill_(1, L.tensor([0]), -1.0)
        y.scatter_add_(1, L.zeros(t.shape[0], 1, dtype=L.int64), L.ones(t.shape[0], 1))
        y.index_put_((L.tensor([0, 0]),), L.tensor(2.0), accumulate=True)
        z = y.clone()
        z.scatter_(1, L.zeros(t.shape[0], 1, dtype=L.int64), 7.0)
        w = t.scatter(0, L.tensor([[1, 0, 2, 1]]), t[:1] * 3)
        return z * w, y
    run_both(edit, [data(3, (3, 4))])


# -- dtypes ---------------------------------------------------------------------------------------------------
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _ones(L, name, dims):
    return L.ones((2,) if dims else (), dtype=getattr(L, name))


@pytest.mark.parametrize("op", ["add", "mul", "sub", "div", "floor_divide", "eq", "maximum", "where", "pow"])
def test_result_dtypes_follow_pytorch_promotion(op):
    fns = {"add": lambda L, a, b: a + b, "mul": lambda L, a, b: a * b, "sub": lambda L, a, b: a - b,
           "div": lambda L, a, b: a / b, "floor_divide": lambda L, a, b: a // b, "eq": lambda L, a, b: a == b,
           "maximum": lambda L, a, b: L.maximum(a, b) if hasattr(b, "dtype") else L.maximum(a, L.tensor(b)),
           "where": lambda L, a, b: L.where(L.tensor(True), a, b), "pow": lambda L, a, b: a ** b}
    fn = fns[op]
    checked = 0
    for da, db in itertools.product(DTYPES, DTYPES + ["py_bool", "py_int", "py_float"]):
        for dims_a, dims_b in [(True, True), (True, False), (False, True), (False, False)]:
            if db.startswith("py_") and not dims_b:
                continue
            if op == "pow" and da == "bool" and db in ("bool", "py_bool"):
                continue        # bool ** bool: PyTorch refuses (tensor) or keeps bool (number); course gives int8
            outcome = []
            for L in (course, torch):
                a = _ones(L, da, dims_a)
                b = {"py_bool": True, "py_int": 2, "py_float": 2.5}.get(db) if db.startswith("py_") else \
                    _ones(L, db, dims_b)
                try:
                    outcome.append(str(fn(L, a, b).dtype).split(".")[-1])
                except (RuntimeError, TypeError, NotImplementedError) as e:
                    outcome.append("refused")
            if "refused" in outcome:
                continue        # an op PyTorch (or course) refuses for these dtypes: see the error tests
            assert outcome[0] == outcome[1], (op, da, db, dims_a, dims_b, outcome)
            checked += 1
    assert checked > 100


def test_reduction_and_conversion_dtypes():
    for name in DTYPES:
        for fn in (lambda L, t: t.sum(), lambda L, t: t.prod(), lambda L, t: t.cumsum(0), lambda L, t: t.argmax() if name != "bool" else t,
                   lambda L, t: t.max(), lambda L, t: t.abs() if name != "bool" else t, lambda L, t: t.float(),
                   lambda L, t: t.long(), lambda L, t: t.half(), lambda L, t: t.to(L.float64), lambda L, t: t.int(),
                   lambda L, t: t.exp() if name != "bool" else t.float(), lambda L, t: t.sqrt(),
                   lambda L, t: t.clamp(0, 1), lambda L, t: t.flatten(), lambda L, t: L.cat([t, t]),
                   lambda L, t: t.sign() if name != "bool" else t, lambda L, t: t * True):
            c = fn(course, course.ones(3, dtype=getattr(course, name)))
            t = fn(torch, torch.ones(3, dtype=getattr(torch, name)))
            assert same_dtype(c, t), (name, c.dtype, t.dtype)
            np.testing.assert_allclose(to_numpy(c).astype(np.float64), to_numpy(t).astype(np.float64))


@pytest.mark.parametrize("data_", [[1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5, True, [],
                                   [[1.5], [2]], [True, 2], np.arange(3, dtype=np.int32),
                                   np.ones(2, dtype=np.float16), np.float64(1.5), [np.float32(1.5)]])
def test_tensor_constructor_infers_dtype_like_pytorch(data_):
    c, t = course.tensor(data_), torch.tensor(data_)
    assert same_dtype(c, t) and tuple(c.shape) == tuple(t.shape)
    np.testing.assert_array_equal(to_numpy(c), to_numpy(t))


def test_creation_functions_match():
    for fn in (lambda L: L.arange(5), lambda L: L.arange(0, 1, 0.25), lambda L: L.arange(1, 10, 3),
               lambda L: L.arange(5.0), lambda L: L.arange(-1, -3, -0.5), lambda L: L.linspace(0, 1, 5),
               lambda L: L.linspace(-2, 2, 1), lambda L: L.eye(3), lambda L: L.eye(2, 4),
               lambda L: L.full((2, 3), 7), lambda L: L.full((2,), 1.5), lambda L: L.full((2,), True),
               lambda L: L.zeros(2, 3), lambda L: L.ones((2, 3), dtype=L.int32), lambda L: L.zeros([]),
               lambda L: L.zeros_like(L.ones(2, dtype=L.int8)), lambda L: L.ones_like(L.ones(2), dtype=L.float64),
               lambda L: L.full_like(L.ones(2), 3), lambda L: L.empty(2, 3).shape,
               lambda L: L.tensor([[1, 2]]).new_zeros(3), lambda L: L.tensor([1.5]).new_tensor([1, 2]),
               lambda L: L.tensor([1.5]).new_ones((2, 2)), lambda L: L.tensor([1, 2]).new_full((2,), 3.5),
               lambda L: L.zeros(size=(2, 3)), lambda L: L.ones(size=[3]), lambda L: L.zeros(2, out=L.empty(5)),
               lambda L: L.arange(4, out=L.empty(0)), lambda L: L.linspace(0, 1, 3, out=L.empty(3, dtype=L.float64)),
               lambda L: L.eye(2, out=L.empty(2, 2)), lambda L: L.add(L.ones(2), 1, out=L.empty(2))):
        c, t = fn(course), fn(torch)
        if isinstance(t, torch.Size):
            assert tuple(c) == tuple(t)
            continue
        assert same_dtype(c, t), (c.dtype, t.dtype)
        np.testing.assert_allclose(to_numpy(c), to_numpy(t), rtol=1e-6)


def test_random_creation_shapes_dtypes_and_ranges():
    course.manual_seed(0)
    assert course.rand(2, 3).dtype is course.float32 and course.randn((4,)).shape == (4,)
    r = course.rand(1000)
    assert 0 <= float(r.min()) and float(r.max()) < 1
    ri = course.randint(3, 7, (1000,))
    assert ri.dtype is course.int64 and int(ri.min()) == 3 and int(ri.max()) == 6
    assert course.randint(5, (3,)).shape == (3,)
    p = course.randperm(10)
    assert p.dtype is course.int64 and sorted(p.tolist()) == list(range(10))
    assert course.rand(2, dtype=course.float64).dtype is course.float64
    assert course.randn_like(course.ones(2, 2, dtype=course.float16)).dtype is course.float16
    assert course.rand_like(course.ones(3)).shape == (3,)
    n = course.randn(20000)
    assert abs(float(n.mean())) < 0.05 and abs(float(n.std()) - 1) < 0.05


# -- errors: the same exception type (and message where it helps) ---------------------------------------
ERRORS = {
    "view_noncontiguous": lambda L: L.ones(2, 3).t().view(6),
    "view_bad_size": lambda L: L.ones(2, 3).view(4, -1),
    "reshape_two_minus_one": lambda L: L.ones(2, 3).reshape(-1, -1),
    "matmul_shapes": lambda L: L.ones(2, 3) @ L.ones(2, 3),
    "matmul_dtypes": lambda L: L.ones(2, 3) @ L.ones(3, 2, dtype=L.float64),
    "matmul_0d": lambda L: L.ones(2, 3) @ L.tensor(2.0),
    "broadcast": lambda L: L.ones(2, 3) + L.ones(4),
    "item_many": lambda L: L.ones(2).item(),
    "bool_ambiguous": lambda L: bool(L.ones(2)),
    "numpy_requires_grad": lambda L: L.ones(2, requires_grad=True).numpy(),
    "int_requires_grad": lambda L: L.tensor([1, 2], requires_grad=True),
    "leaf_inplace": lambda L: L.ones(2, requires_grad=True).add_(1),
    "leaf_setitem": lambda L: L.ones(2, requires_grad=True).__setitem__(0, 5.0),
    "backward_nonscalar": lambda L: (L.ones(2, requires_grad=True) * 2).backward(),
    "backward_no_grad": lambda L: L.ones(2).sum().backward(),
    "dim_out_of_range": lambda L: L.ones(2, 3).sum(2),
    "index_out_of_range": lambda L: L.ones(2, 3)[2],
    "too_many_indices": lambda L: L.ones(2)[0, 0],
    "negative_step": lambda L: L.arange(5)[::-1],
    "float_index": lambda L: L.ones(3)[L.tensor([0.0])],
    "cat_mismatch": lambda L: L.cat([L.ones(2, 3), L.ones(3, 2)]),
    "cat_empty": lambda L: L.cat([]),
    "stack_mismatch": lambda L: L.stack([L.ones(2), L.ones(3)]),
    "expand_bad": lambda L: L.ones(2, 3).expand(4, 3),
    "neg_bool": lambda L: -L.tensor([True]),
    "int_pow_negative": lambda L: L.tensor([2]) ** -1,
    "mean_int": lambda L: L.tensor([1, 2]).mean(),
    "len_0d": lambda L: len(L.tensor(1.0)),
    "iter_0d": lambda L: iter(L.tensor(1.0)),
    "inplace_int_from_float": lambda L: L.ones(2, dtype=L.int64).add_(1.5),
    "inplace_broadcast_grow": lambda L: L.ones(2).add_(L.ones(2, 2)),
    "permute_duplicate": lambda L: L.ones(2, 3).permute(0, 0),
    "squeeze_dim_range": lambda L: L.ones(2, 1).squeeze(3),
    "gather_dtype": lambda L: L.ones(2, 2).gather(1, L.zeros(2, 2)),
    "clamp_no_bounds": lambda L: L.ones(2).clamp(),
    "split_sizes": lambda L: L.ones(5).split([2, 2]),
    "zeros_negative": lambda L: L.zeros(-1),
    "masked_fill_float_mask": lambda L: L.ones(2).masked_fill(L.ones(2), 0.0),
    "div_rounding": lambda L: L.ones(2).div(2, rounding_mode="up"),
    "int_div_by_zero": lambda L: L.tensor([1, 2]) // 0,
    "int_mod_by_zero": lambda L: L.tensor([1, 2]) % L.tensor([1, 0]),
    "mT_of_vector": lambda L: L.ones(3).mT,
    "grad_wrong_shape": lambda L: (L.ones(2, requires_grad=True) * 2).backward(L.ones(3)),
    "grad_unused": lambda L: L.autograd.grad((L.ones(2, requires_grad=True) * 2).sum(),
                                             [L.ones(2, requires_grad=True)]),
}


def _backward_twice(L):
    x = L.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _modified_saved(L):
    x = L.ones(2, requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


def _modified_input(L):
    w = L.ones(2, 3, requires_grad=True)
    a = L.ones(3, 3)
    y = w @ a
    a.mul_(2)
    y.sum().backward()


ERRORS.update(backward_twice=_backward_twice, modified_saved=_modified_saved, modified_input=_modified_input)
SAME_MESSAGE = {"view_noncontiguous", "view_bad_size", "matmul_shapes", "matmul_dtypes", "broadcast",
                "numpy_requires_grad", "leaf_inplace", "leaf_setitem", "backward_nonscalar", "backward_no_grad",
                "dim_out_of_range", "backward_twice", "modified_saved", "modified_input", "neg_bool",
                "int_pow_negative", "cat_mismatch", "expand_bad", "clamp_no_bounds", "grad_unused",
                "index_out_of_range", "bool_ambiguous", "inplace_broadcast_grow", "reshape_two_minus_one",
                "int_div_by_zero", "mT_of_vector", "negative_step"}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_like_pytorch(name):
    caught = {}
    for L in (course, torch):
        with pytest.raises(Exception) as info:
            ERRORS[name](L)
        caught[L.__name__] = info.value
    c, t = caught["course"], caught["torch"]
    assert isinstance(c, type(t)) or type(t) in type(c).__mro__, (type(c), type(t), c, t)
    if name in SAME_MESSAGE:
        first = str(t).split("Hint:")[0].split("\n")[0].replace("torch.", "").strip()
        assert first.replace("torch.", "") in str(c).replace("course.", "").replace("torch.", ""), (str(c), str(t))


def test_inplace_on_slices_of_a_tensor_that_requires_grad():
    def edit(L, x):
        y = x * 1
        y[0] += 1                                   # a view changed in place: y's history records it
        y[:, 1] *= 3
        y[1:, 2:].clamp_(max=1.0)
        y[-1].mul_(y[0].detach() * 0 + 2)
        y[0, 0] = 5.0
        return y
    out_c, out_t = run_both(edit, [data(5, (3, 4))])
    assert out_c.grad_fn.name() == "CopySlices" and "CopySlices" in out_t.grad_fn.name()


def test_inplace_into_a_slice_of_a_plain_buffer_records_on_the_buffer():
    def fill(L, w):
        buf = L.zeros(3, 4)
        buf[0:2].copy_(w[:2] * 2)                   # buf did not require grad: now it depends on w
        buf[2].add_(w[2])
        return (buf * buf).sum(1)
    run_both(fill, [data(9, (3, 4))])


def test_inplace_on_a_view_of_a_leaf_is_refused():
    for L in (course, torch):
        x = L.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                               "in-place operation."):
            x[0].add_(1)
