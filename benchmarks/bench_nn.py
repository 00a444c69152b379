"""Training steps of small networks: minigrad vs hand-written NumPy vs PyTorch CPU.

Three workloads, each one full training step (forward, loss, backward, update):

    mlp    784-512-512-10 MLP, ReLU, cross-entropy, batch 128, Adam
    lstm   LSTM (input 64, hidden 128) over 50 steps, batch 32, linear readout of the
           last hidden state, MSE, Adam
    tiny   2-16-16-1 MLP, tanh, MSE, batch 32, plain SGD

The NumPy version of each is the same math written out by hand: the forward
pass, the backward pass derived on paper, and the same update, all in float32.
It is what minigrad's arrays cost without any framework around them, so the
ratio minigrad / NumPy is the price of the framework. PyTorch runs with its
default number of threads (printed).

All three start from the same weights and are checked to follow the same
trajectory before timing. The frameworks are then timed in rounds, one after
the other in a rotating order, so that a busy moment of a shared machine hits
all of them; the table gives the median time per step over the rounds and the
median of the per-round ratios (the steadier figure on a noisy machine). Run:

    python benchmarks/bench_nn.py                 # all three workloads
    python benchmarks/bench_nn.py --only tiny --rounds 30
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_nn.py   # one thread each

On a machine that other jobs keep busy, multi-threaded BLAS and PyTorch's
thread pool stall whenever one of their threads is descheduled; the
one-thread run is then the fairer comparison of the frameworks themselves.

(A benchmark, not a test: timings depend on the machine and its load.)
"""
import argparse
import math
import os
import time

import numpy as np
import torch

import minigrad as mg
import minigrad.nn.functional as F

LR_ADAM, LR_SGD = 1e-3, 0.05
BETAS, EPS = (0.9, 0.999), 1e-8


# ================================================================ shared setup
def linear_init(rng, n_in, n_out):
    """PyTorch's default Linear init, U(-1/sqrt(n_in), 1/sqrt(n_in)), for W (out, in) and b."""
    bound = 1.0 / math.sqrt(n_in)
    return (rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
            rng.uniform(-bound, bound, n_out).astype(np.float32))


def mlp_weights(rng, sizes):
    """{"0.weight": W, "0.bias": b, "2.weight": ...}: Sequential(Linear, act, Linear, ...) names."""
    weights = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights[f"{2 * layer}.weight"], weights[f"{2 * layer}.bias"] = linear_init(rng, n_in, n_out)
    return weights


def lstm_weights(rng, n_in, hidden, n_out):
    """PyTorch's LSTM names and init (U(-1/sqrt(H), 1/sqrt(H))) and a Linear readout."""
    bound = 1.0 / math.sqrt(hidden)

    def uniform(*shape):
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    readout_w, readout_b = linear_init(rng, hidden, n_out)
    return {"lstm.weight_ih_l0": uniform(4 * hidden, n_in),
            "lstm.weight_hh_l0": uniform(4 * hidden, hidden),
            "lstm.bias_ih_l0": uniform(4 * hidden), "lstm.bias_hh_l0": uniform(4 * hidden),
            "readout.weight": readout_w, "readout.bias": readout_b}


# ================================================================ NumPy, by hand
class NumpyAdam:
    """PyTorch's Adam update, in place, in float32."""

    def __init__(self, params):
        self.params, self.step_count = params, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.scratch = {k: np.empty_like(v) for k, v in params.items()}

    def step(self, grads):
        self.step_count += 1
        beta1, beta2 = BETAS
        step_size = LR_ADAM / (1 - beta1 ** self.step_count)
        correction2_sqrt = math.sqrt(1 - beta2 ** self.step_count)
        for k, p in self.params.items():
            g, m, v, denom = grads[k], self.m[k], self.v[k], self.scratch[k]
            m *= beta1                                 # m <- b1 m + (1 - b1) g
            m += (1 - beta1) * g
            v *= beta2                                 # v <- b2 v + (1 - b2) g^2
            v += (1 - beta2) * g * g
            np.sqrt(v, out=denom)                      # denom = sqrt(v) / sqrt(1 - b2^t) + eps
            denom /= correction2_sqrt
            denom += EPS
            np.divide(m, denom, out=denom)
            denom *= step_size
            p -= denom                                 # p <- p - lr/(1 - b1^t) m / denom


