"""Page size, margins and fonts of a PDF or DOCX: what the exemplar comparison needs of a letter's form.

PDF: each page's crop box (media box when there is none) and /Rotate, and the /BaseFont names
of the fonts in the page's /Resources (one level of Form XObjects too), walked through pypdf's
objects without importing pypdf.  DOCX: the page size and left margin of every section
(``w:pgSz``, ``w:pgMar``, in twips) and the fonts named by the document defaults, the styles
in use and the runs (``w:rFonts``; theme fonts resolved through the theme part).  Anything
damaged or odd is left out, never raised: a bad media box gives no size, a missing font no name.
"""

from __future__ import annotations

import math
from typing import Any

from authcheck.model import PageSize
from authcheck.util.patterns import compiled

MAX_FONTS = 64
_SUBSET = compiled(r"^[A-Z]{6}\+")
_NAME_ESCAPE = compiled(r"#([0-9A-Fa-f]{2})")  #: a PDF name's #xx escape
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def font_name(raw: Any) -> str:
    """A font name cleaned for comparison: no leading '/', no subset prefix (ABCDEF+), printable, short."""
    text = str(raw or "").lstrip("/")
    text = _NAME_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _SUBSET.sub("", text)
    return "".join(c for c in text if c.isprintable()).strip()[:80]


# --- PDF -------------------------------------------------------------------------------------------


def pdf_setup(reader: Any, count: int, resolve) -> dict:
    """`Document` keyword arguments page_sizes and fonts for the first `count` pages of a PDF."""
    sizes: list[PageSize] = []
    fonts: set[str] = set()
    for index in range(count):
        try:
            page = reader.pages[index]
        except MemoryError:
            raise
        except Exception:
            continue
        size = _page_size(page, resolve)
        if size is not None:
            sizes.append(size)
        if len(fonts) < MAX_FONTS:
            fonts.update(_page_fonts(page, resolve))
    return {"page_sizes": tuple(sizes), "fonts": tuple(sorted(fonts)[:MAX_FONTS])}


def _page_size(page: Any, resolve) -> PageSize | None:
    """The page's visible box and rotation; None when the box is missing or absurd."""
    try:
        box = resolve(page.get("/CropBox")) or resolve(page.get("/MediaBox"))
        x0, y0, x1, y1 = (float(resolve(v)) for v in list(box)[:4])
    except MemoryError:
        raise
    except Exception:
        return _inherited_size(page)
    return _checked(x0, y0, x1, y1, _rotation(page, resolve))


def _rotation(page: Any, resolve) -> int:
    """/Rotate as 0, 90, 180 or 270 (0 when missing or damaged)."""
    try:
        return int(resolve(page.get("/Rotate")) or 0) % 360
    except MemoryError:
        raise
    except Exception:
        return 0


def _inherited_size(page: Any) -> PageSize | None:
    """The size through pypdf's own (inheriting) box, or None."""
    try:
        box = page.cropbox
        return _checked(
            float(box.left), float(box.bottom), float(box.right), float(box.top), int(page.rotation or 0) % 360
        )
    except MemoryError:
        raise
    except Exception:
        return None


def _checked(x0: float, y0: float, x1: float, y1: float, rotation: int) -> PageSize | None:
    """A PageSize when the box is finite and between 1 and 200 inches on each side."""
    width, height = abs(x1 - x0), abs(y1 - y0)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or not (72 <= width <= 14400 and 72 <= height <= 14400):
        return None
    return PageSize(
        round(width, 2),
        round(height, 2),
        rotation if rotation % 90 == 0 else 0,
        round(min(x0, x1), 2),
        round(min(y0, y1), 2),
    )


def _page_fonts(page: Any, resolve) -> set[str]:
    """/BaseFont names of the page's fonts and of its Form XObjects' fonts (one level deep)."""
    out: set[str] = set()
    try:
        resources = resolve(page.get("/Resources"))
        _fonts_of(resources, resolve, out)
        xobjects = resolve(resources.get("/XObject")) if hasattr(resources, "get") else None
        for ref in list((xobjects or {}).values())[:64]:
            form = resolve(ref)
            if hasattr(form, "get") and form.get("/Subtype") == "/Form":
                _fonts_of(resolve(form.get("/Resources")), resolve, out)
    except MemoryError:
        raise
    except Exception:
        pass
    return out


def _fonts_of(resources: Any, resolve, out: set[str]) -> None:
    """Add the /BaseFont of every font in a /Resources dictionary."""
    fonts = resolve(resources.get("/Font")) if hasattr(resources, "get") else None
    for ref in list((fonts or {}).values())[:MAX_FONTS] if hasattr(fonts, "values") else ():
        try:
            font = resolve(ref)
            name = font_name(resolve(font.get("/BaseFont"))) if hasattr(font, "get") else ""
        except MemoryError:
            raise
        except Exception:
            continue
        if name:
            out.add(name)


