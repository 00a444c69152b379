"""Adam → SGD mid-training (the tutorials' recipe): parameters carry over and training
continues; the switch equals doing it by hand."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def spirals_model(seed=0):
    mg.manual_seed(seed)
    return mg.nn.Sequential(mg.nn.Linear(2, 32), mg.nn.Tanh(), mg.nn.Linear(32, 32),
                            mg.nn.Tanh(), mg.nn.Linear(32, 2))


def train(model, optimizer, x, y, steps):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_adam_then_sgd_keeps_the_loss_falling_and_equals_switching_by_hand():
    x, y = mg.data.make_spirals(200, noise=0.1, seed=0)
    model = spirals_model()
    first = mg.optim.Adam(model.parameters(), lr=0.02)
    second = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    optimizer = mg.optim.SwitchOptimizer(first, second, switch_at=150)
    losses = train(model, optimizer, x, y, 300)
    assert optimizer.current is second
    at_switch = np.mean(losses[140:150])
    assert np.mean(losses[-10:]) < 0.8 * at_switch, "training continued after the switch"
    accuracy = (model(x).argmax(1).detach().numpy() == y.detach().numpy()).mean()
    assert accuracy >= 0.9

    by_hand = spirals_model()
    manual = train(by_hand, mg.optim.Adam(by_hand.parameters(), lr=0.02), x, y, 150)
    manual += train(by_hand, mg.optim.SGD(by_hand.parameters(), lr=0.1, momentum=0.9), x, y, 150)
    np.testing.assert_allclose(losses, manual, rtol=1e-6)


def test_schedulers_and_state_dict_follow_the_optimizer_in_charge():
    param = mg.tensor([1.0, -2.0], requires_grad=True)
    first, second = mg.optim.Adam([param], lr=0.1), mg.optim.SGD([param], lr=0.5)
    optimizer = mg.optim.SwitchOptimizer(first, second, switch_at=2)
    assert optimizer.param_groups is first.param_groups
    for _ in range(3):
        param.grad = mg.tensor([1.0, 1.0])
        optimizer.step()
    assert optimizer.param_groups is second.param_groups
    saved = optimizer.state_dict()
    other_param = mg.tensor(param.detach().numpy(), requires_grad=True)
    other = mg.optim.SwitchOptimizer(mg.optim.Adam([other_param], lr=0.1),
                                     mg.optim.SGD([other_param], lr=0.5), switch_at=2)
    other.load_state_dict(saved)
    assert other.steps_taken == 3 and other.current is other.second


def test_bad_arguments_are_refused_by_message():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="same parameters"):
        mg.optim.SwitchOptimizer(mg.optim.Adam([a]), mg.optim.SGD([b]), 5)
    with pytest.raises(ValueError, match="switch_at"):
        mg.optim.SwitchOptimizer(mg.optim.Adam([a]), mg.optim.SGD([a]), -1)
    with pytest.raises(TypeError, match="minigrad optimizer"):
        mg.optim.SwitchOptimizer("adam", mg.optim.SGD([a]), 5)
