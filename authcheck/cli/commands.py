"""What each command does, between Click's options and the reporters: settings, the run, outputs, status.

Kept out of cli.py so the Click layer stays declarative, and out of the core so the core
never prints.  Everything heavy is imported inside the function that needs it.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from authcheck.cli.status import Exit, combine
from authcheck.errors import error_detail, error_line
from authcheck.model import Result
from authcheck.util.records import frozen

_OPTION_KEYS = {  # option name -> config key
    "rule_dirs": "rules",
    "disable": "disable",
    "include": "include",
    "exclude": "exclude",
    "follow_symlinks": "follow_symlinks",
    "password": "password",
    "jobs": "jobs",
    "timeout": "limits.timeout",
    "memory_mb": "limits.memory_mb",
    "max_pages": "limits.max_pages",
    "cache_dir": "cache_dir",
    "fail_on": "fail_on",
    "fail_score": "fail_score",
    "min_severity": "min_severity",
    "baseline": "baseline",
    "ignore_file": "ignore_file",
    "kind": "kind",
    "registry": "registry",
    "exemplars": "exemplars",
    "scheduler": "scheduler",
}


@frozen
class Outputs:
    """Where reports go: the main format (stdout or --output) plus extra files, by output-table name."""

    fmt: str = "console"
    output: str | None = None
    also: tuple[tuple[str, str], ...] = ()  #: (format, path) of each ``--<format>-output``, in table order
    sarif_include_suppressed: bool = False
    color: bool | None = None
    width: int | None = None
    quiet: bool = False
    verbose: bool = False

    def _keeps(self) -> set[str]:
        from authcheck.reporters.formats import by_name

        return {by_name(name).keeps for name in (self.fmt, *(name for name, _ in self.also))}

    @property
    def keeps_letters(self) -> bool:
        """A format (HTML) needs each letter (text, metadata, forensic facts) kept with its result."""
        return "letter" in self._keeps()

    @property
    def keeps_full(self) -> bool:
        """A format needs every full record at the end (not only what was streamed)."""
        return bool(self._keeps() - {"summary"})

    @property
    def streams_lines(self) -> bool:
        """A report is written one record per file as each is done (JSON lines)."""
        from authcheck.reporters.formats import by_name

        return any(by_name(name).line for name in (self.fmt, *(name for name, _ in self.also)))

    @property
    def wants_boxes(self) -> bool:
        """An output shows where evidence sits on its page (JSON, JSON lines, HTML: `boxes` in the table)."""
        from authcheck.reporters.formats import by_name

        return any(by_name(name).boxes for name in (self.fmt, *(name for name, _ in self.also)))


def project_config(options: dict):
    """The effective configuration: defaults < config file < environment < command line."""
    from authcheck.batch.config import discover_config, load_config, resolve

    path = options.get("config_file")
    if not path:
        path, refused = discover_config(os.getcwd())
        for line in refused:
            _say(f"warning: {line}")
    cli_values = {key: options.get(name) for name, key in _OPTION_KEYS.items() if name in options}
    if options.get("no_cache"):
        cli_values["cache"] = False
    for key in ("rules", "disable", "include", "exclude", "registry"):
        if key in cli_values:
            cli_values[key] = list(cli_values[key] or ())
    env = {k: v for k, v in os.environ.items() if k.startswith("AUTHCHECK_")}
    return resolve(load_config(path), cli_values, env, path)


def check_command(paths: Sequence[str], outputs: Outputs, options: dict) -> int:
    """`authcheck check`: every file gets a record; the status says whether the gate tripped.

    A report that could not be written (after the scan) makes the status at least 3."""
    from authcheck.batch.run import Run
    from authcheck.cli.outputs import StdoutClaim
    from authcheck.engine.ruleref import RuleSetRef
    from authcheck.registry import active, prepare

    project = project_config(options)
    project = replace(project, settings=prepare(project.settings))
    if options.get("explain"):
        project = replace(project, settings=replace(project.settings, explain=True))
    if not outputs.wants_boxes:  # no PDFium for boxes nobody sees (cached apart: see cache.settings_digest)
        project = replace(project, settings=replace(project.settings, evidence_boxes=False))
    ruleset = RuleSetRef(project.settings)  # compiled only when a file is not cached (Run.prepare)
    check_disabled(project.settings.disabled_rules, ruleset)
    run = Run(paths, project, ruleset, jobs=project.jobs, keep_letter=outputs.keeps_letters)
    run.stored_texts = outputs.streams_lines and not active(project.settings)  # batch_pass makes new results
    run.light = run.stored_texts and not outputs.keeps_full  # cache hits as _light keeps them
    writers = (outputs.fmt, *(name for name, _ in outputs.also))
    run.meanwhile = functools.partial(_preload, writers)
    run.waiting = _preload_steps(writers)
    targets = run.targets()
    run.prepare(targets)
    _check_output_paths(_output_paths(outputs), targets, project, _folders(outputs))
    _warn_platform(project.settings)
    claim = StdoutClaim(outputs.output in (None, "-"))
    sinks: list = []
    if not targets:
        _say_line(error_line("no files to check (folders are searched for .pdf, .docx, .txt and image files)"))
        for stream, _, _ in _line_streams(outputs, claim, sinks):  # an empty JSON-lines file
            if stream is not sys.stdout:
                stream.finish()
        _write_outputs([], outputs, ruleset, False, project.settings, claim, sinks)
        return combine(Exit.UNCHECKED, *_sink_status(sinks))
    single = len(targets) == 1 and len(paths) == 1 and not os.path.isdir(paths[0])
    results = _collect(run, targets, outputs, single, claim, sinks)
    for warning in run.warnings:
        _say(f"warning: {warning}")
    if run.cache_failures:
        from authcheck.reporters.consolebatch import cache_failed_line

        _say(f"warning: {cache_failed_line(run.cache_failures)} (treated as misses: checked afresh)")
    extras = {
        "cache_failures": run.cache_failures,
        "config_path": project.config_path,
        "skipped": run.skipped.get("type", 0),
    }
    _write_outputs(results, outputs, ruleset, single, project.settings, claim, sinks, extras)
    return combine(_status(results, project.settings), *_sink_status(sinks))


def _output_paths(outputs: Outputs) -> list[str | None]:
    """The main report's path (None: stdout) and every extra report file (not folders)."""
    folders = _folders(outputs)
    return [outputs.output, *(path for _, path in outputs.also if path not in folders)]


