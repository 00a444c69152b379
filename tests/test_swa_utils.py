"""``mg.optim.swa_utils`` against ``torch.optim.swa_utils``: the averaged weights and
buffers after every update, SWALR's learning rates, and update_bn's statistics
(float64, the same weights on both sides)."""
import numpy as np
import pytest
import torch
from torch.optim import swa_utils as torch_swa

import minigrad as mg
from minigrad.optim import lr_scheduler as mg_sched
from minigrad.optim import swa_utils as mg_swa

RTOL = 1e-9


def twin_models(with_batch_norm=False, device="cpu"):
    """The same float64 network in torch and in minigrad (Linear, or Linear-BN-Tanh-Linear)."""
    torch.manual_seed(0)
    if with_batch_norm:
        theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                     torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
        ours = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.BatchNorm1d(4), mg.nn.Tanh(),
                                mg.nn.Linear(4, 2)).double()
    else:
        theirs, ours = torch.nn.Linear(3, 2).double(), mg.nn.Linear(3, 2).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return theirs, ours.to(device)


def perturb(theirs, ours, rng):
    """Move both models' weights to the same new values (one 'epoch' of training)."""
    with torch.no_grad(), mg.no_grad():
        for t, m in zip(theirs.parameters(), ours.parameters()):
            t.add_(torch.tensor(rng.standard_normal(tuple(t.shape)) * 0.3))
            m.copy_(mg.tensor(t.detach().numpy()))


def run_batch_norm(theirs, ours, rng):
    """A training-mode forward pass through both, which moves BatchNorm's running statistics."""
    x = rng.standard_normal((8, 3))
    theirs(torch.tensor(x))
    ours(mg.tensor(x, device=next(iter(ours.parameters())).device))


def assert_same_state(ours, theirs):
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(reference)
    for key in reference:
        np.testing.assert_allclose(mine[key].detach().numpy(), reference[key].detach().numpy(), rtol=RTOL,
                                   atol=1e-15, err_msg=key)


AVERAGING = {
    "swa-default": {},
    "swa-avg_fn": dict(avg_fn="get_swa_avg_fn()"),
    "swa-multi_avg_fn": dict(multi_avg_fn="get_swa_multi_avg_fn()"),
    "ema-multi_avg_fn": dict(multi_avg_fn="get_ema_multi_avg_fn(0.9)"),
    "ema-avg_fn": dict(avg_fn="get_ema_avg_fn(0.75)"),
    "ema-default-decay": dict(multi_avg_fn="get_ema_multi_avg_fn()"),
}


def averaging_kwargs(module, case):
    return {name: eval(f"module.{call}", {"module": module})
            for name, call in AVERAGING[case].items()}


@pytest.mark.parametrize("case", list(AVERAGING))
def test_averaged_model_matches_pytorch(case):
    theirs, ours = twin_models()
    swa_theirs = torch_swa.AveragedModel(theirs, **averaging_kwargs(torch_swa, case))
    swa_ours = mg_swa.AveragedModel(ours, **averaging_kwargs(mg_swa, case))
    rng = np.random.default_rng(0)
    for _ in range(25):
        perturb(theirs, ours, rng)
        swa_theirs.update_parameters(theirs)
        swa_ours.update_parameters(ours)
        assert_same_state(swa_ours, swa_theirs)
    x = rng.standard_normal((5, 3))
    np.testing.assert_allclose(swa_ours(mg.tensor(x)).detach().numpy(),
                               swa_theirs(torch.tensor(x)).detach().numpy(), rtol=RTOL)


def test_swa_is_the_mean_of_the_models_seen():
    _, ours = twin_models()
    swa = mg_swa.AveragedModel(ours)
    seen = []
    rng = np.random.default_rng(1)
    for _ in range(6):
        with mg.no_grad():
            ours.weight.copy_(mg.tensor(rng.standard_normal((2, 3))))
        seen.append(ours.weight.detach().numpy().copy())
        swa.update_parameters(ours)
    np.testing.assert_allclose(swa.module.weight.detach().numpy(), np.mean(seen, axis=0), rtol=1e-12)
    assert swa.n_averaged.item() == 6


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("case", ["swa-default", "ema-multi_avg_fn", "ema-avg_fn"])
def test_buffers_are_averaged_or_copied_like_pytorch(use_buffers, case):
    theirs, ours = twin_models(with_batch_norm=True)
    swa_theirs = torch_swa.AveragedModel(theirs, use_buffers=use_buffers,
                                         **averaging_kwargs(torch_swa, case))
    swa_ours = mg_swa.AveragedModel(ours, use_buffers=use_buffers,
                                    **averaging_kwargs(mg_swa, case))
    rng = np.random.default_rng(2)
    for _ in range(8):
        perturb(theirs, ours, rng)
        run_batch_norm(theirs, ours, rng)
        swa_theirs.update_parameters(theirs)
        swa_ours.update_parameters(ours)
        assert_same_state(swa_ours, swa_theirs)


