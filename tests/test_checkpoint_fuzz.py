"""Checkpoint fuzzing: mg.load of damaged and hostile files.

A small real checkpoint (a tiny model's state_dict and its Adam state after a
step) is cut at every byte and hit by a few hundred random bit flips (fixed
seeds), and crafted files attack each part of the format: zip headers (zip
bombs, overlapping and oversized entries), .npy headers (huge, negative and
NaN shapes, unreadable dtypes), the manifest (huge ints, NaN, deep nesting,
repeated references, path-like and non-string keys and entry names, wrong
types). Every load must either raise ``SerializationError`` or return exactly
what was saved, byte for byte; and no load may allocate more than a small
multiple of the file's size, take long, or write anything.
"""
import io
import json
import os
import random
import re
import struct
import tempfile
import time
import tracemalloc
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import MANIFEST_ENTRY, MAX_NESTING, SerializationError

# A load may take memory and time in proportion to the file's size, plus a constant for the
# reader itself (the time generous: tracemalloc slows allocation, and the machine may be busy).
MEMORY_PER_FILE_BYTE = 16
MEMORY_CONSTANT = 256 * 1024
SECONDS_PER_MEGABYTE = 4.0
SECONDS_CONSTANT = 1.0


# ---------------------------------------------------------------- the checkpoint and the harness
def small_checkpoint():
    """What a training script saves: model and optimizer state dicts, and a few numbers."""
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(3, 2))
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    model(mg.randn(5, 3)).pow(2).sum().backward()
    optimizer.step()
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "epoch": 3, "loss": 0.25, "history": [1.5, 0.75]}


def to_bytes(obj):
    buffer = io.BytesIO()
    mg.save(obj, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module", autouse=True)
def traced():
    """tracemalloc runs for the whole module; a first load, unmeasured, imports what the
    reader needs."""
    tracemalloc.start()
    mg.load(io.BytesIO(to_bytes(small_checkpoint())))
    yield
    tracemalloc.stop()


@pytest.fixture(scope="module")
def checkpoint():
    original = small_checkpoint()
    return original, to_bytes(original)


@pytest.fixture
def box(tmp_path, monkeypatch):
    """A folder for the file under test; the working and temporary folders are private
    and must stay empty, and nothing may appear beside the file."""
    for folder in ("box", "cwd", "tmp"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    yield tmp_path / "box"
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))
    assert written in (["box", "cwd", "tmp"], ["box", os.path.join("box", "checkpoint.pt"),
                                               "cwd", "tmp"]), f"mg.load wrote a file: {written}"


def load_within_bounds(data, case, box=None):
    """mg.load of ``data`` (from a file in ``box``, or from memory): the object, or the
    SerializationError. Asserts the load's peak allocation and time are bounded and the
    file unchanged; any other exception fails the test, naming ``case``.
    """
    if box is not None:
        source = box / "checkpoint.pt"
        source.write_bytes(data)
    else:
        source = io.BytesIO(data)
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        result = mg.load(source)
    except SerializationError as error:
        result = error
    except Exception as error:
        raise AssertionError(f"{case}: {type(error).__name__}: {error}") from error
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    budget = MEMORY_PER_FILE_BYTE * len(data) + MEMORY_CONSTANT
    assert peak <= budget, f"{case}: a {len(data)}-byte file took {peak} bytes to load"
    assert elapsed < SECONDS_CONSTANT + SECONDS_PER_MEGABYTE * len(data) / 1e6, \
        f"{case}: a {len(data)}-byte file took {elapsed:.2f} s to load"
    if box is not None:
        assert source.read_bytes() == data, f"{case}: the file was changed"
    return result


def assert_identical(loaded, original, path="obj"):
    """Same types, keys, values and bytes all the way down."""
    assert type(loaded) is type(original), path
    if isinstance(original, mg.Tensor):
        assert loaded.requires_grad == original.requires_grad, path
        original = original.detach().numpy()
        loaded = loaded.detach().numpy()
    if isinstance(original, (np.ndarray, np.generic)):
        assert (loaded.dtype, loaded.shape) == (original.dtype, original.shape), path
        assert np.asarray(loaded).tobytes() == np.asarray(original).tobytes(), path
    elif isinstance(original, dict):
        assert [(type(key), key) for key in loaded] == [(type(key), key) for key in original], path
        for key in original:
            assert_identical(loaded[key], original[key], f"{path}[{key!r}]")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), path
        for index, (item, expected) in enumerate(zip(loaded, original)):
            assert_identical(item, expected, f"{path}[{index}]")
    elif isinstance(original, float):
        assert struct.pack("<d", loaded) == struct.pack("<d", original), path
    else:
        assert loaded == original, path


