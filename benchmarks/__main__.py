"""Run every benchmark module in this folder: ``python -m benchmarks [name ...]`` (each ``bench_*.py`` has a
``main()``); with names, only the modules whose name contains one of them (``python -m benchmarks ops``)."""
import importlib
import inspect
import pathlib
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    names = sorted(p.stem for p in pathlib.Path(__file__).parent.glob("bench_*.py"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        print(f"== benchmarks.{name} ==", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        saved, sys.argv = sys.argv, [f"benchmarks/{name}.py"]       # each runs with its default options
        try:
            module.main([]) if inspect.signature(module.main).parameters else module.main()
        finally:
            sys.argv = saved
        print(flush=True)


if __name__ == "__main__":
    main()
