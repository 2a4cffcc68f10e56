"""Random numbers: one seedable generator for the whole library (``course.manual_seed``).

The default generator starts from a fixed seed, so a fresh process gives the same numbers every run.
"""
import numpy as np

_DEFAULT_SEED = 67280421310721          # PyTorch's default initial seed


class Generator:
    """A random-number generator you can seed and pass to ``randperm``, ``DataLoader`` and friends."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = _DEFAULT_SEED
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.rng = np.random.default_rng(self._seed)
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._creation import tensor
        import json
        state = json.dumps(self.rng.bit_generator.state).encode()
        return tensor(list(state), dtype="uint8")

    def set_state(self, state):
        import json
        self.rng.bit_generator.state = json.loads(bytes(state.tolist()).decode())
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (and the CUDA one, when CUDA is in use); returns it."""
    default_generator.manual_seed(seed)
    from . import cuda
    cuda.manual_seed_all(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator=None):
    return (generator or default_generator).rng
