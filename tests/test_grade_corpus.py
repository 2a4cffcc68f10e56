"""The submission corpus (tests/submissions/, made by make_corpus.py) through ``course grade --jobs 2``.

Each expected score follows from the lab's points (solutions/mnist/mnist_lab.ipynb):
model-structure 15, model-activations 5 (hidden), train-step 10, train-zero-grad 10 (hidden), evaluate 10,
evaluate-no-grad 5 (hidden), accuracy 25, accuracy-recomputed 10 (hidden), confusion-matrix 5,
confusion-matrix-full 5 (hidden); the bonus is worth 0.
"""
import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow     # grades 18 notebooks, a dozen of which train on MNIST: minutes on 2 cores
CORPUS = Path(__file__).resolve().parent / "submissions"
PL = "Zadanie MNIST – Kowalska (wersja końcowa)"

# file stem -> (score, status, words in the reason or notes, language of the feedback)
EXPECTED = {
    "correct": (100, "ok", "all checks passed", "en"),
    # no ReLU: three linear layers make one linear classifier (~92% at best on MNIST); the structure check passes,
    # model-activations (5), accuracy (25) and accuracy-recomputed (10) fail
    "wrong_model": (60, "ok", "model-activations", "en"),
    # no zero_grad: gradients pile up (Adam then wanders: ~40%); fails train-zero-grad (10), accuracy (25 + 10)
    "wrong_training_loop": (55, "ok", "train-zero-grad", "en"),
    # SGD lr=0.01 for one epoch: ~90%, fails accuracy (25) and accuracy-recomputed (10)
    "low_accuracy": (65, "ok", "accuracy", "en"),
    # the same, with the accuracy check replaced by a print: the check is restored and fails, the edit reported
    "tampered_check": (65, "ok", "original checks were used: accuracy", "en"),
    # the model-structure check cell deleted: put back, passes
    "deleted_check": (100, "ok", "were put back: model-structure", "en"),
    # evaluate returns percent and hides behind NBVAL_SKIP / raises-exception: markers stripped, fails evaluate (10),
    # evaluate-no-grad (5) and confusion-matrix-full (5, its diagonal no longer matches test_accuracy)
    "nbval_markers": (80, "ok", "nbval markers", "en"),
    "cleared_outputs_no_metadata": (100, "ok", "all checks passed", "en"),
    # train_one_epoch never returns: the train-step cell times out; model checks (15 + 5) stay
    "infinite_loop": (20, "timeout", "60 s", "en"),
    # os._exit in the evaluate cell: model (20) and training (20) checks before it count
    "os_exit": (40, "crashed", "exited with code 1", "en"),
    # sys.exit before def evaluate: evaluate undefined; fails evaluate (10), evaluate-no-grad (5), accuracy (25,
    # test_accuracy is never set), confusion-matrix-full (5); the model was trained, so accuracy-recomputed passes
    "sys_exit": (55, "ok", "sys.exit", "en"),
    # 6 GiB at the top of the training cell: MemoryError under the 4 GiB limit; the model is never trained:
    # fails accuracy (25), accuracy-recomputed (10), confusion-matrix-full (5)
    "huge_allocation": (60, "ok", "out of memory", "en"),
    "invalid_json": (0, "invalid", "not valid JSON", "en"),
    "nbformat3": (100, "ok", "converted", "en"),
    PL: (100, "ok", "all checks passed", "pl"),
    # confusion matrix transposed: fails confusion-matrix (5) and confusion-matrix-full (5)
    "chinese_zh-Hant": (90, "ok", "confusion-matrix", "zh-Hant"),
    # two failing %magics, 2 MB of output, language("de"): nothing graded depends on them
    "noisy_magic_output_german": (100, "ok", "not one the course speaks", "en"),
    "other_kernel_R": (0, "invalid", "another programming language", "en"),
}
FEEDBACK_WORDS = {"en": "Score", "pl": "Wynik", "zh-Hant": "分數"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    files = sorted(str(p) for p in CORPUS.glob("*.ipynb"))
    subprocess.run([sys.executable, "-m", "course", "grade", "--lab", "mnist", *files, "--out", str(out),
                    "--jobs", "2", "--timeout", "60", "--memory", "4096"],
                   check=True, capture_output=True, timeout=1800)
    with open(out / "grades.csv", encoding="utf-8") as f:
        return out, {r["submission"]: r for r in csv.DictReader(f)}


def _name(stem):
    from course.grading.grade import submission_names
    return submission_names([stem + ".ipynb"])[0]


def test_corpus_and_expectations_match():
    assert sorted(p.stem for p in CORPUS.glob("*.ipynb")) == sorted(EXPECTED)


def test_every_submission_has_a_row(graded):
    _, rows = graded
    assert sorted(rows) == sorted(_name(s) for s in EXPECTED)
    assert all(r["max_score"] == "100" for r in rows.values())


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_score_status_reason(graded, stem):
    out, rows = graded
    score, status, words, lang = EXPECTED[stem]
    row = rows[_name(stem)]
    feedback = (out / "feedback" / f"{_name(stem)}.md").read_text(encoding="utf-8")
    assert (float(row["score"]), row["status"]) == (score, status), row["reason"]
    assert words in row["reason"] + " " + row["notes"] + " " + feedback
    assert row["language"] == lang and FEEDBACK_WORDS[lang] in feedback
    assert row["reason"].count("\n") == 0 and row["reason"]
    # hidden checks are named in the feedback, but their code and messages never show
    assert "_right / len(x_test)" not in feedback and "measured again" not in feedback
