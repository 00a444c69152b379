"""Saving and loading without pickle: ``mg.save(obj, f)`` and ``mg.load(f)``.

Why not pickle
--------------
``torch.save`` pickles, and unpickling a file can run any code its author put
in it: loading a checkpoint from a stranger is running a stranger's program.
A minigrad file holds data and nothing else, so loading one is always safe.

The format
----------
A file is a NumPy ``.npz`` archive (a zip of uncompressed ``.npy`` arrays, as
``np.savez`` writes it) with

- one entry per array: ``array_0``, ``array_1``, ...; an array saved in
  several places (one tensor twice, or a tied weight whose ``detach()`` shares
  its memory) is written once and named by every place that holds it;
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
are kept), ``ndarray`` and ``numpy_scalar``. Containers nest at most
``MAX_NESTING`` deep.

Reading a file from anyone
--------------------------
``load`` reads the JSON with ``json`` and each array with its own small
``.npy`` reader on top of ``zipfile``: only plain (non-object) dtypes are
accepted, so a file that hides pickled objects is refused, and nothing in a
file is ever executed or written anywhere. What a load may allocate is bounded
by the file's size: the entries' declared sizes must fit in the file, an entry
must be stored uncompressed (so no entry can expand), an array's header
(shape times item size) must match its entry's size before anything is
allocated, and each array is read once however many places name it.
"""
import json
import math
import os
import struct
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
MAX_NESTING = 100  # containers inside containers; a checkpoint needs four or five
_ZIP_MAGIC = b"PK\x03\x04"
_KEY_TYPES = (str, int, float, bool, type(None))
_NPY_SUFFIX = ".npy"
_READ_CHUNK = 1 << 20
# What zipfile and NumPy's .npy header reader raise on a damaged archive. RuntimeError
# covers an encrypted entry (it asks for a password) and NotImplementedError (an
# unknown zip feature); ValueError covers a bad .npy header and undecodable names.
_DAMAGED_FILE_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError, OverflowError,
                        RuntimeError, struct.error, zlib.error)


class SerializationError(ValueError):
    """A file ``mg.load`` cannot read: not a minigrad file, damaged, or from a newer minigrad."""


