"""The warm server's own side (see `cli/warm.py` for what it is and the client): prewarm, listen,
and fork one child per command that becomes that command.  `warm.start_server` runs `main`, with
the folder of the client's authcheck first on the import path when the client found it there.
Only the server imports this module, never a command's client, so its standard modules are
imported at the top."""

from __future__ import annotations

import gc
import io
import os
import resource
import select
import signal
import socket
import sys
import tempfile
import time

from authcheck.cli.warm import (
    ENV_IDLE,
    FORWARDED,
    IDLE_DEFAULT,
    LOST,
    MAGIC,
    MAX_REQUEST,
    RLIMITS,
    CutShort,
    key,
    send_with,
    sha256_hex,
    socket_path,
    unlink_quietly,
)


def _apply_context(context: str) -> bool:
    """Put this process under the client's niceness, CPUs and limits; False when it cannot be done
    (a limit above the server's own hard limit): then the client runs the command cold."""

    for item in filter(None, context.split(";")):
        name, _, value = item.partition("=")
        try:
            if name == "nice":
                if int(value) > os.getpriority(os.PRIO_PROCESS, 0):
                    os.setpriority(os.PRIO_PROCESS, 0, int(value))
            elif name == "cpus":
                os.sched_setaffinity(0, {int(c) for c in value.split(",") if c})
            elif name in RLIMITS and hasattr(resource, name):
                soft, _, hard = value.partition(",")
                resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))
        except (OSError, ValueError):
            return False
    return True


class Request:
    """A decoded request and the streams that came with it."""

    def __init__(self, body: bytes, fds: list[int]) -> None:
        fields = body.split(b"\0")
        if len(fields) < 9:
            raise ValueError("short request")
        self.kind, self.key, self.cwd = fields[0], fields[1], fields[2]
        umask, _, self.context = fields[3].decode("ascii").partition(";")
        self.umask = int(umask) & 0o777
        self.prog = fields[4].decode("utf-8", "surrogateescape")
        self.encodings = [f.decode("ascii", "replace") for f in fields[5:8]]
        count = int(fields[8])
        if count < 0 or 9 + count > len(fields):
            raise ValueError("bad argument count")
        self.argv = [os.fsdecode(a) for a in fields[9 : 9 + count]]
        self.env = [f.partition(b"=") for f in fields[9 + count :] if b"=" in f[1:]]
        self.fds = fds
        self.body = body


def _receive(conn) -> Request:

    conn.settimeout(5)
    fds: list[int] = []
    data, ancdata, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(3 * 4))
    fds += _descriptors(ancdata)
    try:
        if not data.startswith(MAGIC) or b"\n" not in data:
            raise ValueError("not an authcheck request")
        head, _, body = data[len(MAGIC) :].partition(b"\n")
        size = int(head)
        if not 0 <= size <= MAX_REQUEST:
            raise ValueError("request too large")
        body = _rest(conn, body, size)
        if len(fds) not in (0, 3):
            raise ValueError("expected three streams")
        return Request(body[:size], fds)
    except Exception:
        for fd in fds:
            os.close(fd)
        raise


def _rest(sock, body: bytes, size: int) -> bytes:
    """`body` read on from `sock` up to `size` bytes (EOFError when the sender stops short)."""
    while len(body) < size:
        chunk = sock.recv(min(1 << 20, size - len(body)))
        if not chunk:
            raise EOFError("request cut short")
        body += chunk
    return body[:size]


def _descriptors(ancdata) -> list[int]:
    """The file descriptors an SCM_RIGHTS message brought."""
    fds: list[int] = []
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % 4
            fds += [int.from_bytes(payload[i : i + 4], sys.byteorder, signed=True) for i in range(0, usable, 4)]
    return fds


def _peer_uid(conn) -> int | None:

    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    except OSError:
        return None
    return int.from_bytes(creds[4:8], sys.byteorder)


def prewarm() -> None:
    """Import what any command may need and compile the built-in rules, once, before any fork."""

    from authcheck.batch.pipeline import PIPELINE_MODULES
    from authcheck.engine.rulepack import load_ruleset, remember_compiled
    from authcheck.loaders.formats import prewarm as ready
    from authcheck.loaders.formats import table
    from authcheck.reporters.formats import table as table_out

    names = ["authcheck.cli.main", "authcheck.cli.commands", "authcheck.cli.outputs", "authcheck.batch.run"]
    names += ["authcheck.batch.pool", "authcheck.batch.workers", "authcheck.batch.pipeline", "authcheck.batch.cache"]
    names += PIPELINE_MODULES
    names += [m for fmt in table() for m in fmt.prewarm]  # PDFium's library too (evidence boxes, page text)
    names += [ref.partition(":")[0] for out in table_out() for ref in (out.one, out.run, out.line, out.folder) if ref]
    names += ["rich.console", "rich.table", "rich.text", "rich.panel", "multiprocessing.connection"]
    names += ["authcheck.util.sha:for_many"]  # OpenSSL's faster hash, loaded once for every command it serves
    ready(names)  # an optional part missing: the command that needs it reports it
    from authcheck.util import patterns

    patterns.save()
    remember_compiled()
    try:
        warm_up(load_ruleset(()))
    except Exception:
        pass


