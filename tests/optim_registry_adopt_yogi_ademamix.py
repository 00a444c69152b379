"""Registry entries for ADOPT, Yogi and AdEMAMix, and for Lion's ``cautious=True``,
whose reference is pytorch-optimizer 4.1.0 (``pytorch_optimizer``) on torch float64
tensors, fed the same gradients.

The hyperparameter names are pytorch-optimizer's, so the sets go to both classes
unchanged. Lion is minigrad's optax-style Lion, whose defaults differ from
pytorch-optimizer's (weight_decay 1e-3 here, 0 there): its reference fills in
minigrad's default weight decay, and pytorch-optimizer's Lion runs with its default
decoupled, lr-scaled decay, which is optax's θ ← θ − γ(u + λθ).

Edge cases: β₁ = 0; no clipping and a large ε (ADOPT); m and v starting at 0 or 0.5
(Yogi); β₃ = 1, α = 0, a warm-up shorter than the run and one of fractional length
(AdEMAMix); L2, decoupled and fixed decay; maximize; cautious on and off. The sets
with ``cautious=True`` come last, so that the generic tests that use the last set
(devices, state_dict) run the per-parameter path; the test of parameters larger than
a slice takes the last set that runs on the fast path.
"""
import minigrad as mg
from optim_registry import (BETAS_ERRORS, EPS_ERRORS, LR_ERRORS, WEIGHT_DECAY_ERRORS, OptimInfo,
                            invalid, torch_reference)


def pytorch_optimizer_reference(class_name, minigrad_defaults=None):
    """A reference running ``pytorch_optimizer.<class_name>`` in float64; ``minigrad_defaults``
    are passed where the hyperparameter set leaves them out and minigrad's default differs."""
    def reference(hyper, init_params, grad_fn, steps, loss_fn=None):
        import pytorch_optimizer
        run = torch_reference(getattr(pytorch_optimizer, class_name))
        return run({**(minigrad_defaults or {}), **hyper}, init_params, grad_fn, steps)
    return reference


ADEMAMIX_BETAS_ERRORS = [
    ({"betas": (1.0, 0.999, 0.9999)}, invalid("Invalid beta parameter at index 0: 1.0")),
    ({"betas": (0.9, -0.1, 0.9999)}, invalid("Invalid beta parameter at index 1: -0.1")),
    ({"betas": (0.9, 0.999, 1.5)}, invalid("Invalid beta parameter at index 2: 1.5")),
    ({"betas": (0.9, 0.999)}, invalid("betas must be three numbers (beta1, beta2, beta3)")),
]

INFOS = [
    OptimInfo(
        name="ADOPT",
        cls=mg.optim.ADOPT,
        hyper_sets=[
            {"lr": 0.01},
            {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1, "weight_decouple": True},
            {"lr": 0.02, "betas": (0.0, 0.5), "clip_lambda": None, "eps": 1e-3,
             "maximize": True},
            {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True},
            {"lr": 0.01, "weight_decay": 0.05, "cautious": True},
            {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1, "weight_decouple": True,
             "maximize": True, "cautious": True},
        ],
        reference=pytorch_optimizer_reference("ADOPT"),
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS,
    ),
    OptimInfo(
        name="Yogi",
        cls=mg.optim.Yogi,
        hyper_sets=[
            {"lr": 0.05},
            {"lr": 0.05, "betas": (0.8, 0.99), "initial_accumulator": 0.0, "eps": 1e-6},
            {"lr": 0.05, "weight_decay": 0.1},
            {"lr": 0.05, "betas": (0.0, 0.9), "weight_decay": 0.05, "weight_decouple": False,
             "maximize": True},
            {"lr": 0.05, "weight_decay": 0.1, "fixed_decay": True, "initial_accumulator": 0.5},
        ],
        reference=pytorch_optimizer_reference("Yogi"),
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + BETAS_ERRORS + [
            ({"initial_accumulator": -1e-6}, invalid("Invalid initial_accumulator value: -1e-06")),
        ],
        # m starts at initial_accumulator (1e-6), not 0: a zero gradient still moves θ.
        zero_grad_is_identity=False,
    ),
    OptimInfo(
        name="AdEMAMix",
        cls=mg.optim.AdEMAMix,
        hyper_sets=[
            {"lr": 0.01},
            {"lr": 0.01, "betas": (0.9, 0.999, 0.999), "alpha": 8.0, "t_alpha_beta3": 50},
            {"lr": 0.01, "weight_decay": 0.05, "maximize": True, "t_alpha_beta3": 20.5},
            {"lr": 0.02, "betas": (0.0, 0.9, 0.99), "weight_decay": 0.1, "weight_decouple": True,
             "fixed_decay": True, "eps": 1e-6},
            {"lr": 0.01, "betas": (0.5, 0.9, 1.0), "alpha": 0.0, "t_alpha_beta3": 30,
             "cautious": True},
            {"lr": 0.01, "weight_decay": 0.1, "weight_decouple": True, "t_alpha_beta3": 40,
             "cautious": True},
        ],
        reference=pytorch_optimizer_reference("AdEMAMix"),
        error_inputs=LR_ERRORS + EPS_ERRORS + WEIGHT_DECAY_ERRORS + ADEMAMIX_BETAS_ERRORS + [
            ({"alpha": -1.0}, invalid("Invalid alpha value: -1.0")),
            ({"t_alpha_beta3": 0}, invalid("Invalid t_alpha_beta3 value: 0")),
            ({"betas": (0.0, 0.999, 0.9999), "t_alpha_beta3": 10},
             invalid("the warm-up of beta3 (t_alpha_beta3=10) takes the logarithms")),
        ],
    ),
    OptimInfo(
        name="Lion-cautious",
        cls=mg.optim.Lion,
        hyper_sets=[
            {"lr": 0.01, "betas": (0.0, 0.5), "weight_decay": 0.0},
            {"lr": 0.01, "weight_decay": 0.0, "cautious": True},
            {"lr": 0.003, "cautious": True},
            {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.1, "cautious": True},
        ],
        reference=pytorch_optimizer_reference("Lion", minigrad_defaults={"weight_decay": 1e-3}),
    ),
]
