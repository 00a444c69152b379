r"""Recurrent layers: ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time step) and
``RNN``, ``LSTM``, ``GRU`` (whole sequences, stacked layers, optionally both
directions), with PyTorch's arguments, parameter names, gate order and shapes,
so that a PyTorch ``state_dict`` loads unchanged.

A recurrent layer reads a sequence x_1, ..., x_L one step at a time and carries
a hidden state h_t from step to step. Every cell splits into two parts:

- the input part x_t W_ih^T + b_ih, which does not depend on the state, so a
  layer computes it for all L steps with ONE matrix product over the
  (L·N, H_in) matrix of the whole sequence;
- the recurrent part h_{t-1} W_hh^T + b_hh, one (N, H) × (H, gates·H) product
  per step for all gates at once, followed by the cell's elementwise update
  (a tanh or ReLU for the RNN; one fused op for the LSTM's and the GRU's, whose
  formulas are written once in ``minigrad.ops.recurrent``).

The LSTM runs each layer and direction as ONE operation over the whole sequence
(``LSTMSequence``): its forward loops over the steps on arrays, and its
backward is back-propagation through time written out by hand, with the
recurrent weight's gradient as one product over all steps. For the RNN and the
GRU, back-propagation through time is the ordinary backward pass over the
unrolled graph; the engine walks it iteratively, so a sequence of thousands of
steps needs no deep recursion. For truncated BPTT, carry the state into the
next window with ``h.detach()``: the old window's graph is then unreachable and
freed.

Shapes (D = 2 if bidirectional else 1): input (L, N, H_in), or (N, L, H_in)
with ``batch_first=True``, or (L, H_in) unbatched; h_0 and h_n
(D·num_layers, N, H), or (D·num_layers, H) unbatched; output (L, N, D·H).
"""
import math
import numbers
import warnings

from ...creation import empty, zeros
from ...ops.elementwise import relu, tanh
from ...ops.linear import Linear
from ...ops.recurrent import gru_cell_update, lstm_cell_update, lstm_sequence, unbind
from ...ops.shape import cat, stack
from .. import init
from ..functional.arguments import check_tensor
from ..functional.dropout import dropout
from ..functional.linear import linear
from ..module import Module
from ..parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---------------------------------------------------------------- one time step
# Each step takes the input part p = x_t W_ih^T + b_ih (+ b_hh where it can be
# folded in), the previous h and the layer's hidden weights, and returns the next
# h. p + h W_hh^T is one ``Linear`` operation with p as its (per-row) bias.
# (The LSTM layer runs its steps inside one operation, ``lstm_sequence``.)
def _tanh_step(input_part, h, weight_hh, bias_hh):
    return tanh(Linear.apply(h, weight_hh, input_part))


def _relu_step(input_part, h, weight_hh, bias_hh):
    return relu(Linear.apply(h, weight_hh, input_part))


def _gru_step(input_part, h, weight_hh, bias_hh):
    # b_hn sits inside r ⊙ (W_hn h + b_hn), so the GRU cannot fold b_hh into p
    return gru_cell_update(input_part, linear(h, weight_hh, bias_hh), h)


_STEPS = {"RNN_TANH": _tanh_step, "RNN_RELU": _relu_step, "GRU": _gru_step}


def _unrolled(step, input_part, h, weight_hh, bias_hh, reverse):
    """``(every h_t stacked, the last h)`` of one RNN or GRU layer direction, one
    ``step`` per time step: back-propagation through time is the engine's walk
    back over these steps."""
    input_parts = unbind(input_part, 0)
    length = len(input_parts)
    hs = [None] * length
    for t in (reversed(range(length)) if reverse else range(length)):
        h = hs[t] = step(input_parts[t], h, weight_hh, bias_hh)
    return stack(hs), h


def _input_part(x, weight_ih, bias_ih, bias_hh, fold_hidden_bias):
    """x W_ih^T + b_ih, plus b_hh when ``fold_hidden_bias`` (every cell but the GRU's)."""
    if bias_ih is None:
        return linear(x, weight_ih)
    return linear(x, weight_ih, bias_ih + bias_hh if fold_hidden_bias else bias_ih)


def _reset_uniform(module):
    """PyTorch's default for recurrent layers: every parameter from U(−1/√H, 1/√H)."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for param in module.parameters():
        init.uniform_(param, -bound, bound)


# ---------------------------------------------------------------- cells
class RNNCellBase(Module):
    """The parameters shared by the cells: ``weight_ih`` (gates·H, H_in),
    ``weight_hh`` (gates·H, H), ``bias_ih`` and ``bias_hh`` (gates·H)."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size),
                                         dtype=dtype, device=device))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size),
                                         dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _batched(self, input, states):
        """Check the input and the states; add a batch dimension to unbatched ones.

        ``states`` is a list of tensors (one for h, two for the LSTM's h and c),
        or None for zeros. Returns (input, states, is_batched).
        """
        name = type(self).__name__
        check_tensor(name, "input", input, 1)
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if states is not None:
            for index, state in enumerate(states):
                if state.ndim not in (1, 2):
                    which = "hidden" if len(states) == 1 else f"hx[{index}]"
                    raise ValueError(
                        f"{name}: Expected {which} to be 1D or 2D, got {state.ndim}D instead")
        is_batched = input.ndim == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input dtype ({input.dtype}) does not match weight dtype "
                               f"({self.weight_ih.dtype}); convert the input or the module")
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        if states is None:
            zero = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            return input, [zero] * self._state_count, is_batched
        states = [state if is_batched else state.unsqueeze(0) for state in states]
        for index, state in enumerate(states):
            if state.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{index} "
                                   f"batch size {state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{index} has inconsistent hidden_size: got "
                                   f"{state.shape[1]}, expected {self.hidden_size}")
        return input, states, is_batched


