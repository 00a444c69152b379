"""Saving and loading without pickle: ``mg.save(obj, f)`` and ``mg.load(f)``.

Why not pickle
--------------
``torch.save`` pickles, and unpickling a file can run any code its author put
in it: loading a checkpoint from a stranger is running a stranger's program.
A minigrad file holds data and nothing else, so loading one is always safe.

The format
----------
A file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays, as ``np.savez``
writes it) with

- one entry per array or tensor: ``array_0``, ``array_1``, ...;
- one entry ``minigrad_manifest``: the UTF-8 bytes of a JSON document, stored
  as a uint8 array, that describes the structure around the arrays::

      {"format": "minigrad", "version": 1,
       "root": {"type": "dict", "ordered": true, "items": [
           [{"type": "str", "value": "weight"},
            {"type": "tensor", "array": "array_0", "device": "cpu", "requires_grad": false}],
           [{"type": "str", "value": "lr"}, {"type": "float", "value": "0.1"}]]}}

Every node names its ``type``: ``none``, ``bool``, ``int``, ``float`` (stored as
the text of ``repr``, so ``inf``, ``nan`` and every digit survive), ``str``,
``list``, ``tuple``, ``dict`` (items as ``[key, value]`` pairs, so int keys
stay ints: optimizer state is keyed by parameter number), ``tensor`` (dtype
and shape are the array's; the device it was saved from and ``requires_grad``
are kept), ``ndarray`` and ``numpy_scalar``.

``load`` reads the JSON with ``json`` and the arrays with
``np.load(..., allow_pickle=False)``: a file that hides pickled objects is
refused, and nothing in a file is ever executed.
"""
import json
import os
import uuid
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from .backend import Device, get_backend
from .tensor import Tensor, new_tensor

FORMAT_NAME = "minigrad"
FORMAT_VERSION = 1
MANIFEST_ENTRY = "minigrad_manifest"
_ZIP_MAGIC = b"PK\x03\x04"
_KEY_TYPES = (str, int, float, bool, type(None))


class SerializationError(ValueError):
    """A file ``mg.load`` cannot read: not a minigrad file, damaged, or from a newer minigrad."""


# ---------------------------------------------------------------- save
def save(obj, f):
    """Write ``obj`` (a state dict, or any nesting of the supported types) to ``f``.

    ``obj`` may nest dicts (``OrderedDict`` too; keys str, int, float, bool or
    None), lists and tuples of tensors, NumPy arrays and scalars, Python
    numbers, strings and None: the state dicts of modules, optimizers and
    schedulers. ``f`` is a path (str or ``os.PathLike``; written as given, no
    suffix is added) or a binary file object open for writing.

    Anything else raises ``TypeError`` naming where it sits, e.g.
    ``obj['param_groups'][0]['foo']``, before a byte is written. A path is
    written through a temporary file in the same directory that replaces the
    target only once complete, so a failed save leaves no partial file.
    Tensors on a GPU are copied to the host; the tensor itself stays put.
    """
    arrays = {}
    root = _encode(obj, "obj", arrays, set())
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}
    text = json.dumps(manifest, ensure_ascii=False, allow_nan=False)
    entries = {MANIFEST_ENTRY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **arrays}
    if _is_file_object(f):
        np.savez(f, **entries)
        return
    path = os.fspath(f)
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as file:
            np.savez(file, **entries)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _is_file_object(f):
    return hasattr(f, "write") or hasattr(f, "read")


