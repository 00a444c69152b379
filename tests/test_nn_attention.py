"""Attention against PyTorch in float64: F.scaled_dot_product_attention's dropout and
errors (its numbers are rows of the op table), nn.MultiheadAttention and
nn.TransformerEncoderLayer with the same weights (loaded from torch's state_dict):
outputs, attention weights, and the gradients of the inputs and every parameter.
"""
import functools
import math

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

close = functools.partial(mg.testing.assert_close, rtol=1e-6, atol=1e-10)


def copy_weights(mine, reference):
    reference.double()
    mine.double().load_state_dict({key: value.detach().numpy()
                                   for key, value in reference.state_dict().items()})
    return mine


def as_both(array, device, requires_grad=False):
    if array is None:
        return None, None
    return (mg.tensor(array, device=device, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def assert_same_parameter_gradients(mine, reference):
    names = [name for name, _ in mine.named_parameters()]
    assert names == [name for name, _ in reference.named_parameters()]
    for (name, param), (_, param_ref) in zip(mine.named_parameters(), reference.named_parameters()):
        close(param.grad, param_ref.grad.numpy(), msg=name)


# ---------------------------------------------------------------- F.scaled_dot_product_attention
def test_sdpa_dropout_drops_attention_weights_with_minigrads_generator(device, rng):
    q, k, v = (mg.tensor(rng.standard_normal((2, 3, 5, 4)), device=device) for _ in range(3))
    mg.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    mg.manual_seed(7)
    weights = F.softmax(q.matmul(k.transpose(-2, -1)) / 2.0, dim=-1)
    close(out, F.dropout(weights, 0.4).matmul(v))
    assert not np.allclose(out.numpy(), F.scaled_dot_product_attention(q, k, v).numpy())


def test_sdpa_with_dropout_passes_gradcheck_for_a_fixed_seed(device, rng):
    q, k, v = (mg.tensor(rng.standard_normal((2, 3, 4)), device=device, requires_grad=True)
               for _ in range(3))

    def attention(q, k, v):
        mg.manual_seed(3)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3, is_causal=True)
    assert mg.autograd.gradcheck(attention, (q, k, v))
    assert mg.autograd.gradgradcheck(attention, (q, k, v))


def test_sdpa_row_with_every_key_at_minus_infinity_gives_zeros_and_zero_gradients(device, rng):
    """A float mask of −∞ across a row, like a boolean row of False: PyTorch's CPU
    result is zeros there, and nothing flows back from it."""
    mask = np.zeros((3, 5))
    mask[1] = -np.inf
    mask[2, 1:] = -np.inf
    inputs = [rng.standard_normal(shape) for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 2))]
    ours = [mg.tensor(a, device=device, requires_grad=True) for a in inputs]
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    out = F.scaled_dot_product_attention(*ours, attn_mask=mg.tensor(mask, device=device))
    out_ref = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=torch.tensor(mask))
    close(out, out_ref.detach().numpy())
    assert np.all(out.detach().numpy()[:, 1] == 0)
    upstream = rng.standard_normal((2, 3, 2))
    out.backward(mg.tensor(upstream, device=device)), out_ref.backward(torch.tensor(upstream))
    for mine, reference in zip(ours, theirs):
        close(mine.grad, reference.grad.numpy())


@pytest.mark.parametrize("call, error, message", [
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mg.ones(3, 5, dtype=mg.bool),
                                                    is_causal=True),
     RuntimeError, "Explicit attn_mask should not be set when is_causal=True"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k.float(), v), RuntimeError,
     "Expected query, key, and value to have the same dtype"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mg.zeros(3, 5, dtype=mg.int64)),
     RuntimeError, "Expected attn_mask dtype to be bool or float"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[..., :2], v), RuntimeError, "do not fit"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, dropout_p=1.5), RuntimeError,
     "dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True), RuntimeError,
     "must be a multiple of the key and value heads"),
    (lambda q, k, v: F.scaled_dot_product_attention(q.long(), k.long(), v.long()), RuntimeError,
     "must be floating point"),
])
def test_sdpa_refuses_what_pytorch_refuses(call, error, message, rng):
    q = mg.tensor(rng.standard_normal((2, 3, 3, 4)))
    k, v = mg.tensor(rng.standard_normal((2, 2, 5, 4))), mg.tensor(rng.standard_normal((2, 2, 5, 4)))
    with pytest.raises(error, match=message):
        call(q, k, v)


