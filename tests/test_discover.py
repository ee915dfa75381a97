"""discover(): which files a set of inputs names, each once, in a deterministic order."""

from __future__ import annotations

import os
import threading

import pytest

from authcheck.batch.discover import Target, discover

TREE = [
    "letters/a.pdf",
    "letters/B.PDF",
    "letters/c.docx",
    "letters/d.txt",
    "letters/e.gif",
    "letters/notes.md",
    "letters/sub/f.pdf",
    "letters/sub/deeper/g.txt",
    "letters/.hidden.pdf",
    "letters/.git/h.pdf",
    "letters/node_modules/i.pdf",
    "letters/.private/j.pdf",
    "letters/__pycache__/k.txt",
    "outside/o.pdf",
]
DEFAULT = [
    "letters/B.PDF",
    "letters/a.pdf",
    "letters/c.docx",
    "letters/d.txt",
    "letters/sub/deeper/g.txt",
    "letters/sub/f.pdf",
]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    for rel in TREE:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def paths(targets):
    return [t.path for t in targets]


def test_folder_is_walked_recursively_with_default_extensions_sorted(tree):
    assert paths(discover(["letters"])) == DEFAULT


def test_trailing_slash_and_dot_give_natural_display_paths(tree, monkeypatch):
    assert paths(discover(["letters/"])) == DEFAULT
    monkeypatch.chdir(tree / "letters")
    assert paths(discover(["."])) == [p[len("letters/") :] for p in DEFAULT]


def test_file_named_explicitly_is_checked_whatever_its_extension(tree):
    assert discover(["letters/e.gif", "letters/.hidden.pdf"]) == [
        Target("letters/e.gif"),
        Target("letters/.hidden.pdf"),
    ]


def test_include_adds_extensions_and_exclude_drops_files_and_folders(tree):
    assert "letters/notes.md" in paths(discover(["letters"], include=["*.md"]))
    assert paths(discover(["letters"], exclude=["sub"])) == DEFAULT[:4]
    assert paths(discover(["letters"], exclude=["sub/**"])) == DEFAULT[:4]
    assert paths(discover(["letters"], exclude=["*.docx", "sub/deeper/g.txt"])) == [
        "letters/B.PDF",
        "letters/a.pdf",
        "letters/d.txt",
        "letters/sub/f.pdf",
    ]


def test_exclude_matches_the_path_relative_to_the_folder_not_the_display_path(tree):
    assert paths(discover(["letters"], exclude=["letters/a.pdf"])) == DEFAULT
    assert "letters/a.pdf" not in paths(discover(["letters"], exclude=["a.pdf"]))


def test_hidden_and_vcs_folders_are_skipped_unless_asked(tree):
    shown = paths(discover(["letters"], skip_hidden=False))
    assert shown == [
        "letters/.git/h.pdf",
        "letters/.hidden.pdf",
        "letters/.private/j.pdf",
        "letters/B.PDF",
        "letters/__pycache__/k.txt",
        "letters/a.pdf",
        "letters/c.docx",
        "letters/d.txt",
        "letters/node_modules/i.pdf",
        "letters/sub/deeper/g.txt",
        "letters/sub/f.pdf",
    ]


def test_missing_path_is_a_missing_target_and_the_rest_goes_on(tree):
    assert discover(["nope.pdf", "letters/a.pdf"]) == [Target("nope.pdf", missing=True), Target("letters/a.pdf")]


def test_stdin_passes_through_once(tree):
    assert discover(["-", "letters/a.pdf", "-"]) == [Target("-"), Target("letters/a.pdf")]


def test_every_file_once_keeping_the_first_display_path_and_input_order(tree):
    got = paths(discover(["letters/sub", "./letters/a.pdf", "letters", str(tree / "letters/a.pdf")]))
    assert got == [
        "letters/sub/deeper/g.txt",
        "letters/sub/f.pdf",
        "./letters/a.pdf",
        "letters/B.PDF",
        "letters/c.docx",
        "letters/d.txt",
    ]


def test_symlinks_are_not_followed_by_default_and_followed_on_request(tree):
    os.symlink(tree / "outside/o.pdf", tree / "letters/link.pdf")
    os.symlink(tree / "outside", tree / "letters/linkdir")
    assert paths(discover(["letters"])) == DEFAULT
    followed = paths(discover(["letters"], follow_symlinks=True))
    assert "letters/link.pdf" in followed
    assert "letters/linkdir/o.pdf" not in followed  # the same file, already seen as link.pdf
    assert len(followed) == len(DEFAULT) + 1


def test_named_symlink_is_followed(tree):
    os.symlink(tree / "outside", tree / "named")
    assert paths(discover(["named"])) == ["named/o.pdf"]


def test_symlink_loop_does_not_hang_and_lists_each_file_once(tree):
    os.symlink(tree / "letters", tree / "letters/sub/loop")
    os.symlink(tree / "letters/sub", tree / "letters/sub/deeper/up")
    found = {}
    worker = threading.Thread(
        target=lambda: found.update(
            walk=discover(["letters"], follow_symlinks=True), glob=discover(["letters/**/*.pdf"], follow_symlinks=True)
        )
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "discover hung on a symlink loop"
    assert paths(found["walk"]) == DEFAULT
    assert paths(found["glob"]) == ["letters/a.pdf", "letters/sub/f.pdf"]


def test_broken_symlink_is_skipped_when_walking(tree):
    os.symlink(tree / "gone.pdf", tree / "letters/broken.pdf")
    assert paths(discover(["letters"], follow_symlinks=True)) == DEFAULT


def test_recursive_glob_matches_at_any_depth_case_sensitively(tree):
    assert paths(discover(["letters/**/*.pdf"])) == ["letters/a.pdf", "letters/sub/f.pdf"]
    assert paths(discover(["**/*.pdf"])) == ["letters/a.pdf", "letters/sub/f.pdf", "outside/o.pdf"]
    assert paths(discover([str(tree) + "/letters/*.docx"])) == [str(tree / "letters/c.docx")]


def test_glob_behaves_like_shell_expansion(tree):
    # files match whatever their extension, folders that match are walked, hidden names are not matched
    assert paths(discover(["letters/*"])) == [
        "letters/B.PDF",
        "letters/a.pdf",
        "letters/c.docx",
        "letters/d.txt",
        "letters/e.gif",
        "letters/notes.md",
        "letters/sub/deeper/g.txt",
        "letters/sub/f.pdf",
    ]
    assert paths(discover(["letters/.h*"])) == ["letters/.hidden.pdf"]
    assert paths(discover(["letters/[ab].pdf", "letters/?.docx"])) == ["letters/a.pdf", "letters/c.docx"]


def test_trailing_double_star_means_every_file_below(tree):
    assert paths(discover(["letters/sub/**"])) == ["letters/sub/deeper/g.txt", "letters/sub/f.pdf"]


def test_exclude_applies_to_glob_matches(tree):
    assert paths(discover(["letters/**/*.pdf"], exclude=["sub/**"])) == ["letters/a.pdf"]


def test_glob_matching_nothing_is_missing(tree):
    assert discover(["letters/*.xlsx"]) == [Target("letters/*.xlsx", missing=True)]


def test_literal_name_with_glob_characters_is_a_file(tree):
    (tree / "odd[1].pdf").write_text("x")
    assert discover(["odd[1].pdf"]) == [Target("odd[1].pdf")]
