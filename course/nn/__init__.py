"""``course.nn``: layers (Modules), their parameters, and the functions behind them.

``import course.nn as nn`` then ``nn.Linear(784, 10)``, ``nn.Sequential(...)``, ``nn.CrossEntropyLoss()``;
``course.nn.functional`` has the same operations as plain functions, ``course.nn.init`` the weight
initialisations, ``course.nn.utils`` gradient clipping.
"""
from .parameter import Parameter, Buffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.module import Module  # noqa: F401
from . import functional, init, utils  # noqa: F401
