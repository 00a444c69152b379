r"""The recurrent cells' math, written once, and the operations built on it.

A recurrent layer runs the same small computation at every time step, so the
cost of one op call is paid once per step. Composed of primitive ops, an LSTM
step's elementwise part is a dozen nodes (four slices, three sigmoids, two
tanh, products and a sum); here it is one node whose backward is the chain rule
written out by hand. The module holds:

- the cells' formulas, each in one function: ``lstm_cell`` (the LSTM step from
  its gate pre-activations) and ``lstm_cell_gradients`` (its chain rule);
  ``gru_cell`` and ``gru_cell_gradients`` for the GRU. They use operators and
  ``math`` (``ctx.math``: ``sigmoid``, ``tanh``) only, so the same lines run on
  raw arrays and on Tensors;
- ``LSTMCellUpdate`` and ``GRUCellUpdate``: one step's elementwise update as
  one operation (``nn.LSTMCell``, ``nn.GRUCell``, and every step of ``nn.GRU``);
- ``LSTMSequence``: one LSTM layer direction over a whole sequence as one
  operation (``nn.LSTM``): forward loops over the steps with ``lstm_cell``,
  backward is back-propagation through time with ``lstm_cell_gradients``;
- ``Unbind``: a sequence cut into its time steps, as one node.

Every backward here is written once and serves both worlds
(``array_backward``): a plain ``backward()`` runs it on the raw arrays, at
array speed, reusing the activations that forward kept with
``save_intermediates``; under ``create_graph=True`` it runs on Tensors, with
the activations recomputed from the saved inputs with minigrad operations
(``recompute_intermediates``), so the gradient is itself differentiable and
Hessian-vector products of an LSTM or GRU loss come out right. Whatever a node
keeps goes through ``save_for_backward`` / ``save_intermediates``, so the
engine frees it once the node's backward has run.
"""
from collections import namedtuple

from ..autograd.function import Function

# ---------------------------------------------------------------- the LSTM cell
LSTMCellValues = namedtuple("LSTMCellValues", "i f g o c tanh_c h")
LSTMCellValues.__doc__ = """What ``lstm_cell`` computes: the gates i, f, g, o, the new
cell c' and tanh(c'), and the new h'."""


def lstm_cell(math, gates, c):
    r"""One LSTM step from the gate pre-activations a = [a_i, a_f, a_g, a_o]
    (x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, shape (N, 4H)) and the previous cell c (N, H):

        i = σ(a_i),  f = σ(a_f),  g = tanh(a_g),  o = σ(a_o)
        c' = f ⊙ c + i ⊙ g
        h' = o ⊙ tanh(c')

    Returns ``LSTMCellValues(i, f, g, o, c', tanh(c'), h')``: the new state and
    what the gradient needs.
    """
    hidden = c.shape[-1]
    i_f = math.sigmoid(gates[..., :2 * hidden])
    i, f = i_f[..., :hidden], i_f[..., hidden:]
    g = math.tanh(gates[..., 2 * hidden:3 * hidden])
    o = math.sigmoid(gates[..., 3 * hidden:])
    c_next = f * c + i * g
    tanh_c = math.tanh(c_next)
    return LSTMCellValues(i, f, g, o, c_next, tanh_c, o * tanh_c)


def lstm_cell_gradients(i, f, g, o, c, tanh_c, grad_h, grad_c_next):
    r"""The chain rule of ``lstm_cell`` for upstream gradients ĥ = dL/dh' and ĉ = dL/dc':

        δc = ĉ + ĥ ⊙ o ⊙ (1 − tanh²(c'))          (all the gradient reaching c')
        dL/da_i = δc ⊙ g ⊙ i(1 − i)      dL/da_f = δc ⊙ c ⊙ f(1 − f)
        dL/da_g = δc ⊙ i ⊙ (1 − g²)      dL/da_o = ĥ ⊙ tanh(c') ⊙ o(1 − o)
        dL/dc  = δc ⊙ f

    Returns ``((dL/da_i, dL/da_f, dL/da_g, dL/da_o), dL/dc)``; the caller joins
    the four gate blocks into dL/da.
    """
    delta_c = grad_c_next + grad_h * o * (1 - tanh_c * tanh_c)
    grad_gates = (delta_c * g * i * (1 - i),
                  delta_c * c * f * (1 - f),
                  delta_c * i * (1 - g * g),
                  grad_h * tanh_c * o * (1 - o))
    return grad_gates, delta_c * f


