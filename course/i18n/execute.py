"""Run a notebook with nbclient (kernel ``python3``, in the notebook's folder, COURSE_GRADING unset)
and carry the outputs of one notebook over to its translations (the code is identical, so are the outputs;
only the check cells' feedback is re-rendered in the notebook's language)."""
import contextlib
import copy
import os

from nbclient import NotebookClient

# BLAS results depend on the thread count (the order of float additions), so notebooks run with one thread;
# it is also much faster when several notebooks share a 2-core CI machine
BLAS_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def _environment(**changes):
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for k, v in changes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(nb, folder, timeout=600):
    """Execute ``nb`` in place; raises nbclient's CellExecutionError when a cell fails."""
    folder.mkdir(parents=True, exist_ok=True)
    # one BLAS thread: float sums then come out the same on every machine (and as in nbval, see ci_steps)
    with _environment(COURSE_GRADING=None, COURSE_TESTING=None, PYDEVD_DISABLE_FILE_VALIDATION="1",
                      MPLBACKEND="module://matplotlib_inline.backend_inline", **BLAS_ONE_THREAD):
        client = NotebookClient(nb, timeout=timeout, startup_timeout=300, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(folder)}})
        client.execute()
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def copy_outputs(executed, target, lang):
    """Give ``target``'s code cells the outputs of the cells with the same id in ``executed``."""
    from course import exercises
    by_id = {c.id: c for c in executed.cells if c.cell_type == "code"}
    for cell in target.cells:
        if cell.cell_type != "code":
            continue
        src = by_id.get(cell.id)
        outputs = copy.deepcopy(src.outputs) if src is not None else []
        for out in outputs:
            meta = out.get("metadata", {}).get("course_exercise")
            if meta and "data" in out:
                out["data"]["text/plain"] = exercises.render(meta["messages"], lang)
        cell.outputs = outputs
        cell.execution_count = src.execution_count if src is not None else None
    return target
