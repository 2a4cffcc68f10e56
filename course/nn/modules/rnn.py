"""Recurrent layers: RNN, LSTM, GRU (multi-layer, optionally bidirectional), and their single-step cells.

Parameter names and gate order follow PyTorch, so state_dicts load across:
``weight_ih_l{k}`` (gates*hidden, input), ``weight_hh_l{k}`` (gates*hidden, hidden), ``bias_ih_l{k}``,
``bias_hh_l{k}``, with the suffix ``_reverse`` for the backward direction. Gates, in order:
LSTM i, f, g, o;  GRU r, z, n. All weights start U(-1/sqrt(hidden), 1/sqrt(hidden)).

One step (W x + U h + b is computed for all gates at once, then split):
  RNN:  h' = tanh(W x + b_i + U h + b_h)
  LSTM: i, f, o = sigmoid(...), g = tanh(...);  c' = f c + i g;  h' = o tanh(c')
  GRU:  r, z = sigmoid(...);  n = tanh(W_n x + b_in + r (U_n h + b_hn));  h' = (1 - z) n + z h
"""
import math

from ... import _creation, ops
from ..parameter import Parameter
from .. import init, functional as F
from .module import Module


def _rnn_tanh_step(gi, h, w_hh, b_hh):
    return ops.tanh(gi + F.linear(h, w_hh, b_hh))


def _rnn_relu_step(gi, h, w_hh, b_hh):
    return ops.relu(gi + F.linear(h, w_hh, b_hh))


def _lstm_step(gi, state, w_hh, b_hh):
    h, c = state
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def _gru_step(gi, h, w_hh, b_hh):
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r = ops.sigmoid(i_r + h_r)
    z = ops.sigmoid(i_z + h_z)
    n = ops.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h


class RNNBase(Module):
    _gates = 1

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError("proj_size is not supported in course")
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
        kw = dict(device=device, dtype=dtype)
        self._flat_weights_names = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:2 if bidirectional else 1]:
                in_size = input_size if layer == 0 else hidden_size * (2 if bidirectional else 1)
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gates * hidden_size, in_size), (gates * hidden_size, hidden_size)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gates * hidden_size,), (gates * hidden_size,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(_creation.empty(*shape, **kw)))
                self._flat_weights_names += names
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _step(self):
        return {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}[
            self.mode]

    def _weights(self, layer, suffix):
        get = lambda n: getattr(self, f"{n}_l{layer}{suffix}")  # noqa: E731
        if self.bias:
            return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")
        return get("weight_ih"), get("weight_hh"), None, None

    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        T, N = input.shape[:2]
        dirs = 2 if self.bidirectional else 1
        if hx is None:
            zeros = _creation.zeros(self.num_layers * dirs, N, self.hidden_size, dtype=input.dtype,
                                    device=input.device)
            hx = (zeros, zeros) if is_lstm else zeros
        elif not batched:
            hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if is_lstm else hx.unsqueeze(1)
        step = self._step()
        h_n, c_n = [], []
        layer_input = input
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:dirs]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                k = layer * dirs + d
                state = (hx[0][k], hx[1][k]) if is_lstm else hx[k]
                gi = F.linear(layer_input, w_ih, b_ih)          # the input part of every step at once
                times = range(T - 1, -1, -1) if d == 1 else range(T)
                seq = [None] * T
                for t in times:
                    state = step(gi[t], state, w_hh, b_hh)
                    seq[t] = state[0] if is_lstm else state
                outs.append(ops.stack(seq, 0))
                h_n.append(state[0] if is_lstm else state)
                if is_lstm:
                    c_n.append(state[1])
            layer_input = outs[0] if dirs == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        h_n = ops.stack(h_n, 0)
        hidden = (h_n, ops.stack(c_n, 0)) if is_lstm else h_n
        if not batched:
            output = output.squeeze(1)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1)) if is_lstm else hidden.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, hidden

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def flatten_parameters(self):
        pass

    @property
    def all_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (nonlinearity='relu' for ReLU)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory; returns output, (h_n, c_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit; returns output, h_n."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class _CellBase(Module):
    _gates, _step = 1, None

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        kw = dict(device=device, dtype=dtype)
        g = self._gates * hidden_size
        self.weight_ih = Parameter(_creation.empty(g, input_size, **kw))
        self.weight_hh = Parameter(_creation.empty(g, hidden_size, **kw))
        if bias:
            self.bias_ih = Parameter(_creation.empty(g, **kw))
            self.bias_hh = Parameter(_creation.empty(g, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s

    def _zeros(self, input):
        return _creation.zeros(*(tuple(input.shape[:-1]) + (self.hidden_size,)), dtype=input.dtype,
                               device=input.device)


class RNNCell(_CellBase):
    """One step of an Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        step = _rnn_tanh_step if self.nonlinearity == "tanh" else _rnn_relu_step
        return step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c')."""
    _gates = 4

    def forward(self, input, hx=None):
        hx = (self._zeros(input), self._zeros(input)) if hx is None else hx
        return _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)


class GRUCell(_CellBase):
    """One GRU step: returns h'."""
    _gates = 3

    def forward(self, input, hx=None):
        hx = self._zeros(input) if hx is None else hx
        return _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