def warm_up(ruleset) -> None:
    """Check the made-up letter (`batch/warmup.py`) as text, PDF and DOCX in this process, so what each
    stage builds on first use is ready in every command the server forks (about 20 ms less a command),
    and render each result in every report format but HTML (which would load Pillow for good, for a
    rarer report)."""
    from authcheck.batch import warmup
    from authcheck.reporters.formats import RunReport, resolve, table
    from authcheck.settings import Settings

    settings = Settings()
    for result in warmup.check(ruleset):
        report = RunReport([result], single=True, settings=settings, ruleset=ruleset, color=True, width=100)
        for row in table():
            if row.run and row.name != "html":
                try:
                    resolve(row.run)(report)
                except Exception:
                    pass


def _bind(path: str):
    """A listening socket at `path`, or None when a server answers there already.  It is bound and
    listening under a private name first, then renamed into place, so a command never meets a
    socket that refuses it while the server is still starting."""

    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return None
    except OSError:
        pass
    finally:
        probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    private = f"{path}.{os.getpid()}"
    old = os.umask(0o177)
    try:
        unlink_quietly(private)
        listener.bind(private)
        listener.listen(64)
        os.rename(private, path)  # replaces the socket a dead server left behind
    except OSError:
        listener.close()
        unlink_quietly(private)
        return None
    finally:
        os.umask(old)
    return listener


def serve(path: str) -> None:
    """Run the server on `path` until it is idle, stopped, replaced or out of date."""

    os.chdir("/")
    started = time.time()
    idle = _idle_seconds()
    if socket_path(os.path.dirname(path), key()) != path:  # another installation's socket: not ours to serve
        unlink_quietly(path + ".lock")
        return
    try:
        prewarm()
        if _threads() != 1:  # forking a process with threads running is unsafe: serve nothing
            return
        stamp = _stamp()
        listener = _bind(path)
    finally:
        unlink_quietly(path + ".lock")
    if listener is None:
        return
    mine = os.stat(path)
    own_key = sha256_hex(key()).encode()
    gc.collect()
    gc.freeze()  # children never walk the prewarmed objects, and share their pages
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # each command's monitor reaps itself away
    served, last = 0, time.monotonic()
    spare = _Spare.start(listener)
    try:
        while True:
            wait = min(idle, 30.0) if spare is not None else SPARE_AFTER
            if not select.select([listener], [], [], wait)[0]:
                if time.monotonic() - last >= idle or not _still_ours(path, mine):
                    return
                if spare is None:
                    spare = _Spare.start(listener)
                continue
            conn, _ = listener.accept()
            try:
                if _peer_uid(conn) != os.geteuid():
                    continue
                try:
                    request = _receive(conn)
                except Exception:
                    continue
                if request.kind == b"status":
                    spare_pid = spare.pid if spare is not None else 0
                    conn.sendall(
                        b"pid=%d started=%d served=%d idle=%d spare=%d\n"
                        % (os.getpid(), started, served, idle, spare_pid)
                    )
                    continue
                if request.kind == b"stop":
                    conn.sendall(b"stopped\n")
                    return
                current = _stamp()
                if request.kind != b"run" or request.key != own_key or len(request.fds) != 3 or current != stamp:
                    for fd in request.fds:
                        os.close(fd)
                    conn.sendall(b"Erefused\n")
                    if current != stamp:
                        return  # out of date: the client runs cold and starts a new server
                    continue
                handed = spare is not None and spare.hand(conn, request)
                if not handed and os.fork() == 0:
                    listener.close()
                    _monitor(conn, request)
                spare = None  # the next one is forked once the server has been idle for SPARE_AFTER
                for fd in request.fds:
                    os.close(fd)
                served, last = served + 1, time.monotonic()
            except OSError:
                pass
            finally:
                conn.close()
    finally:
        listener.close()
        if spare is not None:
            spare.close()  # it sees the end of its socket and leaves, and its command with it
        if _still_ours(path, mine):
            os.unlink(path)


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _stamp() -> tuple:
    """authcheck's own files (sizes, times) and every import folder's time: an edited checkout or a
    package installed, upgraded or removed since the server started makes it out of date."""
    from authcheck.batch.run import code_version

    code_version.cache_clear()
    folders: list[tuple[str, int | None]] = []
    for entry in sys.path:
        try:
            folders.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            folders.append((entry, None))
    return code_version(), tuple(folders)