# ---------------------------------------------------------------- damage to a real checkpoint
def test_the_checkpoint_loads_intact(checkpoint, box):
    original, data = checkpoint
    assert_identical(load_within_bounds(data, "intact", box), original)


def test_truncation_at_every_byte(checkpoint, box):
    original, data = checkpoint
    for length in range(len(data)):
        result = load_within_bounds(data[:length], f"the first {length} bytes")
        assert isinstance(result, SerializationError), f"the first {length} bytes loaded"


def test_random_bit_flips(checkpoint, box):
    """A flip is caught (zip structure, CRC-32, headers) or lands where it changes nothing."""
    original, data = checkpoint
    outcomes = {"refused": 0, "harmless": 0}
    for seed in range(300):
        chooser = random.Random(seed)
        damaged = bytearray(data)
        for _ in range(chooser.choice([1, 1, 2, 3])):
            damaged[chooser.randrange(len(data))] ^= 1 << chooser.randrange(8)
        result = load_within_bounds(bytes(damaged), f"seed {seed}")
        if isinstance(result, SerializationError):
            outcomes["refused"] += 1
        else:
            assert_identical(result, original, f"seed {seed}: obj")
            outcomes["harmless"] += 1
    assert outcomes["refused"] > 200, outcomes


# ---------------------------------------------------------------- crafted files
def npy_bytes(shape, descr="<f8", data=b"", fortran_order=False, header=None):
    """A .npy file: a header for ``shape`` and ``descr`` (or the text ``header``), and ``data``."""
    if header is None:
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            buffer, {"descr": descr, "fortran_order": fortran_order, "shape": shape})
        return buffer.getvalue() + data
    text = header.encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def zip_of(members, compression=zipfile.ZIP_STORED):
    """A zip of ``members`` ({name: bytes}), names kept exactly as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def manifest_text(root, **fields):
    return json.dumps({"format": "minigrad", "version": 1, "root": root, **fields}).encode()


def crafted(root, arrays=None, compression=zipfile.ZIP_STORED, manifest=None):
    """A minigrad file: the manifest (``root``, or the raw bytes ``manifest``) and ``arrays``
    ({entry name: .npy bytes or an ndarray})."""
    text = manifest_text(root) if manifest is None else manifest
    members = {f"{MANIFEST_ENTRY}.npy": npy_bytes((len(text),), "|u1", text)}
    for entry, array in (arrays or {}).items():
        if isinstance(array, np.ndarray):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            array = buffer.getvalue()
        members[f"{entry}.npy"] = array
    return zip_of(members, compression)


def node(kind, **fields):
    return {"type": kind, **fields}


def tensor(entry="array_0", device="cpu", requires_grad=False, **fields):
    return node("tensor", array=entry, device=device, requires_grad=requires_grad, **fields)


def nested(depth, kind="list"):
    """``depth`` containers inside each other, the innermost empty."""
    root = node(kind, items=[])
    for _ in range(depth - 1):
        if kind == "dict":
            root = node("dict", items=[[node("str", value="k"), root]])
        else:
            root = node(kind, items=[root])
    return root


ONES = np.ones(4)
REFUSED = [  # (case, file bytes, what the message must say)
    ("8 TiB shape", crafted(tensor(), {"array_0": npy_bytes((2 ** 40,))}), "does not fit"),
    ("int64-overflowing shape", crafted(tensor(), {"array_0": npy_bytes((2 ** 62, 2 ** 62))}),
     "does not fit"),
    ("googol shape", crafted(tensor(), {"array_0": npy_bytes((10 ** 100,), data=bytes(8))}),
     "does not fit"),
    ("negative shape", crafted(tensor(), {"array_0": npy_bytes((-1,), data=bytes(8))}),
     "does not fit"),
    ("zero times negative shape", crafted(tensor(), {"array_0": npy_bytes((0, -7))}),
     "does not fit"),
    ("NaN in a shape", crafted(tensor(), {"array_0": npy_bytes(
        None, header="{'descr': '<f8', 'fortran_order': False, 'shape': (nan,), }      \n")}),
     "truncated or corrupt"),
    ("65 dimensions", crafted(tensor(), {"array_0": npy_bytes((1,) * 65, data=bytes(8))}),
     "shape"),
    ("zero-byte strings", crafted(node("ndarray", array="array_0"),
                                  {"array_0": npy_bytes((2 ** 50,), "|S0")}), "does not fit"),
    ("too many zero-byte records", crafted(node("ndarray", array="array_0"),
                                           {"array_0": npy_bytes((2 ** 62, 2 ** 62), "|V0")}),
     "Maximum allowed dimension"),
    ("subarray dtype", crafted(node("ndarray", array="array_0"),
                               {"array_0": npy_bytes((1,), "(100000000,)<f8", bytes(8))}),
     "does not fit"),
    ("object dtype", crafted(node("ndarray", array="array_0"),
                             {"array_0": npy_bytes((1,), "|O", bytes(8))}), "unpickling"),
    ("object field", crafted(node("ndarray", array="array_0"),
                             {"array_0": npy_bytes((1,), [("a", "<f8"), ("b", "|O")], bytes(16))}),
     "unpickling"),
    ("header past NumPy's limit", crafted(tensor(), {"array_0": npy_bytes(
        None, header="{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"
                     + " " * 20_000 + "\n", data=bytes(8))}), "truncated or corrupt"),
    ("header that is not a dict", crafted(tensor(), {"array_0": npy_bytes(
        None, header="[1, 2, 3]" + " " * 54 + "\n")}), "truncated or corrupt"),
    (".npy version 9.9", crafted(tensor(), {"array_0": b"\x93NUMPY\x09\x09" + bytes(60)}),
     r"unsupported .npy version \(9, 9\)"),
    ("not a .npy", crafted(tensor(), {"array_0": b"#!/bin/sh\nrm -rf /\n"}),
     "truncated or corrupt"),
    ("int beyond Python's digit limit",
     crafted(None, manifest=b'{"format": "minigrad", "version": 1, "root": {"type": "int", '
                            b'"value": ' + b"9" * 100_000 + b"}}"), "4300 digits"),
    ("NaN value", crafted(None, manifest=b'{"format": "minigrad", "version": 1, "root": '
                                         b'{"type": "int", "value": NaN}}'), "NaN"),
    ("Infinity version", crafted(None, manifest=b'{"format": "minigrad", "version": Infinity, '
                                                b'"root": {"type": "none"}}'), "Infinity"),
    ("NaN text as an int", crafted(node("int", value="nan")), "lacks a valid 'value'"),
    ("JSON nested 100,000 deep", crafted(None, manifest=b"[" * 100_000 + b"]" * 100_000),
     "nests too deeply"),
    ("lists nested too deep", crafted(nested(MAX_NESTING + 1)), "nest more than"),
    ("dicts nested too deep", crafted(nested(MAX_NESTING + 1, "dict")), "nest more than"),
    ("tuples nested too deep", crafted(nested(MAX_NESTING + 1, "tuple")), "nest more than"),
    ("a list key", crafted(node("dict", items=[[node("list", items=[]), node("none")]])),
     "key of type list"),
    ("a tensor key", crafted(node("dict", items=[[tensor(), node("none")]]), {"array_0": ONES}),
     "key of type Tensor"),
    ("an ndarray key", crafted(node("dict", items=[[node("ndarray", array="array_0"),
                                                    node("none")]]), {"array_0": ONES}),
     "key of type ndarray"),
    ("a JSON key", crafted(node("dict", items=[[{"k": 1}, node("none")]])), "lacks a valid 'type'"),
    ("a type that is a number", crafted(node(5)), "lacks a valid 'type'"),
    ("a type that is null", crafted(node(None)), "lacks a valid 'type'"),
    ("a node that is a list", crafted(["tensor"]), "not a JSON object"),
    ("items that are a string", crafted(node("list", items="abc")), "lacks a valid 'items'"),
    ("a pair of three", crafted(node("dict", items=[[node("none")] * 3])),
     r"not a \[key, value\]"),
    ("a bool that is a string", crafted(node("bool", value="true")), "lacks a valid 'value'"),
    ("an int that is a float", crafted(node("int", value=1.5)), "lacks a valid 'value'"),
    ("a float that is code", crafted(node("float", value="__import__('os')")), "not a float"),
    ("requires_grad as a string", crafted(tensor(requires_grad="yes"), {"array_0": ONES}),
     "lacks a valid 'requires_grad'"),
    ("an array named by a number", crafted(tensor(entry=0), {"array_0": ONES}),
     "lacks a valid 'array'"),
    ("an int tensor that requires grad",
     crafted(tensor(requires_grad=True), {"array_0": np.arange(3)}), "claims to require grad"),
    ("a string tensor", crafted(tensor(), {"array_0": np.array(["abc"])}), "non-numeric"),
    ("a vector as a scalar", crafted(node("numpy_scalar", array="array_0"), {"array_0": ONES}),
     "NumPy scalar"),
    ("an unknown device", crafted(tensor(device="gpu"), {"array_0": ONES}), "unknown device"),
    ("a device with a bad index", crafted(tensor(device="cuda:x"), {"array_0": ONES}),
     "unknown device"),
    ("a path-like entry that is absent", crafted(tensor(entry="../array_0"), {"array_0": ONES}),
     "lacks"),
    ("an absolute entry that is absent", crafted(tensor(entry="/etc/passwd"), {"array_0": ONES}),
     "lacks"),
    ("version as a string", crafted(None, manifest=manifest_text(node("none")).replace(
        b'"version": 1', b'"version": "1"')), "unsupported format version '1'"),
    ("version true", crafted(None, manifest=manifest_text(node("none")).replace(
        b'"version": 1', b'"version": true')), "unsupported format version True"),
    ("a manifest that is a list", crafted(None, manifest=b"[1, 2]"), "not a minigrad file"),
    ("a manifest of float64", zip_of({f"{MANIFEST_ENTRY}.npy": npy_bytes((1,), data=bytes(8))}),
     "not the bytes of a JSON document"),
    ("a manifest of bad UTF-8", crafted(None, manifest=b'{"format": "\xff"}'), "not valid JSON"),
]


def central_directory_record(data, name):
    """Where ``name``'s central-directory record starts in the zip ``data``."""
    return data.index(name.encode(), data.index(b"PK\x01\x02")) - 46  # the name follows 46 bytes


