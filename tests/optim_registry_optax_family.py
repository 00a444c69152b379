"""Registry entries for the optimizers whose reference lives outside torch: Lion,
LARS, LAMB, AdaBelief and Lookahead (optax 0.2.8) and the schedule-free SGD and
AdamW (the ``schedulefree`` 1.4.1 package).

The optax references run with JAX in float64 (``jax_enable_x64``) on the CPU,
fed the same gradients: at each step the harness's gradients go in as optax's
``updates`` and ``optax.apply_updates`` moves the parameters. The hyperparameters
are minigrad's (torch-style) names, translated here to optax's. The
schedule-free references are the schedulefree torch classes on float64 tensors,
with ``.train()`` called before the first step (as the minigrad entries do in
``make``).

Lookahead's hyperparameter sets are flat: ``base`` names the wrapped optimizer
(``"SGD"``, ``"Adam"`` or ``"Lion"``), ``k`` and ``alpha`` are Lookahead's and
everything else goes to the base optimizer, so the harness can override ``lr``
or ``weight_decay`` per group.
"""

import numpy as np

import minigrad as mg
from optim_registry import (BETAS_ERRORS, EPS_ERRORS, LR_ERRORS, WEIGHT_DECAY_ERRORS, OptimInfo,
                            invalid)


def optax_reference(make_transform):
    """A reference running the optax transformation ``make_transform(hyper)``."""
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import jax.numpy as jnp
        transform, one_step = _compiled(make_transform, hyper)
        params = [jnp.asarray(p, dtype=jnp.float64) for p in init_params]
        state = transform.init(params)
        trajectory = []
        for step in range(steps):
            grads = grad_fn(step, [np.array(p) for p in params])
            params, state = one_step([jnp.asarray(g, dtype=jnp.float64) for g in grads], state,
                                     params)
            trajectory.append([np.array(p) for p in params])
        return trajectory
    return reference


def lookahead_reference(hyper, init_params, grad_fn, steps, loss_fn=None):
    """optax.lookahead around the optax twin of the base optimizer; gradients at the fast
    weights, the trajectory is the fast weights (what minigrad's parameters hold)."""
    import jax.numpy as jnp
    import optax
    transform, one_step = _compiled(_optax_lookahead, hyper)
    params = optax.LookaheadParams.init_synced(
        [jnp.asarray(p, dtype=jnp.float64) for p in init_params])
    state = transform.init(params)
    trajectory = []
    for step in range(steps):
        grads = grad_fn(step, [np.array(p) for p in params.fast])
        grads = [jnp.asarray(g, dtype=jnp.float64) for g in grads]
        params, state = one_step(grads, state, params)
        trajectory.append([np.array(p) for p in params.fast])
    return trajectory


_COMPILED = {}


