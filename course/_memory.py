"""Keep freed array memory for reuse (Linux/glibc only): a speed-up, nothing more.

Training allocates and frees arrays of the same few sizes at every step (activations, gradients). By
default glibc hands blocks over 128 KiB straight back to the operating system when numpy frees them, and
the next step pays page faults to get fresh memory again. PyTorch avoids this with its own caching
allocator; for numpy arrays we ask glibc (``mallopt``) to serve such blocks from its heap and to keep
freed memory around. In a small MLP step this cut the backward pass by about a third.
Set ``COURSE_MALLOC_TUNING=0`` to leave the allocator alone.
"""
import os
import sys

M_TRIM_THRESHOLD = -1             # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3


def tune_malloc(mmap_threshold=64 << 20, trim_threshold=256 << 20):
    """Serve blocks up to ``mmap_threshold`` bytes from the heap, return memory to the OS only past
    ``trim_threshold`` bytes free. Returns True when glibc accepted both settings."""
    if not sys.platform.startswith("linux") or os.environ.get("COURSE_MALLOC_TUNING", "1") == "0":
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
    except (OSError, AttributeError):        # not glibc (musl, ...): nothing to tune
        return False


tuned = tune_malloc()