# ---------------------------------------------------------------- save
def save(obj, f):
    """Write ``obj`` (a state dict, or any nesting of the supported types) to ``f``.

    ``obj`` may nest dicts (``OrderedDict`` too; keys str, int, float, bool or
    None), lists and tuples of tensors, NumPy arrays and scalars, Python
    numbers, strings and None, at most ``MAX_NESTING`` containers deep: the
    state dicts of modules, optimizers and schedulers. ``f`` is a path (str or
    ``os.PathLike``; written as given, no suffix is added) or a binary file
    object open for writing.

    A module or an optimizer itself is refused: ``torch.save`` pickles the
    whole object, and minigrad never pickles; save ``module.state_dict()`` or
    ``optimizer.state_dict()`` and restore it with ``load_state_dict``.

    Anything else raises ``TypeError`` naming where it sits, e.g.
    ``obj['param_groups'][0]['foo']``, before a byte is written. A path is
    written through a temporary file in the same directory that replaces the
    target only once complete, so a failed save leaves no partial file.
    Tensors on a GPU are copied to the host; the tensor itself stays put.
    Memory saved in several places (the same tensor twice, a tensor and its
    ``detach()``) is written once, and ``mg.load`` gives it back shared, as
    ``torch.save`` keeps shared storage.
    """
    arrays = {}
    root = _encode(obj, "obj", arrays, set())
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}
    text = json.dumps(manifest, ensure_ascii=False, allow_nan=False)
    entries = {MANIFEST_ENTRY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8),
               **dict(arrays.values())}
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
        return {"type": "numpy_scalar", "array": _add_array(np.asarray(obj), obj, path, arrays)}
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
        # Keyed by the tensor's array: a tensor and its detach() share one entry.
        entry = _add_array(obj.detach().numpy(), obj._array, path, arrays)
        node = {"type": "tensor", "array": entry,
                "device": str(obj.device), "requires_grad": obj.requires_grad}
        if type(obj) is not Tensor and _is_parameter(obj):
            node["parameter"] = True
        return node
    if isinstance(obj, np.ndarray):
        return {"type": "ndarray", "array": _add_array(obj, obj, path, arrays)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in open_containers:
            raise ValueError(f"mg.save cannot store {path}: it contains itself")
        if len(open_containers) == MAX_NESTING:
            raise ValueError(f"mg.save cannot store {path}: it nests containers more than "
                             f"{MAX_NESTING} deep")
        open_containers.add(id(obj))
        node = _encode_container(obj, path, arrays, open_containers)
        open_containers.discard(id(obj))
        return node
    if callable(getattr(obj, "state_dict", None)):
        raise TypeError(_save_its_state_dict(obj, path))
    raise TypeError(
        f"mg.save cannot store {path}: objects of type {type(obj).__qualname__} are not "
        "supported (only tensors, NumPy arrays and scalars, Python numbers, strings, None, "
        "and dicts, lists and tuples of these)")


def _save_its_state_dict(obj, path):
    """The refusal for a module, optimizer or scheduler: save its state_dict() instead."""
    from .nn.module import Module  # nn and optim sit above serialization's layer: import late
    from .optim.optimizer import Optimizer
    holder = "module" if isinstance(obj, Module) else (
        "optimizer" if isinstance(obj, Optimizer) else "obj")
    return (f"mg.save cannot store {path}: it is a {type(obj).__qualname__} object, and minigrad "
            "files hold data, not objects (torch.save pickles the whole object; mg.save never "
            f"pickles, so loading a file never runs code). Save {holder}.state_dict() instead, "
            f"and restore it with {holder}.load_state_dict(mg.load(f))")


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


def _add_array(array, source, path, arrays):
    """The archive entry that holds ``array``, added unless ``source`` already has one.

    ``arrays`` maps ``id(source)`` to ``(entry name, host array)``; every source
    is held by the object being saved, so its id stays unique during the save.
    """
    if array.dtype.hasobject:
        raise TypeError(f"mg.save cannot store {path}: NumPy arrays of Python objects "
                        "(dtype object) could only be saved by pickling")
    if id(source) not in arrays:
        arrays[id(source)] = (f"array_{len(arrays)}", array)
    return arrays[id(source)][0]


def _is_parameter(tensor):
    from .nn.parameter import Parameter  # nn sits above serialization's layer: import late
    return isinstance(tensor, Parameter)


# ---------------------------------------------------------------- load
def load(f, map_location=None, *, weights_only=None):
    """Read back what ``mg.save`` wrote to ``f`` (a path or a binary file object).

    Tensors come back with their dtype, shape and ``requires_grad``, on the
    device given by ``map_location`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, an
    ``mg.device``), or with ``map_location=None`` on the device each was saved
    from; if that device is missing here, a RuntimeError says to pass
    ``map_location="cpu"``. NumPy arrays come back as NumPy arrays. An array
    the file names in several places is read once: places with the same
    description give back the same tensor, the others tensors sharing its memory.

    ``weights_only`` (True, False or None, as ``torch.load`` takes it) changes
    nothing: PyTorch needs it because its files are pickles, which can run
    code; a minigrad file holds only data, so every load is as safe as
    ``torch.load(..., weights_only=True)``, whatever the value.

    Raises ``SerializationError`` (a ValueError) for a file that is empty, not
    a minigrad file, truncated or corrupt (its zip structure, an entry's
    checksum, an array's header, the manifest's JSON), that declares more data
    than it holds, or that was written by a newer format version. Pickled
    content is refused, never run; load writes nothing to disk.
    """
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"weights_only must be True, False or None, got {weights_only!r}")
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
    size = file.seek(0, os.SEEK_END) - start
    file.seek(start)
    if not magic:
        raise SerializationError(f"{name} is empty, so it is not a minigrad file "
                                 "(was its save interrupted?)")
    if magic != _ZIP_MAGIC:
        raise SerializationError(f"{name} is not a minigrad file: mg.save writes .npz (zip) "
                                 "archives, and this file does not start like one")
    try:
        archive = zipfile.ZipFile(file)
    except _DAMAGED_FILE_ERRORS as error:
        raise SerializationError(f"{name} is truncated or corrupt: {error}") from None
    with archive:
        reader = _ArchiveReader(archive, size, name, target)
        return reader.decode(reader.manifest_root(), "obj", 0)


