"""The fused pieces of recurrent layers: one LSTM or GRU time step's elementwise
update as a single op, and cutting a sequence into its time steps.

A recurrent layer runs the same small computation at every time step, so the
cost of one op call is paid once per step. Composed of primitive ops, an LSTM
step's elementwise part is a dozen nodes (four slices, three sigmoids, two
tanh, products and a sum); here it is one node whose backward is the chain rule
written out by hand.

Each backward is written with minigrad's own ops and uses only what is attached
to the graph (the op's inputs and outputs), recomputing the gate activations
from the saved pre-activations. So the gradient is itself differentiable:
``create_graph=True`` gives Hessian-vector products of an LSTM or GRU loss.
"""
from ..autograd.function import Function
from .elementwise import sigmoid, tanh
from .shape import cat, stack


def _sigmoid(xp, x):
    """σ(x) = 1 / (1 + e^(-x)) on an array, from e^(-|x|) ≤ 1 so it never overflows."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


class LSTMCellUpdate(Function):
    r"""One LSTM step from the gate pre-activations a = [a_i, a_f, a_g, a_o]
    (x W_ih^T + b_ih + h W_hh^T + b_hh, shape (N, 4H)) and the previous cell c:

        i = σ(a_i),  f = σ(a_f),  g = tanh(a_g),  o = σ(a_o)
        c' = f ⊙ c + i ⊙ g
        h' = o ⊙ tanh(c')

    Backward, for upstream gradients ĥ = dL/dh' and ĉ = dL/dc':

        δc = ĉ + ĥ ⊙ o ⊙ (1 − tanh²(c'))          (all the gradient reaching c')
        dL/da_i = δc ⊙ g ⊙ i(1 − i)      dL/da_f = δc ⊙ c ⊙ f(1 − f)
        dL/da_g = δc ⊙ i ⊙ (1 − g²)      dL/da_o = ĥ ⊙ tanh(c') ⊙ o(1 − o)
        dL/dc  = δc ⊙ f
    """

    @staticmethod
    def forward(ctx, gates, c):
        xp = ctx.xp
        hidden = c.shape[-1]
        i_f = _sigmoid(xp, gates[..., :2 * hidden])
        g = xp.tanh(gates[..., 2 * hidden:3 * hidden])
        o = _sigmoid(xp, gates[..., 3 * hidden:])
        c_next = i_f[..., hidden:] * c + i_f[..., :hidden] * g
        h_next = o * xp.tanh(c_next)
        ctx.save_for_backward(gates, c, c_next)
        return h_next, c_next

    @staticmethod
    def backward(ctx, grad_h, grad_c_next):
        gates, c, c_next = ctx.saved_tensors
        hidden = c.shape[-1]
        sig = sigmoid(gates)  # σ of all four; the g block is not used
        i, f, o = sig[..., :hidden], sig[..., hidden:2 * hidden], sig[..., 3 * hidden:]
        g = tanh(gates[..., 2 * hidden:3 * hidden])
        tanh_c = tanh(c_next)
        delta_c = grad_c_next + grad_h * o * (1 - tanh_c * tanh_c)
        grad_gates = cat([delta_c * g * i * (1 - i),
                          delta_c * c * f * (1 - f),
                          delta_c * i * (1 - g * g),
                          grad_h * tanh_c * o * (1 - o)], dim=-1)
        return grad_gates, delta_c * f


class GRUCellUpdate(Function):
    r"""One GRU step from the input part a = x W_ih^T + b_ih = [a_r, a_z, a_n] and
    the hidden part b = h W_hh^T + b_hh = [b_r, b_z, b_n] (each of shape (N, 3H)):

        r = σ(a_r + b_r),  z = σ(a_z + b_z)
        n = tanh(a_n + r ⊙ b_n)
        h' = (1 − z) ⊙ n + z ⊙ h

    Backward, for the upstream gradient ĥ = dL/dh':

        δn = ĥ ⊙ (1 − z) ⊙ (1 − n²)              (gradient at n's pre-activation)
        δr = δn ⊙ b_n ⊙ r(1 − r),   δz = ĥ ⊙ (h − n) ⊙ z(1 − z)
        dL/da = [δr, δz, δn],   dL/db = [δr, δz, δn ⊙ r],   dL/dh = ĥ ⊙ z
    """

    @staticmethod
    def forward(ctx, input_part, hidden_part, h):
        xp = ctx.xp
        hidden = h.shape[-1]
        r_z = _sigmoid(xp, input_part[..., :2 * hidden] + hidden_part[..., :2 * hidden])
        r, z = r_z[..., :hidden], r_z[..., hidden:]
        n = xp.tanh(input_part[..., 2 * hidden:] + r * hidden_part[..., 2 * hidden:])
        ctx.save_for_backward(input_part, hidden_part, h)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, grad_h_next):
        input_part, hidden_part, h = ctx.saved_tensors
        hidden = h.shape[-1]
        r_z = sigmoid(input_part[..., :2 * hidden] + hidden_part[..., :2 * hidden])
        r, z = r_z[..., :hidden], r_z[..., hidden:]
        b_n = hidden_part[..., 2 * hidden:]
        n = tanh(input_part[..., 2 * hidden:] + r * b_n)
        delta_n = grad_h_next * (1 - z) * (1 - n * n)
        delta_r_z = cat([delta_n * b_n * r * (1 - r),
                         grad_h_next * (h - n) * z * (1 - z)], dim=-1)
        return (cat([delta_r_z, delta_n], dim=-1),
                cat([delta_r_z, delta_n * r], dim=-1),
                grad_h_next * z)


class Unbind(Function):
    """(y₀, y₁, ...) = the slices of x along ``dim``;  dL/dx = stack(dL/dy₀, dL/dy₁, ...)

    One node with one output per slice: the gradient is assembled once, in
    O(size of x), where a separate ``x[t]`` per step would scatter each step's
    gradient into its own full-size zero array (quadratic in the length).
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        before = (slice(None),) * dim
        return tuple(x[before + (index,)] for index in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, dim=ctx.dim)


def lstm_cell_update(gates, c):
    """``(h', c')`` of one LSTM step from gate pre-activations (N, 4H) and the cell (N, H)."""
    return LSTMCellUpdate.apply(gates, c)


def gru_cell_update(input_part, hidden_part, h):
    """``h'`` of one GRU step from x W_ih^T + b_ih and h W_hh^T + b_hh (N, 3H), and h (N, H)."""
    return GRUCellUpdate.apply(input_part, hidden_part, h)


def unbind(x, dim=0):
    """The slices of ``x`` along ``dim``, as a tuple of tensors with that dimension removed."""
    return Unbind.apply(x, dim=dim % x.ndim)