def _folders(outputs: Outputs) -> list[str]:
    """The ``--<format>-output`` paths that ask for a folder of reports (ending with "/" or a
    folder already), for formats that write one."""
    from authcheck.reporters.formats import by_name

    return [path for name, path in outputs.also if by_name(name).folder and _is_folder(path)]


def _is_folder(path: str) -> bool:
    return path.endswith(("/", os.sep)) or os.path.isdir(path)


def _check_output_paths(paths: Sequence[str | None], targets, project, folders: Sequence[str] = ()) -> None:
    """Exit 2 before anything runs when an output would replace an input or cannot be written."""
    from authcheck.cli.outputs import check_outputs, check_report_folder

    inputs = [t.path for t in targets if not t.missing]
    inputs += [p for p in (project.baseline, project.ignore_file, project.config_path) if p]
    inputs += _files_read(project.settings)
    check_outputs(paths, inputs)
    for folder in folders:
        check_report_folder(folder, inputs)


def _files_read(settings) -> list[str]:
    """Every other file the run reads: rule packs, registries and the exemplar folders (the run's
    and those a registry names), so no report is written over one of them."""
    folders = [*settings.rule_dirs, *([settings.exemplars] if settings.exemplars else [])]
    files = list(settings.registry)
    if settings.registry:
        from authcheck.registry import loaded

        index = loaded(tuple(settings.registry), settings.exemplars).index
        folders += [o.exemplars for o in index.registry.organisations if o.exemplars] if index else []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            files += [os.path.join(root, name) for name in names]
    return files


def check_disabled(disabled: Sequence[str], ruleset) -> None:
    """A ConfigError (exit 2) for a disabled rule id that no rule has, with the nearest id."""
    if not disabled:
        return  # the rules are not loaded for nothing
    from authcheck.errors import ConfigError

    known = sorted({r.id for r in ruleset.rules})
    for rule_id in disabled:
        if rule_id not in known:
            import difflib  # only for the message

            hint = difflib.get_close_matches(rule_id, known, n=1, cutoff=0.6)
            tip = f" (did you mean '{hint[0]}'?)" if hint else " (`authcheck rules list` shows every rule)"
            raise ConfigError(f"disable: no rule has the id '{rule_id}'{tip}")


def _sink_status(sinks) -> list[int]:
    return [Exit.UNCHECKED for sink in sinks if sink.failed]


def _preload(names: tuple[str, ...]) -> None:
    """Import the reports' writers while the workers check (`Run.meanwhile`); a writer that cannot be
    imported is left to fail where the report is written, and is reported there."""
    from authcheck.reporters.formats import preload

    try:
        preload(names)
    except Exception:
        pass


