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
from ..autograd.grad import grad as autograd_grad
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..tensor import new_tensor
from .elementwise import sigmoid, tanh
from .linalg import matmul
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
                          *[t._array for t in saved + tuple(grads)])
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


class LSTMSequence(Function):
    r"""One LSTM layer (one direction) over a whole sequence, as one operation.

    Inputs: the input parts p_t = x_t W_ihᵀ + b_ih + b_hh of every step (L, N, 4H),
    W_hh (4H, H), and the initial h₀, c₀ (N, H). For t = 1 … L (or L … 1 with
    ``reverse``), with the cell of ``LSTMCellUpdate``:

        a_t = p_t + h_{t−1} W_hhᵀ,    (h_t, c_t) = cell(a_t, c_{t−1})

    Outputs: every h_t (L, N, H), and the last h and c.

    Backward is back-propagation through time: from the last step to the first,
    the cell's gradient gives δa_t, and δh_{t−1} = δa_t W_hh (plus what reaches
    h_{t−1} from the output). Written over the whole sequence, the weight's
    gradient is one product, dL/dW_hh = Σ_t δa_tᵀ h_{t−1} = δAᵀ H_prev, and
    dL/dp_t = δa_t. Under ``create_graph=True`` the same gradients come from
    differentiating a step-by-step recomputation made of minigrad ops, so they
    are themselves differentiable.
    """

    @staticmethod
    def forward(ctx, input_parts, weight_hh, h0, c0, reverse=False):
        xp = ctx.xp
        length, hidden = input_parts.shape[0], h0.shape[-1]
        steps = range(length - 1, -1, -1) if reverse else range(length)
        hs = xp.empty((length,) + h0.shape, dtype=h0.dtype)
        cs = xp.empty((length,) + c0.shape, dtype=c0.dtype)
        gates = xp.empty(input_parts.shape, dtype=input_parts.dtype)  # i, f, g, o
        tanh_cs = xp.empty((length,) + c0.shape, dtype=c0.dtype)
        h, c = h0, c0
        for t in steps:
            a = h @ weight_hh.T
            a += input_parts[t]
            gate = gates[t]
            gate[:, :2 * hidden] = _sigmoid(xp, a[:, :2 * hidden])
            gate[:, 2 * hidden:3 * hidden] = xp.tanh(a[:, 2 * hidden:3 * hidden])
            gate[:, 3 * hidden:] = _sigmoid(xp, a[:, 3 * hidden:])
            c = gate[:, hidden:2 * hidden] * c + gate[:, :hidden] * gate[:, 2 * hidden:3 * hidden]
            tanh_cs[t] = xp.tanh(c)
            h = gate[:, 3 * hidden:] * tanh_cs[t]
            hs[t], cs[t] = h, c
        ctx.reverse = reverse
        ctx.save_for_backward(input_parts, weight_hh, h0, c0)
        ctx.arrays = (gates, tanh_cs, hs, cs)
        last = 0 if reverse else length - 1
        return hs, hs[last].copy(), cs[last].copy()

    @staticmethod
    def backward(ctx, grad_hs, grad_h_last, grad_c_last):
        if is_grad_enabled():
            return LSTMSequence._differentiable_backward(ctx, grad_hs, grad_h_last, grad_c_last)
        input_parts, weight_hh, h0, c0 = [t._array for t in ctx.saved_tensors]
        gates, tanh_cs, hs, cs = ctx.arrays
        xp, hidden = ctx.xp, h0.shape[-1]
        length = input_parts.shape[0]
        steps = range(length) if ctx.reverse else range(length - 1, -1, -1)
        grad_hs = grad_hs._array
        grad_h, grad_c = grad_h_last._array, grad_c_last._array
        grad_gates = xp.empty(gates.shape, dtype=gates.dtype)
        h_prev = xp.empty(hs.shape, dtype=hs.dtype)
        for t in steps:  # from the last step to the first
            first = t == (length - 1 if ctx.reverse else 0)
            previous = t + 1 if ctx.reverse else t - 1
            c_prev = c0 if first else cs[previous]
            h_prev[t] = h0 if first else hs[previous]
            gate = gates[t]
            i, f = gate[:, :hidden], gate[:, hidden:2 * hidden]
            g, o = gate[:, 2 * hidden:3 * hidden], gate[:, 3 * hidden:]
            tanh_c = tanh_cs[t]
            grad_h = grad_h + grad_hs[t]
            delta_c = grad_c + grad_h * o * (1 - tanh_c * tanh_c)
            out = grad_gates[t]
            out[:, :hidden] = delta_c * g * i * (1 - i)
            out[:, hidden:2 * hidden] = delta_c * c_prev * f * (1 - f)
            out[:, 2 * hidden:3 * hidden] = delta_c * i * (1 - g * g)
            out[:, 3 * hidden:] = grad_h * tanh_c * o * (1 - o)
            grad_c = delta_c * f
            grad_h = out @ weight_hh
        flat_gates = grad_gates.reshape(-1, 4 * hidden)
        grad_weight = flat_gates.T @ h_prev.reshape(-1, hidden)
        backend = ctx.backend
        wrap = lambda array: new_tensor(array, backend, None, 0)  # noqa: E731
        return wrap(grad_gates), wrap(grad_weight), wrap(grad_h), wrap(grad_c)

    @staticmethod
    def _differentiable_backward(ctx, grad_hs, grad_h_last, grad_c_last):
        """The gradients as a graph: recompute the steps with minigrad ops from the
        saved inputs and differentiate that (``create_graph=True``)."""
        saved = ctx.saved_tensors
        input_parts, weight_hh, h0, c0 = saved
        length = input_parts.shape[0]
        with enable_grad():
            h, c, hs = h0, c0, [None] * length
            steps = range(length - 1, -1, -1) if ctx.reverse else range(length)
            for t in steps:
                h, c = LSTMCellUpdate.apply(input_parts[t] + matmul(h, weight_hh.T), c)
                hs[t] = h
            outputs = (stack(hs), h, c)
        wanted = [index for index, needed in enumerate(ctx.needs_input_grad[:4]) if needed]
        grads = autograd_grad(outputs, [saved[index] for index in wanted],
                              (grad_hs, grad_h_last, grad_c_last), create_graph=True,
                              allow_unused=True)
        result = [None] * 4
        for index, value in zip(wanted, grads):
            result[index] = value
        return tuple(result)


def lstm_sequence(input_parts, weight_hh, h0, c0, reverse=False):
    """``(hs, h_last, c_last)`` of one LSTM layer direction (see ``LSTMSequence``)."""
    return LSTMSequence.apply(input_parts, weight_hh, h0, c0, reverse=reverse)


class GRUCellUpdate(Function):
    r"""One GRU step from the input part a = x W_ih^T + b_ih = [a_r, a_z, a_n] and
    the hidden part b = h W_hh^T + b_hh = [b_r, b_z, b_n] (each of shape (N, 3H)):

        r = σ(a_r + b_r),  z = σ(a_z + b_z)
        n = tanh(a_n + r ⊙ b_n)
        h' = (1 − z) ⊙ n + z ⊙ h

    Backward, for the upstream gradient ĥ = dL/dh':

        δn = (ĥ − ĥ ⊙ z) ⊙ (1 − n²)               (gradient at n's pre-activation)
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
        # ĥ − ĥ ⊙ z, not ĥ ⊙ (1 − z): PyTorch's order (h' = n + z ⊙ (h − n)
        # differentiated), so an infinite ĥ gives its nan, not ±inf
        delta_n = (grad_h_next - grad_h_next * z) * (1 - n * n)
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