def _compiled(make_transform, hyper):
    """``make_transform(hyper)`` and its update-and-apply step, jitted once per
    hyperparameter set (compiling takes seconds; the generic tests rerun the same sets)."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import optax
    key = (make_transform.__name__, repr(sorted(hyper.items())))
    if key not in _COMPILED:
        transform = make_transform(hyper)

        @jax.jit
        def one_step(grads, state, params):
            updates, state = transform.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        _COMPILED[key] = transform, one_step
    return _COMPILED[key]


def _optax_lookahead(hyper):
    import optax
    return optax.lookahead(_optax_base(hyper), sync_period=hyper.get("k", 5),
                           slow_step_size=hyper.get("alpha", 0.5))


def _optax_base(hyper):
    """The optax transformation equal to Lookahead's base optimizer (torch's L2 weight
    decay is add_decayed_weights before it)."""
    import optax
    base = hyper.get("base", "SGD")
    weight_decay = hyper.get("weight_decay", 0.0)
    if base == "SGD":
        momentum = hyper.get("momentum", 0.0)
        inner = optax.sgd(hyper.get("lr", 1e-3), momentum=momentum or None,
                          nesterov=hyper.get("nesterov", False))
    elif base == "Adam":
        beta1, beta2 = hyper.get("betas", (0.9, 0.999))
        inner = optax.adam(hyper.get("lr", 1e-3), b1=beta1, b2=beta2, eps=hyper.get("eps", 1e-8))
    elif base == "Lion":
        beta1, beta2 = hyper.get("betas", (0.9, 0.99))
        return optax.lion(hyper.get("lr", 1e-4), b1=beta1, b2=beta2,
                          weight_decay=hyper.get("weight_decay", 1e-3))
    else:
        raise ValueError(f"no optax twin for base {base!r}")
    return optax.chain(optax.add_decayed_weights(weight_decay), inner) if weight_decay else inner


def make_lookahead(params, hyper):
    base_kwargs = {k: v for k, v in hyper.items() if k not in ("base", "k", "alpha")}
    base = getattr(mg.optim, hyper.get("base", "SGD"))(params, **base_kwargs)
    lookahead_kwargs = {k: hyper[k] for k in ("k", "alpha") if k in hyper}
    return mg.optim.Lookahead(base, **lookahead_kwargs)


def lion(hyper):
    import optax
    beta1, beta2 = hyper.get("betas", (0.9, 0.99))
    return optax.lion(hyper.get("lr", 1e-4), b1=beta1, b2=beta2,
                      weight_decay=hyper.get("weight_decay", 1e-3))


def lars(hyper):
    import optax
    return optax.lars(hyper.get("lr", 1e-3), weight_decay=hyper.get("weight_decay", 0.0),
                      trust_coefficient=hyper.get("trust_coefficient", 1e-3),
                      eps=hyper.get("eps", 0.0), trust_ratio_mask=hyper.get("trust_ratio", True),
                      momentum=hyper.get("momentum", 0.9), nesterov=hyper.get("nesterov", False))


def lamb(hyper):
    import optax
    beta1, beta2 = hyper.get("betas", (0.9, 0.999))
    return optax.lamb(hyper.get("lr", 1e-3), b1=beta1, b2=beta2, eps=hyper.get("eps", 1e-6),
                      weight_decay=hyper.get("weight_decay", 0.0))


def adabelief(hyper):
    import optax
    lr = hyper.get("lr", 1e-3)
    beta1, beta2 = hyper.get("betas", (0.9, 0.999))
    eps, eps_root = hyper.get("eps", 1e-16), hyper.get("eps_root", 1e-16)
    weight_decay = hyper.get("weight_decay", 0.0)
    if hyper.get("decoupled_weight_decay", False):
        return optax.chain(optax.scale_by_belief(beta1, beta2, eps, eps_root),
                           optax.add_decayed_weights(weight_decay),
                           optax.scale_by_learning_rate(lr))
    return optax.chain(optax.add_decayed_weights(weight_decay),
                       optax.adabelief(lr, beta1, beta2, eps, eps_root))


def schedulefree_reference(name):
    """schedulefree's ``name`` class on float64 torch tensors, put in train mode first."""
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import schedulefree
        import torch
        params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in init_params]
        optimizer = getattr(schedulefree, name)(params, **hyper)
        optimizer.train()
        trajectory = []
        for step in range(steps):
            grads = grad_fn(step, [p.detach().numpy().copy() for p in params])
            for param, grad in zip(params, grads):
                param.grad = torch.tensor(grad, dtype=torch.float64)
            optimizer.step()
            trajectory.append([p.detach().numpy().copy() for p in params])
        return trajectory
    return reference


def make_in_train_mode(cls):
    def make(params, hyper):
        optimizer = cls(params, **hyper)
        optimizer.train()
        return optimizer
    return make


SCHEDULE_ERRORS = [
    ({"warmup_steps": -1}, invalid("Invalid warmup_steps value: -1")),
    ({"weight_lr_power": -1.0}, invalid("Invalid weight_lr_power value: -1.0")),
]