def _preload_steps(names: tuple[str, ...]) -> Iterator[None]:
    """`_preload` a module at a time (`Run.waiting`: a first command's work while it waits for its
    standby's word; each step is short, so a word that comes is not kept waiting long)."""
    from authcheck.reporters.formats import preload_steps

    yield from preload_steps(names)


def _collect(run, targets, outputs: Outputs, single: bool, claim, sinks: list) -> list[Result]:
    """Run the scan, streaming JSON lines and per-file console lines as results arrive."""
    from authcheck.util.confine import sigint_held

    stream = _line_streams(outputs, claim, sinks)
    keep_full = outputs.keeps_full
    progress = None if single else _progress(len(targets), outputs)
    results: list[Result] = []
    try:
        for result in _batch_passed(run, run.results(targets)):
            if result.error is not None:
                _say(f"{result.path}: {error_detail(result.error)}")
            stored = run.stored_text(result)
            with sigint_held():  # a record is written and counted, or neither: Ctrl-C waits
                for out, line, line_text in stream:
                    text = line_text(*stored, result.path) if stored and line_text else None
                    out.write(text if text is not None else line(_whole(result, stored)))
                    out.flush()
                results.append(result if keep_full else _light(result))
            if progress is not None:
                progress(result)
    except KeyboardInterrupt:
        from authcheck.batch.pool import ScanInterrupted

        raise ScanInterrupted(len(targets) - len(results), len(results)) from None  # whole records only
    finally:
        for out, _, _ in stream:
            if out is not sys.stdout:
                out.finish()
        if progress is not None:
            progress(None)
    return sorted(results, key=lambda r: r.path)


def _batch_passed(run, results):
    """With a registry or exemplars, every result after the symmetric batch pass (batch/letterpairs.py)."""
    from authcheck.registry import active

    if not active(run.settings):
        return results
    from authcheck.batch.letterpairs import batch_pass

    return iter(batch_pass(list(results), run.ruleset, run.settings))


def _light(result: Result) -> Result:
    """What the end of a JSON-lines run still needs of a result: its path, verdict, score and error
    (the exit status; no report is rendered at the end of such a run), so a scan of 100,000 files
    holds 100,000 small records, not full ones (the parent of a 10,000-letter scan peaks at 61 MB,
    where keeping the reason, axes and top finding as well took 75 MB)."""
    kept = (result.fields, result.notes, result.next_steps, result.letter, result.findings, result.reason, result.axes)
    if not any(kept):
        return result
    return replace(result, fields={}, findings=(), notes=(), next_steps=(), letter=None, reason="", axes={})


def _whole(result: Result, stored: tuple[dict, str] | None) -> Result:
    """The whole result, read from its stored text when the run gave a light one (`Run.light`)."""
    if stored is None or not _is_light(result):
        return result
    import json

    from authcheck.batch.cache import result_from_record

    return result_from_record(json.loads(stored[1]), result.path)


def _is_light(result: Result) -> bool:
    """True when `result` holds no more than a light cache hit (the cache's summary,
    `cache.light_record`, or what `_light` keeps), so its whole record must be read to write it."""
    findings = result.findings
    return (
        not (result.fields or result.notes or result.next_steps or result.letter)
        and len(findings) <= 1
        and not (findings and findings[0].evidence)
    )


def _line_streams(outputs: Outputs, claim, sinks: list) -> list:
    """(stream, line function, line-from-stored-text function or None) for each report written one
    record per file as soon as the file is done (JSON lines), opened now, before the scan."""
    from authcheck.reporters.formats import by_name, resolve

    streams = []
    main = by_name(outputs.fmt)
    if main.line:
        out = sys.stdout if outputs.output in (None, "-") else _sink(outputs.output, main.name, claim, sinks).open()
        streams.append((out, resolve(main.line), main.line_text and resolve(main.line_text)))
    for name, path in outputs.also:
        row = by_name(name)
        if row.line:
            streams.append(
                (_sink(path, name, claim, sinks).open(), resolve(row.line), row.line_text and resolve(row.line_text))
            )
    return streams


def _sink(path: str, fmt: str, claim, sinks: list):
    """A report file that falls back to stdout or a temporary file when it cannot be written."""
    from authcheck.cli.outputs import Sink
    from authcheck.reporters.formats import by_name

    sink = Sink(path, by_name(fmt).suffix, claim, _say)
    sinks.append(sink)
    return sink


