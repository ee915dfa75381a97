"""Gather third-party, non-letter documents for the document-kind benchmark (bench_kinds.py).

The files are not the project's to redistribute, so they are never committed: this script
fetches them into benchmarks/out/kinds/corpus (gitignored) and writes a manifest
(manifest.tsv: file, group, source, licence) beside them.  Sources:

* the test data in the sdists of pypdf and python-docx (`pip download --no-binary :all:`);
* PDFs already installed under /usr/share/doc, plus a handful of Debian -doc packages that
  ship PDF manuals (`apt-get download`, unpacked with `dpkg-deb -x`);
* plain-text documentation under /usr/share/doc (README files: manuals, not letters).

Usage: python benchmarks/kinds/fetch_corpus.py [--out DIR]
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "out", "kinds", "corpus")
SDISTS = {  # package==version -> (licence, test-data globs inside the unpacked sdist)
    "pypdf==6.1.1": ("BSD-3-Clause (pypdf sdist)", ("resources/**/*.pdf", "tests/**/*.pdf")),
    "python-docx==1.2.0": ("MIT (python-docx sdist)", ("features/**/*.docx", "tests/**/*.docx", "src/**/*.docx")),
}
DEBIAN_DOCS = ("auto-multiple-choice-doc-pdf", "docbook-xsl-doc-pdf", "camlidl-doc", "4ti2-doc", "debmake-doc")
MAX_TEXT_DOCS = 30
MAX_BYTES = 20 * 1024 * 1024


def main(argv=None) -> int:
    """Fetch everything and write the manifest; prints a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as work:
        rows += _sdists(work, out)
        rows += _installed_pdfs(out)
        rows += _debian_docs(work, out)
    rows += _text_docs(out)
    with open(os.path.join(out, "manifest.tsv"), "w", encoding="utf-8") as fh:
        fh.write("file\tgroup\tsource\tlicence\n")
        for row in rows:
            fh.write("\t".join(_tsv(v) for v in row) + "\n")
    print(f"{len(rows)} files in {out} (manifest.tsv)")
    return 0


def _tsv(value: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", value)


def _copy(src: str, out: str, group: str, stem: str) -> str:
    """Copy one file under a unique, flat name; returns that name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{group}__{stem}")
    dest = os.path.join(out, name)
    shutil.copyfile(src, dest)
    return name


def _sdists(work: str, out: str) -> list[tuple[str, str, str, str]]:
    """Test resources from the pypdf and python-docx source distributions."""
    rows = []
    for spec, (licence, patterns) in SDISTS.items():
        dest = os.path.join(work, spec.split("==")[0])
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", spec, "-d", dest],
            check=True,
        )
        archive = glob.glob(os.path.join(dest, "*.tar.gz"))[0]
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
        top = next(p for p in glob.glob(os.path.join(dest, "*")) if os.path.isdir(p))
        for pattern in patterns:
            for path in sorted(glob.glob(os.path.join(top, pattern), recursive=True)):
                rel = os.path.relpath(path, top)
                group = spec.split("==")[0]
                rows.append((_copy(path, out, group, rel), group, f"sdist {spec}: {rel}", licence))
    return rows


def _licence_of(package_doc_dir: str, shown: str = "") -> str:
    """The first License: field of a Debian copyright file, else a pointer to it (`shown` names it)."""
    path = os.path.join(package_doc_dir, "copyright")
    where = shown or path
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("License:"):
                    return line.split(":", 1)[1].strip() + f" (see {where})"
    except OSError:
        return "unknown (no copyright file)"
    return f"see {where}"


def _installed_pdfs(out: str) -> list[tuple[str, str, str, str]]:
    """PDF and DOCX files already installed under /usr/share/doc."""
    rows = []
    for path in sorted(
        glob.glob("/usr/share/doc/**/*.pdf", recursive=True) + glob.glob("/usr/share/doc/**/*.docx", recursive=True)
    ):
        if os.path.getsize(path) > MAX_BYTES:
            continue
        package = path.split("/")[4]
        rows.append(
            (
                _copy(path, out, "usr-share-doc", os.path.relpath(path, "/usr/share/doc")),
                "usr-share-doc",
                f"installed: {path}",
                _licence_of(os.path.join("/usr/share/doc", package)),
            )
        )
    return rows


def _debian_docs(work: str, out: str) -> list[tuple[str, str, str, str]]:
    """PDF manuals from a few Debian -doc packages (apt-get download + dpkg-deb -x)."""
    rows = []
    for package in DEBIAN_DOCS:
        dest = os.path.join(work, package)
        os.makedirs(dest, exist_ok=True)
        done = subprocess.run(["apt-get", "download", package], cwd=dest, capture_output=True)
        debs = glob.glob(os.path.join(dest, "*.deb"))
        if done.returncode != 0 or not debs:
            print(f"skipped {package}: apt-get download failed", file=sys.stderr)
            continue
        root = os.path.join(dest, "root")
        subprocess.run(["dpkg-deb", "-x", debs[0], root], check=True)
        licence = _licence_of(
            os.path.join(root, "usr", "share", "doc", package),
            f"/usr/share/doc/{package}/copyright in {os.path.basename(debs[0])}",
        )
        for path in sorted(glob.glob(os.path.join(root, "**", "*.pdf"), recursive=True)):
            if os.path.getsize(path) > MAX_BYTES:
                continue
            rel = os.path.relpath(path, root)
            rows.append(
                (
                    _copy(path, out, "debian-" + package, os.path.basename(path)),
                    "debian-doc",
                    f"apt-get download {package} ({os.path.basename(debs[0])}): /{rel}",
                    licence,
                )
            )
    return rows


def _text_docs(out: str) -> list[tuple[str, str, str, str]]:
    """Plain-text READMEs under /usr/share/doc (documentation, never letters), largest first."""
    found = [
        p
        for p in glob.glob("/usr/share/doc/*/README*")
        if os.path.isfile(p) and not p.endswith(".gz") and 500 < os.path.getsize(p) < MAX_BYTES
    ]
    rows = []
    for path in sorted(found, key=lambda p: (-os.path.getsize(p), p))[:MAX_TEXT_DOCS]:
        path.split("/")[4]
        name = _copy(path, out, "usr-share-doc-text", os.path.relpath(path, "/usr/share/doc") + ".txt")
        rows.append((name, "usr-share-doc-text", f"installed: {path}", _licence_of(os.path.dirname(path))))
    return rows


if __name__ == "__main__":
    sys.exit(main())
