"""ferrox.c2rust.sandbox against hostile C programs: fork bomb, huge allocation, busy loop,
writes outside the scratch directory, a TCP connection, endless output; and a normal one.

Each test runs under every mechanism that works here (bubblewrap, unshare, rlimits only);
the isolation tests (filesystem, network) skip the rlimits-only mechanism, which has none.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ferrox.c2rust.difftest import record_expected, run_vectors
from ferrox.c2rust.sandbox import (
    MECHANISMS,
    Limits,
    MiB,
    asan_options,
    available_mechanism,
    hand_over,
    run_sandboxed,
)

GCC = shutil.which("gcc") or shutil.which("cc")
pytestmark = pytest.mark.skipif(GCC is None, reason="the sandbox tests compile C: no gcc on PATH")

FORK_BOMB = "#include <unistd.h>\nint main(void) { for (;;) fork(); }\n"
BIG_ALLOC = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    size_t n = 10ULL << 30;
    char *p = malloc(n);
    if (!p) { perror("malloc"); return 3; }
    memset(p, 1, n);
    printf("%d\n", p[n - 1]);
    return 0;
}
"""
BUSY_LOOP = "int main(void) { volatile unsigned long x = 0; for (;;) x++; }\n"
WRITE_FILE = r"""
#include <errno.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "w");
        if (!f) { printf("%s: %s\n", argv[i], strerror(errno)); continue; }
        fputs("pwned", f);
        fclose(f);
        printf("%s: written\n", argv[i]);
    }
    return 0;
}
"""
CONNECT = r"""
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(atoi(argv[1]));
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("connect: %s\n", strerror(errno));
        return 1;
    }
    write(s, "hello", 5);
    printf("connected\n");
    return 0;
}
"""
ENDLESS_OUTPUT = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char b[65536];
    memset(b, 'x', sizeof b);
    for (;;) fwrite(b, 1, sizeof b, stdout);
}
"""
NORMAL = r"""
#include <stdio.h>
int main(void) {
    char line[100] = {0};
    FILE *f = fopen("data.txt", "r");
    if (!f || !fgets(line, sizeof line, f)) return 2;
    printf("read: %s", line);
    FILE *g = fopen("result.txt", "w");
    fputs("done\n", g);
    fclose(g);
    return 0;
}
"""
DIFFTEST = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    const char *k = argc > 1 ? argv[1] : "ok";
    if (!strcmp(k, "ok")) { printf("hello\n"); return 0; }
    if (!strcmp(k, "overflow")) { int *p = malloc(4 * sizeof(int)); p[4] = 1; return p[4]; }
    if (!strcmp(k, "loop")) { for (;;) {} }
    if (!strcmp(k, "alloc")) { char *p = malloc(10ULL << 30); memset(p, 1, 10ULL << 30); }
    if (!strcmp(k, "abort")) abort();
    return 0;
}
"""


def _mechanisms(isolating: bool = False) -> list[object]:
    params = []
    for mech in MECHANISMS:
        marks = []
        if isolating and mech == "rlimits":
            marks.append(pytest.mark.skip(reason="rlimits only: no filesystem/network isolation"))
        params.append(pytest.param(mech, id=mech, marks=marks))
    return params


@pytest.fixture
def mech(request: pytest.FixtureRequest) -> str:
    wanted = request.param
    got = available_mechanism(wanted)
    if got != wanted:
        pytest.skip(f"the {wanted} sandbox does not work here (would fall back to {got})")
    return wanted


def _build(tmp_path: Path, name: str, source: str, *flags: str) -> Path:
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    exe = tmp_path / name
    subprocess.run([GCC, "-O0", "-w", *flags, str(src), "-o", str(exe)], check=True)
    return exe


def _scratch(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="scratch-", dir=tmp_path))