def _progress(total: int, outputs: Outputs):
    """A per-file callback: a live progress line on stderr when it is a terminal (any format), nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    from authcheck.reporters.consolebatch import Progress

    return Progress(total)


def _write_outputs(
    results: list[Result],
    outputs: Outputs,
    ruleset,
    single: bool,
    settings,
    claim,
    sinks,
    extras: dict | None = None,
) -> None:
    """The main report and the extra files, each rendered as the output table says."""
    from authcheck.reporters.formats import by_name, resolve

    report = _run_report(results, outputs, ruleset, single, settings, extras)
    main = _render(outputs.fmt, _for_main(report, outputs))
    if main is not None:
        if outputs.output in (None, "-"):
            sys.stdout.write(main)
        else:
            _write_report(outputs.output, outputs.fmt, main, claim, sinks)
    for name, path in outputs.also:
        row = by_name(name)
        view = replace(report, single=single and row.extra_single)
        if row.folder and _is_folder(path):
            _write_folder(row.folder, path, view, sinks)
        elif row.run:
            _write_report(path, name, resolve(row.run)(view), claim, sinks)


def _run_report(results: list[Result], outputs: Outputs, ruleset, single: bool, settings, extras: dict | None):
    """What every report of this run is made from (a file report: no colour, a pipe's width)."""
    from authcheck.reporters.formats import RunReport

    extras = extras or {}
    return RunReport(
        results,
        single=single,
        settings=settings,
        ruleset=ruleset,
        color=False,
        width=outputs.width or _width(False),
        quiet=outputs.quiet,
        verbose=outputs.verbose,
        include_suppressed=outputs.sarif_include_suppressed,
        cache_failures=extras.get("cache_failures", 0),
        config_path=extras.get("config_path"),
        skipped=extras.get("skipped", 0),
    )


def _for_main(report, outputs: Outputs):
    """The main report on a terminal gets colour (unless told otherwise) and the terminal's width;
    a report file never holds escape codes."""
    from authcheck.reporters.formats import by_name

    if not by_name(outputs.fmt).terminal or outputs.output not in (None, "-"):
        return report
    from authcheck.reporters.console import wants_color

    return replace(report, color=wants_color(sys.stdout, outputs.color), width=outputs.width or _width())


def _render(fmt: str, report) -> str | None:
    """One report as text (None for a format that is only streamed, like JSON lines)."""
    from authcheck.reporters.formats import by_name, resolve

    row = by_name(fmt)
    return resolve(row.run)(report) if row.run else None


def _write_report(path: str, fmt: str, text: str, claim, sinks: list) -> None:
    sink = _sink(path, fmt, claim, sinks)
    sink.write(text)
    sink.finish()


def _write_folder(writer: str, target: str, report, sinks: list) -> None:
    """``--<format>-output DIR/``: a folder of reports; a failure is one line naming the folder, exit 3."""
    from authcheck.cli.outputs import FailedReport
    from authcheck.reporters.formats import resolve
    from authcheck.util.atomic import reason_of

    try:
        resolve(writer)(target, report)
    except OSError as exc:  # OutputError too
        reason = exc.reason if hasattr(exc, "reason") else reason_of(exc)
        _say(f"{target}: cannot write report: {reason}")
        sinks.append(FailedReport())


PIPE_WIDTH = 100  #: console report width in a pipe or file when COLUMNS is not set
FALLBACK_WIDTH = 80  #: when a terminal reports a width of 0 or an absurd one


def _width(terminal: bool = True) -> int:
    """The report's width: the terminal's (stdout), else COLUMNS, else PIPE_WIDTH in a pipe or file.

    A terminal that reports 0 columns (or an absurd number) gets COLUMNS or FALLBACK_WIDTH, so the
    report is never empty."""
    columns = _sane(os.environ.get("COLUMNS", ""))
    try:
        if not (terminal and sys.stdout.isatty()):
            return columns or PIPE_WIDTH
        size = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return columns or PIPE_WIDTH
    return _sane(size) or columns or FALLBACK_WIDTH


def _sane(value) -> int | None:
    """A usable width (20-1000 columns) or None."""
    try:
        width = int(value)
    except (TypeError, ValueError):
        return None
    return width if 20 <= width <= 1000 else None


def _status(results: Iterable[Result], settings) -> int:
    """3 when a file could not be checked, else 1 when the gate tripped, else 0."""
    codes = [
        Exit.UNCHECKED if r.error else Exit.GATE if settings.gate_trips(r.verdict, r.score) else Exit.OK
        for r in results
    ]
    return combine(*codes)


def _warn_platform(settings) -> None:
    """Say once when this platform cannot enforce a limit."""
    from authcheck.util.confine import platform_warnings

    for line in platform_warnings(settings):
        _say(f"warning: {line}")


def _say(line: str) -> None:
    """One line on stderr; paths and messages in it are made safe for the terminal (one line, no controls)."""
    from authcheck.util.safetext import for_terminal

    _say_line(f"authcheck: {for_terminal(line)}")


def _say_line(line: str) -> None:
    """A whole line, already safe for the terminal, on stderr."""
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def extract_command(path: str, fmt: str, password: str | None, color: bool | None, width: int | None) -> int:
    """`authcheck extract`: the letter as the rules see it, checked in an isolated worker."""
    from authcheck.batch.config import ProjectConfig
    from authcheck.batch.discover import Target

    settings = replace(project_config({"password": password}).settings, password=password)
    target = Target(path, missing=not (path == "-" or os.path.exists(path)))
    from authcheck.batch.run import Run
    from authcheck.engine.rulepack import RuleSet

    no_rules = RuleSet([], "none")  # `extract` shows the letter without judging it
    run = Run([path], ProjectConfig(settings, cache=False), no_rules, jobs=1, keep_letter=True)
    result = next(iter(run.results([target])))
    if result.error is not None or result.letter is None:
        error = result.error
        _say(f"{path}: {error_detail(error)}" if error else f"{path}: could not be read")
        return Exit.UNCHECKED
    if fmt == "json":
        import json

        from authcheck.reporters.jsonout import letter_record
        from authcheck.util.safetext import scrub_surrogates

        sys.stdout.write(
            scrub_surrogates(json.dumps(letter_record(result.letter), indent=2, ensure_ascii=False)) + "\n"
        )
    else:
        from authcheck.reporters.console import make_console
        from authcheck.reporters.extractview import render_extract

        render_extract(result.letter, make_console(sys.stdout, color=color, width=width or _width()))
    return Exit.OK


def rules_list_command(rule_dirs: Sequence[str], fmt: str) -> int:
    """`authcheck rules list`."""
    from authcheck.engine.rulepack import load_ruleset

    ruleset = load_ruleset(rule_dirs)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps([r.descriptor() for r in ruleset.rules], indent=2, ensure_ascii=True) + "\n")
        return Exit.OK
    from authcheck.util.safetext import for_terminal

    for r in ruleset.rules:
        sys.stdout.write(f"{for_terminal(r.id):32} {r.axis:9} {r.severity:8} {r.weight:5g}  {for_terminal(r.title)}\n")
    return Exit.OK


