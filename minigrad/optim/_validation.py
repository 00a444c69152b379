"""Hyperparameter checks shared by the optimizers: each raises ``ValueError`` naming
the argument and the value, with PyTorch's wording."""


def check_lr(lr):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_eps(eps, name="epsilon value"):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid {name}: {eps}")


def check_weight_decay(weight_decay):
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def check_momentum(momentum, name="momentum value"):
    if not 0.0 <= momentum:
        raise ValueError(f"Invalid {name}: {momentum}")


def check_betas(betas):
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
