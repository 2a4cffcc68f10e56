"""One MNIST training epoch with course and with PyTorch, side by side.

Workloads (both trained with SGD lr=0.05 momentum=0.9, batch 64, cross-entropy, pixels normalised
with mean 0.1307 / std 0.3081):

* mlp: 784-256-128-10 with ReLU
* cnn: conv(1->32, 3, p1)-ReLU-maxpool2-conv(32->64, 3, p1)-ReLU-maxpool2-fc(3136->128)-ReLU-fc(10)

Each (workload, framework) pair runs in its own subprocess, so the peak RSS printed is that
framework's alone; both get 2 threads: ``set_num_threads(2)`` in each (course splits its big kernels
along the batch over its own threads and keeps BLAS to one thread inside them), OMP/OPENBLAS_NUM_THREADS=2.
The data pipeline is the same for both: the IDX files read into memory, each framework's own
TensorDataset + DataLoader(batch_size=64, shuffle=True) over them.

    python benchmarks/bench_mnist.py                          # both workloads, both frameworks, 1 epoch
    python benchmarks/bench_mnist.py --workload cnn --limit 100   # quick: 100 batches
    python benchmarks/bench_mnist.py --framework course --epochs 2
    python benchmarks/bench_mnist.py --threads 1                  # one thread each

Timings on a shared 2-core VM vary by 10-15% from run to run: compare the ratio within one run, and use
--epochs 2 (the best epoch is printed) to smooth it. Measured on the 2-core development machine
(2026-11-24, load about 1.5, 2 threads each):
one epoch    mlp course 1.43 s vs torch 1.15 s (1.24x); cnn course 25.7 s vs torch 13.9 s (1.85x)
two epochs   mlp course 1.40 s vs torch 1.18 s (1.18x); cnn course 22.8 s vs torch 14.1 s (1.62x)
"""
import argparse
import gzip
import json
import os
import pathlib
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
MNIST = ROOT / "course" / "data" / "mnist"
THREADS = 2          # the CI machine's cores; --threads changes it for both frameworks


def read_idx(name):
    """An IDX file (gzip) as a numpy array: magic (0, 0, dtype, ndim), the dims, then the bytes."""
    with gzip.open(MNIST / f"{name}.gz", "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(f"{prefix}-images-idx3-ubyte").astype(np.float32) / 255.0
    x = (x - 0.1307) / 0.3081
    y = read_idx(f"{prefix}-labels-idx1-ubyte").astype(np.int64)
    return x.reshape(-1, 1, 28, 28), y


def build(nn, workload):
    if workload == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def run_one(workload, framework, epochs, limit, threads=THREADS):
    """Train and evaluate in this process; returns the figures as a dict."""
    if framework == "torch":
        import torch as fw
    else:
        import course as fw
    fw.set_num_threads(threads)       # course: its own kernel threads (course/_threads.py), BLAS one per thread
    from importlib import import_module
    nn = import_module(fw.__name__ + ".nn")
    data = import_module(fw.__name__ + ".utils.data")
    optim = import_module(fw.__name__ + ".optim")
    fw.manual_seed(0)
    xtr, ytr = load("train")
    xte, yte = load("test")
    train = data.DataLoader(data.TensorDataset(fw.from_numpy(xtr), fw.from_numpy(ytr)), batch_size=64,
                            shuffle=True)
    model = build(nn, workload)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    epoch_times, batches, last_loss = [], 0, float("nan")
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        for i, (x, y) in enumerate(train):
            if limit and i >= limit:
                break
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            batches += 1
        last_loss = float(loss.item())
        epoch_times.append(time.perf_counter() - start)
    model.eval()
    correct = 0
    with fw.no_grad():
        for i in range(0, len(xte), 1000):
            out = model(fw.from_numpy(xte[i:i + 1000]))
            correct += int((out.argmax(1).numpy() == yte[i:i + 1000]).sum())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(workload=workload, framework=framework, sec_per_epoch=min(epoch_times), batches=batches,
                test_acc=correct / len(xte), peak_rss_mb=peak_mb, last_loss=last_loss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", choices=["mlp", "cnn", "all"], default="all")
    ap.add_argument("--framework", choices=["course", "torch", "all"], default="all")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on only this many batches per epoch")
    ap.add_argument("--threads", type=int, default=THREADS, help="threads for both frameworks (default 2)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)   # internal: run in this process
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.workload, args.framework, args.epochs, args.limit, args.threads)))
        return
    workloads = ["mlp", "cnn"] if args.workload == "all" else [args.workload]
    frameworks = ["torch", "course"] if args.framework == "all" else [args.framework]
    n = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n, MKL_NUM_THREADS=n, PYTHONPATH=str(ROOT))
    for workload in workloads:
        times = {}
        for framework in frameworks:
            if framework == "torch":
                try:
                    import importlib.util
                    if importlib.util.find_spec("torch") is None:
                        print(f"{workload:4s} torch   skipped (torch not installed)")
                        continue
                except ImportError:
                    continue
            cmd = [sys.executable, __file__, "--one", "--workload", workload, "--framework", framework,
                   "--epochs", str(args.epochs), "--limit", str(args.limit), "--threads", n]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"{workload}/{framework} failed")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            times[framework] = r["sec_per_epoch"]
            ratio = f"{r['sec_per_epoch'] / times['torch']:.2f}x torch" if "torch" in times else "-"
            print(f"{workload:4s} {framework:7s} {r['sec_per_epoch']:7.2f} s/epoch ({r['batches']} batches)  "
                  f"test acc {r['test_acc']:.4f}  peak RSS {r['peak_rss_mb']:.0f} MB  ratio {ratio}", flush=True)


if __name__ == "__main__":
    main()
