"""course.transforms: shapes and values, geometry against PyTorch's grid_sample / interpolate, seeding."""
import math

import numpy as np
import pytest

import course
from course import transforms as T
from course.transforms import functional as F


def _img(h=6, w=6, c=None, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    shape = (h, w) if c is None else (c, h, w)
    if dtype == np.uint8:
        return course.tensor(rng.integers(0, 256, shape).astype(np.uint8))
    return course.tensor(rng.random(shape).astype(dtype))


def test_to_tensor():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    t = T.ToTensor()(a)
    assert t.shape == (1, 3, 4) and t.dtype == course.float32
    assert np.allclose(t.numpy()[0], a / 255.0)
    hwc = np.random.default_rng(0).integers(0, 256, (5, 4, 3)).astype(np.uint8)
    t = T.ToTensor()(course.tensor(hwc))
    assert t.shape == (3, 5, 4) and np.allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255.0)
    f = T.ToTensor()(np.ones((2, 2), dtype=np.float64) * 7)             # not uint8: values kept
    assert f.dtype == course.float64 and f.tolist() == [[[7.0, 7.0], [7.0, 7.0]]]
    with pytest.raises(TypeError, match="pic should be PIL Image, ndarray or Tensor"):
        T.ToTensor()([1, 2])


def test_to_tensor_matches_torch_convention_on_pil():
    PIL = pytest.importorskip("PIL.Image")
    a = np.random.default_rng(1).integers(0, 256, (4, 5, 3)).astype(np.uint8)
    t = T.ToTensor()(PIL.fromarray(a))
    assert t.shape == (3, 4, 5) and np.allclose(t.numpy(), a.transpose(2, 0, 1) / 255.0)


