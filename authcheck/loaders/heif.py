"""HEIC/HEIF photos (what phones send) decoded through the system's libheif, called with ctypes.

Only a libheif the system provides is used (Debian `libheif1`): the pip wheels that bundle one
carry a GPL codec, so none is installed.  `available()` says whether it is there; without it a
HEIC input is refused as unsupported at sniffing (`loaders/sniff.py`), as before.

`open_heif` reads the primary image from memory, checks its size against the same limits as
any other image (`check`, the image loader's `check_size`) before a pixel is decoded, decodes it to interleaved RGB
(libheif applies the file's rotation and mirroring), copies the rows out (respecting the
stride), frees everything, and returns a Pillow image.  The EXIF block, when there is one, goes
into ``info["exif"]`` with its orientation set to 1 (the pixels are already upright).  A broken
file is `corrupt`, an oversized one `too-large`.
"""

from __future__ import annotations

import ctypes
import functools
import struct
from collections.abc import Callable
from typing import Any

from authcheck.errors import CheckError
from authcheck.settings import Limits

__all__ = ["MISSING", "available", "open_heif"]

MISSING = "a HEIC/HEIF photo; save it as JPEG or PNG (HEIC is read only through a system libheif, not installed here)"
_COLORSPACE_RGB, _CHROMA_INTERLEAVED_RGB, _CHANNEL_INTERLEAVED = 1, 10, 10
_SECURITY_LIMIT = 1000  #: heif_suberror_Security_limit_exceeded
_ORIENTATION = 0x0112
_MAX_EXIF = 1 << 20
SizeCheck = Callable[[tuple[int, int], str, int, Limits], None]  #: raises CheckError for a bomb


class _Error(ctypes.Structure):
    """struct heif_error, returned by value."""

    _fields_ = [("code", ctypes.c_int), ("subcode", ctypes.c_int), ("message", ctypes.c_char_p)]


def available() -> bool:
    """True when the system's libheif can be loaded."""
    return library() is not None


@functools.cache
def library() -> Any:
    """The system libheif with the signatures used here, or None (cached; tests clear it)."""
    import ctypes.util

    name = ctypes.util.find_library("heif")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        _declare(lib)
    except (OSError, AttributeError):
        return None
    return lib


