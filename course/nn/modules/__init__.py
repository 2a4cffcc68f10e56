"""The layers of course.nn, one topic per file."""
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .linear import Identity, Linear, LazyLinear, Bilinear  # noqa: F401
from .conv import Conv1d, Conv2d  # noqa: F401
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,  # noqa: F401
                      AdaptiveMaxPool2d)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d  # noqa: F401
from .normalization import LayerNorm, GroupNorm  # noqa: F401
from .dropout import Dropout, Dropout1d, Dropout2d  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .sparse import Embedding  # noqa: F401
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, CELU, SELU, GELU, Sigmoid, Tanh, LogSigmoid, SiLU, Mish,  # noqa: F401
                         Hardsigmoid, Hardswish, Softsign, Tanhshrink, Softplus, Hardtanh, Threshold, PReLU, GLU,
                         Softmax, Softmin, LogSoftmax, Softmax2d)
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss,  # noqa: F401
                   CrossEntropyLoss, KLDivLoss, MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss,
                   TripletMarginLoss, SoftMarginLoss, GaussianNLLLoss, PoissonNLLLoss)