class NumpySGD:
    def __init__(self, params):
        self.params = params

    def step(self, grads):
        for k, p in self.params.items():
            p -= LR_SGD * grads[k]


def numpy_mlp_step(params, x, y, optimizer, activation):
    """One step of an MLP in Sequential layout: Linear, act, Linear, act, ..., Linear.

    ``y`` holds class indices (cross-entropy) or regression targets (MSE).
    """
    layers = len(params) // 2
    inputs, pre = [x], []                                  # each layer's input and pre-activation
    h = x
    for i in range(layers):
        z = h @ params[f"{2 * i}.weight"].T
        z += params[f"{2 * i}.bias"]
        if i < layers - 1:
            pre.append(z)
            h = np.maximum(z, 0) if activation == "relu" else np.tanh(z)
            inputs.append(h)
        else:
            out = z
    batch = x.shape[0]
    if y.dtype.kind == "i":                                # cross-entropy, mean over the batch
        shifted = out - out.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[np.arange(batch), y]).mean()
        grad = exp / total                                 # dL/dz = (softmax - onehot) / N
        grad[np.arange(batch), y] -= 1
        grad /= batch
    else:                                                  # MSE, mean over all entries
        diff = out - y
        loss = (diff * diff).mean()
        grad = diff * (2.0 / diff.size)
    grads = {}
    for i in reversed(range(layers)):
        grads[f"{2 * i}.weight"] = grad.T @ inputs[i]
        grads[f"{2 * i}.bias"] = grad.sum(axis=0)
        if i > 0:
            grad = grad @ params[f"{2 * i}.weight"]
            if activation == "relu":
                grad *= pre[i - 1] > 0
            else:
                grad *= 1 - inputs[i] * inputs[i]
    optimizer.step(grads)
    return loss


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def numpy_lstm_step(params, x, target, optimizer):
    """LSTM over x (L, N, H_in) with PyTorch's gate order (i, f, g, o), readout of h_L, MSE."""
    w_ih, w_hh = params["lstm.weight_ih_l0"], params["lstm.weight_hh_l0"]
    length, batch, n_in = x.shape
    hidden = w_hh.shape[1]
    # Input part of every step in one product; b_ih + b_hh folded in.
    input_part = (x.reshape(-1, n_in) @ w_ih.T).reshape(length, batch, 4 * hidden)
    input_part += params["lstm.bias_ih_l0"] + params["lstm.bias_hh_l0"]
    h = np.zeros((batch, hidden), np.float32)
    c = np.zeros((batch, hidden), np.float32)
    hs, cs, gates = [h], [c], []
    for t in range(length):
        z = input_part[t] + h @ w_hh.T
        i, f = sigmoid(z[:, :hidden]), sigmoid(z[:, hidden:2 * hidden])
        g, o = np.tanh(z[:, 2 * hidden:3 * hidden]), sigmoid(z[:, 3 * hidden:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
        gates.append((i, f, g, o))
    out = h @ params["readout.weight"].T + params["readout.bias"]
    diff = out - target
    loss = (diff * diff).mean()
    grad_out = diff * (2.0 / diff.size)
    grads = {"readout.weight": grad_out.T @ h, "readout.bias": grad_out.sum(axis=0)}
    # Back-propagation through time.
    grad_h = grad_out @ params["readout.weight"]
    grad_c = np.zeros_like(c)
    grad_z = np.empty((length, batch, 4 * hidden), np.float32)
    for t in reversed(range(length)):
        i, f, g, o = gates[t]
        tanh_c = np.tanh(cs[t + 1])
        grad_c += grad_h * o * (1 - tanh_c * tanh_c)
        dz = grad_z[t]
        dz[:, :hidden] = grad_c * g * i * (1 - i)
        dz[:, hidden:2 * hidden] = grad_c * cs[t] * f * (1 - f)
        dz[:, 2 * hidden:3 * hidden] = grad_c * i * (1 - g * g)
        dz[:, 3 * hidden:] = grad_h * tanh_c * o * (1 - o)
        grad_c *= f
        grad_h = dz @ w_hh
    flat_dz = grad_z.reshape(-1, 4 * hidden)
    grads["lstm.weight_ih_l0"] = flat_dz.T @ x.reshape(-1, n_in)
    grads["lstm.weight_hh_l0"] = flat_dz.T @ np.stack(hs[:-1]).reshape(-1, hidden)
    grads["lstm.bias_ih_l0"] = grads["lstm.bias_hh_l0"] = flat_dz.sum(axis=0)
    optimizer.step(grads)
    return loss


# ================================================================ the frameworks
def framework_parts(nn, optim, tensor, cross_entropy):
    """The models, written once for minigrad and for PyTorch (the same public API)."""

    class LSTMRegressor(nn.Module):
        def __init__(self, n_in, hidden, n_out):
            super().__init__()
            self.lstm = nn.LSTM(n_in, hidden)
            self.readout = nn.Linear(hidden, n_out)

        def forward(self, x):
            output, (h_n, c_n) = self.lstm(x)
            return self.readout(h_n[0])

    def mlp(sizes, activation):
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), activation()]
        return nn.Sequential(*layers[:-1])

    models = {"mlp": lambda: mlp([784, 512, 512, 10], nn.ReLU),
              "lstm": lambda: LSTMRegressor(64, 128, 1),
              "tiny": lambda: mlp([2, 16, 16, 1], nn.Tanh)}
    losses = {"mlp": cross_entropy, "lstm": nn.MSELoss(), "tiny": nn.MSELoss()}
    return models, losses, tensor, optim


