import os

os.environ.setdefault("COURSE_TESTING", "1")

import pytest  # noqa: E402


def _real_gpu():
    """True where CuPy is installed and sees an NVIDIA GPU (what @pytest.mark.gpu tests need)."""
    try:
        import cupy
        return bool(cupy.is_available())
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    if any(item.get_closest_marker("gpu") for item in items) and not _real_gpu():
        skip = pytest.mark.skip(reason="needs a real NVIDIA GPU with CuPy (cupy.is_available() is false here)")
        for item in items:
            if item.get_closest_marker("gpu"):
                item.add_marker(skip)


@pytest.fixture(params=["cpu", "cuda-sim"])
def device(request):
    """Run a test on the CPU and on the simulated CUDA device: yields 'cpu' or 'cuda'."""
    if request.param == "cpu":
        yield "cpu"
        return
    import course
    course.cuda.simulate()
    try:
        yield "cuda"
    finally:
        course.cuda.simulate(False)
