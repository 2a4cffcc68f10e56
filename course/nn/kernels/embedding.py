"""Embedding lookup: row ``idx`` of the weight matrix for every index."""
from ...autograd.function import Op
from ...ops.index import IndexAdd


class EmbeddingOp(Op):
    """y = W[idx];  dW[k] = sum of g over the positions where idx == k (0 for the padding row)"""
    @staticmethod
    def forward(ctx, w, idx, padding_idx):
        ctx.idx, ctx.padding_idx, ctx.w_shape = idx, padding_idx, w.shape
        return w[idx]

    @staticmethod
    def backward(ctx, grad):
        g = grad.reshape(-1, grad.shape[-1])
        idx = ctx.idx.reshape(-1)
        if ctx.padding_idx is not None:
            keep = idx != ctx.padding_idx
            g, idx = g[keep.nonzero()[0]], idx[keep]
        return IndexAdd.apply(g, ctx.w_shape, (idx,))
