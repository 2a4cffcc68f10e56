"""``course.datasets``: datasets ready to use (like ``torchvision.datasets``). For now: MNIST."""
from .mnist import MNIST, load_mnist
from .idx import DatasetFileError

__all__ = ["MNIST", "load_mnist", "DatasetFileError"]