def _still_ours(path: str, mine: os.stat_result) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _idle_seconds() -> float:
    try:
        value = float(os.environ.get(ENV_IDLE) or IDLE_DEFAULT)
    except ValueError:
        value = IDLE_DEFAULT
    return max(1.0, value)


SPARE_AFTER = 0.25  #: seconds of quiet after a command before the server forks the next spare


class _Spare:
    """A command's monitor, the command and its first worker forked ahead of the next request
    (`_spare_main`, `standby.start_ahead`), so a served command does not wait for three forks of the
    server (≈ 3.5 ms each for a process of 60 MB).  It waits on a socket of its own; `hand` gives it
    the client's connection, streams and request, and the server forks the next spare only once it
    has been quiet for `SPARE_AFTER` (not while a command it just handed over is working).  Closing
    the socket stops it."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid, self.sock = pid, sock

    @classmethod
    def start(cls, listener) -> _Spare | None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            theirs.close()
            return None
        if pid == 0:
            try:
                listener.close()
                ours.close()
                _spare_main(theirs)
            finally:
                os._exit(0)
        theirs.close()
        return cls(pid, ours)

    def hand(self, conn, request: Request) -> bool:
        """Give the spare this command; False when it is gone before anything reached it (the server
        forks a monitor instead).  Once the first bytes and the descriptors are sent it is the spare's,
        even should the rest fail: a command is run once or fails, never run twice."""
        try:
            _send(self.sock, request.body, [conn.fileno(), *request.fds])
        except CutShort:
            pass  # a request cut short: the spare leaves, and the client is told the server stopped
        except OSError:
            return False
        finally:
            self.close()
        return True

    def close(self) -> None:
        self.sock.close()


def _send(sock: socket.socket, body: bytes, fds: list[int]) -> None:
    """A request (its size, then its bytes) with file descriptors, to a spare or its command (`_take`)."""
    send_with(sock, b"%d\n" % len(body) + body, fds)


def _take(sock: socket.socket, count: int) -> tuple[bytes, list[int]]:
    """What `_send` sent: the body and `count` file descriptors (ValueError, OSError or EOFError
    otherwise, with any descriptors received closed)."""
    data, ancdata, _, _ = sock.recvmsg(1 << 16, socket.CMSG_SPACE(count * 4))
    fds = _descriptors(ancdata)
    try:
        if not data:
            raise EOFError
        head, _, body = data.partition(b"\n")
        body = _rest(sock, body, int(head))
        if len(fds) != count:
            raise ValueError("descriptors missing")
        return body, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _spare_main(sock: socket.socket) -> None:
    """A spare: fork the command ahead, wait for the server to hand over a request, then be that
    command's monitor (`_monitor`).  Leaves, with its command, when the server closes its socket."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    early, told = os.pipe()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:  # the command, until its request comes
        sock.close()
        ours.close()
        os.close(early)
        from authcheck.batch import standby

        standby.start_ahead(_adopted, close=(theirs.fileno(), told))  # its first worker, forked ahead too
        try:
            body, fds = _take(theirs, 3)
            theirs.close()
            request = Request(body, fds)
        except BaseException:
            standby.discard()
            os._exit(0)
        if not _apply_context(request.context):  # as its monitor did, which told the client
            standby.discard()
            os._exit(0)
        _command(request, told)
    theirs.close()
    os.close(told)
    try:
        body, fds = _take(sock, 4)
        sock.close()
        request = Request(body, fds[1:])
        conn = socket.socket(fileno=fds[0])
    except BaseException:
        ours.close()  # the command ahead sees the end of its socket and leaves
        os.waitpid(pid, 0)
        os._exit(0)
    _monitor(conn, request, ahead=(pid, ours, early))


