"""MNIST: 70,000 handwritten digits (28 x 28 grey pixels) with their labels, 60,000 for training.

The four files ship with course (``course/data/mnist/``), so ``MNIST()`` works offline. Every load
checks the header and the MD5 of the decompressed bytes, so a damaged file is reported, never used.

    train = MNIST(train=True)             # .data: uint8 (60000, 28, 28), .targets: int64 (60000,)
    image, label = train[0]               # a uint8 28 x 28 tensor and an int (or transform(image))
    x, y = load_mnist(train=True)         # all images at once as float32 (N, 1, 28, 28) in [0, 1]
"""
import os
import warnings

from .._tensor import Tensor
from .idx import DatasetFileError, read_bytes, check_md5, parse_idx
from .download import download as _download
from ..utils.data import Dataset

PACKAGE_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "mnist")

# MD5 of the *decompressed* files (see course/data/mnist/README.md) and the IDX magic number of each
FILES = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 0x00000803),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 0x00000801),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 0x00000803),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 0x00000801),
}


class MNIST(Dataset):
    """``MNIST(root=None, train=True, transform=None, target_transform=None, download=False)``.

    ``root=None`` reads the copy shipped with course. Otherwise ``root`` is a folder holding the four
    files (``.gz`` or already decompressed), directly or in ``root/MNIST/raw`` as torchvision keeps them;
    ``download=True`` fetches missing ones into ``root/MNIST/raw``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    mean, std = 0.1307, 0.3081            # of the training pixels scaled to [0, 1]: for Normalize

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        # (the argument order of torchvision.datasets.MNIST, so positional calls written for it work too)
        self.root = None if root is None else os.path.expanduser(str(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        if download:
            self.download()
        self.data = Tensor._make(self._load(f"{prefix}-images-idx3-ubyte"))
        self.targets = Tensor._make(self._load(f"{prefix}-labels-idx1-ubyte").astype("int64"))

    # the names older tutorials use (torchvision renamed them too)
    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data")
        return self.data

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}

    @property
    def raw_folder(self):
        """Where ``download=True`` puts the files."""
        return PACKAGE_FOLDER if self.root is None else os.path.join(self.root, "MNIST", "raw")

    def _folders(self):
        if self.root is None:
            return [PACKAGE_FOLDER]
        return [self.root, os.path.join(self.root, "MNIST", "raw")]

    def _find(self, name):
        """The path of ``name`` (.gz or decompressed) in the first folder that has it, else None."""
        for folder in self._folders():
            for candidate in (name + ".gz", name):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        return None

    def _load(self, name):
        path = self._find(name)
        if path is None:
            raise DatasetFileError(f"MNIST file {name}.gz was not found in {' or '.join(self._folders())}; pass "
                                   "download=True to fetch it, or root=None to use the copy shipped with course")
        md5, magic = FILES[name]
        data = read_bytes(path)
        array = parse_idx(data, path, magic)
        check_md5(data, md5, path)
        return array

    def _check_file(self, path, name):
        md5, magic = FILES[name]
        data = read_bytes(path)
        parse_idx(data, path, magic)
        check_md5(data, md5, path)

    def download(self):
        """Fetch the files of this split that are missing or damaged (checking each download's MD5)."""
        prefix = "train" if self.train else "t10k"
        for name in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
            path = self._find(name)
            if path is not None:
                try:
                    self._check_file(path, name)
                    continue
                except DatasetFileError:
                    pass                          # damaged: fetch a fresh copy
            _download(name + ".gz", self.mirrors, self.raw_folder,
                      check=lambda tmp, name=name: self._check_gz(tmp, name))

    def _check_gz(self, tmp_path, name):
        md5, magic = FILES[name]
        try:
            import gzip
            data = gzip.decompress(open(tmp_path, "rb").read())
        except Exception as e:
            raise DatasetFileError(f"the downloaded {name}.gz is not a gzip file ({e})") from None
        parse_idx(data, name + ".gz", magic)
        check_md5(data, md5, name + ".gz")

    def __getitem__(self, index):
        """(image, label): a uint8 28 x 28 tensor (or ``transform(image)``) and an int."""
        img, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _fetch_collated(self, indices):
        """DataLoader fast path: without transforms a batch is just the rows ``indices`` of data and targets."""
        if self.transform is not None or self.target_transform is not None or \
                type(self).__getitem__ is not MNIST.__getitem__:
            return None
        return [Tensor._make(self.data._data[indices]), Tensor._make(self.targets._data[indices])]

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root if self.root is not None else PACKAGE_FOLDER}",
                 f"    {self.extra_repr()}"]
        if self.transform is not None:
            lines.append(f"    StandardTransform\n    Transform: {self.transform!r}")
        return "\n".join(lines)


def load_mnist(train=True, root=None, *, normalize=False, flatten=False):
    """All of one split at once: ``(images, labels)``, the fast way for training loops and benchmarks.

    images: float32 (N, 1, 28, 28) with pixels in [0, 1] (``flatten=True``: (N, 784)); with
    ``normalize=True`` standardised as (x - 0.1307) / 0.3081. labels: int64 (N,).
    """
    ds = MNIST(root=root, train=train)
    x = ds.data._data.astype("float32") / 255.0
    if normalize:
        x = (x - MNIST.mean) / MNIST.std
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
    return Tensor._make(x.astype("float32", copy=False)), ds.targets