class LSTMCellUpdate(Function):
    """(h', c') = the LSTM step of ``lstm_cell`` from the gate pre-activations a
    (N, 4H) and the cell c (N, H);  dL/da, dL/dc by ``lstm_cell_gradients``."""

    array_backward = True

    @staticmethod
    def forward(ctx, gates, c):
        cell = lstm_cell(ctx.math, gates, c)
        ctx.save_for_backward(gates, c)
        ctx.save_intermediates(cell.i, cell.f, cell.g, cell.o, cell.tanh_c)
        return cell.h, cell.c

    @staticmethod
    def recompute_intermediates(ctx, gates, c):
        """(i, f, g, o, tanh(c')) as functions of the inputs, for a backward that
        builds a graph."""
        cell = lstm_cell(ctx.math, gates, c)
        return cell.i, cell.f, cell.g, cell.o, cell.tanh_c

    @staticmethod
    def backward(ctx, grad_h, grad_c_next):
        _, c = ctx.saved_tensors
        i, f, g, o, tanh_c = ctx.saved_intermediates
        grad_gates, grad_c = lstm_cell_gradients(i, f, g, o, c, tanh_c, grad_h, grad_c_next)
        return ctx.math.cat(grad_gates, dim=-1), grad_c


def _lstm_layer(math, input_parts, weight_hh, h0, c0, reverse):
    """``lstm_cell``'s results at every step of one layer direction (a list, index t),
    with a_t = p_t + h_{t−1} W_hhᵀ, from t = 0 up (down from the last step with
    ``reverse``)."""
    length = input_parts.shape[0]
    cells = [None] * length
    h, c = h0, c0
    for t in _forward_order(length, reverse):
        cells[t] = lstm_cell(math, input_parts[t] + h @ weight_hh.T, c)
        h, c = cells[t].h, cells[t].c
    return cells


def _forward_order(length, reverse):
    """The time steps in the order a layer direction reads them."""
    return range(length - 1, -1, -1) if reverse else range(length)


class LSTMSequence(Function):
    r"""One LSTM layer (one direction) over a whole sequence, as one operation.

    Inputs: the input parts p_t = x_t W_ihᵀ + b_ih + b_hh of every step (L, N, 4H),
    W_hh (4H, H), and the initial h₀, c₀ (N, H). For t = 1 … L (or L … 1 with
    ``reverse``), with the cell of ``lstm_cell``:

        a_t = p_t + h_{t−1} W_hhᵀ,    (h_t, c_t) = cell(a_t, c_{t−1})

    Outputs: every h_t (L, N, H), and the last h and c.

    Backward is back-propagation through time: from the last step to the first,
    ``lstm_cell_gradients`` gives δa_t and the gradient reaching c_{t−1}, and
    δh_{t−1} = δa_t W_hh (plus what reaches h_{t−1} from the output). Written
    over the whole sequence, the weight's gradient is one product,
    dL/dW_hh = Σ_t δa_tᵀ h_{t−1} = δAᵀ H_prev, and dL/dp_t = δa_t.

    Forward keeps every step's ``lstm_cell`` values (their own arrays, not the
    output's: an in-place change of the output cannot alter the gradient).
    Under ``create_graph=True`` the same backward runs on Tensors, the steps
    recomputed from the inputs with minigrad operations.
    """

    array_backward = True

    @staticmethod
    def forward(ctx, input_parts, weight_hh, h0, c0, reverse=False):
        cells = _lstm_layer(ctx.math, input_parts, weight_hh, h0, c0, reverse)
        ctx.reverse = reverse
        ctx.save_for_backward(input_parts, weight_hh, h0, c0)
        ctx.save_intermediates(*cells)
        last = cells[0 if reverse else -1]
        return ctx.xp.stack([cell.h for cell in cells]), last.h.copy(), last.c.copy()

    @staticmethod
    def recompute_intermediates(ctx, input_parts, weight_hh, h0, c0):
        """Every step's cell as functions of the inputs, for a backward that builds a graph."""
        return _lstm_layer(ctx.math, input_parts, weight_hh, h0, c0, ctx.reverse)

    @staticmethod
    def backward(ctx, grad_hs, grad_h_last, grad_c_last):
        _, weight_hh, h0, c0 = ctx.saved_tensors
        cells = ctx.saved_intermediates
        math, length = ctx.math, len(cells)
        order = _forward_order(length, ctx.reverse)
        h_prev, c_prev = [None] * length, [None] * length  # the state each step started from
        h, c = h0, c0
        for t in order:
            h_prev[t], c_prev[t] = h, c
            h, c = cells[t].h, cells[t].c
        grad_a = [None] * length
        grad_h, grad_c = grad_h_last, grad_c_last
        for t in reversed(order):  # from the last step to the first
            cell = cells[t]
            grad_h = grad_h + grad_hs[t]
            grad_gates, grad_c = lstm_cell_gradients(cell.i, cell.f, cell.g, cell.o, c_prev[t],
                                                     cell.tanh_c, grad_h, grad_c)
            grad_a[t] = math.cat(grad_gates, dim=-1)
            grad_h = grad_a[t] @ weight_hh
        grad_input_parts = math.stack(grad_a, dim=0)
        hidden = h0.shape[-1]
        grad_weight = (grad_input_parts.reshape(-1, 4 * hidden).T
                       @ math.stack(h_prev, dim=0).reshape(-1, hidden))
        return grad_input_parts, grad_weight, grad_h, grad_c