def test_normalize():
    x = _img(4, 4, c=2)
    out = T.Normalize((0.5, 0.25), (2.0, 0.5))(x)
    want = (x.numpy() - np.array([0.5, 0.25])[:, None, None]) / np.array([2.0, 0.5])[:, None, None]
    assert np.allclose(out.numpy(), want) and out.dtype == course.float32
    y = x.clone()
    assert T.Normalize(0.5, 2.0, inplace=True)(y) is y and np.allclose(y.numpy(), (x.numpy() - 0.5) / 2)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(x)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got course.uint8."):
        T.Normalize((0.5,), (1.0,))(_img(4, 4, c=1, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        T.Normalize((0.5,), (1.0,))(_img(4, 4))


def test_normalize_matches_torch_formula():
    torch = pytest.importorskip("torch")
    x = _img(5, 5, c=3)
    mean, std = (0.1, 0.2, 0.3), (0.9, 0.8, 0.7)
    theirs = (torch.tensor(x.numpy()) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    assert np.allclose(T.Normalize(mean, std)(x).numpy(), theirs.numpy(), atol=1e-7)


def test_compose_and_lambda():
    t = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)])
    assert np.allclose(t(np.full((2, 2), 255, np.uint8)).numpy(), 2.0)
    assert "ToTensor()" in repr(t)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_flips():
    x = _img(3, 4, c=2)
    assert np.array_equal(T.RandomHorizontalFlip(p=1.0)(x).numpy(), x.numpy()[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(x) is x
    assert np.array_equal(T.RandomVerticalFlip(p=1.0)(x).numpy(), x.numpy()[..., ::-1, :])
    course.manual_seed(0)
    flips = [T.RandomHorizontalFlip()(x) is not x for _ in range(400)]
    assert 150 < sum(flips) < 250


def test_rotate_right_angles_are_exact():
    x = _img(5, 5, c=2, dtype=np.uint8)
    for k, angle in enumerate([0, 90, 180, 270]):
        out = F.rotate(x, angle)
        assert np.array_equal(out.numpy(), np.rot90(x.numpy(), k, axes=(-2, -1))), angle   # counter-clockwise
        assert out.dtype == course.uint8


@pytest.mark.parametrize("angle", [17.0, -33.0, 60.0])
def test_rotate_matches_torch_grid_sample(angle):
    torch = pytest.importorskip("torch")
    x = _img(9, 9, c=3, seed=2)
    th = math.radians(angle)
    theta = torch.tensor([[[math.cos(th), -math.sin(th), 0.0], [math.sin(th), math.cos(th), 0.0]]],
                         dtype=torch.float64)
    grid = torch.nn.functional.affine_grid(theta, (1, 3, 9, 9), align_corners=False)
    src = torch.tensor(x.numpy(), dtype=torch.float64)[None]
    bilinear = torch.nn.functional.grid_sample(src, grid, mode="bilinear", padding_mode="zeros",
                                               align_corners=False)[0].numpy()
    assert np.allclose(F.rotate(x, angle, "bilinear").numpy(), bilinear, atol=1e-5)
    nearest = torch.nn.functional.grid_sample(src, grid, mode="nearest", padding_mode="zeros",
                                              align_corners=False)[0].numpy()
    ours = F.rotate(x, angle, "nearest").numpy()
    assert np.mean(np.isclose(ours, nearest, atol=1e-6)) > 0.97     # ties at exactly .5 may round differently


def test_random_rotation_fill_and_seed():
    x = course.ones(1, 7, 7)
    out = F.rotate(x, 45, fill=0.5)
    assert out[0, 0, 0].item() == 0.5 and out[0, 3, 3].item() == 1.0
    course.manual_seed(3)
    a = T.RandomRotation(30)(_img(8, 8))
    course.manual_seed(3)
    b = T.RandomRotation(30)(_img(8, 8))
    assert np.array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)


def test_random_crop():
    x = _img(6, 6, c=1)
    course.manual_seed(0)
    outs = [T.RandomCrop(4)(x) for _ in range(30)]
    assert all(o.shape == (1, 4, 4) for o in outs)
    windows = {(int(i), int(j)) for o in outs for i in range(3) for j in range(3)
               if np.array_equal(o.numpy(), x.numpy()[:, i:i + 4, j:j + 4])}
    assert len(windows) > 3                                       # different positions
    padded = T.RandomCrop(6, padding=2)(x)
    assert padded.shape == (1, 6, 6)
    assert F.pad(x, 2).shape == (1, 10, 10) and F.pad(x, (1, 2, 3, 4)).shape == (1, 12, 10)
    assert np.array_equal(F.pad(x, 1, padding_mode="edge").numpy()[:, 0, 1:-1], x.numpy()[:, 0])
    with pytest.raises(ValueError, match=r"Required crop size \(8, 8\) is larger than input image size \(6, 6\)"):
        T.RandomCrop(8)(x)
    assert T.RandomCrop(8, pad_if_needed=True)(x).shape == (1, 8, 8)
    assert np.array_equal(T.CenterCrop(2)(x).numpy(), x.numpy()[:, 2:4, 2:4])


@pytest.mark.parametrize("size,mode", [((9, 13), "bilinear"), ((3, 4), "bilinear"), ((10, 5), "nearest"),
                                       ((4, 11), "nearest")])
def test_resize_matches_torch_interpolate(size, mode):
    torch = pytest.importorskip("torch")
    x = _img(6, 7, c=2, seed=4)
    theirs = torch.nn.functional.interpolate(torch.tensor(x.numpy())[None], size=size, mode=mode,
                                             **({"align_corners": False} if mode == "bilinear" else {}))[0]
    ours = F.resize(x, size, mode)
    assert ours.shape == tuple(theirs.shape)
    assert np.allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


def test_resize_int_keeps_aspect_ratio_and_dtype():
    x = _img(10, 20, c=1, dtype=np.uint8)
    out = T.Resize(5)(x)
    assert out.shape == (1, 5, 10) and out.dtype == course.uint8
    assert T.Resize((28, 28))(_img(14, 14)).shape == (28, 28)


def test_transforms_in_mnist_pipeline():
    from course.datasets import MNIST
    from course.utils.data import DataLoader
    transform = T.Compose([T.ToTensor(), T.RandomRotation(10), T.Normalize((MNIST.mean,), (MNIST.std,))])
    ds = MNIST(train=False, transform=transform)
    x, y = next(iter(DataLoader(ds, batch_size=8)))
    assert x.shape == (8, 1, 28, 28) and x.dtype == course.float32 and y.tolist()[:3] == [7, 2, 1]
