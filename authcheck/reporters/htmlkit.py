"""The pieces every HTML report shares: escaping, the page shell, its style sheet, script and CSP.

Everything taken from a document (text, names, metadata, file names) goes through `esc`, which
makes control and invisible characters visible and escapes `& < > " '`, so it is safe in element
content and in quoted attribute values alike.  Attributes are only ever built from our own ids,
numbers and file names we generated; no document string becomes a URL.

A report is one file with no network access at all: the Content-Security-Policy allows images
only from `data:` URLs, inline styles, and exactly one script, named by its SHA-256 hash.  The
script only enhances (sorting, filtering, a flash on the element a link jumps to); every link is
a plain anchor that works without it.
"""

from __future__ import annotations

import base64
import html
import unicodedata
from collections.abc import Mapping

from authcheck.model import Evidence
from authcheck.util.sha import sha256

VERDICT_MARK = {"pass": "\u2714", "review": "!", "fail": "\u2716"}  #: shown beside the verdict word


def visible(text: str | None) -> str:
    """Text with control and invisible characters shown as <U+XXXX> (soft hyphens dropped);
    newlines and tabs become spaces."""
    if not text:
        return ""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\r\t\v\f":
            out.append(" ")
        elif ch == "\u00ad":
            continue
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def esc(text) -> str:
    """Any value as HTML text safe in content and quoted attributes."""
    return html.escape(visible("" if text is None else str(text)), quote=True)


def pct(value: float) -> str:
    """A fraction (0..1) as a CSS percentage; the number is ours, never document text."""
    return f"{max(0.0, min(1.0, float(value))) * 100:.3f}%"


def verdict_badge(verdict: str | None, score: int | None = None) -> str:
    """The verdict as a word with a mark and a pattern (never colour alone)."""
    word = (verdict or "not checked").upper()
    mark = VERDICT_MARK.get(verdict or "", "?")
    cls = verdict if verdict in VERDICT_MARK else "error"
    tail = f' <span class="score">risk {int(score)}/100</span>' if score is not None else ""
    return f'<span class="verdict v-{cls}"><span aria-hidden="true">{mark}</span> {esc(word)}</span>{tail}'


def axis_meter(name: str, value: int | None, meaning: str) -> str:
    """One axis: name, value, a bar drawn with CSS, and what the axis asks."""
    shown = "?" if value is None else str(int(value))
    width = 0 if value is None else max(0, min(100, int(value)))
    level = "high" if width >= 60 else "mid" if width >= 25 else "low"
    return (
        f'<div class="axis"><div><strong>{esc(name)}</strong> {shown}/100 '
        f'<span class="level">({level})</span></div>'
        f'<div class="bar" role="img" aria-label="{esc(name)} {shown} of 100">'
        f'<span class="fill l-{level}" style="width:{width}%"></span></div>'
        f'<div class="meaning">{esc(meaning)}</div></div>'
    )


def data_uri_jpeg(data: bytes) -> str:
    """A JPEG as a data: URL (the only kind of image the CSP allows)."""
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def script_hash() -> str:
    """The CSP source for the report's one inline script."""
    return "'sha256-" + base64.b64encode(sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii") + "'"


def csp() -> str:
    """No network at all: data: images, inline styles, and only our own script."""
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {script_hash()}; base-uri 'none'; form-action 'none'"
    )


