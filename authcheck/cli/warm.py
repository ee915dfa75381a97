"""The warm server: a command starts in a process that has already imported every stage.

Most of a cold `authcheck letter.pdf` is Python importing click, pypdf, PDFium, rich and the rule
engine and compiling the rule pack; the check itself takes tens of milliseconds.  An analyst checks
letters one after another, so the first command leaves a small server behind (a "zygote"): it
imports everything once, compiles the built-in rules, and then waits on a Unix socket.  Each later
command connects, hands over its standard streams (SCM_RIGHTS), argument list, folder, umask and
environment, and the server forks a child that runs the ordinary command line with exactly those,
in its own process group.  The child is a copy of a process that never saw a document: no state
passes from one command to the next, and the file itself is still checked in the child's own
isolated worker, as in a cold run.  The client relays signals (Ctrl-C) to the child's process
group and leaves with the child's exit status.

`AUTHCHECK_SERVER` chooses: `auto` (default) uses or starts the server except when `CI` is set
(one-shot machines gain nothing from it), `on` also under CI, `off` never.  The server exits after
`AUTHCHECK_SERVER_IDLE` seconds without a command (default 900), when its code or Python changes
(the next command starts a new one), or on `authcheck server stop`.  Its socket lives in a private
folder (`$XDG_RUNTIME_DIR/authcheck` or `/tmp/authcheck-UID`, mode 0700, owned by the user, else
no server is used), and it serves only its own user (SO_PEERCRED).

Until the server has taken a command, anything unexpected (no server, another version, a refused
handshake) makes the client run the command cold itself; after that, the child's status is the
command's status.  This module's top level imports only `os` and `sys`: it runs before anything
else in every command.
"""

from __future__ import annotations

import os
import sys

ENV_MODE = "AUTHCHECK_SERVER"
ENV_IDLE = "AUTHCHECK_SERVER_IDLE"
IDLE_DEFAULT = 900.0
MODES = ("auto", "on", "off")
MAGIC = b"authcheck-warm/1"
ANSWER_SECONDS = 10.0  #: how long a client waits for the server to take its command before running it cold
MAX_REQUEST = 4 * 1024 * 1024  #: argv + environment; a larger request is refused (the client runs cold)
_MAX_SOCKET_PATH = 100  #: sun_path holds 108 bytes
LOST = 3  #: the exit status when the server dies after it took the command (Exit.UNCHECKED)
#: Environment read when Python starts or a module is imported: a server started under other
#: values is another server, with another socket name.
_KEY_ENV = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LC_TIME",
    "LC_NUMERIC",
    "LC_COLLATE",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONHASHSEED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONWARNINGS",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONMALLOC",
    "AUTHCHECK_PDF_TEXT",
)
FORWARDED = (2, 15, 1, 3)  #: SIGINT, SIGTERM, SIGHUP, SIGQUIT: passed on to the command


_ALIASES = {"1": "on", "yes": "on", "true": "on", "0": "off", "no": "off", "false": "off"}


def setting(value: str | None) -> str | None:
    """The mode an AUTHCHECK_SERVER value names (unset or empty: `auto`), or None for no mode."""
    value = (value or "auto").strip().lower() or "auto"
    value = _ALIASES.get(value, value)
    return value if value in MODES else None


def mode(env=None) -> str:
    """`auto`, `on` or `off`, from AUTHCHECK_SERVER (anything else is `off`) and CI."""
    env = os.environ if env is None else env
    value = setting(env.get(ENV_MODE))
    if value is None:
        return "off"
    if value == "auto" and (env.get("CI") or "").strip().lower() not in ("", "0", "false", "no"):
        return "off"
    return value


