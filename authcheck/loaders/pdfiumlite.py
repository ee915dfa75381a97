"""The few PDFium calls authcheck makes, bound with ctypes on the library pypdfium2 ships.

`pdfium.locate` (evidence boxes) and `pdfiumtext` (page text of plain files) need
a few functions of PDFium's C API; importing pypdfium2 binds all of them
(`pypdfium2_raw.bindings`, thousands of ctypes declarations) and its helpers: ≈ 25 ms of CPU on
every JSON check of a PDF.  This module loads the same `libpdfium` file from the installed
`pypdfium2_raw` package (without importing the package) and binds only these functions, with
pypdfium2's own behaviour where authcheck relies on it: a document PDFium cannot open, or that
has no page, is an error; so is a page, text page or character box PDFium refuses; a text range
drops PDFium's excluded characters at its ends as `PdfTextPage.get_text_range` does.  `load()`
gives a namespace named like `pypdfium2.raw` (the functions, and `FS_MATRIX`), so code written
against `pypdfium2.raw` runs on either.

`load()` returns None when the library file is not where a pypdfium2 wheel puts it (a build against
a system PDFium, another platform's naming): `pdfium` then uses pypdfium2 itself.  PDFium is
initialised once per process, with pypdfium2's configuration (version 2, no font paths); PDFium
ignores a second initialisation, so importing pypdfium2 later in the same process is harmless.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable
from importlib.util import find_spec
from typing import Any

_P = ctypes.c_void_p
_int, _double = ctypes.c_int, ctypes.c_double


class FSRectF(ctypes.Structure):
    """PDFium's FS_RECTF."""

    _fields_ = [
        ("left", ctypes.c_float),
        ("top", ctypes.c_float),
        ("right", ctypes.c_float),
        ("bottom", ctypes.c_float),
    ]


class FSMatrix(ctypes.Structure):
    """PDFium's FS_MATRIX."""

    _fields_ = [(name, ctypes.c_float) for name in "abcdef"]


class _Config(ctypes.Structure):
    """FPDF_LIBRARY_CONFIG, as pypdfium2 fills it (version 2)."""

    _fields_ = [
        ("version", ctypes.c_int),
        ("m_pUserFontPaths", ctypes.POINTER(ctypes.c_char_p)),
        ("m_pIsolate", ctypes.c_void_p),
        ("m_v8EmbedderSlot", ctypes.c_uint),
        ("m_pPlatform", ctypes.c_void_p),
        ("m_RendererType", ctypes.c_int),
    ]


_SIGNATURES: dict[str, tuple[Any, list]] = {
    "FPDF_InitLibraryWithConfig": (None, [ctypes.POINTER(_Config)]),
    "FPDF_LoadMemDocument64": (_P, [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]),
    "FPDF_CloseDocument": (None, [_P]),
    "FPDF_GetPageCount": (_int, [_P]),
    "FPDF_LoadPage": (_P, [_P, _int]),
    "FPDF_ClosePage": (None, [_P]),
    "FPDF_PageToDevice": (
        _int,
        [_P, _int, _int, _int, _int, _int, _double, _double, ctypes.POINTER(_int), ctypes.POINTER(_int)],
    ),
    "FPDFText_LoadPage": (_P, [_P]),
    "FPDFText_ClosePage": (None, [_P]),
    "FPDFText_CountChars": (_int, [_P]),
    "FPDFText_GetText": (_int, [_P, _int, _int, ctypes.POINTER(ctypes.c_ushort)]),
    "FPDFText_GetTextIndexFromCharIndex": (_int, [_P, _int]),
    "FPDFText_GetCharBox": (
        _int,
        [_P, _int, ctypes.POINTER(_double), ctypes.POINTER(_double), ctypes.POINTER(_double), ctypes.POINTER(_double)],
    ),
    "FPDFText_GetLooseCharBox": (_int, [_P, _int, ctypes.POINTER(FSRectF)]),
    "FPDFText_GetCharOrigin": (_int, [_P, _int, ctypes.POINTER(_double), ctypes.POINTER(_double)]),
    "FPDFText_GetMatrix": (_int, [_P, _int, ctypes.POINTER(FSMatrix)]),
    "FPDFText_GetFontSize": (_double, [_P, _int]),
    "FPDFText_GetTextObject": (_P, [_P, _int]),
}