def patched(data, name, offset, value, size):
    """``data`` with a field of ``name``'s central-directory record set to ``value``."""
    start = central_directory_record(data, name) + offset
    data = bytearray(data)
    data[start:start + size] = value.to_bytes(size, "little")
    return bytes(data)


def with_duplicated_entry(data, name):
    """``data`` with a second central-directory record for ``name`` (both point at one copy)."""
    record_start = central_directory_record(data, name)
    name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, record_start + 28)
    record = data[record_start:record_start + 46 + name_length + extra_length + comment_length]
    end = data.rindex(b"PK\x05\x06")
    entries, _, directory_size, directory_offset = struct.unpack_from("<HHII", data, end + 8)
    end_record = bytearray(data[end:])
    struct.pack_into("<HHII", end_record, 8, entries + 1, entries + 1,
                     directory_size + len(record), directory_offset)
    return data[:end] + record + bytes(end_record)


SMALL = crafted(node("ndarray", array="array_0"), {"array_0": ONES})
BOMB = crafted(node("ndarray", array="array_0"),
               {"array_0": npy_bytes((1_000_000,), data=bytes(8_000_000))}, zipfile.ZIP_DEFLATED)
REFUSED += [
    ("a zip bomb: 8 MB of zeros deflated", BOMB, "declare .* bytes in all, more than the whole"),
    ("a zip bomb declaring 100 bytes", patched(BOMB, "array_0.npy", 24, 100, 4),
     r"compressed \(zip method 8\)"),
    ("a bzip2 entry", crafted(node("ndarray", array="array_0"), {"array_0": ONES},
                              zipfile.ZIP_BZIP2), "compressed"),
    ("an entry declaring 4 GB", patched(SMALL, "array_0.npy", 24, 0xFFFF_FFFE, 4),
     "declare .* bytes in all, more than the whole file"),
    ("an entry declaring 0xFFFFFFFF (zip64) without the extra field",
     patched(SMALL, "array_0.npy", 24, 0xFFFF_FFFF, 4), "corrupt"),
    ("an entry whose stored size differs from its size",
     patched(SMALL, "array_0.npy", 20, 1000, 4), r"declares \d+ bytes but occupies 1000"),
    ("an entry listed twice", with_duplicated_entry(SMALL, "array_0.npy"),
     "entry 'array_0.npy' more than once"),
    ("an encrypted entry", patched(SMALL, "array_0.npy", 8, 0x1, 2), "encrypted"),
    ("an entry needing zip version 9.9", patched(SMALL, "array_0.npy", 6, 99, 2),
     "truncated or corrupt"),
    ("an entry pointing at another's data", patched(SMALL, "array_0.npy", 42, 0, 4),
     "truncated or corrupt"),
]


