"""course/ci_steps.py: only notebooks whose kernel did not start are run again; real failures never are."""
from course.ci_steps import kernel_start_failures


def test_only_kernel_start_failures_are_retried():
    flaky = ["ERROR lessons/zh-Hant/01_tensors.ipynb::Cell 0 - RuntimeError: Kernel died be...\n",
             "ERROR lessons/zh-Hant/01_tensors.ipynb::Cell 1 - RuntimeError: Kernel didn't...\n",
             "ERROR lessons/pl/02_autograd.ipynb::Cell 0 - RuntimeError: Kernel didn't respond in 60 seconds\n"]
    assert kernel_start_failures(flaky) == ["lessons/pl/02_autograd.ipynb", "lessons/zh-Hant/01_tensors.ipynb"]


def test_a_real_failure_is_not_retried():
    lines = ["ERROR lessons/a.ipynb::Cell 0 - RuntimeError: Kernel died before replying\n",
             "FAILED lessons/b.ipynb::Cell 3 - Notebook cell execution failed\n"]
    assert kernel_start_failures(lines) is None
    assert kernel_start_failures(["1 failed, 3 passed\n"]) is None
