"""The launcher that :mod:`ferrox.c2rust.sandbox` runs inside the sandbox.

It is run as ``python -I -S -c <this file's text> <json config>``, so it imports nothing
but the standard library (the sandbox may hide the ferrox package). In order it: sets up
the mount namespace (the ``unshare`` mechanism only; bubblewrap does that itself), enters
the scratch directory, forks; the child drops root to an unprivileged uid, lowers its
rlimits, sets no-new-privileges and executes the program from an inherited file
descriptor; the launcher waits and writes one JSON line (wait status, CPU time, peak
RSS) on the status descriptor, which the program never sees.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time
from typing import Any

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
# statvfs flag -> mount flag: a bind remount must repeat the flags the kernel locked
ST_TO_MS = [
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
]
PSEUDO = {
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devpts",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "hugetlbfs",
    "autofs",
    "nsfs",
    "efivarfs",
    "rpc_pipefs",
}
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")

libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    if libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = [None if s is None else s.encode() for s in (src, target, fstype, data or None)]
    if libc.mount(enc[0], enc[1], enc[2], ctypes.c_ulong(flags), enc[3]) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _kept_flags(path: str) -> int:
    st = os.statvfs(path).f_flag
    return sum(ms for st_flag, ms in ST_TO_MS if st & st_flag)


def _mountpoints() -> list[tuple[str, str]]:
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            point = left.split()[4]
            for esc, ch in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
                point = point.replace(esc, ch)
            out.append((point, right.split()[0]))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def setup_mounts(cwd: str, tmp_size: int) -> None:
    """Everything read-only but ``cwd``; fresh private /tmp, /var/tmp and /dev/shm."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    keep = os.open(cwd, os.O_PATH | os.O_DIRECTORY)
    for point, fstype in _mountpoints():
        if fstype == "proc":
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _kept_flags(point))
        except OSError:
            if fstype not in PSEUDO:
                raise
    for d in PRIVATE_DIRS:
        if os.path.isdir(d) and not os.path.islink(d):
            _mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_size},mode=1777")
    if any(_inside(cwd, d) for d in PRIVATE_DIRS):
        os.makedirs(cwd, exist_ok=True)
    _mount(f"/proc/self/fd/{keep}", cwd, None, MS_BIND)
    _mount(None, cwd, None, MS_REMOUNT | MS_BIND | _kept_flags(cwd))
    os.close(keep)


def _report(fd: int, doc: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, (json.dumps(doc) + "\n").encode())


def _child(cfg: dict[str, Any]) -> None:
    fd = cfg["status_fd"]
    try:
        uid = cfg.get("uid")
        if uid is not None:
            os.setgroups([])
            os.setresgid(cfg["gid"], cfg["gid"], cfg["gid"])
            os.setresuid(uid, uid, uid)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        if cfg.get("pdeathsig"):
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        for name, value in cfg["rlimits"].items():
            which = getattr(resource, name)
            _, hard = resource.getrlimit(which)
            soft, new_hard = value
            if hard != resource.RLIM_INFINITY:
                new_hard = min(new_hard, hard)
                soft = min(soft, new_hard)
            resource.setrlimit(which, (soft, new_hard))
        exe = cfg["exe_fd"]
        if os.pread(exe, 4, 0) == b"\x7fELF":
            os.set_inheritable(exe, False)  # scripts need the descriptor; binaries do not
        os.set_inheritable(fd, False)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGXCPU):
            signal.signal(sig, signal.SIG_DFL)
        os.execve(exe, cfg["argv"], os.environ)
    except BaseException as exc:
        _report(fd, {"exec_error": f"{type(exc).__name__}: {exc}"})
    os._exit(127)


def _kill_children(me: int) -> None:
    """SIGKILLs what is left under a subreaper launcher and reaps it (rlimits mode)."""
    for _ in range(200):
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                kids.append(int(entry))
        if not kids:
            return
        for pid in kids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        time.sleep(0.005)


def main() -> int:
    """Runs the program described by ``sys.argv[1]``; returns the launcher's exit code."""
    cfg = json.loads(sys.argv[1])
    fd = cfg["status_fd"]
    try:
        if cfg.get("mounts"):
            setup_mounts(cfg["cwd"], cfg["tmp_size"])
        os.chdir(cfg["cwd"])
        if cfg.get("subreaper"):
            # rlimits only: orphans of the program become ours; if ferrox dies (SIGTERM
            # through the death signal), every one of them dies with us
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
            me = os.getpid()
            signal.signal(signal.SIGTERM, lambda *_: (_kill_children(me), os._exit(1)))
            _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != cfg["parent"]:
                return 1
    except OSError as exc:
        _report(fd, {"setup_error": str(exc)})
        return 125
    pid = os.fork()
    if pid == 0:
        _child(cfg)
    status, usage = 0, None
    while True:
        try:
            got, status, usage = os.wait4(-1, 0)
        except ChildProcessError:
            break
        if got == pid:
            break
    if cfg.get("subreaper"):
        _kill_children(os.getpid())
    doc: dict[str, Any] = {"wait_status": status}
    if usage is not None:
        doc |= {"cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
    _report(fd, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