# --- DOCX ------------------------------------------------------------------------------------------


def docx_setup(body: Any, styles: Any, theme: Any) -> dict:
    """`Document` keyword arguments page_sizes and fonts for a DOCX body (styles and theme may be None)."""
    sizes = [size for sect in list(body.iter(f"{_W}sectPr"))[:64] if (size := _section_size(sect)) is not None]
    return {"page_sizes": tuple(sizes), "fonts": tuple(sorted(_docx_fonts(body, styles, theme))[:MAX_FONTS])}


def _section_size(sect: Any) -> PageSize | None:
    """A section's page size and left margin in points; None without a readable w:pgSz."""
    size, margins = sect.find(f"{_W}pgSz"), sect.find(f"{_W}pgMar")
    width, height = _twips(size, "w"), _twips(size, "h")
    if width is None or height is None:
        return None
    checked = _checked(0.0, 0.0, width, height, 0)
    if checked is None:
        return None
    left = _twips(margins, "left")
    if left is None:
        left = _twips(margins, "start")
    return PageSize(checked.width, checked.height, margin_left=left if left is not None and left < width else None)


def _twips(element: Any, attr: str) -> float | None:
    """An attribute in twips as points (None when absent or not a number)."""
    raw = element.get(f"{_W}{attr}") if element is not None else None
    if raw is None:
        return None
    try:
        value = float(raw) / 20.0
    except (TypeError, ValueError):
        return None
    return round(value, 2) if math.isfinite(value) and value >= 0 else None


def _docx_fonts(body: Any, styles: Any, theme: Any) -> set[str]:
    """The effective font of the default paragraph style and of each style the body uses (first
    w:rFonts along its basedOn chain, else the document defaults), plus the runs' own fonts."""
    themed = _theme_fonts(theme)
    out: set[str] = set()
    if styles is not None:
        used = {el.get(f"{_W}val") for tag in ("pStyle", "rStyle") for el in body.iter(f"{_W}{tag}")}
        defaults = next(styles.iter(f"{_W}rPrDefault"), None)
        default = next(defaults.iter(f"{_W}rFonts"), None) if defaults is not None else None
        by_id: dict = {}
        for style in styles.iter(f"{_W}style"):
            by_id[style.get(f"{_W}styleId")] = style
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true", "on"):
                used.add(style.get(f"{_W}styleId"))
        for sid in sorted(s for s in used if s)[:MAX_FONTS]:
            _add_font(_style_font(by_id, sid) if sid in by_id else None, themed, out, default)
    for fonts in body.iter(f"{_W}rFonts"):
        if len(out) >= MAX_FONTS:
            break
        _add_font(fonts, themed, out)
    return out


def _style_font(by_id: dict, sid: str | None) -> Any:
    """The first w:rFonts with a Latin font along a style's basedOn chain, or None."""
    seen: set = set()
    while sid in by_id and sid not in seen and len(seen) < 50:
        seen.add(sid)
        style = by_id[sid]
        props = style.find(f"{_W}rPr")
        fonts = props.find(f"{_W}rFonts") if props is not None else None
        if fonts is not None and _latin(fonts):
            return fonts
        based = style.find(f"{_W}basedOn")
        sid = based.get(f"{_W}val") if based is not None else None
    return None


def _latin(fonts: Any) -> str:
    """The Latin font attribute a w:rFonts sets (or its theme reference), else ''."""
    return next(
        (fonts.get(f"{_W}{k}") for k in ("ascii", "hAnsi", "asciiTheme", "hAnsiTheme") if fonts.get(f"{_W}{k}")), ""
    )


def _add_font(fonts: Any, themed: dict, out: set[str], fallback: Any = None) -> None:
    """The Latin font a w:rFonts names (ascii, else hAnsi, else its theme font); `fallback` when it names none."""
    name = _latin(fonts) if fonts is not None else ""
    if not name and fallback is not None:
        name = _latin(fallback)
    if name.startswith(("major", "minor")) and name.endswith(("Ascii", "HAnsi", "Bidi", "EastAsia")):
        name = themed.get("major" if name.startswith("major") else "minor", "")
    name = font_name(name)
    if name:
        out.add(name)


def _theme_fonts(theme: Any) -> dict[str, str]:
    """{"major": ..., "minor": ...} Latin typefaces of the theme part."""
    out: dict[str, str] = {}
    for kind in ("major", "minor"):
        found = next(theme.iter(f"{_A}{kind}Font"), None) if theme is not None else None
        latin = found.find(f"{_A}latin") if found is not None else None
        if latin is not None and latin.get("typeface"):
            out[kind] = latin.get("typeface")
    return out
