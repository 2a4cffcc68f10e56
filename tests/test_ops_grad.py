"""Every differentiable op of the core, gradchecked against finite differences in float64.

Shapes are drawn by hypothesis (including broadcasting between the operands); values are drawn from
each op's domain, kept away from the points where the op is not differentiable (0 for abs, ties for max...).
Most ops are also gradgradchecked (second derivatives through create_graph=True).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import course
from course.autograd import gradcheck, gradgradcheck

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- inputs --------------------------------------------------------------------------------------------
def leaf(rng, shape, low=-2.0, high=2.0, away_from=None):
    """A float64 leaf with values in [low, high], at least 0.1 away from the points in ``away_from``."""
    x = rng.uniform(low, high, size=shape)
    for p in away_from or ():
        close = np.abs(x - p) < 0.1
        x[close] = p + np.where(x[close] >= p, 0.1, -0.1) + np.sign(x[close] - p + 1e-9) * 0.05
    return course.tensor(x, dtype=course.float64, requires_grad=True)


def distinct(rng, shape, low=-2.0, high=2.0):
    """Values with no ties (so max/min/sort pick one element without ambiguity)."""
    n = int(np.prod(shape, dtype=np.int64))
    x = rng.permutation(n).astype(np.float64) / max(n, 1) * (high - low) + low
    x += rng.uniform(0, 0.2 / max(n, 1), size=n)
    return course.tensor(x.reshape(shape), dtype=course.float64, requires_grad=True)


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)
nonempty_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: one is the other with some dims set to 1 or dropped in front."""
    big = draw(shapes)
    small = list(big)
    for i in range(len(small)):
        if draw(st.booleans()):
            small[i] = 1
    small = tuple(small[draw(st.integers(0, len(small))):])
    return (big, small) if draw(st.booleans()) else (small, big)


def check(fn, *inputs, second=True):
    assert gradcheck(fn, inputs)
    if second:
        assert gradgradcheck(fn, inputs)


