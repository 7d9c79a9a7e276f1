"""Runs untrusted programs (a user's C and Rust builds) with limits, no network and a
read-only filesystem.

:func:`run_sandboxed` picks the strongest mechanism that works here, probed once per
process (``FERROX_SANDBOX=bwrap|unshare|rlimits`` asks for one; a mechanism that does not
work falls back to the next):

``bwrap``
    bubblewrap: new pid, network, ipc and uts namespaces (and a user namespace when not
    root), ``/`` bound read-only, fresh ``/dev``, ``/proc`` and size-capped tmpfs ``/tmp``,
    ``/var/tmp`` and ``/dev/shm``, the scratch directory the only writable place.
``unshare``
    util-linux ``unshare`` with the same namespaces; the launcher itself remounts every
    mount read-only and mounts the private tmpfs directories.
``rlimits``
    no isolation, only the resource limits (logged as a warning): no network or
    filesystem protection beyond file permissions.

In every mechanism the program runs through a small launcher
(:mod:`ferrox.c2rust._sandbox_launcher`) that sets the rlimits and, when ferrox runs as
root, drops to ``nobody`` first (root ignores ``RLIMIT_NPROC``; ``nobody`` also cannot
write root's files). The program is executed from a descriptor opened here, so it needs
no path inside the sandbox. A wall-clock timeout, output over the cap or the end of the
caller kills the whole sandbox: its pid namespace (or, with ``rlimits``, its process
group and every descendant).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import json
import logging
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import FerroxError

__all__ = [
    "MECHANISMS",
    "Limits",
    "MiB",
    "SandboxError",
    "SandboxResult",
    "asan_options",
    "available_mechanism",
    "hand_over",
    "kill_tree",
    "run_sandboxed",
    "run_tool",
]

log = logging.getLogger(__name__)

MiB = 1 << 20
MECHANISMS = ("bwrap", "unshare", "rlimits")
SANDBOX_UID = 65534  # nobody / nogroup: the uid a root ferrox runs programs as
LAUNCHER = Path(__file__).with_name("_sandbox_launcher.py")
_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_prctl = _libc.prctl
_SIGKILL = int(signal.SIGKILL)


class SandboxError(FerroxError):
    """The sandbox itself failed (setup or exec), as opposed to the program inside it."""

    status_code = 500


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run; ``None`` turns a limit off.

    ``address_space`` is ``RLIMIT_AS``: leave it ``None`` for AddressSanitizer builds,
    which reserve terabytes of virtual memory, and bound them with ASan's own
    ``hard_rss_limit_mb`` / ``max_allocation_size_mb`` (see ``asan_options``) or ``data``
    (``RLIMIT_DATA``; ASan cannot run under that either). ``output`` caps stdout and
    stderr each; a program that writes more is stopped. ``tmp_size`` caps each private
    tmpfs directory.
    """

    cpu_seconds: float | None = 10
    address_space: int | None = 2048 * MiB
    data: int | None = None
    file_size: int | None = 64 * MiB
    processes: int | None = 64
    open_files: int | None = 256
    output: int = 16 * MiB
    tmp_size: int = 64 * MiB


@dataclass
class SandboxResult:
    """How a sandboxed run ended.

    ``status``: ``ok`` (the program exited by itself, whatever its code), ``timeout``
    (wall clock), ``killed`` (a signal; ``signal`` names it) or ``limit`` (a resource limit:
    ``limit`` is ``cpu``, ``memory``, ``file_size`` or ``output``). ``returncode`` is the
    exit code, or minus the signal number. ``reason`` is one line for people. ``sandbox``
    is the mechanism used.
    """

    status: str
    returncode: int
    stdout: bytes
    stderr: bytes
    reason: str
    sandbox: str
    signal: str | None = None
    limit: str | None = None
    seconds: float = 0.0
    cpu_seconds: float | None = None
    truncated: bool = False


_MEMORY_MARKERS = re.compile(
    rb"memory allocation of \d+ bytes failed"  # Rust's alloc error handler
    rb"|AddressSanitizer: (?:requested allocation size|allocation-size-too-big|out of memory"
    rb"|hard rss limit exhausted|failed to allocate)"
    rb"|AddressSanitizer failed to allocate|ReserveShadowMemoryRange failed"
    rb"|Cannot allocate memory|std::bad_alloc|[Oo]ut of memory"
)


