"""course.cuda: is CUDA here, how many devices, seeding. (Filled in by the GPU layer.)"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    pass


def manual_seed_all(seed):
    pass


def _backend():
    raise RuntimeError("Torch not compiled with CUDA enabled: course has no CUDA backend yet.")