class RNNCell(RNNCellBase):
    r"""An Elman RNN cell with tanh or ReLU non-linearity:

    .. math::
        h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})

    (ReLU in place of tanh with ``nonlinearity='relu'``). ``cell(input, hx)``
    takes input (N, H_in) or (H_in), hx (N, H) or (H) (zeros if omitted), and
    returns h' (N, H) or (H).
    """

    _state_count = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), is_batched = self._batched(input, None if hx is None else [hx])
        if self.nonlinearity == "tanh":
            step = _tanh_step
        elif self.nonlinearity == "relu":
            step = _relu_step
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input_part = _input_part(input, self.weight_ih, self.bias_ih, self.bias_hh,
                                  fold_hidden_bias=True)
        h = step(input_part, h, self.weight_hh, None)
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""A long short-term memory cell; gates in the order (i, f, g, o):

    .. math::
        \begin{array}{ll}
        i = \sigma(W_{ii} x + b_{ii} + W_{hi} h + b_{hi}) \\
        f = \sigma(W_{if} x + b_{if} + W_{hf} h + b_{hf}) \\
        g = \tanh(W_{ig} x + b_{ig} + W_{hg} h + b_{hg}) \\
        o = \sigma(W_{io} x + b_{io} + W_{ho} h + b_{ho}) \\
        c' = f \odot c + i \odot g \\
        h' = o \odot \tanh(c')
        \end{array}

    ``cell(input, (h, c))`` returns ``(h', c')``; the state defaults to zeros.
    ``weight_ih`` stacks (W_ii | W_if | W_ig | W_io) as a (4H, H_in) matrix.
    """

    _state_count = 2

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h, c), is_batched = self._batched(input, None if hx is None else list(hx))
        input_part = _input_part(input, self.weight_ih, self.bias_ih, self.bias_hh,
                                  fold_hidden_bias=True)
        h, c = lstm_cell_update(Linear.apply(h, self.weight_hh, input_part), c)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    r"""A gated recurrent unit cell; gates in the order (r, z, n):

    .. math::
        \begin{array}{ll}
        r = \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\
        z = \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
        n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})) \\
        h' = (1 - z) \odot n + z \odot h
        \end{array}

    ``cell(input, hx)`` returns h'; hx defaults to zeros.
    """

    _state_count = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), is_batched = self._batched(input, None if hx is None else [hx])
        input_part = _input_part(input, self.weight_ih, self.bias_ih, self.bias_hh,
                                  fold_hidden_bias=False)
        h = _gru_step(input_part, h, self.weight_hh, self.bias_hh)
        return h if is_batched else h.squeeze(0)


# ---------------------------------------------------------------- whole sequences
class RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers over whole sequences.

    Parameters are registered in PyTorch's order: for each layer k, for each
    direction, ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with the suffix ``_reverse`` for the second direction.
    Layer k > 0 reads the D·H features of the layer below; with ``dropout`` > 0
    those are passed through dropout in training mode.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = {f"weight_ih_l{layer}{suffix}": (gate_size, layer_input_size),
                          f"weight_hh_l{layer}{suffix}": (gate_size, hidden_size)}
                if bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gate_size,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gate_size,)
                for name, shape in shapes.items():
                    setattr(self, name, Parameter(empty(shape, dtype=dtype, device=device)))
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    def reset_parameters(self):
        _reset_uniform(self)

    def flatten_parameters(self):
        """Does nothing, as in PyTorch on the CPU: there it packs the weights into one
        contiguous buffer for cuDNN; minigrad has no such buffer. Kept so that code
        calling it (often after ``model.to(device)``) runs unchanged."""

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # -- checking the arguments, as PyTorch does ----------------------------------------
    def _prepare_input(self, input):
        """Check the input's rank; returns (input with a batch dimension, is_batched)."""
        check_tensor(type(self).__name__, "input", input, 1)
        if input.ndim not in (2, 3):
            tensor = " tensor" if type(self) is RNN else ""  # PyTorch's wording differs there
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D{tensor} instead")
        is_batched = input.ndim == 3
        if input.shape[1 if self.batch_first and is_batched else 0] == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in RNN: "
                               f"{type(self).__name__} got an input of shape "
                               f"{tuple(input.shape)} (batch_first={self.batch_first})")
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, is_batched

    def check_input(self, input):
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight_dtype}). Convert input: input.to({weight_dtype}), or "
                             f"convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def get_expected_hidden_size(self, input):
        batch = input.shape[0] if self.batch_first else input.shape[1]
        return ((2 if self.bidirectional else 1) * self.num_layers, batch, self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected_hidden_size:
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.shape)))

    def _initial_state(self, input, hx, is_batched):
        """hx checked and batched, or zeros (D·num_layers, N, H) when it is None."""
        if hx is None:
            return zeros(self.get_expected_hidden_size(input), dtype=input.dtype,
                         device=input.device)
        wanted = 3 if is_batched else 2
        if hx.ndim != wanted:
            kind = "batched 3-D" if is_batched else "unbatched 2-D"
            raise RuntimeError(f"For {kind} input, hx should also be {wanted}-D but got "
                               f"{hx.ndim}-D tensor")
        return hx if is_batched else hx.unsqueeze(1)

    # -- running the layers ---------------------------------------------------------------
    def forward(self, input, hx=None):
        """``(output, h_n)`` for the cells whose state is one tensor (RNN, GRU)."""
        input, is_batched = self._prepare_input(input)
        hx = self._initial_state(input, hx, is_batched)
        self.check_input(input)
        self.check_hidden_size(hx, self.get_expected_hidden_size(input))
        output, final_states = self._run(input, unbind(hx, 0))
        h_n = stack(final_states)
        if not is_batched:
            return output.squeeze(0 if self.batch_first else 1), h_n.squeeze(1)
        return output, h_n

    def _run(self, input, initial_states):
        """The stacked layers over a batched input.

        ``initial_states`` holds one state per (layer, direction), index
        layer·D + direction (h, or (h, c) for the LSTM). Returns the last layer's
        output (L, N, D·H) in the input's layout and the final states, same order.
        """
        x = input.transpose(0, 1) if self.batch_first else input
        directions = 2 if self.bidirectional else 1
        final_states = []
        for layer in range(self.num_layers):
            if layer > 0:
                x = dropout(x, self.dropout, self.training)
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                params = [getattr(self, name) for name in self._all_weights[index]]
                if not self.bias:
                    params += [None, None]
                weight_ih, weight_hh, bias_ih, bias_hh = params
                input_part = _input_part(x, weight_ih, bias_ih, bias_hh,
                                         fold_hidden_bias=self.mode != "GRU")
                reverse = direction == 1
                if self.mode == "LSTM":  # the whole sequence as one operation
                    hs, h, c = lstm_sequence(input_part, weight_hh, *initial_states[index],
                                             reverse=reverse)
                    final_states.append((h, c))
                else:
                    hs, h = _unrolled(_STEPS[self.mode], input_part, initial_states[index],
                                      weight_hh, bias_hh, reverse)
                    final_states.append(h)
                outputs.append(hs)
            x = outputs[0] if directions == 1 else cat(outputs, dim=2)
        return (x.transpose(0, 1) if self.batch_first else x), final_states