def supported() -> bool:
    """Linux only: the handshake needs SCM_RIGHTS and SO_PEERCRED."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def runtime_dir(env=None) -> str | None:
    """The private folder for the socket, made on first use; None when it is not private."""
    env = os.environ if env is None else env
    base = env.get("XDG_RUNTIME_DIR") or ""
    uid = os.geteuid()
    if os.path.isabs(base) and _safe_parent(base, uid):
        folder = os.path.join(base, "authcheck")
    else:
        folder = f"/tmp/authcheck-{uid}"
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(folder)
    except OSError:
        return None
    if (st.st_mode & 0o170000) != 0o040000 or st.st_uid != uid or st.st_mode & 0o077:
        return None
    return folder


def _safe_parent(base: str, uid: int) -> bool:
    """The runtime folder is the user's, or nobody else can replace what is in it (sticky)."""
    try:
        st = os.stat(base)
    except OSError:
        return False
    return st.st_uid == uid or bool(st.st_mode & 0o1000) or not st.st_mode & 0o022


def _key_flags() -> list[int]:
    f = sys.flags
    return [f.optimize, f.isolated, f.ignore_environment, f.no_user_site, int(f.dev_mode)]


def key() -> bytes:
    """What a server must share with this client: interpreter, installed code, start-up environment."""
    parts = [
        sys.executable,
        sys.version,
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # the installed package
        repr(_key_flags()),
        str(os.geteuid()),
    ]
    parts += [f"{name}={os.environ.get(name)}" for name in _KEY_ENV]
    return "\0".join(parts).encode("utf-8", "surrogateescape")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, without loading OpenSSL (`util/sha.py`)."""
    from authcheck.util.sha import sha256

    return sha256(data).hexdigest()


def socket_path(folder: str, server_key: bytes) -> str | None:
    path = os.path.join(folder, "s-" + sha256_hex(server_key)[:24])
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None


def program_name() -> str:
    """How the user called authcheck, for usage lines: `python -m authcheck` or the script's name."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name in ("authcheck", "authcheck.__main__"):
        return "python -m authcheck"
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "authcheck"


class _Cold(Exception):
    """The server did not take the command: run it here."""


#: True once this command found no server and started one (or found one starting): the server's
#: imports take the spare core for a while (`batch.standby` leaves it to them)
server_starting = False


def run_warm(argv: list[str]) -> int | None:
    """Run `authcheck ARGV` in the warm server: its exit status, or None to run it cold here.

    With the server missing this starts one for the next command (in `auto` and `on` modes)."""
    if not supported() or mode() == "off" or argv[:1] == ["server"]:
        return None
    folder = runtime_dir()
    server_key = key()
    path = socket_path(folder, server_key) if folder else None
    if path is None:
        return None
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        global server_starting
        server_starting = True
        start_server(path)
        return None
    try:
        return _converse(sock, server_key, argv)
    except _Cold:
        return None
    finally:
        sock.close()


def _streams() -> list[int]:
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            raise _Cold from None  # a closed standard stream: the cold run handles it as it always has
        fds.append(fd)
    return fds


def _stream_spec(stream) -> bytes:
    if stream is None:
        return b""
    return f"{getattr(stream, 'encoding', '') or ''}:{getattr(stream, 'errors', '') or ''}".encode()


def encode_request(kind: bytes, server_key: bytes, argv: list[str]) -> bytes:
    """One request: kind, key, argv, folder, umask, stream encodings and environment, NUL-separated."""
    umask = os.umask(0o22)
    os.umask(umask)
    try:
        cwd = os.getcwdb()
    except OSError:
        raise _Cold from None
    fields = [
        kind,
        sha256_hex(server_key).encode(),
        cwd,
        b"%d" % umask + _process_context(),
        program_name().encode("utf-8", "surrogateescape"),
    ]
    fields += [_stream_spec(s) for s in (sys.stdin, sys.stdout, sys.stderr)]
    fields.append(b"%d" % len(argv))
    fields += [os.fsencode(a) for a in argv]
    fields += [k + b"=" + v for k, v in os.environb.items()]
    body = b"\0".join(fields)
    if len(body) > MAX_REQUEST:
        raise _Cold
    return MAGIC + b"%d\n" % len(body) + body


#: Limits a shell's `ulimit` may have set: the command runs under the client's, not the server's.
RLIMITS = (
    "RLIMIT_AS",
    "RLIMIT_CPU",
    "RLIMIT_DATA",
    "RLIMIT_FSIZE",
    "RLIMIT_NOFILE",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_NPROC",
)