def _alive(name: str) -> list[int]:
    """Live (not zombie) processes whose command name is ``name``."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_bytes()
        except OSError:
            continue
        comm, rest = stat.split(b"(", 1)[1].rsplit(b")", 1)
        if comm.decode() == name and rest.split()[0] not in (b"Z", b"X"):
            pids.append(int(entry))
    return pids


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_fork_bomb_is_contained_and_leaves_nothing_behind(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxbomb", FORK_BOMB)
    t0 = time.monotonic()
    r = run_sandboxed([str(exe)], cwd=_scratch(tmp_path), timeout=2, mechanism=mech)
    assert time.monotonic() - t0 < 10
    assert r.status in ("timeout", "limit") and r.reason and r.sandbox == mech
    assert _alive("fxbomb") == []


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_a_touched_10_gb_allocation_hits_the_memory_limit(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxalloc", BIG_ALLOC)
    r = run_sandboxed(
        [str(exe)], cwd=_scratch(tmp_path), timeout=20, limits=Limits(address_space=512 * MiB),
        mechanism=mech,
    )  # fmt: skip
    assert (r.status, r.limit, r.returncode) == ("limit", "memory", 3), r
    assert "memory" in r.reason


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_asan_builds_are_bounded_by_asan_options(tmp_path: Path, mech: str) -> None:
    try:
        exe = _build(tmp_path, "fxasan", BIG_ALLOC, "-fsanitize=address")
    except subprocess.CalledProcessError:
        pytest.skip("gcc cannot build with -fsanitize=address here")
    env = {"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": asan_options(512)}
    r = run_sandboxed(
        [str(exe)], cwd=_scratch(tmp_path), timeout=20, env=env,
        limits=Limits(address_space=None), mechanism=mech,
    )  # fmt: skip
    assert (r.status, r.limit) == ("limit", "memory"), r
    assert "AddressSanitizer" in r.reason


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_a_busy_loop_hits_the_cpu_limit_or_the_timeout(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxloop", BUSY_LOOP)
    r = run_sandboxed(
        [str(exe)], cwd=_scratch(tmp_path), timeout=30, limits=Limits(cpu_seconds=1),
        mechanism=mech,
    )  # fmt: skip
    assert (r.status, r.limit, r.signal) == ("limit", "cpu", "SIGXCPU"), r
    assert r.seconds < 10
    r = run_sandboxed([str(exe)], cwd=_scratch(tmp_path), timeout=1, mechanism=mech)
    assert r.status == "timeout" and "timed out after 1 s" in r.reason
    assert _alive("fxloop") == []


@pytest.mark.parametrize("mech", _mechanisms(isolating=True), indirect=True)
def test_nothing_outside_the_scratch_dir_is_written(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxwrite", WRITE_FILE)
    # world-writable, so only the sandbox (not file permissions) stands in the way
    beside = tmp_path / "beside"
    beside.mkdir(mode=0o777)
    beside.chmod(0o777)
    elsewhere = Path(tempfile.mkdtemp(prefix=".sandbox-outside-", dir=Path(__file__).parent))
    elsewhere.chmod(0o777)
    targets = [beside / "f", elsewhere / "f", tmp_path.parent / "fxwrite-parent", Path("/tmp/fx")]
    for t in targets:
        t.unlink(missing_ok=True)
    try:
        cwd = _scratch(tmp_path)
        r = run_sandboxed(
            [str(exe), *map(str, targets), "inside.txt"], cwd=cwd, timeout=10, mechanism=mech
        )
        assert r.status == "ok", r
        assert [t for t in targets if t.exists()] == []
        assert (cwd / "inside.txt").read_text() == "pwned"  # the scratch dir is writable
        # /tmp inside is a private tmpfs: what is written there is gone afterwards
        written = [ln[: -len(b": written")] for ln in r.stdout.splitlines() if b": written" in ln]
        assert b"inside.txt" in written and b"/tmp/fx" in written
        assert all(w == b"inside.txt" or w.startswith(b"/tmp/") for w in written), r.stdout
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)


@pytest.mark.parametrize("mech", _mechanisms(isolating=True), indirect=True)
def test_no_network_not_even_loopback(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxnet", CONNECT)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        r = run_sandboxed([str(exe), str(port)], cwd=_scratch(tmp_path), timeout=10, mechanism=mech)
        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # no connection ever reached the listening socket
    assert r.status == "ok" and r.returncode == 1 and r.stdout.startswith(b"connect: "), r


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_endless_output_is_truncated_and_stopped(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxout", ENDLESS_OUTPUT)
    r = run_sandboxed(
        [str(exe)], cwd=_scratch(tmp_path), timeout=20, limits=Limits(output=1 * MiB),
        mechanism=mech,
    )  # fmt: skip
    assert (r.status, r.limit) == ("limit", "output") and r.truncated
    assert len(r.stdout) == 1 * MiB and set(r.stdout) == {ord("x")}
    assert _alive("fxout") == []


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_a_normal_program_reads_its_data_and_writes_stdout(tmp_path: Path, mech: str) -> None:
    exe = _build(tmp_path, "fxnormal", NORMAL)
    cwd = _scratch(tmp_path)
    (cwd / "data.txt").write_text("forty-two\n")
    r = run_sandboxed([str(exe)], cwd=cwd, stdin=b"ignored", timeout=10, mechanism=mech)
    assert (r.status, r.returncode, r.stdout) == ("ok", 0, b"read: forty-two\n"), r
    assert r.reason == "exited with code 0" and r.sandbox == mech
    assert (cwd / "result.txt").read_text() == "done\n"
    assert cwd.stat().st_uid == os.getuid()  # ownership handed back after a root run


@pytest.mark.parametrize("mech", _mechanisms(), indirect=True)
def test_a_handed_over_scratch_copy_lets_the_program_rewrite_its_data(
    tmp_path: Path, mech: str
) -> None:
    cwd = _scratch(tmp_path)
    (cwd / "sub").mkdir()
    (cwd / "sub" / "data.txt").write_text("old\n")
    (cwd / "sub" / "data.txt").chmod(0o644)
    hand_over(cwd)
    sh = shutil.which("sh") or "/bin/sh"
    r = run_sandboxed(
        [sh, "-c", "echo new >> sub/data.txt && cat sub/data.txt && touch sub/more"],
        cwd=cwd,
        timeout=10,
        mechanism=mech,
    )
    # as root the program runs as nobody: without the hand-over it could not write them
    assert (r.status, r.returncode, r.stdout) == ("ok", 0, b"old\nnew\n"), r


def test_signals_are_named(tmp_path: Path) -> None:
    exe = _build(tmp_path, "fxabort", "#include <stdlib.h>\nint main(void) { abort(); }\n")
    r = run_sandboxed([str(exe)], cwd=_scratch(tmp_path), timeout=10)
    assert (r.status, r.signal, r.returncode) == ("killed", "SIGABRT", -6)
    assert r.reason == "killed by SIGABRT"


def test_difftest_keeps_why_each_vector_was_discarded_or_failed(tmp_path: Path) -> None:
    try:
        c_exe = _build(tmp_path, "fxref", DIFFTEST, "-fsanitize=address,undefined", "-g")
    except subprocess.CalledProcessError:
        pytest.skip("gcc cannot build with sanitizers here")
    vectors = [{"args": [k]} for k in ("ok", "overflow", "loop", "alloc", "abort")]
    recorded = record_expected(c_exe, vectors, timeout=2)
    reasons = [v.get("c_reason") for v in recorded]
    assert reasons[0] is None and recorded[0]["stdout"] == "hello\n"
    assert reasons[1] == "C build: AddressSanitizer: heap-buffer-overflow"
    assert reasons[2] == "C build: timed out after 2 s"
    assert reasons[3].startswith("C build: memory limit hit") and "AddressSanitizer" in reasons[3]
    assert recorded[4]["exit_code"] == -6  # abort() is what the C program does: expected
    # a stand-in for the Rust build that loops where C printed and aborts where C aborted
    rust = _build(tmp_path, "fxrust", DIFFTEST.replace('printf("hello\\n")', "for (;;) {}"))
    rep = run_vectors(rust, recorded, timeout=1)
    by_status = [o.status for o in rep.outcomes]
    assert by_status == ["timeout", "ub", "ub", "ub", "pass"]
    assert [o.detail for o in rep.outcomes][1:4] == reasons[1:4]
    assert (rep.total, rep.passed, rep.failed, rep.discarded_ub) == (2, 1, 1, 3)
    killed = run_vectors(rust, [{"args": ["abort"], "stdout": "", "exit_code": 0}], timeout=5)
    assert [o.status for o in killed.outcomes] == ["killed"] and killed.killed == 1
    assert "SIGABRT" in killed.outcomes[0].detail