class RNN(RNNBase):
    r"""A multi-layer Elman RNN with tanh or ReLU non-linearity. Each layer computes,
    for each element of the sequence,

    .. math::
        h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})

    where x_t is the input (layer 0) or the output of the layer below, and h_0
    the initial state. ``rnn(input, hx=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory RNN. Each layer computes, for each
    element of the sequence (gate order i, f, g, o, as in ``weight_ih_l{k}``):

    .. math::
        \begin{array}{ll}
        i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\
        f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\
        g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\
        o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    ``lstm(input, (h_0, c_0))`` returns ``(output, (h_n, c_n))``; the initial
    state defaults to zeros.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def forward(self, input, hx=None):
        input, is_batched = self._prepare_input(input)
        if hx is None:
            h_0 = c_0 = self._initial_state(input, None, is_batched)
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: hx should be a tuple (h_0, c_0) of two tensors")
            h_0, c_0 = hx
            if h_0.ndim != (3 if is_batched else 2) or c_0.ndim != (3 if is_batched else 2):
                kind, wanted = ("batched", 3) if is_batched else ("unbatched", 2)
                raise RuntimeError(f"For {kind} {wanted}-D input, hx and cx should also be "
                                   f"{wanted}-D but got ({h_0.ndim}-D, {c_0.ndim}-D) tensors")
            if not is_batched:
                h_0, c_0 = h_0.unsqueeze(1), c_0.unsqueeze(1)
        self.check_input(input)
        expected = self.get_expected_hidden_size(input)
        self.check_hidden_size(h_0, expected, "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(c_0, expected, "Expected hidden[1] size {}, got {}")
        output, final_states = self._run(input, list(zip(unbind(h_0, 0), unbind(c_0, 0))))
        h_n = stack([h for h, _ in final_states])
        c_n = stack([c for _, c in final_states])
        if not is_batched:
            return output.squeeze(0 if self.batch_first else 1), (h_n.squeeze(1), c_n.squeeze(1))
        return output, (h_n, c_n)


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit RNN. Each layer computes, for each
    element of the sequence (gate order r, z, n, as in ``weight_ih_l{k}``):

    .. math::
        \begin{array}{ll}
        r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}
        \end{array}

    ``gru(input, hx=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

