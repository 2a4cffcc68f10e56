"""Distances and similarities between vectors."""
from ... import ops

__all__ = ["pairwise_distance", "cosine_similarity", "normalize", "pdist", "cdist"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim"""
    return ops.norm(x1 - x2 + eps, p, dim=-1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along dim"""
    n1 = ops.norm(x1, 2, dim=dim, keepdim=True).clamp(min=eps)
    n2 = ops.norm(x2, 2, dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along dim"""
    return input / ops.norm(input, p, dim=dim, keepdim=True).clamp(min=eps)


def cdist(x1, x2, p=2.0):
    """All pairwise distances between the rows of x1 (*, P, M) and x2 (*, R, M): (*, P, R)"""
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return ops.norm(diff, p, dim=-1)


def pdist(input, p=2):
    """The upper triangle (i < j) of cdist(input, input), flattened"""
    n = input.shape[0]
    i, j = zip(*[(a, b) for a in range(n) for b in range(a + 1, n)]) if n > 1 else ((), ())
    return ops.norm(input[list(i)] - input[list(j)], p, dim=-1)
