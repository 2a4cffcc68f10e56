"""``course.transforms``: preparing samples (``torchvision.transforms`` names), e.g. for MNIST

    transform = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
"""
from .transforms import (Compose, ToTensor, Normalize, Lambda, RandomHorizontalFlip, RandomVerticalFlip,
                         RandomRotation, RandomCrop, CenterCrop, Resize)
from .functional import InterpolationMode
from . import functional

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "RandomCrop", "CenterCrop", "Resize", "InterpolationMode", "functional"]