def _encode(obj, path, arrays, open_containers):
    """The manifest node for ``obj``; its arrays are added to ``arrays``."""
    # NumPy scalars first: np.float64 is also a Python float, and should come back as itself.
    if isinstance(obj, np.generic):
        return {"type": "numpy_scalar", "array": _add_array(np.asarray(obj), path, arrays)}
    if obj is None:
        return {"type": "none"}
    if isinstance(obj, bool):  # before int: bool is a subclass of int
        return {"type": "bool", "value": obj}
    if isinstance(obj, int):
        return {"type": "int", "value": int(obj)}
    if isinstance(obj, float):
        return {"type": "float", "value": repr(float(obj))}
    if isinstance(obj, str):
        return {"type": "str", "value": str(obj)}
    if isinstance(obj, Tensor):
        node = {"type": "tensor", "array": _add_array(obj.detach().numpy(), path, arrays),
                "device": str(obj.device), "requires_grad": obj.requires_grad}
        if type(obj) is not Tensor and _is_parameter(obj):
            node["parameter"] = True
        return node
    if isinstance(obj, np.ndarray):
        return {"type": "ndarray", "array": _add_array(obj, path, arrays)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in open_containers:
            raise ValueError(f"mg.save cannot store {path}: it contains itself")
        open_containers.add(id(obj))
        node = _encode_container(obj, path, arrays, open_containers)
        open_containers.discard(id(obj))
        return node
    raise TypeError(
        f"mg.save cannot store {path}: objects of type {type(obj).__qualname__} are not "
        "supported (only tensors, NumPy arrays and scalars, Python numbers, strings, None, "
        "and dicts, lists and tuples of these)")


def _encode_container(obj, path, arrays, open_containers):
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, _KEY_TYPES) or isinstance(key, np.generic):
                raise TypeError(
                    f"mg.save cannot store {path}: its key {key!r} is of type "
                    f"{type(key).__qualname__}; keys must be str, int, float, bool or None")
            items.append([_encode(key, path, arrays, open_containers),
                          _encode(value, f"{path}[{key!r}]", arrays, open_containers)])
        return {"type": "dict", "ordered": isinstance(obj, OrderedDict), "items": items}
    return {"type": "tuple" if isinstance(obj, tuple) else "list",
            "items": [_encode(item, f"{path}[{index}]", arrays, open_containers)
                      for index, item in enumerate(obj)]}


def _add_array(array, path, arrays):
    """Store ``array`` as the next archive entry and return the entry's name."""
    if array.dtype.hasobject:
        raise TypeError(f"mg.save cannot store {path}: NumPy arrays of Python objects "
                        "(dtype object) could only be saved by pickling")
    name = f"array_{len(arrays)}"
    arrays[name] = array
    return name


def _is_parameter(tensor):
    from .nn.parameter import Parameter  # nn sits above serialization's layer: import late
    return isinstance(tensor, Parameter)


# ---------------------------------------------------------------- load
def load(f, map_location=None):
    """Read back what ``mg.save`` wrote to ``f`` (a path or a binary file object).

    Tensors come back with their dtype, shape and ``requires_grad``, on the
    device given by ``map_location`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, an
    ``mg.device``), or with ``map_location=None`` on the device each was saved
    from; if that device is missing here, a RuntimeError says to pass
    ``map_location="cpu"``. NumPy arrays come back as NumPy arrays.

    Raises ``SerializationError`` (a ValueError) for a file that is empty,
    not a minigrad file, truncated or corrupt, or written by a newer format
    version. Pickled content is refused, never run.
    """
    target = None
    if map_location is not None:
        if not isinstance(map_location, (str, Device)):
            raise TypeError("map_location must be None, a device string such as 'cpu' or "
                            f"'cuda:0', or an mg.device; got {type(map_location).__name__}")
        target = get_backend(map_location)
    if _is_file_object(f):
        return _load_file(f, getattr(f, "name", "the file"), target)
    path = os.fspath(f)
    with open(path, "rb") as file:
        return _load_file(file, repr(path), target)


