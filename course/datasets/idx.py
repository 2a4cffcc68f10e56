"""Reading IDX files, the simple binary format MNIST comes in, with checks that explain what is wrong.

An IDX file is a header and then the raw numbers:

    bytes 0-1  zero
    byte  2    type of the numbers (0x08: unsigned byte)
    byte  3    number of dimensions, d
    then d big-endian 32-bit sizes, then the numbers themselves (row-major).

So MNIST's image files start with 0x00000803 (uint8, 3 dimensions: N x 28 x 28) and its label files
with 0x00000801 (uint8, 1 dimension: N).
"""
import gzip
import hashlib
import zlib

import numpy as np


class DatasetFileError(RuntimeError):
    """A dataset file is missing or damaged (the message names the file and what is wrong)."""


def read_bytes(path):
    """The decompressed bytes of ``path`` (gunzipped if it ends in .gz)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DatasetFileError(f"file {path} not found") from None
    if not str(path).endswith(".gz"):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetFileError(f"file {path} is not a complete gzip file ({e}); delete it and download it "
                               "again") from None


def check_md5(data, expected, path):
    """Compare the MD5 of the (decompressed) bytes with the published one."""
    got = hashlib.md5(data).hexdigest()
    if got != expected:
        raise DatasetFileError(f"file {path} is corrupt: the MD5 of its decompressed bytes is {got} but should be "
                               f"{expected}; delete it and download it again")


def parse_idx(data, path, expected_magic):
    """The numpy array stored in IDX bytes ``data`` (read from ``path``), after checking its header."""
    if len(data) < 4:
        raise DatasetFileError(f"file {path} is truncated: it holds {len(data)} bytes, not even an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        raise DatasetFileError(f"file {path} has bad magic number 0x{magic:08x} where an IDX file of this kind "
                               f"starts with 0x{expected_magic:08x}; it is not the right file or it is damaged")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFileError(f"file {path} is truncated: it holds {len(data)} bytes, less than its "
                               f"{header}-byte header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "too long"
        raise DatasetFileError(f"file {path} is {what}: its header promises {expected} bytes (shape "
                               f"{list(shape)}) but it holds {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