_LIB: list[Any] = []  #: the bound library once loaded ([None] when it cannot be)


class PdfiumError(RuntimeError):
    """PDFium refused something (pypdfium2's PdfiumError is a RuntimeError too)."""


def _library_path() -> str | None:
    """Where a pypdfium2 wheel puts libpdfium, or None."""
    spec = find_spec("pypdfium2_raw")
    if spec is None or not spec.submodule_search_locations:
        return None
    if sys.platform.startswith(("win32", "cygwin", "msys")):
        name = "pdfium.dll"
    elif sys.platform.startswith(("darwin", "ios")):
        name = "libpdfium.dylib"
    else:
        name = "libpdfium.so"
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def load() -> Any:
    """The bound library (initialised), or None when pypdfium2's library file is not found."""
    if _LIB:
        return _LIB[0]
    path = _library_path()
    lib = None
    if path is not None:
        cdll = ctypes.CDLL(path)
        lib = Binding()
        for name, (restype, argtypes) in _SIGNATURES.items():
            func = getattr(cdll, name)
            func.restype, func.argtypes = restype, argtypes
            setattr(lib, name, func)
        lib.unchecked = Unchecked(ctypes.PyDLL(path))
        if "pypdfium2" not in sys.modules:  # pypdfium2 initialises PDFium when it is imported
            lib.FPDF_InitLibraryWithConfig(ctypes.byref(_Config(version=2)))
    _LIB.append(lib)
    return lib


class Unchecked:
    """The functions `pdfiumtext` calls for every word or text object, bound without argument types.

    ctypes converts each argument through `argtypes` on every call, about 0.5 us; these take their
    arguments as they are, so the caller must pass exactly C's types: the text page as a
    `ctypes.c_void_p` (or its `from_param` object), the index as an int, each out-parameter as `ctypes.byref` of a c_double
    (of an FS_MATRIX for `matrix`).  A call then costs a third as much (0.25 against 0.75 us,
    measured).  They are taken from a `ctypes.PyDLL` of the same library, whose calls keep the GIL
    rather than release it and take it back around a call of well under a microsecond (about 15%
    less again); none of these functions calls back into Python or waits on anything."""

    def __init__(self, cdll: Any) -> None:
        self.origin = cdll["FPDFText_GetCharOrigin"]
        self.origin.restype = None  # its answer is not read: no int made, nor ctypes' lookup of how to make it
        self.box = cdll["FPDFText_GetCharBox"]
        self.box.restype = _int
        self.text_object = cdll["FPDFText_GetTextObject"]
        self.text_object.restype = _P
        self.matrix = cdll["FPDFText_GetMatrix"]
        self.matrix.restype = _int
        self.font_size = cdll["FPDFText_GetFontSize"]
        self.font_size.restype = _double
        self.loose_box = cdll["FPDFText_GetLooseCharBox"]  # for every character of an evidence (`TextPage.loose_boxes`)
        self.loose_box.restype = _int


class Binding:
    """The bound functions, by their C names, and `FS_MATRIX` (as `pypdfium2.raw` names them)."""

    FS_MATRIX = FSMatrix
    unchecked: Unchecked  #: the per-word calls without argument conversion (set by `load`)

    def __getattr__(self, name: str) -> Any:  # for mypy: the functions are set by `load`
        raise AttributeError(name)


class _Handle:
    """A PDFium object owned by this wrapper: `close()` frees it once, with the C function named by
    `_FREE`."""

    _FREE = ""

    def __init__(self, lib: Any, raw: int | None) -> None:
        self._lib, self.raw = lib, raw

    def close(self) -> None:
        if self.raw:
            getattr(self._lib, self._FREE)(self.raw)
            self.raw = None


class Document(_Handle):
    """An open PDF: `len()` pages, `doc[i]` a page, `close()`."""

    _FREE = "FPDF_CloseDocument"

    def __init__(self, lib: Any, data: bytes, password: str | None) -> None:
        secret = None if password is None else (password + "\x00").encode("utf-8")
        super().__init__(lib, lib.FPDF_LoadMemDocument64(data, len(data), secret))
        self._data = data  # PDFium reads from `data` while the document is open
        if lib.FPDF_GetPageCount(self.raw) < 1:
            self.close()
            raise PdfiumError("Failed to load document.")

    def __len__(self) -> int:
        return self._lib.FPDF_GetPageCount(self.raw)

    def __getitem__(self, index: int) -> Page:
        raw = self._lib.FPDF_LoadPage(self.raw, index)
        if not raw:
            raise PdfiumError("Failed to load page.")
        return Page(self._lib, raw)


