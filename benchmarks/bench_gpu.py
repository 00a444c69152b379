"""GPU training steps: minigrad (CuPy) against PyTorch CUDA on the same device.

Three workloads, each timed as a full step with the device synchronised before
the clock stops, interleaved round by round with PyTorch, medians reported:

    mlp    MLP 1024-4096-4096-10, ReLU, cross-entropy, batch 4096, Adam, float32
    lstm   LSTM (input 256, hidden 1024) over 100 steps, batch 256, MSE on a
           linear readout of the last hidden state, Adam
    adam   one Adam step on 100 million float32 parameters in 200 tensors, against
           the memory floor: the bytes Adam must move (read p, g, m, v; write p, m, v)
           divided by the device-to-device copy bandwidth measured in the same run
           (CUDA events around 50 back-to-back copies)

PyTorch runs with TF32 off (``allow_tf32 = False`` for matmul and cuDNN), at the
float32 precision of CuPy's matrix products.

Targets (docs/performance.md, "On a GPU"): MLP within 1.2x PyTorch, LSTM within 2x,
the Adam step within 1.3x the floor.

    python benchmarks/bench_gpu.py                       # on cuda
    python benchmarks/bench_gpu.py --device cpu --scale 0.01 --rounds 2   # smoke run

``--scale`` multiplies every size (batch, widths, sequence length, parameter
count) so the script can be checked quickly on the CPU, where it compares with
PyTorch CPU instead.
"""
import argparse
import statistics
import time

import numpy as np

import minigrad as mg


def scaled(value, scale, minimum=1):
    return max(minimum, int(round(value * scale)))


def synchronizer(device):
    import torch
    backend = mg.backend.get_backend(device)

    def sync():
        backend.synchronize()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    return sync


def torch_device(device):
    return "cuda" if device.startswith("cuda") else "cpu"


def mlp_steps(device, scale):
    import torch
    batch, width, n_in = scaled(4096, scale, 8), scaled(4096, scale, 8), scaled(1024, scale, 8)
    sizes = [n_in, width, width, 10]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.integers(0, 10, batch)

    def build(nn, tensor):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])

    model = build(mg.nn, mg.tensor).to(device)
    twin = build(torch.nn, torch.tensor).to(torch_device(device))
    twin.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()})
    mx, my = mg.tensor(x, device=device), mg.tensor(y, device=device)
    tx, ty = torch.tensor(x, device=torch_device(device)), torch.tensor(y, device=torch_device(device))
    mopt, topt = mg.optim.Adam(model.parameters()), torch.optim.Adam(twin.parameters())

    def ours():
        mopt.zero_grad()
        mg.nn.functional.cross_entropy(model(mx), my).backward()
        mopt.step()

    def theirs():
        topt.zero_grad()
        torch.nn.functional.cross_entropy(twin(tx), ty).backward()
        topt.step()
    return ours, theirs, f"MLP {'-'.join(map(str, sizes))}, batch {batch}, Adam"


def lstm_steps(device, scale):
    import torch
    length, batch = scaled(100, scale, 2), scaled(256, scale, 2)
    n_in, hidden = scaled(256, scale, 4), scaled(1024, scale, 4)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((length, batch, n_in)).astype(np.float32)
    target = rng.standard_normal((batch, 1)).astype(np.float32)
    lstm, readout = mg.nn.LSTM(n_in, hidden).to(device), mg.nn.Linear(hidden, 1).to(device)
    tlstm = torch.nn.LSTM(n_in, hidden).to(torch_device(device))
    treadout = torch.nn.Linear(hidden, 1).to(torch_device(device))
    for ours, theirs in ((lstm, tlstm), (readout, treadout)):
        theirs.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()})
    mx, mt = mg.tensor(x, device=device), mg.tensor(target, device=device)
    tx = torch.tensor(x, device=torch_device(device))
    tt = torch.tensor(target, device=torch_device(device))
    mopt = mg.optim.Adam(list(lstm.parameters()) + list(readout.parameters()))
    topt = torch.optim.Adam(list(tlstm.parameters()) + list(treadout.parameters()))

    def ours():
        mopt.zero_grad()
        _, (h, _) = lstm(mx)
        mg.nn.functional.mse_loss(readout(h[-1]), mt).backward()
        mopt.step()

    def theirs():
        topt.zero_grad()
        _, (h, _) = tlstm(tx)
        torch.nn.functional.mse_loss(treadout(h[-1]), tt).backward()
        topt.step()
    return ours, theirs, f"LSTM seq {length}, batch {batch}, in {n_in}, hidden {hidden}, Adam"


