"""Run every benchmark module in this folder: ``python -m benchmarks`` (each ``bench_*.py`` has a ``main()``)."""
import importlib
import pathlib
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    names = sorted(p.stem for p in pathlib.Path(__file__).parent.glob("bench_*.py"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"== benchmarks.{name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main([])
        print()


if __name__ == "__main__":
    main()
