"""The MNIST MLP and CNN (benchmarks/bench_mnist.py's workloads) trained on a real GPU through CuPy.

Where CuPy or an NVIDIA GPU is missing it says so and exits 0 (the simulated device runs numpy on the CPU,
so its timings would say nothing about a GPU). With ``--simulate`` it runs on the simulated device anyway,
to show how many host<->device copies one epoch makes and how many bytes they move.

    python benchmarks/bench_cuda.py                          # both workloads, 1 epoch, 'cuda' vs 'cpu'
    python benchmarks/bench_cuda.py --workload mlp --limit 200
    python benchmarks/bench_cuda.py --simulate --limit 50     # transfer counts on the simulated device
"""
import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from benchmarks.bench_amp import load, build  # noqa: E402  (the same data and models)


def train(device, workload, epochs, limit, amp=False):
    import course
    from course import nn, optim
    from course.utils import data

    course.manual_seed(0)
    xtr, ytr = load("train")
    xte, yte = load("test")
    loader = data.DataLoader(data.TensorDataset(course.from_numpy(xtr), course.from_numpy(ytr)), batch_size=64,
                             shuffle=True, pin_memory=device != "cpu")
    model = build(nn, workload).to(device)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    scaler = course.amp.GradScaler(device, enabled=amp)
    times, batches = [], 0
    for _ in range(epochs):
        start = time.perf_counter()
        for i, (x, y) in enumerate(loader):
            if limit and i >= limit:
                break
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            opt.zero_grad()
            with course.autocast(device, enabled=amp):
                loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            batches += 1
        if device != "cpu":
            course.cuda.synchronize()
        times.append(time.perf_counter() - start)
    correct = 0
    with course.no_grad():
        for i in range(0, len(xte), 1000):
            out = model(course.from_numpy(xte[i:i + 1000]).to(device))
            correct += int((out.argmax(1).cpu().numpy() == yte[i:i + 1000]).sum())
    return min(times), batches, correct / len(xte)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", choices=["mlp", "cnn", "all"], default="all")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="train on only this many batches per epoch")
    ap.add_argument("--simulate", action="store_true", help="use the simulated device (counts transfers)")
    args = ap.parse_args(argv)
    import course
    if args.simulate:
        course.cuda.simulate()
    elif not course.cuda.is_available():
        reason = course.cuda._import_cupy()[1]
        print(f"No CUDA here ({reason}): this benchmark needs an NVIDIA GPU with CuPy "
              "(pip install cupy-cuda12x); try --simulate to count host<->device copies instead.")
        return
    print(f"device: {course.cuda.get_device_name()}")
    for workload in (["mlp", "cnn"] if args.workload == "all" else [args.workload]):
        course.cuda.reset_transfer_stats()
        results = {"cuda": train("cuda", workload, args.epochs, args.limit)}
        stats = course.cuda.transfer_stats()
        if not args.simulate:
            results["cuda+amp"] = train("cuda", workload, args.epochs, args.limit, amp=True)
            results["cpu"] = train("cpu", workload, args.epochs, args.limit)
        for name, (sec, batches, acc) in results.items():
            ratio = f"  {results['cpu'][0] / sec:.1f}x faster than cpu" if "cpu" in results else ""
            print(f"{workload:4s} {name:9s} {sec:7.2f} s/epoch ({batches} batches)  test acc {100 * acc:.2f}%{ratio}")
        if args.simulate:
            print(f"{workload:4s} transfers: {stats['host_to_device']} host->device "
                  f"({stats['host_to_device_bytes'] / 2 ** 20:.1f} MiB), {stats['device_to_host']} device->host "
                  f"({stats['device_to_host_bytes'] / 2 ** 10:.1f} KiB)")


if __name__ == "__main__":
    main()
