"""Small models of the kind the course builds (a ConvNet, MLPs, custom loss modules), written with
course.nn and trained for a few steps: the loss must go down. Where torch is installed, the same model
with the same weights must compute the same loss and gradients."""
import numpy as np
import pytest

import course
import course.nn as nn
import course.nn.functional as F

try:
    import torch
except ImportError:
    torch = None


def SmallConvNet(lib=course):
    """conv-relu-pool, conv-bn-relu-pool, dropout, fc-relu-fc; built from lib.nn (course or torch)."""
    n, fn = lib.nn, lib.nn.functional

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = n.Conv2d(1, 8, 3, padding=1)
            self.conv2 = n.Conv2d(8, 16, 3, padding=1)
            self.pool = n.MaxPool2d(2)
            self.bn = n.BatchNorm2d(16)
            self.drop = n.Dropout(0.25)
            self.fc1 = n.Linear(16 * 3 * 3, 32)
            self.fc2 = n.Linear(32, 4)

        def forward(self, x):
            x = self.pool(fn.relu(self.conv1(x)))
            x = self.pool(fn.relu(self.bn(self.conv2(x))))
            x = self.drop(x.flatten(1))
            return self.fc2(fn.relu(self.fc1(x)))
    return Net()


class FocalLoss(nn.Module):
    """-alpha (1 - p_t)^gamma log p_t: easy examples (p_t near 1) count less."""

    def __init__(self, alpha=0.25, gamma=2.0):
        super().__init__()
        self.alpha, self.gamma = alpha, gamma

    def forward(self, logits, target):
        logp_t = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
        p_t = logp_t.exp()
        return (-self.alpha * (1 - p_t) ** self.gamma * logp_t).mean()


class ContrastiveLoss(nn.Module):
    """Similar pairs (y = 1) are pulled together, dissimilar ones pushed at least `margin` apart."""

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin

    def forward(self, a, b, same):
        d = F.pairwise_distance(a, b)
        return (same * d ** 2 + (1 - same) * F.relu(self.margin - d) ** 2).mean() / 2


def blobs(n, dim, classes, seed=0):
    """Well-separated Gaussian clusters: an easy problem every model here must start to learn."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, dim)) * 3
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.standard_normal((n, dim))
    return course.tensor(x, dtype=course.float32), course.tensor(y)


def train(model, loss_fn, batches, steps=30, lr=0.05):
    opt = course.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for step in range(steps):
        inputs, target = batches[step % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(inputs), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def assert_learns(losses):
    assert np.isfinite(losses).all()
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:3]), losses


@pytest.mark.parametrize("sizes", [(20, 32, 4), (256, 64, 16, 4)])
def test_mlp_learns(sizes):
    course.manual_seed(0)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    x, y = blobs(128, sizes[0], sizes[-1])
    assert_learns(train(model, nn.CrossEntropyLoss(), [(x, y)], lr=0.01))


def test_convnet_learns():
    course.manual_seed(0)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 64)
    x = rng.standard_normal((64, 1, 12, 12)) * 0.3
    for i, c in enumerate(y):                       # each class: a bright square in its own quadrant
        r, s = divmod(int(c), 2)
        x[i, 0, r * 6 + 1:r * 6 + 5, s * 6 + 1:s * 6 + 5] += 2
    model = SmallConvNet()
    batch = (course.tensor(x, dtype=course.float32), course.tensor(y))
    assert_learns(train(model, nn.CrossEntropyLoss(), [batch], steps=25, lr=0.02))
    model.eval()
    acc = (model(batch[0]).argmax(1) == batch[1]).float().mean().item()
    assert acc > 0.9


def test_focal_loss_learns_and_downweights_easy_examples():
    course.manual_seed(0)
    focal = FocalLoss(alpha=1.0, gamma=2.0)
    logits = course.tensor([[4.0, 0.0], [0.1, 0.0]])
    per_example = [focal(logits[i:i + 1], course.tensor([0])).item() for i in range(2)]
    ce = [F.cross_entropy(logits[i:i + 1], course.tensor([0])).item() for i in range(2)]
    assert per_example[0] / ce[0] < 0.01 < per_example[1] / ce[1]
    model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 3))
    x, y = blobs(96, 10, 3, seed=1)
    assert_learns(train(model, focal, [(x, y)], lr=0.1))


def test_contrastive_loss_learns_an_embedding():
    course.manual_seed(0)
    x, y = blobs(128, 8, 4, seed=2)
    rng = np.random.default_rng(3)
    i, j = rng.integers(0, 128, 256), rng.integers(0, 128, 256)
    same = course.tensor((y.numpy()[i] == y.numpy()[j]).astype(np.float32))
    embed = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    loss_fn = ContrastiveLoss(margin=2.0)

    class Siamese(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = embed

        def forward(self, pair):
            return self.embed(pair[0]), self.embed(pair[1])
    model = Siamese()
    assert_learns(train(model, lambda out, s: loss_fn(out[0], out[1], s), [((x[i], x[j]), same)], lr=0.02))


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_convnet_matches_torch_step_by_step():
    """Same weights, same batch: the same loss, gradients and BatchNorm running stats as torch, over 3 SGD steps."""
    torch.manual_seed(0)
    t_model = SmallConvNet(torch)
    t_model.drop.p = 0.0
    c_model = SmallConvNet()
    c_model.drop.p = 0.0
    c_model.load_state_dict({k: course.tensor(v.numpy()) for k, v in t_model.state_dict().items()})
    t_opt = torch.optim.SGD(t_model.parameters(), lr=0.05, momentum=0.9)
    c_opt = course.optim.SGD(c_model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((16, 1, 12, 12)).astype(np.float32)
        y = rng.integers(0, 4, 16)
        t_opt.zero_grad()
        c_opt.zero_grad()
        t_loss = torch.nn.functional.cross_entropy(t_model(torch.tensor(x)), torch.tensor(y))
        c_loss = F.cross_entropy(c_model(course.tensor(x)), course.tensor(y))
        np.testing.assert_allclose(c_loss.item(), t_loss.item(), rtol=1e-5)
        t_loss.backward()
        c_loss.backward()
        for (name, tp), cp in zip(t_model.named_parameters(), c_model.parameters()):
            np.testing.assert_allclose(cp.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)
        t_opt.step()
        c_opt.step()
    for (name, tb), cb in zip(t_model.state_dict().items(), c_model.state_dict().values()):
        np.testing.assert_allclose(cb.numpy(), tb.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