# ---------------------------------------------------------------- nn.MultiheadAttention
def random_masks(rng, kind, batch, heads, length, source_length):
    """(attn_mask, key_padding_mask) as NumPy arrays, leaving key 0 visible to every query
    (no fully masked rows, where need_weights=True gives NaN in both libraries)."""
    attn_mask = key_padding_mask = None
    if kind in ("bool", "bool+padding"):
        attn_mask = rng.random((length, source_length)) > 0.6
        attn_mask[:, 0] = False
    if kind == "float3d":
        attn_mask = rng.standard_normal((batch * heads, length, source_length))
    if kind in ("padding", "bool+padding"):
        key_padding_mask = rng.random((batch, source_length)) > 0.6
        key_padding_mask[:, 0] = False
    if kind == "float_padding":
        key_padding_mask = rng.standard_normal((batch, source_length))
    return attn_mask, key_padding_mask


def run_multihead(device, rng, *, batch_first=False, need_weights=True, average=True,
                  masks="none", self_attention=True, bias=True, unbatched=False, training=False):
    embed_dim, heads, batch, length = 6, 3, 2, 4
    source_length = length if self_attention else 5
    reference = torch.nn.MultiheadAttention(embed_dim, heads, bias=bias, batch_first=batch_first)
    mine = copy_weights(nn.MultiheadAttention(embed_dim, heads, bias=bias,
                                              batch_first=batch_first), reference).to(device)
    mine.train(training), reference.train(training)

    def shape(n):
        if unbatched:
            return (n, embed_dim)
        return (batch, n, embed_dim) if batch_first else (n, batch, embed_dim)
    query, query_ref = as_both(rng.standard_normal(shape(length)), device, True)
    if self_attention:
        key = value = query
        key_ref = value_ref = query_ref
    else:
        (key, key_ref), (value, value_ref) = (as_both(rng.standard_normal(shape(source_length)),
                                                      device, True) for _ in range(2))
    attn_mask, padding = random_masks(rng, masks, 1 if unbatched else batch, heads, length,
                                      source_length)
    if unbatched and padding is not None:
        padding = padding[0]
    (attn_mask, attn_mask_ref), (padding, padding_ref) = (as_both(attn_mask, device),
                                                          as_both(padding, device))
    options = {"need_weights": need_weights, "average_attn_weights": average}
    out, weights = mine(query, key, value, key_padding_mask=padding, attn_mask=attn_mask, **options)
    out_ref, weights_ref = reference(query_ref, key_ref, value_ref, key_padding_mask=padding_ref,
                                     attn_mask=attn_mask_ref, **options)
    close(out, out_ref.detach().numpy())
    if need_weights:
        close(weights, weights_ref.detach().numpy())
    else:
        assert weights is None and weights_ref is None
    upstream = rng.standard_normal(tuple(out_ref.shape))
    loss, loss_ref = (out * mg.tensor(upstream, device=device)).sum(), (out_ref * torch.tensor(upstream)).sum()
    if need_weights:  # the weights' gradient flows too
        loss, loss_ref = loss + weights.sum() * 0.5, loss_ref + weights_ref.sum() * 0.5
    loss.backward(), loss_ref.backward()
    for mine_input, reference_input in ((query, query_ref), (key, key_ref), (value, value_ref)):
        close(mine_input.grad, reference_input.grad.numpy())
    assert_same_parameter_gradients(mine, reference)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", ["none", "bool", "float3d", "padding", "bool+padding",
                                   "float_padding"])
def test_multihead_attention_matches_torch(batch_first, need_weights, average, masks, device, rng):
    run_multihead(device, rng, batch_first=batch_first, need_weights=need_weights,
                  average=average, masks=masks)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_multihead_cross_attention_without_bias_matches_torch(need_weights, bias, device, rng):
    run_multihead(device, rng, self_attention=False, bias=bias, need_weights=need_weights,
                  masks="bool+padding")


@pytest.mark.parametrize("masks", ["none", "bool+padding"])
def test_multihead_attention_on_unbatched_input_matches_torch(masks, device, rng):
    run_multihead(device, rng, unbatched=True, self_attention=False, masks=masks, average=False)


