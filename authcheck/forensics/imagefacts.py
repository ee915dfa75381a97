"""What an image file says about itself: camera, software, dates, and whether a camera, a scanner
or a screen made it, read with Pillow from EXIF and XMP; and, from the pixels, regions or pages
whose paper grain differs sharply from the rest (`imageregions`: a pasted-in region).

A scan or photo "of the original" that was last written by an image editor, or changed long after
the picture was taken, is worth a second look (weak origin evidence: people crop and rotate
innocently).  `image_source` sorts the picture: a camera make or exposure tags mean a photo, a
scanner-like make or software a scan, and no camera with a screen-sized frame or a screenshot
tool a screenshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from authcheck.model import Document, Evidence, Location, Signal
from authcheck.util.patterns import compiled

_EDITORS = compiled(
    r"photoshop|gimp|affinity|pixelmator|paint\.net|paintshop|lightroom|snapseed|canva|"
    r"picsart|photopea|krita|corel|acorn|fotor|luminar",
    re.I,
)
_SCANNERS = compiled(
    r"scan|epson|fujitsu|brother|canoscan|xerox|ricoh|kodak alaris|twain|naps2|"
    r"hp (scanjet|officejet|laserjet)|image capture",
    re.I,
)
_SCREENSHOT = compiled(r"screenshot|screen shot|snipping|greenshot|flameshot|gnome-screenshot|spectacle", re.I)
_SCREENS = {
    (1280, 720),
    (1366, 768),
    (1440, 900),
    (1536, 864),
    (1600, 900),
    (1920, 1080),
    (1920, 1200),
    (2560, 1440),
    (2560, 1600),
    (2880, 1800),
    (3840, 2160),
    (1170, 2532),
    (1179, 2556),
    (1284, 2778),
    (1290, 2796),
    (1080, 1920),
    (1080, 2400),
    (828, 1792),
    (750, 1334),
    (2048, 2732),
    (1668, 2388),
}
_TAGS = {"make": 0x010F, "model": 0x0110, "software": 0x0131, "modified": 0x0132}
_EXIF_IFD, _TAKEN, _EXPOSURE = 0x8769, 0x9003, 0x829A


def examine(data: bytes, doc: Document, settings: Any) -> dict[str, Signal]:
    """Facts from the image's EXIF/XMP and frame size."""
    from authcheck.loaders.image import open_any

    limits = getattr(settings, "limits", None)
    with open_any(data, limits) as img:
        tags = _tags(img)
        size, fmt, dpi = img.size, img.format or "", img.info.get("dpi")
    facts: dict[str, Signal] = {"image_format": Signal(fmt, explanation="the image's format, from its bytes")}
    camera = " ".join(v for v in (tags.get("make"), tags.get("model")) if v) or None
    software = tags.get("software") or tags.get("creator_tool")
    _put(facts, "image_camera", camera, "EXIF Make/Model", "the camera or phone the EXIF names")
    _put(facts, "image_software", software, "EXIF Software", "the program that last wrote the file")
    editor = bool(software and _EDITORS.search(software))
    facts["image_editor"] = Signal(
        editor,
        _ev(software, "EXIF Software") if editor else (),
        f"last written by an image editor ({software})" if editor else "",
    )
    _put(facts, "image_taken", tags.get("taken"), "EXIF DateTimeOriginal", "when the picture was taken")
    _put(facts, "image_modified", tags.get("modified"), "EXIF DateTime", "when the file was last changed")
    later = _later(tags.get("taken"), tags.get("modified"))
    facts["image_modified_after_taken"] = Signal(
        later,
        _ev(f"taken {tags.get('taken')}, changed {tags.get('modified')}", "EXIF dates") if later else (),
        "the file was changed after the picture was taken" if later else "",
    )
    facts["image_source"] = Signal(source(tags, size, software, camera), explanation="what made the picture")
    if dpi:
        facts["image_dpi"] = Signal(round(float(dpi[0])), explanation="the resolution the file states")
    facts.update(grain_facts(data, limits))
    return facts


