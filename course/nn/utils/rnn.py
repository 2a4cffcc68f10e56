"""Batching sequences of different lengths for recurrent networks: ``pad_sequence``."""
from ... import ops

__all__ = ["pad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (L_max, B, *) (or (B, L_max, *) with batch_first), filling the
    missing steps with padding_value, after each sequence ('right') or before it ('left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        fill = s.new_full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value)
        padded.append(ops.cat([s, fill] if padding_side == "right" else [fill, s]))
    return ops.stack(padded, dim=0 if batch_first else 1)
