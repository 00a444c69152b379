"""mg.save / mg.load: round trips of every supported type, devices and
map_location, shared memory kept as torch keeps it, and the refusals: pickled
payloads (never run), truncated, empty, foreign and text files, damaged zip
headers, arrays whose header claims more than the file holds, compressed
entries, manifests past Python's limits, newer format versions, unsupported
objects (named by their key path, nothing written; a module or optimizer
points to its state_dict()) and failed saves (nothing left). The random and
exhaustive damage lives in test_checkpoint_fuzz.py.
"""
import io
import json
import math
import os
import pathlib
import pickle
import time
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import MANIFEST_ENTRY, MAX_NESTING, SerializationError


def write_archive(path, manifest, **arrays):
    """A hand-made .npz: ``manifest`` (a dict, or raw bytes) plus ``arrays``, written by NumPy."""
    text = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    with open(path, "wb") as file:  # a file object: np.savez adds no ".npz" to its name
        np.savez(file, **{MANIFEST_ENTRY: np.frombuffer(text, dtype=np.uint8)}, **arrays)


def manifest_of(root, version=1):
    return {"format": "minigrad", "version": version, "root": root}


def tensor_node(array="array_0", device="cpu", requires_grad=False):
    return {"type": "tensor", "array": array, "device": device, "requires_grad": requires_grad}


# ---------------------------------------------------------------- round trips
def every_supported_type(device):
    return OrderedDict([
        ("weight", mg.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), device=device,
                             requires_grad=True)),
        ("float64", mg.tensor(np.linspace(-1, 1, 5), device=device)),
        ("int64", mg.tensor(np.array([[1, -2], [3, 2 ** 40]]), device=device)),
        ("bool", mg.tensor(np.array([True, False, True]), device=device)),
        ("zero_d", mg.tensor(np.float64(2.5), device=device)),
        ("empty", mg.tensor(np.zeros((0, 3), dtype=np.float32), device=device)),
        ("state", {0: {"step": 7, "exp_avg": mg.tensor(np.ones(3), device=device)},
                   1: {"step": 0}}),
        ("param_groups", [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False,
                           "params": [0, 1], "name": None, "maximize": True}]),
        ("numbers", [0, -3, 2 ** 70, 0.1, -0.0, 1e-310, math.inf, -math.inf, True, False]),
        ("strings", ["", "ascii", "ünïcødé ✓", "quote \" and \\ backslash"]),
        ("numpy", {"int32": np.arange(4, dtype=np.int32), "0-d": np.array(3.5),
                   "uint8": np.array([[0, 255]], dtype=np.uint8), "f32": np.float32(1.25),
                   "i64": np.int64(-5), "b": np.bool_(True)}),
        ("empties", ([], (), {}, OrderedDict())),
        (1, "int key"), ("1", "str key"), (2.5, "float key"), (None, "None key"),
    ])


