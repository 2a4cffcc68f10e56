"""Write the grader's test corpus from the MNIST lab solution: ``python tests/submissions/make_corpus.py``.

Every submission starts from what a good student hands in (the solved notebook of their language, without
the hidden checks, with the outputs of a run) and breaks one thing. ``expected.json`` says what each must
get, with the reasoning; tests/test_grade_corpus.py grades them all and compares. Run this again whenever
the lab changes, and commit the result.
"""
import copy
import json
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOLUTION = ROOT / "solutions" / "mnist" / "mnist_lab.ipynb"
LANGUAGE_RE = re.compile(r'course\.exercises\.language\(\s*(["\'])([A-Za-z-]*)\1\s*\)')
MARKERS = ("# BEGIN SOLUTION", "# END SOLUTION")


def solved(lang="en"):
    """The solved lab as a student of ``lang`` would hand it in: no hidden checks, no solution markers."""
    src = nbformat.read(str(SOLUTION), as_version=4)
    try:
        from course.i18n.catalog import translations
        tr = translations(ROOT, lang, SOLUTION.stem)
    except Exception:   # no catalogs yet: English text, which is fine for the grader
        tr = {}
    nb = copy.deepcopy(src)
    nb.cells = [c for c in nb.cells if "solution-only" not in c.metadata.get("tags", [])]
    for c in nb.cells:
        if c.cell_type == "markdown":
            c.source = tr.get(c.id, c.source)
        elif c.cell_type == "code":
            lines = [ln for ln in c.source.split("\n") if ln.strip() not in MARKERS and "# STUB " not in ln]
            c.source = LANGUAGE_RE.sub(f'course.exercises.language("{lang}")', "\n".join(lines))
    nb.metadata["course"] = {"lang": lang, "variant": "student"}
    return nb


def cell(nb, cid):
    return next(c for c in nb.cells if c.get("id") == cid)


def edit(nb, cid, old, new):
    c = cell(nb, cid)
    assert old in c.source, (cid, old)
    c.source = c.source.replace(old, new)
    c.outputs, c.execution_count = [], None
    return nb


def without_plots(nb):
    """The plots' images make a notebook 300 kB; all but correct.ipynb go without, to keep the corpus small."""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = [o for o in c.outputs if "image/png" not in o.get("data", {})]
    return nb


def write(name, nb, keep_images=False):
    nbformat.write(nb if keep_images else without_plots(nb), str(HERE / name))


def write_raw(name, text):
    (HERE / name).write_text(text, encoding="utf-8")


WITH_RELU = """        x = self.relu(self.fc1(self.flatten(x)))
        x = self.relu(self.fc2(x))"""
NO_RELU = """        x = self.fc1(self.flatten(x))
        x = self.fc2(x)"""


def main():
    for old in HERE.glob("*.ipynb"):
        old.unlink()
    good = solved("en")
    write("correct.ipynb", good, keep_images=True)
    good = without_plots(good)

    write("wrong_model.ipynb", edit(solved(), "lab-model", WITH_RELU, NO_RELU))
    write("wrong_training_loop.ipynb", edit(solved(), "lab-train", "        optimizer.zero_grad()\n", ""))
    low = edit(solved(), "lab-fit", "torch.optim.Adam(model.parameters(), lr=1e-3)\nepochs = 3",
               "torch.optim.SGD(model.parameters(), lr=0.01)\nepochs = 1")
    write("low_accuracy.ipynb", low)
    tampered = copy.deepcopy(low)
    c = cell(tampered, "lab-check-accuracy")
    c.source = "# check: at least 97% on the test set (25 points)\nprint(\"[ok] accuracy\")"
    write("tampered_check.ipynb", tampered)

    deleted = solved()
    deleted.cells = [c for c in deleted.cells if c.id != "lab-check-model"]
    write("deleted_check.ipynb", deleted)

    marked = edit(solved(), "lab-eval", "return correct / total", "return 100 * correct / total")
    c = cell(marked, "lab-check-eval")
    c.source = "# NBVAL_SKIP\n" + c.source
    cell(marked, "lab-eval").metadata["tags"] = ["raises-exception", "nbval-skip"]
    c = cell(marked, "lab-check-confusion")
    c.source = "# NBVAL_IGNORE_OUTPUT\n" + c.source
    c.metadata["tags"] = c.metadata.get("tags", []) + ["nbval-ignore-output"]
    write("nbval_markers.ipynb", marked)

    cleared = json.loads(nbformat.writes(solved()))
    del cleared["metadata"]
    for c in cleared["cells"]:
        c.pop("metadata", None)
        if c["cell_type"] == "code":
            c["outputs"], c["execution_count"] = [], None
    write_raw("cleared_outputs_no_metadata.ipynb", json.dumps(cleared, indent=1, ensure_ascii=False) + "\n")

    write("infinite_loop.ipynb", edit(solved(), "lab-train", "    model.train()\n",
                                      "    while True:  # waiting for something that never happens\n"
                                      "        pass\n    model.train()\n"))
    write("os_exit.ipynb", edit(solved(), "lab-eval", "def evaluate(", "import os\nos._exit(1)\n\n\ndef evaluate("))
    write("sys_exit.ipynb", edit(solved(), "lab-eval", "def evaluate(",
                                 "import sys\nsys.exit(\"not finished\")\n\n\ndef evaluate("))
    write("huge_allocation.ipynb", edit(solved(), "lab-fit", "torch.manual_seed(0)\nmodel = Net()",
                                        "import numpy as np\n"
                                        "cache = [np.ones(2 ** 27) for _ in range(6)]  # 6 GiB 'to be fast'\n"
                                        "torch.manual_seed(0)\nmodel = Net()"))

    text = nbformat.writes(good)
    write_raw("invalid_json.ipynb", text[: len(text) // 2])
    write_raw("nbformat3.ipynb", nbformat.writes(nbformat.convert(copy.deepcopy(good), 3)))

    write("Zadanie MNIST – Kowalska (wersja końcowa).ipynb", solved("pl"))
    chinese = edit(solved("zh-Hant"), "lab-confusion", "(targets, predictions)", "(predictions, targets)")
    write("chinese_zh-Hant.ipynb", chinese)

    noisy = solved()
    noisy.cells.insert(1, nbformat.v4.new_code_cell("%load_ext no_such_extension_here"))
    noisy.cells[1].id = "student-magic"
    noisy.cells.insert(2, nbformat.v4.new_code_cell("%nosuchmagic --fast"))
    noisy.cells[2].id = "student-magic-2"
    big = nbformat.v4.new_code_cell("for i in range(40_000):\n    print(f'step {i}: ' + 'x' * 40)")
    big.id = "student-chatty"
    big.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                          text="".join(f"step {i}: {'x' * 40}\n" for i in range(40_000)))]
    noisy.cells.insert(5, big)
    c = cell(noisy, "lab-language")
    c.source = c.source.replace('language("en")', 'language("de")')
    write("noisy_magic_output_german.ipynb", noisy)

    other = solved()
    other.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    other.metadata["language_info"] = {"name": "R"}
    write("other_kernel_R.ipynb", other)
    print(f"wrote {len(list(HERE.glob('*.ipynb')))} submissions to {HERE}")


if __name__ == "__main__":
    sys.exit(main())
