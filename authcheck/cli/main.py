"""The command line: options -> settings -> run -> reporters -> exit status.  Click only, no policy."""

from __future__ import annotations

import os
import sys

import click

from authcheck.cli.status import HELP as EXIT_HELP
from authcheck.cli.status import Exit
from authcheck.errors import ConfigError, RuleError, error_line
from authcheck.model import DOCUMENT_KINDS
from authcheck.reporters.formats import OUTPUTS
from authcheck.reporters.formats import names as output_names
from authcheck.version import __version__

FORMATS = output_names()  #: the `--format` choices: the reporters' output table
VERDICT_GATES = ("review", "fail", "never")
KIND_CHOICES = ("auto", *DOCUMENT_KINDS)
SEVERITY_CHOICES = ("info", "low", "medium", "high", "critical")


class DefaultGroup(click.Group):
    """A group whose default command is `check`: `authcheck FILE...` means `authcheck check FILE...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version", "-V"):
            _refuse_typo(ctx, args[0], sorted(self.commands))
            args = ["check", *args]
        return super().parse_args(ctx, args)


def _refuse_typo(ctx: click.Context, word: str, commands: list[str]) -> None:
    """A usage error (exit 2) for a first word that is no path but looks like a misspelt command."""
    if os.path.lexists(word) or word.startswith("-") or any(c in word for c in "./\\*?["):
        return
    import difflib

    hint = difflib.get_close_matches(word, commands, n=1, cutoff=0.75)
    if hint:
        ctx.fail(f"No such command or file '{word}'. Did you mean '{hint[0]}'?")


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_HELP + "\n\n\b\nRun `authcheck check --help` for every option of the default command.",
)
@click.version_option(__version__, "--version", "-V", prog_name="authcheck")
def main() -> None:
    """Check letters for authenticity: is each from whom it claims (origin), and is it a final,
    signed, authorised act (authority)?

    `authcheck FILE...` is short for `authcheck check FILE...` (use the long form for a file
    named like a command).
    """
    from authcheck import cli

    if cli.STARTING_WITHOUT_GC:
        import gc

        # Off while the command started (`launcher.entry`).  What start-up made is frozen first, or the
        # first collection would walk all of it; what runs from here collects as always, and a worker
        # forked later inherits the frozen objects and never walks them either.
        cli.STARTING_WITHOUT_GC = False
        gc.freeze()
        gc.enable()


def _check_options(func):
    """Options shared by `check` and `baseline create`."""
    options = [
        click.option(
            "--rules",
            "rule_dirs",
            multiple=True,
            type=click.Path(file_okay=False),
            help="Add the rule packs in DIR to the built-in ones (repeatable).",
        ),
        click.option("--disable", multiple=True, metavar="RULE", help="Do not run this rule (repeatable)."),
        click.option(
            "--include",
            multiple=True,
            metavar="GLOB",
            help="Also check files matching GLOB in folders, besides .pdf, .docx and .txt (repeatable).",
        ),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching GLOB (repeatable)."),
        click.option("--follow-symlinks", is_flag=True, default=None, help="Follow symbolic links in folders."),
        click.option(
            "--password",
            envvar="AUTHCHECK_PASSWORD",
            show_envvar=True,
            default=None,
            help="Password for encrypted PDFs.",
        ),
        click.option(
            "--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: the CPU count)."
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(0.1, 3600),
            default=None,
            help="Seconds per file before it is given up [default: 30].",
        ),
        click.option(
            "--memory",
            "memory_mb",
            type=click.IntRange(0, 1 << 20),
            default=None,
            help="Memory cap per worker in MiB, 0 for none [default: 1024].",
        ),
        click.option(
            "--max-pages",
            type=click.IntRange(1, 100000),
            default=None,
            help="PDF pages analysed per file [default: 200].",
        ),
        click.option("--no-cache", is_flag=True, help="Do not read or write the result cache."),
        click.option(
            "--cache-dir", type=click.Path(file_okay=False), default=None, help="Where the result cache lives."
        ),
        click.option(
            "--kind",
            type=click.Choice(KIND_CHOICES),
            default=None,
            help="Treat every file as this kind of document (auto: classify each) [default: auto].",
        ),
        click.option(
            "--registry",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="Issuer registry (YAML) to check signatories, titles and letterheads against (repeatable).",
        ),
        click.option(
            "--exemplars",
            type=click.Path(file_okay=False),
            default=None,
            help="Folder of known-genuine letters from the same offices to compare with.",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="Check the files on a Dask cluster: tcp://HOST:8786, tls://..., a scheduler file "
            "(.json), or 'local' (needs the 'dask' extra).",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, exists=True),
            default=None,
            help="Use this authcheck.toml / pyproject.toml instead of searching upwards.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _also_output_options(func):
    """``--<format>-output`` for every output format the table offers as an extra report."""
    for row in reversed(OUTPUTS):
        if row.also:
            path = click.Path(dir_okay=row.folder is not None, allow_dash=False)
            func = click.option(f"--{row.name}-output", type=path, default=None, help=row.also)(func)
    return func


@main.command(epilog=EXIT_HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="console",
    show_default=True,
    help="Report format on stdout (or --output).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write the report to FILE (atomically; a device or FIFO is written in place) instead of stdout.",
)
@_also_output_options
@click.option("--sarif-include-suppressed", is_flag=True, help="Keep suppressed findings in SARIF.")
@click.option(
    "--fail-on",
    type=click.Choice(VERDICT_GATES),
    default=None,
    help="Exit 1 when a file's verdict is at least this [default: fail].",
)
@click.option(
    "--fail-score", type=click.IntRange(0, 100), default=None, help="Exit 1 when a file's risk score is at least N."
)
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITY_CHOICES),
    default=None,
    help="Only show findings at least this severe (the gate still counts all).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Suppress findings recorded in this baseline file.",
)
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Suppress findings listed (with reasons) in this YAML file.",
)
@click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set or not a terminal).")
@click.option("--width", type=click.IntRange(40, 400), default=None, help="Console width for the report.")
@click.option(
    "--quiet", "-q", is_flag=True, help="Console, several files: only files that trip the gate, and the summary."
)
@click.option("--verbose", "-v", is_flag=True, help="Console, several files: also list the findings of passing files.")
@click.option(
    "--explain", is_flag=True, help="Say why each finding fired, and list candidates a guard dropped (and which guard)."
)
@_check_options
def check(
    paths,
    fmt,
    output,
    sarif_include_suppressed,
    no_color,
    width,
    quiet,
    verbose,
    **options,
) -> None:
    """Check letters (PDF, DOCX, text; files, folders, globs, or - for stdin) and report."""
    from authcheck.cli.commands import Outputs, check_command

    also = tuple(
        (row.name, path)
        for row in OUTPUTS
        if row.also and (path := options.pop(f"{row.name.replace('-', '_')}_output"))
    )
    outputs = Outputs(
        fmt,
        output,
        also,
        sarif_include_suppressed,
        color=False if no_color else None,
        width=width,
        quiet=quiet,
        verbose=verbose,
    )
    _finish(lambda: check_command(paths, outputs, options))


@main.command(epilog=EXIT_HELP)
@click.argument("path")
@click.option("--format", "-f", "fmt", type=click.Choice(("console", "json")), default="console", show_default=True)
@click.option("--password", envvar="AUTHCHECK_PASSWORD", default=None, help="Password for encrypted PDFs.")
@click.option("--no-color", is_flag=True, help="No colour.")
@click.option("--width", type=click.IntRange(40, 400), default=None, help="Console width.")
def extract(path, fmt, password, no_color, width) -> None:
    """Show exactly what the rules see in one letter: metadata, parts, parties, dates, signature."""
    from authcheck.cli.commands import extract_command

    _finish(lambda: extract_command(path, fmt, password, False if no_color else None, width))


@main.group()
def rules() -> None:
    """List the rules, or run their inline examples."""


@rules.command("list")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), help="Add rule packs.")
@click.option("--format", "-f", "fmt", type=click.Choice(("console", "json")), default="console")
def rules_list(rule_dirs, fmt) -> None:
    """List every rule with its axis, severity and weight."""
    from authcheck.cli.commands import rules_list_command

    _finish(lambda: rules_list_command(rule_dirs, fmt))


@rules.command("test")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False), help="Add rule packs.")
def rules_test(rule_dirs) -> None:
    """Run every rule's inline examples; exit 1 when one fails, 2 when a rule is invalid."""
    from authcheck.cli.commands import rules_test_command

    _finish(lambda: rules_test_command(rule_dirs))