def _declare(lib: Any) -> None:
    p, i, u32 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "heif_context_alloc": (p, []),
        "heif_context_free": (None, [p]),
        "heif_context_set_max_decoding_threads": (None, [p, i]),
        "heif_context_read_from_memory_without_copy": (_Error, [p, ctypes.c_char_p, ctypes.c_size_t, p]),
        "heif_context_get_primary_image_handle": (_Error, [p, ctypes.POINTER(p)]),
        "heif_image_handle_get_width": (i, [p]),
        "heif_image_handle_get_height": (i, [p]),
        "heif_image_handle_release": (None, [p]),
        "heif_decode_image": (_Error, [p, ctypes.POINTER(p), i, i, p]),
        "heif_image_get_width": (i, [p, i]),
        "heif_image_get_height": (i, [p, i]),
        "heif_image_get_plane_readonly": (ctypes.POINTER(ctypes.c_uint8), [p, i, ctypes.POINTER(i)]),
        "heif_image_release": (None, [p]),
        "heif_image_handle_get_number_of_metadata_blocks": (i, [p, ctypes.c_char_p]),
        "heif_image_handle_get_list_of_metadata_block_IDs": (i, [p, ctypes.c_char_p, ctypes.POINTER(u32), i]),
        "heif_image_handle_get_metadata_size": (ctypes.c_size_t, [p, u32]),
        "heif_image_handle_get_metadata": (_Error, [p, u32, ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


def open_heif(data: bytes, limits: Limits, check: SizeCheck) -> Any:
    """The primary image of a HEIC/HEIF file as a Pillow RGB image, after the size checks.

    The last file's decoded image is kept, so the loader and the examiners decode it once; each
    caller gets its own copy."""
    picture = _decoded(data, limits, check)
    out = picture.copy()
    out.format = picture.format
    return out


@functools.lru_cache(maxsize=1)
def _decoded(data: bytes, limits: Limits, check: SizeCheck) -> Any:
    lib = library()
    if lib is None:
        raise CheckError("unsupported", MISSING, "load")
    ctx = lib.heif_context_alloc()
    if not ctx:
        raise MemoryError("libheif could not allocate a context")
    handle, img = ctypes.c_void_p(), ctypes.c_void_p()
    try:
        lib.heif_context_set_max_decoding_threads(ctx, 0)
        _check(lib.heif_context_read_from_memory_without_copy(ctx, data, len(data), None))
        _check(lib.heif_context_get_primary_image_handle(ctx, ctypes.byref(handle)))
        check(
            (lib.heif_image_handle_get_width(handle), lib.heif_image_handle_get_height(handle)),
            "RGB",
            len(data),
            limits,
        )
        exif = _exif(lib, handle)
        _check(lib.heif_decode_image(handle, ctypes.byref(img), _COLORSPACE_RGB, _CHROMA_INTERLEAVED_RGB, None))
        picture = _copy_out(lib, img, data, limits, check)
    finally:
        if img:
            lib.heif_image_release(img)
        if handle:
            lib.heif_image_handle_release(handle)
        lib.heif_context_free(ctx)
    if exif:
        picture.info["exif"] = exif
    picture.format = "HEIF"
    return picture


def _check(err: _Error) -> None:
    """CheckError for a libheif error: `too-large` past a security limit, `corrupt` otherwise."""
    if err.code == 0:
        return
    message = (err.message or b"").decode("utf-8", "replace")[:120]
    if err.subcode == _SECURITY_LIMIT:
        raise CheckError("too-large", f"the HEIC image is over a size limit ({message})", "load")
    raise CheckError("corrupt", f"not a readable HEIC ({message})", "load")


def _copy_out(lib: Any, img: Any, data: bytes, limits: Limits, check: SizeCheck) -> Any:
    """The decoded plane as a Pillow image, row by row (a row may be padded past width*3)."""
    from PIL import Image

    width = lib.heif_image_get_width(img, _CHANNEL_INTERLEAVED)
    height = lib.heif_image_get_height(img, _CHANNEL_INTERLEAVED)
    check((width, height), "RGB", len(data), limits)
    stride = ctypes.c_int()
    plane = lib.heif_image_get_plane_readonly(img, _CHANNEL_INTERLEAVED, ctypes.byref(stride))
    if not plane or stride.value < width * 3:
        raise CheckError("corrupt", "not a readable HEIC (no pixel plane)", "load")
    raw = ctypes.string_at(plane, stride.value * height)
    return Image.frombuffer("RGB", (width, height), raw, "raw", "RGB", stride.value, 1).copy()


def _exif(lib: Any, handle: Any) -> bytes:
    """The first EXIF block as Pillow's ``info["exif"]`` (orientation 1), or b""."""
    if lib.heif_image_handle_get_number_of_metadata_blocks(handle, b"Exif") < 1:
        return b""
    ident = ctypes.c_uint32()
    lib.heif_image_handle_get_list_of_metadata_block_IDs(handle, b"Exif", ctypes.byref(ident), 1)
    size = lib.heif_image_handle_get_metadata_size(handle, ident)
    if not 8 < size <= _MAX_EXIF:
        return b""
    buf = ctypes.create_string_buffer(size)
    if lib.heif_image_handle_get_metadata(handle, ident, buf).code != 0:
        return b""
    raw = buf.raw
    start = 4 + struct.unpack(">I", raw[:4])[0]
    return b"Exif\x00\x00" + upright(raw[start:]) if start < len(raw) else b""


def upright(tiff: bytes) -> bytes:
    """TIFF-structured EXIF with IFD0's Orientation set to 1 (libheif has already turned the pixels)."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return tiff
    out = bytearray(tiff)
    ifd = struct.unpack(order + "I", tiff[4:8])[0]
    if ifd + 2 > len(tiff):
        return tiff
    count = struct.unpack(order + "H", tiff[ifd : ifd + 2])[0]
    for n in range(min(count, 512)):
        at = ifd + 2 + 12 * n
        if at + 12 > len(tiff):
            break
        tag, kind = struct.unpack(order + "HH", tiff[at : at + 4])
        if tag == _ORIENTATION and kind == 3:
            out[at + 8 : at + 10] = struct.pack(order + "H", 1)
    return bytes(out)