def test_the_averaged_copy_is_independent_and_on_the_models_device(device):
    theirs, ours = twin_models(with_batch_norm=True, device=device)
    swa = mg_swa.AveragedModel(ours)
    swa.update_parameters(ours)
    with mg.no_grad():
        for param in ours.parameters():
            param.add_(1.0)
    assert not np.allclose(swa.module[0].weight.detach().numpy(), ours[0].weight.detach().numpy())
    swa.update_parameters(ours)
    assert swa.module[0].weight.device == ours[0].weight.device
    swa.eval()
    x = mg.tensor(np.random.default_rng(3).standard_normal((4, 3)), device=device)
    assert swa(x).shape == (4, 2)


def test_averaged_model_state_dict_saves_and_loads(tmp_path):
    theirs, ours = twin_models(with_batch_norm=True)
    swa = mg_swa.AveragedModel(ours)
    swa.update_parameters(ours)
    mg.save(swa.state_dict(), tmp_path / "swa")
    fresh = mg_swa.AveragedModel(twin_models(with_batch_norm=True)[1])
    fresh.load_state_dict(mg.load(tmp_path / "swa"))
    assert fresh.n_averaged.item() == 1
    assert list(swa.state_dict()) == list(torch_swa.AveragedModel(theirs).state_dict())


def test_bad_averaging_arguments():
    _, ours = twin_models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        mg_swa.AveragedModel(ours, avg_fn=mg_swa.get_swa_avg_fn(),
                             multi_avg_fn=mg_swa.get_swa_multi_avg_fn())
    for name in ("get_ema_multi_avg_fn", "get_ema_avg_fn"):
        with pytest.raises(ValueError) as reference:
            getattr(torch_swa, name)(1.5)
        with pytest.raises(ValueError) as error:
            getattr(mg_swa, name)(1.5)
        assert str(error.value) == str(reference.value)


# ---------------------------------------------------------------- SWALR
def twin_optimizers(momentum=0.9):
    values = [np.ones(3), np.full(2, -1.0)]
    torch_params = [torch.tensor(v, requires_grad=True) for v in values]
    mg_params = [mg.tensor(v, requires_grad=True) for v in values]
    return (torch.optim.SGD([{"params": [torch_params[0]], "lr": 0.5},
                             {"params": [torch_params[1]], "lr": 0.2}], momentum=momentum),
            mg.optim.SGD([{"params": [mg_params[0]], "lr": 0.5},
                          {"params": [mg_params[1]], "lr": 0.2}], momentum=momentum))


def drive(torch_opt, mg_opt, torch_s, mg_s, steps):
    for _ in range(steps):
        torch_opt.step()
        mg_opt.step()
        torch_s.step()
        mg_s.step()
        np.testing.assert_allclose(mg_s.get_last_lr(), torch_s.get_last_lr(), rtol=RTOL)


SWALR_CASES = [
    dict(swa_lr=0.05),
    dict(swa_lr=[0.05, 0.01], anneal_epochs=5, anneal_strategy="linear"),
    dict(swa_lr=0.02, anneal_epochs=0),
    dict(swa_lr=0.3, anneal_epochs=1, anneal_strategy="cos"),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("kwargs", SWALR_CASES)
def test_swalr_matches_pytorch(kwargs):
    torch_opt, mg_opt = twin_optimizers()
    torch_s = torch_swa.SWALR(torch_opt, **kwargs)
    mg_s = mg_swa.SWALR(mg_opt, **kwargs)
    np.testing.assert_allclose(mg_s.get_last_lr(), torch_s.get_last_lr(), rtol=RTOL)
    drive(torch_opt, mg_opt, torch_s, mg_s, 30)


@pytest.mark.filterwarnings("error")
def test_swalr_takes_over_from_another_schedule():
    """The usual recipe: cosine annealing first, then SWALR from wherever the lr ended."""
    torch_opt, mg_opt = twin_optimizers()
    drive(torch_opt, mg_opt, torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, 40),
          mg_sched.CosineAnnealingLR(mg_opt, 40), 25)
    drive(torch_opt, mg_opt, torch_swa.SWALR(torch_opt, 0.05, anneal_epochs=7),
          mg_swa.SWALR(mg_opt, 0.05, anneal_epochs=7), 20)