def page(title: str, body: str, *, header: str = "", nav: str = "") -> str:
    """A whole HTML document around `body` (already escaped HTML)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp()}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the report</a>\n'
        f'<header class="report">{header}</header>\n{nav}<main id="main">\n{body}\n</main>\n'
        "<footer><p>Made by authcheck. Self-contained: this file loads nothing from the network.</p></footer>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


STYLE = """
:root{--bg:#fff;--fg:#1b1b1b;--muted:#555;--line:#ccc;--card:#f6f6f4;--box:#d4000f;--boxbg:rgba(212,0,15,.12);
--mark:#ffe58a;--pass:#1d6b2f;--review:#8a5a00;--fail:#b00020;--link:#0645ad;--ins:#d9f2dd;--del:#fbdcdc}
@media (prefers-color-scheme:dark){:root{--bg:#141414;--fg:#e8e8e8;--muted:#aaa;--line:#444;--card:#1f1f1f;
--box:#ff4d5a;--boxbg:rgba(255,77,90,.16);--mark:#6b5700;--pass:#6fd08a;--review:#ffc14d;--fail:#ff6b7d;--link:#8ab4f8;
--ins:#1f4a2a;--del:#5a2323}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
header.report,main,footer,nav.jump{max-width:1100px;margin:0 auto;padding:0 16px}
header.report{padding-top:16px}
h1{font-size:1.5rem;margin:.3em 0;word-break:break-all}h2{font-size:1.25rem;margin-top:1.6em;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem}
.verdict{display:inline-block;white-space:nowrap;padding:2px 10px;border:2px solid currentColor;border-radius:4px;font-weight:700;letter-spacing:.05em}
.v-pass{color:var(--pass)}
.v-review{color:var(--review);border-style:dashed;background:repeating-linear-gradient(45deg,transparent 0 6px,rgba(138,90,0,.13) 6px 9px)}
.v-fail{color:var(--fail);border-width:3px;border-style:double;background:repeating-linear-gradient(135deg,transparent 0 4px,rgba(176,0,32,.16) 4px 7px)}
.v-error{color:var(--muted);border-style:dotted}
.score{font-weight:700;margin-left:.6em}
.axes{display:flex;flex-wrap:wrap;gap:24px;margin:12px 0}.axis{min-width:260px;flex:1}
.bar{height:12px;border:1px solid var(--line);background:var(--card);margin:4px 0}
.fill{display:block;height:100%;background:var(--muted)}
.fill.l-high{background:repeating-linear-gradient(90deg,var(--fail) 0 6px,transparent 6px 8px)}
.fill.l-mid{background:repeating-linear-gradient(90deg,var(--review) 0 3px,transparent 3px 6px)}
.fill.l-low{background:var(--pass)}
.meaning,.muted,.where{color:var(--muted);font-size:.9em}
.reason{font-style:italic}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--card)}
tr.conflict td{background:var(--del)}
tr.conflict td:first-child::before{content:"\\26A0  ";}
.fields tbody th{width:8em}.fields td:nth-child(2){width:48%}.facts td:nth-child(2){width:30%}
nav.jump{font-size:.92em}nav.jump ul{display:flex;flex-wrap:wrap;gap:4px 14px;list-style:none;padding:0;margin:6px 0}
.pages{display:flex;flex-direction:column;align-items:center;gap:24px}
figure.page{margin:0;max-width:850px;width:100%}
.sheet{position:relative;border:1px solid var(--line);box-shadow:0 1px 4px rgba(0,0,0,.25);background:#fff;line-height:0}
.sheet img{width:100%;height:auto;display:block}
a.box{position:absolute;box-sizing:content-box;border:2px solid var(--box);margin:-3px 0 0 -3px;padding:1px;
background:var(--boxbg);text-decoration:none;line-height:1;min-width:4px;min-height:4px}
a.box .num{position:absolute;left:-2px;top:-14px;background:var(--box);color:#fff;font:700 10px/12px system-ui,sans-serif;
padding:0 3px;border-radius:3px 3px 3px 0;opacity:.85}a.box:hover .num,a.box:focus .num{opacity:1}
span.box.added{position:absolute;box-sizing:content-box;border:2px dashed var(--box);margin:-3px 0 0 -3px;padding:1px}
a.box:target,a.box.flash{border-width:3px;box-shadow:0 0 0 4px var(--mark)}
figcaption{text-align:center;color:var(--muted);font-size:.9em;padding-top:4px}
ol.findings{padding-left:0;list-style:none}
ol.findings>li{border:1px solid var(--line);border-left:6px solid var(--muted);padding:8px 12px;margin:10px 0;background:var(--card)}
ol.findings>li.sev-critical,ol.findings>li.sev-high{border-left-color:var(--fail);border-left-style:double;border-left-width:8px}
ol.findings>li.sev-medium{border-left-color:var(--review);border-left-style:dashed}
ol.findings>li:target,ol.findings>li.flash{box-shadow:0 0 0 3px var(--box)}
.fnum{display:inline-block;min-width:1.7em;text-align:center;background:var(--box);color:#fff;border-radius:3px;font-weight:700;margin-right:6px}
.contrib{font-weight:700;font-variant-numeric:tabular-nums}.sev{font-weight:700;text-transform:uppercase;font-size:.85em}
.rule{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;color:var(--muted)}
ul.evidence{margin:6px 0;padding-left:18px}
mark,.hl{background:var(--mark);color:inherit;padding:0 1px}
.textview{background:var(--card);border:1px solid var(--line);padding:12px 16px;max-width:850px;margin:0 auto;overflow-wrap:anywhere}
.textview p{margin:0 0 .8em}.textview .src{color:var(--muted);font-size:.8em;text-transform:uppercase}
.ln:target::before{content:"\25B6  ";color:var(--box)}
mark.ev{outline:1px solid var(--box)}mark.ev:target{box-shadow:0 0 0 3px var(--box)}
sup.evn a{text-decoration:none;font-weight:700;color:var(--box)}sup.evn+sup.evn::before{content:",";color:var(--box)}
ins{background:var(--ins);text-decoration:underline}del{background:var(--del)}
aside.comment{border-left:4px dotted var(--muted);margin:2px 0 8px;padding:2px 8px;font-size:.9em;color:var(--muted)}
.diff{display:grid;grid-template-columns:1fr 1fr;gap:0;border:1px solid var(--line);margin:8px 0}
.diff>div{padding:4px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.diff .old{background:var(--del)}.diff .new{background:var(--ins)}
.diff .head{font-weight:700;background:var(--card)}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0}.compare figure{margin:0}
.compare img{width:100%;height:auto;border:1px solid var(--line);background:#fff}
.counts{display:flex;flex-wrap:wrap;gap:8px 24px;list-style:none;padding:0}
table.sortable th{white-space:nowrap}
.facts td:first-child,.metadata td:first-child{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:normal;word-break:normal}
.chart svg{max-width:100%;height:auto}.chart text{fill:var(--fg);font:12px system-ui,sans-serif}
.chart .bar-pass{fill:var(--pass)}.chart .bar-review{fill:var(--review)}.chart .bar-fail{fill:var(--fail)}
.controls{margin:8px 0}.controls label{margin-right:12px}
button.sort{font:inherit;font-weight:700;background:none;border:0;color:inherit;cursor:pointer;padding:0}
section.letter{border-top:3px double var(--line);margin-top:32px}
footer{color:var(--muted);font-size:.85em;margin-top:40px;padding-bottom:24px}
@media print{nav.jump,.controls,.skip,footer{display:none}body{font-size:11pt;background:#fff;color:#000}
figure.page,ol.findings>li,tr{break-inside:avoid}a{color:#000}
a.box,a.box .num,.fnum,mark,.verdict,.fill,ins,del,tr.conflict td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
section.letter{break-before:page}}
"""

SCRIPT = """(function(){
function flash(id){if(!id)return;var el=document.getElementById(id);if(!el)return;
document.querySelectorAll('.flash').forEach(function(e){e.classList.remove('flash');});
el.classList.add('flash');if(el.scrollIntoView)el.scrollIntoView({block:'center'});}
document.addEventListener('click',function(ev){var a=ev.target.closest?ev.target.closest('a[href^="#"]'):null;
if(!a)return;var id=a.getAttribute('href').slice(1);setTimeout(function(){flash(id);},0);});
document.querySelectorAll('[data-filter]').forEach(function(box){box.hidden=false;
var table=document.getElementById(box.getAttribute('data-filter'));if(!table)return;
var text=box.querySelector('input'),pick=box.querySelector('select');
function apply(){var q=(text.value||'').toLowerCase(),v=pick.value;
table.querySelectorAll('tbody tr').forEach(function(tr){var ok=(!q||tr.textContent.toLowerCase().indexOf(q)>=0)&&
(!v||tr.getAttribute('data-verdict')===v);tr.hidden=!ok;});}
text.addEventListener('input',apply);pick.addEventListener('change',apply);});
document.querySelectorAll('table.sortable').forEach(function(table){
table.querySelectorAll('th[data-col]').forEach(function(th){var b=document.createElement('button');
b.className='sort';b.type='button';b.textContent=th.textContent;th.textContent='';th.appendChild(b);
b.addEventListener('click',function(){var col=+th.getAttribute('data-col'),num=th.hasAttribute('data-num');
var asc=th.getAttribute('aria-sort')!=='ascending';table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');var body=table.tBodies[0];
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(r1,r2){var a=r1.cells[col].getAttribute('data-key')||r1.cells[col].textContent,
c=r2.cells[col].getAttribute('data-key')||r2.cells[col].textContent;if(num){a=parseFloat(a);c=parseFloat(c);
a=isNaN(a)?-1:a;c=isNaN(c)?-1:c;return asc?a-c:c-a;}return asc?a.localeCompare(c):c.localeCompare(a);});
rows.forEach(function(r){body.appendChild(r);});});});});
if(location.hash)flash(location.hash.slice(1));
})();"""


def evidence_box(ev: Evidence) -> tuple[float, float, float, float] | None:
    """The evidence's box as a tuple of four fractions, or None (accepts the JSON's mapping too)."""
    box = ev.box
    if box is None:
        return None
    if isinstance(box, Mapping):
        box = tuple(box.get(k) for k in ("x0", "y0", "x1", "y1"))
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        return None
    if not (0 <= x0 <= x1 <= 1 and 0 <= y0 <= y1 <= 1):
        return None
    return x0, y0, x1, y1