def assert_same(loaded, original, path="obj"):
    """Equal values and identical types all the way down."""
    assert type(loaded) is type(original), path
    if isinstance(original, mg.Tensor):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, path
        assert loaded.requires_grad == original.requires_grad and loaded.is_leaf, path
        np.testing.assert_array_equal(loaded.detach().numpy(), original.detach().numpy())
    elif isinstance(original, (np.ndarray, np.generic)):
        assert loaded.dtype == original.dtype and np.shape(loaded) == np.shape(original), path
        np.testing.assert_array_equal(loaded, original)
    elif isinstance(original, dict):
        assert list(loaded) == list(original), path  # same keys, same types, same order
        assert [type(key) for key in loaded] == [type(key) for key in original], path
        for key in original:
            assert_same(loaded[key], original[key], f"{path}[{key!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), path
        for index, (a, b) in enumerate(zip(loaded, original)):
            assert_same(a, b, f"{path}[{index}]")
    elif isinstance(original, float):
        assert repr(loaded) == repr(original), path  # keeps -0.0 and every digit
    else:
        assert loaded == original, path


def test_round_trip_of_every_supported_type(device, tmp_path):
    original = every_supported_type(device)
    mg.save(original, tmp_path / "state.pt")
    loaded = mg.load(tmp_path / "state.pt")
    assert_same(loaded, original)
    assert all(tensor.device == device for tensor in (loaded["weight"], loaded["state"][0]["exp_avg"]))


def test_nan_survives():
    buffer = io.BytesIO()
    mg.save({"loss": math.nan, "t": mg.tensor([math.nan, 1.0])}, buffer)
    buffer.seek(0)
    loaded = mg.load(buffer)
    assert math.isnan(loaded["loss"]) and np.isnan(loaded["t"].detach().numpy()[0])


def test_key_types_stay_apart_and_dict_kinds_are_kept(tmp_path):
    original = {1: "one", "1": "string one", None: [{True: "a bool key"}], 0: [OrderedDict(b=1, a=2)]}
    mg.save(original, tmp_path / "keys")
    loaded = mg.load(tmp_path / "keys")
    assert loaded == original and type(loaded) is dict
    assert [type(key) for key in loaded] == [int, str, type(None), int]
    assert [type(key) for key in loaded[None][0]] == [bool]
    assert type(loaded[0][0]) is OrderedDict and list(loaded[0][0]) == ["b", "a"]


def test_loaded_tensors_are_independent_writable_leaves(tmp_path):
    original = mg.tensor([1.0, 2.0], requires_grad=True)
    mg.save({"w": original}, tmp_path / "w")
    loaded = mg.load(tmp_path / "w")["w"]
    with mg.no_grad():
        loaded.add_(1.0)  # an optimizer updates its loaded state in place
    np.testing.assert_array_equal(loaded.detach().numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(original.detach().numpy(), [1.0, 2.0])
    (loaded * loaded).sum().backward()
    np.testing.assert_array_equal(loaded.grad.detach().numpy(), [4.0, 6.0])


def test_a_parameter_comes_back_as_a_parameter(tmp_path):
    mg.save([mg.nn.Parameter(mg.ones(2))], tmp_path / "p")
    loaded = mg.load(tmp_path / "p")[0]
    assert isinstance(loaded, mg.nn.Parameter) and loaded.requires_grad


@pytest.mark.parametrize("as_path", [str, pathlib.Path], ids=["str", "Path"])
def test_paths_are_written_exactly_as_given(as_path, tmp_path):
    mg.save({"a": 1}, as_path(tmp_path / "model.pt"))
    assert os.listdir(tmp_path) == ["model.pt"]  # no ".npz" added, no temporary left
    assert mg.load(as_path(tmp_path / "model.pt")) == {"a": 1}


def test_file_objects(tmp_path):
    with open(tmp_path / "f", "wb") as file:
        mg.save((1, mg.tensor([1, 2])), file)
    with open(tmp_path / "f", "rb") as file:
        number, tensor = mg.load(file)
    assert number == 1 and tensor.tolist() == [1, 2] and tensor.dtype == mg.int64


def test_the_file_is_a_plain_npz_with_a_json_manifest(tmp_path):
    mg.save({"w": mg.tensor([1.5, 2.5])}, tmp_path / "w")
    with np.load(tmp_path / "w", allow_pickle=False) as archive:
        manifest = json.loads(archive[MANIFEST_ENTRY].tobytes())
        assert (manifest["format"], manifest["version"]) == ("minigrad", 1)
        entry = manifest["root"]["items"][0][1]["array"]
        np.testing.assert_array_equal(archive[entry], np.array([1.5, 2.5], dtype=np.float32))


# ---------------------------------------------------------------- devices
def test_saving_leaves_the_tensor_where_it_is(device, tmp_path):
    tensor = mg.tensor([1.0, 2.0], device=device)
    data = tensor._array
    mg.save(tensor, tmp_path / "t")
    assert tensor.device == device and tensor._array is data


@pytest.mark.parametrize("map_location", ["cpu", "strict", mg.device("strict")],
                         ids=["cpu", "strict", "mg.device"])
def test_map_location_puts_every_tensor_there(map_location, device, tmp_path):
    mg.save({"a": mg.tensor([1.0], device=device), "b": [mg.tensor(2, device=device)],
             "n": np.arange(2)}, tmp_path / "s")
    loaded = mg.load(tmp_path / "s", map_location=map_location)
    assert loaded["a"].device == map_location and loaded["b"][0].device == map_location
    assert loaded["a"].backend.is_array(loaded["a"]._array)
    assert isinstance(loaded["n"], np.ndarray)  # NumPy arrays stay NumPy arrays
    assert loaded["a"].tolist() == [1.0] and loaded["b"][0].item() == 2


def test_bad_map_location(tmp_path):
    mg.save(1, tmp_path / "s")
    with pytest.raises(TypeError, match="map_location"):
        mg.load(tmp_path / "s", map_location=0)
    with pytest.raises(ValueError, match="unknown device"):
        mg.load(tmp_path / "s", map_location="tpu")


@pytest.mark.skipif(mg.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_gpu_checkpoint_on_a_machine_without_gpu(tmp_path):
    write_archive(tmp_path / "gpu", manifest_of(tensor_node(device="cuda:0")),
                  array_0=np.ones(2, dtype=np.float32))
    with pytest.raises(RuntimeError, match="saved from device 'cuda:0'.*map_location='cpu'"):
        mg.load(tmp_path / "gpu")
    assert mg.load(tmp_path / "gpu", map_location="cpu").tolist() == [1.0, 1.0]


# ---------------------------------------------------------------- hostile and damaged files
class TouchesSentinel:
    """Unpickling this calls ``open(path, "w")``: the file appearing proves code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_payload_is_refused_and_never_runs(tmp_path):
    sentinel = tmp_path / "sentinel"
    payload = np.empty(1, dtype=object)
    payload[0] = TouchesSentinel(sentinel)
    write_archive(tmp_path / "evil.pt", manifest_of({"type": "ndarray", "array": "array_0"}),
                  array_0=payload)
    with pytest.raises(SerializationError, match="unpickling.*nothing in it was run"):
        mg.load(tmp_path / "evil.pt")
    assert not sentinel.exists()
    # The payload is live: NumPy with pickling allowed would have run it.
    with np.load(tmp_path / "evil.pt", allow_pickle=True) as archive:
        archive["array_0"]
    assert sentinel.exists()


def test_a_pickle_file_and_a_pickled_manifest_are_refused(tmp_path):
    sentinel = tmp_path / "sentinel"
    (tmp_path / "raw.pkl").write_bytes(pickle.dumps(TouchesSentinel(sentinel)))
    with pytest.raises(SerializationError, match="not a minigrad file"):
        mg.load(tmp_path / "raw.pkl")
    manifest = np.empty(1, dtype=object)
    manifest[0] = TouchesSentinel(sentinel)
    np.savez(tmp_path / "manifest.npz", **{MANIFEST_ENTRY: manifest})
    with pytest.raises(SerializationError, match="unpickling"):
        mg.load(tmp_path / "manifest.npz")
    assert not sentinel.exists()


@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.999])
def test_a_truncated_file(fraction, tmp_path):
    mg.save({"w": mg.randn(100, 10)}, tmp_path / "w")
    data = (tmp_path / "w").read_bytes()
    (tmp_path / "w").write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(SerializationError, match="truncated or corrupt"):
        mg.load(tmp_path / "w")


def test_a_damaged_array_fails_its_checksum(tmp_path):
    values = np.full(64, 1234.5678, dtype=np.float64)
    mg.save({"w": mg.tensor(values)}, tmp_path / "w")
    data = bytearray((tmp_path / "w").read_bytes())
    data[data.index(values.tobytes()) + 100] ^= 0xFF
    (tmp_path / "w").write_bytes(bytes(data))
    with pytest.raises(SerializationError, match="truncated or corrupt"):
        mg.load(tmp_path / "w")


def test_an_empty_file(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(SerializationError, match="is empty"):
        mg.load(tmp_path / "empty")


def test_a_text_file(tmp_path):
    (tmp_path / "notes.txt").write_text("weights: 1 2 3\n")
    with pytest.raises(SerializationError, match="not a minigrad file"):
        mg.load(tmp_path / "notes.txt")


def test_a_foreign_npz(tmp_path):
    np.savez(tmp_path / "foreign.npz", x=np.ones(3), y=np.zeros(2))
    with pytest.raises(SerializationError, match="not a minigrad file.*no 'minigrad_manifest'.*x, y"):
        mg.load(tmp_path / "foreign.npz")
    assert issubclass(SerializationError, ValueError)


def test_a_newer_format_version(tmp_path):
    write_archive(tmp_path / "new", manifest_of({"type": "none"}, version=2))
    with pytest.raises(SerializationError, match="unsupported format version 2.*reads version 1"):
        mg.load(tmp_path / "new")


@pytest.mark.parametrize("manifest, message", [
    (b"{not json", "not valid JSON"),
    ({"format": "other", "version": 1, "root": {"type": "none"}}, "not a minigrad file"),
    ({"format": "minigrad", "version": 1}, "no 'root'"),
    (manifest_of({"type": "code", "value": "print(1)"}), "unknown type 'code'"),
    (manifest_of({"type": "int", "value": "7"}), "lacks a valid 'value'"),
    (manifest_of({"type": "float", "value": "__import__('os')"}), "not a float"),
    (manifest_of(tensor_node(array="array_9")), "lacks"),
    (manifest_of(tensor_node(device="gpu")), "unknown device 'gpu'"),
    (manifest_of({"type": "dict", "items": [[{"type": "list", "items": []},
                                             {"type": "none"}]]}), "key of type list"),
], ids=["json", "format", "root", "type", "int", "float", "array", "device", "key"])
def test_a_corrupt_manifest(manifest, message, tmp_path):
    write_archive(tmp_path / "bad", manifest, array_0=np.ones(1, dtype=np.float32))
    with pytest.raises(SerializationError, match=message):
        mg.load(tmp_path / "bad")


# ---------------------------------------------------------------- refusals at save
@pytest.mark.parametrize("obj, where, what", [
    ({"param_groups": [{"lr": 0.1, "foo": lambda: 0}]}, "obj['param_groups'][0]['foo']", "function"),
    ([1, (2, object())], "obj[1][1]", "object"),
    ({"a": {(1, 2): 3}}, "obj['a']", "key (1, 2)"),
    ({"a": np.array([None])}, "obj['a']", "dtype object"),
    ({"a": {1, 2}}, "obj['a']", "set"),
], ids=["lambda", "custom class", "tuple key", "object array", "set"])
def test_unsupported_objects_are_named_and_nothing_is_written(obj, where, what, tmp_path):
    with pytest.raises(TypeError) as error:
        mg.save(obj, tmp_path / "state.pt")
    assert where in str(error.value) and what in str(error.value)
    assert os.listdir(tmp_path) == []


def test_a_structure_that_contains_itself(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"obj\[1\]: it contains itself"):
        mg.save(loop, tmp_path / "loop")
    shared = [1]
    mg.save([shared, shared], tmp_path / "shared")  # the same list twice is not a loop
    assert mg.load(tmp_path / "shared") == [[1], [1]]


def test_a_failed_save_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    mg.save({"epoch": 1}, tmp_path / "checkpoint")

    def disk_full(file, **entries):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        mg.save({"epoch": 2}, tmp_path / "checkpoint")
    with pytest.raises(OSError, match="No space left"):
        mg.save({"epoch": 2}, tmp_path / "new")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["checkpoint"]
    assert mg.load(tmp_path / "checkpoint") == {"epoch": 1}


def test_zip_of_the_file_lists_only_npy_entries(tmp_path):
    mg.save({"a": mg.ones(2), "b": np.zeros(1)}, tmp_path / "s")
    names = zipfile.ZipFile(tmp_path / "s").namelist()
    assert sorted(names) == ["array_0.npy", "array_1.npy", f"{MANIFEST_ENTRY}.npy"]


# ---------------------------------------------------------------- sharing, as torch.save keeps it
def test_one_tensor_saved_twice_loads_as_one_tensor_as_in_torch(device, tmp_path):
    import torch
    weight = torch.arange(3.0)
    buffer = io.BytesIO()
    torch.save({"a": weight, "b": weight}, buffer)
    buffer.seek(0)
    theirs = torch.load(buffer)
    tensor = mg.tensor([0.0, 1.0, 2.0], device=device)
    mg.save({"a": tensor, "b": tensor}, tmp_path / "twice")
    ours = mg.load(tmp_path / "twice")
    assert (ours["a"] is ours["b"]) == (theirs["a"] is theirs["b"]) == True  # noqa: E712
    assert len(zipfile.ZipFile(tmp_path / "twice").namelist()) == 2  # the manifest and one array


def test_a_tensor_and_its_detach_load_sharing_memory_as_in_torch(device, tmp_path):
    import torch
    parameter = torch.nn.Parameter(torch.ones(2))
    buffer = io.BytesIO()
    torch.save({"p": parameter, "d": parameter.detach()}, buffer)
    buffer.seek(0)
    theirs = torch.load(buffer)
    with torch.no_grad():
        theirs["d"].add_(1.0)
    mine = mg.nn.Parameter(mg.ones(2, device=device))
    mg.save({"p": mine, "d": mine.detach()}, tmp_path / "tied")
    ours = mg.load(tmp_path / "tied")
    assert isinstance(ours["p"], mg.nn.Parameter) and not ours["d"].requires_grad
    with mg.no_grad():
        ours["d"].add_(1.0)
    assert ours["p"].tolist() == theirs["p"].tolist() == [2.0, 2.0]


def test_an_array_named_many_times_is_read_once(tmp_path):
    """2,000 references to one 100 kB array: one read, one object, no 200 MB."""
    references = [{"type": "ndarray", "array": "array_0"}] * 1000 + [tensor_node()] * 1000
    write_archive(tmp_path / "refs", manifest_of({"type": "list", "items": references}),
                  array_0=np.arange(12_500.0))
    size = os.path.getsize(tmp_path / "refs")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        loaded = mg.load(tmp_path / "refs")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 10 * size, f"a {size}-byte file took {peak} bytes to load"
    assert all(item is loaded[0] for item in loaded[:1000])
    assert all(item is loaded[1000] for item in loaded[1000:])
    np.testing.assert_array_equal(loaded[1000].numpy(), np.arange(12_500.0))


# ---------------------------------------------------------------- bounded, refused
def npy_bytes(shape, descr="<f8", data=b"", fortran_order=False):
    """The bytes of a .npy file whose header says ``shape`` and ``descr``, followed by ``data``."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": fortran_order, "shape": shape})
    return header.getvalue() + data


def zip_of(members, compression=zipfile.ZIP_STORED):
    """A zip holding ``members`` ({name: bytes}) byte for byte, the manifest first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def minigrad_zip(root, arrays, compression=zipfile.ZIP_STORED):
    """A minigrad file with the manifest ``root`` and ``arrays`` ({entry: .npy bytes})."""
    text = json.dumps(manifest_of(root)).encode()
    members = {f"{MANIFEST_ENTRY}.npy": npy_bytes((len(text),), "|u1", text),
               **{f"{entry}.npy": data for entry, data in arrays.items()}}
    return zip_of(members, compression)


def load_bounded(data, tmp_path):
    """mg.load of ``data`` from a file, asserting it allocates little, is quick, writes nothing."""
    (tmp_path / "box").mkdir()
    path = tmp_path / "box" / "file.pt"
    path.write_bytes(data)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        return mg.load(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 10 * len(data) + 2 ** 20, f"a {len(data)}-byte file took {peak} bytes"
        assert time.perf_counter() - start < 2.0
        assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def central_directory_patch(data, offset, value, size=2):
    """``data`` with the first central-directory header's field at ``offset`` set to ``value``."""
    data = bytearray(data)
    start = data.index(b"PK\x01\x02") + offset
    data[start:start + size] = value.to_bytes(size, "little")
    return bytes(data)


@pytest.mark.parametrize("offset, value, message", [
    (10, zipfile.ZIP_DEFLATED, r"compressed \(zip method 8\)"),
    (10, 99, r"compressed \(zip method 99\)"),
    (8, 0x1, "encrypted"),
    (8, 0x40, "strong encryption"),
    (24, 2 ** 31, "declare .* bytes in all, more than the whole file"),
], ids=["deflate", "unknown method", "encrypted", "strong encryption", "huge size"])
def test_a_damaged_zip_header_is_a_serialization_error(offset, value, message, tmp_path):
    buffer = io.BytesIO()
    mg.save({"w": mg.ones(3)}, buffer)
    damaged = central_directory_patch(buffer.getvalue(), offset, value, 4 if offset == 24 else 2)
    with pytest.raises(SerializationError, match=message):
        load_bounded(damaged, tmp_path)


@pytest.mark.parametrize("shape, descr", [
    ((2 ** 40,), "<f8"), ((2 ** 33, 2 ** 33), "<f8"), ((-1,), "<f8"), ((0, -5), "<f8"),
    ((10 ** 100,), "<f4"), ((3,), "(1000000,)<f8"), ((2 ** 40,), "|S0"),
], ids=["8 TiB", "overflowing int64", "negative", "zero and negative", "googol", "subarray",
        "zero-byte items"])
def test_an_array_header_claiming_more_than_its_entry_holds(shape, descr, tmp_path):
    data = minigrad_zip({"type": "ndarray", "array": "array_0"},
                        {"array_0": npy_bytes(shape, descr, data=bytes(24))})
    with pytest.raises(SerializationError, match="does not fit the 24 bytes of data"):
        load_bounded(data, tmp_path)


def test_an_array_with_more_dimensions_than_numpy_allows(tmp_path):
    data = minigrad_zip({"type": "ndarray", "array": "array_0"},
                        {"array_0": npy_bytes((1,) * 65, data=bytes(8))})
    with pytest.raises(SerializationError, match="array_0.*shape"):
        load_bounded(data, tmp_path)


def test_a_compressed_entry_is_refused_before_it_expands(tmp_path):
    """A zip bomb: 80 MB of zeros deflated into 80 kB."""
    bomb = minigrad_zip({"type": "ndarray", "array": "array_0"},
                        {"array_0": npy_bytes((10_000_000,), data=bytes(80_000_000))},
                        zipfile.ZIP_DEFLATED)
    assert len(bomb) < 100_000
    with pytest.raises(SerializationError, match="compressed"):
        load_bounded(bomb, tmp_path)


def test_an_array_written_with_the_other_byte_order(tmp_path):
    values = np.array([1.5, -2.25, 1e300], dtype=">f8")
    data = minigrad_zip(tensor_node(), {"array_0": npy_bytes((3,), ">f8", values.tobytes())})
    loaded = load_bounded(data, tmp_path)
    assert loaded.dtype == mg.float64 and loaded.tolist() == [1.5, -2.25, 1e300]


@pytest.mark.parametrize("manifest, message", [
    (b'{"format": "minigrad", "version": 1, "root": {"type": "int", "value": ' + b"7" * 5000
     + b"}}", "not valid JSON.*4300 digits"),
    (b'{"format": "minigrad", "version": 1, "root": {"type": "int", "value": NaN}}',
     "NaN, which mg.save never writes"),
    (b"[" * 100_000, "nests too deeply"),
    (json.dumps(manifest_of(json.loads('{"type": "list", "items": [' * (MAX_NESTING + 1)
                                       + "]}" * (MAX_NESTING + 1)))).encode(),
     f"nest more than {MAX_NESTING} deep"),
], ids=["int digits", "NaN", "deep JSON", "deep containers"])
def test_a_manifest_past_pythons_limits(manifest, message, tmp_path):
    write_archive(tmp_path / "bad", manifest)
    with pytest.raises(SerializationError, match=message):
        mg.load(tmp_path / "bad")


def test_save_refuses_nesting_that_load_would_refuse(tmp_path):
    deepest = []
    for _ in range(MAX_NESTING - 1):
        deepest = [deepest]
    mg.save(deepest, tmp_path / "deep")
    assert mg.load(tmp_path / "deep") == deepest
    with pytest.raises(ValueError, match=f"nests containers more than {MAX_NESTING} deep"):
        mg.save([deepest], tmp_path / "deeper")
    assert os.listdir(tmp_path) == ["deep"]


# ---------------------------------------------------------------- torch's arguments and objects
@pytest.mark.parametrize("weights_only", [True, False, None])
def test_weights_only_is_accepted_and_changes_nothing(weights_only, tmp_path):
    mg.save({"w": mg.ones(2)}, tmp_path / "w")
    assert mg.load(tmp_path / "w", weights_only=weights_only)["w"].tolist() == [1.0, 1.0]
    assert mg.load(tmp_path / "w", "cpu", weights_only=weights_only)["w"].device == "cpu"


def test_weights_only_must_be_a_bool_or_none(tmp_path):
    mg.save(1, tmp_path / "w")
    with pytest.raises(TypeError, match="weights_only must be True, False or None, got 'yes'"):
        mg.load(tmp_path / "w", weights_only="yes")


@pytest.mark.parametrize("make, holder", [
    (lambda: mg.nn.Linear(2, 3), "module"),
    (lambda: mg.optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.1), "optimizer"),
], ids=["module", "optimizer"])
def test_a_module_or_optimizer_points_to_its_state_dict(make, holder, tmp_path):
    obj = make()
    for saved, where in ((obj, "obj"), ({"model": obj}, "obj['model']")):
        with pytest.raises(TypeError) as error:
            mg.save(saved, tmp_path / "checkpoint")
        message = str(error.value)
        assert f"cannot store {where}: it is a {type(obj).__name__} object" in message
        assert f"Save {holder}.state_dict() instead" in message
        assert f"{holder}.load_state_dict(mg.load(f))" in message and "pickle" in message
    assert os.listdir(tmp_path) == []
