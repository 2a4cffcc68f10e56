"""Mixed precision on the CPU: the MNIST MLP and CNN trained in float32 and with autocast + GradScaler.

Same workloads as benchmarks/bench_mnist.py (batch 64, SGD lr 0.05 momentum 0.9, cross-entropy, pixels
normalised with mean 0.1307 / std 0.3081):

* mlp: 784-256-128-10 with ReLU
* cnn: conv(1->32, 3, p1)-ReLU-maxpool2-conv(32->64, 3, p1)-ReLU-maxpool2-fc(3136->128)-ReLU-fc(10)

Modes: ``fp32`` (plain), ``amp-bf16`` (``course.autocast('cpu')``, bfloat16, no scaler: PyTorch's advice for
bfloat16), ``amp-bf16-scaler`` (the same with an enabled ``GradScaler('cpu')``), ``amp-fp16``
(``course.autocast('cpu', dtype=float16)`` + ``GradScaler('cpu')``). For each it prints seconds per epoch,
test accuracy, and the activation memory of one training batch: the bytes of every array the autograd graph
keeps for backward (inputs and outputs saved by the ops, not the parameters), measured by walking the graph.
Each run is its own subprocess with 2 BLAS threads. The last lines show loss scaling rescuing a gradient
that underflows in float16 (course.amp.demo_underflow).

    python benchmarks/bench_amp.py                             # both workloads, all four modes, 1 epoch
    python benchmarks/bench_amp.py --workload mlp --limit 200  # quick
    python benchmarks/bench_amp.py --workload mlp --rounds 3   # each mode's best of 3, taken in turns
    python benchmarks/bench_amp.py --modes fp32 amp-bf16
    python benchmarks/bench_amp.py --torch                     # and PyTorch's ratios on the same machine

Measured on the 2-core development machine (2026-11-24, one epoch, time vs fp32, each mode's best of 2 or 3):
mlp  bf16 1.40x, bf16 + GradScaler 1.44x, fp16 1.61x  (fp32 1.29 s, its fastest that day; accuracy -0.43 / -0.43 /
     -0.06 points; final code, --rounds 3 --torch)
     PyTorch 2.13 on the same machine: 1.66x, 1.82x, 1.66x
     (earlier runs that day: bf16 1.22x to 1.38x, bf16 + GradScaler 1.32x to 1.52x, fp16 1.51x to 1.68x; the AMP
     times barely move between runs, the fp32 baseline does: 1.29 to 1.48 s)
cnn  bf16 1.16x, bf16 + GradScaler 1.17x, fp16 1.33x  (fp32 22.3 s; accuracy +0.26 / +0.26 / -0.14 points)
     PyTorch 2.13 on the same machine: 1.35x, 1.58x, 87x (its float16 convolutions on the CPU)
Activations: 0.50x of fp32 for both. Under autocast, linear rounds its float32 weights to 16 bits inside the op
(no 16-bit copy, no conversion back, bit-identical results: see course/amp/autocast_mode.py); the other
conversions are loops compiled by numba (course/_convert.py), 0.1 to 0.5 ns per element.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_mnist import ROOT, THREADS, load, build   # noqa: E402  (same data and models as the fp32 benchmark)

TORCH_LIMIT = {"mlp": 300, "cnn": 10}


def activation_bytes(loss):
    """Bytes of the arrays the graph behind ``loss`` saved for backward (parameters excluded, each array once)."""
    seen, total, stack, visited = set(), 0, [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        for s in getattr(node, "_saved", None) or ():
            if s is None:
                continue
            if s.array is not None:
                arr = s.array
            elif hasattr(s.tensor, "_data") and not (s.tensor.is_leaf and s.tensor.requires_grad):
                arr = s.tensor._data
            else:
                continue
            if id(arr) not in seen:
                seen.add(id(arr))
                total += arr.nbytes
        stack.extend(n for n, _ in getattr(node, "next_functions", ()))
    return total


def run_one(workload, mode, epochs, limit, framework="course"):
    """Train (and test) in this process with course or, the same code, with PyTorch; returns the figures."""
    fw = __import__(framework)
    from importlib import import_module
    nn, optim, data = (import_module(f"{framework}.{m}") for m in ("nn", "optim", "utils.data"))
    fw.set_num_threads(THREADS)
    fw.manual_seed(0)
    xtr, ytr = load("train")
    xte, yte = load("test")
    train = data.DataLoader(data.TensorDataset(fw.from_numpy(xtr), fw.from_numpy(ytr)), batch_size=64,
                            shuffle=True)
    model = build(nn, workload)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    use_amp = mode != "fp32"
    low = fw.float16 if mode == "amp-fp16" else fw.bfloat16
    scaler = fw.amp.GradScaler("cpu", enabled=mode in ("amp-fp16", "amp-bf16-scaler"))
    epoch_times, step_times, act_bytes, skipped, batches = [], [], None, 0, 0
    # once per process, before timing: the first float16/bfloat16 conversion loads numba's compiled loops
    # (course/_convert.py, course/_jit.py; about 0.4 s, a few seconds the very first time, while numba compiles)
    start = time.perf_counter()
    if use_amp:
        fw.ones(1 << 13).to(low).float()
    if scaler.is_enabled():                   # (and GradScaler's check: one step of a throwaway parameter)
        p = fw.ones(1 << 13, requires_grad=True)
        warm, sgd = fw.amp.GradScaler("cpu"), optim.SGD([p], lr=0.0)
        warm.scale(p.sum()).backward()
        warm.step(sgd)
    warmup = time.perf_counter() - start
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        for i, (x, y) in enumerate(train):
            if limit and i >= limit:
                break
            step_start = time.perf_counter()
            opt.zero_grad()
            with fw.autocast("cpu", dtype=low, enabled=use_amp):
                loss = loss_fn(model(x), y)
            if act_bytes is None and framework == "course":
                act_bytes = activation_bytes(loss)
            scale_before = scaler.get_scale()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            skipped += scaler.get_scale() < scale_before
            batches += 1
            step_times.append(time.perf_counter() - step_start)
        epoch_times.append(time.perf_counter() - start)
    model.eval()
    correct = 0
    with fw.no_grad(), fw.autocast("cpu", dtype=low, enabled=use_amp):
        for i in range(0, len(xte), 1000):
            out = model(fw.from_numpy(xte[i:i + 1000]))
            correct += int((out.argmax(1).numpy() == yte[i:i + 1000]).sum())
    return dict(workload=workload, mode=mode, sec_per_epoch=min(epoch_times), batches=batches,
                test_acc=correct / len(xte), activation_bytes=act_bytes, skipped_steps=int(skipped),
                final_scale=scaler.get_scale(), warmup_sec=warmup, median_step=float(np.median(step_times)))


def fw_version():
    import torch
    return torch.__version__


def run_modes(workload, modes, args, framework, limit):
    """Each mode in its own subprocess, the modes taken in turns ``args.rounds`` times; each mode's fastest run."""
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), OPENBLAS_NUM_THREADS=str(THREADS),
               MKL_NUM_THREADS=str(THREADS), PYTHONPATH=str(ROOT))
    best = {}
    for _ in range(args.rounds):
        for mode in modes:
            cmd = [sys.executable, __file__, "--one", "--workload", workload, "--modes", mode, "--epochs",
                   str(args.epochs), "--limit", str(limit), "--framework", framework]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"{framework} {workload}/{mode} failed")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            key = "sec_per_epoch" if framework == "course" else "median_step"     # (short PyTorch runs: per step)
            if mode not in best or r[key] < best[mode][key]:
                best[mode] = r
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", choices=["mlp", "cnn", "all"], default="all")
    ap.add_argument("--modes", nargs="+", default=["fp32", "amp-bf16", "amp-bf16-scaler", "amp-fp16"],
                    choices=["fp32", "amp-fp16", "amp-bf16", "amp-bf16-scaler"])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the modes in turn this many times and keep each mode's fastest epoch (the machine's "
                         "speed drifts: alternating keeps the comparison fair)")
    ap.add_argument("--limit", type=int, default=0, help="train on only this many batches per epoch")
    ap.add_argument("--torch", action="store_true",
                    help="also time the same modes with PyTorch (CPU), to compare the ratios to float32")
    ap.add_argument("--torch-limit", type=int, default=0,
                    help="batches per PyTorch run (default: 300 for the MLP, 10 for the CNN, whose float16 "
                         "convolutions are very slow in PyTorch on the CPU)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)   # internal: run in this process
    ap.add_argument("--framework", default="course", choices=["course", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    if args.one:
        print(json.dumps(run_one(args.workload, args.modes[0], args.epochs, args.limit, args.framework)))
        return
    for workload in (["mlp", "cnn"] if args.workload == "all" else [args.workload]):
        best = run_modes(workload, args.modes, args, "course", args.limit)
        base = best[args.modes[0]]
        for mode in args.modes:
            r = best[mode]
            print(f"{workload:4s} {mode:15s} {r['sec_per_epoch']:7.2f} s/epoch ({r['batches']} batches, "
                  f"{r['sec_per_epoch'] / base['sec_per_epoch']:.2f}x {args.modes[0]})  test acc "
                  f"{100 * r['test_acc']:.2f}% ({100 * (r['test_acc'] - base['test_acc']):+.2f} points)  activations "
                  f"{r['activation_bytes'] / 2 ** 20:.2f} MiB/batch "
                  f"({r['activation_bytes'] / base['activation_bytes']:.2f}x)  skipped steps "
                  f"{r['skipped_steps']}  final scale {r['final_scale']:g}"
                  + (f"  (not timed: {r['warmup_sec']:.2f} s loading the conversion loops)" if r["warmup_sec"] > 0.05
                     else ""), flush=True)
        if args.torch:
            limit = args.torch_limit or TORCH_LIMIT[workload]
            ref = run_modes(workload, args.modes, args, "torch", limit)
            base = ref[args.modes[0]]
            print(f"{workload:4s} PyTorch {fw_version()} on this machine, median step of {limit} batches: fp32 "
                  f"{1e3 * base['median_step']:.2f} ms; " + ", ".join(
                      f"{mode} {ref[mode]['median_step'] / base['median_step']:.2f}x" for mode in args.modes[1:]),
                  flush=True)
    print("\nA gradient that underflows in float16 (course.amp.demo_underflow):")
    import course
    course.amp.demo_underflow()


if __name__ == "__main__":
    main()