@main.group()
def baseline() -> None:
    """Record today's findings so CI fails only on new ones."""


@baseline.command("create")
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=".authcheck-baseline.json", show_default=True)
@_check_options
def baseline_create(paths, output, **options) -> None:
    """Check PATHS and write every finding's fingerprint to the baseline file."""
    from authcheck.cli.commands import baseline_command

    _finish(lambda: baseline_command(paths, output, options))


@main.group()
def config() -> None:
    """Inspect the effective configuration."""


@config.command("show")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True), default=None)
def config_show(config_file) -> None:
    """Print every setting, its value and where it came from."""
    from authcheck.cli.commands import config_show_command

    _finish(lambda: config_show_command(config_file))


@main.group()
def server() -> None:
    """The warm server that starts each command in milliseconds (AUTHCHECK_SERVER=auto|on|off)."""


@server.command("status")
def server_status() -> None:
    """Say whether the server runs (exit 0) or not (exit 1), and why it is off."""
    from authcheck.cli.warm import status_command

    _finish(status_command)


@server.command("start")
def server_start() -> None:
    """Start the server now rather than on the next command."""
    from authcheck.cli.warm import start_command

    _finish(start_command)


@server.command("stop")
def server_stop() -> None:
    """Stop the server (the next command starts a new one, unless AUTHCHECK_SERVER=off)."""
    from authcheck.cli.warm import stop_command

    _finish(stop_command)


def _finish(action) -> None:
    """Run a command: configuration and rule errors are one line and exit 2, Ctrl-C exits 130."""
    from authcheck.util.safetext import for_terminal

    try:
        code = action()
    except (ConfigError, RuleError) as exc:
        click.echo(error_line(for_terminal(exc)), err=True)
        code = Exit.USAGE
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as other filters do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = Exit.OK
    except KeyboardInterrupt as exc:
        not_reached = getattr(exc, "not_reached", None)
        detail = f": {not_reached} file(s) not reached" if not_reached is not None else ""
        click.echo(f"authcheck: interrupted{detail}", err=True)
        code = Exit.INTERRUPTED
    except Exception as exc:
        click.echo(for_terminal(f"authcheck: internal error: {type(exc).__name__}: {exc} (please report it)"), err=True)
        code = Exit.UNCHECKED
    raise SystemExit(int(code))