# -- elementwise functions of one tensor -----------------------------------------------------------------
UNARY = {
    # name: (function, (low, high), points to stay away from, check second derivatives?)
    "exp": (lambda x: x.exp(), (-2, 2), (), True),
    "log": (lambda x: x.log(), (0.2, 3), (), True),
    "log1p": (lambda x: x.log1p(), (-0.5, 3), (), True),
    "expm1": (lambda x: x.expm1(), (-2, 2), (), True),
    "log2": (lambda x: course.log2(x), (0.2, 3), (), True),
    "log10": (lambda x: course.log10(x), (0.2, 3), (), True),
    "exp2": (lambda x: course.exp2(x), (-2, 2), (), True),
    "sqrt": (lambda x: x.sqrt(), (0.2, 3), (), True),
    "rsqrt": (lambda x: x.rsqrt(), (0.2, 3), (), True),
    "reciprocal": (lambda x: x.reciprocal(), (-2, 2), (0,), True),
    "abs": (lambda x: x.abs(), (-2, 2), (0,), True),
    "neg": (lambda x: -x, (-2, 2), (), True),
    "square": (lambda x: x.square(), (-2, 2), (), True),
    "sin": (lambda x: x.sin(), (-3, 3), (), True),
    "cos": (lambda x: x.cos(), (-3, 3), (), True),
    "tan": (lambda x: x.tan(), (-1.2, 1.2), (), True),
    "tanh": (lambda x: x.tanh(), (-2, 2), (), True),
    "sigmoid": (lambda x: x.sigmoid(), (-4, 4), (), True),
    "relu": (lambda x: x.relu(), (-2, 2), (0,), True),
    "erf": (lambda x: x.erf(), (-2, 2), (), True),
    "asin": (lambda x: x.asin(), (-0.9, 0.9), (), True),
    "acos": (lambda x: x.acos(), (-0.9, 0.9), (), True),
    "atan": (lambda x: x.atan(), (-2, 2), (), True),
    "sinh": (lambda x: x.sinh(), (-2, 2), (), True),
    "cosh": (lambda x: x.cosh(), (-2, 2), (), True),
    "logit": (lambda x: x.logit(), (0.1, 0.9), (), True),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), (-2, 2), (-0.5, 0.7), True),
    "clamp_min": (lambda x: x.clamp(min=0.3), (-2, 2), (0.3,), True),
    "clamp_max": (lambda x: x.clamp(max=0.3), (-2, 2), (0.3,), True),
    "pow_int": (lambda x: x ** 3, (-2, 2), (), True),
    "pow_frac": (lambda x: x ** 2.5, (0.2, 2), (), True),
    "pow_neg": (lambda x: x ** -1, (-2, 2), (0,), True),
    "pow_zero": (lambda x: x ** 0, (-2, 2), (), True),
    "rpow": (lambda x: 2.0 ** x, (-2, 2), (), True),
    "frac": (lambda x: x.frac(), (-2, 2), (-2, -1, 0, 1, 2), True),
    "floor": (lambda x: x.floor(), (-2, 2), (-2, -1, 0, 1, 2), False),
    "ceil": (lambda x: x.ceil(), (-2, 2), (-2, -1, 0, 1, 2), False),
    "round": (lambda x: x.round(), (-2, 2), (-1.5, -0.5, 0.5, 1.5), False),
    "trunc": (lambda x: x.trunc(), (-2, 2), (-2, -1, 0, 1, 2), False),
    "sign": (lambda x: x.sign(), (-2, 2), (0,), False),
    "scalar_add": (lambda x: 3 + x - 1.5, (-2, 2), (), True),
    "scalar_mul": (lambda x: 0.5 * x * 3, (-2, 2), (), True),
    "scalar_div": (lambda x: 2 / x / 4, (-2, 2), (0,), True),
    "clone": (lambda x: x.clone(), (-2, 2), (), True),
    "contiguous_t": (lambda x: x.mT.contiguous() if x.dim() >= 2 else x.contiguous(), (-2, 2), (), True),
    "lerp": (lambda x: course.lerp(x, x * x, 0.3), (-2, 2), (), True),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_unary_gradcheck(name, shape, seed):
    fn, (low, high), away, second = UNARY[name]
    x = leaf(np.random.default_rng(seed), shape, low, high, away)
    check(fn, x, second=second)


# -- elementwise functions of two tensors, with broadcasting ----------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, None, None),
    "sub": (lambda a, b: a - b, None, None),
    "mul": (lambda a, b: a * b, None, None),
    "div": (lambda a, b: a / b, None, (0.3, 2)),
    "pow": (lambda a, b: a ** b, (0.3, 2), None),
    "add_alpha": (lambda a, b: course.add(a, b, alpha=-2.5), None, None),
    "maximum": (lambda a, b: course.maximum(a, b), None, None),
    "minimum": (lambda a, b: course.minimum(a, b), None, None),
    "where": (lambda a, b: course.where(a > 0.1, a, b), None, None),
    "lerp_tensor": (lambda a, b: course.lerp(a, b, 0.25), None, None),
    "sub_rsub": (lambda a, b: (1 - a) * b, None, None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(pair=broadcast_pair(), seed=st.integers(0, 2 ** 16))
def test_binary_gradcheck_broadcasting(name, pair, seed):
    fn, range_a, range_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a = leaf(rng, pair[0], *(range_a or (-2, 2)))
    if name in ("maximum", "minimum", "where"):
        # keep the two operands apart so the choice between them is not at a tie
        b = course.tensor(rng.uniform(-2, 2, size=pair[1]), dtype=course.float64)
        b = (b + course.where(b > 0, 5.0, -5.0)).requires_grad_()
    else:
        b = leaf(rng, pair[1], *(range_b or (-2, 2)))
    check(fn, a, b)


@settings(max_examples=10, deadline=None)
@given(batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
       n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 2 ** 16),
       which=st.sampled_from(["mm", "vec_left", "vec_right", "dot", "batched", "batch_left_only"]))