def _monitor(conn, request: Request, ahead: tuple | None = None) -> None:
    """The command's parent: start it, relay the client's signals, report how it ended.  Never returns.
    `ahead`: (pid, socket, the read end of its status pipe) of a command forked ahead (`_spare_main`),
    which is handed the request instead of a command forked now."""

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        if not _apply_context(request.context):
            conn.sendall(b"Elimits\n")
            os._exit(0)
        if select.select([conn], [], [], 0)[0]:  # the client gave up waiting (and ran cold) or left
            os._exit(0)
        if ahead is not None:
            pid, handoff, early = ahead
            _send(handoff, request.body, request.fds)  # it applies the client's context itself
            handoff.close()
        else:
            early, told = os.pipe()  # the command's exit status, told before its teardown
            pid = os.fork()
            if pid == 0:
                conn.close()
                os.close(early)
                _command(request, told)
            os.close(told)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        for fd in request.fds:
            os.close(fd)
        conn.sendall(b"P%d\n" % pid)
        try:
            watch = os.pidfd_open(pid)
        except (AttributeError, OSError):
            watch = None
        client, buffer, deadline, heard = True, b"", None, b""
        while True:
            waits = [w for w in (watch, conn if client else None, early if early >= 0 else None) if w is not None]
            timeout = 0.05 if watch is None else (1.0 if deadline is not None else None)
            ready = select.select(waits, [], [], timeout)[0]
            if early in ready:
                chunk = os.read(early, 16)
                heard += chunk
                if not chunk or heard.endswith(b"\n"):
                    os.close(early)
                    early = -1
                    if client and heard[:-1].isdigit():  # done: the client leaves while the command tears down
                        conn.sendall(b"X%d\n" % ((int(heard[:-1]) & 0xFF) << 8))
                        client = False
            if watch is None or watch in ready:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
            if client and conn in ready:
                chunk = conn.recv(64)
                if not chunk:  # the client is gone, and with it the reason to run: stop the command
                    client, deadline = False, time.monotonic() + 5.0
                    _signal_group(pid, signal.SIGTERM)
                buffer += chunk
                while b"\n" in buffer:
                    line, _, buffer = buffer.partition(b"\n")
                    if line[:1] == b"S" and line[1:].isdigit() and int(line[1:]) in FORWARDED:
                        _signal_group(pid, int(line[1:]))
            if deadline is not None and time.monotonic() > deadline:
                _signal_group(pid, signal.SIGKILL)
                deadline = None
        if client:
            conn.sendall(b"X%d\n" % status)
    except BaseException:
        pass
    os._exit(0)


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except OSError:
        pass


def _command(request: Request, told: int) -> None:
    """The forked child: become the client's command (its streams, folder, environment), run it, exit.
    Once its output is written it closes the client's streams and tells the monitor its status on
    `told`, so the client need not wait for this process (and its workers) to tear down."""
    code = LOST
    try:
        code = _become(request)
    finally:
        for fd in (0, 1, 2):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.write(told, b"%d\n" % code)
            from authcheck.cli.launcher import settle_children

            settle_children()
        except BaseException:
            pass
        os._exit(code)


def _adopt(request: Request) -> None:
    """The client's umask, environment (and with it its time zone) and temporary folder, here: the
    command's, and a standby's forked ahead (`standby.start_ahead`), whose worker state they are."""
    os.umask(request.umask)
    os.environ.clear()
    for name, _, value in request.env:
        os.environb[name] = value
    time.tzset()
    tempfile.tempdir = None  # the temporary folder is the client's (TMPDIR), not one cached here


def _adopted(body: bytes) -> bool:
    """In a worker forked ahead (`standby.start_ahead`): take on a request's context, umask,
    environment and folder, what a worker forked by its command would inherit; False when any of
    it cannot be done (the scan forks a worker instead)."""
    try:
        request = Request(body, [])
        if not _apply_context(request.context):
            return False
        _adopt(request)
        os.chdir(request.cwd)
    except (OSError, ValueError):
        return False
    return True


def _become(request: Request) -> int:

    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
        os.close(fd)
    _adopt(request)
    streams = []
    for fd, spec, mode in zip((0, 1, 2), request.encodings, ("r", "w", "w")):
        encoding, _, errors = spec.partition(":")
        raw = open(fd, mode + "b", closefd=False)  # noqa: SIM115 - the stream lives as long as the command
        tty = os.isatty(fd)
        streams.append(
            io.TextIOWrapper(
                raw,
                encoding=encoding or "utf-8",
                errors=errors or "strict",
                line_buffering=tty or fd == 2,
                write_through=fd == 2,
            )
        )
    sys.stdin, sys.stdout, sys.stderr = streams
    for attribute, stream in zip(("__stdin__", "__stdout__", "__stderr__"), streams):
        setattr(sys, attribute, stream)
    sys.argv = [request.prog, *request.argv]
    try:
        os.chdir(request.cwd)
    except OSError as exc:
        sys.stderr.write(f"authcheck: cannot enter the current folder: {exc.strerror}\n")
        return 2
    from authcheck.batch import standby
    from authcheck.cli.launcher import run_cli, settle

    standby.proceed(request.body)  # a standby forked ahead (a spare's) becomes this command's
    code = run_cli(request.prog)
    settle()
    return code


def main(argv: list[str] | None = None) -> None:
    """`main([SOCKET])`: what `warm.start_server` runs (`python -m authcheck.cli.server SOCKET` too)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m authcheck.cli.server SOCKET\n")
        raise SystemExit(2)
    os.closerange(3, 1 << 16)  # nothing the starting command had open stays open for the server's lifetime
    try:
        serve(args[0])
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
