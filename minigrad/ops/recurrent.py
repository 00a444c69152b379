"""The fused pieces of recurrent layers: one LSTM or GRU time step's elementwise
update as a single op, and cutting a sequence into its time steps.

A recurrent layer runs the same small computation at every time step, so the
cost of one op call is paid once per step. Composed of primitive ops, an LSTM
step's elementwise part is a dozen nodes (four slices, three sigmoids, two
tanh, products and a sum); here it is one node whose backward is the chain rule
written out by hand.

Each backward's chain rule is written once, as a function of the op's inputs
and outputs (recomputing the gate activations from the saved pre-activations)
and of a small "math" namespace: with minigrad's ops (``TENSOR_MATH``) the
gradient is itself differentiable, so ``create_graph=True`` gives
Hessian-vector products of an LSTM or GRU loss; when no graph is being
recorded (a plain ``backward()``), the same lines run on the raw arrays
(``ArrayMath``), without creating a graph node per product. An LSTM step's
backward is some thirty products and sums, paid at every time step, so this
is where a recurrent layer's training time goes.
"""
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import new_tensor
from .elementwise import sigmoid, tanh
from .shape import cat, stack


def _sigmoid(xp, x):
    """σ(x) = (1 + tanh(x/2)) / 2 on an array: never overflows, four array passes."""
    y = x * 0.5
    xp.tanh(y, out=y)
    y *= 0.5
    y += 0.5
    return y


class _TensorMath:
    """The functions a backward formula needs, as differentiable minigrad ops."""

    sigmoid = staticmethod(sigmoid)
    tanh = staticmethod(tanh)

    @staticmethod
    def cat(pieces, dim):
        return cat(pieces, dim=dim)


class ArrayMath:
    """The same functions on raw backend arrays (no graph): for a plain backward."""

    def __init__(self, xp):
        self.xp = xp

    def sigmoid(self, x):
        return _sigmoid(self.xp, x)

    def tanh(self, x):
        return self.xp.tanh(x)

    def cat(self, pieces, dim):
        return self.xp.concatenate(pieces, axis=dim)


TENSOR_MATH = _TensorMath()


def _run_backward(ctx, op, grads):
    """The op's gradients: ``op.gradients(math, activations, ...)``.

    While a graph is being recorded (create_graph=True) they are computed with
    minigrad ops, the gate activations recomputed from the saved inputs so that
    the result is differentiable; otherwise on the arrays, reusing the
    activations the forward pass kept (``ctx.activations``), and wrapped as tensors.
    """
    saved = ctx.saved_tensors
    if is_grad_enabled():
        activations = op.activations(TENSOR_MATH, *saved)
        return op.gradients(TENSOR_MATH, activations, *saved, *grads)
    backend = saved[0]._backend
    arrays = op.gradients(ArrayMath(backend.xp), ctx.activations,
                          *[t.data for t in saved + tuple(grads)])
    return tuple(new_tensor(array, backend, None, 0) for array in arrays)


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
        tanh_c = xp.tanh(c_next)
        h_next = o * tanh_c
        ctx.save_for_backward(gates, c, c_next)
        ctx.activations = (i_f[..., :hidden], i_f[..., hidden:], g, o, tanh_c)
        return h_next, c_next

    @staticmethod
    def backward(ctx, grad_h, grad_c_next):
        return _run_backward(ctx, LSTMCellUpdate, (grad_h, grad_c_next))

    @staticmethod
    def activations(math, gates, c, c_next):
        """(i, f, g, o, tanh(c')) from the saved pre-activations and the new cell."""
        hidden = c.shape[-1]
        sig = math.sigmoid(gates)  # σ of all four; the g block is not used
        g = math.tanh(gates[..., 2 * hidden:3 * hidden])
        return (sig[..., :hidden], sig[..., hidden:2 * hidden], g, sig[..., 3 * hidden:],
                math.tanh(c_next))

    @staticmethod
    def gradients(math, activations, gates, c, c_next, grad_h, grad_c_next):
        """(dL/da, dL/dc): the backward formulas above."""
        i, f, g, o, tanh_c = activations
        delta_c = grad_c_next + grad_h * o * (1 - tanh_c * tanh_c)
        grad_gates = math.cat([delta_c * g * i * (1 - i),
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
        ctx.activations = (r, z, n)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, grad_h_next):
        return _run_backward(ctx, GRUCellUpdate, (grad_h_next,))

    @staticmethod
    def activations(math, input_part, hidden_part, h):
        """(r, z, n) from the saved input and hidden parts."""
        hidden = h.shape[-1]
        r_z = math.sigmoid(input_part[..., :2 * hidden] + hidden_part[..., :2 * hidden])
        r = r_z[..., :hidden]
        return r, r_z[..., hidden:], math.tanh(input_part[..., 2 * hidden:]
                                               + r * hidden_part[..., 2 * hidden:])

    @staticmethod
    def gradients(math, activations, input_part, hidden_part, h, grad_h_next):
        """(dL/da, dL/db, dL/dh): the backward formulas above."""
        r, z, n = activations
        b_n = hidden_part[..., 2 * hidden_part.shape[-1] // 3:]
        delta_n = grad_h_next * (1 - z) * (1 - n * n)
        delta_r_z = math.cat([delta_n * b_n * r * (1 - r),
                              grad_h_next * (h - n) * z * (1 - z)], dim=-1)
        return (math.cat([delta_r_z, delta_n], dim=-1),
                math.cat([delta_r_z, delta_n * r], dim=-1),
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