def test_matmul_gradcheck(batch, n, k, m, seed, which):
    rng = np.random.default_rng(seed)
    shapes_ = {"mm": ((n, k), (k, m)), "vec_left": ((k,), (k, m)), "vec_right": ((n, k), (k,)),
               "dot": ((k,), (k,)), "batched": (batch + (n, k), batch + (k, m)),
               "batch_left_only": (batch + (n, k), (k, m))}[which]
    a, b = leaf(rng, shapes_[0]), leaf(rng, shapes_[1])
    check(lambda x, y: x @ y, a, b)


def test_matmul_family_gradcheck():
    rng = np.random.default_rng(0)
    a, b, c = leaf(rng, (2, 3)), leaf(rng, (3, 4)), leaf(rng, (2, 4))
    check(lambda x, y: course.mm(x, y), a, b)
    check(lambda x, y, z: course.addmm(z, x, y, beta=0.5, alpha=2.0), a, b, c)
    u, v = leaf(rng, (3,)), leaf(rng, (4,))
    check(lambda x, y: course.outer(x, y), u, v)
    check(lambda x, y: course.mv(x, y), b.detach().requires_grad_(), v)
    p, q = leaf(rng, (2, 3, 4)), leaf(rng, (2, 4, 2))
    check(lambda x, y: course.bmm(x, y), p, q)


# -- reductions ---------------------------------------------------------------------------------------------
@st.composite
def shape_and_dim(draw, allow_none=True, allow_tuple=True):
    shape = draw(nonempty_shapes)
    options = [st.integers(-len(shape), len(shape) - 1)]
    if allow_none:
        options.append(st.none())
    if allow_tuple and len(shape) > 1:
        options.append(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                                unique=True).map(tuple))
    return shape, draw(st.one_of(*options)), draw(st.booleans())


