"""Every optimizer refuses a hyperparameter of the wrong kind or out of range with an
error that names the argument: a string where a number goes, a float where a tuple
goes, a negative number. (``Adam(betas=0.9)`` used to say ``object of type 'float' has
no len()``, ``SGD(momentum='abc')`` ``'<=' not supported between ...``, and
``Adam(amsgrad='no')`` silently switched AMSGrad on.)"""
import inspect

import pytest

import minigrad as mg
from minigrad.cli.options import optimizer_classes

# Words PyTorch's messages use for an argument instead of its name.
SPOKEN_AS = {"lr": ("learning rate",), "eps": ("epsilon",), "weight_decay": ("weight decay",),
             "betas": ("beta",), "etas": ("eta",), "ns_coefficients": ("coefficients",),
             "ns_steps": ("number of steps",), "adjust_lr_fn": ("adjust learning rate function",),
             "d": ("threshold d",), "k": ("k value",)}


def build(cls, **hyperparameters):
    params = [mg.nn.Parameter(mg.zeros(3, 2))]
    if cls is mg.optim.Lookahead:
        return cls(mg.optim.SGD(params, lr=0.1), **hyperparameters)
    if cls is mg.optim.SAM:
        return cls(params, mg.optim.SGD, lr=0.1, **hyperparameters)
    return cls(params, **hyperparameters)


# Arguments whose default is None but whose value is otherwise a real number (a length in
# steps that may be fractional, as pytorch-optimizer's AdEMAMix takes it).
REAL_OR_NONE = {"t_alpha_beta3"}


def wrong_values(argument, default):
    """Values of the wrong kind for a hyperparameter with this default."""
    if isinstance(default, tuple):
        return [0.9, "abc", (0.5,) * (len(default) + 1), ("abc",) * len(default)]
    if isinstance(default, (bool, int, float)):
        return ["abc", None, (0.1, 0.2)]
    if argument in REAL_OR_NONE:
        return ["abc", (0.1, 0.2)]
    return ["abc", 3.5]  # None default: a name (line_search_fn, adjust_lr_fn) or a count


def wrong_arguments(cls):
    """(argument, value) for every hyperparameter of ``cls`` and each wrong value for it."""
    for argument, parameter in inspect.signature(cls).parameters.items():
        if argument in ("params", "base_optimizer") or parameter.kind is parameter.VAR_KEYWORD:
            continue
        default = parameter.default
        for value in wrong_values(argument, default):
            if value is None and argument in getattr(cls, "accepts_none", ()):
                continue  # None means something (Prodigy's eps=None: the atan2 form)
            yield argument, value
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            yield argument, -1.5


def names_the_argument(message, argument):
    message = message.lower()
    return argument in message or any(word in message for word in SPOKEN_AS.get(argument, ()))


def check_refused_by_name(cls, argument, value):
    try:
        optimizer = build(cls, **{argument: value})
    except (TypeError, ValueError) as error:
        assert names_the_argument(str(error), argument), f"{type(error).__name__}: {error}"
        assert "not supported between" not in str(error) and "has no len" not in str(error)
        return
    # Accepted: only a negative number may be (PyTorch accepts e.g. ASGD's lambd < 0).
    assert value == -1.5, f"{cls.__name__}({argument}={value!r}) was accepted: {optimizer}"


@pytest.mark.parametrize("cls", [pytest.param(cls, id=name)
                                 for name, cls in sorted(optimizer_classes().items())])
def test_a_wrong_hyperparameter_is_refused_by_name(cls):
    """Every hyperparameter with each wrong value, in one test per optimizer (a case costs
    less than pytest's own handling of a test); every case that fails is named."""
    failures = []
    for argument, value in wrong_arguments(cls):
        try:
            check_refused_by_name(cls, argument, value)
        except AssertionError as error:
            failures.append(f"{argument}={value!r}: {error}")
    assert not failures, "\n".join(failures)


def test_adam_betas_a_float_says_it_must_be_a_pair():
    with pytest.raises(TypeError, match=r"^betas must be a pair of floats \(beta1, beta2\) in "
                                        r"\[0, 1\), got 0.9 \(float\)$"):
        mg.optim.Adam([mg.nn.Parameter(mg.zeros(2))], betas=0.9)


def test_a_string_flag_is_not_taken_as_true():
    with pytest.raises(TypeError, match="^amsgrad must be True or False, got 'no'"):
        mg.optim.Adam([mg.nn.Parameter(mg.zeros(2))], amsgrad="no")


def test_numbers_of_every_python_and_numpy_kind_and_a_tensor_lr_are_accepted():
    import numpy as np
    params = [mg.nn.Parameter(mg.zeros(2))]
    optimizer = mg.optim.Adam(params, lr=np.float32(0.01), betas=[0.8, np.float64(0.99)],
                              eps=1, amsgrad=np.bool_(True))
    assert optimizer.defaults["amsgrad"]
    mg.optim.SGD(params, lr=mg.tensor(0.1))