def asan_options(memory_mb: int) -> str:
    """``ASAN_OPTIONS`` that bound an AddressSanitizer build's memory to ``memory_mb``.

    New heap blocks are zero-filled (up to 1 MiB) instead of ASan's 0xbe: what a plain
    glibc build reads from fresh memory, and what the translation's ``malloc`` gives, so a
    program that reads a block before writing it behaves as it does without ASan."""
    return (
        f"detect_leaks=0:abort_on_error=0:hard_rss_limit_mb={memory_mb}"
        f":max_allocation_size_mb={memory_mb}:malloc_fill_byte=0:max_malloc_fill_size=1048576"
    )


# --- mechanism selection ---------------------------------------------------------------


def _python() -> str:
    return os.path.realpath(sys.executable)


def _is_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def _tool(name: str) -> str:
    """The absolute path of bwrap/unshare (looked up once, on ferrox's own PATH)."""
    return shutil.which(name) or name


@functools.cache
def _bwrap_version() -> tuple[int, ...]:
    try:
        out = subprocess.run([_tool("bwrap"), "--version"], capture_output=True, text=True)
        return tuple(int(x) for x in re.findall(r"\d+", out.stdout)[:3])
    except (OSError, ValueError):
        return (0,)


def _bwrap_cmd(cwd: str, tmp_size: int) -> list[str]:
    cmd = [
        _tool("bwrap"),
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
    ]
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        if d == "/dev/shm" or (os.path.isdir(d) and not os.path.islink(d)):
            cmd += ["--size", str(tmp_size), "--perms", "1777", "--tmpfs", d]
    cmd += ["--bind", cwd, cwd, "--chdir", cwd]
    cmd += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    cmd += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    cmd += ["--die-with-parent", "--new-session", "--as-pid-1"]
    if _is_root():
        # no user namespace (it would map only uid 0); the launcher needs these two caps
        # to drop to nobody, and bwrap drops every other capability
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        cmd += ["--unshare-user"]
        if _bwrap_version() >= (0, 8):  # no nested user namespaces for the program
            cmd += ["--disable-userns"]
    return [*cmd, "--"]


def _unshare_cmd() -> list[str]:
    cmd = [_tool("unshare")]
    if not _is_root():
        cmd += ["--user", "--map-root-user"]
    cmd += ["--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private"]
    cmd += ["--net", "--ipc", "--uts"]
    return [*cmd, "--"]


@functools.cache
def _works(mechanism: str) -> str | None:
    """None when ``mechanism`` runs a trivial program here, else why not."""
    if mechanism == "rlimits":
        return None
    if shutil.which(mechanism) is None:
        return f"{mechanism} is not installed"
    true = shutil.which("true") or _python()
    with tempfile.TemporaryDirectory(prefix="ferrox-probe-") as d:
        try:
            r = _run(
                [true],
                cwd=Path(d),
                stdin=b"",
                timeout=20,
                env=None,
                limits=Limits(),
                mechanism=mechanism,
            )
        except (SandboxError, OSError) as exc:
            return str(exc)
    if r.status != "ok" or r.returncode != 0:
        return (r.stderr.decode("utf-8", "replace").strip() or r.reason)[:300]
    return None


def available_mechanism(preferred: str | None = None) -> str:
    """The mechanism :func:`run_sandboxed` uses: ``preferred`` (or ``FERROX_SANDBOX``) if
    it works here, else the strongest that does; ``rlimits`` always works."""
    want = preferred or os.environ.get("FERROX_SANDBOX") or "bwrap"
    if want not in MECHANISMS:
        raise SandboxError(f"unknown sandbox mechanism {want!r}; one of {', '.join(MECHANISMS)}")
    for mech in MECHANISMS[MECHANISMS.index(want) :]:
        why = _works(mech)
        if why is None:
            if mech == "rlimits":
                _warn_once(want)
            return mech
        log.info("sandbox: %s unusable here: %s", mech, why)
    return "rlimits"  # unreachable: rlimits always works


@functools.cache
def _warn_once(wanted: str) -> None:
    if wanted != "rlimits":
        log.warning(
            "sandbox: neither bubblewrap nor unshare works here; untrusted programs run with "
            "resource limits only (no network or filesystem isolation). Install bubblewrap."
        )


# --- process trees ---------------------------------------------------------------------