def adam_steps(device, scale):
    import torch
    total, count = scaled(100_000_000, scale, 400), 200
    sizes = np.full(count, total // count)
    sizes[: total % count] += 1
    rng = np.random.default_rng(0)
    params = [mg.tensor(rng.standard_normal(int(n)).astype(np.float32), device=device,
                        requires_grad=True) for n in sizes]
    for p in params:
        p.grad = mg.tensor(rng.standard_normal(p.shape).astype(np.float32), device=device)
    twins = [torch.tensor(p.detach().numpy(), device=torch_device(device), requires_grad=True)
             for p in params]
    for t, p in zip(twins, params):
        t.grad = torch.tensor(p.grad.detach().numpy(), device=torch_device(device))
    mopt, topt = mg.optim.Adam(params), torch.optim.Adam(twins, foreach=True)
    return mopt.step, topt.step, f"Adam step, {int(sizes.sum()):,} parameters in {count} tensors"


def copy_bandwidth(device, n_bytes, sync, copies=50, repeats=3):
    """Bytes read plus written per second by device-to-device copies of ``n_bytes``: the
    best of ``repeats`` runs of ``copies`` back-to-back copies, timed on a GPU by CUDA
    events recorded in the stream around them (one ~0.2 ms copy timed on the host clock
    would count the launch and synchronisation too, and under-measure the bandwidth)."""
    backend = mg.backend.get_backend(device)
    xp = backend.xp
    source = xp.ones(n_bytes // 4, dtype=xp.float32)
    target = xp.empty_like(source)
    target[...] = source  # warm-up: pages touched, the copy kernel loaded
    best = float("inf")
    for _ in range(repeats):
        sync()
        if device.startswith("cuda"):
            start, stop = xp.cuda.Event(), xp.cuda.Event()
            start.record()
            for _ in range(copies):
                target[...] = source
            stop.record()
            stop.synchronize()
            seconds = xp.cuda.get_elapsed_time(start, stop) / 1e3
        else:  # the smoke run on the CPU: the host clock around the same copies
            begin = time.perf_counter()
            for _ in range(copies):
                target[...] = source
            sync()
            seconds = time.perf_counter() - begin
        best = min(best, seconds / copies)
    return 2 * n_bytes / best


def timed(step, sync):
    sync()
    start = time.perf_counter()
    step()
    sync()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", choices=["mlp", "lstm", "adam"], action="append")
    args = parser.parse_args(argv)
    import torch
    # PyTorch at the precision CuPy computes in: float32 matrix products and convolutions,
    # not TF32 (PyTorch's cuDNN default), so both sides do the same arithmetic.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if args.device.startswith("cuda") and not mg.cuda.is_available():
        parser.error("CUDA is not available here (use --device cpu for a smoke run)")
    sync = synchronizer(args.device)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else args.device
    print(f"device: {name}; torch {torch.__version__}; median of {args.rounds} rounds")
    print(f"{'workload':<62} {'minigrad':>10} {'PyTorch':>10} {'ratio':>7}")
    makers = {"mlp": mlp_steps, "lstm": lstm_steps, "adam": adam_steps}
    for key in args.only or list(makers):
        ours, theirs, label = makers[key](args.device, args.scale)
        for _ in range(2):  # warm-up: state, kernels compiled, allocator pools
            timed(ours, sync)
            timed(theirs, sync)
        ours_t, theirs_t, ratios = [], [], []
        for _ in range(args.rounds):
            ours_t.append(timed(ours, sync))
            theirs_t.append(timed(theirs, sync))
            ratios.append(ours_t[-1] / theirs_t[-1])
        mine, other = statistics.median(ours_t), statistics.median(theirs_t)
        print(f"{label:<62} {mine * 1e3:9.2f}ms {other * 1e3:9.2f}ms "
              f"{statistics.median(ratios):6.2f}x")
        if key == "adam":
            n = scaled(100_000_000, args.scale, 400)
            bandwidth = copy_bandwidth(args.device, 4 * n, sync)
            floor = 7 * 4 * n / bandwidth
            print(f"{'  Adam floor (7 arrays / copy bandwidth ' + f'{bandwidth / 1e9:.0f} GB/s)':<62}"
                  f" {floor * 1e3:9.2f}ms {'':>10} {mine / floor:6.2f}x of the floor")


if __name__ == "__main__":
    main()