class _ArchiveReader:
    """Turns manifest nodes back into objects, reading each array of the open archive once."""

    def __init__(self, archive, size, name, target):
        self.archive, self.name, self.target = archive, name, target
        entries = archive.infolist()
        self.members = {info.filename[:-len(_NPY_SUFFIX)]: info for info in entries
                        if info.filename.endswith(_NPY_SUFFIX)}
        names = set()
        for info in entries:  # an entry held twice: which copy would be the real one?
            if info.filename in names:
                raise self.corrupt(f"it holds the entry {info.filename!r} more than once")
            names.add(info.filename)
        declared = sum(info.file_size for info in entries)
        if declared > size:
            raise self.corrupt(f"its entries declare {declared} bytes in all, more than the "
                               f"whole file's {size} bytes")
        self.host_arrays = {}    # entry -> the NumPy array read from it
        self.device_arrays = {}  # (entry, backend) -> that array on the backend's device
        self.tensors = {}        # (entry, backend, requires_grad, parameter) -> Tensor

    def corrupt(self, message):
        return SerializationError(f"{self.name} is corrupt: {message}")

    def host_array(self, entry):
        """The array stored in ``entry``, read from the archive the first time it is asked for."""
        if entry not in self.host_arrays:
            if entry not in self.members:
                raise self.corrupt(f"the manifest names an array {entry!r} that the file lacks")
            self.host_arrays[entry] = self.read_array(entry, self.members[entry])
        return self.host_arrays[entry]

    def read_array(self, entry, info):
        if info.flag_bits & 0x1:
            raise self.corrupt(f"its entry {entry!r} is encrypted; mg.save never encrypts")
        if info.compress_type != zipfile.ZIP_STORED:
            raise self.corrupt(
                f"its entry {entry!r} is compressed (zip method {info.compress_type}); mg.save "
                "stores arrays uncompressed, and mg.load reads only such entries, so that no "
                "entry can expand beyond the file's size")
        if info.compress_size != info.file_size:
            raise self.corrupt(f"its uncompressed entry {entry!r} declares {info.file_size} bytes "
                               f"but occupies {info.compress_size}")
        try:
            with self.archive.open(info) as member:
                return self.read_npy(entry, member, info.file_size)
        except SerializationError:
            raise
        except _DAMAGED_FILE_ERRORS as error:
            raise SerializationError(f"{self.name} is truncated or corrupt: {error}") from None

    def read_npy(self, entry, member, size):
        """Parse a ``.npy`` header, check it against the entry's ``size``, then read the data.

        Nothing is allocated for the data before its size, shape times item size,
        is known to be what the entry holds.
        """
        version = np.lib.format.read_magic(member)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise self.corrupt(f"its entry {entry!r} has the unsupported .npy version {version}")
        shape, fortran_order, dtype = read_header(member)
        if dtype.hasobject:
            raise SerializationError(
                f"{self.name}: entry {entry!r} holds Python objects (dtype {dtype}), which "
                "cannot be read without unpickling; minigrad files hold only plain arrays, so "
                "it was refused and nothing in it was run")
        data_size = size - member.tell()
        count = math.prod(shape)
        # NumPy widens zero-byte strings ("S0", "U0") to one character: they would not fit.
        widened = dtype.itemsize == 0 and dtype.kind in "SU" and count > 0
        if dtype.shape or widened or min(shape, default=0) < 0 \
                or count * dtype.itemsize != data_size:
            raise self.corrupt(f"the header of its entry {entry!r} declares an array of shape "
                               f"{shape} and dtype {dtype}, which does not fit the {data_size} "
                               "bytes of data the entry holds")
        try:
            flat = np.empty(count, dtype)
            array = flat.reshape(shape, order="F" if fortran_order else "C")
        except (ValueError, OverflowError) as error:  # more dimensions or items than NumPy allows
            raise self.corrupt(f"its entry {entry!r} has the shape {shape} ({error})") from None
        if data_size == 0:
            return array
        buffer, filled = flat.view(np.uint8), 0
        while filled < data_size:
            chunk = member.read(min(_READ_CHUNK, data_size - filled))
            if not chunk:
                raise EOFError(f"entry {entry!r} ends early")
            buffer[filled:filled + len(chunk)] = np.frombuffer(chunk, np.uint8)
            filled += len(chunk)
        return array

    def manifest_root(self):
        if MANIFEST_ENTRY not in self.members:
            raise SerializationError(
                f"{self.name} is an .npz archive but not a minigrad file: it has no "
                f"{MANIFEST_ENTRY!r} entry (entries: {', '.join(self.members) or 'none'})")
        raw = self.host_array(MANIFEST_ENTRY)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise self.corrupt(f"its manifest is a {raw.dtype} array of shape {raw.shape}, "
                               "not the bytes of a JSON document")
        try:
            manifest = json.loads(raw.tobytes().decode("utf-8"), parse_constant=_refuse_constant)
        except RecursionError:
            raise self.corrupt("its manifest nests too deeply to be read") from None
        except ValueError as error:  # bad UTF-8 or JSON, NaN, an int past Python's digit limit
            raise self.corrupt(f"its manifest is not valid JSON ({error})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
            raise SerializationError(f"{self.name} is not a minigrad file: its manifest does "
                                     f"not name the format {FORMAT_NAME!r}")
        version = manifest.get("version")
        if version != FORMAT_VERSION or isinstance(version, bool):
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

    def decode(self, node, path, depth):
        """The object for manifest ``node``, which sits inside ``depth`` containers."""
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
        if kind in ("list", "tuple", "dict") and depth == MAX_NESTING:
            raise self.corrupt(f"the containers at {path} nest more than {MAX_NESTING} deep")
        if kind in ("list", "tuple"):
            items = [self.decode(item, f"{path}[{index}]", depth + 1)
                     for index, item in enumerate(self.field(node, "items", list, path))]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return self.decode_dict(node, path, depth)
        if kind == "tensor":
            return self.decode_tensor(node, path)
        if kind == "ndarray":
            return self.host_array(self.field(node, "array", str, path))
        if kind == "numpy_scalar":
            array = self.host_array(self.field(node, "array", str, path))
            if array.ndim != 0:
                raise self.corrupt(f"the NumPy scalar at {path} has shape {array.shape}")
            return array[()]
        raise self.corrupt(f"the manifest node for {path} has the unknown type {kind!r}")

    def decode_dict(self, node, path, depth):
        result = OrderedDict() if node.get("ordered") is True else {}
        for pair in self.field(node, "items", list, path):
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.corrupt(f"an item of the dict at {path} is not a [key, value] pair")
            key = self.decode(pair[0], f"a key of {path}", depth + 1)
            if not isinstance(key, _KEY_TYPES):
                raise self.corrupt(f"the dict at {path} has a key of type {type(key).__name__}")
            result[key] = self.decode(pair[1], f"{path}[{key!r}]", depth + 1)
        return result

    def decode_tensor(self, node, path):
        entry = self.field(node, "array", str, path)
        requires_grad = self.field(node, "requires_grad", bool, path)
        parameter = node.get("parameter") is True
        backend = self.target or self.saved_backend(self.field(node, "device", str, path), path)
        key = (entry, backend, requires_grad, parameter)
        if key not in self.tensors:
            self.tensors[key] = self.new_tensor(entry, backend, requires_grad, parameter, path)
        return self.tensors[key]

    def new_tensor(self, entry, backend, requires_grad, parameter, path):
        array = self.host_array(entry)
        if array.dtype.kind not in "biufc":
            raise self.corrupt(f"the tensor at {path} has the non-numeric dtype {array.dtype}")
        if requires_grad and array.dtype.kind != "f":
            raise self.corrupt(f"the {array.dtype} tensor at {path} claims to require grad")
        if (entry, backend) not in self.device_arrays:
            if not array.dtype.isnative:  # written on a machine of the other byte order
                array = array.astype(array.dtype.newbyteorder("="))
            self.device_arrays[entry, backend] = backend.from_host(array)
        tensor = new_tensor(self.device_arrays[entry, backend], backend, None, 0)
        if parameter:
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


def _refuse_constant(name):
    raise ValueError(f"it holds {name}, which mg.save never writes")


__all__ = ["save", "load", "SerializationError", "FORMAT_VERSION", "MAX_NESTING"]