def _procs() -> dict[int, tuple[int, int, str, int]]:
    """pid -> (ppid, pgid, state, start time) for every process in /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        out[int(entry)] = (int(fields[1]), int(fields[2]), fields[0].decode(), int(fields[19]))
    return out


def kill_tree(pid: int, *, group: bool = True, wait: float = 5.0) -> bool:
    """SIGKILLs ``pid``, its process group (``group``) and every descendant, again and again
    until none is left alive or ``wait`` seconds passed; True when all are gone.

    Descendants are found through /proc's parent links, and remembered: a process whose
    parent died still counts (it would be reparented away from ``pid``)."""
    deadline = time.monotonic() + wait
    seen: dict[int, int] = {}
    while True:
        procs = _procs()
        if pid in procs and pid not in seen:
            seen[pid] = procs[pid][3]
        frontier = list(seen)
        while frontier:
            parent = frontier.pop()
            for p, (ppid, _, _, start) in procs.items():
                if ppid == parent and p not in seen:
                    seen[p] = start
                    frontier.append(p)
        alive = [
            p
            for p, start in seen.items()
            if p in procs and procs[p][3] == start and procs[p][2] not in "ZX"
        ]
        members = [
            p for p, (_, pg, st, _) in procs.items() if group and pg == pid and st not in "ZX"
        ]
        if not alive and not members:
            return True
        if group:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for p in alive:
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


def run_tool(
    cmd: list[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    cpu_seconds: int | None = None,
    address_space: int | None = 8192 * MiB,
    env: dict[str, str] | None = None,
) -> tuple[int | None, bytes, bytes]:
    """Runs a trusted tool (gcc) outside the sandbox but under CPU and memory limits, in its
    own process group, killed with all its children on timeout; ``env`` adds to the
    environment. Returns (exit code, or None after a timeout; stdout; stderr)."""
    cpu = cpu_seconds if cpu_seconds is not None else math.ceil(timeout) + 5
    limits = [(resource.RLIMIT_CPU, (cpu, cpu + 1)), (resource.RLIMIT_CORE, (0, 0))]
    if address_space is not None:
        limits.append((resource.RLIMIT_AS, (address_space, address_space)))

    def preexec() -> None:
        _prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        for which, value in limits:
            resource.setrlimit(which, value)

    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=preexec,
        env={**os.environ, **env} if env else None,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        out, err = proc.communicate()
        return None, out, err
    finally:
        kill_tree(proc.pid, wait=2.0)


# --- running ---------------------------------------------------------------------------


def _rlimits(limits: Limits) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {"RLIMIT_CORE": [0, 0]}
    if limits.cpu_seconds is not None:
        cpu = max(1, math.ceil(limits.cpu_seconds))
        out["RLIMIT_CPU"] = [cpu, cpu + 1]
    for name, value in (
        ("RLIMIT_AS", limits.address_space),
        ("RLIMIT_DATA", limits.data),
        ("RLIMIT_FSIZE", limits.file_size),
        ("RLIMIT_NPROC", limits.processes),
        ("RLIMIT_NOFILE", limits.open_files),
    ):
        if value is not None:
            out[name] = [int(value), int(value)]
    return out


def _default_env(cwd: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(cwd),
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
    }


def _die_with_us() -> None:  # preexec_fn: one prctl call, nothing that could deadlock
    _prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)


class _Reader(threading.Thread):
    def __init__(self, stream: io.BufferedIOBase, cap: int, over: threading.Event) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap, self.over = stream, cap, over
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False

    def run(self) -> None:
        while True:
            try:
                chunk = self.stream.read1(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            room = self.cap - self.size
            if room > 0:
                self.chunks.append(chunk[:room])
                self.size += min(room, len(chunk))
            if len(chunk) > room:
                self.truncated = True
                self.over.set()

    def data(self) -> bytes:
        return b"".join(self.chunks)


def _writer(stream: io.BufferedIOBase, data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError):
        if data:
            stream.write(data)
    with contextlib.suppress(OSError, ValueError):
        stream.close()


@functools.lru_cache(maxsize=1)
def _launcher_source() -> str:
    return LAUNCHER.read_text()


def hand_over(tree: Path) -> None:
    """Gives every file and folder of ``tree`` (a scratch copy made for one run) to the uid
    programs run as, so a program may rewrite its data files there as it would in its own
    folder. Nothing to do unless ferrox runs as root (the program then runs as nobody)."""
    if os.geteuid() != 0:
        return
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in [*dirnames, *filenames]:
            with contextlib.suppress(OSError):
                os.lchown(os.path.join(dirpath, name), SANDBOX_UID, SANDBOX_UID)


def run_sandboxed(
    argv: list[str],
    *,
    cwd: Path,
    stdin: bytes = b"",
    timeout: float,
    env: dict[str, str] | None = None,
    limits: Limits | None = None,
    mechanism: str | None = None,
) -> SandboxResult:
    """Runs ``argv`` in the sandbox with ``cwd`` (a scratch directory the caller made and
    removes) as its only writable directory besides private tmpfs ones.

    ``argv[0]`` is a program path (or a name on PATH); it is opened here and needs no
    path inside the sandbox. ``env`` None gives a minimal environment (PATH, HOME=cwd,
    TMPDIR, LANG), never the caller's. ``mechanism`` overrides ``FERROX_SANDBOX``.
    Problems of the program never raise: they are the result's ``status`` and ``reason``;
    :class:`SandboxError` means the sandbox itself could not start the program."""
    return _run(
        argv,
        cwd=cwd,
        stdin=stdin,
        timeout=timeout,
        env=env,
        limits=limits or Limits(),
        mechanism=available_mechanism(mechanism),
    )


def _run(
    argv: list[str],
    *,
    cwd: Path,
    stdin: bytes,
    timeout: float,
    env: dict[str, str] | None,
    limits: Limits,
    mechanism: str,
) -> SandboxResult:
    if not argv:
        raise SandboxError("run_sandboxed needs a program to run")
    cwd = Path(cwd).resolve()
    if not cwd.is_dir():
        raise SandboxError(f"{cwd}: the sandbox's working directory does not exist")
    exe = argv[0] if "/" in argv[0] else shutil.which(argv[0])
    if exe is None:
        raise SandboxError(f"{argv[0]}: no such program on PATH")
    try:
        exe_fd = os.open(exe, os.O_RDONLY)
    except OSError as exc:
        raise SandboxError(f"cannot open the program {exe}: {exc}") from exc
    status_r, status_w = os.pipe()
    root = _is_root()
    cfg = {
        "argv": list(argv),
        "cwd": str(cwd),
        "exe_fd": exe_fd,
        "status_fd": status_w,
        "rlimits": _rlimits(limits),
        "uid": SANDBOX_UID if root else None,
        "gid": SANDBOX_UID if root else None,
        "mounts": mechanism == "unshare",
        "tmp_size": limits.tmp_size,
        "subreaper": mechanism == "rlimits",
        "pdeathsig": mechanism == "rlimits",
        "parent": os.getpid(),
    }
    launcher = [_python(), "-I", "-S", "-c", _launcher_source(), json.dumps(cfg)]
    if mechanism == "bwrap":
        cmd = _bwrap_cmd(str(cwd), limits.tmp_size) + launcher
    elif mechanism == "unshare":
        cmd = _unshare_cmd() + launcher
    else:
        cmd = launcher
    owner = None
    if root:  # the program runs as nobody: let it write (only) its scratch directory
        try:
            st = cwd.stat()
            os.chown(cwd, SANDBOX_UID, SANDBOX_UID)
            os.chmod(cwd, 0o711 | (st.st_mode & 0o700))
            owner = (st.st_uid, st.st_gid, st.st_mode & 0o7777)
        except OSError as exc:  # the program may then be unable to write there
            log.warning("sandbox: cannot hand %s to uid %d: %s", cwd, SANDBOX_UID, exc)
    try:
        return _start(cmd, cwd, env, exe_fd, status_r, status_w, stdin, timeout, limits, mechanism)
    finally:
        os.close(status_r)
        if owner is not None:
            with contextlib.suppress(OSError):
                os.chown(cwd, owner[0], owner[1])
                os.chmod(cwd, owner[2])


def _start(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str] | None,
    exe_fd: int,
    status_r: int,
    status_w: int,
    stdin: bytes,
    timeout: float,
    limits: Limits,
    mechanism: str,
) -> SandboxResult:
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=_default_env(cwd) if env is None else env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(exe_fd, status_w),
            start_new_session=True,
            preexec_fn=_die_with_us,  # the sandbox must not outlive this process
        )
    except OSError as exc:
        raise SandboxError(f"cannot start the sandbox ({mechanism}): {exc}") from exc
    finally:  # only the launcher holds these now: the status pipe ends when it exits
        os.close(exe_fd)
        os.close(status_w)
    try:
        return _supervise(proc, status_r, stdin, timeout, limits, mechanism, t0)
    finally:
        kill_tree(proc.pid, wait=5.0)


def _supervise(
    proc: subprocess.Popen[bytes],
    status_r: int,
    stdin: bytes,
    timeout: float,
    limits: Limits,
    mechanism: str,
    t0: float,
) -> SandboxResult:
    wake = threading.Event()
    out = _Reader(proc.stdout, limits.output, wake)
    err = _Reader(proc.stderr, limits.output, wake)
    status_chunks: list[bytes] = []

    def read_status() -> None:
        while chunk := os.read(status_r, 65536):
            status_chunks.append(chunk)

    status_thread = threading.Thread(target=read_status, daemon=True)
    writer = threading.Thread(target=_writer, args=(proc.stdin, stdin), daemon=True)

    def waiter() -> None:
        proc.wait()
        wake.set()

    threads = [out, err, status_thread, writer, threading.Thread(target=waiter, daemon=True)]
    for t in threads:
        t.start()
    finished = wake.wait(timeout)
    timed_out = not finished
    over = out.truncated or err.truncated
    if timed_out or over:
        kill_tree(proc.pid, wait=5.0)
    proc.wait()
    for t in (out, err, status_thread):
        t.join(2.0)
        if t.is_alive():  # a leftover process keeps a pipe open: end it all
            kill_tree(proc.pid, wait=5.0)
            t.join(2.0)
    seconds = time.monotonic() - t0
    over = out.truncated or err.truncated
    report: dict = {}
    for line in b"".join(status_chunks).splitlines():
        with contextlib.suppress(ValueError):
            report.update(json.loads(line))
    if "setup_error" in report:
        raise SandboxError(f"sandbox ({mechanism}) setup failed: {report['setup_error']}")
    if "exec_error" in report:
        raise SandboxError(
            f"the sandbox ({mechanism}) could not run the program: {report['exec_error']}"
        )
    res = SandboxResult(
        "ok",
        0,
        out.data(),
        err.data(),
        "",
        mechanism,
        seconds=seconds,
        cpu_seconds=report.get("cpu"),
        truncated=over,
    )
    if timed_out:
        res.status, res.returncode = "timeout", -signal.SIGKILL
        res.reason = f"timed out after {timeout:g} s; the sandbox's processes were killed"
        return res
    if over:
        res.status, res.limit, res.returncode = "limit", "output", -signal.SIGKILL
        res.reason = f"output over {limits.output} bytes: truncated, and the program stopped"
        return res
    if "wait_status" not in report:
        res.status, res.returncode = "killed", proc.returncode
        res.reason = (
            f"the sandbox's launcher died (exit status {proc.returncode}) before "
            "reporting; the program was killed"
        )
        return res
    res.returncode = os.waitstatus_to_exitcode(report["wait_status"])
    _classify(res, limits)
    return res


def _signame(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _classify(res: SandboxResult, limits: Limits) -> None:
    code = res.returncode
    memory = _MEMORY_MARKERS.search(res.stderr) if code != 0 else None
    if code < 0:
        sig = -code
        res.signal = _signame(sig)
        cpu = res.cpu_seconds or 0.0
        if sig == signal.SIGXCPU or (
            sig == signal.SIGKILL
            and limits.cpu_seconds is not None
            and cpu >= limits.cpu_seconds - 0.05
        ):
            res.status, res.limit = "limit", "cpu"
            res.reason = f"CPU time limit of {limits.cpu_seconds:g} s hit ({res.signal})"
        elif sig == signal.SIGXFSZ:
            res.status, res.limit = "limit", "file_size"
            res.reason = f"file size limit of {limits.file_size} bytes hit (SIGXFSZ)"
        elif memory:
            res.status, res.limit = "limit", "memory"
            res.reason = f"memory limit hit ({res.signal}): {_line_at(res.stderr, memory)}"
        else:
            res.status = "killed"
            res.reason = f"killed by {res.signal}"
        return
    if memory:
        res.status, res.limit = "limit", "memory"
        res.reason = f"memory limit hit (exit code {code}): {_line_at(res.stderr, memory)}"
        return
    res.status, res.reason = "ok", f"exited with code {code}"


def _line_at(data: bytes, match: re.Match[bytes]) -> str:
    start = data.rfind(b"\n", 0, match.start()) + 1
    end = data.find(b"\n", match.end())
    line = data[start : end if end >= 0 else len(data)].decode("utf-8", "replace").strip()
    return re.sub(r"^==\d+==\s*(ERROR: )?", "", line)[:200]