def minigrad_optimizer(kind, params):
    """The one place that picks minigrad's update (swap in another optimizer here)."""
    return mg.optim.Adam(params, lr=LR_ADAM, betas=BETAS, eps=EPS) if kind == "adam" \
        else mg.optim.SGD(params, lr=LR_SGD)


def torch_optimizer(kind, params):
    return torch.optim.Adam(params, lr=LR_ADAM, betas=BETAS, eps=EPS) if kind == "adam" \
        else torch.optim.SGD(params, lr=LR_SGD)


FRAMEWORKS = {
    "minigrad": (framework_parts(mg.nn, mg.optim, mg.tensor, F.cross_entropy), minigrad_optimizer),
    "PyTorch": (framework_parts(torch.nn, torch.optim, torch.tensor,
                                torch.nn.functional.cross_entropy), torch_optimizer),
}


# ================================================================ the workloads
WORKLOADS = {
    # name: (optimizer, steps per timed round, description)
    "mlp": ("adam", 5, "MLP 784-512-512-10, ReLU, cross-entropy, batch 128, Adam"),
    "lstm": ("adam", 2, "LSTM seq 50, batch 32, in 64, hidden 128, MSE readout, Adam"),
    "tiny": ("sgd", 200, "MLP 2-16-16-1, tanh, MSE, batch 32, SGD"),
}


def make_data(name, rng):
    """Initial weights, input and target of a workload, as float32 NumPy arrays."""
    if name == "mlp":
        return (mlp_weights(rng, [784, 512, 512, 10]),
                rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128))
    if name == "lstm":
        return (lstm_weights(rng, 64, 128, 1), rng.standard_normal((50, 32, 64)).astype(np.float32),
                rng.standard_normal((32, 1)).astype(np.float32))
    return (mlp_weights(rng, [2, 16, 16, 1]), rng.standard_normal((32, 2)).astype(np.float32),
            rng.standard_normal((32, 1)).astype(np.float32))


