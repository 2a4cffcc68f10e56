"""Per-op overhead of course against raw numpy doing the same math, and against PyTorch when installed.

For each op and size it times the forward alone (no graph recorded) and forward + backward (inputs that
require grad, ``out.backward(grad)``). The numpy column does the same arithmetic by hand, gradient formulas
included, so ``course / numpy`` is what the framework costs on top of the math.

    python -m benchmarks.bench_ops [--quick]
"""
import argparse
import timeit

import numpy as np

import course

SIZES = {"small": (8, 8), "medium": (256, 256)}


def _numpy_cases(a, b, g):
    """name -> (forward, forward + backward) written with numpy only."""
    def matmul_fb():
        a @ b
        return g @ b.T, a.T @ g

    def relu_fb():
        y = np.maximum(a, 0)
        return g * (y > 0)

    def exp_fb():
        y = np.exp(a)
        return g * y

    def index_fb():
        a[1:5]
        out = np.zeros_like(a)
        out[1:5] += g[1:5]
        return out
    return {
        "add": (lambda: a + b, lambda: (a + b, g, g)),
        "mul": (lambda: a * b, lambda: (a * b, g * b, g * a)),
        "matmul": (lambda: a @ b, matmul_fb),
        "sum": (lambda: a.sum(), lambda: (a.sum(), np.broadcast_to(np.float32(1.0), a.shape).copy())),
        "relu": (lambda: np.maximum(a, 0), relu_fb),
        "exp": (lambda: np.exp(a), exp_fb),
        "reshape": (lambda: a.reshape(-1), lambda: (a.reshape(-1), g.reshape(-1).reshape(a.shape))),
        "index": (lambda: a[1:5], index_fb),
    }


def _lib_cases(L, a_np, b_np):
    """name -> (forward, forward + backward) written with course or torch (same code for both)."""
    a0, b0 = L.from_numpy(a_np.copy()), L.from_numpy(b_np.copy())
    a, b = a0.clone().requires_grad_(), b0.clone().requires_grad_()
    fns = {
        "add": lambda x, y: x + y, "mul": lambda x, y: x * y, "matmul": lambda x, y: x @ y,
        "sum": lambda x, y: x.sum(), "relu": lambda x, y: x.relu(), "exp": lambda x, y: x.exp(),
        "reshape": lambda x, y: x.reshape(-1), "index": lambda x, y: x[1:5],
    }
    cases = {}
    for name, f in fns.items():
        grad = L.ones_like(f(a0, b0))

        def forward_backward(f=f, grad=grad):
            a.grad = b.grad = None
            f(a, b).backward(grad)
        cases[name] = (lambda f=f: f(a0, b0), forward_backward)
    return cases


def _time(fn, budget):
    """Best time per call in microseconds, over 5 rounds of about ``budget`` seconds each."""
    timer = timeit.Timer(fn)
    once = max(timer.timeit(3) / 3, 1e-7)                 # (also warms up)
    number = max(1, int(budget / once))
    return min(timer.repeat(5, number)) / number * 1e6


def run(quick=False):
    """Rows of (op, size, mode, numpy us, course us, torch us or None)."""
    try:
        import torch
        torch.set_num_threads(1)          # per-op overhead, not parallel speed-up (the CI machine has 2 cores)
    except ImportError:
        torch = None
    budget = 0.01 if quick else 0.05
    rows = []
    for size_name, shape in SIZES.items():
        rng = np.random.default_rng(0)
        a_np = rng.standard_normal(shape).astype(np.float32)
        b_np = rng.standard_normal(shape).astype(np.float32)
        g_np = np.ones(shape, dtype=np.float32)
        ours, raw = _lib_cases(course, a_np, b_np), _numpy_cases(a_np, b_np, g_np)
        theirs = _lib_cases(torch, a_np, b_np) if torch is not None else None
        for name in raw:
            for mode in (0, 1):
                t_torch = _time(theirs[name][mode], budget) if theirs else None
                rows.append((name, f"{size_name} {shape[0]}x{shape[1]}", ("forward", "fwd+bwd")[mode],
                             _time(raw[name][mode], budget), _time(ours[name][mode], budget), t_torch))
    return rows


def format_table(rows):
    header = f"{'op':<8} {'size':<15} {'mode':<8} {'numpy us':>9} {'course us':>10} {'torch us':>9} " \
             f"{'course/numpy':>13} {'course/torch':>13}"
    lines = [header, "-" * len(header)]
    for name, size, mode, t_np, t_c, t_t in rows:
        torch_cols = (f"{t_t:>9.1f}", f"{t_c / t_t:>13.2f}") if t_t is not None else (f"{'-':>9}", f"{'-':>13}")
        lines.append(f"{name:<8} {size:<15} {mode:<8} {t_np:>9.1f} {t_c:>10.1f} {torch_cols[0]} "
                     f"{t_c / t_np:>13.2f} {torch_cols[1]}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings (noisier)")
    args = parser.parse_args(argv)
    try:
        import torch
        threads = f"torch {torch.__version__} (1 thread)"
    except ImportError:
        threads = "torch not installed: its columns are empty"
    print(f"numpy {np.__version__}; {threads}; times are the best of 5 rounds, in microseconds per call")
    print(format_table(run(args.quick)))


if __name__ == "__main__":
    main()