def _process_context() -> bytes:
    """The client's niceness, CPUs and resource limits, as `;name=value` items after the umask."""
    import resource

    items = [f"nice={os.getpriority(os.PRIO_PROCESS, 0)}"]
    if hasattr(os, "sched_getaffinity"):
        items.append("cpus=" + ",".join(map(str, sorted(os.sched_getaffinity(0)))))
    for name in RLIMITS:
        if hasattr(resource, name):
            soft, hard = resource.getrlimit(getattr(resource, name))
            items.append(f"{name}={soft},{hard}")
    return ";".join(["", *items]).encode()


class CutShort(OSError):
    """`send_with` sent the descriptors and the first bytes, not the rest."""


def send_with(sock, data: bytes, fds: list[int]) -> None:
    """`data` over a Unix socket with `fds` (SCM_RIGHTS) on its first bytes: OSError when nothing
    was sent, `CutShort` when the rest could not follow.  Never an empty send after the first: the
    reader may have read it all and closed already."""
    import _socket

    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    if sent < len(data):
        try:
            sock.sendall(data[sent:])
        except OSError as exc:
            raise CutShort(*exc.args) from exc


def _converse(sock, server_key: bytes, argv: list[str]) -> int:
    fds = _streams()
    message = encode_request(b"run", server_key, argv)
    try:
        send_with(sock, message, fds)
    except OSError:
        raise _Cold from None
    reader = _Lines(sock)
    sock.settimeout(ANSWER_SECONDS)  # a server that hangs (stopped, swapping) is passed by: run cold
    try:
        first = reader.line()
        sock.settimeout(None)
    except KeyboardInterrupt:  # before the command started; closing the socket stops it if it had
        sys.stderr.write("authcheck: interrupted\n")
        return 130
    if not first.startswith(b"P"):  # refused (another key, code changed) or gone: nothing ran
        raise _Cold
    forward = _forwarder(sock)
    try:
        last = reader.line()
    finally:
        forward.restore()
    if not last.startswith(b"X"):
        sys.stderr.write(
            "authcheck: the warm server stopped before the command finished (AUTHCHECK_SERVER=off runs without it)\n"
        )
        return LOST
    return _exit_status(int(last[1:]))


