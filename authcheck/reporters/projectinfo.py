"""What the installed package says about itself: the addresses it declares in [project.urls].

Used for SARIF's `informationUri` and `helpUri`, which must never be invented: with no
[project.urls] (as now) they are left out.  Metadata of another distribution that happens to
share the name (the unrelated `authcheck` on the package index) is never quoted.
"""

from __future__ import annotations

from authcheck.version import __version__


def project_links(metadata=None) -> dict:
    """SARIF's informationUri and helpUri from this package's own [project.urls] (Homepage or
    Repository, and Documentation), when it declares them; never an address made up here."""
    if metadata is None:
        from importlib import metadata as importlib_metadata

        try:
            metadata = importlib_metadata.metadata("authcheck")
        except importlib_metadata.PackageNotFoundError:
            return {}
    if metadata.get("Name", "").lower() != "authcheck" or metadata.get("Version") != __version__:
        return {}  # another distribution of the same name: not ours to quote
    urls = {}
    for entry in metadata.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if url.strip().startswith("https://"):
            urls[label.strip().lower()] = url.strip()
    home = urls.get("homepage") or urls.get("repository") or urls.get("source")
    return {k: v for k, v in (("information_uri", home), ("help_uri", urls.get("documentation") or home)) if v}
