"""mg.compile against the eager step on random training loops: random small models,
optimizers, schedulers, gradient clipping, mixed precision (autocast and a GradScaler), ways
of resetting the gradients, and
changes between steps that a replay must follow (the learning rate set by hand,
eval mode, a dropout's p, a frozen layer, a new batch size, a parameter replaced).
Two copies of the same model run the same loop, one compiled; every loss and, at
the end, every parameter and gradient must be equal bit for bit (float64, or
float32 under autocast).
Deterministic: hypothesis runs the same loops on every run."""
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import minigrad as mg
from minigrad import nn

SETTINGS = dict(derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
BLOCKS = ["tanh", "relu", "dropout", "batchnorm", "layernorm"]
OPTIMIZERS = {
    "SGD": lambda p: mg.optim.SGD(p, lr=0.05),
    "SGD nesterov": lambda p: mg.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "Adam": lambda p: mg.optim.Adam(p, lr=0.01),
    "AdamW amsgrad": lambda p: mg.optim.AdamW(p, lr=0.01, amsgrad=True),
    "RMSprop": lambda p: mg.optim.RMSprop(p, lr=0.01, momentum=0.5),
    "Adagrad": lambda p: mg.optim.Adagrad(p, lr=0.05),
}
SCHEDULERS = {
    None: None,
    "StepLR": lambda o: mg.optim.lr_scheduler.StepLR(o, 2, 0.5),
    "CosineAnnealingLR": lambda o: mg.optim.lr_scheduler.CosineAnnealingLR(o, 5),
}
RESETS = ["optimizer.zero_grad()", "model.zero_grad()", "p.grad = None",
          "optimizer.zero_grad(set_to_none=False)"]
EVENTS = ["nothing", "lr by hand", "eval", "train", "dropout p", "freeze", "unfreeze",
          "batch of 5", "weight replaced"]


def _model(blocks):
    layers, width = [], 3
    for block in blocks:
        layers.append(nn.Linear(width, 6))
        width = 6
        layers.append({"tanh": nn.Tanh, "relu": nn.ReLU, "dropout": lambda: nn.Dropout(0.3),
                       "batchnorm": lambda: nn.BatchNorm1d(6),
                       "layernorm": lambda: nn.LayerNorm(6)}[block]())
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers).double()


def _loop(blocks, optimizer_name, scheduler_name, clip, reset, amp):
    """A model, its optimizer, and the training step written as a user would (with
    ``amp``: float32, autocast to float16 and a GradScaler)."""
    mg.manual_seed(0)
    model = _model(blocks)
    if amp:
        model = model.float()
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    make_scheduler = SCHEDULERS[scheduler_name]
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    scaler = mg.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2, enabled=amp)

    def step(x, y):
        if reset == "optimizer.zero_grad()":
            optimizer.zero_grad()
        elif reset == "model.zero_grad()":
            model.zero_grad()
        elif reset == "p.grad = None":
            for p in model.parameters():
                p.grad = None
        with mg.autocast("cpu", dtype=mg.float16, enabled=amp):
            loss = ((model(x.to(model[0].weight.dtype)) - y.to(model[0].weight.dtype)) ** 2).mean()
        scaler.scale(loss).backward()
        if clip is not None:
            scaler.unscale_(optimizer)
        if clip == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        elif clip == "value":
            nn.utils.clip_grad_value_(model.parameters(), 0.1)
        scaler.step(optimizer)
        scaler.update()
        if reset == "optimizer.zero_grad(set_to_none=False)":
            optimizer.zero_grad(set_to_none=False)
        if scheduler is not None:
            scheduler.step()
        return loss
    return model, optimizer, step


def _apply(event, model, optimizer, step_number):
    """The same change, between two steps, on either copy."""
    if event == "lr by hand":
        for group in optimizer.param_groups:
            group["lr"] = group["lr"] * 0.5
    elif event == "eval":
        model.eval()
    elif event == "train":
        model.train()
    elif event == "dropout p":
        for module in model.modules():
            if isinstance(module, nn.Dropout):
                module.p = 0.1 * (step_number % 3)
    elif event == "freeze":
        model[0].requires_grad_(False)
    elif event == "unfreeze":
        model[0].requires_grad_(True)
    elif event == "weight replaced":
        with mg.no_grad():  # a new Parameter object, same values: the optimizer keeps the old
            model[-1].weight = nn.Parameter(model[-1].weight.detach().clone())


@settings(max_examples=30, **SETTINGS)
@given(blocks=st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=3),
       optimizer_name=st.sampled_from(sorted(OPTIMIZERS)),
       scheduler_name=st.sampled_from([None, "StepLR", "CosineAnnealingLR"]),
       clip=st.sampled_from([None, "norm", "value"]),
       reset=st.sampled_from(RESETS),
       events=st.lists(st.sampled_from(EVENTS), min_size=6, max_size=6),
       amp=st.booleans())
def test_a_compiled_training_loop_follows_the_eager_one_bit_for_bit(
        blocks, optimizer_name, scheduler_name, clip, reset, events, amp):
    rng = np.random.default_rng(len(events))
    data = mg.tensor(rng.normal(size=(8, 3))), mg.tensor(rng.normal(size=(8, 1)))
    eager_model, eager_optimizer, eager_step = _loop(blocks, optimizer_name, scheduler_name,
                                                     clip, reset, amp)
    model, optimizer, step = _loop(blocks, optimizer_name, scheduler_name, clip, reset, amp)
    compiled = mg.compile(step)
    batch = 8
    for number, event in enumerate(events):
        if event == "batch of 5":
            batch = 5 if batch == 8 else 8
        _apply(event, eager_model, eager_optimizer, number)
        _apply(event, model, optimizer, number)
        x, y = data[0][:batch], data[1][:batch]
        for _ in range(2):  # each state twice: the second call replays
            mg.manual_seed(number)
            expected = eager_step(x, y)
            mg.manual_seed(number)
            got = compiled(x, y)
            assert got.item() == expected.item() or (np.isnan(got.item())
                                                     and np.isnan(expected.item())), event
    for a, b in zip(eager_model.parameters(), model.parameters(), strict=True):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            assert a.grad.numpy().tobytes() == b.grad.numpy().tobytes()
    assert compiled.records < 2 * len(events)  # (the second call of each state replays)