def _exit_status(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return code
    signum = -code
    if signum in FORWARDED:  # die of the same signal, as a cold run would have
        import _signal  # type: ignore[import-not-found]  # `signal` builds enums: milliseconds

        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        _signal.signal(signum, _signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    return 128 + signum


class _Lines:
    """Lines from the server, read without the socket module's file wrapper."""

    def __init__(self, sock) -> None:
        self.sock = sock
        self.buffer = b""

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(256)
            except OSError:
                chunk = b""
            if not chunk:
                return b""
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


class _forwarder:
    """While the command runs, the signals that would stop it go to its process group."""

    def __init__(self, sock) -> None:
        import _signal  # `signal` builds enums: milliseconds on every command

        self.signal = _signal
        self.old = {}

        def relay(signum, frame):
            try:
                sock.send(b"S%d\n" % signum)
            except OSError:
                pass

        for signum in FORWARDED:
            try:
                self.old[signum] = _signal.signal(signum, relay)
            except (OSError, ValueError):
                pass

    def restore(self) -> None:
        for signum, handler in self.old.items():
            self.signal.signal(signum, handler)


def _interpreter_args() -> list[str]:
    f = sys.flags
    args = [sys.executable, "-P"]
    args += ["-O"] * f.optimize + (["-I"] if f.isolated else [])
    args += (["-E"] if f.ignore_environment and not f.isolated else []) + (
        ["-s"] if f.no_user_site and not f.isolated else []
    )
    args += ["-X", "dev"] if f.dev_mode else []
    return args


#: The server's command line: the folder holding this client's authcheck goes first on its import
#: path when the client found it there first (`python -m authcheck` in a checkout, over an
#: installed copy), so both import the same code; `-P` keeps every other folder out.
_SERVER_MAIN = (
    "import sys; sys.argv[1] and sys.path.insert(0, sys.argv[1]); "
    "from authcheck.cli.server import main; main(sys.argv[2:])"
)


def _package_parent_to_add() -> str:
    """The folder this authcheck was imported from, when the server would not find it on its own
    path (it came through the script's folder or the working folder, sys.path[0]); else ""."""
    parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    others = {os.path.abspath(entry) for entry in sys.path[1:] if entry}
    return "" if parent in others else parent


def start_server(path: str) -> int | None:
    """Start a detached server for `path` (new session, standard streams on /dev/null); its pid.

    A lock file beside the socket lets one command start it while the others run cold until it
    answers; a lock older than a minute is a start that failed, and is taken over."""
    import time

    lock = path + ".lock"
    for _ in range(2):
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            try:
                if time.time() - os.stat(lock).st_mtime < 60:
                    return None
                os.unlink(lock)
            except OSError:
                return None
        except OSError:
            return None
    else:
        return None
    devnull = os.devnull
    try:
        return os.posix_spawn(
            sys.executable,
            [*_interpreter_args(), "-c", _SERVER_MAIN, _package_parent_to_add(), path],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, devnull, os.O_WRONLY, 0),
            ],
            setsid=True,
        )
    except (OSError, AttributeError):
        unlink_quietly(lock)
        return None


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def ask(request: bytes, env=None) -> tuple[str | None, bytes | None]:
    """Send `status` or `stop` to this installation's server: (socket path, its answer or None)."""
    folder, server_key = runtime_dir(env), key()
    path = socket_path(folder, server_key) if folder else None
    if path is None:
        return None, None
    import _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(10)
    try:
        sock.connect(path)
        sock.sendall(encode_request(request, server_key, []))
        return path, _Lines(sock).line() or None
    except (OSError, _Cold):
        return path, None
    finally:
        sock.close()


def status_command() -> int:
    """`authcheck server status`: the mode, the socket, and the server's pid if one answers (exit 0), else exit 1."""
    import click

    current = mode() if supported() else "off"
    why = "" if supported() else " (Linux only)"
    given = os.environ.get(ENV_MODE)
    if setting(given) is None:
        why = f" ({ENV_MODE}={given!r} is not one of auto, on, off)"
    elif current == "off" and mode({**os.environ, "CI": ""}) != "off":
        why = " (CI is set; AUTHCHECK_SERVER=on uses it there too)"
    path, answer = ask(b"status")
    from authcheck.util.safetext import for_terminal

    click.echo(for_terminal(f"mode: {current}{why}"))
    click.echo(for_terminal(f"socket: {path or 'none (no private runtime folder)'}"))
    if answer is None:
        click.echo("server: not running")
        return 1
    click.echo(for_terminal(f"server: running ({answer.decode('ascii', 'replace')})"))
    return 0


def stop_command() -> int:
    """`authcheck server stop`: ask this installation's server to leave."""
    import click

    _, answer = ask(b"stop")
    click.echo("server: stopped" if answer else "server: not running")
    return 0


def start_command(wait: float = 30.0) -> int:
    """`authcheck server start`: start the server unless one answers, and wait until it does."""
    import time

    import click

    if not supported():
        click.echo("authcheck: the warm server needs Linux", err=True)
        return 2
    if mode() == "off":
        click.echo(
            f"authcheck: {ENV_MODE} is off here (or CI is set): no command would use a server; {ENV_MODE}=on does",
            err=True,
        )
        return 2
    path, answer = ask(b"status")
    if path is None:
        click.echo("authcheck: no private runtime folder for the server's socket ($XDG_RUNTIME_DIR or /tmp)", err=True)
        return 3
    if answer is None:
        start_server(path)
        deadline = time.monotonic() + wait
        while answer is None and time.monotonic() < deadline:
            time.sleep(0.05)
            _, answer = ask(b"status")
    if answer is None:
        click.echo(f"authcheck: the server did not answer within {wait:.0f} s", err=True)
        return 3
    click.echo(f"server: running ({answer.decode('ascii', 'replace')})")
    return 0
