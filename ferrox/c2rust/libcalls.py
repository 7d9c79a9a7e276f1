"""The C library as a rule table: each C name maps to how its call is written in Rust.

A rule is a template over the lowered arguments (``{0}``, ``{1}`` …, ``{va}`` for the
packed variadic arguments, ``{m}`` for the memory); the table is flat, grouped by header.
Names that are not here and not defined by the program make their caller a stub that
names the missing function.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

__all__ = ["BUILTINS", "LIBC", "Rule", "rule_for"]


@dataclass(frozen=True)
class Rule:
    """How to call one C function; ``variadic`` rules get ``{va}`` for the extra arguments."""

    template: str
    variadic: bool = False


def _rt(name: str, arity: int, *, mem: bool = True, variadic: bool = False) -> Rule:
    args = [f"{{{i}}}" for i in range(arity)]
    if variadic:
        args.append("{va}")
    if mem:
        args.append("{m}")
    return Rule(f"rt::{name}({', '.join(args)})", variadic)


LIBC: dict[str, Rule] = {}


def _arities(table: dict[str, int]) -> None:
    """Adds a runtime-function rule per ``name: arity`` of ``table``."""
    for name, arity in table.items():
        LIBC[name] = _rt(name, arity)


# ---- stdio.h
for _name, _n in {
    "printf": 1,
    "fprintf": 2,
    "sprintf": 2,
    "snprintf": 3,
    "scanf": 1,
    "sscanf": 2,
    "fscanf": 2,
}.items():
    LIBC[_name] = _rt(_name, _n, variadic=True)
_arities(
    {
        "vprintf": 2,
        "vfprintf": 3,
        "vsprintf": 3,
        "vsnprintf": 4,
        "puts": 1,
        "fputs": 2,
        "putchar": 1,
        "fputc": 2,
        "putc": 2,
        "getchar": 0,
        "fgetc": 1,
        "getc": 1,
        "ungetc": 2,
        "fgets": 3,
        "fread": 4,
        "fwrite": 4,
        "fopen": 2,
        "fclose": 1,
        "fflush": 1,
        "fseek": 3,
        "fseeko": 3,
        "ftell": 1,
        "ftello": 1,
        "rewind": 1,
        "feof": 1,
        "ferror": 1,
        "clearerr": 1,
        "fileno": 1,
        "setvbuf": 4,
        "setbuf": 2,
        "perror": 1,
        "remove": 1,
        "rename": 2,
        "tmpfile": 0,
        "getline": 3,
    }
)
LIBC["_IO_putc"] = LIBC["putc"]
LIBC["_IO_getc"] = LIBC["getc"]
# glibc's unlocked stdio (one thread: the same as the locked calls)
for _name in (
    "getc",
    "getchar",
    "putc",
    "putchar",
    "fgetc",
    "fputc",
    "fgets",
    "fputs",
    "fread",
    "fwrite",
    "fflush",
    "feof",
    "ferror",
    "clearerr",
    "fileno",
):
    LIBC[_name + "_unlocked"] = LIBC[_name]

# ---- string.h
_arities(
    {
        "strlen": 1,
        "strnlen": 2,
        "strcpy": 2,
        "strncpy": 3,
        "strcat": 2,
        "strncat": 3,
        "strcmp": 2,
        "strncmp": 3,
        "strcasecmp": 2,
        "strncasecmp": 3,
        "strcoll": 2,
        "strchr": 2,
        "strrchr": 2,
        "strstr": 2,
        "strspn": 2,
        "strcspn": 2,
        "strpbrk": 2,
        "strtok": 2,
        "strtok_r": 3,
        "strdup": 1,
        "strndup": 2,
        "memcpy": 3,
        "memmove": 3,
        "memset": 3,
        "memcmp": 3,
        "memchr": 3,
        "memrchr": 3,
        "strerror": 1,
        "stpcpy": 2,
    }
)
LIBC["bcmp"] = LIBC["memcmp"]

# ---- stdlib.h
_arities(
    {
        "malloc": 1,
        "calloc": 2,
        "realloc": 2,
        "free": 1,
        "atoi": 1,
        "atol": 1,
        "atoll": 1,
        "atof": 1,
        "strtol": 3,
        "strtoul": 3,
        "strtoll": 3,
        "strtoull": 3,
        "strtod": 2,
        "strtof": 2,
        "srand": 1,
        "rand": 0,
        "exit": 1,
        "_exit": 1,
        "longjmp": 2,
        "atexit": 1,
        "abort": 0,
        "getenv": 1,
        "system": 1,
        "__assert_fail": 4,
        "time": 1,
        "clock": 0,
        "gettimeofday": 2,
        "gmtime": 1,
        "localtime": 1,
        "__errno_location": 0,
        "getopt": 3,
        "signal": 2,
        "random": 0,
        "srandom": 1,
        "raise": 1,
        "mktime": 1,
        "gmtime_r": 2,
        "localtime_r": 2,
        "freopen": 3,
        "getdelim": 4,
        "strtold": 2,
    }
)
LIBC["sleep"] = _rt("sleep", 1)
LIBC["usleep"] = _rt("usleep", 1)
for _name in ("isatty", "lrint", "scalbn", "difftime"):
    LIBC[_name] = _rt(_name, 2 if _name in ("scalbn", "difftime") else 1, mem=False)
LIBC["vscanf"] = _rt("vscanf", 2)
LIBC["vfscanf"] = _rt("vfscanf", 3)
LIBC["vsscanf"] = _rt("vsscanf", 3)
LIBC["_exit"] = Rule("rt::exit_now({0}, {m})")
LIBC["localtime"] = Rule("rt::gmtime({0}, {m})")
LIBC["__builtin_alloca"] = LIBC["alloca"] = Rule("rt::local({0}, {m})")
LIBC["abs"] = Rule("({0}).wrapping_abs()")
LIBC["labs"] = LIBC["llabs"] = Rule("({0}).wrapping_abs()")

# ---- ctype.h
for _name in [
    "isalpha",
    "isdigit",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "isxdigit",
    "isprint",
    "ispunct",
    "iscntrl",
    "isgraph",
    "isblank",
    "isascii",
    "toupper",
    "tolower",
]:
    LIBC[_name] = _rt(_name, 1, mem=False)

# ---- wctype.h, wchar.h (the C locale)
for _name in (
    "towlower",
    "towupper",
    "iswalpha",
    "iswdigit",
    "iswalnum",
    "iswspace",
    "iswupper",
    "iswlower",
    "iswprint",
    "iswgraph",
    "iswpunct",
    "iswcntrl",
    "iswxdigit",
    "iswblank",
    "wcwidth",
):
    LIBC[_name] = _rt(_name, 1)

# ---- math.h
for _c, _r in {
    "sqrt": "sqrt",
    "fabs": "abs",
    "floor": "floor",
    "ceil": "ceil",
    "round": "round",
    "trunc": "trunc",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "exp": "exp",
    "exp2": "exp2",
    "log": "ln",
    "log10": "log10",
    "log2": "log2",
    "log1p": "ln_1p",
    "expm1": "exp_m1",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "cbrt": "cbrt",
    "asinh": "asinh",
    "acosh": "acosh",
    "atanh": "atanh",
}.items():
    LIBC[_c] = Rule(f"({{0}}).{_r}()")
    LIBC[_c + "f"] = Rule(f"({{0}}).{_r}()")
for _c, _r in {
    "pow": "powf",
    "atan2": "atan2",
    "fmin": "min",
    "fmax": "max",
    "hypot": "hypot",
}.items():
    LIBC[_c] = Rule(f"({{0}}).{_r}({{1}})")
    LIBC[_c + "f"] = Rule(f"({{0}}).{_r}({{1}})")
LIBC["fmod"] = LIBC["fmodf"] = Rule("(({0}) % ({1}))")
LIBC["ldexp"] = Rule("rt::ldexp({0}, {1})")
LIBC["ldexpf"] = LIBC["scalbnf"] = Rule("(rt::ldexp(({0}) as f64, {1}) as f32)")
LIBC["ilogb"] = Rule("rt::ilogb({0})")
LIBC["ilogbf"] = Rule("rt::ilogb(({0}) as f64)")
LIBC["logb"] = Rule("rt::logb({0})")
LIBC["logbf"] = Rule("(rt::logb(({0}) as f64) as f32)")
LIBC["nextafter"] = Rule("rt::nextafter({0}, {1})")
LIBC["nextafterf"] = Rule("rt::nextafterf({0}, {1})")
LIBC["fdim"] = Rule("rt::fdim({0}, {1})")
LIBC["fdimf"] = Rule("(rt::fdim(({0}) as f64, ({1}) as f64) as f32)")
LIBC["fma"] = LIBC["fmaf"] = Rule("({0}).mul_add({1}, {2})")
LIBC["frexp"] = Rule("rt::frexp({0}, {1}, {m})")
LIBC["modf"] = Rule("rt::modf({0}, {1}, {m})")
LIBC["lround"] = LIBC["llround"] = Rule("rt::lround({0})")
LIBC["lroundf"] = LIBC["llroundf"] = Rule("rt::lround(({0}) as f64)")
LIBC["copysign"] = LIBC["copysignf"] = Rule("({0}).copysign({1})")
LIBC["rint"] = LIBC["nearbyint"] = Rule("({0}).round_ties_even()")
LIBC["isnan"] = LIBC["__isnan"] = Rule("(({0}) as f64).is_nan() as i32")
LIBC["isinf"] = LIBC["__isinf"] = Rule("(({0}) as f64).is_infinite() as i32")

# ---- unistd.h, fcntl.h, sys/stat.h, utime.h (POSIX descriptors on real files)
_arities(
    {
        "creat": 2,
        "close": 1,
        "read": 3,
        "write": 3,
        "lseek": 3,
        "dup": 1,
        "dup2": 2,
        "fdopen": 2,
        "unlink": 1,
        "mkdir": 2,
        "rmdir": 1,
        "access": 2,
        "stat": 2,
        "lstat": 2,
        "fstat": 2,
        "fchmod": 2,
        "chmod": 2,
        "fchown": 3,
        "chown": 3,
        "lchown": 3,
        "utime": 2,
        "utimes": 2,
        "getpid": 0,
        "getppid": 0,
    }
)
# open(path, flags, ...): the mode is the first variadic argument, when there is one
LIBC["open"] = Rule("rt::open({0}, {1}, rt::va_int({va}, 0) as u32, {m})", variadic=True)
for _name in ("open", "creat", "lseek", "stat", "lstat", "fstat"):
    LIBC[_name + "64"] = LIBC[_name]

# ---- locale.h
_arities(
    {
        "setlocale": 2,
        "localeconv": 0,
        "uselocale": 1,
        "newlocale": 3,
        "duplocale": 1,
    }
)
LIBC["freelocale"] = _rt("freelocale", 1, mem=False)

# ---- time.h, dirent.h, sys/resource.h, sys/stat.h (POSIX.1-2008)
_arities(
    {
        "clock_gettime": 2,
        "clock_getres": 2,
        "nanosleep": 2,
        "opendir": 1,
        "readdir": 1,
        "rewinddir": 1,
        "closedir": 1,
        "utimensat": 4,
    }
)
LIBC["readdir64"] = LIBC["readdir"]
LIBC["setpriority"] = _rt("setpriority", 3, mem=False)

# ---- sys/mman.h, syslog.h, sys/random.h, unistd.h (syncing)
_arities(
    {
        "mmap": 6,
        "munmap": 2,
        "msync": 3,
        "fsync": 1,
        "fmemopen": 3,
        "open_memstream": 2,
        "pread": 4,
        "pwrite": 4,
        "getentropy": 2,
        "getrandom": 3,
        "openlog": 3,
        "closelog": 0,
        "setlogmask": 1,
        "vsyslog": 3,
    }
)
LIBC["mmap64"] = LIBC["mmap"]
LIBC["fdatasync"] = LIBC["fsync"]
LIBC["pread64"], LIBC["pwrite64"] = LIBC["pread"], LIBC["pwrite"]
LIBC["mprotect"] = _rt("mprotect", 3, mem=False)
LIBC["syslog"] = _rt("syslog", 2, variadic=True)
LIBC["getpriority"] = _rt("getpriority", 2, mem=False)

# ---- wchar.h: wide strings
_arities(
    {
        "wcslen": 1,
        "wcsnlen": 2,
        "wcscpy": 2,
        "wcsncpy": 3,
        "wcscat": 2,
        "wcsncat": 3,
        "wcscmp": 2,
        "wcsncmp": 3,
        "wcschr": 2,
        "wcsrchr": 2,
        "wmemcpy": 3,
        "wmemmove": 3,
        "wmemset": 3,
        "wmemcmp": 3,
        "wmemchr": 3,
    }
)

# ---- err.h, signal.h, time.h's strftime, and POSIX calls in common use
for _name, _n in {"err": 2, "errx": 2, "warn": 1, "warnx": 1, "ioctl": 2}.items():
    LIBC[_name] = _rt(_name, _n, variadic=True)
_arities(
    {
        "verr": 3,
        "verrx": 3,
        "vwarn": 2,
        "vwarnx": 2,
        "sigemptyset": 1,
        "sigfillset": 1,
        "sigaddset": 2,
        "sigdelset": 2,
        "sigismember": 2,
        "sigaction": 3,
        "sigprocmask": 3,
        "strftime": 4,
        "pathconf": 2,
        "readlink": 3,
        "mkstemp": 1,
        "mkdtemp": 1,
        "srand48": 1,
        "drand48": 0,
        "lrand48": 0,
        "mrand48": 0,
        "erand48": 1,
        "nrand48": 1,
        "jrand48": 1,
        "regcomp": 3,
        "regexec": 5,
        "regfree": 1,
        "regerror": 4,
    }
)
_arities(
    {
        "basename": 1,
        "__xpg_basename": 1,
        "dirname": 1,
        "getcwd": 2,
        "realpath": 2,
        "strcasestr": 2,
        "mempcpy": 3,
        "stpncpy": 3,
        "memccpy": 4,
        "asctime": 1,
        "asctime_r": 2,
        "ctime": 1,
        "ctime_r": 2,
        "setenv": 3,
        "unsetenv": 1,
        "sysconf": 1,
        "gethostname": 2,
        "uname": 1,
        "strsignal": 1,
        "strerror_r": 3,
        "__xpg_strerror_r": 3,
        "rand_r": 1,
        "umask": 1,
        "ftruncate": 2,
        "truncate": 2,
        "mbtowc": 3,
        "mblen": 2,
        "wctomb": 2,
        "mbstowcs": 3,
        "wcstombs": 3,
    }
)
_arities(
    {
        "setuid": 1,
        "setgid": 1,
        "seteuid": 1,
        "setegid": 1,
        "setreuid": 2,
        "setregid": 2,
        "nl_langinfo": 1,
        "chdir": 1,
        "inet_pton": 3,
        "inet_ntop": 4,
        "inet_addr": 1,
    }
)
LIBC["secure_getenv"] = LIBC["getenv"]
LIBC["dprintf"] = _rt("dprintf", 2, variadic=True)
for _name in ("getuid", "geteuid", "getgid", "getegid", "getpagesize", "tzset"):
    LIBC[_name] = _rt(_name, 0, mem=False)
for _name in ("btowc", "wctob"):
    LIBC[_name] = _rt(_name, 1, mem=False)
LIBC["div"] = Rule("rt::div({0}, {1})")
LIBC["ldiv"] = LIBC["lldiv"] = LIBC["imaxdiv"] = Rule("rt::ldiv({0}, {1})")
LIBC["ffs"] = LIBC["ffsl"] = LIBC["ffsll"] = Rule("rt::ffs(({0}) as i64)")
LIBC["imaxabs"] = Rule("({0}).wrapping_abs()")
LIBC["strtoimax"] = LIBC["strtoll"]
LIBC["strtoumax"] = LIBC["strtoull"]
LIBC["index"], LIBC["rindex"] = LIBC["strchr"], LIBC["strrchr"]
LIBC["bzero"] = LIBC["explicit_bzero"] = Rule("{{ rt::memset({0}, 0, {1}, {m}); }}")
LIBC["bcopy"] = Rule("{{ rt::memmove({1}, {0}, {2}, {m}); }}")
LIBC["timegm"] = LIBC["mktime"]
LIBC["_Exit"] = LIBC["_exit"]
LIBC["ftruncate64"], LIBC["truncate64"] = LIBC["ftruncate"], LIBC["truncate"]
LIBC["mkstemp64"] = LIBC["mkstemp"]
LIBC["pthread_sigmask"] = LIBC["sigprocmask"]
LIBC["htonl"] = LIBC["ntohl"] = Rule("u32::to_be({0})")
LIBC["htons"] = LIBC["ntohs"] = Rule("u16::to_be({0})")

# ---- GNU and BSD extensions
LIBC["asprintf"] = _rt("asprintf", 2, variadic=True)
_arities(
    {
        "vasprintf": 3,
        "reallocarray": 3,
        "strsep": 2,
        "strchrnul": 2,
        "strlcpy": 3,
        "strlcat": 3,
        "memmem": 4,
        "strverscmp": 2,
        "getopt_long": 5,
        "getopt_long_only": 5,
    }
)

# ---- libintl.h, pwd.h, grp.h, resource usage, shells and pipes, more POSIX and wchar.h
_arities(
    {
        "gettext": 1,
        "dgettext": 2,
        "dcgettext": 3,
        "ngettext": 3,
        "dngettext": 4,
        "dcngettext": 5,
        "textdomain": 1,
        "bindtextdomain": 2,
        "bind_textdomain_codeset": 2,
        "getpwuid": 1,
        "getpwnam": 1,
        "getgrgid": 1,
        "getgrnam": 1,
        "getrusage": 2,
        "times": 1,
        "popen": 2,
        "pclose": 1,
        "pipe": 1,
        "link": 2,
        "symlink": 2,
        "mktemp": 1,
        "tmpnam": 1,
        "ttyname": 1,
        "gets": 1,
        "getw": 1,
        "putw": 2,
        "fgetpos": 2,
        "fsetpos": 2,
        "psignal": 2,
        "strxfrm": 3,
        "swab": 3,
        "inet_aton": 2,
        "mbrtowc": 4,
        "mbrlen": 3,
        "mbsinit": 1,
        "wcrtomb": 3,
        "mbsrtowcs": 4,
        "wcsrtombs": 4,
        "wcswidth": 2,
        "wctype": 1,
        "wcsspn": 2,
        "wcscspn": 2,
        "wcspbrk": 2,
        "wcsstr": 2,
        "wcsdup": 1,
        "pthread_once": 2,
        "pthread_key_create": 2,
        "pthread_key_delete": 1,
        "pthread_getspecific": 1,
        "pthread_setspecific": 2,
        "fnmatch": 3,
        "globfree": 1,
        "strptime": 3,
        "inet_ntoa": 1,
        "iconv_open": 2,
        "iconv": 5,
        "iconv_close": 1,
        "getaddrinfo": 4,
        "freeaddrinfo": 1,
        "gai_strerror": 1,
    }
)
LIBC["__ctype_get_mb_cur_max"] = _rt("__ctype_get_mb_cur_max", 0)
# the glibc of the machine that translates, the one the C build runs on
LIBC["gnu_get_libc_version"] = Rule(
    f'rt::static_cstr(b"{platform.libc_ver()[1] or "2.36"}", {{m}})'
)
LIBC["glob"] = LIBC["glob64"] = Rule("rt::glob({0}, {1}, {2}, {3}, {m})")
LIBC["globfree64"] = LIBC["globfree"]
LIBC["fcntl"] = _rt("fcntl", 2, variadic=True)
LIBC["error"] = _rt("error", 3, variadic=True)
LIBC["error_at_line"] = _rt("error_at_line", 5, variadic=True)
LIBC["fgetpos64"], LIBC["fsetpos64"] = LIBC["fgetpos"], LIBC["fsetpos"]
LIBC["alarm"] = _rt("alarm", 1)
LIBC["kill"] = _rt("kill", 2)
LIBC["quick_exit"] = _rt("quick_exit", 1)
_arities(
    {
        "posix_memalign": 3,
        "aligned_alloc": 2,
        "valloc": 1,
        "pvalloc": 1,
        "malloc_usable_size": 1,
        "tcgetattr": 2,
        "tcsetattr": 3,
        "select": 5,
        "pselect": 6,
        "poll": 3,
        "ppoll": 4,
    }
)
LIBC["memalign"] = LIBC["aligned_alloc"]
_arities(
    {
        "getitimer": 2,
        "setitimer": 3,
        "sigblock": 1,
        "sigsetmask": 1,
        "siggetmask": 0,
        "getpgrp": 0,
        "getpgid": 1,
        "getsid": 1,
        "setpgid": 2,
        "setpgrp": 0,
        "setsid": 0,
        "tcgetpgrp": 1,
        "tcsetpgrp": 2,
        "getrlimit": 2,
        "setrlimit": 2,
        "getgroups": 2,
        "setgroups": 2,
        "initgroups": 2,
        "dlopen": 2,
        "dlsym": 2,
        "dlerror": 0,
        "ftime": 1,
        "fchdir": 1,
        "cfgetospeed": 1,
        "cfgetispeed": 1,
        "cfsetospeed": 2,
        "cfsetispeed": 2,
        "cfsetspeed": 2,
        "cfmakeraw": 1,
        "putenv": 1,
        "getpwent": 0,
        "setpwent": 0,
        "endpwent": 0,
        "getgrent": 0,
        "setgrent": 0,
        "endgrent": 0,
        "tgamma": 1,
        "lgamma": 1,
        "remquo": 3,
        "sincos": 3,
        "sincosf": 3,
    }
)
LIBC["__getpgid"] = LIBC["getpgid"]
LIBC["__h_errno_location"] = Rule("rt::h_errno_location()")
LIBC["nan"] = LIBC["nanl"] = Rule("f64::NAN")
LIBC["nanf"] = Rule("f32::NAN")
for _name in ("mlockall", "munlockall", "mlock", "munlock"):
    LIBC[_name] = Rule("rt::mlock_ok()")
LIBC["getpass"] = _rt("getpass", 1)
_arities({"waitpid": 3, "wait": 1, "wait4": 4})
LIBC["wait3"] = Rule("rt::wait4(-1, {0}, {1}, {2}, {m})")
LIBC["openat"] = LIBC["openat64"] = Rule(
    "rt::openat({0}, {1}, {2}, rt::va_int({va}, 0) as u32, {m})", variadic=True
)
LIBC["fstatat"] = LIBC["fstatat64"] = LIBC["newfstatat"] = _rt("fstatat", 4)
LIBC["posix_fadvise"] = LIBC["posix_fadvise64"] = _rt("posix_fadvise", 4)
LIBC["lockf"] = LIBC["lockf64"] = Rule("rt::fd_ok({0}, {m})")
for _name in ("fopen", "freopen", "fseeko", "ftello", "tmpfile", "fcntl"):
    LIBC.setdefault(_name + "64", LIBC[_name])
LIBC["getrlimit64"] = LIBC["getrlimit"]
LIBC["setrlimit64"] = LIBC["setrlimit"]
LIBC["pthread_atfork"] = _rt("pthread_atfork", 3, mem=False)
LIBC["__register_atfork"] = Rule("rt::pthread_atfork({0}, {1}, {2})")
LIBC["dlclose"] = _rt("dlclose", 1, mem=False)
for _name in ("gnu_dev_major", "gnu_dev_minor"):
    LIBC[_name] = _rt(_name, 1, mem=False)
LIBC["gnu_dev_makedev"] = _rt("gnu_dev_makedev", 2, mem=False)
LIBC["setlinebuf"] = Rule("rt::setvbuf({0}, 0, 1, 0, {m})")
LIBC["erf"] = Rule("rt::erf({0})")
LIBC["erfc"] = Rule("rt::erfc({0})")
LIBC["erff"] = Rule("(rt::erf(({0}) as f64) as f32)")
LIBC["erfcf"] = Rule("(rt::erfc(({0}) as f64) as f32)")
LIBC["tgammaf"] = Rule("(rt::tgamma(({0}) as f64, {m}) as f32)")
LIBC["lgammaf"] = Rule("(rt::lgamma(({0}) as f64, {m}) as f32)")
LIBC["gamma"] = LIBC["lgamma"]
LIBC["lrintf"] = LIBC["llrintf"] = Rule("rt::lrint(({0}) as f64)")
LIBC["llrint"] = LIBC["lrint"]
LIBC["exp10"] = Rule("10f64.powf({0})")
LIBC["exp10f"] = Rule("10f32.powf({0})")
LIBC["sched_yield"] = _rt("sched_yield", 0, mem=False)
LIBC["at_quick_exit"] = _rt("at_quick_exit", 1)
LIBC["pause"] = _rt("pause", 0)
for _name in ("sysv_signal", "__sysv_signal", "bsd_signal"):
    LIBC[_name] = LIBC["signal"]
LIBC["sync"] = _rt("sync", 0, mem=False)
LIBC["iswctype"] = _rt("iswctype", 2)
LIBC["pthread_self"] = _rt("pthread_self", 0)
_arities(
    {
        "pthread_create": 4,
        "pthread_exit": 1,
        "pthread_join": 2,
        "pthread_detach": 1,
        "pthread_attr_init": 1,
    }
)
LIBC["pthread_cond_wait"] = _rt("pthread_cond_wait", 2)
LIBC["pthread_cond_timedwait"] = Rule("rt::pthread_cond_wait({0}, {1}, {m})")
LIBC["pthread_equal"] = _rt("pthread_equal", 2, mem=False)
# locks, attributes and signals of programs that never start a thread: they succeed at once
for _name in (
    "pthread_mutex_init",
    "pthread_mutex_destroy",
    "pthread_mutex_lock",
    "pthread_mutex_trylock",
    "pthread_mutex_unlock",
    "pthread_mutexattr_init",
    "pthread_mutexattr_destroy",
    "pthread_mutexattr_settype",
    "pthread_rwlock_init",
    "pthread_rwlock_destroy",
    "pthread_rwlock_rdlock",
    "pthread_rwlock_wrlock",
    "pthread_rwlock_unlock",
    "pthread_cond_init",
    "pthread_cond_destroy",
    "pthread_cond_signal",
    "pthread_cond_broadcast",
    "pthread_attr_destroy",
    "pthread_attr_setdetachstate",
    "pthread_attr_setstacksize",
    "pthread_attr_setscope",
    "pthread_attr_setguardsize",
    "pthread_condattr_init",
    "pthread_condattr_destroy",
    "pthread_setname_np",
):
    LIBC[_name] = Rule("rt::pthread_ok({0}, {m})")

# ---- glibc's internal aliases and calls with nothing to do in a sandboxed run
LIBC["__mempcpy"] = LIBC["mempcpy"]
LIBC["__strdup"] = LIBC["strdup"]
LIBC["__secure_getenv"] = LIBC["getenv"]
LIBC["rawmemchr"] = _rt("rawmemchr", 2)
LIBC["setbuffer"] = Rule(
    "rt::setvbuf({0}, {1}, if ({1}) == 0 {{ 2 }} else {{ 0 }}, ({2}) as u64, {m})"
)
LIBC["isnanf"] = LIBC["isnanl"] = LIBC["isnan"]
LIBC["remainder"] = Rule("rt::remainder({0}, {1})")
LIBC["remainderf"] = Rule("(rt::remainder(({0}) as f64, ({1}) as f64) as f32)")
LIBC["flock"] = Rule("rt::fd_ok({0}, {m})")
LIBC["posix_madvise"] = LIBC["madvise"] = Rule("0i32")
LIBC["mtrace"] = LIBC["muntrace"] = Rule("()")
LIBC["setresuid"] = Rule("rt::setresuid({0}, {1}, {2}, {m})")
LIBC["setresgid"] = Rule("rt::setresgid({0}, {1}, {2}, {m})")

# long double is the translation's f64: its math functions are the double ones
for _name in [
    "fabs",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "trunc",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "exp",
    "exp2",
    "log",
    "log10",
    "log2",
    "log1p",
    "expm1",
    "sinh",
    "cosh",
    "tanh",
    "cbrt",
    "asinh",
    "acosh",
    "atanh",
    "pow",
    "atan2",
    "fmin",
    "fmax",
    "hypot",
    "fmod",
    "ldexp",
    "copysign",
    "nextafter",
    "fma",
    "erf",
    "erfc",
    "tgamma",
    "lgamma",
    "remainder",
    "lround",
    "llround",
    "lrint",
    "llrint",
    "rint",
    "nearbyint",
    "logb",
    "ilogb",
    "fdim",
    "scalbn",
    "exp10",
]:
    LIBC.setdefault(_name + "l", LIBC[_name])

# ---- GCC builtins in common use
BUILTINS: dict[str, Rule] = {
    "__builtin_expect": Rule("({0})"),
    "__builtin_expect_with_probability": Rule("({0})"),
    "__builtin_unreachable": Rule('unreachable!("__builtin_unreachable reached")'),
    "__builtin_trap": Rule("rt::abort({m})"),
    "__builtin_abort": Rule("rt::abort({m})"),
    "__builtin_clz": Rule("(({0}).leading_zeros() as i32)"),
    "__builtin_clzl": Rule("(({0}).leading_zeros() as i32)"),
    "__builtin_clzll": Rule("(({0}).leading_zeros() as i32)"),
    "__builtin_ctz": Rule("(({0}).trailing_zeros() as i32)"),
    "__builtin_ctzl": Rule("(({0}).trailing_zeros() as i32)"),
    "__builtin_ctzll": Rule("(({0}).trailing_zeros() as i32)"),
    "__builtin_popcount": Rule("(({0}).count_ones() as i32)"),
    "__builtin_popcountl": Rule("(({0}).count_ones() as i32)"),
    "__builtin_popcountll": Rule("(({0}).count_ones() as i32)"),
    "__builtin_bswap16": Rule("({0}).swap_bytes()"),
    "__builtin_bswap32": Rule("({0}).swap_bytes()"),
    "__builtin_bswap64": Rule("({0}).swap_bytes()"),
    "__builtin_memcpy": LIBC["memcpy"],
    "__builtin_memmove": LIBC["memmove"],
    "__builtin_memset": LIBC["memset"],
    "__builtin_memcmp": LIBC["memcmp"],
    "__builtin_strlen": LIBC["strlen"],
    "__builtin_strcmp": LIBC["strcmp"],
    "__builtin_malloc": LIBC["malloc"],
    "__builtin_free": LIBC["free"],
    "__builtin_fabs": LIBC["fabs"],
    "__builtin_huge_val": Rule("f64::INFINITY"),
    "__builtin_huge_valf": Rule("f32::INFINITY"),
    "__builtin_inf": Rule("f64::INFINITY"),
    "__builtin_inff": Rule("f32::INFINITY"),
    "__builtin_nan": Rule("f64::NAN"),
    "__builtin_nanf": Rule("f32::NAN"),
    "__builtin_va_start": Rule("rt::va_start({0}, va, {m})"),
    "__builtin_va_end": Rule("rt::va_end({0}, {m})"),
    "__builtin_va_copy": Rule("rt::va_copy({0}, {1}, {m})"),
    "__builtin_object_size": Rule("u64::MAX"),
    "__builtin_isnan": Rule("(({0}) as f64).is_nan() as i32"),
    "__builtin_isinf": Rule("(({0}) as f64).is_infinite() as i32"),
    "__builtin_isinf_sign": Rule("rt::isinf_sign({0} as f64)"),
    "__builtin_isfinite": Rule("(({0}) as f64).is_finite() as i32"),
    "__builtin_signbit": Rule("(({0}) as f64).is_sign_negative() as i32"),
    "__builtin_rotateleft8": Rule("({0}).rotate_left(({1}) as u32)"),
    "__builtin_rotateleft16": Rule("({0}).rotate_left(({1}) as u32)"),
    "__builtin_rotateleft32": Rule("({0}).rotate_left(({1}) as u32)"),
    "__builtin_rotateleft64": Rule("({0}).rotate_left(({1}) as u32)"),
    "__builtin_rotateright32": Rule("({0}).rotate_right(({1}) as u32)"),
    "__builtin_rotateright64": Rule("({0}).rotate_right(({1}) as u32)"),
    "__builtin_prefetch": Rule("()"),
    "__builtin_assume_aligned": Rule("({0})"),
    "__builtin_constant_p": Rule("0i32"),
    "__sync_synchronize": Rule("()"),
    # the type-generic classification macros of math.h (in the argument's own type)
    "__builtin_isnormal": Rule("(({0}).is_normal() as i32)"),
    "__builtin_fpclassify": Rule(
        "(match ({5}).classify() {{ std::num::FpCategory::Nan => {0}, "
        "std::num::FpCategory::Infinite => {1}, std::num::FpCategory::Normal => {2}, "
        "std::num::FpCategory::Subnormal => {3}, std::num::FpCategory::Zero => {4} }})"
    ),
    "__builtin_isgreater": Rule("((({0}) as f64 > ({1}) as f64) as i32)"),
    "__builtin_isgreaterequal": Rule("((({0}) as f64 >= ({1}) as f64) as i32)"),
    "__builtin_isless": Rule("((({0}) as f64) < ({1}) as f64) as i32"),
    "__builtin_islessequal": Rule("((({0}) as f64) <= ({1}) as f64) as i32"),
    "__builtin_islessgreater": Rule(
        "({{ let (a, b) = (({0}) as f64, ({1}) as f64); (a < b || a > b) as i32 }})"
    ),
    "__builtin_isunordered": Rule("((({0}) as f64).is_nan() || (({1}) as f64).is_nan()) as i32"),
}
# atomics on one thread: plain read-modify-write through memory
for _bits in (1, 2, 4, 8):
    _t = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[_bits]
    for _op, _expr in {"add": "wrapping_add", "sub": "wrapping_sub"}.items():
        BUILTINS[f"__sync_{_op}_and_fetch_{_bits}"] = Rule(
            f"{{{{ let p = {{0}}; let v = rt::ld_{_t}(p, {{m}}).{_expr}(({{1}}) as {_t}); "
            f"rt::st_{_t}(p, v, {{m}}); v }}}}"
        )
        BUILTINS[f"__sync_fetch_and_{_op}_{_bits}"] = Rule(
            f"{{{{ let p = {{0}}; let v = rt::ld_{_t}(p, {{m}}); "
            f"rt::st_{_t}(p, v.{_expr}(({{1}}) as {_t}), {{m}}); v }}}}"
        )
    BUILTINS[f"__sync_val_compare_and_swap_{_bits}"] = Rule(
        f"{{{{ let p = {{0}}; let v = rt::ld_{_t}(p, {{m}}); "
        f"if v == ({{1}}) as {_t} {{{{ rt::st_{_t}(p, ({{2}}) as {_t}, {{m}}); }}}} v }}}}"
    )
    BUILTINS[f"__sync_bool_compare_and_swap_{_bits}"] = Rule(
        f"{{{{ let p = {{0}}; let v = rt::ld_{_t}(p, {{m}}); "
        f"if v == ({{1}}) as {_t} {{{{ rt::st_{_t}(p, ({{2}}) as {_t}, {{m}}); 1u8 }}}} else {{{{ 0u8 }}}} }}}}"
    )


LIBC["_longjmp"] = LIBC["siglongjmp"] = LIBC["longjmp"]


def rule_for(name: str) -> Rule | None:
    """The rule for a C library function or builtin, None when ferrox has none."""
    return BUILTINS.get(name) or LIBC.get(name)