REDUCTIONS = {
    "sum": lambda x, d, k: x.sum() if d is None else x.sum(d, keepdim=k),
    "mean": lambda x, d, k: x.mean() if d is None else x.mean(d, keepdim=k),
    "amax": lambda x, d, k: x.amax() if d is None else x.amax(d, keepdim=k),
    "amin": lambda x, d, k: x.amin() if d is None else x.amin(d, keepdim=k),
    "var": lambda x, d, k: x.var() if d is None else x.var(d, keepdim=k),
    "std": lambda x, d, k: x.std() if d is None else x.std(d, keepdim=k),
    "var_biased": lambda x, d, k: x.var(d, keepdim=k, unbiased=False),
    "norm": lambda x, d, k: x.norm() if d is None else x.norm(dim=d, keepdim=k),
    "norm_p1": lambda x, d, k: x.norm(p=1, dim=d, keepdim=k),
    "norm_p3": lambda x, d, k: x.norm(p=3, dim=d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(d if d is not None else tuple(range(x.dim())), keepdim=k),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@SETTINGS
@given(sdk=shape_and_dim(), seed=st.integers(0, 2 ** 16))
def test_reduction_gradcheck(name, sdk, seed):
    shape, dim, keepdim = sdk
    rng = np.random.default_rng(seed)
    x = distinct(rng, shape) if name in ("amax", "amin") else leaf(rng, shape, away_from=(0,))
    if name.startswith(("var", "std")) and int(np.prod([shape[d] for d in (
            range(len(shape)) if dim is None else ((dim,) if isinstance(dim, int) else dim))])) < 2:
        return                      # one element: the variance is not defined (nan, as in PyTorch)
    check(lambda t: REDUCTIONS[name](t, dim, keepdim), x)


@SETTINGS
@given(sdk=shape_and_dim(allow_tuple=False), seed=st.integers(0, 2 ** 16))
def test_prod_gradcheck_with_zeros(sdk, seed):
    shape, dim, keepdim = sdk
    rng = np.random.default_rng(seed)
    data = rng.uniform(-2, 2, size=shape)
    data.reshape(-1)[rng.integers(0, data.size)] = 0.0        # a zero: the gradient must not divide by it
    x = course.tensor(data, dtype=course.float64, requires_grad=True)
    check(lambda t: t.prod() if dim is None else t.prod(dim, keepdim=keepdim), x)


@SETTINGS
@given(sdk=shape_and_dim(allow_none=False, allow_tuple=False), seed=st.integers(0, 2 ** 16))
def test_max_min_dim_gradcheck(sdk, seed):
    shape, dim, keepdim = sdk
    x = distinct(np.random.default_rng(seed), shape)
    check(lambda t: t.max(dim, keepdim=keepdim).values, x)
    check(lambda t: t.min(dim, keepdim=keepdim)[0], x)
    check(lambda t: t.max(), x)
    check(lambda t: t.cumsum(dim), x)
    check(lambda t: t.sort(dim, descending=keepdim).values, x)
    check(lambda t: t.median(dim).values, x)


def test_topk_kthvalue_gradcheck():
    x = distinct(np.random.default_rng(1), (3, 5))
    check(lambda t: t.topk(2, dim=1).values, x)
    check(lambda t: t.kthvalue(2, dim=0).values, x)


# -- shapes, joins, indexing --------------------------------------------------------------------------------
SHAPE_OPS = {
    "reshape": lambda x: x.reshape(-1),
    "view": lambda x: x.view(*reversed(x.shape)) if x.dim() else x.view(1),
    "flatten": lambda x: x.flatten(),
    "unsqueeze": lambda x: x.unsqueeze(0).unsqueeze(-1),
    "squeeze": lambda x: x.unsqueeze(-1).squeeze(-1).unsqueeze(0).squeeze(),
    "transpose": lambda x: x.transpose(0, -1) if x.dim() else x,
    "permute": lambda x: x.permute(*reversed(range(x.dim()))),
    "T": lambda x: x.T,
    "expand": lambda x: x.unsqueeze(0).expand(3, *x.shape),
    "expand_ones": lambda x: x.reshape(1, -1).expand(2, -1),
    "repeat": lambda x: x.repeat(*([2] * x.dim() + [1])) if x.dim() else x.repeat(3),
    "flip": lambda x: x.flip(tuple(range(x.dim()))),
    "roll": lambda x: x.roll(1, 0) if x.dim() else x,
    "cat": lambda x: course.cat([x.reshape(-1), x.reshape(-1) * 2], 0),
    "stack": lambda x: course.stack([x, x.exp()], dim=-1),
    "split": lambda x: x.reshape(-1).split(2)[-1],
    "chunk": lambda x: x.reshape(-1).chunk(2)[0] * 3,
    "unbind": lambda x: x.reshape(-1).unbind(0)[-1],
    "narrow": lambda x: x.reshape(-1).narrow(0, 0, 1),
    "movedim": lambda x: course.movedim(x, 0, -1) if x.dim() else x,
    "index_basic": lambda x: x.reshape(-1)[::2],
    "index_negative": lambda x: x.reshape(-1)[-1],
    "index_fancy_repeat": lambda x: x.reshape(-1)[[0, 0, -1]],
    "index_mask": lambda x: x[x > 0],
    "index_none_ellipsis": lambda x: x[None, ...],
    "masked_fill": lambda x: x.masked_fill(x > 0.5, 0.0),
    "take": lambda x: course.take(x, course.tensor([0, 0])),
    "masked_select": lambda x: course.masked_select(x, x < 0),
    "tril": lambda x: x.reshape(1, -1).expand(2, -1).tril(),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
@SETTINGS
@given(shape=shapes, seed=st.integers(0, 2 ** 16))
def test_shape_op_gradcheck(name, shape, seed):
    x = leaf(np.random.default_rng(seed), shape)
    check(SHAPE_OPS[name], x)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple), seed=st.integers(0, 2 ** 16),
       dim=st.integers(0, 1))
def test_gather_index_select_scatter_gradcheck(shape, seed, dim):
    rng = np.random.default_rng(seed)
    x = leaf(rng, shape)
    index = course.tensor(rng.integers(0, shape[dim], size=shape))
    check(lambda t: t.gather(dim, index), x)
    check(lambda t: t.index_select(dim, course.tensor([0, shape[dim] - 1, 0])), x)
    src = leaf(rng, shape)
    check(lambda t, s: course.scatter_add(t, dim, index, s), x, src)
    unique = course.tensor(np.argsort(rng.random(shape), axis=dim))[..., :1]   # no position written twice
    check(lambda t, s: course.scatter(t, dim, unique, s), x, src)
    check(lambda t: course.scatter(t, dim, unique, value=2.0), x)
    row = leaf(rng, shape[1:])
    check(lambda t, r: course.index_put(t, (course.tensor([0]),), r), x, row)


@SETTINGS
@given(shape=nonempty_shapes, seed=st.integers(0, 2 ** 16))
def test_setitem_records_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    x, v = leaf(rng, shape), leaf(rng, shape[1:])

    def put(t, value):
        out = t * 1.0
        out[0] = value * 2
        return out
    check(put, x, v)


def test_cast_and_to_gradient_flows_back_in_the_input_dtype():
    x = course.tensor([1.5, -2.0], dtype=course.float64, requires_grad=True)
    y = x.float()
    assert y.dtype is course.float32
    (y * 3).sum().backward()
    assert x.grad.dtype is course.float64
    assert x.grad.tolist() == [3.0, 3.0]


# -- matrix helpers and the rest ---------------------------------------------------------------------------------
def test_more_ops_gradcheck():
    rng = np.random.default_rng(7)
    m, v = leaf(rng, (3, 4)), leaf(rng, (3,))
    check(lambda t: t.diagonal(), m)
    check(lambda t: t.diagonal(offset=1), m)
    check(lambda t: course.diagonal(t.reshape(2, 3, 2), 0, 0, 2), m)
    check(lambda t: course.diag(t), v)
    check(lambda t: course.diag(t, -1), v)
    check(lambda t: t[:, :3].trace(), m)
    check(lambda t: t.cumprod(1), m)
    check(lambda t: course.cumprod(t.masked_fill(t.abs() < 0.5, 0.0), 0), m)      # with zeros
    check(lambda t: t.repeat_interleave(2, dim=1), m)
    check(lambda t: t.repeat_interleave(course.tensor([1, 0, 2])), v)
    check(lambda t: t.unfold(1, 2, 1), m)
    check(lambda t: course.meshgrid(t, t[:2], indexing="xy")[1] * 2, v)
    check(lambda t: course.tensor_split(t, 2, dim=1)[1], m)
    check(lambda t: course.index_add(t, 0, course.tensor([0, 2, 0]), t * 2), m)
    b = leaf(rng, (3, 4), away_from=(0,))
    check(lambda t, u: course.atan2(t, u), m, b)
    check(lambda t, u: course.hypot(t, u), m, b)
    check(lambda t, u: course.logaddexp(t, u), m, b)
    check(lambda t, u: course.xlogy(t, u.abs()), m, b)
    check(lambda t, u: course.addcdiv(t, t, u, value=0.5) + course.addcmul(t, u, u, value=2), m, b)


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("i,i->", [(3,), (3,)]),
           ("ij->j", [(2, 3)]), ("ij->ji", [(2, 3)]), ("i,j->ij", [(2,), (3,)]), ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
           ("ij,jk", [(2, 3), (3, 4)]), ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)])]


@pytest.mark.parametrize("equation,shapes", EINSUMS)
def test_einsum_gradcheck(equation, shapes):
    rng = np.random.default_rng(len(equation))
    check(lambda *ts: course.einsum(equation, *ts), *[leaf(rng, s) for s in shapes])