@pytest.mark.parametrize("case, data, message", REFUSED, ids=[case for case, _, _ in REFUSED])
def test_a_crafted_file_is_refused(case, data, message, box):
    result = load_within_bounds(data, case, box)
    assert isinstance(result, SerializationError), f"{case}: loaded {result!r}"
    assert re.search(message, str(result)), str(result)


def test_a_name_or_key_like_a_path_is_only_a_name(box):
    """Keys and entry names such as '../x' or '/etc/passwd' are looked up, never opened."""
    names = ["../x", "/etc/passwd", "..\\..\\windows", "a/../../b", "", " "]
    arrays = {name: np.full(2, float(index)) for index, name in enumerate(names)}
    items = [[node("str", value=name), node("ndarray", array=name)] for name in names]
    data = crafted(node("dict", ordered=True, items=items), arrays)
    loaded = load_within_bounds(data, "path-like names", box)
    assert_identical(loaded, OrderedDict(arrays))
    saved = {name: mg.tensor([float(index)]) for index, name in enumerate(names)}
    assert_identical(load_within_bounds(to_bytes(saved), "path-like keys", box), saved)


def test_an_array_named_two_thousand_times_is_read_once(box):
    """The file that took 2 GB and 25 s: now one read, one object per description."""
    references = ([node("ndarray", array="array_0")] * 700 + [tensor()] * 700
                  + [tensor(requires_grad=True)] * 600)
    values = np.linspace(-1.0, 1.0, 25_000)
    loaded = load_within_bounds(crafted(node("list", items=references), {"array_0": values}),
                                "2,000 references", box)
    arrays, tensors, trainable = loaded[:700], loaded[700:1400], loaded[1400:]
    assert all(item is arrays[0] for item in arrays)
    assert all(item is tensors[0] for item in tensors)
    assert all(item is trainable[0] and item.requires_grad for item in trainable)
    assert tensors[0] is not trainable[0] and not tensors[0].requires_grad
    assert arrays[0].tobytes() == values.tobytes() == tensors[0].detach().numpy().tobytes()