def test_swalr_state_dict_round_trips_through_a_file(tmp_path):
    torch_opt, mg_opt = twin_optimizers()
    torch_s = torch_swa.SWALR(torch_opt, 0.05, anneal_epochs=10, anneal_strategy="linear")
    mg_s = mg_swa.SWALR(mg_opt, 0.05, anneal_epochs=10, anneal_strategy="linear")
    drive(torch_opt, mg_opt, torch_s, mg_s, 4)
    mg.save({"optimizer": mg_opt.state_dict(), "scheduler": mg_s.state_dict()}, tmp_path / "ckpt")
    saved = mg.load(tmp_path / "ckpt")
    _, resumed_opt = twin_optimizers()
    resumed = mg_swa.SWALR(resumed_opt, 0.05, anneal_epochs=10, anneal_strategy="cos")
    resumed_opt.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(saved["scheduler"])
    assert resumed.anneal_func is mg_swa.SWALR._linear_anneal
    drive(torch_opt, resumed_opt, torch_s, resumed, 10)


@pytest.mark.parametrize("kwargs", [dict(swa_lr=0.1, anneal_strategy="step"),
                                    dict(swa_lr=0.1, anneal_epochs=-1),
                                    dict(swa_lr=0.1, anneal_epochs=2.5),
                                    dict(swa_lr=[0.1, 0.2, 0.3])])
def test_swalr_bad_arguments_raise_pytorchs_errors(kwargs):
    torch_opt, mg_opt = twin_optimizers()
    with pytest.raises(ValueError) as reference:
        torch_swa.SWALR(torch_opt, **kwargs)
    with pytest.raises(ValueError) as error:
        mg_swa.SWALR(mg_opt, **kwargs)
    assert str(error.value) == str(reference.value)


# ---------------------------------------------------------------- update_bn
@pytest.mark.parametrize("batch_form", ["tensor", "pair", "dataloader"])
def test_update_bn_recomputes_batch_norm_statistics_like_pytorch(batch_form):
    theirs, ours = twin_models(with_batch_norm=True)
    rng = np.random.default_rng(4)
    for _ in range(3):  # statistics from other data, to be replaced
        run_batch_norm(theirs, ours, rng)
    theirs.eval()
    ours.eval()
    x, y = rng.standard_normal((40, 3)) * 2 + 1, rng.integers(0, 2, 40)
    batches = [x[i:i + 16] for i in range(0, 40, 16)]  # 16, 16, 8: unequal batches
    if batch_form == "dataloader":
        dataset = mg.data.TensorDataset(mg.tensor(x), mg.tensor(y))
        our_loader = mg.data.DataLoader(dataset, batch_size=16)
    elif batch_form == "pair":
        our_loader = [(mg.tensor(b), mg.tensor(np.zeros(len(b)))) for b in batches]
    else:
        our_loader = [mg.tensor(b) for b in batches]
    torch_swa.update_bn([torch.tensor(b) for b in batches], theirs)
    mg_swa.update_bn(our_loader, ours)
    assert_same_state(ours, theirs)
    assert ours[1].num_batches_tracked.item() == 3
    assert ours[1].momentum == 0.1 and not ours.training


def test_update_bn_is_the_average_of_the_batch_statistics():
    _, ours = twin_models(with_batch_norm=True)
    rng = np.random.default_rng(5)
    batches = [rng.standard_normal((10, 3)) for _ in range(4)]
    mg_swa.update_bn([mg.tensor(b) for b in batches], ours)
    with mg.no_grad():
        hidden = [ours[0](mg.tensor(b)).detach().numpy() for b in batches]
    np.testing.assert_allclose(ours[1].running_mean.detach().numpy(),
                               np.mean([h.mean(axis=0) for h in hidden], axis=0), rtol=1e-12)
    np.testing.assert_allclose(ours[1].running_var.detach().numpy(),
                               np.mean([h.var(axis=0, ddof=1) for h in hidden], axis=0),
                               rtol=1e-12)
    assert ours.training


def test_update_bn_without_batch_norm_leaves_the_model_alone():
    _, ours = twin_models()
    ours.eval()
    mg_swa.update_bn([mg.tensor(np.ones((2, 3)))], ours)
    assert not ours.training