def lstm_sequence(input_parts, weight_hh, h0, c0, reverse=False):
    """``(hs, h_last, c_last)`` of one LSTM layer direction (see ``LSTMSequence``)."""
    return LSTMSequence.apply(input_parts, weight_hh, h0, c0, reverse=reverse)


# ---------------------------------------------------------------- the GRU cell
def gru_cell(math, input_part, hidden_part, h):
    r"""One GRU step from the input part a = x W_ihᵀ + b_ih = [a_r, a_z, a_n], the
    hidden part b = h W_hhᵀ + b_hh = [b_r, b_z, b_n] (each of shape (N, 3H)) and h:

        r = σ(a_r + b_r),  z = σ(a_z + b_z)
        n = tanh(a_n + r ⊙ b_n)
        h' = (1 − z) ⊙ n + z ⊙ h,  computed as n + z ⊙ (h − n)

    Returns ``(r, z, n, h')``.
    """
    hidden = h.shape[-1]
    r_z = math.sigmoid(input_part[..., :2 * hidden] + hidden_part[..., :2 * hidden])
    r, z = r_z[..., :hidden], r_z[..., hidden:]
    n = math.tanh(input_part[..., 2 * hidden:] + r * hidden_part[..., 2 * hidden:])
    return r, z, n, n + z * (h - n)


def gru_cell_gradients(r, z, n, hidden_part, h, grad_h_next):
    r"""The chain rule of ``gru_cell`` for the upstream gradient ĥ = dL/dh':

        δn = (ĥ − ĥ ⊙ z) ⊙ (1 − n²)               (gradient at n's pre-activation)
        δr = δn ⊙ b_n ⊙ r(1 − r),   δz = ĥ ⊙ (h − n) ⊙ z(1 − z)
        dL/da = [δr, δz, δn],   dL/db = [δr, δz, δn ⊙ r],   dL/dh = ĥ ⊙ z

    Returns ``(δr, δz, δn, δn ⊙ r, dL/dh)``; the caller joins the blocks.
    """
    b_n = hidden_part[..., 2 * h.shape[-1]:]
    # ĥ − ĥ ⊙ z, not ĥ ⊙ (1 − z): PyTorch's order (h' = n + z ⊙ (h − n)
    # differentiated), so an infinite ĥ gives its nan, not ±inf
    delta_n = (grad_h_next - grad_h_next * z) * (1 - n * n)
    delta_r = delta_n * b_n * r * (1 - r)
    delta_z = grad_h_next * (h - n) * z * (1 - z)
    return delta_r, delta_z, delta_n, delta_n * r, grad_h_next * z


class GRUCellUpdate(Function):
    """h' = the GRU step of ``gru_cell`` from x W_ihᵀ + b_ih, h W_hhᵀ + b_hh (N, 3H)
    and h (N, H);  the gradients by ``gru_cell_gradients``."""

    array_backward = True

    @staticmethod
    def forward(ctx, input_part, hidden_part, h):
        r, z, n, h_next = gru_cell(ctx.math, input_part, hidden_part, h)
        ctx.save_for_backward(input_part, hidden_part, h)
        ctx.save_intermediates(r, z, n)
        return h_next

    @staticmethod
    def recompute_intermediates(ctx, input_part, hidden_part, h):
        """(r, z, n) as functions of the inputs, for a backward that builds a graph."""
        return gru_cell(ctx.math, input_part, hidden_part, h)[:3]

    @staticmethod
    def backward(ctx, grad_h_next):
        _, hidden_part, h = ctx.saved_tensors
        r, z, n = ctx.saved_intermediates
        delta_r, delta_z, delta_n, delta_n_r, grad_h = gru_cell_gradients(
            r, z, n, hidden_part, h, grad_h_next)
        cat = ctx.math.cat
        return (cat([delta_r, delta_z, delta_n], dim=-1),
                cat([delta_r, delta_z, delta_n_r], dim=-1),
                grad_h)


# ---------------------------------------------------------------- time steps
class Unbind(Function):
    """(y₀, y₁, ...) = the slices of x along ``dim``;  dL/dx = stack(dL/dy₀, dL/dy₁, ...)

    One node with one output per slice: the gradient is assembled once, in
    O(size of x), where a separate ``x[t]`` per step would scatter each step's
    gradient into its own full-size zero array (quadratic in the length).
    """

    array_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        before = (slice(None),) * dim
        return tuple(x[before + (index,)] for index in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return ctx.math.stack(grads, dim=ctx.dim)


def lstm_cell_update(gates, c):
    """``(h', c')`` of one LSTM step from gate pre-activations (N, 4H) and the cell (N, H)."""
    return LSTMCellUpdate.apply(gates, c)


def gru_cell_update(input_part, hidden_part, h):
    """``h'`` of one GRU step from x W_ihᵀ + b_ih and h W_hhᵀ + b_hh (N, 3H), and h (N, H)."""
    return GRUCellUpdate.apply(input_part, hidden_part, h)


def unbind(x, dim=0):
    """The slices of ``x`` along ``dim``, as a tuple of tensors with that dimension removed."""
    return Unbind.apply(x, dim=dim % x.ndim)