def test_harmless_oddities_load_exactly(box):
    """What a hand-made file may legitimately differ in: still read right."""
    values = np.arange(6.0).reshape(2, 3)
    fortran = crafted(node("ndarray", array="array_0"), {"array_0": np.asfortranarray(values)})
    assert_identical(load_within_bounds(fortran, "Fortran order", box), values)
    swapped = crafted(tensor(), {"array_0": values.astype(">f8")})
    assert_identical(load_within_bounds(swapped, "big-endian", box), mg.tensor(values))
    for text in ("nan", "inf", "-inf", "-0.0", "5e-324"):
        result = load_within_bounds(crafted(node("float", value=text)), text, box)
        assert struct.pack("<d", result) == struct.pack("<d", float(text))
    records = crafted(node("ndarray", array="array_0"), {"array_0": npy_bytes((2 ** 50,), "|V0")})
    empty_records = load_within_bounds(records, "2**50 records of no fields", box)
    assert empty_records.shape == (2 ** 50,) and empty_records.nbytes == 0
    saved = [np.zeros((3, 2), dtype=[]), np.zeros(2, dtype=[("a", "<f4"), ("b", "|S3")])]
    assert_identical(load_within_bounds(to_bytes(saved), "structured arrays", box), saved)
    unordered = crafted(node("dict", ordered="yes", items=[]))
    assert type(load_within_bounds(unordered, "ordered: 'yes'", box)) is dict


def test_an_archive_of_five_thousand_entries(box):
    """Entries nobody names cost what they take to list, no more; one listed twice is refused."""
    stray = {f"stray_{index}": b"" for index in range(5_000)}
    text = manifest_text(node("none"))
    crowded = zip_of({f"{MANIFEST_ENTRY}.npy": npy_bytes((len(text),), "|u1", text), **stray})
    assert load_within_bounds(crowded, "5,000 stray entries", box) is None
    twice = with_duplicated_entry(crowded, f"stray_{len(stray) - 1}")
    refusal = load_within_bounds(twice, "the last of 5,000 entries listed twice", box)
    assert "entry 'stray_4999' more than once" in str(refusal)