MAX_GRAIN_PAGES = 10  #: pages of a multi-page TIFF whose paper grain is compared


def grain_facts(data: bytes, limits: Any = None) -> dict[str, Signal]:
    """`image_odd_regions`: regions of page 1, and whole pages, whose paper grain differs sharply."""
    from PIL import ImageOps

    from authcheck.forensics.imageregions import odd_pages, survey
    from authcheck.loaders.image import open_any

    found: list[tuple[int, str, tuple]] = []
    grains = []
    with open_any(data, limits) as img:
        for index in range(min(getattr(img, "n_frames", 1), MAX_GRAIN_PAGES)):
            img.seek(index)
            regions, grain = survey(ImageOps.exif_transpose(img) if index == 0 else img)
            grains.append(grain)
            found += [
                (
                    index + 1,
                    f"a region of {r.blocks} blocks is {r.kind} than the rest of the page "
                    f"(paper grain {r.ratio:g}x the page's)",
                    r.box,
                )
                for r in regions[:5]
            ]
    found += [
        (
            n,
            f"the whole page is {'cleaner' if ratio < 1 else 'noisier'} than the other pages "
            f"(paper grain {ratio:g}x theirs)",
            (0.0, 0.0, 1.0, 1.0),
        )
        for n, ratio in odd_pages(grains)
    ]
    if not found:
        return {}
    return {
        "image_odd_regions": Signal(
            [f"page {page}: {what}" for page, what, _ in found],
            tuple(Evidence(what, Location("page", page, key="paper grain"), box=box) for page, what, box in found),
            "part of the picture has another grain than the paper around it, as a region pasted in from "
            "another source has",
        )
    }


def source(tags: Mapping[str, Any], size: tuple[int, int], software: str | None, camera: str | None) -> str:
    """ "photo", "scanner", "screenshot" or "unknown"."""
    text = " ".join(v for v in (camera, software, tags.get("comment")) if v)
    if text and _SCREENSHOT.search(text):
        return "screenshot"
    if text and _SCANNERS.search(text):
        return "scanner"
    if camera or tags.get("exposure"):
        return "photo"
    if tuple(size) in _SCREENS or tuple(size) in {(w * 2, h * 2) for w, h in _SCREENS}:
        return "screenshot"
    return "unknown"


def _tags(img: Any) -> dict[str, Any]:
    """The EXIF and XMP values we use, as short clean strings."""
    out: dict[str, Any] = {}
    exif = img.getexif()
    for name, tag in _TAGS.items():
        out[name] = _clean(exif.get(tag))
    sub = exif.get_ifd(_EXIF_IFD) if exif else {}
    out["taken"] = _clean(sub.get(_TAKEN))
    out["exposure"] = sub.get(_EXPOSURE) is not None
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp") or b""
    xmp_text = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else str(xmp)
    found = re.search(r"CreatorTool(?:=\"|>)([^\"<]{1,200})", xmp_text[:200_000])
    out["creator_tool"] = _clean(found.group(1)) if found else None
    out["comment"] = _clean(img.info.get("Software") or img.info.get("Comment") or img.info.get("Description"))
    if not out["software"] and img.info.get("Software"):
        out["software"] = _clean(img.info.get("Software"))
    return out


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = " ".join(str(value).replace("\x00", " ").split())[:200]
    return text or None


def _later(taken: str | None, modified: str | None) -> bool:
    """True when both EXIF dates parse and the change came over a minute after the taking."""
    try:
        a = datetime.strptime(taken or "", "%Y:%m:%d %H:%M:%S")
        b = datetime.strptime(modified or "", "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return False
    return (b - a).total_seconds() > 60


def _put(facts: dict, key: str, value: str | None, where: str, meaning: str) -> None:
    if value:
        facts[key] = Signal(value, _ev(value, where), meaning)


def _ev(text: str | None, key: str) -> tuple[Evidence, ...]:
    return (Evidence(text or "", Location("metadata", key=key)),) if text else ()