def test_multihead_attention_with_zero_dropout_in_training_mode_matches_torch(device, rng):
    run_multihead(device, rng, training=True, masks="bool")


def test_multihead_attention_with_the_is_causal_hint_matches_torch(rng):
    reference = torch.nn.MultiheadAttention(4, 2, batch_first=True)
    mine = copy_weights(nn.MultiheadAttention(4, 2, batch_first=True), reference)
    x, x_ref = as_both(rng.standard_normal((2, 5, 4)), "cpu")
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)  # True = left out
    for need_weights in (True, False):
        out, _ = mine(x, x, x, attn_mask=mg.tensor(causal), is_causal=True, need_weights=need_weights)
        out_ref, _ = reference(x_ref, x_ref, x_ref, attn_mask=torch.tensor(causal), is_causal=True,
                               need_weights=need_weights)
        close(out, out_ref.detach().numpy())


def test_multihead_attention_row_with_every_key_padded_gives_what_torch_gives(rng):
    """Zeros through scaled_dot_product_attention (need_weights=False), NaN through
    the explicit softmax (need_weights=True), in both libraries."""
    reference = torch.nn.MultiheadAttention(4, 2, batch_first=True)
    mine = copy_weights(nn.MultiheadAttention(4, 2, batch_first=True), reference)
    x, x_ref = as_both(rng.standard_normal((2, 3, 4)), "cpu")
    padding = np.array([[True] * 3, [False, True, False]])
    for need_weights in (False, True):
        with np.errstate(invalid="ignore"):  # NumPy warns where the softmax makes NaN
            out, _ = mine(x, x, x, key_padding_mask=mg.tensor(padding), need_weights=need_weights)
        out_ref, _ = reference(x_ref, x_ref, x_ref, key_padding_mask=torch.tensor(padding),
                               need_weights=need_weights)
        np.testing.assert_allclose(out.detach().numpy(), out_ref.detach().numpy(), rtol=1e-6, atol=1e-10)