INFOS = [
    OptimInfo(
        name="Lion", cls=mg.optim.Lion, reference=optax_reference(lion),
        hyper_sets=[
            {},
            {"lr": 1e-3, "weight_decay": 0.0},
            {"lr": 3e-3, "betas": (0.8, 0.95), "weight_decay": 0.1},
            {"lr": 1e-3, "betas": (0.0, 0.5), "weight_decay": 1.0},
        ],
        error_inputs=LR_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    OptimInfo(
        name="LARS", cls=mg.optim.LARS, reference=optax_reference(lars),
        hyper_sets=[
            {},
            {"lr": 10.0, "weight_decay": 0.01},
            {"lr": 5.0, "momentum": 0.8, "nesterov": True, "trust_coefficient": 0.01,
             "eps": 1e-8},
            {"lr": 0.1, "momentum": 0.0, "trust_ratio": False, "weight_decay": 0.1},
            {"lr": 0.05, "momentum": 0.5, "trust_ratio": False, "nesterov": True},
        ],
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + [
            ({"momentum": -0.5}, invalid("Invalid momentum value: -0.5")),
            ({"trust_coefficient": -1.0}, invalid("Invalid trust_coefficient value: -1.0")),
            ({"momentum": 0.0, "nesterov": True}, "Nesterov momentum requires a momentum"),
        ]),
    OptimInfo(
        name="LAMB", cls=mg.optim.LAMB, reference=optax_reference(lamb),
        hyper_sets=[
            {},
            {"lr": 0.01, "weight_decay": 0.1},
            {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-8, "weight_decay": 0.01},
        ],
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS),
    OptimInfo(
        name="AdaBelief", cls=mg.optim.AdaBelief, reference=optax_reference(adabelief),
        hyper_sets=[
            {},
            {"lr": 0.01, "eps": 1e-8, "eps_root": 0.0},
            {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1},
            {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True,
             "eps_root": 1e-6},
        ],
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS + [
            ({"eps_root": -1.0}, invalid("Invalid eps_root value: -1.0")),
        ]),
    OptimInfo(
        name="Lookahead", cls=mg.optim.Lookahead, reference=lookahead_reference,
        make=make_lookahead,
        hyper_sets=[
            {"lr": 0.05},
            {"base": "SGD", "lr": 0.05, "momentum": 0.9, "k": 3, "alpha": 0.8},
            {"base": "SGD", "lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
            {"base": "Adam", "lr": 0.01},
            {"base": "Adam", "lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "k": 7,
             "alpha": 0.3},
            {"base": "Lion", "lr": 1e-3, "weight_decay": 0.0, "k": 4, "alpha": 1.0},
        ],
        error_inputs=[
            ({"k": 0}, invalid("Invalid k value: 0")),
            ({"k": 2.5}, invalid("Invalid k value: 2.5")),
            ({"alpha": 1.5}, invalid("Invalid alpha value: 1.5")),
            ({"alpha": -0.1}, invalid("Invalid alpha value: -0.1")),
        ]),
    OptimInfo(
        name="SGDScheduleFree", cls=mg.optim.SGDScheduleFree,
        reference=schedulefree_reference("SGDScheduleFree"),
        make=make_in_train_mode(mg.optim.SGDScheduleFree),
        hyper_sets=[
            {"lr": 0.1},
            {"lr": 0.2, "momentum": 0.8, "weight_decay": 0.05},
            {"lr": 0.5, "warmup_steps": 10, "r": 1.0, "weight_lr_power": 1.0},
            {"lr": 0.1, "momentum": 0.5, "warmup_steps": 5, "weight_decay": 0.01},
        ],
        error_inputs=LR_ERRORS + WEIGHT_DECAY_ERRORS + SCHEDULE_ERRORS + [
            ({"momentum": 0.0}, invalid("Momentum must be between 0 and 1 exclusive: 0.0")),
            ({"momentum": 1.0}, invalid("Momentum must be between 0 and 1 exclusive: 1.0")),
        ]),
    OptimInfo(
        name="AdamWScheduleFree", cls=mg.optim.AdamWScheduleFree,
        reference=schedulefree_reference("AdamWScheduleFree"),
        make=make_in_train_mode(mg.optim.AdamWScheduleFree),
        hyper_sets=[
            {},
            {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1},
            {"lr": 0.02, "warmup_steps": 20, "r": 0.5, "weight_lr_power": 0.0, "eps": 1e-6},
            {"lr": 0.01, "betas": (0.95, 0.9), "warmup_steps": 3, "weight_decay": 0.01},
        ],
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS
        + SCHEDULE_ERRORS + [
            ({"betas": (0.0, 0.999)}, invalid("Invalid beta parameter at index 0: 0.0")),
        ]),
]
