"""course.datasets.MNIST: reading the shipped files, checking them, explaining damage, downloading (offline)."""
import functools
import gzip
import http.server
import os
import shutil
import threading
import urllib.request

import numpy as np
import pytest

import course
from course.datasets import MNIST, load_mnist, DatasetFileError
from course.datasets.mnist import PACKAGE_FOLDER
from course.utils.data import DataLoader, Subset, default_collate


@pytest.fixture(scope="module")
def train():
    return MNIST(train=True)


@pytest.fixture(scope="module")
def test_split():
    return MNIST(train=False)


def _copy_test_split(folder, uncompress=()):
    os.makedirs(folder, exist_ok=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        src = os.path.join(PACKAGE_FOLDER, name + ".gz")
        if name in uncompress:
            with open(os.path.join(folder, name), "wb") as f:
                f.write(gzip.open(src).read())
        else:
            shutil.copy(src, folder)


# -- reading ---------------------------------------------------------------------------------------
def test_train_split(train):
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == course.uint8
    assert train.targets.shape == (60000,) and train.targets.dtype == course.int64
    # facts about MNIST: the first training labels and the number of each digit
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    counts = np.bincount(train.targets.numpy(), minlength=10).tolist()
    assert counts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert len(train) == 60000 and int(train.data.max()) == 255 and int(train.data.min()) == 0


def test_test_split(test_split):
    assert test_split.data.shape == (10000, 28, 28)
    assert test_split.targets[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(test_split.targets.numpy(), minlength=10).tolist() == \
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_getitem_and_transforms(test_split):
    img, label = test_split[0]
    assert isinstance(label, int) and label == 7
    assert img.dtype == course.uint8 and img.shape == (28, 28)
    ds = MNIST(train=False, transform=lambda x: x.float().div(255), target_transform=lambda y: y * 10)
    img, label = ds[1]
    assert label == 20 and img.dtype == course.float32 and float(img.max()) <= 1.0
    assert "Number of datapoints: 10000" in repr(ds) and "Split: Test" in repr(ds)
    assert test_split.class_to_idx["3 - three"] == 3


def test_dataloader_fast_path_matches_samples(test_split):
    sub = Subset(test_split, list(range(100, 140)))
    fast = list(DataLoader(sub, batch_size=16))
    slow = list(DataLoader(sub, batch_size=16, collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) == 3
    for (x1, y1), (x2, y2) in zip(fast, slow):
        assert x1.dtype == x2.dtype == course.uint8 and y1.dtype == y2.dtype == course.int64
        assert np.array_equal(x1.numpy(), x2.numpy()) and y1.tolist() == y2.tolist()


def test_load_mnist(train):
    x, y = load_mnist(train=False)
    assert x.shape == (10000, 1, 28, 28) and x.dtype == course.float32
    assert float(x.max()) == 1.0 and y.tolist()[:3] == [7, 2, 1]
    xf, _ = load_mnist(train=False, flatten=True, normalize=True)
    assert xf.shape == (10000, 784)
    assert np.allclose(xf.numpy(), ((x.numpy() - 0.1307) / 0.3081).reshape(10000, 784), atol=1e-6)
    # the constants are the training set's statistics (from a histogram of the 47 million pixel values)
    counts = np.bincount(train.data.numpy().ravel(), minlength=256)
    values = np.arange(256) / 255.0
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt((counts * (values - mean) ** 2).sum() / counts.sum())
    assert abs(mean - MNIST.mean) < 1e-4 and abs(std - MNIST.std) < 1e-4


def test_other_layouts(tmp_path, test_split):
    _copy_test_split(tmp_path / "MNIST" / "raw", uncompress=("t10k-labels-idx1-ubyte",))
    ds = MNIST(root=tmp_path, train=False)
    assert ds.targets.tolist() == test_split.targets.tolist()
    _copy_test_split(tmp_path / "flat")
    assert len(MNIST(root=str(tmp_path / "flat"), train=False)) == 10000


# -- damaged files -----------------------------------------------------------------------------------
def _labels(folder):
    return os.path.join(folder, "t10k-labels-idx1-ubyte.gz")


def _rewrite_labels(folder, change):
    raw = bytearray(gzip.open(_labels(folder)).read())
    raw = change(raw)
    with open(_labels(folder), "wb") as f:
        f.write(gzip.compress(bytes(raw)))


def test_missing_file(tmp_path):
    with pytest.raises(RuntimeError, match=r"MNIST file t10k-images-idx3-ubyte.gz was not found in .*download=True"):
        MNIST(root=tmp_path, train=False)


def test_flipped_byte_fails_md5(tmp_path):
    _copy_test_split(tmp_path)

    def flip(raw):
        raw[5000] ^= 0x01
        return raw
    _rewrite_labels(tmp_path, flip)
    with pytest.raises(DatasetFileError, match=r"t10k-labels-idx1-ubyte.gz is corrupt: the MD5 of its decompressed "
                                               r"bytes is [0-9a-f]{32} but should be 27ae3e4e09519cfbb04c329615203637"):
        MNIST(root=tmp_path, train=False)


def test_flipped_pixel_in_uncompressed_images_fails_md5(tmp_path):
    _copy_test_split(tmp_path, uncompress=("t10k-images-idx3-ubyte",))
    path = os.path.join(tmp_path, "t10k-images-idx3-ubyte")
    with open(path, "r+b") as f:
        f.seek(123456)
        b = f.read(1)
        f.seek(123456)
        f.write(bytes([b[0] ^ 0x80]))
    with pytest.raises(DatasetFileError, match="t10k-images-idx3-ubyte is corrupt: the MD5"):
        MNIST(root=tmp_path, train=False)


def test_truncated_and_bad_magic(tmp_path):
    _copy_test_split(tmp_path)
    _rewrite_labels(tmp_path, lambda raw: raw[:-10])
    with pytest.raises(DatasetFileError, match=r"t10k-labels-idx1-ubyte.gz is truncated: its header promises 10008 "
                                               r"bytes \(shape \[10000\]\) but it holds 9998"):
        MNIST(root=tmp_path, train=False)
    _copy_test_split(tmp_path)
    _rewrite_labels(tmp_path, lambda raw: b"\x00\x00\x08\x03" + raw[4:])
    with pytest.raises(DatasetFileError, match="has bad magic number 0x00000803 where an IDX file of this kind "
                                               "starts with 0x00000801"):
        MNIST(root=tmp_path, train=False)
    with open(_labels(tmp_path), "wb") as f:
        f.write(b"<html>Not Found</html>")
    with pytest.raises(DatasetFileError, match="t10k-labels-idx1-ubyte.gz is not a complete gzip file"):
        MNIST(root=tmp_path, train=False)


# -- downloading, offline ----------------------------------------------------------------------------
@pytest.fixture
def file_server(tmp_path):
    """A local HTTP server over tmp_path/served (nothing leaves the machine)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_from_second_mirror(file_server, tmp_path, monkeypatch, test_split):
    served, url = file_server
    _copy_test_split(served)
    monkeypatch.setattr(MNIST, "mirrors", [url + "missing/", url])      # the first mirror answers 404
    root = tmp_path / "data"
    ds = MNIST(root=root, train=False, download=True)
    assert sorted(os.listdir(root / "MNIST" / "raw")) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert ds.targets.tolist() == test_split.targets.tolist()
    MNIST(root=root, train=False, download=True)                          # already there: no download needed
    shutil.rmtree(served)
    assert len(MNIST(root=root, train=False, download=True)) == 10000


def test_download_rejects_corrupt_copy(file_server, tmp_path, monkeypatch):
    served, url = file_server
    _copy_test_split(served)
    _rewrite_labels(served, lambda raw: raw[:8] + bytes(len(raw) - 8))   # right header, wrong labels
    monkeypatch.setattr(MNIST, "mirrors", [url])
    with pytest.raises(RuntimeError, match=r"could not download t10k-labels-idx1-ubyte.gz from any mirror .*MD5"):
        MNIST(root=tmp_path / "data", train=False, download=True)
    assert os.listdir(tmp_path / "data" / "MNIST" / "raw") == ["t10k-images-idx3-ubyte.gz"]   # no half/bad file


def test_download_uses_the_usual_mirrors(tmp_path, monkeypatch):
    asked = []

    def fake_urlopen(url, timeout=None):
        asked.append(url)
        raise urllib.error.URLError("offline")
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(RuntimeError, match="could not download t10k-images-idx3-ubyte.gz from any mirror"):
        MNIST(root=tmp_path, train=False, download=True)
    assert asked == ["https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
                     "http://yann.lecun.com/exdb/mnist/t10k-images-idx3-ubyte.gz"]


def test_old_attribute_names(test_split):
    with pytest.warns(UserWarning, match="test_labels has been renamed targets"):
        assert test_split.test_labels is test_split.targets
    with pytest.warns(UserWarning, match="train_data has been renamed data"):
        assert test_split.train_data is test_split.data