class Page(_Handle):
    """One loaded page: `get_textpage()`, `to_device(...)`, `close()`."""

    _FREE = "FPDF_ClosePage"

    def get_textpage(self) -> TextPage:
        raw = self._lib.FPDFText_LoadPage(self.raw)
        if not raw:
            raise PdfiumError("Failed to load text page.")
        return TextPage(self._lib, raw)

    def to_device(self, scale: int, x: float, y: float) -> tuple[int, int]:
        """Page point -> device pixel on a `scale` x `scale` picture of the page as displayed."""
        dx, dy = _int(), _int()
        self._lib.FPDF_PageToDevice(self.raw, 0, 0, scale, scale, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
        return dx.value, dy.value


class TextPage(_Handle):
    """A page's characters: `count_chars()`, `get_text_range(i, n)`, `get_charbox(i, loose)`, `loose_boxes(indexes)`,
    `close()`."""

    _FREE = "FPDFText_ClosePage"

    def count_chars(self) -> int:
        count = self._lib.FPDFText_CountChars(self.raw)
        if count == -1:
            raise PdfiumError("Failed to get character count.")
        return count

    def _active_range(self, c_start: int, c_end: int) -> tuple[int, int, int, int] | None:
        """pypdfium2's `_get_active_text_range`: text indexes of the first and last characters that
        have one, and how many were skipped at each end."""
        index_of = self._lib.FPDFText_GetTextIndexFromCharIndex
        left = right = 0
        while c_start <= c_end:
            t_start = index_of(self.raw, c_start)
            if t_start == -1:
                c_start, left = c_start + 1, left + 1
                continue
            t_end = index_of(self.raw, c_end)
            if t_end == -1:
                c_end, right = c_end - 1, right + 1
                continue
            return t_start, t_end, left, right
        return None

    def get_text_range(self, index: int = 0, count: int = -1) -> str:
        """pypdfium2's `PdfTextPage.get_text_range` (UTF-16 decoded, undecodable units dropped)."""
        if count == -1:
            count = self.count_chars() - index
        active = self._active_range(index, index + count - 1)
        if not active:
            return ""
        t_start, t_end, left, right = active
        index += left
        count -= left + right
        size = t_end + 2 - t_start  # with the NUL terminator
        buffer = (ctypes.c_ushort * size)()
        written = self._lib.FPDFText_GetText(self.raw, index, count, buffer)
        if written > size:
            raise PdfiumError(f"Buffer too small: {size} vs {written}")
        return bytes(buffer)[: 2 * (written - 1)].decode("utf-16-le", errors="ignore")

    def loose_boxes(self, indexes: Iterable[int]) -> list[tuple[float, float, float, float]]:
        """`get_charbox(i, loose=True)` of each index in turn (PdfiumError at the first it cannot get),
        through one out-parameter and the unchecked call (`Unchecked`): an evidence's box is the union of
        its characters' boxes, a call each."""
        rect = FSRectF()
        out = ctypes.byref(rect)
        call = self._lib.unchecked.loose_box
        page = ctypes.c_void_p.from_param(self.raw)
        boxes = []
        for index in indexes:
            if not call(page, index, out):
                raise PdfiumError("Failed to get charbox.")
            boxes.append((rect.left, rect.bottom, rect.right, rect.top))
        return boxes

    def get_charbox(self, index: int, loose: bool = False) -> tuple[float, float, float, float]:
        """left, bottom, right, top of one character in page units (`loose`: the font's whole box)."""
        if loose:
            rect = FSRectF()
            ok = self._lib.FPDFText_GetLooseCharBox(self.raw, index, ctypes.byref(rect))
            box = (rect.left, rect.bottom, rect.right, rect.top)
        else:
            left, right, bottom, top = _double(), _double(), _double(), _double()
            ok = self._lib.FPDFText_GetCharBox(
                self.raw, index, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top)
            )
            box = (left.value, bottom.value, right.value, top.value)
        if not ok:
            raise PdfiumError("Failed to get charbox.")
        return box