def _load_file(file, name, target):
    start = file.tell()
    magic = file.read(len(_ZIP_MAGIC))
    file.seek(start)
    if not magic:
        raise SerializationError(f"{name} is empty, so it is not a minigrad file "
                                 "(was its save interrupted?)")
    if magic != _ZIP_MAGIC:
        raise SerializationError(f"{name} is not a minigrad file: mg.save writes .npz (zip) "
                                 "archives, and this file does not start like one")
    try:
        archive = np.load(file, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise SerializationError(f"{name} is truncated or corrupt: {error}") from None
    with archive:
        reader = _ArchiveReader(archive, name, target)
        return reader.decode(reader.manifest_root(), "obj")


class _ArchiveReader:
    """Turns manifest nodes back into objects, reading arrays from the open archive."""

    def __init__(self, archive, name, target):
        self.archive, self.name, self.target = archive, name, target

    def corrupt(self, message):
        return SerializationError(f"{self.name} is corrupt: {message}")

    def read_entry(self, entry):
        if entry not in self.archive.files:
            raise self.corrupt(f"the manifest names an array {entry!r} that the file lacks")
        try:
            return self.archive[entry]
        except ValueError as error:  # e.g. an object array: reading it would unpickle
            raise SerializationError(
                f"{self.name}: entry {entry!r} cannot be read without unpickling or is damaged "
                f"({error}); minigrad files hold only plain arrays, so it was refused and "
                "nothing in it was run") from None
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
            raise SerializationError(f"{self.name} is truncated or corrupt: {error}") from None

    def manifest_root(self):
        if MANIFEST_ENTRY not in self.archive.files:
            raise SerializationError(
                f"{self.name} is an .npz archive but not a minigrad file: it has no "
                f"{MANIFEST_ENTRY!r} entry (entries: {', '.join(self.archive.files) or 'none'})")
        raw = self.read_entry(MANIFEST_ENTRY)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise self.corrupt(f"its manifest is a {raw.dtype} array of shape {raw.shape}, "
                               "not the bytes of a JSON document")
        try:
            manifest = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise self.corrupt(f"its manifest is not valid JSON ({error})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise SerializationError(f"{self.name} is not a minigrad file: its manifest does "
                                     f"not name the format {FORMAT_NAME!r}")
        version = manifest.get("version")
        if version != FORMAT_VERSION:
            raise SerializationError(
                f"{self.name} has the unsupported format version {version!r}; this minigrad "
                f"reads version {FORMAT_VERSION} (a newer minigrad may have written it)")
        if "root" not in manifest:
            raise self.corrupt("its manifest has no 'root'")
        return manifest["root"]

    def field(self, node, key, kind, path):
        value = node.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.corrupt(f"the manifest node for {path} lacks a valid {key!r}")
        return value

    def decode(self, node, path):
        if not isinstance(node, dict):
            raise self.corrupt(f"the manifest node for {path} is not a JSON object")
        kind = self.field(node, "type", str, path)
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            return self.field(node, "value", {"bool": bool, "int": int, "str": str}[kind], path)
        if kind == "float":
            text = self.field(node, "value", str, path)
            try:
                return float(text)
            except ValueError:
                raise self.corrupt(f"{path} holds {text!r}, which is not a float") from None
        if kind in ("list", "tuple"):
            items = [self.decode(item, f"{path}[{index}]")
                     for index, item in enumerate(self.field(node, "items", list, path))]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return self.decode_dict(node, path)
        if kind == "tensor":
            return self.decode_tensor(node, path)
        if kind == "ndarray":
            return self.read_entry(self.field(node, "array", str, path))
        if kind == "numpy_scalar":
            array = self.read_entry(self.field(node, "array", str, path))
            if array.ndim != 0:
                raise self.corrupt(f"the NumPy scalar at {path} has shape {array.shape}")
            return array[()]
        raise self.corrupt(f"the manifest node for {path} has the unknown type {kind!r}")

    def decode_dict(self, node, path):
        result = OrderedDict() if node.get("ordered") is True else {}
        for pair in self.field(node, "items", list, path):
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.corrupt(f"an item of the dict at {path} is not a [key, value] pair")
            key = self.decode(pair[0], f"a key of {path}")
            if not isinstance(key, _KEY_TYPES):
                raise self.corrupt(f"the dict at {path} has a key of type {type(key).__name__}")
            result[key] = self.decode(pair[1], f"{path}[{key!r}]")
        return result

    def decode_tensor(self, node, path):
        array = self.read_entry(self.field(node, "array", str, path))
        if array.dtype.kind not in "biufc":
            raise self.corrupt(f"the tensor at {path} has the non-numeric dtype {array.dtype}")
        requires_grad = self.field(node, "requires_grad", bool, path)
        if requires_grad and array.dtype.kind != "f":
            raise self.corrupt(f"the {array.dtype} tensor at {path} claims to require grad")
        backend = self.target or self.saved_backend(self.field(node, "device", str, path), path)
        tensor = new_tensor(backend.from_host(array), backend, None, 0)
        if node.get("parameter") is True:
            from .nn.parameter import Parameter
            return Parameter(tensor, requires_grad=requires_grad)
        tensor.requires_grad = requires_grad
        return tensor

    def saved_backend(self, device, path):
        try:
            Device(device)
        except (TypeError, ValueError) as error:
            raise self.corrupt(f"the tensor at {path} names the unknown device {device!r} "
                               f"({error})") from None
        try:
            return get_backend(device)
        except RuntimeError as error:
            raise RuntimeError(
                f"{self.name}: the tensor at {path} was saved from device {device!r}, which is "
                f"not available here ({error}); load with map_location='cpu' to put every "
                "tensor on the CPU") from None


__all__ = ["save", "load", "SerializationError", "FORMAT_VERSION"]
