"""PDF letters: structure, metadata and page text through pypdf, or without it for a plain file.

A plain file (one revision, no encryption, objects `plainpdf` reads exactly as pypdf would, every
page one PDFium may read) is read by `plainpdf` and PDFium alone: pypdf is not imported for it.
PDFium reads plain files' page text in either case (`pdfiumtext`).

Otherwise `load_pdf` opens the file non-strictly with no external programs allowed (JBIG2 images
would otherwise run ``jbig2dec``), pypdf's decompression limits set from `Limits`
(`max_stream_bytes`) and pypdf's log captured, decrypts when it can, then reads page by
page in one pass of pypdf's text extraction: text lines with baselines and image
placements (`pdflayout` lays them out), rotated text as watermark lines, and annotation
text; then signature fields and Info/XMP metadata (`pdfobjects`).  A failure on one page
or in the metadata becomes a Note; only a file that cannot be opened at all raises
CheckError("corrupt"), or CheckError("timeout") when opening it or reading its page tree
alone outlasts the reading budget.

The work is bounded so that a hostile file ends partial, not timed out: a page whose
decoded content is over `max_page_content_bytes` is not tokenized, a pypdf limit hit on a
page skips that page, and reading stops when the loader's share of the per-file timeout
(`read_time_percent`, see `budget.Budget`) is spent.  Each of these adds a "truncated"
note saying which page and why (the `file.truncated-analysis` rule: at least review).
AES-encrypted files need `cryptography` (the crypto extra); without it they are reported
("needs-crypto-extra", "encrypted") and nothing is read.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import warnings
import zlib
from io import BytesIO
from typing import Any

from authcheck.errors import CheckError
from authcheck.loaders.budget import Budget, OutOfTime
from authcheck.loaders.pagesetup import pdf_setup
from authcheck.loaders.pdflayout import Collector, box, layout_lines
from authcheck.loaders.pdfobjects import annotation_texts, form_shape, metadata, resolve, signature_fields, xobject
from authcheck.loaders.placements import image_placements
from authcheck.loaders.text import LineBuilder
from authcheck.model import Document, Image, Metadata, Note
from authcheck.settings import Limits
from authcheck.util.handover import Handover
from authcheck.util.patterns import compiled

_KEEP_LOGGED = 5
# Page text reader (AUTHCHECK_PDF_TEXT): "auto" (default) reads pages of plain text with PDFium
# (loaders/pdfiumtext.py: native code, identical lines on the samples and the benchmark corpus) when a byte
# scan shows a plain file (`pdfbytes.plain_pdf`: one revision, signed or not, no encryption, sane xref) and
# pypdf opened it without a complaint; every other file, whose damage only pypdf's tokenizer reports
# (parser-warnings, page-unreadable: file.damaged), is read by pypdf.  "pypdf" reads every page with
# pypdf; "pdfium" uses PDFium for pages of plain text in every file.
TEXT_READER = os.environ.get("AUTHCHECK_PDF_TEXT", "auto")


def _library_errors(pypdf: Any) -> tuple[type[BaseException], ...]:
    """Exceptions pypdf raises on damaged input (MemoryError is left to the caller)."""
    return (
        pypdf.errors.PyPdfError,
        pypdf.errors.DeprecationError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        AssertionError,
        NotImplementedError,
        IndexError,
        RecursionError,
        OverflowError,
        EOFError,
        OSError,
        zlib.error,
        struct.error,
        UnicodeError,
    )


def import_pypdf() -> Any:
    """The pypdf module, imported without Pillow when nothing has imported Pillow's `Image` yet.

    pypdf's page module imports `PIL.Image` (≈ 12 ms of CPU) only for `ImageFile.replace`, which
    authcheck never calls; decoding a placed image (`loaders/placedimages.py`) imports Pillow itself,
    through pypdf's image module, whenever it runs.  So pypdf is imported with `PIL.Image` marked
    missing, then the mark is removed.  Only with one thread running: the mark is process-wide, and
    another thread must never see Pillow missing.  Its hex-string reader is replaced by one that
    gives the same strings faster (`pypdfhex`)."""
    import sys

    if "pypdf" not in sys.modules and "PIL.Image" not in sys.modules and _one_thread():
        sys.modules["PIL.Image"] = None  # type: ignore[assignment]
        try:
            import pypdf
        finally:
            if "PIL.Image" in sys.modules and sys.modules["PIL.Image"] is None:
                del sys.modules["PIL.Image"]
    import pypdf

    from authcheck.loaders.pypdfhex import install

    install()  # hex strings (a signature's value) read whole, not byte by byte
    return pypdf


def _one_thread() -> bool:
    import threading

    return threading.active_count() == 1


def load_pdf(data: bytes, *, path: str, sha256: str, extension: str, password: str | None, limits: Limits) -> Document:
    """Read a PDF into a `Document`; raises CheckError only when it cannot be opened (in time).

    A plain file (`_plain_reader`) is read without pypdf; anything it meets that needs pypdf
    (`plainpdf.NotPlain`, even half way through) and the file is read again through pypdf."""
    budget = Budget.for_limits(limits)
    plain = _plain_document(data, path=path, sha256=sha256, extension=extension, limits=limits, budget=budget)
    if plain is not None:
        return plain
    pypdf = import_pypdf()

    notes: list[Note] = []
    with _captured_log() as log, pypdf_configured(pypdf, limits), budget.enforced():
        try:
            reader = budget.call(_open, pypdf, data, password, notes)
        except OutOfTime:
            raise CheckError("timeout", f"opening the PDF took over {budget.describe()}", "load") from None
        if reader is None:
            parts = _locked(pypdf, data, notes, budget)
        else:
            fast = _fast_reader(data, password, reader, budget, log.count)
            parts = _read(reader, limits, notes, budget, _PdfiumPages(fast, log) if fast is not None else None)
    notes.extend(log.notes())
    if b"%%EOF" not in data[-2048:]:
        notes.append(Note("damaged", "the file does not end with %%EOF: it may have been cut short"))
    _READ.put(data, reader if reader is not None and not notes and not reader.is_encrypted else None)
    return Document(
        path=path, sha256=sha256, size=len(data), format="pdf", extension=extension, notes=tuple(notes), **parts
    )


def _plain_document(
    data: bytes, *, path: str, sha256: str, extension: str, limits: Limits, budget: Budget
) -> Document | None:
    """The `Document` of a plain PDF read without pypdf, or None when pypdf should read it: the file
    is not plain to the byte scan or to `plainpdf`, or a page needs pypdf's text reader (a form
    XObject, an inline image, a font pypdf might complain about, PDFium failing on it).  pypdf
    then goes on within the same `budget`; a file whose objects cannot be read in time is a timeout,
    as it is through pypdf."""
    from authcheck.loaders.plainpdf import NotPlain

    notes: list[Note] = []
    try:
        with _captured_log() as log, budget.enforced():
            try:
                reader = budget.call(_plain_reader, data, limits)
            except OutOfTime:
                raise CheckError("timeout", f"opening the PDF took over {budget.describe()}", "load") from None
            fast = _fast_reader(data, None, reader, budget) if reader is not None else None
            if fast is None:
                return None
            parts = _read(reader, limits, notes, budget, _PlainPages(fast, log))
    except NotPlain:
        return None
    notes.extend(log.notes())
    _READ.put(data, reader if not notes else None)
    return Document(
        path=path, sha256=sha256, size=len(data), format="pdf", extension=extension, notes=tuple(notes), **parts
    )


def _plain_reader(data: bytes, limits: Limits) -> Any:
    """`plainpdf.PlainReader` over a plain file whose every page PDFium may read, else None."""
    from authcheck.loaders.pdfbytes import plain_pdf

    if TEXT_READER != "auto" or not plain_pdf(data):
        return None
    from authcheck.loaders import plainpdf

    try:
        reader = plainpdf.open_plain(data, limits.max_stream_bytes, limits.max_page_content_bytes)
        info = resolve(reader.trailer.get("/Info"))
        if info is not None and not (
            isinstance(info, dict) and all(plainpdf.simple(resolve(value)) for value in info.values())
        ):
            return None
        for page in reader.pages[: limits.max_pages]:
            resources = resolve(page.get("/Resources"))
            if resources is not None and not isinstance(resources, dict):
                return None
            contents = page.get_contents()
            if _page_images(resources, contents.get_data() if contents is not None else b"") is None:
                return None
            fonts = resolve(resources.get("/Font")) if resources is not None else None
            if fonts is not None and not (
                isinstance(fonts, dict) and all(plainpdf.plain_font(resolve(font)) for font in fonts.values())
            ):
                return None
    except plainpdf.NotPlain:
        return None
    return reader


#: The reader of the last PDF read in full without a note, for forensics to take (`reader_for`).
_READ = Handover(drop_on_miss=True)


def reader_for(data: bytes) -> Any:
    """The PdfReader `load_pdf` opened on this very bytes object, handed over once (None otherwise).

    Forensics reads the same objects again (pages, resources, content streams, form fields); taking
    the loader's reader saves opening the file, walking the page tree and parsing those objects a
    second time.  Only a reader that read every part within its budget without a note is kept (a
    budget cut can stop pypdf half way through an object), never an encrypted one, and only for the
    same `bytes` object, so a reader is never paired with other bytes.
    """
    return _READ.take(data)


_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
)


def pypdf_settings(pypdf: Any, limits: Limits) -> dict:
    """pypdf configuration values for `limits`: no external programs, decoded streams capped.

    Each output limit (flate, LZW, run-length, Brotli, JBIG2, and a content array's total) is
    lowered to `max_stream_bytes`, the accumulated decoding work to four times that, and the
    content-stream token budget to `max_page_content_bytes` (a page within its byte budget
    never reaches it; a huge Form XObject does).  pypdf's own value is kept when it is lower.
    Names pypdf does not know are left out, so a newer or older pypdf 7 still works.
    """
    import dataclasses

    current = pypdf.get_configuration() if hasattr(pypdf, "get_configuration") else None
    known = {f.name for f in dataclasses.fields(current)} if current is not None else set()
    wanted = {name: limits.max_stream_bytes for name in _OUTPUT_LIMITS}
    wanted["stream_decoding_work_maximum_length"] = 4 * limits.max_stream_bytes
    wanted["stream_parsing_work_maximum_count"] = limits.max_page_content_bytes
    out = {name: min(value, getattr(current, name)) for name, value in wanted.items() if name in known}
    out["jbig2dec_binary"] = None
    return out


@contextlib.contextmanager
def pypdf_configured(pypdf: Any, limits: Limits):
    """pypdf set up for hostile input for the duration (see `pypdf_settings`); also for forensics."""
    if hasattr(pypdf, "apply_configuration"):
        with pypdf.apply_configuration(**pypdf_settings(pypdf, limits)):
            yield
        return
    filters = pypdf.filters
    saved = getattr(filters, "JBIG2DEC_BINARY", None)
    filters.JBIG2DEC_BINARY = None
    try:
        yield
    finally:
        filters.JBIG2DEC_BINARY = saved


class _LogCounter:
    """Counts pypdf's log records and Python warnings, and keeps the first few messages."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []

    def add(self, message: Any) -> None:
        """Count one record; never print it."""
        self.count += 1
        if len(self.first) < _KEEP_LOGGED:
            self.first.append(str(message)[:200])

    def notes(self) -> list[Note]:
        """A "parser-warnings" note when pypdf complained: how often, exactly up to `COUNTED_PROBLEMS`,
        "more than" past it."""
        if not self.count:
            return []
        more = self.count > COUNTED_PROBLEMS
        how_many = f"more than {COUNTED_PROBLEMS:,}" if more else str(self.count)
        detail = f"pypdf reported {how_many} problems while reading (first: {self.first[0]})"
        data = {"count": min(self.count, COUNTED_PROBLEMS), **({"more": True} if more else {})}
        return [Note("parser-warnings", detail, data)]


#: pypdf's complaints a "parser-warnings" note counts exactly.  A file that makes pypdf complain more
#: often than this is broken past reading closely, and the exact count can depend on the process
#: rather than the file: a dictionary nested beyond Python's recursion limit gives thousands of
#: complaints, their number set by how much of the limit the process had left (a first check in a
#: process and a later one differ), so a record would differ between a worker, the standby, a served
#: command and a Dask worker.
COUNTED_PROBLEMS = 1000


def _log_handler(logging: Any, counter: _LogCounter) -> Any:
    """A `logging.Handler` that hands every record's message to `counter`."""

    class Handler(logging.Handler):
        def emit(self, record: Any) -> None:
            try:
                message = record.getMessage()
            except Exception:
                message = record.msg
            counter.add(message)

    return Handler(logging.DEBUG)


@contextlib.contextmanager
def _captured_log():
    """Route the "pypdf" logger (and Python warnings) into a counter for the duration.

    pypdf logs through `logging`, which it imports.  Before pypdf is imported (a plain file's
    read, `_plain_document`) nothing can log to it, and logging is not imported for it (≈ 3 ms of
    a first command): the counter takes the warnings alone, and should pypdf be imported within
    the block after all, its records were not counted, so the file is read again through pypdf
    (`plainpdf.NotPlain`)."""
    counter = _LogCounter()
    logger: Any = None
    handler: Any = None
    propagate = True
    if "logging" in sys.modules or "pypdf" in sys.modules:
        import logging

        logger = logging.getLogger("pypdf")
        handler, propagate = _log_handler(logging, counter), logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield counter
        for item in caught:
            counter.add(item.message)
    finally:
        if logger is not None:
            logger.removeHandler(handler)
            logger.propagate = propagate
    if logger is None and "pypdf" in sys.modules:
        from authcheck.loaders.plainpdf import NotPlain

        raise NotPlain("pypdf was imported while its log was not captured")


def _open(pypdf: Any, data: bytes, password: str | None, notes: list[Note]):
    """A readable PdfReader, or None when encryption keeps it closed (the notes say why).

    The password given is tried first, then the empty user password, so a file protected
    only by an owner password opens whatever was passed.
    """
    try:
        reader = pypdf.PdfReader(BytesIO(data), strict=False)
        if not reader.is_encrypted:
            return reader
        if _uses_aes(reader) and not _aes_available(pypdf):
            return _needs_crypto(notes)
        opened = reader.decrypt(password) if password else 0
        if not opened:
            opened = reader.decrypt("")
    except MemoryError:
        raise
    except pypdf.errors.DependencyError as exc:
        if "crypt" not in str(exc).lower() and "aes" not in str(exc).lower():
            raise CheckError("unsupported", f"needs an optional library to be read ({exc})", "load") from None
        return _needs_crypto(notes)
    except NotImplementedError as exc:
        notes.append(Note("encrypted", f"encrypted with an unsupported method ({exc}); not read"))
        return None
    except _library_errors(pypdf) as exc:
        raise CheckError("corrupt", _reason(exc), "load") from None
    if not opened:
        detail = "the password given does not open it" if password else "no password given (use --password)"
        notes.append(Note("encrypted", f"encrypted; {detail}"))
        return None
    return reader


def _needs_crypto(notes: list[Note]) -> None:
    """Notes for an AES file while no AES implementation is installed; nothing is read."""
    notes.append(
        Note(
            "needs-crypto-extra",
            "AES-encrypted: install the authcheck[crypto] extra "
            "(pip install '.[crypto]' in the authcheck checkout) to read it",
        )
    )
    notes.append(Note("encrypted", "encrypted with AES; not read"))
    return None


def _uses_aes(reader: Any) -> bool:
    """True when the /Encrypt dictionary asks for AES (V 5, or a V 4 crypt filter with AESV2/AESV3)."""
    try:
        enc = resolve(reader.trailer.get("/Encrypt"))
        if int(resolve(enc.get("/V", 0))) >= 5:
            return True
        filters = resolve(enc.get("/CF")) or {}
        return any(
            str(resolve(resolve(f).get("/CFM"))) in ("/AESV2", "/AESV3")
            for f in list(filters.values())[:32]
            if hasattr(resolve(f), "get")
        )
    except MemoryError:
        raise
    except Exception:
        return False


def _aes_available(pypdf: Any) -> bool:
    """True when pypdf has an AES implementation (cryptography or pycryptodome), probed by use."""
    try:
        from pypdf import _encryption

        _encryption.aes_cbc_decrypt(bytes(16), bytes(16), bytes(16))
    except pypdf.errors.DependencyError:
        return False
    except Exception:
        return True
    return True


def _reason(exc: BaseException) -> str:
    """A short reason for an error raised while opening the file."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    return f"not a readable PDF ({type(exc).__name__}{': ' + text if text else ''})"


def _locked(pypdf: Any, data: bytes, notes: list[Note], budget: Budget) -> dict:
    """Document fields for an encrypted file we could not open: no text, page count if readable."""
    count = None
    with contextlib.suppress(Exception):
        count = budget.call(lambda: len(pypdf.PdfReader(BytesIO(data), strict=False).pages))
    return {"lines": (), "metadata": Metadata(page_count=count, encrypted=True), "pages": count or 1}


def _fast_reader(data: bytes, password: str | None, reader: Any, budget: Budget, complaints: int = 0) -> Any:
    """`_text_reader` within the reading budget (None when opening in PDFium outlasts it, or when
    the reader is "auto" and PDFium is not wanted for this file: see `_wants_pdfium`)."""
    try:
        if not budget.call(_wants_pdfium, data, complaints):
            return None
        return budget.call(_text_reader, data, password, reader)
    except OutOfTime:
        return None


def _wants_pdfium(data: bytes, complaints: int) -> bool:
    """True when PDFium should read this file's pages of plain text (see `TEXT_READER`): always with
    "pdfium"; with "auto" for a plain file (`pdfbytes.plain_pdf`) pypdf opened without a complaint,
    whatever its length (loading PDFium costs about 1 ms, and saves about 1.7 ms of CPU a page).
    Each page then passes `_PdfiumPages.check` first.

    The choice depends on the file alone, never on what this process has loaded already: the two
    readers differ on some damaged files, and a file gets one result in a terminal, from a warm
    server and in a folder scan."""
    if TEXT_READER == "pdfium":
        return True
    if TEXT_READER != "auto" or complaints:
        return False
    from authcheck.loaders.pdfbytes import plain_pdf

    return plain_pdf(data)


def _text_reader(data: bytes, password: str | None, reader: Any) -> Any:
    """PDFium opened on the same bytes for page text (`pdfium.PdfiumText`), or None to read all text with pypdf.

    None when `TEXT_READER` is "pypdf"; None too when pypdfium2 is missing, PDFium cannot open the file, or it
    sees a different number of pages than pypdf (pypdf's page tree is the one reported).
    """
    if TEXT_READER == "pypdf":
        return None
    from authcheck.loaders import pdfiumtext as pdfium

    if not pdfium.available():
        return None
    try:
        text = pdfium.PdfiumText(data, password if getattr(reader, "is_encrypted", False) else None)
        if text.page_count() == len(reader.pages):
            return text
        text.close()
    except MemoryError:
        raise
    except Exception:
        pass
    return None


class _PdfiumPages:
    """PDFium's page text for one file, and the test a page passes before PDFium reads it.

    pypdf's limits and warnings are damage reports that PDFium, which repairs quietly, would not
    give: a page goes to PDFium only when pypdf made no complaint while decoding its content, and
    builds every font of the page as its own text extraction does first (widths, encoding,
    ToUnicode CMap) without a complaint.  A font pypdf cannot build stops its extraction of the
    whole page before any text, so that failure is the page's outcome here too (a CMap over 4
    billion codes, a 200,000-entry /Widths array: "truncated"); a font it builds with a warning
    sends the page to pypdf.  Each font is built once a file (a failed build cannot be repeated:
    pypdf then sees the half-read object as a reference loop).
    """

    def __init__(self, text: Any, log: Any) -> None:
        self.text, self.log = text, log
        self._fonts: dict[Any, bool | BaseException] = {}
        self.helper: Any = None  #: a `pagehelper.Helper` reading pages from the back, when one runs

    def share(self, count: int) -> None:
        """Let a helper process read pages from the back, where a core is spare (`pagehelper`)."""
        from authcheck.loaders import pagehelper

        self.helper = pagehelper.start(self.text, count)

    def reach(self, index: int) -> None:
        """The loader is at page `index` (the helper, if any, leaves it to the loader unless begun)."""
        if self.helper is not None:
            self.helper.reach(index)

    def fragments(self, index: int, out: list) -> None:
        found = self.helper.take(index) if self.helper is not None else None
        if found is None:
            self.text.fragments(index, out)
        else:
            out.extend(found)

    def close(self) -> None:
        if self.helper is not None:
            from authcheck.util import sparecore

            # done with its pages, the helper is kept for the running check's work (`sparecore`)
            if not (sparecore.running() and self.helper.idle(wait=0.005) and sparecore.keep(self.helper)):
                self.helper.close()
        self.text.close()

    def check(self, resources: Any, complaints: int) -> bool | BaseException:
        """True when PDFium may read a page with these resources, False when pypdf should, or the
        error pypdf's extraction of the page would stop on (`complaints`: pypdf's count before the
        page's content was decoded)."""
        if self.log.count > complaints:
            return False
        try:
            fonts = resolve(resources.get("/Font")) if resources is not None else None
            refs = list(fonts.values()) if fonts else []
        except MemoryError:
            raise
        except Exception:
            return False
        for ref in refs:
            key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
            if key not in self._fonts:
                self._fonts[key] = self._build(ref)
            if self._fonts[key] is not True:
                return self._fonts[key]
        return True

    def _build(self, ref: Any) -> bool | BaseException:
        """Build one font as pypdf's text extraction does: True when it builds silently, False
        when pypdf complained, the error when it cannot."""
        before = self.log.count
        try:
            from pypdf.generic._font import Font

            font = ref.get_object()
            if hasattr(font, "get"):  # pypdf's extraction skips what is not a font dictionary
                Font.from_font_resource(font)
        except ImportError:
            return False  # another pypdf: no test, so pypdf reads the page
        except (AttributeError, TypeError):
            pass  # pypdf's extraction skips such a font too
        except MemoryError:
            raise
        except Exception as exc:
            return exc
        return self.log.count == before


class _PlainPages(_PdfiumPages):
    """`_PdfiumPages` for a file `plainpdf` reads: every page's fonts passed `plainpdf.plain_font`
    before the pages were read, so each page is PDFium's (a page it cannot read sends the whole
    file to pypdf: `plainpdf.NotPlain` from the page's `extract_text`)."""

    def check(self, resources: Any, complaints: int) -> bool:
        return True


def _read(reader: Any, limits: Limits, notes: list[Note], budget: Budget, fast: Any = None) -> dict:
    """Every part of an opened PDF, as `Document` keyword arguments."""
    try:
        return _read_all(reader, limits, notes, budget, fast)
    finally:
        if fast is not None:
            fast.close()


def _read_all(reader: Any, limits: Limits, notes: list[Note], budget: Budget, fast: Any) -> dict:
    """`_read` with the PDFium text reader (or None) already open."""
    try:
        total = budget.call(lambda: len(reader.pages))
    except MemoryError:
        raise
    except OutOfTime:
        raise CheckError("timeout", f"the page tree could not be read within {budget.describe()}", "load") from None
    except Exception as exc:
        raise CheckError("corrupt", f"the page tree cannot be read ({type(exc).__name__})", "load") from None
    count = min(total, limits.max_pages)
    if total > count:
        notes.append(
            Note("truncated", f"read the first {count} of {total} pages", {"pages_total": total, "pages_read": count})
        )
    builder, images = LineBuilder(limits.max_text_chars), []
    if fast is not None:
        fast.share(count)
    for index in range(count):
        if budget.expired():
            notes.append(_out_of_time(budget, index, total, partial=False))
            break
        if fast is not None:
            fast.reach(index)
        found, stopped = _read_page(reader, index, builder, notes, limits, budget, **({"fast": fast} if fast else {}))
        images.extend(found)
        if stopped:
            notes.append(_out_of_time(budget, index, total, partial=True))
            break
    notes.extend(builder.notes())
    has_text = any(line.text for line in builder.lines if line.source == "page")
    if not has_text and count:
        skipped = any(note.code == "truncated" and "page" in note.data for note in notes)
        where = (
            "its pages carry only images (a scan?)"
            if images
            else "no text was read within the limits (see the truncated notes)"
            if skipped
            else "no text could be extracted"
        )
        notes.append(Note("no-text-layer", f"no text layer: {where}; OCR is not supported", {"images": len(images)}))
    budget.extend(_closing_seconds(limits))
    return {
        "lines": tuple(builder.lines),
        "metadata": _metadata(reader, total, notes, budget),
        "pages": max(total, 1),
        "images": tuple(images),
        "signature_fields": _signatures(reader, count, notes, budget),
        "has_text_layer": has_text,
        **_shape(reader, count, budget),
        **_setup(reader, count, budget),
    }


def _setup(reader: Any, count: int, budget: Budget) -> dict:
    """Page sizes and font names (for the exemplar comparison); nothing when out of time or damaged."""
    try:
        return budget.call(pdf_setup, reader, count, resolve)
    except MemoryError:
        raise
    except Exception:
        return {}


def _shape(reader: Any, count: int, budget: Budget) -> dict:
    """Form-field and landscape-page counts (hints for the document kind); nothing when out of time."""
    try:
        fields, landscape = budget.call(form_shape, reader, count)
    except MemoryError:
        raise
    except Exception:
        return {}
    return {"form_fields": fields, "landscape_pages": landscape}


def _closing_seconds(limits: Limits) -> float:
    """Time allowed for metadata and form fields after the pages (a tenth of the timeout, at most 5 s)."""
    return min(5.0, 0.1 * limits.timeout) if limits.timeout and limits.timeout > 0 else 5.0


def _out_of_time(budget: Budget, index: int, total: int, partial: bool) -> Note:
    """The "truncated" note for pages left unread because the time budget ran out."""
    where = f"inside page {index + 1} (kept what it had read)" if partial else f"before page {index + 1}"
    detail = (
        f"stopped reading {where} after {budget.elapsed():.1f} s, the reading budget "
        f"({budget.describe()}); {index} of {total} pages read in full"
    )
    return Note("truncated", detail, {"pages_total": total, "pages_read": index, "reason": "time"})


def _metadata(reader: Any, total: int, notes: list[Note], budget: Budget) -> Metadata:
    """Info/XMP metadata within the budget; on overrun a note and only what the reader knows."""
    try:
        return budget.call(metadata, reader, total, notes)
    except OutOfTime:
        notes.append(Note("metadata-unreadable", "metadata not read: the reading budget ran out", {"part": "all"}))
        return Metadata(page_count=total, encrypted=bool(getattr(reader, "is_encrypted", False)))


def _signatures(reader: Any, count: int, notes: list[Note], budget: Budget) -> tuple:
    """Signature fields within the budget; on overrun a note and none."""
    try:
        return budget.call(signature_fields, reader, count, notes)
    except OutOfTime:
        notes.append(Note("fields-unreadable", "form fields not read: the reading budget ran out"))
        return ()


def _read_page(
    reader: Any, index: int, builder: LineBuilder, notes: list[Note], limits: Limits, budget: Budget, fast: Any = None
) -> tuple[list[Image], bool]:
    """Add one page's lines to the builder; (its images, True when the time budget stopped it)."""
    number = index + 1
    try:
        page = budget.call(reader.pages.__getitem__, index)
    except MemoryError:
        raise
    except OutOfTime:
        return [], True
    except Exception as exc:
        _page_note(notes, number, "page", exc)
        return [], False
    complaints = fast.log.count if fast is not None else 0
    try:
        skip, content = budget.call(_oversized, page, number, limits)
    except OutOfTime:
        return [], True
    try:
        resources = resolve(page.get("/Resources"))
    except MemoryError:
        raise
    except Exception:
        resources = None
    collector = Collector(resources, xobject, _width_table())
    stopped: bool | None = None
    verdict: bool | BaseException = False
    images = None
    try:
        if skip is None and fast is not None:
            images = budget.call(_page_images, resources, content)  # resolves every XObject of the page
        if images is not None:
            verdict = budget.call(fast.check, resources, complaints)
    except OutOfTime:
        return [], True
    if skip is not None:
        notes.append(skip)
        stopped = False
    elif isinstance(verdict, BaseException):  # pypdf's extraction would stop on this font: say so
        _text_failed(notes, number, verdict)
        stopped = False
    elif verdict:
        try:
            placed = not images or budget.call(image_placements, content, images, collector.place_image)
        except OutOfTime:
            return [], True
        if placed:
            stopped = _fast_text(fast, index, collector, budget)
        if stopped is False and not collector.fragments and _SHOWS_TEXT.search(content):
            stopped = None  # PDFium read nothing from a page that shows text: pypdf reads it
    if stopped is None:  # pypdf: pages with forms or inline images, placements it must read, or PDFium failed
        collector.fragments.clear()
        collector.images.clear()
        stopped = _pypdf_text(page, collector, notes, number, budget)
    for text, source, y, extent in layout_lines(collector.fragments):
        builder.add(text, number, source, y, extent)
    if stopped:
        return _images(collector, number), True
    try:
        found = budget.call(_guarded, annotation_texts, page, notes=notes, number=number)
    except OutOfTime:
        return _images(collector, number), True
    for text, y in found:
        for part in text.splitlines():
            builder.add(part, number, "annotation", y)
    return _images(collector, number), False


def _pypdf_text(page: Any, collector: Collector, notes: list[Note], number: int, budget: Budget) -> bool:
    """One page's text through pypdf's visitor into `collector`; True when the time budget stopped it."""
    try:
        budget.call(
            page.extract_text,
            visitor_text=collector.text,
            visitor_operand_before=collector.before,
            visitor_operand_after=collector.after,
        )
    except MemoryError:
        raise
    except OutOfTime:
        return True
    except Exception as exc:
        if getattr(exc, "plain", False):
            raise  # a file read without pypdf: read it again with pypdf
        _text_failed(notes, number, exc)
    return False


def _fast_text(fast: Any, index: int, collector: Collector, budget: Budget) -> bool | None:
    """One page's text through PDFium into `collector`: True when the time budget stopped it
    (the words read so far are kept), None when PDFium failed (pypdf reads the page instead)."""
    try:
        budget.call(fast.fragments, index, collector.fragments)
    except MemoryError:
        raise
    except OutOfTime:
        return True
    except Exception:
        return None
    return False


def _page_images(resources: Any, content: bytes | None) -> frozenset[str] | None:
    """The names (with their slash) of the page's image XObjects when PDFium may read its text, an
    empty set for a page that has none; None when pypdf reads the page: it has a form XObject (whose
    text pypdf follows), an XObject that is not a readable image, or an inline image.

    A page with images has its text read by PDFium and each image's resource name and placement by
    `placements.image_placements` (the signature evidence and the registry's image hashes look images
    up by that name); a content stream that reader leaves alone goes to pypdf too.
    """
    if content is None:
        return None
    try:
        xobjects = resolve(resources.get("/XObject")) if resources is not None else None
        names: frozenset[str] = frozenset()
        if xobjects:
            names = frozenset(str(name) for name in xobjects if (xobject(resources, name) or ("",))[0] == "image")
            if len(names) != len(xobjects):
                return None
    except MemoryError:
        raise
    except Exception:
        return None
    return names if b"BI" not in content or not _INLINE_IMAGE.search(content) else None


#: A text object or a text-showing operator (one outside BT..ET is read by pypdf, not by PDFium).
_SHOWS_TEXT = compiled(rb"BT|Tj|TJ")
_INLINE_IMAGE = compiled(rb"(?:^|[\s\]\)>])BI[\s/]")


def _images(collector: Collector, number: int) -> list[Image]:
    """The image placements the collector saw on page `number`, as `Image`s."""
    return [Image(number, name, None, *box(matrix)) for name, matrix in collector.images]


def _oversized(page: Any, number: int, limits: Limits) -> tuple[Note | None, bytes | None]:
    """(a "truncated" note when the page's decoded content is over budget or over a pypdf limit, else
    None; the decoded content when it was read within the limits, else None).

    Decoding is bounded by pypdf's output limits; tokenizing is what costs (about 1 s per
    150k operators), so an oversized page is not handed to the text extractor at all.
    """
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except MemoryError:
        raise
    except Exception as exc:
        return (_limit_note(number, exc) if _is_resource_limit(exc) else None), None
    size = len(data)
    if size <= limits.max_page_content_bytes:
        return None, data
    return Note(
        "truncated",
        f"page {number}: text not read: its content is {size} bytes decoded, over the "
        f"{limits.max_page_content_bytes}-byte limit (max_page_content_bytes)",
        {"page": number, "content_bytes": size, "max_page_content_bytes": limits.max_page_content_bytes},
    ), None


def _text_failed(notes: list[Note], number: int, exc: BaseException) -> None:
    """A page's text extraction failed: a pypdf limit is a "truncated" note, anything else damage."""
    if _is_resource_limit(exc):
        notes.append(_limit_note(number, exc))
    else:
        _page_note(notes, number, "text", exc)


def _is_resource_limit(exc: BaseException) -> bool:
    """True for pypdf's LimitReachedError about size or work; its reference-loop errors are damage."""
    text = str(exc).lower()
    return type(exc).__name__ == "LimitReachedError" and "loop" not in text and "self reference" not in text


def _limit_note(number: int, exc: BaseException) -> Note:
    """The "truncated" note for a page cut short by one of pypdf's resource limits."""
    reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    return Note(
        "truncated",
        f"page {number}: text not read: a parser limit was reached ({reason})",
        {"page": number, "limit": reason},
    )


def _guarded(func, *args, notes: list[Note], number: int) -> list:
    """Call a per-page reader; on failure record a note and return []."""
    try:
        return func(*args)
    except MemoryError:
        raise
    except Exception as exc:
        _page_note(notes, number, func.__name__, exc)
        return []


def _page_note(notes: list[Note], number: int, what: str, exc: BaseException) -> None:
    """Record that part of one page could not be read."""
    notes.append(
        Note(
            "page-unreadable",
            f"page {number}: {what} could not be read ({type(exc).__name__})",
            {"page": number, "what": what},
        )
    )


def _width_table():
    """A function giving the advance of a string in em units, with font metrics cached per page."""
    cache: dict[int, tuple[dict, float]] = {}

    def width_of(font: Any, text: str) -> float:
        """The advance of `text` in em units."""
        key = id(font)
        if key not in cache:
            cache[key] = _font_widths(font)
        widths, default = cache[key]
        return sum(widths.get(char, default) for char in text) / 1000.0

    return width_of


def _font_widths(font: Any) -> tuple[dict, float]:
    """(widths by character, width for others) from pypdf's font reader; half an em when unknown.

    Composite fonts key their widths by glyph id, not by character, so characters not
    found get the font's average glyph width rather than its (often 1000) default.
    """
    try:
        from pypdf.generic._font import Font

        widths = {
            char: float(width)
            for char, width in Font.from_font_resource(font).character_widths.items()
            if char != "default" and isinstance(width, (int, float)) and width >= 0
        }
        known = [width for width in widths.values() if width > 0]
        return widths, (sum(known) / len(known) if len(known) >= 3 else 500.0)
    except MemoryError:
        raise
    except Exception:
        return {}, 500.0