def test_multihead_attention_has_pytorchs_parameters_and_initialisation():
    mine, reference = nn.MultiheadAttention(8, 2), torch.nn.MultiheadAttention(8, 2)
    assert list(mine.state_dict()) == list(reference.state_dict())
    assert [tuple(p.shape) for p in mine.parameters()] == [tuple(p.shape) for p in reference.parameters()]
    assert np.all(mine.in_proj_bias.detach().numpy() == 0)
    assert np.all(mine.out_proj.bias.detach().numpy() == 0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ on (3·8, 8)
    weight = mine.in_proj_weight.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound
    assert list(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == \
        list(torch.nn.MultiheadAttention(8, 2, bias=False).state_dict())


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.MultiheadAttention(6, 4), ValueError, "embed_dim must be divisible by num_heads"),
    (lambda: nn.MultiheadAttention(6, 2, add_bias_kv=True), NotImplementedError, "add_bias_kv"),
    (lambda: nn.MultiheadAttention(6, 2, add_zero_attn=True), NotImplementedError, "add_zero_attn"),
    (lambda: nn.MultiheadAttention(6, 2, kdim=4), NotImplementedError, "kdim and vdim"),
])
def test_multihead_attention_refuses_options_it_does_not_implement(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("options, error, message", [
    ({"is_causal": True}, RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    ({"attn_mask": np.zeros((3, 4), dtype=bool)}, RuntimeError,
     r"The shape of the 2D attn_mask is \(3, 4\), but should be \(3, 3\)"),
    ({"attn_mask": np.zeros((3, 3, 3), dtype=bool)}, RuntimeError,
     r"The shape of the 3D attn_mask is \(3, 3, 3\), but should be \(4, 3, 3\)"),
    ({"key_padding_mask": np.zeros((2, 4), dtype=bool)}, RuntimeError,
     "expecting key_padding_mask shape of"),
    ({"attn_mask": np.zeros((3, 3), dtype=np.int64)}, TypeError,
     "only bool and floating types of attn_mask are supported"),
])
def test_multihead_attention_refuses_masks_that_do_not_fit(options, error, message, rng):
    attention = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = mg.tensor(rng.standard_normal((2, 3, 4)))
    options = {key: mg.tensor(value) if isinstance(value, np.ndarray) else value
               for key, value in options.items()}
    with pytest.raises(error, match=message):
        attention(x, x, x, **options)


def test_multihead_attention_refuses_inputs_of_the_wrong_width(rng):
    attention = nn.MultiheadAttention(4, 2).double()
    x = mg.tensor(rng.standard_normal((3, 2, 5)))
    with pytest.raises(RuntimeError, match="was expecting embedding dimension of 4"):
        attention(x, x, x)


# ---------------------------------------------------------------- nn.TransformerEncoderLayer
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "tanh_callable"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "causal+padding"])
def test_transformer_encoder_layer_matches_torch(norm_first, activation, batch_first, masks,
                                                 device, rng):
    d_model, heads, batch, length = 8, 2, 3, 5
    mine_activation, reference_activation = ((mg.tanh, torch.tanh) if activation == "tanh_callable"
                                             else (activation, activation))
    options = {"dim_feedforward": 16, "norm_first": norm_first, "batch_first": batch_first}
    reference = torch.nn.TransformerEncoderLayer(d_model, heads, activation=reference_activation,
                                                 **options)
    mine = copy_weights(nn.TransformerEncoderLayer(d_model, heads, activation=mine_activation,
                                                   **options), reference).to(device)
    mine.eval(), reference.eval()  # dropout 0.1 is then the identity in both
    shape = (batch, length, d_model) if batch_first else (length, batch, d_model)
    src, src_ref = as_both(rng.standard_normal(shape), device, True)
    kwargs, kwargs_ref = {}, {}
    if masks == "causal+padding":
        causal = np.triu(np.ones((length, length), dtype=bool), 1)
        padding = np.zeros((batch, length), dtype=bool)
        padding[1, 3:] = True
        (kwargs["src_mask"], kwargs_ref["src_mask"]) = as_both(causal, device)
        (kwargs["src_key_padding_mask"], kwargs_ref["src_key_padding_mask"]) = as_both(padding, device)
        kwargs["is_causal"] = kwargs_ref["is_causal"] = True
    out, out_ref = mine(src, **kwargs), reference(src_ref, **kwargs_ref)
    close(out, out_ref.detach().numpy())
    upstream = rng.standard_normal(shape)
    out.backward(mg.tensor(upstream, device=device)), out_ref.backward(torch.tensor(upstream))
    close(src.grad, src_ref.grad.numpy())
    assert_same_parameter_gradients(mine, reference)


def test_transformer_encoder_layer_without_bias_on_unbatched_input_matches_torch(rng):
    reference = torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, bias=False,
                                                 layer_norm_eps=1e-3)
    mine = copy_weights(nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0,
                                                   bias=False, layer_norm_eps=1e-3), reference)
    src, src_ref = as_both(rng.standard_normal((5, 4)), "cpu", True)
    out, out_ref = mine(src), reference(src_ref)  # training mode: dropout 0.0 draws nothing
    close(out, out_ref.detach().numpy())
    out.sum().backward(), out_ref.sum().backward()
    close(src.grad, src_ref.grad.numpy())
    assert_same_parameter_gradients(mine, reference)


def test_transformer_encoder_layer_has_pytorchs_submodules_and_state_dict_keys():
    mine = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    reference = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    assert list(mine.state_dict()) == list(reference.state_dict())
    assert [name for name, _ in mine.named_children()] == \
        [name for name, _ in reference.named_children() if name != "activation"]
    assert nn.modules.transformer.TransformerEncoderLayer is nn.TransformerEncoderLayer
    assert nn.modules.activation.MultiheadAttention is nn.MultiheadAttention


def test_transformer_encoder_layer_dropout_is_seeded_and_off_in_eval(rng):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5).double()
    src = mg.tensor(rng.standard_normal((5, 2, 8)))
    mg.manual_seed(1)
    first = layer(src).detach().numpy()
    mg.manual_seed(1)
    np.testing.assert_array_equal(layer(src).detach().numpy(), first)
    layer.eval()
    assert not np.allclose(layer(src).detach().numpy(), first)


def test_transformer_encoder_layer_refuses_an_unknown_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        nn.TransformerEncoderLayer(8, 2, activation="swish")