def rules_test_command(rule_dirs: Sequence[str]) -> int:
    """`authcheck rules test`: every inline example; exit 1 when one fails."""
    from authcheck.engine.rulepack import load_ruleset
    from authcheck.engine.ruletest import run_rule_tests

    results = run_rule_tests(load_ruleset(rule_dirs).rules)
    failed = [r for r in results if not r.passed]
    from authcheck.util.safetext import for_terminal

    for r in failed:
        sys.stdout.write(for_terminal(f"FAIL {r.rule}: {r.name!r} expected {r.expected}: {r.detail}") + "\n")
    sys.stdout.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return Exit.GATE if failed else Exit.OK


def baseline_command(paths: Sequence[str], output: str, options: dict) -> int:
    """`authcheck baseline create`: check PATHS and record every finding's fingerprint."""
    from authcheck.batch.run import Run
    from authcheck.engine.rulepack import ruleset_for
    from authcheck.registry import prepare
    from authcheck.suppress.baseline import write_baseline

    project = project_config(options)
    project = replace(project, baseline=None, settings=prepare(project.settings))
    ruleset = ruleset_for(project.settings)
    check_disabled(project.settings.disabled_rules, ruleset)
    run = Run(paths, project, ruleset, jobs=project.jobs)
    targets = run.targets()
    _check_output_paths([output], targets, project)
    results = list(_batch_passed(run, run.results(targets)))
    errors = [r for r in results if r.error]
    for r in errors:
        _say(f"{r.path}: {error_detail(r.error)}")
    count = write_baseline(output, results)
    _say(f"wrote {count} finding(s) from {len(results)} file(s) to {output}")
    return Exit.UNCHECKED if errors else Exit.OK


def config_show_command(config_file: str | None) -> int:
    """`authcheck config show`: each setting, its value and where it came from."""
    from authcheck.batch.config import describe

    project = project_config({"config_file": config_file})
    from authcheck.util.safetext import for_terminal

    rows = [tuple(for_terminal(cell) for cell in row) for row in describe(project)]
    width = max(len(k) for k, _, _ in rows)
    sys.stdout.write(f"config file: {for_terminal(project.config_path or '(none found)')}\n")
    for key, value, origin in rows:
        sys.stdout.write(f"{key:{width}}  {value}  [{origin}]\n")
    return Exit.OK