def make_steps(name, seed=0):
    """{framework: (step function returning the loss, function returning the weights)}."""
    kind = WORKLOADS[name][0]
    weights, x, y = make_data(name, np.random.default_rng(seed))
    steps = {}

    params = {k: v.copy() for k, v in weights.items()}
    optimizer = NumpyAdam(params) if kind == "adam" else NumpySGD(params)
    if name == "lstm":
        steps["NumPy"] = (lambda: numpy_lstm_step(params, x, y, optimizer), lambda: params)
    else:
        activation = "relu" if name == "mlp" else "tanh"
        steps["NumPy"] = (lambda: numpy_mlp_step(params, x, y, optimizer, activation),
                          lambda: params)

    for framework, ((models, losses, tensor, _), make_optimizer) in FRAMEWORKS.items():
        model = models[name]()
        model.load_state_dict({k: tensor(v) for k, v in weights.items()})
        opt = make_optimizer(kind, model.parameters())
        inputs, target, loss_fn = tensor(x), tensor(y), losses[name]

        def step(model=model, opt=opt, inputs=inputs, target=target, loss_fn=loss_fn):
            opt.zero_grad()
            loss = loss_fn(model(inputs), target)
            loss.backward()
            opt.step()
            return loss

        def state(model=model):
            return {k: v.detach().numpy() for k, v in model.state_dict().items()}

        steps[framework] = (step, state)
    return steps


def check_same_trajectory(name, steps=3):
    """Run a few steps of each framework from the same start; weights must agree."""
    runs = make_steps(name)
    for step, _ in runs.values():
        for _ in range(steps):
            step()
    reference = runs["PyTorch"][1]()
    for framework in ("NumPy", "minigrad"):
        weights = runs[framework][1]()
        for key, expected in reference.items():
            np.testing.assert_allclose(weights[key], expected, rtol=2e-3, atol=2e-5,
                                       err_msg=f"{name}: {framework} differs from PyTorch at {key}")


def time_workload(name, rounds, warmup=3):
    """Per-round seconds per step of each framework, in a rotating order."""
    per_round = WORKLOADS[name][1]
    runs = {framework: step for framework, (step, _) in make_steps(name).items()}
    for step in runs.values():
        for _ in range(warmup):
            step()
    times = {framework: [] for framework in runs}
    order = list(runs)
    for round_index in range(rounds):
        for framework in order[round_index % 3:] + order[:round_index % 3]:
            step = runs[framework]
            start = time.perf_counter()
            for _ in range(per_round):
                step()
            times[framework].append((time.perf_counter() - start) / per_round)
    return {framework: np.array(values) for framework, values in times.items()}


def format_time(seconds):
    return f"{seconds * 1e3:8.3f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:8.1f} µs"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per workload")
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append",
                        help="run only this workload (may be repeated)")
    args = parser.parse_args()
    names = args.only or list(WORKLOADS)

    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads; NumPy "
          f"{np.__version__}, BLAS threads: {blas_threads or 'default'}; minigrad "
          f"{mg.__version__}; float32; median of {args.rounds} rounds")
    header = (f"{'workload':8s} {'minigrad':>11s} {'NumPy':>11s} {'PyTorch':>11s}   "
              f"{'mg/NumPy':>8s} {'mg/PyTorch':>10s}")
    for name in names:
        check_same_trajectory(name)
    print(header)
    print("-" * len(header))
    for name in names:
        times = time_workload(name, args.rounds)
        to_numpy = np.median(times["minigrad"] / times["NumPy"])
        to_torch = np.median(times["minigrad"] / times["PyTorch"])
        print(f"{name:8s} {format_time(np.median(times['minigrad']))} "
              f"{format_time(np.median(times['NumPy']))} {format_time(np.median(times['PyTorch']))}"
              f"   {to_numpy:7.2f}x {to_torch:9.2f}x")
    print()
    for name in names:
        print(f"{name:8s} {WORKLOADS[name][2]}")


if __name__ == "__main__":
    main()
