"""``course.optim``: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) and learning-rate schedulers.

Each optimizer is one file; its update rule is the function at the bottom (``sgd``, ``adam``, ...).
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam
from .adamw import AdamW
from .rmsprop import RMSprop
from .adagrad import Adagrad
from . import lr_scheduler

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
