//! ferrox c2rust runtime: C's memory, strings, stdio and the rest of libc that translated
//! programs use, written in entirely safe Rust.
//!
//! All C memory lives in one [`Mem`], passed explicitly to every runtime function that touches
//! memory or libc state, always as the LAST argument. A C pointer is a plain [`P`] (`u64`):
//! the object id in the high 32 bits and the byte offset in the low 32 bits, so the generated
//! code does pointer arithmetic with wrapping `u64` operations. Every access decodes the id,
//! bounds-checks the offset against that object's bytes and converts little-endian; null,
//! out-of-bounds, freed and returned-from locals all panic with a message naming the fault.
//!
//! Functions that neither read memory nor keep state (ctype, `abs`, `ldexp`, ...) take no `m`.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{DirEntryExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::sync::Arc;

mod unicode;

// ---- pointers, fixed objects and constants

/// A C pointer: `(object_id << 32) | offset`; 0 is NULL.
pub type P = u64;

/// The null pointer.
pub const NULL: P = 0;
/// Address of the C variable `stdin` (an 8-byte cell holding the stdin FILE handle).
pub const STDIN_VAR: P = 1 << 32;
/// Address of the C variable `stdout`.
pub const STDOUT_VAR: P = 2 << 32;
/// Address of the C variable `stderr`.
pub const STDERR_VAR: P = 3 << 32;
/// Address of `errno` (a 4-byte int cell).
pub const ERRNO: P = 4 << 32;
/// Address of getopt's `optarg` (8-byte `char *`).
pub const OPTARG: P = 5 << 32;
/// Address of getopt's `optind` (int, initially 1).
pub const OPTIND: P = 6 << 32;
/// Address of getopt's `opterr` (int, initially 1).
pub const OPTERR: P = 7 << 32;
/// Address of getopt's `optopt` (int, initially '?' as in glibc).
pub const OPTOPT: P = 8 << 32;
/// Address of glibc's `program_invocation_name` (argv[0], set by `init_process`).
pub const PROG_NAME: P = 9 << 32;
/// Address of `program_invocation_short_name` (and BSD's `__progname`): argv[0]'s basename.
pub const PROG_SHORT_NAME: P = 10 << 32;
/// Address of `environ`: the NULL-terminated "NAME=value" array.
pub const ENVIRON: P = 11 << 32;
/// Address of `timezone` (long: seconds west of UTC; 0, as the tests' TZ=UTC gives).
pub const TIMEZONE: P = 12 << 32;
/// Address of `daylight` (int, 0).
pub const DAYLIGHT: P = 13 << 32;
/// Address of `h_errno` (int), what `__h_errno_location()` points to.
pub const H_ERRNO: P = 14 << 32;
/// Address of `signgam` (int): the sign of gamma at lgamma's last argument.
pub const SIGNGAM: P = 15 << 32;
/// Id of the first program static (ids 1..=15 are the runtime's own cells).
pub const FIRST_STATIC: u32 = 16;
/// Function pointer `i` is `(FN_BASE + i) << 32`.
pub const FN_BASE: u32 = 0x7000_0000;
/// FILE handle `k` is `(FILE_BASE + k) << 32` (0 stdin, 1 stdout, 2 stderr).
pub const FILE_BASE: u32 = 0x7100_0000;
/// va_list handles are `(VA_BASE + slot) << 32` (stored inside the C va_list object).
const VA_BASE: u32 = 0x7200_0000;
/// The FILE handle of stdin.
pub const STDIN_FILE: P = (FILE_BASE as u64) << 32;
/// The FILE handle of stdout.
pub const STDOUT_FILE: P = ((FILE_BASE + 1) as u64) << 32;
/// The FILE handle of stderr.
pub const STDERR_FILE: P = ((FILE_BASE + 2) as u64) << 32;

/// C's `EOF`.
pub const EOF: i32 = -1;
/// glibc's `RAND_MAX`.
pub const RAND_MAX: i32 = 0x7fff_ffff;
/// `CLOCKS_PER_SEC` (POSIX: one million).
pub const CLOCKS_PER_SEC: i64 = 1_000_000;
/// `fseek` whence: from the start.
pub const SEEK_SET: i32 = 0;
/// `fseek` whence: from the current position.
pub const SEEK_CUR: i32 = 1;
/// `fseek` whence: from the end.
pub const SEEK_END: i32 = 2;
/// errno: operation not permitted.
pub const EPERM: i32 = 1;
/// errno: no such file or directory.
pub const ENOENT: i32 = 2;
/// errno: input/output error.
pub const EIO: i32 = 5;
/// errno: bad file descriptor.
pub const EBADF: i32 = 9;
/// errno: cannot allocate memory.
pub const ENOMEM: i32 = 12;
/// errno: permission denied.
pub const EACCES: i32 = 13;
/// errno: file exists.
pub const EEXIST: i32 = 17;
/// errno: is a directory.
pub const EISDIR: i32 = 21;
/// errno: invalid argument.
pub const EINVAL: i32 = 22;
/// errno: illegal seek.
pub const ESPIPE: i32 = 29;
/// errno: numerical result out of range.
pub const ERANGE: i32 = 34;
pub const EDOM: i32 = 33;
/// errno: value too large for defined data type.
pub const EOVERFLOW: i32 = 75;
/// errno: not a directory.
pub const ENOTDIR: i32 = 20;
/// errno: too many open files.
pub const EMFILE: i32 = 24;
/// errno: inappropriate ioctl for device.
pub const ENOTTY: i32 = 25;
/// errno: no child processes.
pub const ECHILD: i32 = 10;
pub const ESRCH: i32 = 3;
pub const EINTR: i32 = 4;
pub const EFAULT: i32 = 14;
/// `open` access mode: read only.
pub const O_RDONLY: i32 = 0;
/// `open` access mode: write only.
pub const O_WRONLY: i32 = 1;
/// `open` access mode: read and write.
pub const O_RDWR: i32 = 2;
/// The access-mode bits of the open flags.
pub const O_ACCMODE: i32 = 3;
/// `open`: create the file when missing.
pub const O_CREAT: i32 = 0o100;
/// `open`: with O_CREAT, fail when the file exists.
pub const O_EXCL: i32 = 0o200;
/// `open`: do not become the controlling terminal.
pub const O_NOCTTY: i32 = 0o400;
/// `open`: truncate to length 0.
pub const O_TRUNC: i32 = 0o1000;
/// `open`: every write goes to the end.
pub const O_APPEND: i32 = 0o2000;
/// `open`: non-blocking.
pub const O_NONBLOCK: i32 = 0o4000;
/// `open`: fail unless a directory.
pub const O_DIRECTORY: i32 = 0o200000;
/// `open`: do not follow a final symbolic link.
pub const O_NOFOLLOW: i32 = 0o400000;
/// `open`: close on exec.
pub const O_CLOEXEC: i32 = 0o2000000;
/// `open`: a descriptor only for naming the file (no reads or writes).
pub const O_PATH: i32 = 0o10000000;
/// `access`: the file exists.
pub const F_OK: i32 = 0;
/// `access`: execute (search) permission.
pub const X_OK: i32 = 1;
/// `access`: write permission.
pub const W_OK: i32 = 2;
/// `access`: read permission.
pub const R_OK: i32 = 4;
/// Locale category `LC_CTYPE` (glibc numbering; LC_ALL is 6, the last is LC_IDENTIFICATION 12).
pub const LC_CTYPE: i32 = 0;
/// Locale category `LC_NUMERIC`.
pub const LC_NUMERIC: i32 = 1;
/// Locale category `LC_ALL`.
pub const LC_ALL: i32 = 6;
/// `LC_ALL_MASK` for newlocale (every category bit but LC_ALL's).
pub const LC_ALL_MASK: i32 = 8127;
/// `LC_GLOBAL_LOCALE`: `(locale_t) -1`.
pub const LC_GLOBAL_LOCALE: P = u64::MAX;

/// Largest object (and allocation) the runtime creates: 2 GiB.
const MAX_OBJ: u64 = 1 << 31;
/// Freed ids wait in a FIFO of this length before they are reused.
const QUARANTINE: usize = 4096;

/// `fnptr(i)`: the C value of a pointer to the generated program's function number `i`.
pub const fn fnptr(i: u32) -> P {
    ((FN_BASE + i) as u64) << 32
}

/// The function number of a function pointer (panics for null or a non-function pointer).
pub fn fn_index(p: P) -> u32 {
    let id = (p >> 32) as u32;
    if p as u32 != 0 || !(FN_BASE..FILE_BASE).contains(&id) {
        bad_call(p)
    }
    id - FN_BASE
}

/// Panics for a call through a pointer that is not one of the program's functions.
pub fn bad_call(p: P) -> ! {
    if p == 0 {
        panic!("ferrox rt: call through a null function pointer")
    }
    panic!("ferrox rt: call through a pointer that is not a function ({:#x})", p)
}

#[inline(always)]
fn split(p: P) -> (usize, usize) {
    ((p >> 32) as usize, (p as u32) as usize)
}

#[inline(always)]
const fn obj_ptr(id: usize) -> P {
    (id as u64) << 32
}

// ---- objects and the memory

/// What an object is (or was).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Id 0 and the reserved ids: never accessible.
    Invalid,
    Static,
    Heap,
    Local,
    /// A heap object after `free`.
    Freed,
    /// A local after its function returned (`unwind`).
    Dead,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Invalid => "reserved",
            Kind::Static => "static",
            Kind::Heap => "heap",
            Kind::Local => "local",
            Kind::Freed => "freed heap",
            Kind::Dead => "dead local",
        }
    }
    fn live(self) -> bool {
        matches!(self, Kind::Static | Kind::Heap | Kind::Local)
    }
}

/// One C object: its bytes and kind. Dead objects keep no bytes, so every access to them
/// fails the ordinary bounds check and the slow path names the fault.
struct Obj {
    data: Vec<u8>,
    kind: Kind,
}

/// One va_list: the variadic arguments and the index of the next one.
#[derive(Clone)]
struct VaState {
    args: Vec<Va>,
    pos: usize,
}

/// glibc's `random()` TYPE_3 state (31 words, front and rear indices).
struct Rand {
    r: [i32; 31],
    f: usize,
    b: usize,
}

/// getopt's hidden state (glibc's `struct _getopt_data` minus the public cells).
#[derive(Default)]
struct Getopt {
    initialized: bool,
    nextchar: P,
    /// 0 permute (glibc default), 1 require order (`+` or POSIXLY_CORRECT), 2 return in order (`-`).
    ordering: u8,
    first_nonopt: i32,
    last_nonopt: i32,
    /// glibc copies its internal optopt (initially 0) into `optopt` after every call.
    optopt: i32,
}

/// All of a C program's memory and libc state.
pub struct Mem {
    objs: Vec<Obj>,
    quarantine: VecDeque<u32>,
    locals: Vec<u32>,
    vas: Vec<Option<VaState>>,
    va_free: Vec<usize>,
    files: Vec<Option<Stream>>,
    fds: Vec<Option<FdEntry>>,
    fd_limit: usize,
    rand: Rand,
    atexit: Vec<P>,
    quick_exit: Vec<P>,
    void_caller: Option<fn(P, &mut Mem)>,
    strerror_cache: HashMap<i32, P>,
    getenv_cache: HashMap<Vec<u8>, P>,
    strtok_save: P,
    tm_obj: P,
    tm_zone: P,
    getopt: Getopt,
    start: std::time::Instant,
    tmp_count: u64,
    locale: Locale,
    dirs: HashMap<P, DirStream>,
    jmp_next: u64,
    jmp_active: Vec<u64>,
    jmp_once: HashMap<u64, &'static str>,
    regexes: Vec<Option<Regex>>,
    rand48: u64,
    static_texts: HashMap<Vec<u8>, P>,
    asctime_buf: P,
    umask: u32,
    maps: HashMap<P, Mapping>,
    mem_streams: HashMap<i32, MemStream>,
    log_opts: i32,
    log_mask: i32,
    text_domain: Vec<u8>,
    children: HashMap<P, std::process::Child>,
    tmpnam_buf: P,
    thread_keys: Vec<Option<P>>,
    ntoa_buf: P,
    proc_strings: Option<(Vec<P>, Vec<P>)>,
    mb_states: [P; 2],
    iconvs: Vec<Option<Iconv>>,
    signals: Signals,
    pgrp_sid: Option<(i32, i32)>,
    rlimits: HashMap<usize, (u64, u64)>,
    dl_error: Option<Vec<u8>>,
    db_pos: [usize; 2],
    threads: Threads,
}

impl Default for Mem {
    fn default() -> Self {
        Mem::new()
    }
}

impl Drop for Mem {
    fn drop(&mut self) {
        self.flush_all();
    }
}

impl Mem {
    /// A fresh memory with the runtime's fixed cells (ids 1..=15) and the three standard streams.
    pub fn new() -> Mem {
        let mut m = Mem {
            objs: Vec::with_capacity(1024),
            quarantine: VecDeque::new(),
            locals: Vec::new(),
            vas: Vec::new(),
            va_free: Vec::new(),
            files: Vec::new(),
            fds: Vec::new(),
            fd_limit: 0,
            rand: Rand::seeded(1),
            atexit: Vec::new(),
            quick_exit: Vec::new(),
            void_caller: None,
            strerror_cache: HashMap::new(),
            getenv_cache: HashMap::new(),
            strtok_save: 0,
            tm_obj: 0,
            tm_zone: 0,
            getopt: Getopt::default(),
            start: std::time::Instant::now(),
            tmp_count: 0,
            locale: Locale::default(),
            dirs: HashMap::new(),
            jmp_next: 0,
            jmp_active: Vec::new(),
            jmp_once: HashMap::new(),
            regexes: Vec::new(),
            rand48: 0,
            static_texts: HashMap::new(),
            asctime_buf: 0,
            umask: 0o022,
            maps: HashMap::new(),
            mem_streams: HashMap::new(),
            log_opts: 0,
            log_mask: 0xff,
            text_domain: Vec::new(),
            children: HashMap::new(),
            tmpnam_buf: 0,
            thread_keys: Vec::new(),
            ntoa_buf: 0,
            proc_strings: None,
            mb_states: [0; 2],
            iconvs: Vec::new(),
            signals: Signals::default(),
            pgrp_sid: None,
            rlimits: HashMap::new(),
            dl_error: None,
            db_pos: [0; 2],
            threads: Threads::default(),
        };
        m.objs.push(Obj { data: Vec::new(), kind: Kind::Invalid });
        let cells: [(usize, u64); 15] = [
            (8, STDIN_FILE),
            (8, STDOUT_FILE),
            (8, STDERR_FILE),
            (4, 0),
            (8, 0),
            (4, 1),
            (4, 1),
            (4, b'?' as u64),
            (8, 0),
            (8, 0),
            (8, 0),
            (8, 0),
            (4, 0),
            (4, 0),
            (4, 0),
        ];
        for (size, v) in cells {
            m.objs.push(Obj { data: v.to_le_bytes()[..size].to_vec(), kind: Kind::Static });
        }
        while m.objs.len() < FIRST_STATIC as usize {
            m.objs.push(Obj { data: Vec::new(), kind: Kind::Invalid });
        }
        m.fds.push(std_fd_entry(std::io::stdin().as_fd(), 0));
        m.fds.push(std_fd_entry(std::io::stdout().as_fd(), 1));
        m.fds.push(std_fd_entry(std::io::stderr().as_fd(), 2));
        for fd in 0..3 {
            let mut s = Stream::new(fd, fd == 0, fd != 0, &m.fds);
            s.unbuffered = fd == 2;
            m.files.push(Some(s));
        }
        m
    }

    /// Allocates an object, reusing a quarantined id once the quarantine is full.
    fn alloc(&mut self, kind: Kind, data: Vec<u8>) -> P {
        if self.quarantine.len() > QUARANTINE {
            if let Some(id) = self.quarantine.pop_front() {
                self.objs[id as usize] = Obj { data, kind };
                return obj_ptr(id as usize);
            }
        }
        self.push_obj(kind, data)
    }

    /// Allocates a brand-new id (never a reused one).
    fn push_obj(&mut self, kind: Kind, data: Vec<u8>) -> P {
        let id = self.objs.len();
        if id >= FN_BASE as usize {
            panic!("ferrox rt: out of object ids ({} objects live)", id)
        }
        self.objs.push(Obj { data, kind });
        obj_ptr(id)
    }

    /// Kills object `id` (freed heap or dead local) and quarantines its id.
    fn release(&mut self, id: usize, kind: Kind) {
        let o = &mut self.objs[id];
        o.data = Vec::new();
        o.kind = kind;
        self.quarantine.push_back(id as u32);
    }

    #[inline(always)]
    fn get<const N: usize>(&self, p: P) -> [u8; N] {
        let (id, off) = split(p);
        match self.objs.get(id).and_then(|o| o.data.get(off..off + N)) {
            Some(b) => {
                let mut a = [0u8; N];
                a.copy_from_slice(b);
                a
            }
            None => fault(&self.objs, p, N as u64, "load"),
        }
    }

    #[inline(always)]
    fn put<const N: usize>(&mut self, p: P, v: [u8; N]) {
        let (id, off) = split(p);
        if let Some(b) = self.objs.get_mut(id).and_then(|o| o.data.get_mut(off..off + N)) {
            b.copy_from_slice(&v);
            return;
        }
        fault(&self.objs, p, N as u64, "store")
    }

    /// The `n` bytes at `p` (bounds-checked).
    fn slice(&self, p: P, n: u64, what: &str) -> &[u8] {
        let (id, off) = check(&self.objs, p, n, what);
        &self.objs[id].data[off..off + n as usize]
    }

    /// The `n` bytes at `p`, mutably (bounds-checked).
    fn slice_mut(&mut self, p: P, n: u64, what: &str) -> &mut [u8] {
        let (id, off) = check(&self.objs, p, n, what);
        &mut self.objs[id].data[off..off + n as usize]
    }

    /// The bytes from `p` to the end of its object (for string scans).
    fn tail(&self, p: P, what: &str) -> &[u8] {
        let (id, off) = split(p);
        match self.objs.get(id) {
            Some(o) if o.kind.live() && off <= o.data.len() => &o.data[off..],
            _ => fault(&self.objs, p, 1, what),
        }
    }

    /// Length of the C string at `p` (panics when it runs off its object).
    fn strlen_at(&self, p: P, what: &str) -> usize {
        let t = self.tail(p, what);
        match t.iter().position(|&c| c == 0) {
            Some(n) => n,
            None => unterminated(&self.objs, p, what),
        }
    }

    /// Length of the string at `p`, reading at most `max` bytes (strnlen).
    fn strnlen_at(&self, p: P, max: u64, what: &str) -> usize {
        if max == 0 {
            return 0;
        }
        let t = self.tail(p, what);
        let lim = (max.min(t.len() as u64)) as usize;
        match t[..lim].iter().position(|&c| c == 0) {
            Some(n) => n,
            None if (lim as u64) == max => lim,
            None => unterminated(&self.objs, p, what),
        }
    }

    /// memmove between any two objects (overlap allowed).
    fn copy(&mut self, dst: P, src: P, n: u64, what: &str) {
        if n == 0 {
            return;
        }
        let (si, so) = check(&self.objs, src, n, what);
        let (di, d_o) = check(&self.objs, dst, n, what);
        let n = n as usize;
        if si == di {
            self.objs[di].data.copy_within(so..so + n, d_o);
        } else if di < si {
            let (a, b) = self.objs.split_at_mut(si);
            a[di].data[d_o..d_o + n].copy_from_slice(&b[0].data[so..so + n]);
        } else {
            let (a, b) = self.objs.split_at_mut(di);
            b[0].data[d_o..d_o + n].copy_from_slice(&a[si].data[so..so + n]);
        }
    }

    /// Sets errno.
    fn set_errno(&mut self, e: i32) {
        st_i32(ERRNO, e, self);
    }

    /// Flushes every open stream (exit, fflush(NULL), drop).
    fn flush_all(&mut self) {
        let fds = &self.fds;
        for s in self.files.iter_mut().flatten() {
            let _ = s.flush(fds);
        }
    }
}

/// Bounds-checks `n` bytes at `p`, giving (id, offset); panics with the fault otherwise.
#[inline]
fn check(objs: &[Obj], p: P, n: u64, what: &str) -> (usize, usize) {
    let (id, off) = split(p);
    if let Some(o) = objs.get(id) {
        let len = o.data.len() as u64;
        if n <= len && off as u64 <= len - n && (n > 0 || o.kind.live()) {
            return (id, off);
        }
    }
    fault(objs, p, n, what)
}

/// Panics with a description of why `n` bytes at `p` cannot be accessed.
#[cold]
#[inline(never)]
fn fault(objs: &[Obj], p: P, n: u64, what: &str) -> ! {
    let (id, off) = split(p);
    let what = format!("{} of {} byte{}", what, n, if n == 1 { "" } else { "s" });
    if p == 0 {
        panic!("ferrox rt: null pointer dereference ({})", what)
    }
    if id == 0 {
        panic!("ferrox rt: {} through an invalid pointer {:#x} (a small integer, or null moved)", what, p)
    }
    if id as u64 >= FN_BASE as u64 && (id as u64) < FILE_BASE as u64 {
        panic!("ferrox rt: {} through a function pointer ({:#x})", what, p)
    }
    if id as u64 >= FILE_BASE as u64 && (id as u64) < VA_BASE as u64 {
        panic!("ferrox rt: {} through a FILE pointer ({:#x})", what, p)
    }
    let Some(o) = objs.get(id) else {
        panic!("ferrox rt: {} through a wild pointer {:#x} (object {} does not exist)", what, p, id)
    };
    let before = if off >= 1 << 31 { " (a pointer moved before the start of an object?)" } else { "" };
    match o.kind {
        Kind::Freed => panic!("ferrox rt: use after free: {} at offset {} of a freed heap object", what, off),
        Kind::Dead => panic!(
            "ferrox rt: use after return: {} at offset {} of a local whose function has returned",
            what, off
        ),
        Kind::Invalid => panic!("ferrox rt: {} through a pointer to reserved object {}", what, id),
        k => panic!(
            "ferrox rt: out-of-bounds {} at offset {} of a {}-byte {} object{}",
            what,
            off,
            o.data.len(),
            k.name(),
            before
        ),
    }
}

#[cold]
#[inline(never)]
fn unterminated(objs: &[Obj], p: P, what: &str) -> ! {
    let (id, off) = split(p);
    let (len, kind) = objs.get(id).map(|o| (o.data.len(), o.kind.name())).unwrap_or((0, "?"));
    panic!(
        "ferrox rt: {}: string at offset {} of a {}-byte {} object is not NUL-terminated (read past its end)",
        what, off, len, kind
    )
}

// ---- loads and stores

macro_rules! load_store {
    ($ld:ident, $st:ident, $t:ty, $n:expr) => {
        #[doc = concat!("Loads a little-endian `", stringify!($t), "` from `p`.")]
        #[inline]
        pub fn $ld(p: P, m: &Mem) -> $t {
            <$t>::from_le_bytes(m.get::<$n>(p))
        }
        #[doc = concat!("Stores a little-endian `", stringify!($t), "` at `p`.")]
        #[inline]
        pub fn $st(p: P, v: $t, m: &mut Mem) {
            m.put::<$n>(p, v.to_le_bytes())
        }
    };
}

load_store!(ld_i8, st_i8, i8, 1);
load_store!(ld_u8, st_u8, u8, 1);
load_store!(ld_i16, st_i16, i16, 2);
load_store!(ld_u16, st_u16, u16, 2);
load_store!(ld_i32, st_i32, i32, 4);
load_store!(ld_u32, st_u32, u32, 4);
load_store!(ld_i64, st_i64, i64, 8);
load_store!(ld_u64, st_u64, u64, 8);
load_store!(ld_i128, st_i128, i128, 16);
load_store!(ld_u128, st_u128, u128, 16);
load_store!(ld_f32, st_f32, f32, 4);
load_store!(ld_f64, st_f64, f64, 8);

/// Copies `n` bytes out of memory at `p`.
pub fn ld_bytes(p: P, n: u64, m: &Mem) -> Vec<u8> {
    if n == 0 {
        return Vec::new();
    }
    m.slice(p, n, "load").to_vec()
}

/// Copies `v` into memory at `p`.
pub fn st_bytes(p: P, v: &[u8], m: &mut Mem) {
    if v.is_empty() {
        return;
    }
    m.slice_mut(p, v.len() as u64, "store").copy_from_slice(v)
}

/// Reads a bit-field of `width` bits starting `bit` bits after `p` (gcc x86-64 layout).
pub fn ld_bits(p: P, bit: u32, width: u32, signed: bool, m: &Mem) -> i64 {
    let (start, shift, nbytes) = bit_span(bit, width);
    let bytes = m.slice(p.wrapping_add(start), nbytes, "bit-field load");
    let mut v: u128 = 0;
    for (i, b) in bytes.iter().enumerate() {
        v |= (*b as u128) << (8 * i);
    }
    let raw = ((v >> shift) as u64) & mask(width);
    if signed && width < 64 && raw >> (width - 1) & 1 == 1 {
        (raw | !mask(width)) as i64
    } else {
        raw as i64
    }
}

/// Writes the low `width` bits of `v` into the bit-field `bit` bits after `p`.
pub fn st_bits(p: P, bit: u32, width: u32, v: i64, m: &mut Mem) {
    let (start, shift, nbytes) = bit_span(bit, width);
    let bytes = m.slice_mut(p.wrapping_add(start), nbytes, "bit-field store");
    let mut cur: u128 = 0;
    for (i, b) in bytes.iter().enumerate() {
        cur |= (*b as u128) << (8 * i);
    }
    let fmask = (mask(width) as u128) << shift;
    cur = (cur & !fmask) | ((((v as u64) & mask(width)) as u128) << shift);
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (cur >> (8 * i)) as u8;
    }
}

/// (first byte, bit shift within it, bytes covered) of a bit-field.
fn bit_span(bit: u32, width: u32) -> (u64, u32, u64) {
    if width == 0 || width > 64 {
        panic!("ferrox rt: bit-field width {} out of range", width)
    }
    let start = (bit / 8) as u64;
    let shift = bit % 8;
    (start, shift, (shift + width).div_ceil(8) as u64)
}

fn mask(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// The bytes of the C string at `p`, without its NUL (panics past the object's end).
pub fn cstr(p: P, m: &Mem) -> Vec<u8> {
    let n = m.strlen_at(p, "string read");
    m.tail(p, "string read")[..n].to_vec()
}

/// The C string at `p` as a Rust `String` (lossy UTF-8), for messages.
pub fn cstr_lossy(p: P, m: &Mem) -> String {
    String::from_utf8_lossy(&cstr(p, m)).into_owned()
}

/// A new heap copy of `bytes` plus a NUL terminator.
pub fn new_cstr(bytes: &[u8], m: &mut Mem) -> P {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    m.alloc(Kind::Heap, v)
}

/// Size in bytes of the live object `p` points into (0 for null or a dead object).
pub fn obj_size(p: P, m: &Mem) -> u64 {
    match m.objs.get(split(p).0) {
        Some(o) if o.kind.live() => o.data.len() as u64,
        _ => 0,
    }
}

// ---- statics, heap and locals

/// Allocates the next static object: `init` zero-padded to `size` bytes (ids start at 16).
pub fn static_obj(size: u64, init: &[u8], m: &mut Mem) -> P {
    if size > MAX_OBJ || init.len() as u64 > size {
        panic!("ferrox rt: static object of {} bytes with a {}-byte initialiser", size, init.len())
    }
    let mut data = init.to_vec();
    data.resize(size as usize, 0);
    m.push_obj(Kind::Static, data)
}

/// `malloc(n)`: a new zero-filled heap object (NULL and ENOMEM when over 2 GiB).
pub fn malloc(n: u64, m: &mut Mem) -> P {
    if n > MAX_OBJ {
        m.set_errno(ENOMEM);
        return 0;
    }
    m.alloc(Kind::Heap, vec![0; n as usize])
}

/// `calloc(n, size)`: a zeroed array (NULL and ENOMEM on overflow or over 2 GiB).
pub fn calloc(n: u64, size: u64, m: &mut Mem) -> P {
    match n.checked_mul(size) {
        Some(t) => malloc(t, m),
        None => {
            m.set_errno(ENOMEM);
            0
        }
    }
}

/// Checks that `p` is the start of a live heap object, for free/realloc.
fn heap_id(p: P, what: &str, m: &Mem) -> usize {
    let (id, off) = split(p);
    match m.objs.get(id).map(|o| o.kind) {
        Some(Kind::Heap) if off == 0 => id,
        Some(Kind::Heap) => panic!("ferrox rt: {} of an interior pointer (offset {} of a heap object)", what, off),
        Some(Kind::Freed) => panic!("ferrox rt: {} of an already freed pointer (double free)", what),
        Some(k @ (Kind::Static | Kind::Local | Kind::Dead)) => {
            panic!("ferrox rt: {} of a pointer to a {} object, not to the heap", what, k.name())
        }
        _ => panic!("ferrox rt: {} of a pointer that malloc did not return ({:#x})", what, p),
    }
}

/// `realloc(p, n)`: resizes in place (same pointer); NULL p mallocs, n = 0 frees and gives NULL.
pub fn realloc(p: P, n: u64, m: &mut Mem) -> P {
    if p == 0 {
        return malloc(n, m);
    }
    let id = heap_id(p, "realloc", m);
    if n == 0 {
        m.release(id, Kind::Freed);
        return 0;
    }
    if n > MAX_OBJ {
        m.set_errno(ENOMEM);
        return 0;
    }
    m.objs[id].data.resize(n as usize, 0);
    p
}

/// `free(p)`: NULL is ignored; double free, interior or non-heap pointers panic.
pub fn free(p: P, m: &mut Mem) {
    if p == 0 {
        return;
    }
    let id = heap_id(p, "free", m);
    m.release(id, Kind::Freed);
}

/// `posix_memalign(out, align, size)`: every object starts on a 2^32 boundary, so any
/// valid alignment holds; EINVAL (returned, errno untouched) for one that is not a power of
/// two multiple of the pointer size.
pub fn posix_memalign(out: P, align: u64, size: u64, m: &mut Mem) -> i32 {
    if align < 8 || !align.is_power_of_two() {
        return EINVAL;
    }
    let p = malloc(size, m);
    if p == 0 {
        return ENOMEM;
    }
    st_u64(out, p, m);
    0
}

/// `aligned_alloc(align, size)`, `memalign`: as malloc (see posix_memalign); EINVAL for an
/// alignment that is not a power of two.
pub fn aligned_alloc(align: u64, size: u64, m: &mut Mem) -> P {
    if !align.is_power_of_two() {
        m.set_errno(EINVAL);
        return 0;
    }
    malloc(size, m)
}

/// `valloc(size)`, `pvalloc(size)`: page-aligned (as every object is); pvalloc rounds the
/// size up to whole pages.
pub fn valloc(size: u64, m: &mut Mem) -> P {
    malloc(size, m)
}
/// `pvalloc(size)`.
pub fn pvalloc(size: u64, m: &mut Mem) -> P {
    malloc(size.div_ceil(4096).max(1) * 4096, m)
}

/// `malloc_usable_size(p)`: what glibc's chunk of that request holds (16-byte chunks of at
/// least 32 bytes, 8 of them the header; page-rounded for requests it maps).
pub fn malloc_usable_size(p: P, m: &mut Mem) -> u64 {
    if p == 0 {
        return 0;
    }
    let id = heap_id(p, "malloc_usable_size", m);
    let n = m.objs[id].data.len() as u64;
    if n >= 128 * 1024 {
        return ((n + 16 + 4095) & !4095) - 16;
    }
    ((n + 8 + 15) & !15).max(32) - 8
}

/// `reallocarray(p, n, size)`: realloc to n * size bytes; NULL and ENOMEM when that overflows.
pub fn reallocarray(p: P, n: u64, size: u64, m: &mut Mem) -> P {
    match n.checked_mul(size) {
        Some(t) => realloc(p, t, m),
        None => {
            m.set_errno(ENOMEM);
            0
        }
    }
}

/// Marker of the current local-object stack depth (taken at function entry).
pub fn frame(m: &Mem) -> usize {
    m.locals.len()
}

/// A new zeroed local object (an address-taken local), released by `unwind`.
pub fn local(size: u64, m: &mut Mem) -> P {
    if size > MAX_OBJ {
        panic!("ferrox rt: local object of {} bytes overflows the stack", size)
    }
    let p = m.alloc(Kind::Local, vec![0; size as usize]);
    m.locals.push(split(p).0 as u32);
    p
}

/// `alloca(n)`: a local object of `n` bytes living until the function's `unwind`.
pub fn alloca(n: u64, m: &mut Mem) -> P {
    local(n, m)
}

/// Releases every local allocated after `mark` (at function exit).
pub fn unwind(mark: usize, m: &mut Mem) {
    while m.locals.len() > mark {
        let id = m.locals.pop().unwrap_or(0) as usize;
        m.release(id, Kind::Dead);
    }
}

// ---- setjmp / longjmp by unwinding

/// The payload a `longjmp` unwinds with: the `setjmp` it returns to and the value.
struct LongJmp {
    token: u64,
    val: i32,
}

fn quiet_long_jumps() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let p = info.payload();
            if p.downcast_ref::<LongJmp>().is_none() && p.downcast_ref::<ThreadExit>().is_none() {
                previous(info);
            }
        }));
    });
}

/// `if (!setjmp(buf)) body else …`: runs `body` and returns 0, or the (non-zero) value
/// of a `longjmp(buf, v)` made anywhere under it, after releasing the locals of the
/// frames it unwound. The token in `buf` names this call while it runs.
pub fn setjmp_run(buf: P, m: &mut Mem, body: &mut dyn FnMut(&mut Mem)) -> i32 {
    quiet_long_jumps();
    m.jmp_next += 1;
    let token = m.jmp_next;
    st_bytes(buf, &token.to_le_bytes(), m);
    let mark = frame(m);
    let depth = m.jmp_active.len();
    m.jmp_active.push(token);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&mut *m)));
    m.jmp_active.truncate(depth);
    match run {
        Ok(()) => 0,
        Err(payload) => match payload.downcast::<LongJmp>() {
            Ok(j) if j.token == token => {
                unwind(mark, m);
                if j.val == 0 { 1 } else { j.val }
            }
            Ok(j) => std::panic::resume_unwind(j),
            Err(other) => std::panic::resume_unwind(other),
        },
    }
}

/// `setjmp(buf)` whose value is stored or tested other than by `if (!setjmp(buf))`: the
/// code after it cannot run a second time, so it returns 0 once and a `longjmp` to `buf`
/// panics, naming `at` (a program whose longjmp comes only from a signal handler, which
/// the runtime never calls, runs as in C).
pub fn setjmp_once(buf: P, at: &'static str, m: &mut Mem) -> i32 {
    m.jmp_next += 1;
    let token = m.jmp_next;
    st_bytes(buf, &token.to_le_bytes(), m);
    m.jmp_once.insert(token, at);
    0
}

/// `longjmp(buf, val)`: back to the running `setjmp` that filled `buf`; a `buf` whose
/// `setjmp` has returned is undefined behaviour in C and a panic here.
pub fn longjmp(buf: P, val: i32, m: &mut Mem) -> ! {
    let mut b = [0u8; 8];
    b.copy_from_slice(&ld_bytes(buf, 8, m));
    let token = u64::from_le_bytes(b);
    if let Some(at) = m.jmp_once.get(&token) {
        panic!(
            "ferrox rt: longjmp to the setjmp at {}, translated to return only once (its value is used outside `if (!setjmp(buf)) ... else ...`)",
            at
        );
    }
    if !m.jmp_active.contains(&token) {
        panic!("ferrox rt: longjmp to a jmp_buf whose setjmp is not running");
    }
    std::panic::panic_any(LongJmp { token, val })
}

// ---- variadic arguments

/// One variadic argument after C's default promotions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Va {
    /// Any integer or pointer (signed sign-extended, unsigned zero-extended).
    I(i64),
    /// A float or double.
    F(f64),
}

impl Va {
    fn int(self) -> i64 {
        match self {
            Va::I(v) => v,
            Va::F(f) => f as i64,
        }
    }
    fn float(self) -> f64 {
        match self {
            Va::F(f) => f,
            Va::I(v) => v as f64,
        }
    }
}

/// Reads the va_list handle stored at `ap`, giving its slot.
fn va_slot(ap: P, m: &Mem) -> usize {
    let h = ld_u64(ap, m);
    let slot = (h >> 32).wrapping_sub(VA_BASE as u64) as usize;
    if h as u32 != 0 || (h >> 32) < VA_BASE as u64 || m.vas.get(slot).is_none_or(|v| v.is_none()) {
        panic!("ferrox rt: va_arg/va_end on a va_list that va_start did not set up ({:#x})", h)
    }
    slot
}

fn va_new(st: VaState, m: &mut Mem) -> P {
    let slot = match m.va_free.pop() {
        Some(s) => {
            m.vas[s] = Some(st);
            s
        }
        None => {
            m.vas.push(Some(st));
            m.vas.len() - 1
        }
    };
    ((VA_BASE as u64) + slot as u64) << 32
}

fn va_next(ap: P, m: &mut Mem) -> Va {
    let slot = va_slot(ap, m);
    let st = m.vas[slot].as_mut().expect("va slot");
    match st.args.get(st.pos) {
        Some(v) => {
            st.pos += 1;
            *v
        }
        None => panic!("ferrox rt: va_arg past the last variadic argument ({} passed)", st.args.len()),
    }
}

/// The remaining arguments of the va_list at `ap` (for the v* printf/scanf functions).
fn va_rest(ap: P, m: &Mem) -> Vec<Va> {
    let slot = va_slot(ap, m);
    let st = m.vas[slot].as_ref().expect("va slot");
    st.args[st.pos.min(st.args.len())..].to_vec()
}

/// `va_start(ap, last)`: stores a handle for `va` in the va_list object at `ap`.
pub fn va_start(ap: P, va: &[Va], m: &mut Mem) {
    let h = va_new(VaState { args: va.to_vec(), pos: 0 }, m);
    st_u64(ap, h, m);
}

/// `va_arg(ap, <integer or pointer type>)`: the next argument as i64 (cast to the type by the caller).
pub fn va_arg_i64(ap: P, m: &mut Mem) -> i64 {
    va_next(ap, m).int()
}

/// `va_arg(ap, double)`.
pub fn va_arg_f64(ap: P, m: &mut Mem) -> f64 {
    va_next(ap, m).float()
}

/// `va_end(ap)`: releases the handle.
pub fn va_end(ap: P, m: &mut Mem) {
    if ld_u64(ap, m) == 0 {
        return;
    }
    let slot = va_slot(ap, m);
    m.vas[slot] = None;
    m.va_free.push(slot);
    st_u64(ap, 0, m);
}

/// `va_copy(dst, src)`: `dst` gets its own handle at `src`'s position.
pub fn va_copy(dst: P, src: P, m: &mut Mem) {
    let slot = va_slot(src, m);
    let st = m.vas[slot].clone().expect("va slot");
    let h = va_new(st, m);
    st_u64(dst, h, m);
}

/// Arguments for the formatters: a slice read in order (or by `n$` position).
struct Args<'a> {
    args: &'a [Va],
    pos: usize,
}

impl Args<'_> {
    fn next(&mut self) -> Va {
        let v = self.args.get(self.pos).copied().unwrap_or(Va::I(0));
        self.pos += 1;
        v
    }
}

// ---- file descriptors (shared by the FILE streams and the POSIX calls)

/// One open file description; dup'd descriptors share it (and so its offset).
#[derive(Clone)]
struct FdEntry {
    file: Arc<std::fs::File>,
    /// The open(2) flags it was opened with (access mode, O_APPEND, ...).
    flags: i32,
}

/// The descriptor table: index = descriptor number.
type Fds = [Option<FdEntry>];

/// glibc's errno for an I/O error (EIO when it carries none).
fn os_errno(e: &std::io::Error) -> i32 {
    if let Some(n) = e.raw_os_error() {
        return n;
    }
    match e.kind() {
        std::io::ErrorKind::InvalidInput => EINVAL,
        std::io::ErrorKind::NotFound => ENOENT,
        std::io::ErrorKind::PermissionDenied => EACCES,
        std::io::ErrorKind::AlreadyExists => EEXIST,
        std::io::ErrorKind::OutOfMemory => ENOMEM,
        _ => EIO,
    }
}

/// The file behind descriptor `fd`, or EBADF.
fn fd_file(fds: &Fds, fd: i32) -> Result<&std::fs::File, i32> {
    match usize::try_from(fd).ok().and_then(|i| fds.get(i)).and_then(|e| e.as_ref()) {
        Some(e) => Ok(&e.file),
        None => Err(EBADF),
    }
}

/// The table entry of descriptor `fd`, or EBADF.
fn fd_entry(fds: &Fds, fd: i32) -> Result<&FdEntry, i32> {
    match usize::try_from(fd).ok().and_then(|i| fds.get(i)).and_then(|e| e.as_ref()) {
        Some(e) => Ok(e),
        None => Err(EBADF),
    }
}

/// Writes all of `b` to descriptor `fd` (after seeking to the end when `append`).
fn fd_write_all(fds: &Fds, fd: i32, b: &[u8], append: bool) -> Result<(), i32> {
    let mut f = fd_file(fds, fd)?;
    if append {
        f.seek(SeekFrom::End(0)).map_err(|e| os_errno(&e))?;
    }
    f.write_all(b).map_err(|e| os_errno(&e))
}

/// One read(2) from descriptor `fd` into `buf` (retried on EINTR).
fn fd_read(fds: &Fds, fd: i32, buf: &mut [u8]) -> Result<usize, i32> {
    let mut f = fd_file(fds, fd)?;
    loop {
        match f.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(os_errno(&e)),
        }
    }
}

/// lseek(2) on descriptor `fd`.
fn fd_seek(fds: &Fds, fd: i32, to: SeekFrom) -> Result<u64, i32> {
    let mut f = fd_file(fds, fd)?;
    f.seek(to).map_err(|e| os_errno(&e))
}

/// The open flags of inherited descriptor `n`, from /proc/self/fdinfo (O_RDWR when unknown).
fn inherited_flags(n: i32) -> i32 {
    let text = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", n)).unwrap_or_default();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("flags:") {
            if let Ok(f) = i32::from_str_radix(v.trim(), 8) {
                return f;
            }
        }
    }
    O_RDWR
}

/// The table entry for an inherited standard descriptor (None when it is closed).
fn std_fd_entry(fd: std::os::fd::BorrowedFd<'_>, n: i32) -> Option<FdEntry> {
    let owned = fd.try_clone_to_owned().ok()?;
    Some(FdEntry { file: Arc::new(std::fs::File::from(owned)), flags: inherited_flags(n) })
}

/// Puts `e` at the lowest free descriptor number (EMFILE past the open-files limit).
fn install_fd(e: FdEntry, m: &mut Mem) -> Result<i32, i32> {
    if let Some(i) = m.fds.iter().position(|s| s.is_none()) {
        m.fds[i] = Some(e);
        return Ok(i as i32);
    }
    if m.fds.len() >= fd_limit(m) {
        return Err(EMFILE);
    }
    m.fds.push(Some(e));
    Ok(m.fds.len() as i32 - 1)
}

/// The soft limit on open files (RLIMIT_NOFILE, read from /proc once; 1024 when unknown).
fn fd_limit(m: &mut Mem) -> usize {
    if m.fd_limit == 0 {
        let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        m.fd_limit = text
            .lines()
            .find_map(|l| l.strip_prefix("Max open files"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1024)
            .clamp(3, 1 << 20);
    }
    m.fd_limit
}

// ---- streams (FILE)

/// glibc's `BUFSIZ`, the largest stream buffer it allocates.
const BUFSIZ: usize = 8192;

/// One open FILE over a descriptor: read-ahead, pushed-back and pending bytes, and the C flags.
struct Stream {
    fd: i32,
    readable: bool,
    writable: bool,
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
    /// ungetc'd bytes, last pushed on top.
    unget: Vec<u8>,
    eof: bool,
    err: bool,
    line_buffered: bool,
    /// stderr: every write goes straight out.
    unbuffered: bool,
    /// glibc's buffer size for the descriptor: its st_blksize, at most BUFSIZ.
    bufsize: usize,
    /// Whether glibc would have allocated the buffer yet (its first write writes whole blocks directly).
    allocated: bool,
    /// fdopen "a" on a descriptor without O_APPEND: seek to the end before each write.
    append: bool,
}

impl Stream {
    /// A stream over `fd`, buffered as glibc buffers it (line-buffered on a terminal).
    fn new(fd: i32, readable: bool, writable: bool, fds: &Fds) -> Stream {
        let (bufsize, tty) = match fd_file(fds, fd) {
            Ok(f) => {
                let bs = f.metadata().map(|md| md.blksize() as usize).unwrap_or(0);
                (if bs > 0 && bs < BUFSIZ { bs } else { BUFSIZ }, f.is_terminal())
            }
            Err(_) => (BUFSIZ, false),
        };
        Stream {
            fd,
            readable,
            writable,
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
            unget: Vec::new(),
            eof: false,
            err: false,
            line_buffered: tty,
            unbuffered: false,
            bufsize,
            allocated: false,
            append: false,
        }
    }

    /// Bytes read ahead of the program's position.
    fn unread(&self) -> usize {
        self.rbuf.len() - self.rpos + self.unget.len()
    }

    /// Writes `b` to the descriptor; an error sets the error flag.
    fn emit(&mut self, b: &[u8], fds: &Fds) -> Result<(), i32> {
        let r = fd_write_all(fds, self.fd, b, self.append);
        if r.is_err() {
            self.err = true;
        }
        r
    }

    /// Writes out pending bytes (errno value on an I/O error, which sets the error flag).
    fn flush(&mut self, fds: &Fds) -> Result<(), i32> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let mut data = std::mem::take(&mut self.wbuf);
        let r = self.emit(&data, fds);
        data.clear();
        self.wbuf = data;
        r
    }

    /// Writes out the first `n` pending bytes, keeping the rest.
    fn flush_prefix(&mut self, n: usize, fds: &Fds) -> Result<(), i32> {
        let rest = self.wbuf.split_off(n);
        let r = self.flush(fds);
        self.wbuf = rest;
        r
    }

    /// Drops read-ahead, moving the descriptor's position back to the program's position.
    fn sync_read(&mut self, fds: &Fds) {
        let unread = self.unread();
        if unread > 0 {
            let _ = fd_seek(fds, self.fd, SeekFrom::Current(-(unread as i64)));
        }
        self.rbuf.clear();
        self.rpos = 0;
        self.unget.clear();
    }

    /// Reads the next chunk into the (exhausted) read buffer: Ok(false) at end of file.
    fn fill(&mut self, fds: &Fds) -> Result<bool, i32> {
        if !self.readable {
            self.err = true;
            return Err(EBADF);
        }
        if self.eof {
            return Ok(false);
        }
        if !self.wbuf.is_empty() {
            let _ = self.flush(fds);
        }
        self.allocated = true;
        self.rbuf.resize(self.bufsize, 0);
        self.rpos = 0;
        match fd_read(fds, self.fd, &mut self.rbuf) {
            Ok(0) => {
                self.rbuf.clear();
                self.eof = true;
                Ok(false)
            }
            Ok(n) => {
                self.rbuf.truncate(n);
                Ok(true)
            }
            Err(e) => {
                self.rbuf.clear();
                self.err = true;
                Err(e)
            }
        }
    }

    /// Appends bytes to the stream, flushing where glibc's `_IO_new_file_xsputn` would: a full
    /// buffer goes out, then whole blocks of the rest directly, and the remainder is kept.
    fn write(&mut self, b: &[u8], fds: &Fds) -> Result<(), i32> {
        if !self.rbuf.is_empty() || !self.unget.is_empty() {
            self.sync_read(fds);
        }
        if self.unbuffered {
            self.wbuf.extend_from_slice(b);
            return self.flush(fds);
        }
        let bs = self.bufsize;
        let mut count = if self.allocated { bs.saturating_sub(self.wbuf.len()) } else { 0 };
        let mut must_flush = false;
        if self.line_buffered && self.allocated && count >= b.len() {
            if let Some(i) = b.iter().rposition(|&c| c == b'\n') {
                count = i + 1;
                must_flush = true;
            }
        }
        let c = count.min(b.len());
        self.wbuf.extend_from_slice(&b[..c]);
        let rest = &b[c..];
        if rest.is_empty() && !must_flush {
            return Ok(());
        }
        if self.allocated {
            self.flush(fds)?;
        }
        self.allocated = true;
        let direct = rest.len() - rest.len() % bs;
        if direct > 0 {
            self.emit(&rest[..direct], fds)?;
        }
        self.wbuf.extend_from_slice(&rest[direct..]);
        if self.line_buffered {
            if let Some(i) = self.wbuf.iter().rposition(|&c| c == b'\n') {
                return self.flush_prefix(i + 1, fds);
            }
        }
        Ok(())
    }
}

/// The index of the open stream `f`, or a panic naming what was wrong with it.
fn file_index(f: P, what: &str, m: &Mem) -> usize {
    let id = (f >> 32) as u32;
    let k = id.wrapping_sub(FILE_BASE) as usize;
    if f as u32 == 0 && (FILE_BASE..VA_BASE).contains(&id) && k < m.files.len() {
        if m.files[k].is_some() {
            return k;
        }
        panic!("ferrox rt: {} on a closed FILE", what)
    }
    if f == 0 {
        panic!("ferrox rt: {} on a NULL FILE pointer", what)
    }
    panic!("ferrox rt: {} on a pointer that is not a FILE ({:#x})", what, f)
}

fn stream<'a>(f: P, what: &str, m: &'a mut Mem) -> &'a mut Stream {
    let k = file_index(f, what, m);
    m.files[k].as_mut().expect("open stream")
}

fn file_handle(k: usize) -> P {
    ((FILE_BASE as u64) + k as u64) << 32
}

/// Adds a stream to the FILE table, giving its handle.
fn push_stream(s: Stream, m: &mut Mem) -> P {
    m.files.push(Some(s));
    file_handle(m.files.len() - 1)
}

/// Refills stream `k` (reading fd 0 first flushes line-buffered output, as glibc does).
fn fill_k(k: usize, m: &mut Mem) -> bool {
    let Mem { files, fds, .. } = m;
    if files[k].as_ref().is_some_and(|s| s.fd == 0) {
        for s in files.iter_mut().flatten() {
            if s.line_buffered {
                let _ = s.flush(fds);
            }
        }
    }
    let s = files[k].as_mut().expect("open stream");
    match s.fill(fds) {
        Ok(more) => more,
        Err(e) => {
            m.set_errno(e);
            false
        }
    }
}

/// Next byte of stream `k`, or EOF.
#[inline]
fn getc_k(k: usize, m: &mut Mem) -> i32 {
    let s = m.files[k].as_mut().expect("open stream");
    if let Some(c) = s.unget.pop() {
        return c as i32;
    }
    if s.rpos < s.rbuf.len() {
        s.rpos += 1;
        return s.rbuf[s.rpos - 1] as i32;
    }
    if !fill_k(k, m) {
        return EOF;
    }
    let s = m.files[k].as_mut().expect("open stream");
    s.rpos = 1;
    s.rbuf[0] as i32
}

/// Up to `n` bytes from stream `k` (fewer at end of file).
fn read_k(k: usize, n: usize, m: &mut Mem) -> Vec<u8> {
    let mut out = Vec::with_capacity(n.min(1 << 16));
    while out.len() < n {
        let s = m.files[k].as_mut().expect("open stream");
        if let Some(c) = s.unget.pop() {
            out.push(c);
            continue;
        }
        if s.rpos < s.rbuf.len() {
            let take = (n - out.len()).min(s.rbuf.len() - s.rpos);
            out.extend_from_slice(&s.rbuf[s.rpos..s.rpos + take]);
            s.rpos += take;
            continue;
        }
        if !fill_k(k, m) {
            break;
        }
    }
    out
}

/// Writes `b` to stream `k`; false (errno set) on error.
fn write_k(k: usize, b: &[u8], m: &mut Mem) -> bool {
    let Mem { files, fds, .. } = m;
    let s = files[k].as_mut().expect("open stream");
    let r = if s.writable {
        s.write(b, fds)
    } else {
        s.err = true;
        Err(EBADF)
    };
    match r {
        Ok(()) => true,
        Err(e) => {
            m.set_errno(e);
            false
        }
    }
}

/// Writes `b` to the FILE `f`; false on error.
fn write_file(f: P, b: &[u8], what: &str, m: &mut Mem) -> bool {
    let k = file_index(f, what, m);
    write_k(k, b, m)
}

/// Flushes stream `k`: 0, or EOF with errno.
fn flush_k(k: usize, m: &mut Mem) -> i32 {
    let Mem { files, fds, .. } = m;
    let s = files[k].as_mut().expect("open stream");
    match s.flush(fds) {
        Ok(()) => 0,
        Err(e) => {
            m.set_errno(e);
            EOF
        }
    }
}

/// The FILE handle currently in the C variable `stdin` (etc.).
fn std_file(var: P, m: &Mem) -> P {
    ld_u64(var, m)
}

/// A C fopen mode: (open flags, readable, writable), or None for an invalid mode.
fn fopen_flags(mode: &[u8]) -> Option<(i32, bool, bool)> {
    let plus = mode.len() > 1 && mode[1..].contains(&b'+');
    let excl = mode.len() > 1 && mode[1..].contains(&b'x');
    let wr = if plus { O_RDWR } else { O_WRONLY };
    let x = if excl { O_EXCL } else { 0 };
    match mode.first() {
        Some(b'r') => Some((if plus { O_RDWR } else { O_RDONLY }, true, plus)),
        Some(b'w') => Some((wr | O_CREAT | O_TRUNC | x, plus, true)),
        Some(b'a') => Some((wr | O_CREAT | O_APPEND | x, plus, true)),
        _ => None,
    }
}

/// open(2) on a real file: the access mode through std, every other flag passed on as is.
fn open_file(name: &[u8], flags: i32, mode: u32) -> Result<std::fs::File, i32> {
    let mut o = std::fs::OpenOptions::new();
    let mut extra = 0;
    match flags & O_ACCMODE {
        O_RDONLY => o.read(true),
        O_WRONLY => o.write(true),
        O_RDWR => o.read(true).write(true),
        // Linux's access mode 3 (neither read nor write): an O_PATH descriptor behaves alike
        _ => {
            extra = O_PATH;
            o.read(true)
        }
    };
    o.custom_flags((flags & !O_ACCMODE) | extra).mode(mode);
    o.open(OsStr::from_bytes(name)).map_err(|e| os_errno(&e))
}

/// Opens `name` with a C mode string: a new descriptor and a stream over it.
fn open_stream(name: &[u8], mode: &[u8], m: &mut Mem) -> Result<Stream, i32> {
    let (flags, r, w) = fopen_flags(mode).ok_or(EINVAL)?;
    let f = open_file(name, flags, 0o666)?;
    let fd = install_fd(FdEntry { file: Arc::new(f), flags }, m)?;
    Ok(Stream::new(fd, r, w, &m.fds))
}

/// `fopen(path, mode)`: a FILE handle, or NULL with errno set.
pub fn fopen(path: P, mode: P, m: &mut Mem) -> P {
    let (name, md) = (cstr(path, m), cstr(mode, m));
    match open_stream(&name, &md, m) {
        Ok(s) => push_stream(s, m),
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// Closes descriptor `fd` when it is open (no error otherwise).
fn drop_fd(fd: i32, m: &mut Mem) {
    if let Some(slot) = usize::try_from(fd).ok().and_then(|i| m.fds.get_mut(i)) {
        *slot = None;
    }
}

/// `freopen(path, mode, f)`: reopens `f` on another file, keeping its descriptor number as
/// glibc does (so `freopen(..., stdout)` also redirects fd 1); NULL path keeps the file.
pub fn freopen(path: P, mode: P, f: P, m: &mut Mem) -> P {
    let k = file_index(f, "freopen", m);
    if path == 0 {
        return f;
    }
    let (name, md) = (cstr(path, m), cstr(mode, m));
    let mut old = m.files[k].take().expect("open stream");
    let _ = old.flush(&m.fds);
    drop_fd(old.fd, m);
    let r = fopen_flags(&md).ok_or(EINVAL).and_then(|(flags, r, w)| Ok((open_file(&name, flags, 0o666)?, flags, r, w)));
    match r {
        Ok((file, flags, r, w)) => {
            let fd = old.fd.max(0);
            let i = fd as usize;
            if m.fds.len() <= i {
                m.fds.resize(i + 1, None);
            }
            m.fds[i] = Some(FdEntry { file: Arc::new(file), flags });
            let mut s = Stream::new(fd, r, w, &m.fds);
            s.unbuffered = old.unbuffered;
            m.files[k] = Some(s);
            f
        }
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// Where a memory stream's bytes go when it is flushed: `fmemopen`'s buffer, or the
/// `open_memstream` pointer and size variables.
enum MemStream {
    Buffer { buf: P, size: u64 },
    Dynamic { ptr_var: P, size_var: P },
}

/// An unlinked scratch file for a memory stream, holding `init`, positioned at `pos`.
fn scratch_fd(init: &[u8], pos: u64, m: &mut Mem) -> Result<i32, i32> {
    m.tmp_count += 1;
    let path = std::env::temp_dir().join(format!("ferrox-memstream-{}-{}", std::process::id(), m.tmp_count));
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| os_errno(&e))?;
    let _ = std::fs::remove_file(&path);
    f.write_all(init).and_then(|_| f.seek(SeekFrom::Start(pos))).map_err(|e| os_errno(&e))?;
    install_fd(FdEntry { file: Arc::new(f), flags: O_RDWR }, m)
}

/// Copies a memory stream's bytes to where C sees them (after a flush).
fn mem_write_back(fd: i32, m: &mut Mem) {
    use std::os::unix::fs::FileExt;
    let Some(ms) = m.mem_streams.get(&fd) else { return };
    let Ok(file) = fd_file(&m.fds, fd).map(|f| f.try_clone()) else { return };
    let Ok(file) = file else { return };
    let len = file.metadata().map(|md| md.len()).unwrap_or(0);
    let mut data = vec![0u8; len.min(MAX_OBJ) as usize];
    let _ = file.read_at(&mut data, 0);
    match *ms {
        MemStream::Buffer { buf, size } => {
            let n = data.len().min(size as usize);
            st_bytes(buf, &data[..n], m);
            if (n as u64) < size {
                st_u8(buf.wrapping_add(n as u64), 0, m);
            }
        }
        MemStream::Dynamic { ptr_var, size_var } => {
            let old = ld_u64(ptr_var, m);
            let p = realloc(old, data.len() as u64 + 1, m);
            data.push(0);
            st_bytes(p, &data, m);
            st_u64(ptr_var, p, m);
            st_u64(size_var, len, m);
        }
    }
}

/// `fmemopen(buf, size, mode)`: a stream over the `size` bytes at `buf` (NULL buf: a buffer
/// of its own); what is written reaches `buf` at fflush and fclose, NUL-terminated when
/// there is room, as glibc does. "w" empties the buffer, "a" starts at its first NUL.
pub fn fmemopen(buf: P, size: u64, mode: P, m: &mut Mem) -> P {
    let md = cstr(mode, m);
    let Some((_, r, w)) = fopen_flags(&md) else {
        m.set_errno(EINVAL);
        return 0;
    };
    if size == 0 {
        m.set_errno(EINVAL);
        return 0;
    }
    let buf = if buf == 0 { malloc(size, m) } else { buf };
    let bytes = ld_bytes(buf, size, m);
    let (init, pos): (Vec<u8>, u64) = match md[0] {
        b'w' => {
            st_u8(buf, 0, m);
            (Vec::new(), 0)
        }
        b'a' => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            (bytes[..end].to_vec(), end as u64)
        }
        _ => (bytes, 0),
    };
    match scratch_fd(&init, pos, m) {
        Ok(fd) => {
            m.mem_streams.insert(fd, MemStream::Buffer { buf, size });
            push_stream(Stream::new(fd, r, w, &m.fds), m)
        }
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// `open_memstream(ptr, size)`: a write stream into a growing buffer; at fflush and fclose
/// `*ptr` is the (NUL-terminated) buffer and `*size` the bytes written.
pub fn open_memstream(ptr_var: P, size_var: P, m: &mut Mem) -> P {
    match scratch_fd(&[], 0, m) {
        Ok(fd) => {
            m.mem_streams.insert(fd, MemStream::Dynamic { ptr_var, size_var });
            mem_write_back(fd, m);
            push_stream(Stream::new(fd, false, true, &m.fds), m)
        }
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// `fclose(f)`: flushes, closes the stream and its descriptor; 0, or EOF with errno.
pub fn fclose(f: P, m: &mut Mem) -> i32 {
    let k = file_index(f, "fclose", m);
    let mut s = m.files[k].take().expect("open stream");
    let mut r = s.flush(&m.fds);
    if fd_file(&m.fds, s.fd).is_err() {
        r = r.and(Err(EBADF));
    }
    mem_write_back(s.fd, m);
    m.mem_streams.remove(&s.fd);
    drop_fd(s.fd, m);
    match r {
        Ok(()) => 0,
        Err(e) => {
            m.set_errno(e);
            EOF
        }
    }
}

/// `fflush(f)`: writes pending output (NULL: every stream); an input stream drops its read-ahead.
pub fn fflush(f: P, m: &mut Mem) -> i32 {
    if f == 0 {
        m.flush_all();
        return 0;
    }
    let k = file_index(f, "fflush", m);
    let Mem { files, fds, .. } = m;
    let s = files[k].as_mut().expect("open stream");
    if !s.rbuf.is_empty() && fd_seek(fds, s.fd, SeekFrom::Current(0)).is_ok() {
        s.sync_read(fds);
    }
    let fd = s.fd;
    let r = flush_k(k, m);
    mem_write_back(fd, m);
    r
}

/// `fseek(f, off, whence)`: 0, or -1 with errno (EINVAL, ESPIPE for pipes and terminals).
pub fn fseek(f: P, off: i64, whence: i32, m: &mut Mem) -> i32 {
    let k = file_index(f, "fseek", m);
    let Mem { files, fds, .. } = m;
    let s = files[k].as_mut().expect("open stream");
    let unread = s.unread() as i64;
    let to = match whence {
        SEEK_SET if off >= 0 => Some(SeekFrom::Start(off as u64)),
        SEEK_CUR => Some(SeekFrom::Current(off.saturating_sub(unread))),
        SEEK_END => Some(SeekFrom::End(off)),
        _ => None,
    };
    let r = match to {
        None => Err(EINVAL),
        Some(to) => s.flush(fds).and_then(|_| fd_seek(fds, s.fd, to)),
    };
    match r {
        Ok(_) => {
            s.rbuf.clear();
            s.rpos = 0;
            s.unget.clear();
            s.eof = false;
            0
        }
        Err(e) => {
            m.set_errno(e);
            -1
        }
    }
}

/// `ftell(f)`: the position, or -1 with errno (ESPIPE for pipes, without flushing).
pub fn ftell(f: P, m: &mut Mem) -> i64 {
    let k = file_index(f, "ftell", m);
    let Mem { files, fds, .. } = m;
    let s = files[k].as_mut().expect("open stream");
    let unread = s.unread() as i64;
    let r = fd_seek(fds, s.fd, SeekFrom::Current(0)).and_then(|p| {
        if s.wbuf.is_empty() {
            Ok(p)
        } else {
            s.flush(fds).and_then(|_| fd_seek(fds, s.fd, SeekFrom::Current(0)))
        }
    });
    match r {
        Ok(p) => p as i64 - unread,
        Err(e) => {
            m.set_errno(e);
            -1
        }
    }
}

/// `fseeko(f, off, whence)`: `fseek` with an `off_t` offset.
pub fn fseeko(f: P, off: i64, whence: i32, m: &mut Mem) -> i32 {
    fseek(f, off, whence, m)
}

/// `ftello(f)`: `ftell` as an `off_t`.
pub fn ftello(f: P, m: &mut Mem) -> i64 {
    ftell(f, m)
}

/// `rewind(f)`: seek to the start and clear the error flag.
pub fn rewind(f: P, m: &mut Mem) {
    fseek(f, 0, SEEK_SET, m);
    stream(f, "rewind", m).err = false;
}

/// `feof(f)`.
pub fn feof(f: P, m: &mut Mem) -> i32 {
    stream(f, "feof", m).eof as i32
}

/// `ferror(f)`.
pub fn ferror(f: P, m: &mut Mem) -> i32 {
    stream(f, "ferror", m).err as i32
}

/// `clearerr(f)`.
pub fn clearerr(f: P, m: &mut Mem) {
    let s = stream(f, "clearerr", m);
    s.eof = false;
    s.err = false;
}

/// `fileno(f)`: the descriptor the stream reads and writes (0, 1, 2 for the standard streams).
pub fn fileno(f: P, m: &mut Mem) -> i32 {
    stream(f, "fileno", m).fd
}

/// `setvbuf`: accepted and ignored (returns 0).
pub fn setvbuf(f: P, _buf: P, _mode: i32, _size: u64, m: &mut Mem) -> i32 {
    file_index(f, "setvbuf", m);
    0
}

/// `setbuf`: ignored.
pub fn setbuf(f: P, _buf: P, m: &mut Mem) {
    file_index(f, "setbuf", m);
}

/// `fgetc(f)`: the next byte as unsigned char, or EOF.
#[inline]
pub fn fgetc(f: P, m: &mut Mem) -> i32 {
    let k = file_index(f, "fgetc", m);
    getc_k(k, m)
}

/// `getc(f)`.
#[inline]
pub fn getc(f: P, m: &mut Mem) -> i32 {
    fgetc(f, m)
}

/// `getchar()`.
#[inline]
pub fn getchar(m: &mut Mem) -> i32 {
    let f = std_file(STDIN_VAR, m);
    fgetc(f, m)
}

/// `ungetc(c, f)`: pushes a byte back (any number of them); EOF is refused.
pub fn ungetc(c: i32, f: P, m: &mut Mem) -> i32 {
    let s = stream(f, "ungetc", m);
    if c == EOF {
        return EOF;
    }
    s.unget.push(c as u8);
    s.eof = false;
    c as u8 as i32
}

/// `fputc(c, f)`: writes one byte; returns it as unsigned char, or EOF.
#[inline]
pub fn fputc(c: i32, f: P, m: &mut Mem) -> i32 {
    if write_file(f, &[c as u8], "fputc", m) {
        c as u8 as i32
    } else {
        EOF
    }
}

/// `putc(c, f)`.
#[inline]
pub fn putc(c: i32, f: P, m: &mut Mem) -> i32 {
    fputc(c, f, m)
}

/// `putchar(c)`.
#[inline]
pub fn putchar(c: i32, m: &mut Mem) -> i32 {
    let f = std_file(STDOUT_VAR, m);
    fputc(c, f, m)
}

/// `fputs(s, f)`: 1 on success (as glibc), EOF on error.
pub fn fputs(s: P, f: P, m: &mut Mem) -> i32 {
    let b = cstr(s, m);
    if write_file(f, &b, "fputs", m) {
        1
    } else {
        EOF
    }
}

/// `puts(s)`: the string and a newline; returns its length + 1 (as glibc).
pub fn puts(s: P, m: &mut Mem) -> i32 {
    let b = cstr(s, m);
    let f = std_file(STDOUT_VAR, m);
    // two writes, as glibc's _IO_sputn + putc (they flush at different points)
    if write_file(f, &b, "puts", m) && write_file(f, b"\n", "puts", m) {
        (b.len() + 1).min(i32::MAX as usize) as i32
    } else {
        EOF
    }
}

/// `fgets(buf, n, f)`: a line (newline kept) of at most n-1 bytes plus NUL; NULL at end of file.
pub fn fgets(buf: P, n: i32, f: P, m: &mut Mem) -> P {
    let k = file_index(f, "fgets", m);
    if n <= 0 {
        return 0;
    }
    if n == 1 {
        st_u8(buf, 0, m);
        return buf;
    }
    let mut line = Vec::new();
    while line.len() < (n - 1) as usize {
        let c = getc_k(k, m);
        if c == EOF {
            break;
        }
        line.push(c as u8);
        if c == b'\n' as i32 {
            break;
        }
    }
    if line.is_empty() {
        return 0;
    }
    line.push(0);
    st_bytes(buf, &line, m);
    buf
}

/// `getdelim(lineptr, n, delim, f)`: reads through `delim`, growing `*lineptr` with realloc.
pub fn getdelim(lineptr: P, n: P, delim: i32, f: P, m: &mut Mem) -> i64 {
    let k = file_index(f, "getdelim", m);
    let mut line = Vec::new();
    loop {
        let c = getc_k(k, m);
        if c == EOF {
            break;
        }
        line.push(c as u8);
        if c == delim as u8 as i32 {
            break;
        }
    }
    if line.is_empty() {
        return -1;
    }
    let mut buf = ld_u64(lineptr, m);
    let mut cap = ld_u64(n, m);
    if buf == 0 || cap == 0 {
        cap = 120;
        buf = realloc(buf, cap, m);
    }
    let need = line.len() as u64 + 1;
    if need > cap {
        cap = need.max(2 * cap);
        buf = realloc(buf, cap, m);
    }
    st_u64(lineptr, buf, m);
    st_u64(n, cap, m);
    let len = line.len() as i64;
    line.push(0);
    st_bytes(buf, &line, m);
    len
}

/// `getline(lineptr, n, f)`.
pub fn getline(lineptr: P, n: P, f: P, m: &mut Mem) -> i64 {
    getdelim(lineptr, n, b'\n' as i32, f, m)
}

/// `fread(ptr, size, nmemb, f)`: the number of whole items read.
pub fn fread(ptr: P, size: u64, nmemb: u64, f: P, m: &mut Mem) -> u64 {
    let k = file_index(f, "fread", m);
    let total = size.saturating_mul(nmemb);
    if total == 0 {
        return 0;
    }
    // as C (and ASan) see it, only the bytes actually read are stored: a buffer smaller
    // than the request is fine when the stream ends first
    let room = m.tail(ptr, "fread store").len() as u64;
    let data = read_k(k, total.min(room + 1).min(MAX_OBJ) as usize, m);
    check(&m.objs, ptr, data.len() as u64, "fread store");
    st_bytes(ptr, &data, m);
    data.len() as u64 / size
}

/// `fwrite(ptr, size, nmemb, f)`: the number of items written.
pub fn fwrite(ptr: P, size: u64, nmemb: u64, f: P, m: &mut Mem) -> u64 {
    let k = file_index(f, "fwrite", m);
    let total = size.saturating_mul(nmemb);
    if total == 0 {
        return 0;
    }
    let (id, off) = check(&m.objs, ptr, total, "fwrite load");
    let Mem { objs, files, fds, .. } = m;
    let src = &objs[id].data[off..off + total as usize];
    let s = files[k].as_mut().expect("open stream");
    let r = if s.writable {
        s.write(src, fds)
    } else {
        s.err = true;
        Err(EBADF)
    };
    match r {
        Ok(()) => nmemb,
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// `perror(s)`: "s: <strerror(errno)>" on stderr.
pub fn perror(s: P, m: &mut Mem) {
    let e = ld_i32(ERRNO, m);
    let mut msg = if s != 0 { cstr(s, m) } else { Vec::new() };
    if !msg.is_empty() {
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(strerror_text(e).as_bytes());
    msg.push(b'\n');
    let f = std_file(STDERR_VAR, m);
    write_file(f, &msg, "perror", m);
}

fn io_result(r: std::io::Result<()>, m: &mut Mem) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}

/// `remove(path)`: unlinks a file or removes an empty directory.
pub fn remove(path: P, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let p = OsStr::from_bytes(&name);
    let r = match std::fs::remove_file(p) {
        Err(e) if e.raw_os_error() == Some(EISDIR) || std::path::Path::new(p).is_dir() => std::fs::remove_dir(p),
        r => r,
    };
    io_result(r, m)
}

/// `rename(old, new)`.
pub fn rename(old: P, new: P, m: &mut Mem) -> i32 {
    let (a, b) = (cstr(old, m), cstr(new, m));
    io_result(std::fs::rename(OsStr::from_bytes(&a), OsStr::from_bytes(&b)), m)
}

/// `tmpfile()`: an anonymous read/write file, deleted already (NULL with errno on failure).
pub fn tmpfile(m: &mut Mem) -> P {
    for _ in 0..100 {
        m.tmp_count += 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("ferrox-tmp-{}-{}-{}", std::process::id(), m.tmp_count, nanos));
        let r = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path);
        match r {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                let fd = match install_fd(FdEntry { file: Arc::new(f), flags: O_RDWR }, m) {
                    Ok(fd) => fd,
                    Err(e) => {
                        m.set_errno(e);
                        return 0;
                    }
                };
                let s = Stream::new(fd, true, true, &m.fds);
                return push_stream(s, m);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                m.set_errno(os_errno(&e));
                return 0;
            }
        }
    }
    m.set_errno(EEXIST);
    0
}

// ---- printf

/// Length modifier of a conversion.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Len {
    None,
    Hh,
    H,
    /// l, ll, q, j, z, t, L: all 64-bit here.
    Long,
}

/// Flags, width and precision of one conversion.
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
}

/// Emits `prefix` + `body` padded to the width (zeros between them when allowed).
fn pad(out: &mut Vec<u8>, sp: &Spec, prefix: &[u8], body: &[u8], zeros_ok: bool) {
    let fill = sp.width.saturating_sub(prefix.len() + body.len());
    if sp.left {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if sp.zero && zeros_ok {
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
}

fn signed_arg(v: Va, len: Len) -> i64 {
    let v = v.int();
    match len {
        Len::Hh => v as i8 as i64,
        Len::H => v as i16 as i64,
        Len::None => v as i32 as i64,
        Len::Long => v,
    }
}

fn unsigned_arg(v: Va, len: Len) -> u64 {
    let v = v.int() as u64;
    match len {
        Len::Hh => v as u8 as u64,
        Len::H => v as u16 as u64,
        Len::None => v as u32 as u64,
        Len::Long => v,
    }
}

/// Mantissa digits and decimal exponent of `v` (>= 0) rounded to `prec` digits after the point.
fn exp_parts(v: f64, prec: usize) -> (Vec<u8>, i32) {
    let s = format!("{:.*e}", prec, v);
    let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
    (mant.as_bytes().to_vec(), e.parse().unwrap_or(0))
}

fn push_exp(s: &mut Vec<u8>, e: i32, upper: bool, letter: u8, min_digits: usize) {
    s.push(if upper { letter.to_ascii_uppercase() } else { letter });
    s.push(if e < 0 { b'-' } else { b'+' });
    s.extend(format!("{:0w$}", e.unsigned_abs(), w = min_digits).bytes());
}

fn strip_zeros(mut s: Vec<u8>) -> Vec<u8> {
    if s.contains(&b'.') {
        while s.last() == Some(&b'0') {
            s.pop();
        }
        if s.last() == Some(&b'.') {
            s.pop();
        }
    }
    s
}

/// `%a` of `v` (>= 0): glibc's hex float.
fn fmt_hex_float(v: f64, prec: Option<usize>, upper: bool, alt: bool) -> Vec<u8> {
    let bits = v.to_bits();
    let bexp = ((bits >> 52) & 0x7ff) as i32;
    let mut frac = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = if bexp == 0 {
        (0u64, if frac == 0 { 0 } else { -1022 })
    } else {
        (1u64, bexp - 1023)
    };
    let ndig = match prec {
        None => {
            let mut n = 13;
            while n > 0 && frac & 0xf == 0 {
                frac >>= 4;
                n -= 1;
            }
            n
        }
        Some(p) if p < 13 => {
            let shift = (13 - p) * 4;
            let rem = frac & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            frac >>= shift;
            let odd = if p == 0 { lead & 1 == 1 } else { frac & 1 == 1 };
            if rem > half || (rem == half && odd) {
                frac += 1;
                if p == 0 || frac >> (p * 4) != 0 {
                    frac = 0;
                    lead += 1;
                }
            }
            p
        }
        Some(p) => p,
    };
    let mut s = if upper { b"0X".to_vec() } else { b"0x".to_vec() };
    s.push(b'0' + lead as u8);
    if ndig > 0 || alt {
        s.push(b'.');
    }
    let shown = ndig.min(13);
    for i in (0..shown).rev() {
        let d = ((frac >> (4 * i)) & 0xf) as u8;
        let c = if d < 10 { b'0' + d } else { b'a' + d - 10 };
        s.push(if upper { c.to_ascii_uppercase() } else { c });
    }
    s.resize(s.len() + (ndig - shown), b'0');
    push_exp(&mut s, exp, upper, b'p', 1);
    s
}

/// The digits of a floating conversion of `v` (>= 0 or NaN), without sign or padding.
fn fmt_float(v: f64, conv: u8, sp: &Spec) -> Vec<u8> {
    let upper = conv.is_ascii_uppercase();
    if !v.is_finite() {
        let s: &[u8] = match (v.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        return s.to_vec();
    }
    if conv == b'a' || conv == b'A' {
        return fmt_hex_float(v, sp.prec, upper, sp.alt);
    }
    let prec = sp.prec.unwrap_or(6);
    match conv {
        b'f' | b'F' => {
            let mut s = format!("{:.*}", prec, v).into_bytes();
            if sp.alt && prec == 0 {
                s.push(b'.');
            }
            s
        }
        b'e' | b'E' => {
            let (mut s, e) = exp_parts(v, prec);
            if sp.alt && prec == 0 {
                s.push(b'.');
            }
            push_exp(&mut s, e, upper, b'e', 2);
            s
        }
        _ => {
            let p = prec.max(1);
            let x = if v == 0.0 { 0 } else { exp_parts(v, p - 1).1 };
            if x < p as i32 && x >= -4 {
                let mut s = format!("{:.*}", (p as i32 - 1 - x) as usize, v).into_bytes();
                if sp.alt {
                    if !s.contains(&b'.') {
                        s.push(b'.');
                    }
                    s
                } else {
                    strip_zeros(s)
                }
            } else {
                let (s, e) = exp_parts(v, p - 1);
                // glibc quirk: when rounding carries into a new power of ten and the %f branch
                // had no fraction digits, `#` prints "1.e+06" rather than "1.00000e+06".
                let carried = v != 0.0 && exp_parts(v, 25).1 == p as i32 - 1 && e == p as i32;
                let s = if sp.alt && carried { b"1".to_vec() } else { s };
                let mut s = if sp.alt { s } else { strip_zeros(s) };
                if sp.alt && !s.contains(&b'.') {
                    s.push(b'.');
                }
                push_exp(&mut s, e, upper, b'e', 2);
                s
            }
        }
    }
}

/// The bytes of a `%s` argument: up to `prec` bytes or the NUL; glibc's "(null)" for NULL.
fn str_arg(p: P, prec: Option<usize>, m: &Mem) -> Vec<u8> {
    if p == 0 {
        return if prec.is_none_or(|n| n >= 6) { b"(null)".to_vec() } else { Vec::new() };
    }
    let t = m.tail(p, "printf %s");
    let lim = prec.map_or(t.len(), |n| n.min(t.len()));
    match t[..lim].iter().position(|&c| c == 0) {
        Some(n) => t[..n].to_vec(),
        None if prec.is_some_and(|n| n <= t.len()) => t[..lim].to_vec(),
        None => unterminated(&m.objs, p, "printf %s"),
    }
}

/// Parses a decimal number at `fmt[*i..]`.
fn parse_num(fmt: &[u8], i: &mut usize) -> usize {
    let mut n = 0usize;
    while *i < fmt.len() && fmt[*i].is_ascii_digit() {
        n = n.saturating_mul(10).saturating_add((fmt[*i] - b'0') as usize);
        *i += 1;
    }
    n
}

/// C's printf: formats `fmt` (bytes, stops at NUL) with `args`; `%n` stores into memory.
fn format(fmt: &[u8], args: &mut Args, m: &mut Mem) -> Vec<u8> {
    let mut out = Vec::with_capacity(fmt.len() + 16);
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c == 0 {
            break;
        }
        if c != b'%' {
            out.push(c);
            continue;
        }
        let start = i - 1;
        // %n$ positional argument
        let save = i;
        let n = parse_num(fmt, &mut i);
        if n > 0 && i < fmt.len() && fmt[i] == b'$' {
            args.pos = n - 1;
            i += 1;
        } else {
            i = save;
        }
        let mut sp = Spec { left: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: None };
        while i < fmt.len() {
            match fmt[i] {
                b'-' => sp.left = true,
                b'+' => sp.plus = true,
                b' ' => sp.space = true,
                b'#' => sp.alt = true,
                b'0' => sp.zero = true,
                b'\'' | b'I' => {}
                _ => break,
            }
            i += 1;
        }
        if i < fmt.len() && fmt[i] == b'*' {
            i += 1;
            let w = args.next().int() as i32;
            if w < 0 {
                sp.left = true;
            }
            sp.width = w.unsigned_abs() as usize;
        } else {
            sp.width = parse_num(fmt, &mut i);
        }
        if i < fmt.len() && fmt[i] == b'.' {
            i += 1;
            if i < fmt.len() && fmt[i] == b'*' {
                i += 1;
                let p = args.next().int() as i32;
                sp.prec = if p < 0 { None } else { Some(p as usize) };
            } else {
                sp.prec = Some(parse_num(fmt, &mut i));
            }
        }
        let mut len = Len::None;
        while i < fmt.len() {
            match fmt[i] {
                b'h' => len = if len == Len::H { Len::Hh } else { Len::H },
                b'l' | b'L' | b'q' | b'j' | b'z' | b'Z' | b't' => len = Len::Long,
                _ => break,
            }
            i += 1;
        }
        let conv = if i < fmt.len() { fmt[i] } else { 0 };
        i += 1;
        match conv {
            b'%' => out.push(b'%'),
            b'd' | b'i' => {
                let v = signed_arg(args.next(), len);
                let mut body = v.unsigned_abs().to_string().into_bytes();
                if let Some(p) = sp.prec {
                    if p == 0 && v == 0 {
                        body.clear();
                    }
                    if body.len() < p {
                        body.splice(0..0, std::iter::repeat_n(b'0', p - body.len()));
                    }
                    sp.zero = false;
                }
                let sign: &[u8] = if v < 0 {
                    b"-"
                } else if sp.plus {
                    b"+"
                } else if sp.space {
                    b" "
                } else {
                    b""
                };
                pad(&mut out, &sp, sign, &body, true);
            }
            b'u' | b'x' | b'X' | b'o' | b'b' | b'B' => {
                let v = unsigned_arg(args.next(), len);
                let mut body = match conv {
                    b'u' => v.to_string(),
                    b'x' => format!("{:x}", v),
                    b'X' => format!("{:X}", v),
                    b'o' => format!("{:o}", v),
                    _ => format!("{:b}", v),
                }
                .into_bytes();
                if let Some(p) = sp.prec {
                    if p == 0 && v == 0 {
                        body.clear();
                    }
                    if body.len() < p {
                        body.splice(0..0, std::iter::repeat_n(b'0', p - body.len()));
                    }
                    sp.zero = false;
                }
                if sp.alt && conv == b'o' && body.first() != Some(&b'0') {
                    body.insert(0, b'0');
                }
                let prefix: &[u8] = match conv {
                    b'x' if sp.alt && v != 0 => b"0x",
                    b'X' if sp.alt && v != 0 => b"0X",
                    b'b' if sp.alt && v != 0 => b"0b",
                    b'B' if sp.alt && v != 0 => b"0B",
                    _ => b"",
                };
                pad(&mut out, &sp, prefix, &body, true);
            }
            b'c' if len == Len::Long => {
                let wc = args.next().int() as u32;
                let b = mb_bytes(wc, m.utf8()).unwrap_or_default();
                pad(&mut out, &sp, b"", &b, false);
            }
            b'C' => {
                let wc = args.next().int() as u32;
                let b = mb_bytes(wc, m.utf8()).unwrap_or_default();
                pad(&mut out, &sp, b"", &b, false);
            }
            b'c' => {
                let v = args.next().int() as u8;
                pad(&mut out, &sp, b"", &[v], false);
            }
            b's' | b'S' if len == Len::Long || conv == b'S' => {
                // a wide string: its multibyte form, the precision counting whole characters' bytes
                let p = args.next().int() as u64;
                let mut s = Vec::new();
                if p == 0 {
                    s.extend_from_slice(b"(null)");
                } else {
                    let mut i = 0u64;
                    loop {
                        let w = ld_i32(p.wrapping_add(4 * i), m);
                        if w == 0 {
                            break;
                        }
                        let Some(b) = mb_bytes(w as u32, m.utf8()) else { break };
                        if sp.prec.is_some_and(|k| s.len() + b.len() > k) {
                            break;
                        }
                        s.extend(b);
                        i += 1;
                    }
                }
                pad(&mut out, &sp, b"", &s, false);
            }
            b's' => {
                let p = args.next().int() as u64;
                let s = str_arg(p, sp.prec, m);
                pad(&mut out, &sp, b"", &s, false);
            }
            b'p' => {
                let v = args.next().int() as u64;
                if v == 0 {
                    pad(&mut out, &sp, b"", b"(nil)", false);
                } else {
                    let mut body = format!("{:x}", v).into_bytes();
                    if let Some(p) = sp.prec {
                        if body.len() < p {
                            body.splice(0..0, std::iter::repeat_n(b'0', p - body.len()));
                        }
                        sp.zero = false;
                    }
                    let prefix: &[u8] = if sp.plus {
                        b"+0x"
                    } else if sp.space {
                        b" 0x"
                    } else {
                        b"0x"
                    };
                    pad(&mut out, &sp, prefix, &body, true);
                }
            }
            b'n' => {
                let p = args.next().int() as u64;
                let n = out.len() as i64;
                match len {
                    Len::Hh => st_u8(p, n as u8, m),
                    Len::H => st_u16(p, n as u16, m),
                    Len::None => st_i32(p, n as i32, m),
                    Len::Long => st_i64(p, n, m),
                }
            }
            b'm' => {
                let e = ld_i32(ERRNO, m);
                let s = strerror_text(e).into_bytes();
                let s = match sp.prec {
                    Some(p) if p < s.len() => s[..p].to_vec(),
                    _ => s,
                };
                pad(&mut out, &sp, b"", &s, false);
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                let v = args.next().float();
                let body = fmt_float(v.abs(), conv, &sp);
                let sign: &[u8] = if v.is_sign_negative() {
                    b"-"
                } else if sp.plus {
                    b"+"
                } else if sp.space {
                    b" "
                } else {
                    b""
                };
                if (conv == b'a' || conv == b'A') && v.is_finite() && sp.zero && !sp.left {
                    // glibc zero-pads hex floats after the 0x prefix
                    let mut prefix = sign.to_vec();
                    prefix.extend_from_slice(&body[..2]);
                    pad(&mut out, &sp, &prefix, &body[2..], true);
                } else {
                    pad(&mut out, &sp, sign, &body, v.is_finite());
                }
            }
            0 => {
                out.extend_from_slice(&fmt[start..i - 1]);
                break;
            }
            _ => out.extend_from_slice(&fmt[start..i]),
        }
    }
    out
}

/// Formats the C format string at `fmt` with `args`.
fn format_at(fmt: P, args: &[Va], m: &mut Mem) -> Vec<u8> {
    let f = cstr(fmt, m);
    format(&f, &mut Args { args, pos: 0 }, m)
}

/// Formats with the arguments left in the va_list at `ap`.
fn vformat_at(fmt: P, ap: P, m: &mut Mem) -> Vec<u8> {
    let rest = va_rest(ap, m);
    format_at(fmt, &rest, m)
}

/// Stores `s` and a NUL at `buf`, cut to `n - 1` bytes (snprintf); returns the full length.
fn store_snprintf(buf: P, n: u64, s: &[u8], m: &mut Mem) -> i32 {
    if n > 0 {
        let k = s.len().min((n - 1) as usize);
        st_bytes(buf, &s[..k], m);
        st_u8(buf.wrapping_add(k as u64), 0, m);
    }
    s.len().min(i32::MAX as usize) as i32
}

fn print_to(f: P, s: &[u8], what: &str, m: &mut Mem) -> i32 {
    if write_file(f, s, what, m) {
        s.len().min(i32::MAX as usize) as i32
    } else {
        -1
    }
}

/// C's printf formatting as a byte vector (for generated code that needs the text itself).
pub fn format_c(fmt: P, args: &[Va], m: &mut Mem) -> Vec<u8> {
    format_at(fmt, args, m)
}

/// `printf(fmt, ...)`.
pub fn printf(fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let s = format_at(fmt, args, m);
    let f = std_file(STDOUT_VAR, m);
    print_to(f, &s, "printf", m)
}

/// `fprintf(f, fmt, ...)`.
pub fn fprintf(f: P, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    file_index(f, "fprintf", m);
    let s = format_at(fmt, args, m);
    print_to(f, &s, "fprintf", m)
}

/// `sprintf(buf, fmt, ...)`.
pub fn sprintf(buf: P, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let mut s = format_at(fmt, args, m);
    let n = s.len();
    s.push(0);
    st_bytes(buf, &s, m);
    n.min(i32::MAX as usize) as i32
}

/// `snprintf(buf, n, fmt, ...)`: at most n-1 bytes and a NUL; returns the untruncated length.
pub fn snprintf(buf: P, n: u64, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let s = format_at(fmt, args, m);
    store_snprintf(buf, n, &s, m)
}

/// `vprintf(fmt, ap)`.
pub fn vprintf(fmt: P, ap: P, m: &mut Mem) -> i32 {
    let s = vformat_at(fmt, ap, m);
    let f = std_file(STDOUT_VAR, m);
    print_to(f, &s, "vprintf", m)
}

/// `vfprintf(f, fmt, ap)`.
pub fn vfprintf(f: P, fmt: P, ap: P, m: &mut Mem) -> i32 {
    file_index(f, "vfprintf", m);
    let s = vformat_at(fmt, ap, m);
    print_to(f, &s, "vfprintf", m)
}

/// `vsprintf(buf, fmt, ap)`.
pub fn vsprintf(buf: P, fmt: P, ap: P, m: &mut Mem) -> i32 {
    let mut s = vformat_at(fmt, ap, m);
    let n = s.len();
    s.push(0);
    st_bytes(buf, &s, m);
    n.min(i32::MAX as usize) as i32
}

/// `vsnprintf(buf, n, fmt, ap)`.
pub fn vsnprintf(buf: P, n: u64, fmt: P, ap: P, m: &mut Mem) -> i32 {
    let s = vformat_at(fmt, ap, m);
    store_snprintf(buf, n, &s, m)
}

/// Stores a heap copy of `s` at `*strp` (asprintf); its length, or -1 with EOVERFLOW past INT_MAX.
fn store_asprintf(strp: P, s: &[u8], m: &mut Mem) -> i32 {
    if s.len() > i32::MAX as usize {
        m.set_errno(EOVERFLOW);
        return -1;
    }
    let p = new_cstr(s, m);
    st_u64(strp, p, m);
    s.len() as i32
}

/// `asprintf(strp, fmt, ...)`: formats into a new heap string stored at `*strp`; its length.
pub fn asprintf(strp: P, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let s = format_at(fmt, args, m);
    store_asprintf(strp, &s, m)
}

/// `vasprintf(strp, fmt, ap)`.
pub fn vasprintf(strp: P, fmt: P, ap: P, m: &mut Mem) -> i32 {
    let s = vformat_at(fmt, ap, m);
    store_asprintf(strp, &s, m)
}

// ---- scanf

/// Where scanf reads from: a copied string (sscanf) or a stream.
enum Src {
    Bytes(Vec<u8>, usize),
    File(usize),
}

/// A scanf input with one-byte lookahead and a count of consumed bytes (for `%n`).
struct Scanner {
    src: Src,
    used: u64,
}

impl Scanner {
    fn getc(&mut self, m: &mut Mem) -> i32 {
        let c = match &mut self.src {
            Src::Bytes(b, i) => {
                if *i < b.len() {
                    *i += 1;
                    b[*i - 1] as i32
                } else {
                    EOF
                }
            }
            Src::File(k) => getc_k(*k, m),
        };
        if c != EOF {
            self.used += 1;
        }
        c
    }

    fn ungetc(&mut self, c: i32, m: &mut Mem) {
        if c == EOF {
            return;
        }
        self.used -= 1;
        match &mut self.src {
            Src::Bytes(_, i) => *i -= 1,
            Src::File(k) => {
                if let Some(s) = m.files[*k].as_mut() {
                    s.unget.push(c as u8);
                }
            }
        }
    }

    /// Skips white space; false when the input ended.
    fn skip_space(&mut self, m: &mut Mem) -> bool {
        loop {
            let c = self.getc(m);
            if c == EOF {
                return false;
            }
            if !is_space(c as u8) {
                self.ungetc(c, m);
                return true;
            }
        }
    }
}

/// Reads the text of an integer in `base` (0: C prefixes), at most `width` bytes; None when
/// no digits came. Gives the text and the base it is in.
fn scan_int_text(sc: &mut Scanner, width: usize, base: u32, m: &mut Mem) -> Option<(Vec<u8>, u32)> {
    let mut w = width;
    let mut tok = Vec::new();
    let mut c = sc.getc(m);
    if c == b'-' as i32 || c == b'+' as i32 {
        tok.push(c as u8);
        w -= 1;
        c = if w > 0 { sc.getc(m) } else { -2 };
    }
    let mut base = base;
    let mut digits = false;
    if w > 0 && c == b'0' as i32 && (base == 0 || base == 16) {
        tok.push(b'0');
        digits = true;
        w -= 1;
        c = if w > 0 { sc.getc(m) } else { -2 };
        if w > 0 && (c == b'x' as i32 || c == b'X' as i32) {
            tok.push(c as u8);
            w -= 1;
            base = 16;
            c = if w > 0 { sc.getc(m) } else { -2 };
        } else if base == 0 {
            base = 8;
        }
    } else if base == 0 {
        base = 10;
    }
    while c >= 0 && digit_val(c as u8) < base {
        tok.push(c as u8);
        digits = true;
        w -= 1;
        c = if w > 0 { sc.getc(m) } else { -2 };
    }
    if c >= 0 {
        sc.ungetc(c, m);
    }
    if digits {
        Some((tok, base))
    } else {
        None
    }
}

/// Reads the text of a floating number (decimal, hex, inf, nan), at most `width` bytes;
/// None for glibc's matching failures ("0x" without digits, a partial "infinity").
fn scan_float_text(sc: &mut Scanner, width: usize, m: &mut Mem) -> Option<Vec<u8>> {
    let mut w = width;
    let mut tok = Vec::new();
    let mut c = sc.getc(m);
    let take = |tok: &mut Vec<u8>, c: &mut i32, w: &mut usize, sc: &mut Scanner, m: &mut Mem| {
        tok.push(*c as u8);
        *w -= 1;
        *c = if *w > 0 { sc.getc(m) } else { -2 };
    };
    if c == b'-' as i32 || c == b'+' as i32 {
        take(&mut tok, &mut c, &mut w, sc, m);
    }
    let lower = |c: i32| if c >= 0 { (c as u8).to_ascii_lowercase() } else { 0 };
    if lower(c) == b'i' || lower(c) == b'n' {
        // "inf", "infinity" or "nan"; glibc fails on a partial word (e.g. "infin")
        let word: &[u8] = if lower(c) == b'i' { b"infinity" } else { b"nan" };
        let mut k = 0;
        while k < word.len() && lower(c) == word[k] {
            take(&mut tok, &mut c, &mut w, sc, m);
            k += 1;
        }
        if c >= 0 {
            sc.ungetc(c, m);
        }
        let ok = k == word.len() || (word.len() == 8 && k == 3);
        return if ok { Some(tok) } else { None };
    }
    let (mut hex, mut dot, mut exp, mut ndig) = (false, false, false, 0);
    if c == b'0' as i32 {
        take(&mut tok, &mut c, &mut w, sc, m);
        ndig = 1;
        if lower(c) == b'x' {
            take(&mut tok, &mut c, &mut w, sc, m);
            hex = true;
            ndig = 0;
        }
    }
    loop {
        let ch = lower(c);
        if c >= 0 && (ch.is_ascii_digit() || (hex && !exp && ch.is_ascii_hexdigit())) {
            ndig += 1;
        } else if ch == b'.' && !dot && !exp {
            dot = true;
        } else if !exp && ndig > 0 && ch == if hex { b'p' } else { b'e' } {
            exp = true;
            take(&mut tok, &mut c, &mut w, sc, m);
            if c == b'-' as i32 || c == b'+' as i32 {
                take(&mut tok, &mut c, &mut w, sc, m);
            }
            continue;
        } else {
            break;
        }
        take(&mut tok, &mut c, &mut w, sc, m);
    }
    if c >= 0 {
        sc.ungetc(c, m);
    }
    if hex && ndig == 0 {
        return None;
    }
    Some(tok)
}

/// Stores an integer through a scanf destination of length `len`.
fn scan_store_int(p: P, v: u64, len: Len, m: &mut Mem) {
    match len {
        Len::Hh => st_u8(p, v as u8, m),
        Len::H => st_u16(p, v as u16, m),
        Len::None => st_u32(p, v as u32, m),
        Len::Long => st_u64(p, v, m),
    }
}

/// Parses a `[...]` set starting after '['; gives (accept table, index after ']').
fn scan_set(fmt: &[u8], mut i: usize) -> ([bool; 256], usize) {
    let mut set = [false; 256];
    let neg = i < fmt.len() && fmt[i] == b'^';
    if neg {
        i += 1;
    }
    let first = i;
    while i < fmt.len() && fmt[i] != 0 && (fmt[i] != b']' || i == first) {
        let c = fmt[i];
        if c == b'-' && i > first && i + 1 < fmt.len() && fmt[i + 1] != b']' && fmt[i + 1] != 0 {
            let (lo, hi) = (fmt[i - 1], fmt[i + 1]);
            for x in lo..=hi.max(lo) {
                set[x as usize] = true;
            }
            i += 2;
            continue;
        }
        set[c as usize] = true;
        i += 1;
    }
    if i < fmt.len() && fmt[i] == b']' {
        i += 1;
    }
    if neg {
        for s in set.iter_mut() {
            *s = !*s;
        }
    }
    (set, i)
}

/// C's scanf engine: the number of assignments, or EOF for input failure before the first.
fn scan(sc: &mut Scanner, fmt: &[u8], args: &mut Args, m: &mut Mem) -> i32 {
    let mut done = 0i32;
    let mut i = 0;
    macro_rules! input_error {
        () => {
            return if done == 0 { EOF } else { done }
        };
    }
    while i < fmt.len() && fmt[i] != 0 {
        let fc = fmt[i];
        i += 1;
        if is_space(fc) {
            sc.skip_space(m);
            continue;
        }
        if fc != b'%' {
            let c = sc.getc(m);
            if c == EOF {
                input_error!();
            }
            if c != fc as i32 {
                sc.ungetc(c, m);
                return done;
            }
            continue;
        }
        let save = i;
        let n = parse_num(fmt, &mut i);
        if n > 0 && i < fmt.len() && fmt[i] == b'$' {
            args.pos = n - 1;
            i += 1;
        } else {
            i = save;
        }
        let mut suppress = false;
        if i < fmt.len() && fmt[i] == b'*' {
            suppress = true;
            i += 1;
        }
        let width = match parse_num(fmt, &mut i) {
            0 => usize::MAX,
            w => w,
        };
        let mut len = Len::None;
        while i < fmt.len() {
            match fmt[i] {
                b'h' => len = if len == Len::H { Len::Hh } else { Len::H },
                b'l' | b'L' | b'q' | b'j' | b'z' | b't' => len = Len::Long,
                b'm' | b'a' if i + 1 < fmt.len() && matches!(fmt[i + 1], b's' | b'[' | b'c') => {}
                _ => break,
            }
            i += 1;
        }
        let conv = if i < fmt.len() { fmt[i] } else { 0 };
        i += 1;
        if conv == b'n' {
            if !suppress {
                let p = args.next().int() as u64;
                let v = sc.used;
                match len {
                    Len::Long => st_u64(p, v, m),
                    l => scan_store_int(p, v, l, m),
                }
            }
            continue;
        }
        if conv != b'c' && conv != b'[' && !sc.skip_space(m) {
            input_error!();
        }
        let c = sc.getc(m);
        if c == EOF {
            input_error!();
        }
        sc.ungetc(c, m);
        match conv {
            b'%' => {
                let c = sc.getc(m);
                if c != b'%' as i32 {
                    sc.ungetc(c, m);
                    return done;
                }
                continue;
            }
            b'd' | b'i' | b'u' | b'x' | b'X' | b'o' | b'p' => {
                let base = match conv {
                    b'd' | b'u' => 10,
                    b'i' => 0,
                    b'o' => 8,
                    _ => 16,
                };
                let Some((tok, base)) = scan_int_text(sc, width, base, m) else {
                    return done;
                };
                let (neg, mag, over, _) = parse_int(&tok, base);
                let v = if conv == b'd' || conv == b'i' {
                    clamp_signed(neg, mag, over).0 as u64
                } else {
                    clamp_unsigned(neg, mag, over).0
                };
                if !suppress {
                    let p = args.next().int() as u64;
                    scan_store_int(p, v, if conv == b'p' { Len::Long } else { len }, m);
                    done += 1;
                }
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                let Some(lit) = scan_float_text(sc, width, m).and_then(|t| parse_float(&t)) else {
                    return done;
                };
                if !suppress {
                    let p = args.next().int() as u64;
                    match len {
                        Len::None => st_f32(p, lit.to_f32(), m),
                        _ => st_f64(p, lit.to_f64(), m),
                    }
                    done += 1;
                }
            }
            b's' | b'[' => {
                let set = if conv == b'[' {
                    let (set, next) = scan_set(fmt, i);
                    i = next;
                    set
                } else {
                    let mut set = [true; 256];
                    for c in [b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c] {
                        set[c as usize] = false;
                    }
                    set
                };
                let mut tok = Vec::new();
                while tok.len() < width {
                    let c = sc.getc(m);
                    if c == EOF {
                        break;
                    }
                    if !set[c as usize] {
                        sc.ungetc(c, m);
                        break;
                    }
                    tok.push(c as u8);
                }
                if tok.is_empty() {
                    return done;
                }
                if !suppress {
                    let p = args.next().int() as u64;
                    tok.push(0);
                    st_bytes(p, &tok, m);
                    done += 1;
                }
            }
            b'c' => {
                let n = if width == usize::MAX { 1 } else { width };
                let mut tok = Vec::new();
                while tok.len() < n {
                    let c = sc.getc(m);
                    if c == EOF {
                        break;
                    }
                    tok.push(c as u8);
                }
                if !suppress {
                    let p = args.next().int() as u64;
                    st_bytes(p, &tok, m);
                    done += 1;
                }
            }
            _ => return done,
        }
    }
    done
}

fn file_scanner(f: P, what: &str, m: &Mem) -> Scanner {
    Scanner { src: Src::File(file_index(f, what, m)), used: 0 }
}

/// `scanf(fmt, ...)` on stdin (arguments are the destination pointers).
pub fn scanf(fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let f = std_file(STDIN_VAR, m);
    fscanf(f, fmt, args, m)
}

/// `fscanf(f, fmt, ...)`.
pub fn fscanf(f: P, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let mut sc = file_scanner(f, "fscanf", m);
    let fm = cstr(fmt, m);
    scan(&mut sc, &fm, &mut Args { args, pos: 0 }, m)
}

/// `sscanf(s, fmt, ...)`.
pub fn sscanf(s: P, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let mut sc = Scanner { src: Src::Bytes(cstr(s, m), 0), used: 0 };
    let fm = cstr(fmt, m);
    scan(&mut sc, &fm, &mut Args { args, pos: 0 }, m)
}

/// `vscanf(fmt, ap)`.
pub fn vscanf(fmt: P, ap: P, m: &mut Mem) -> i32 {
    let args = va_rest(ap, m);
    scanf(fmt, &args, m)
}

/// `vfscanf(f, fmt, ap)`.
pub fn vfscanf(f: P, fmt: P, ap: P, m: &mut Mem) -> i32 {
    let args = va_rest(ap, m);
    fscanf(f, fmt, &args, m)
}

/// `vsscanf(s, fmt, ap)`.
pub fn vsscanf(s: P, fmt: P, ap: P, m: &mut Mem) -> i32 {
    let args = va_rest(ap, m);
    sscanf(s, fmt, &args, m)
}

// ---- numbers in text (shared by strto*, ato* and scanf)

/// C's `isspace` in the C locale.
#[inline]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Value of a digit in bases up to 36 (99 for anything else).
fn digit_val(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'z' => (c - b'a') as u32 + 10,
        b'A'..=b'Z' => (c - b'A') as u32 + 10,
        _ => 99,
    }
}

/// C integer syntax at the start of `s` (space, sign, 0x/0 prefixes by base):
/// (negative, magnitude, overflowed u64, bytes used); used = 0 when there is no number.
fn parse_int(s: &[u8], base: u32) -> (bool, u64, bool, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base;
    let hex_prefix = i + 2 < s.len() && s[i] == b'0' && (s[i + 1] | 0x20) == b'x' && digit_val(s[i + 2]) < 16;
    if (base == 0 || base == 16) && hex_prefix {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if i < s.len() && s[i] == b'0' { 8 } else { 10 };
    }
    let start = i;
    let (mut v, mut over) = (0u64, false);
    while i < s.len() {
        let d = digit_val(s[i]);
        if d >= base {
            break;
        }
        match v.checked_mul(base as u64).and_then(|x| x.checked_add(d as u64)) {
            Some(x) => v = x,
            None => over = true,
        }
        i += 1;
    }
    if i == start {
        return (false, 0, false, 0);
    }
    (neg, v, over, i)
}

/// strtol's clamping: (value, out of range).
fn clamp_signed(neg: bool, mag: u64, over: bool) -> (i64, bool) {
    if neg {
        if over || mag > 1u64 << 63 {
            (i64::MIN, true)
        } else {
            ((mag as i64).wrapping_neg(), false)
        }
    } else if over || mag > i64::MAX as u64 {
        (i64::MAX, true)
    } else {
        (mag as i64, false)
    }
}

/// strtoul's clamping (a minus sign negates modulo 2^64): (value, out of range).
fn clamp_unsigned(neg: bool, mag: u64, over: bool) -> (u64, bool) {
    if over {
        (u64::MAX, true)
    } else if neg {
        (mag.wrapping_neg(), false)
    } else {
        (mag, false)
    }
}

/// What a floating literal parsed to (before rounding to f64 or f32).
enum FloatKind {
    Inf,
    Nan,
    /// A decimal literal normalised for Rust's exact parser, e.g. "12.5e3".
    Dec(String),
    /// A hex literal: `mant * 2^exp` (mant's low bit is sticky for dropped digits).
    Hex(u64, i64),
}

/// A parsed floating literal: sign, kind and the bytes it used (leading space included).
struct FloatLit {
    neg: bool,
    kind: FloatKind,
    used: usize,
}

impl FloatLit {
    fn to_f64(&self) -> f64 {
        let v = match &self.kind {
            FloatKind::Inf => f64::INFINITY,
            FloatKind::Nan => f64::NAN,
            FloatKind::Dec(s) => s.parse::<f64>().unwrap_or(0.0),
            FloatKind::Hex(mant, exp) => scalbn(*mant as f64, (*exp).clamp(-5000, 5000) as i32),
        };
        if self.neg {
            -v
        } else {
            v
        }
    }
    fn to_f32(&self) -> f32 {
        match &self.kind {
            FloatKind::Dec(s) => {
                let v = s.parse::<f32>().unwrap_or(0.0);
                if self.neg {
                    -v
                } else {
                    v
                }
            }
            _ => self.to_f64() as f32,
        }
    }
    /// True when a finite literal rounded to `inf` (`overflow`) or, having a nonzero digit, to
    /// zero or a subnormal (`tiny`): strtod's and strtof's ERANGE.
    /// `v` is the rounded result (as f64); an exact hex subnormal is not an underflow.
    fn out_of_range(&self, v: f64, overflow: bool, tiny: bool) -> bool {
        let nonzero = match &self.kind {
            FloatKind::Dec(s) => s.split('e').next().unwrap_or("").bytes().any(|c| (b'1'..=b'9').contains(&c)),
            FloatKind::Hex(mant, exp) => {
                let exact = *mant < 1 << 53 && v != 0.0 && scalbn(v.abs(), (-*exp).clamp(-5000, 5000) as i32) == *mant as f64;
                *mant != 0 && !exact
            }
            _ => return false,
        };
        overflow || (nonzero && tiny)
    }
}

fn starts_ci(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// strtod's syntax at the start of `s`: space, sign, decimal or hex float, inf/infinity,
/// nan/nan(chars). None when there is no number.
fn parse_float(s: &[u8]) -> Option<FloatLit> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let r = &s[i..];
    if starts_ci(r, b"inf") {
        let n = if starts_ci(r, b"infinity") { 8 } else { 3 };
        return Some(FloatLit { neg, kind: FloatKind::Inf, used: i + n });
    }
    if starts_ci(r, b"nan") {
        let mut n = 3;
        if r.get(3) == Some(&b'(') {
            let mut k = 4;
            while k < r.len() && (r[k].is_ascii_alphanumeric() || r[k] == b'_') {
                k += 1;
            }
            if r.get(k) == Some(&b')') {
                n = k + 1;
            }
        }
        return Some(FloatLit { neg, kind: FloatKind::Nan, used: i + n });
    }
    let hexd = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_hexdigit());
    if r.len() >= 2 && r[0] == b'0' && (r[1] | 0x20) == b'x' && (hexd(r.get(2)) || (r.get(2) == Some(&b'.') && hexd(r.get(3)))) {
        let mut k = 2;
        let (mut mant, mut exp, mut sticky, mut dot) = (0u64, 0i64, false, false);
        while k < r.len() {
            let c = r[k];
            if c == b'.' && !dot {
                dot = true;
            } else if c.is_ascii_hexdigit() {
                let d = digit_val(c) as u64;
                if mant >> 58 == 0 {
                    mant = mant * 16 + d;
                    if dot {
                        exp -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !dot {
                        exp += 4;
                    }
                }
            } else {
                break;
            }
            k += 1;
        }
        if k < r.len() && (r[k] | 0x20) == b'p' {
            let (e, used) = parse_exp(&r[k + 1..]);
            if used > 0 {
                exp += e;
                k += 1 + used;
            }
        }
        if sticky {
            mant |= 1;
        }
        return Some(FloatLit { neg, kind: FloatKind::Hex(mant, exp), used: i + k });
    }
    let mut k = 0;
    let mut int = String::new();
    while k < r.len() && r[k].is_ascii_digit() {
        int.push(r[k] as char);
        k += 1;
    }
    let mut frac = String::new();
    if k < r.len() && r[k] == b'.' {
        let mut j = k + 1;
        while j < r.len() && r[j].is_ascii_digit() {
            frac.push(r[j] as char);
            j += 1;
        }
        if !int.is_empty() || !frac.is_empty() {
            k = j;
        }
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp = 0i64;
    if k < r.len() && (r[k] | 0x20) == b'e' {
        let (e, used) = parse_exp(&r[k + 1..]);
        if used > 0 {
            exp = e;
            k += 1 + used;
        }
    }
    let text = format!(
        "{}.{}e{}",
        if int.is_empty() { "0" } else { &int },
        if frac.is_empty() { "0" } else { &frac },
        exp
    );
    Some(FloatLit { neg, kind: FloatKind::Dec(text), used: i + k })
}

/// An exponent `[+-]digits` (clamped to +-1e6): (value, bytes used; 0 when no digits).
fn parse_exp(s: &[u8]) -> (i64, usize) {
    let mut k = 0;
    let mut neg = false;
    if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
        neg = s[k] == b'-';
        k += 1;
    }
    let start = k;
    let mut e = 0i64;
    while k < s.len() && s[k].is_ascii_digit() {
        e = (e * 10 + (s[k] - b'0') as i64).min(1_000_000);
        k += 1;
    }
    if k == start {
        return (0, 0);
    }
    (if neg { -e } else { e }, k)
}

// ---- string.h

/// `strlen(s)`.
pub fn strlen(s: P, m: &Mem) -> u64 {
    m.strlen_at(s, "strlen") as u64
}

/// `strnlen(s, maxlen)`: never reads beyond `maxlen` bytes.
pub fn strnlen(s: P, maxlen: u64, m: &Mem) -> u64 {
    m.strnlen_at(s, maxlen, "strnlen") as u64
}

/// `strcpy(dst, src)`.
pub fn strcpy(dst: P, src: P, m: &mut Mem) -> P {
    let n = m.strlen_at(src, "strcpy") as u64;
    m.copy(dst, src, n + 1, "strcpy");
    dst
}

/// `stpcpy(dst, src)`: like strcpy, returning a pointer to the copied NUL.
pub fn stpcpy(dst: P, src: P, m: &mut Mem) -> P {
    let n = m.strlen_at(src, "stpcpy") as u64;
    m.copy(dst, src, n + 1, "stpcpy");
    dst.wrapping_add(n)
}

/// `strncpy(dst, src, n)`: copies at most n bytes and NUL-pads the rest of the n.
pub fn strncpy(dst: P, src: P, n: u64, m: &mut Mem) -> P {
    let k = m.strnlen_at(src, n, "strncpy") as u64;
    m.copy(dst, src, k, "strncpy");
    if n > k {
        m.slice_mut(dst.wrapping_add(k), n - k, "strncpy").fill(0);
    }
    dst
}

/// `strcat(dst, src)`.
pub fn strcat(dst: P, src: P, m: &mut Mem) -> P {
    let d = m.strlen_at(dst, "strcat") as u64;
    let n = m.strlen_at(src, "strcat") as u64;
    m.copy(dst.wrapping_add(d), src, n + 1, "strcat");
    dst
}

/// `strncat(dst, src, n)`: appends at most n bytes, then a NUL.
pub fn strncat(dst: P, src: P, n: u64, m: &mut Mem) -> P {
    let d = m.strlen_at(dst, "strncat") as u64;
    let k = m.strnlen_at(src, n, "strncat") as u64;
    m.copy(dst.wrapping_add(d), src, k, "strncat");
    st_u8(dst.wrapping_add(d + k), 0, m);
    dst
}

/// Compares C strings at most `n` bytes, mapping bytes through `f` (glibc returns the difference).
fn str_compare(a: P, b: P, n: u64, f: fn(u8) -> u8, what: &str, m: &Mem) -> i32 {
    if n == 0 {
        return 0;
    }
    let (ta, tb) = (m.tail(a, what), m.tail(b, what));
    let mut i = 0usize;
    loop {
        let Some(&x) = ta.get(i) else { unterminated(&m.objs, a, what) };
        let Some(&y) = tb.get(i) else { unterminated(&m.objs, b, what) };
        let (x, y) = (f(x), f(y));
        if x != y || x == 0 {
            return x as i32 - y as i32;
        }
        i += 1;
        if i as u64 >= n {
            return 0;
        }
    }
}

fn same(c: u8) -> u8 {
    c
}

/// `strcmp(a, b)`.
pub fn strcmp(a: P, b: P, m: &Mem) -> i32 {
    str_compare(a, b, u64::MAX, same, "strcmp", m)
}

/// `strncmp(a, b, n)`.
pub fn strncmp(a: P, b: P, n: u64, m: &Mem) -> i32 {
    str_compare(a, b, n, same, "strncmp", m)
}

/// `strcasecmp(a, b)` (C locale).
pub fn strcasecmp(a: P, b: P, m: &Mem) -> i32 {
    str_compare(a, b, u64::MAX, |c| c.to_ascii_lowercase(), "strcasecmp", m)
}

/// `strncasecmp(a, b, n)` (C locale).
pub fn strncasecmp(a: P, b: P, n: u64, m: &Mem) -> i32 {
    str_compare(a, b, n, |c| c.to_ascii_lowercase(), "strncasecmp", m)
}

/// `strcoll(a, b)`: strcmp (C locale).
pub fn strcoll(a: P, b: P, m: &Mem) -> i32 {
    strcmp(a, b, m)
}

/// `strchr(s, c)`: the first `c` (the terminator when c is 0), or NULL.
pub fn strchr(s: P, c: i32, m: &Mem) -> P {
    let t = m.tail(s, "strchr");
    let c = c as u8;
    for (i, &x) in t.iter().enumerate() {
        if x == c {
            return s.wrapping_add(i as u64);
        }
        if x == 0 {
            return 0;
        }
    }
    unterminated(&m.objs, s, "strchr")
}

/// `strrchr(s, c)`: the last `c`, or NULL.
pub fn strrchr(s: P, c: i32, m: &Mem) -> P {
    let n = m.strlen_at(s, "strrchr");
    let t = &m.tail(s, "strrchr")[..n + 1];
    match t.iter().rposition(|&x| x == c as u8) {
        Some(i) => s.wrapping_add(i as u64),
        None => 0,
    }
}

/// `strstr(hay, needle)`.
pub fn strstr(hay: P, needle: P, m: &Mem) -> P {
    let (hn, nn) = (m.strlen_at(hay, "strstr"), m.strlen_at(needle, "strstr"));
    if nn == 0 {
        return hay;
    }
    let h = &m.tail(hay, "strstr")[..hn];
    let n = &m.tail(needle, "strstr")[..nn];
    match h.windows(nn).position(|w| w == n) {
        Some(i) => hay.wrapping_add(i as u64),
        None => 0,
    }
}

/// A 256-entry membership table of the C string at `set`.
fn byte_set(set: P, what: &str, m: &Mem) -> [bool; 256] {
    let n = m.strlen_at(set, what);
    let mut t = [false; 256];
    for &c in &m.tail(set, what)[..n] {
        t[c as usize] = true;
    }
    t
}

/// `strspn(s, accept)`.
pub fn strspn(s: P, accept: P, m: &Mem) -> u64 {
    let set = byte_set(accept, "strspn", m);
    let n = m.strlen_at(s, "strspn");
    m.tail(s, "strspn")[..n].iter().take_while(|&&c| set[c as usize]).count() as u64
}

/// `strcspn(s, reject)`.
pub fn strcspn(s: P, reject: P, m: &Mem) -> u64 {
    let set = byte_set(reject, "strcspn", m);
    let n = m.strlen_at(s, "strcspn");
    m.tail(s, "strcspn")[..n].iter().take_while(|&&c| !set[c as usize]).count() as u64
}

/// `strpbrk(s, accept)`.
pub fn strpbrk(s: P, accept: P, m: &Mem) -> P {
    let k = strcspn(s, accept, m);
    if ld_u8(s.wrapping_add(k), m) == 0 {
        0
    } else {
        s.wrapping_add(k)
    }
}

/// `strtok_r(s, delim, saveptr)`: glibc's algorithm, with the position kept in `*saveptr`.
pub fn strtok_r(s: P, delim: P, saveptr: P, m: &mut Mem) -> P {
    let s = if s == 0 { ld_u64(saveptr, m) } else { s };
    let (save, tok) = strtok_step(s, delim, m);
    st_u64(saveptr, save, m);
    tok
}

/// `strtok(s, delim)`.
pub fn strtok(s: P, delim: P, m: &mut Mem) -> P {
    let s = if s == 0 { m.strtok_save } else { s };
    let (save, tok) = strtok_step(s, delim, m);
    m.strtok_save = save;
    tok
}

/// One strtok step from `s`: (new save pointer, token or NULL).
fn strtok_step(s: P, delim: P, m: &mut Mem) -> (P, P) {
    if ld_u8(s, m) == 0 {
        return (s, 0);
    }
    let s = s.wrapping_add(strspn(s, delim, m));
    if ld_u8(s, m) == 0 {
        return (s, 0);
    }
    let end = s.wrapping_add(strcspn(s, delim, m));
    if ld_u8(end, m) == 0 {
        return (end, s);
    }
    st_u8(end, 0, m);
    (end.wrapping_add(1), s)
}

/// `strdup(s)`: a malloc'd copy.
pub fn strdup(s: P, m: &mut Mem) -> P {
    let b = cstr(s, m);
    new_cstr(&b, m)
}

/// `strndup(s, n)`: a malloc'd copy of at most n bytes.
pub fn strndup(s: P, n: u64, m: &mut Mem) -> P {
    let k = m.strnlen_at(s, n, "strndup") as u64;
    let b = ld_bytes(s, k, m);
    new_cstr(&b, m)
}

/// `memcpy(dst, src, n)` (overlap tolerated, as memmove).
pub fn memcpy(dst: P, src: P, n: u64, m: &mut Mem) -> P {
    m.copy(dst, src, n, "memcpy");
    dst
}

/// `memmove(dst, src, n)`.
pub fn memmove(dst: P, src: P, n: u64, m: &mut Mem) -> P {
    m.copy(dst, src, n, "memmove");
    dst
}

/// `memset(p, c, n)`.
pub fn memset(p: P, c: i32, n: u64, m: &mut Mem) -> P {
    if n > 0 {
        m.slice_mut(p, n, "memset").fill(c as u8);
    }
    p
}

/// `memcmp(a, b, n)`: the difference of the first differing bytes (as glibc on x86-64).
pub fn memcmp(a: P, b: P, n: u64, m: &Mem) -> i32 {
    if n == 0 {
        return 0;
    }
    let (x, y) = (m.slice(a, n, "memcmp"), m.slice(b, n, "memcmp"));
    match x.iter().zip(y).position(|(p, q)| p != q) {
        Some(i) => x[i] as i32 - y[i] as i32,
        None => 0,
    }
}

/// `memchr(s, c, n)`.
pub fn memchr(s: P, c: i32, n: u64, m: &Mem) -> P {
    if n == 0 {
        return 0;
    }
    match m.slice(s, n, "memchr").iter().position(|&x| x == c as u8) {
        Some(i) => s.wrapping_add(i as u64),
        None => 0,
    }
}

/// `memrchr(s, c, n)`.
pub fn memrchr(s: P, c: i32, n: u64, m: &Mem) -> P {
    if n == 0 {
        return 0;
    }
    match m.slice(s, n, "memrchr").iter().rposition(|&x| x == c as u8) {
        Some(i) => s.wrapping_add(i as u64),
        None => 0,
    }
}

/// `memmem(hay, hlen, needle, nlen)`: the first occurrence, `hay` for an empty needle, or NULL.
pub fn memmem(hay: P, hlen: u64, needle: P, nlen: u64, m: &Mem) -> P {
    if nlen == 0 {
        return hay;
    }
    if hlen < nlen {
        return 0;
    }
    let (h, n) = (m.slice(hay, hlen, "memmem"), m.slice(needle, nlen, "memmem"));
    match h.windows(n.len()).position(|w| w == n) {
        Some(i) => hay.wrapping_add(i as u64),
        None => 0,
    }
}

/// `strchrnul(s, c)`: like strchr, but the terminator instead of NULL when `c` is absent.
pub fn strchrnul(s: P, c: i32, m: &Mem) -> P {
    let n = m.strlen_at(s, "strchrnul");
    let t = &m.tail(s, "strchrnul")[..n];
    s.wrapping_add(t.iter().position(|&x| x == c as u8).unwrap_or(n) as u64)
}

/// `strsep(stringp, delim)`: the token at `*stringp`, ended with a NUL at the first delimiter
/// (`*stringp` then points past it, or becomes NULL at the end); NULL when `*stringp` is NULL.
pub fn strsep(stringp: P, delim: P, m: &mut Mem) -> P {
    let s = ld_u64(stringp, m);
    if s == 0 {
        return 0;
    }
    let end = s.wrapping_add(strcspn(s, delim, m));
    if ld_u8(end, m) == 0 {
        st_u64(stringp, 0, m);
    } else {
        st_u8(end, 0, m);
        st_u64(stringp, end.wrapping_add(1), m);
    }
    s
}

/// `strlcpy(dst, src, size)`: copies at most size-1 bytes and a NUL; returns strlen(src).
pub fn strlcpy(dst: P, src: P, size: u64, m: &mut Mem) -> u64 {
    let n = m.strlen_at(src, "strlcpy") as u64;
    if size > 0 {
        let k = n.min(size - 1);
        m.copy(dst, src, k, "strlcpy");
        st_u8(dst.wrapping_add(k), 0, m);
    }
    n
}

/// `strlcat(dst, src, size)`: appends within a `size`-byte buffer; returns the length it tried
/// to make (size + strlen(src) when `dst` has no NUL in its first `size` bytes).
pub fn strlcat(dst: P, src: P, size: u64, m: &mut Mem) -> u64 {
    let d = m.strnlen_at(dst, size, "strlcat") as u64;
    let n = m.strlen_at(src, "strlcat") as u64;
    if d == size {
        return size + n;
    }
    let k = n.min(size - d - 1);
    m.copy(dst.wrapping_add(d), src, k, "strlcat");
    st_u8(dst.wrapping_add(d + k), 0, m);
    d + n
}

/// `strverscmp(a, b)`: glibc's version-string order (digit runs compare as numbers, leading
/// zeros as fractions), with its exact return values.
pub fn strverscmp(a: P, b: P, m: &Mem) -> i32 {
    const S_N: usize = 0;
    const S_I: usize = 3;
    const S_F: usize = 6;
    const S_Z: usize = 9;
    const CMP: i32 = 2;
    const LEN: i32 = 3;
    const NEXT: [usize; 12] = [S_N, S_I, S_Z, S_N, S_I, S_I, S_N, S_F, S_F, S_N, S_F, S_Z];
    #[rustfmt::skip]
    const RESULT: [i32; 36] = [
        CMP, CMP, CMP, CMP, LEN, CMP, CMP, CMP, CMP,
        CMP, -1, -1, 1, LEN, LEN, 1, LEN, LEN,
        CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP, CMP,
        CMP, 1, 1, -1, CMP, CMP, -1, CMP, CMP,
    ];
    if a == b {
        return 0;
    }
    let (na, nb) = (m.strlen_at(a, "strverscmp"), m.strlen_at(b, "strverscmp"));
    let (sa, sb) = (&m.tail(a, "strverscmp")[..=na], &m.tail(b, "strverscmp")[..=nb]);
    let class = |c: u8| (c == b'0') as usize + c.is_ascii_digit() as usize;
    let (mut i, mut j) = (0usize, 0usize);
    let mut c1 = sa[i];
    let mut c2 = sb[j];
    i += 1;
    j += 1;
    let mut state = S_N + class(c1);
    let mut diff = c1 as i32 - c2 as i32;
    while diff == 0 {
        if c1 == 0 {
            return 0;
        }
        state = NEXT[state];
        c1 = sa[i];
        c2 = sb[j];
        i += 1;
        j += 1;
        state += class(c1);
        diff = c1 as i32 - c2 as i32;
    }
    match RESULT[state * 3 + class(c2)] {
        CMP => diff,
        LEN => {
            let digit = |s: &[u8], k: usize| s.get(k).is_some_and(|c| c.is_ascii_digit());
            loop {
                let d1 = digit(sa, i);
                i += 1;
                if !d1 {
                    break;
                }
                let d2 = digit(sb, j);
                j += 1;
                if !d2 {
                    return 1;
                }
            }
            if digit(sb, j) {
                -1
            } else {
                diff
            }
        }
        r => r,
    }
}

/// glibc's message for an errno value.
fn strerror_text(e: i32) -> String {
    let s = match e {
        0 => "Success",
        1 => "Operation not permitted",
        2 => "No such file or directory",
        3 => "No such process",
        4 => "Interrupted system call",
        5 => "Input/output error",
        6 => "No such device or address",
        7 => "Argument list too long",
        8 => "Exec format error",
        9 => "Bad file descriptor",
        10 => "No child processes",
        11 => "Resource temporarily unavailable",
        12 => "Cannot allocate memory",
        13 => "Permission denied",
        14 => "Bad address",
        15 => "Block device required",
        16 => "Device or resource busy",
        17 => "File exists",
        18 => "Invalid cross-device link",
        19 => "No such device",
        20 => "Not a directory",
        21 => "Is a directory",
        22 => "Invalid argument",
        23 => "Too many open files in system",
        24 => "Too many open files",
        25 => "Inappropriate ioctl for device",
        26 => "Text file busy",
        27 => "File too large",
        28 => "No space left on device",
        29 => "Illegal seek",
        30 => "Read-only file system",
        31 => "Too many links",
        32 => "Broken pipe",
        33 => "Numerical argument out of domain",
        34 => "Numerical result out of range",
        35 => "Resource deadlock avoided",
        36 => "File name too long",
        37 => "No locks available",
        38 => "Function not implemented",
        39 => "Directory not empty",
        40 => "Too many levels of symbolic links",
        42 => "No message of desired type",
        43 => "Identifier removed",
        44 => "Channel number out of range",
        45 => "Level 2 not synchronized",
        46 => "Level 3 halted",
        47 => "Level 3 reset",
        48 => "Link number out of range",
        49 => "Protocol driver not attached",
        50 => "No CSI structure available",
        51 => "Level 2 halted",
        52 => "Invalid exchange",
        53 => "Invalid request descriptor",
        54 => "Exchange full",
        55 => "No anode",
        56 => "Invalid request code",
        57 => "Invalid slot",
        59 => "Bad font file format",
        60 => "Device not a stream",
        61 => "No data available",
        62 => "Timer expired",
        63 => "Out of streams resources",
        64 => "Machine is not on the network",
        65 => "Package not installed",
        66 => "Object is remote",
        67 => "Link has been severed",
        68 => "Advertise error",
        69 => "Srmount error",
        70 => "Communication error on send",
        71 => "Protocol error",
        72 => "Multihop attempted",
        73 => "RFS specific error",
        74 => "Bad message",
        75 => "Value too large for defined data type",
        76 => "Name not unique on network",
        77 => "File descriptor in bad state",
        78 => "Remote address changed",
        79 => "Can not access a needed shared library",
        80 => "Accessing a corrupted shared library",
        81 => ".lib section in a.out corrupted",
        82 => "Attempting to link in too many shared libraries",
        83 => "Cannot exec a shared library directly",
        84 => "Invalid or incomplete multibyte or wide character",
        85 => "Interrupted system call should be restarted",
        86 => "Streams pipe error",
        87 => "Too many users",
        88 => "Socket operation on non-socket",
        89 => "Destination address required",
        90 => "Message too long",
        91 => "Protocol wrong type for socket",
        92 => "Protocol not available",
        93 => "Protocol not supported",
        94 => "Socket type not supported",
        95 => "Operation not supported",
        96 => "Protocol family not supported",
        97 => "Address family not supported by protocol",
        98 => "Address already in use",
        99 => "Cannot assign requested address",
        100 => "Network is down",
        101 => "Network is unreachable",
        102 => "Network dropped connection on reset",
        103 => "Software caused connection abort",
        104 => "Connection reset by peer",
        105 => "No buffer space available",
        106 => "Transport endpoint is already connected",
        107 => "Transport endpoint is not connected",
        108 => "Cannot send after transport endpoint shutdown",
        109 => "Too many references: cannot splice",
        110 => "Connection timed out",
        111 => "Connection refused",
        112 => "Host is down",
        113 => "No route to host",
        114 => "Operation already in progress",
        115 => "Operation now in progress",
        116 => "Stale file handle",
        117 => "Structure needs cleaning",
        118 => "Not a XENIX named type file",
        119 => "No XENIX semaphores available",
        120 => "Is a named type file",
        121 => "Remote I/O error",
        122 => "Disk quota exceeded",
        123 => "No medium found",
        124 => "Wrong medium type",
        125 => "Operation canceled",
        126 => "Required key not available",
        127 => "Key has expired",
        128 => "Key has been revoked",
        129 => "Key was rejected by service",
        130 => "Owner died",
        131 => "State not recoverable",
        132 => "Operation not possible due to RF-kill",
        133 => "Memory page has hardware error",
        _ => return format!("Unknown error {}", e),
    };
    s.to_string()
}

/// `strerror(e)`: glibc's message, allocated once per errno value and cached.
pub fn strerror(e: i32, m: &mut Mem) -> P {
    if let Some(&p) = m.strerror_cache.get(&e) {
        return p;
    }
    let mut b = strerror_text(e).into_bytes();
    b.push(0);
    let p = m.push_obj(Kind::Static, b);
    m.strerror_cache.insert(e, p);
    p
}

// ---- stdlib: numbers

/// The common part of strtol and friends: (negative, magnitude, overflow, end pointer) or
/// None for an invalid base (errno EINVAL).
fn strto_int(s: P, endptr: P, base: i32, m: &mut Mem) -> Option<(bool, u64, bool)> {
    if base < 0 || base == 1 || base > 36 {
        m.set_errno(EINVAL);
        return None;
    }
    let b = cstr(s, m);
    let (neg, mag, over, used) = parse_int(&b, base as u32);
    if endptr != 0 {
        st_u64(endptr, s.wrapping_add(used as u64), m);
    }
    Some((neg, mag, over))
}

/// `strtol(s, endptr, base)`: clamps to LONG_MIN/LONG_MAX with ERANGE.
pub fn strtol(s: P, endptr: P, base: i32, m: &mut Mem) -> i64 {
    let Some((neg, mag, over)) = strto_int(s, endptr, base, m) else { return 0 };
    let (v, range) = clamp_signed(neg, mag, over);
    if range {
        m.set_errno(ERANGE);
    }
    v
}

/// `strtoll(s, endptr, base)`.
pub fn strtoll(s: P, endptr: P, base: i32, m: &mut Mem) -> i64 {
    strtol(s, endptr, base, m)
}

/// `strtoul(s, endptr, base)`: ULONG_MAX with ERANGE on overflow; "-1" wraps as in C.
pub fn strtoul(s: P, endptr: P, base: i32, m: &mut Mem) -> u64 {
    let Some((neg, mag, over)) = strto_int(s, endptr, base, m) else { return 0 };
    let (v, range) = clamp_unsigned(neg, mag, over);
    if range {
        m.set_errno(ERANGE);
    }
    v
}

/// `strtoull(s, endptr, base)`.
pub fn strtoull(s: P, endptr: P, base: i32, m: &mut Mem) -> u64 {
    strtoul(s, endptr, base, m)
}

/// `atoi(s)`: `(int) strtol(s, NULL, 10)`.
pub fn atoi(s: P, m: &mut Mem) -> i32 {
    strtol(s, 0, 10, m) as i32
}

/// `atol(s)`.
pub fn atol(s: P, m: &mut Mem) -> i64 {
    strtol(s, 0, 10, m)
}

/// `atoll(s)`.
pub fn atoll(s: P, m: &mut Mem) -> i64 {
    strtol(s, 0, 10, m)
}

/// Parses a float at `s` for strtod/strtof, storing `*endptr`.
fn strto_float(s: P, endptr: P, m: &mut Mem) -> Option<FloatLit> {
    let b = cstr(s, m);
    let lit = parse_float(&b);
    if endptr != 0 {
        let used = lit.as_ref().map_or(0, |l| l.used);
        st_u64(endptr, s.wrapping_add(used as u64), m);
    }
    lit
}

/// `strtod(s, endptr)`: decimal, hex, inf and nan; ERANGE on overflow/underflow.
pub fn strtod(s: P, endptr: P, m: &mut Mem) -> f64 {
    let Some(lit) = strto_float(s, endptr, m) else { return 0.0 };
    let v = lit.to_f64();
    if lit.out_of_range(v, v.is_infinite(), v == 0.0 || v.is_subnormal()) {
        m.set_errno(ERANGE);
    }
    v
}

/// `strtof(s, endptr)`.
pub fn strtof(s: P, endptr: P, m: &mut Mem) -> f32 {
    let Some(lit) = strto_float(s, endptr, m) else { return 0.0 };
    let v = lit.to_f32();
    if lit.out_of_range(v as f64, v.is_infinite(), v == 0.0 || v.is_subnormal()) {
        m.set_errno(ERANGE);
    }
    v
}

/// `strtold(s, endptr)`: long double is double here.
pub fn strtold(s: P, endptr: P, m: &mut Mem) -> f64 {
    strtod(s, endptr, m)
}

/// `atof(s)`.
pub fn atof(s: P, m: &mut Mem) -> f64 {
    strtod(s, 0, m)
}

/// `abs(x)` (wrapping for INT_MIN).
pub fn abs(x: i32) -> i32 {
    x.wrapping_abs()
}

/// `labs(x)`.
pub fn labs(x: i64) -> i64 {
    x.wrapping_abs()
}

/// `llabs(x)`.
pub fn llabs(x: i64) -> i64 {
    x.wrapping_abs()
}

/// `div(a, b)` as (quot, rem).
pub fn div_quot_rem(a: i32, b: i32) -> (i32, i32) {
    (a.wrapping_div(b), a.wrapping_rem(b))
}

/// `ldiv(a, b)` / `lldiv(a, b)` as (quot, rem).
pub fn ldiv_quot_rem(a: i64, b: i64) -> (i64, i64) {
    (a.wrapping_div(b), a.wrapping_rem(b))
}

// ---- stdlib: rand

impl Rand {
    /// glibc's `srandom_r` for TYPE_3: the LCG fill, then 310 discarded outputs.
    fn seeded(seed: u32) -> Rand {
        let seed = if seed == 0 { 1 } else { seed };
        let mut r = [0i32; 31];
        r[0] = seed as i32;
        let mut word = seed as i32 as i64;
        for x in r.iter_mut().skip(1) {
            let hi = word / 127_773;
            let lo = word % 127_773;
            word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            *x = word as i32;
        }
        let mut st = Rand { r, f: 3, b: 0 };
        for _ in 0..310 {
            st.next();
        }
        st
    }

    /// glibc's `random_r` for TYPE_3.
    fn next(&mut self) -> i32 {
        let v = (self.r[self.f] as u32).wrapping_add(self.r[self.b] as u32);
        self.r[self.f] = v as i32;
        self.f = (self.f + 1) % 31;
        self.b = (self.b + 1) % 31;
        (v >> 1) as i32
    }
}

/// `rand()`: glibc's generator, so seeded runs print what the C program prints.
pub fn rand(m: &mut Mem) -> i32 {
    m.rand.next()
}

/// `random()`: the same generator as rand (as in glibc).
pub fn random(m: &mut Mem) -> i64 {
    m.rand.next() as i64
}

/// `srand(seed)`.
pub fn srand(seed: u32, m: &mut Mem) {
    m.rand = Rand::seeded(seed);
}

/// `srandom(seed)`.
pub fn srandom(seed: u32, m: &mut Mem) {
    srand(seed, m)
}

// ---- stdlib: the rand48 family (glibc's 48-bit congruential generator)

const RAND48_A: u64 = 0x5_deec_e66d;
const RAND48_MASK: u64 = (1 << 48) - 1;

fn rand48_next(x: u64) -> u64 {
    (RAND48_A.wrapping_mul(x).wrapping_add(0xb)) & RAND48_MASK
}
fn xsubi_load(xsubi: P, m: &Mem) -> u64 {
    (0..3).fold(0u64, |acc, i| acc | (ld_u16(xsubi.wrapping_add(2 * i), m) as u64) << (16 * i))
}
fn xsubi_store(xsubi: P, x: u64, m: &mut Mem) {
    for i in 0..3 {
        st_u16(xsubi.wrapping_add(2 * i), (x >> (16 * i)) as u16, m);
    }
}
/// `srand48(seed)`: the state becomes the seed's low 32 bits and 0x330e.
pub fn srand48(seed: i64, m: &mut Mem) {
    m.rand48 = ((seed as u64 & 0xffff_ffff) << 16) | 0x330e;
}
/// `drand48()`: uniform in [0, 1), the 48-bit state over 2^48.
pub fn drand48(m: &mut Mem) -> f64 {
    m.rand48 = rand48_next(m.rand48);
    m.rand48 as f64 / (1u64 << 48) as f64
}
/// `lrand48()`: the state's top 31 bits.
pub fn lrand48(m: &mut Mem) -> i64 {
    m.rand48 = rand48_next(m.rand48);
    (m.rand48 >> 17) as i64
}
/// `mrand48()`: the state's top 32 bits, signed.
pub fn mrand48(m: &mut Mem) -> i64 {
    m.rand48 = rand48_next(m.rand48);
    (m.rand48 >> 16) as u32 as i32 as i64
}
/// `erand48(xsubi)`: drand48 over the caller's state.
pub fn erand48(xsubi: P, m: &mut Mem) -> f64 {
    let x = rand48_next(xsubi_load(xsubi, m));
    xsubi_store(xsubi, x, m);
    x as f64 / (1u64 << 48) as f64
}
/// `nrand48(xsubi)`: lrand48 over the caller's state.
pub fn nrand48(xsubi: P, m: &mut Mem) -> i64 {
    let x = rand48_next(xsubi_load(xsubi, m));
    xsubi_store(xsubi, x, m);
    (x >> 17) as i64
}
/// `jrand48(xsubi)`: mrand48 over the caller's state.
pub fn jrand48(xsubi: P, m: &mut Mem) -> i64 {
    let x = rand48_next(xsubi_load(xsubi, m));
    xsubi_store(xsubi, x, m);
    (x >> 16) as u32 as i32 as i64
}

// ---- stdlib: process

/// Registers the generated dispatcher that calls a `void (*)(void)` function pointer (atexit).
pub fn set_void_caller(f: fn(P, &mut Mem), m: &mut Mem) {
    m.void_caller = Some(f);
}

/// `atexit(f)`: 0 (the handler runs at `exit`, last registered first).
pub fn atexit(f: P, m: &mut Mem) -> i32 {
    m.atexit.push(f);
    0
}

/// `exit(code)`: runs atexit handlers in reverse order, flushes every stream, exits.
pub fn exit(code: i32, m: &mut Mem) -> ! {
    while let Some(f) = m.atexit.pop() {
        match m.void_caller {
            Some(call) => call(f, m),
            None => panic!("ferrox rt: exit: atexit handler registered but no set_void_caller"),
        }
    }
    m.flush_all();
    std::process::exit(code)
}

/// `_exit(code)` / `_Exit(code)`: ends the process at once: no atexit handlers, stdio
/// buffers not flushed (as C).
pub fn exit_now(code: i32, _m: &mut Mem) -> ! {
    std::process::exit(code)
}

/// `at_quick_exit(f)`: 0 (the handler runs at `quick_exit`, last registered first).
pub fn at_quick_exit(f: P, m: &mut Mem) -> i32 {
    m.quick_exit.push(f);
    0
}

/// `quick_exit(code)`: runs the at_quick_exit handlers, then ends as `_exit` does.
pub fn quick_exit(code: i32, m: &mut Mem) -> ! {
    while let Some(f) = m.quick_exit.pop() {
        match m.void_caller {
            Some(call) => call(f, m),
            None => panic!("ferrox rt: quick_exit: handler registered but no set_void_caller"),
        }
    }
    std::process::exit(code)
}

/// `abort()`: SIGABRT's handler runs first if there is one (and may leave by `exit`); then
/// the process dies of SIGABRT, stdio not flushed (as C).
pub fn abort(m: &mut Mem) -> ! {
    let h = m.signals.handlers[SIGABRT as usize];
    if h != SIG_DFL && h != SIG_IGN {
        deliver(SIGABRT, -6, m);
    }
    std::process::abort()
}

/// The program's short name (glibc's `__progname`: the basename of argv[0]).
fn progname() -> Vec<u8> {
    let a = std::env::args_os().next().unwrap_or_default().into_vec();
    match a.iter().rposition(|&c| c == b'/') {
        Some(i) => a[i + 1..].to_vec(),
        None => a,
    }
}

/// `__assert_fail`: glibc's "prog: file:line: func: Assertion `expr' failed." and abort.
pub fn __assert_fail(expr: P, file: P, line: u32, func: P, m: &mut Mem) -> ! {
    let mut msg = progname();
    if !msg.is_empty() {
        msg.extend_from_slice(b": ");
    }
    msg.extend(cstr(file, m));
    msg.extend(format!(":{}: ", line).bytes());
    if func != 0 {
        msg.extend(cstr(func, m));
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(b"Assertion `");
    msg.extend(cstr(expr, m));
    msg.extend_from_slice(b"' failed.\n");
    let _ = std::io::stderr().write_all(&msg);
    std::process::abort()
}

/// `getenv(name)`: a copy of the value (cached per name), or NULL.
pub fn getenv(name: P, m: &mut Mem) -> P {
    let n = cstr(name, m);
    if let Some(&p) = m.getenv_cache.get(&n) {
        return p;
    }
    if n.is_empty() || n.contains(&b'=') {
        return 0;
    }
    let p = match std::env::var_os(OsStr::from_bytes(&n)) {
        Some(v) => {
            let mut b = v.into_vec();
            b.push(0);
            m.push_obj(Kind::Static, b)
        }
        None => 0,
    };
    m.getenv_cache.insert(n, p);
    p
}

/// The program's `argc` and `argv` (NUL-terminated strings and a NULL-terminated array).
pub fn main_args(m: &mut Mem) -> (i32, P) {
    let (args, _) = process_strings(m);
    let mut arr = Vec::with_capacity((args.len() + 1) * 8);
    for p in &args {
        arr.extend_from_slice(&p.to_le_bytes());
    }
    arr.extend_from_slice(&0u64.to_le_bytes());
    let argv = m.push_obj(Kind::Static, arr);
    (args.len() as i32, argv)
}

/// The argument and environment strings, back to back in one object as the kernel lays
/// them out (so reading past an argument's NUL reads the next one, as in C): their
/// addresses, made once.
fn process_strings(m: &mut Mem) -> (Vec<P>, Vec<P>) {
    if let Some(s) = &m.proc_strings {
        return s.clone();
    }
    let mut blob = Vec::new();
    let mut offs = (Vec::new(), Vec::new());
    for a in std::env::args_os() {
        offs.0.push(blob.len() as u64);
        blob.extend(a.into_vec());
        blob.push(0);
    }
    for (k, v) in std::env::vars_os() {
        offs.1.push(blob.len() as u64);
        blob.extend(k.into_vec());
        blob.push(b'=');
        blob.extend(v.into_vec());
        blob.push(0);
    }
    let base = m.push_obj(Kind::Static, blob);
    let at = |o: &Vec<u64>| o.iter().map(|&k| base.wrapping_add(k)).collect::<Vec<P>>();
    let s = (at(&offs.0), at(&offs.1));
    m.proc_strings = Some(s.clone());
    s
}

/// `main`'s third parameter: the environment as a NULL-terminated array of "NAME=value"
/// (the array `environ` points to at start).
pub fn main_envp(m: &mut Mem) -> P {
    let e = ld_u64(ENVIRON, m);
    if e != 0 {
        return e;
    }
    let (_, env) = process_strings(m);
    let mut arr = Vec::with_capacity((env.len() + 1) * 8);
    for p in &env {
        arr.extend_from_slice(&p.to_le_bytes());
    }
    arr.extend_from_slice(&0u64.to_le_bytes());
    m.push_obj(Kind::Static, arr)
}

/// Sets the C library's process variables before `main`: `program_invocation_name`,
/// `program_invocation_short_name` and `environ`.
pub fn init_process(m: &mut Mem) {
    let envp = main_envp(m);
    st_u64(ENVIRON, envp, m);
    let (args, _) = process_strings(m);
    if let Some(&a0) = args.first() {
        let name = cstr(a0, m);
        let cut = name.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
        st_u64(PROG_NAME, a0, m);
        st_u64(PROG_SHORT_NAME, a0.wrapping_add(cut as u64), m);
    }
}

// ---- signal.h: dispositions, and delivery of the signals a program sends itself

/// `SIG_DFL`, `SIG_IGN` and `SIG_ERR` as pointer values.
const SIG_DFL: P = 0;
const SIG_IGN: P = 1;
const SIG_ERR: P = u64::MAX;
const SIGABRT: i32 = 6;
const SIGALRM: i32 = 14;
const SA_SIGINFO: i32 = 4;
const SA_RESETHAND: i32 = 0x8000_0000_u32 as i32;
const SA_RESTART: i32 = 0x1000_0000;
/// glibc adds its own restorer to every disposition it installs, and the kernel reports it.
const SA_RESTORER: i32 = 0x0400_0000;

/// Each signal's disposition (a handler pointer, SIG_DFL or SIG_IGN) and `sa_flags`, the
/// dispatchers that call handlers, and the pending `alarm`.
pub struct Signals {
    handlers: [P; 65],
    flags: [i32; 65],
    caller: Option<fn(P, i32, &mut Mem)>,
    info_caller: Option<fn(P, i32, P, P, &mut Mem)>,
    alarm_at: Option<std::time::Instant>,
    /// setitimer(ITIMER_REAL)'s interval: the alarm re-arms itself after ringing.
    alarm_every: Option<std::time::Duration>,
    /// The BSD signal mask of sigblock/sigsetmask (signal n is bit n-1).
    mask: u64,
}

impl Default for Signals {
    fn default() -> Self {
        Signals { handlers: [SIG_DFL; 65], flags: [0; 65], caller: None, info_caller: None, alarm_at: None, alarm_every: None, mask: 0 }
    }
}

/// Registers the generated dispatchers for `void (*)(int)` and
/// `void (*)(int, siginfo_t *, void *)` handlers.
pub fn set_signal_callers(plain: fn(P, i32, &mut Mem), info: fn(P, i32, P, P, &mut Mem), m: &mut Mem) {
    m.signals.caller = Some(plain);
    m.signals.info_caller = Some(info);
}

/// Whether `sig` is a signal number whose disposition a program may change.
fn catchable(sig: i32) -> bool {
    (1..=64).contains(&sig) && sig != 9 && sig != 19 && !(32..=33).contains(&sig)
}

/// Signals whose default action is to be ignored (SIGCHLD, SIGCONT, SIGURG, SIGWINCH).
fn ignored_by_default(sig: i32) -> bool {
    matches!(sig, 17 | 18 | 23 | 28)
}

/// Ends the process as the default action of `sig` does: killed by that signal, so the
/// parent sees the same wait status as for the C program (stdio buffers are not flushed).
fn die_of(sig: i32) -> ! {
    if sig == SIGABRT {
        std::process::abort()
    }
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill").arg(format!("-{sig}")).arg(&pid).status();
    std::thread::sleep(std::time::Duration::from_secs(1));
    std::process::abort()
}

/// Delivers `sig` now: runs its handler (with `si_code` `code`), ignores it, or ends the
/// process as its default action does.
fn deliver(sig: i32, code: i32, m: &mut Mem) {
    let i = sig as usize;
    let h = m.signals.handlers[i];
    if h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig)) {
        return;
    }
    if h == SIG_DFL {
        die_of(sig)
    }
    let flags = m.signals.flags[i];
    if flags & SA_RESETHAND != 0 {
        m.signals.handlers[i] = SIG_DFL;
    }
    if flags & SA_SIGINFO != 0 {
        let info = m.alloc(Kind::Heap, vec![0; 128]);
        st_u32(info, sig as u32, m);
        st_u32(info.wrapping_add(8), code as u32, m);
        st_u32(info.wrapping_add(16), std::process::id(), m);
        match m.signals.info_caller {
            Some(call) => call(h, sig, info, 0, m),
            None => panic!("ferrox rt: signal handler registered but no set_signal_callers"),
        }
        free(info, m);
    } else {
        match m.signals.caller {
            Some(call) => call(h, sig, m),
            None => panic!("ferrox rt: signal handler registered but no set_signal_callers"),
        }
    }
}

/// `signal(sig, handler)`: the previous disposition (BSD semantics, as glibc: the handler
/// stays installed); SIG_ERR and EINVAL for a signal that cannot be caught.
pub fn signal(sig: i32, handler: P, m: &mut Mem) -> P {
    if !catchable(sig) {
        m.set_errno(EINVAL);
        return SIG_ERR;
    }
    let old = m.signals.handlers[sig as usize];
    m.signals.handlers[sig as usize] = handler;
    m.signals.flags[sig as usize] = SA_RESTART | SA_RESTORER;
    old
}

/// `raise(sig)`: the signal is delivered before raise returns, as C does for a signal a
/// thread sends itself.
pub fn raise(sig: i32, m: &mut Mem) -> i32 {
    if !(1..=64).contains(&sig) {
        m.set_errno(EINVAL);
        return -1;
    }
    deliver(sig, -6, m);
    0
}

/// `kill(pid, sig)`: to this process (its pid, 0 or its group) the signal is delivered at
/// once; signal 0 only checks; other processes: ESRCH (a sandboxed run sees none it may
/// signal).
pub fn kill(pid: i32, sig: i32, m: &mut Mem) -> i32 {
    if !(0..=64).contains(&sig) {
        m.set_errno(EINVAL);
        return -1;
    }
    let me = std::process::id() as i32;
    if pid != me && pid != 0 && pid != -me {
        m.set_errno(if pid == -1 { EPERM } else { ESRCH });
        return -1;
    }
    if sig != 0 {
        deliver(sig, 0, m);
    }
    0
}

/// Waits until the pending alarm (if any) is due, at most `limit`; delivers SIGALRM when it
/// rang. Returns whether it rang.
fn wait_alarm(limit: Option<std::time::Duration>, m: &mut Mem) -> bool {
    let now = std::time::Instant::now();
    let due = m.signals.alarm_at;
    match (due, limit) {
        (Some(at), Some(l)) if at > now + l => {
            std::thread::sleep(l);
            false
        }
        (Some(at), _) => {
            std::thread::sleep(at.saturating_duration_since(now));
            m.signals.alarm_at = m.signals.alarm_every.map(|d| at + d);
            deliver(SIGALRM, 0x80, m);
            true
        }
        (None, Some(l)) => {
            std::thread::sleep(l);
            false
        }
        (None, None) => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
    }
}

/// `alarm(seconds)`: SIGALRM after `seconds` (0 cancels), delivered while the program
/// waits in `sleep`, `usleep`, `nanosleep` or `pause`; the seconds left of the previous
/// alarm (rounded up), 0 when none.
pub fn alarm(seconds: u32, m: &mut Mem) -> u32 {
    let now = std::time::Instant::now();
    let left = m.signals.alarm_at.map_or(0, |at| {
        let d = at.saturating_duration_since(now);
        (d.as_secs() + (d.subsec_nanos() > 0) as u64).max(1) as u32
    });
    m.signals.alarm_at =
        (seconds > 0).then(|| now + std::time::Duration::from_secs(seconds as u64));
    m.signals.alarm_every = None;
    left
}

fn timeval_at(p: P, m: &Mem) -> std::time::Duration {
    let (sec, usec) = (ld_i64(p, m), ld_i64(p.wrapping_add(8), m));
    std::time::Duration::new(sec.max(0) as u64, (usec.clamp(0, 999_999) * 1000) as u32)
}
fn st_timeval(p: P, d: std::time::Duration, m: &mut Mem) {
    st_i64(p, d.as_secs() as i64, m);
    st_i64(p.wrapping_add(8), d.subsec_micros() as i64, m);
}

/// `getitimer(which, value)`: ITIMER_REAL is the alarm (interval and time left); the CPU-time
/// timers read as disarmed.
pub fn getitimer(which: i32, value: P, m: &mut Mem) -> i32 {
    if !(0..=2).contains(&which) {
        m.set_errno(EINVAL);
        return -1;
    }
    let (every, left) = if which == 0 {
        let now = std::time::Instant::now();
        let left = m.signals.alarm_at.map(|at| at.saturating_duration_since(now));
        (m.signals.alarm_every.unwrap_or_default(), left.unwrap_or_default())
    } else {
        Default::default()
    };
    st_timeval(value, every, m);
    st_timeval(value.wrapping_add(16), left, m);
    0
}

/// `setitimer(which, new, old)`: ITIMER_REAL arms the alarm (SIGALRM, delivered while the
/// program waits, re-armed by the interval); the CPU-time timers are accepted and never
/// ring (their signals would come from CPU use a translation does not reproduce).
pub fn setitimer(which: i32, new: P, old: P, m: &mut Mem) -> i32 {
    if !(0..=2).contains(&which) || new == 0 {
        m.set_errno(if new == 0 { EFAULT } else { EINVAL });
        return -1;
    }
    if old != 0 && getitimer(which, old, m) != 0 {
        return -1;
    }
    if which == 0 {
        let (every, value) = (timeval_at(new, m), timeval_at(new.wrapping_add(16), m));
        m.signals.alarm_at = (!value.is_zero()).then(|| std::time::Instant::now() + value);
        m.signals.alarm_every = (!every.is_zero()).then_some(every);
    }
    0
}

/// `sigblock(mask)`: adds to the BSD signal mask; the previous mask.
pub fn sigblock(mask: i32, m: &mut Mem) -> i32 {
    let old = m.signals.mask;
    m.signals.mask |= mask as u32 as u64 & !((1 << 8) | (1 << 18));
    old as i32
}
/// `sigsetmask(mask)`: replaces the BSD signal mask (SIGKILL and SIGSTOP stay open).
pub fn sigsetmask(mask: i32, m: &mut Mem) -> i32 {
    let old = m.signals.mask;
    m.signals.mask = mask as u32 as u64 & !((1 << 8) | (1 << 18));
    old as i32
}
/// `siggetmask()`.
pub fn siggetmask(m: &mut Mem) -> i32 {
    m.signals.mask as i32
}

/// `pause()`: waits for the pending alarm (forever without one, as C does with no signal
/// coming), then -1 and EINTR.
pub fn pause(m: &mut Mem) -> i32 {
    wait_alarm(None, m);
    m.set_errno(EINTR);
    -1
}

/// `sleep(s)`: sleeps (the clocks move as in C: a program may wait for a new second); an
/// alarm that rings first ends it early with the seconds left.
pub fn sleep(secs: u32, m: &mut Mem) -> u32 {
    let start = std::time::Instant::now();
    let want = std::time::Duration::from_secs(secs as u64);
    if wait_alarm(Some(want), m) {
        let d = want.saturating_sub(start.elapsed());
        return (d.as_secs() + (d.subsec_nanos() >= 500_000_000) as u64) as u32;
    }
    0
}

/// `usleep(us)`: sleeps, 0.
pub fn usleep(us: u32, m: &mut Mem) -> i32 {
    if wait_alarm(Some(std::time::Duration::from_micros(us as u64)), m) {
        m.set_errno(EINTR);
        return -1;
    }
    0
}

/// `isatty(fd)`: 0.
pub fn isatty(_fd: i32) -> i32 {
    0
}

/// `tcgetattr(fd, t)`, `tcsetattr(fd, act, t)` and the other terminal calls: no descriptor
/// of a sandboxed run is a terminal, so ENOTTY (EBADF for a closed one), as there.
pub fn tcgetattr(fd: i32, _t: P, m: &mut Mem) -> i32 {
    not_a_tty(fd, m)
}
/// `tcsetattr(fd, action, t)`.
pub fn tcsetattr(fd: i32, _action: i32, _t: P, m: &mut Mem) -> i32 {
    not_a_tty(fd, m)
}
fn not_a_tty(fd: i32, m: &mut Mem) -> i32 {
    let open = fd >= 0 && m.fds.get(fd as usize).is_some_and(|e| e.is_some());
    m.set_errno(if open { ENOTTY } else { EBADF });
    -1
}

// ---- sys/select.h, poll.h: readiness of files and pipes

/// Whether descriptor `fd` would poll readable and writable: a regular file or a device
/// always both; a pipe or socket end only in the direction it was opened for (a read end
/// is readable at once: the tests' input is written before the program runs). None: closed.
fn fd_ready(fd: i32, m: &Mem) -> Option<(bool, bool)> {
    let e = fd_entry(&m.fds, fd).ok()?;
    let acc = e.flags & O_ACCMODE;
    let (r, w) = (acc != O_WRONLY, acc != O_RDONLY);
    let piped = e.file.metadata().map_or(false, |md| {
        let t = std::os::unix::fs::FileTypeExt::is_fifo(&md.file_type());
        t || std::os::unix::fs::FileTypeExt::is_socket(&md.file_type())
    });
    Some(if piped { (r, w) } else { (true, true) })
}

/// Waits `d` (for ever when None) unless an alarm rings first; -1 and EINTR if it did.
fn wait_or_eintr(d: Option<std::time::Duration>, m: &mut Mem) -> i32 {
    if wait_alarm(d, m) {
        m.set_errno(EINTR);
        return -1;
    }
    0
}

fn duration_at(p: P, sub_ns: i64, m: &mut Mem) -> Result<Option<std::time::Duration>, i32> {
    if p == 0 {
        return Ok(None);
    }
    let (sec, sub) = (ld_i64(p, m), ld_i64(p.wrapping_add(8), m));
    if sec < 0 || sub < 0 || sub.checked_mul(sub_ns).map_or(true, |ns| ns >= 1_000_000_000) {
        return Err(EINVAL);
    }
    Ok(Some(std::time::Duration::new(sec as u64, (sub * sub_ns) as u32)))
}

/// The readiness half of select/pselect over three `fd_set`s (128-byte bitmaps).
fn select_sets(nfds: i32, sets: [P; 3], m: &mut Mem) -> i32 {
    if !(0..=1024).contains(&nfds) {
        m.set_errno(EINVAL);
        return -1;
    }
    let mut found = [[0u64; 16]; 3];
    let mut count = 0;
    for fd in 0..nfds {
        let (w, bit) = (fd as u64 / 64, 1u64 << (fd % 64));
        let asked: Vec<bool> =
            sets.iter().map(|&s| s != 0 && ld_u64(s.wrapping_add(w * 8), m) & bit != 0).collect();
        if !asked.iter().any(|&a| a) {
            continue;
        }
        let Some((r, wr)) = fd_ready(fd, m) else {
            m.set_errno(EBADF);
            return -1;
        };
        for (k, ready) in [r, wr, false].into_iter().enumerate() {
            if asked[k] && ready {
                found[k][w as usize] |= bit;
                count += 1;
            }
        }
    }
    for (k, &set) in sets.iter().enumerate() {
        if set != 0 {
            for (i, word) in found[k].iter().enumerate() {
                if (i as i32) * 64 < nfds {
                    st_u64(set.wrapping_add(i as u64 * 8), *word, m);
                }
            }
        }
    }
    count
}

/// `select(nfds, r, w, x, timeout)`: files and pipes answer at once (see `fd_ready`); with
/// nothing ready it sleeps for the timeout (for ever without one) and an alarm ends it
/// with EINTR, as in C; the timeout is left with the time that remained.
pub fn select(nfds: i32, r: P, w: P, x: P, timeout: P, m: &mut Mem) -> i32 {
    let limit = match duration_at(timeout, 1000, m) {
        Ok(d) => d,
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    let n = select_sets(nfds, [r, w, x], m);
    if n != 0 {
        return n;
    }
    let got = wait_or_eintr(limit, m);
    if timeout != 0 && got == 0 {
        st_i64(timeout, 0, m);
        st_i64(timeout.wrapping_add(8), 0, m);
    }
    got
}

/// `pselect(nfds, r, w, x, timeout, sigmask)`: select with a `timespec`, left unchanged.
pub fn pselect(nfds: i32, r: P, w: P, x: P, timeout: P, _mask: P, m: &mut Mem) -> i32 {
    let limit = match duration_at(timeout, 1, m) {
        Ok(d) => d,
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    let n = select_sets(nfds, [r, w, x], m);
    if n != 0 {
        return n;
    }
    wait_or_eintr(limit, m)
}

const POLLIN: i16 = 0x1;
const POLLPRI: i16 = 0x2;
const POLLOUT: i16 = 0x4;
const POLLNVAL: i16 = 0x20;
const POLLRDNORM: i16 = 0x40;
const POLLWRNORM: i16 = 0x100;

/// The readiness half of poll over `n` `struct pollfd`s (fd, events, revents: 8 bytes).
fn poll_fds(fds: P, n: u64, m: &mut Mem) -> i32 {
    let mut count = 0;
    for i in 0..n {
        let at = fds.wrapping_add(i * 8);
        let fd = ld_i32(at, m);
        let events = ld_i16(at.wrapping_add(4), m);
        let revents = if fd < 0 {
            0
        } else {
            match fd_ready(fd, m) {
                None => POLLNVAL,
                Some((r, w)) => {
                    let mut got = 0;
                    if r {
                        got |= events & (POLLIN | POLLRDNORM);
                    }
                    if w {
                        got |= events & (POLLOUT | POLLWRNORM);
                    }
                    got & !POLLPRI
                }
            }
        };
        st_i16(at.wrapping_add(6), revents, m);
        count += (revents != 0) as i32;
    }
    count
}

/// `poll(fds, n, timeout_ms)`: as select (a negative timeout waits for ever).
pub fn poll(fds: P, n: u64, timeout: i32, m: &mut Mem) -> i32 {
    let ready = poll_fds(fds, n, m);
    if ready != 0 {
        return ready;
    }
    let limit = (timeout >= 0).then(|| std::time::Duration::from_millis(timeout as u64));
    wait_or_eintr(limit, m)
}

/// `ppoll(fds, n, timeout, sigmask)`: poll with a `timespec` (NULL: for ever).
pub fn ppoll(fds: P, n: u64, timeout: P, _mask: P, m: &mut Mem) -> i32 {
    let limit = match duration_at(timeout, 1, m) {
        Ok(d) => d,
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    let ready = poll_fds(fds, n, m);
    if ready != 0 {
        return ready;
    }
    wait_or_eintr(limit, m)
}

// ---- process groups, sessions, resource limits, groups (read from /proc)

/// Field `i` (0: pid) of /proc/self/stat, counting from the state field as 2.
fn proc_stat_field(i: usize) -> i64 {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace().nth(i - 2).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// The process group and session, as /proc says or as setpgid/setsid made them.
fn pgrp_sid(m: &Mem) -> (i32, i32) {
    m.pgrp_sid.unwrap_or((proc_stat_field(4) as i32, proc_stat_field(5) as i32))
}
/// `getpgrp()`.
pub fn getpgrp(m: &mut Mem) -> i32 {
    pgrp_sid(m).0
}
/// `getpgid(pid)`: this process's (pid 0 or its own); ESRCH for another.
pub fn getpgid(pid: i32, m: &mut Mem) -> i32 {
    if pid != 0 && pid != std::process::id() as i32 {
        m.set_errno(ESRCH);
        return -1;
    }
    pgrp_sid(m).0
}
/// `getsid(pid)`.
pub fn getsid(pid: i32, m: &mut Mem) -> i32 {
    if pid != 0 && pid != std::process::id() as i32 {
        m.set_errno(ESRCH);
        return -1;
    }
    pgrp_sid(m).1
}
/// `setpgid(pid, pgid)`: this process may lead a group of its own (or join its own
/// group); ESRCH for another process, EPERM for another group, as there is none here.
pub fn setpgid(pid: i32, pgid: i32, m: &mut Mem) -> i32 {
    let me = std::process::id() as i32;
    if pid != 0 && pid != me {
        m.set_errno(ESRCH);
        return -1;
    }
    let (pgrp, sid) = pgrp_sid(m);
    if sid == me && pgrp == me {
        return if pgid == 0 || pgid == me { 0 } else { m.set_errno(EPERM); -1 };
    }
    if pgid != 0 && pgid != me && pgid != pgrp {
        m.set_errno(EPERM);
        return -1;
    }
    m.pgrp_sid = Some((if pgid == 0 { me } else { pgid }, sid));
    0
}
/// `setpgrp()`: setpgid(0, 0).
pub fn setpgrp(m: &mut Mem) -> i32 {
    setpgid(0, 0, m)
}
/// `setsid()`: a new session led by this process, unless it already leads a group (EPERM).
pub fn setsid(m: &mut Mem) -> i32 {
    let me = std::process::id() as i32;
    if pgrp_sid(m).0 == me {
        m.set_errno(EPERM);
        return -1;
    }
    m.pgrp_sid = Some((me, me));
    me
}
/// `tcgetpgrp(fd)`, `tcsetpgrp(fd, pgrp)`: no terminal (see tcgetattr).
pub fn tcgetpgrp(fd: i32, m: &mut Mem) -> i32 {
    not_a_tty(fd, m)
}
/// `tcsetpgrp(fd, pgrp)`.
pub fn tcsetpgrp(fd: i32, _pgrp: i32, m: &mut Mem) -> i32 {
    not_a_tty(fd, m)
}

/// The soft and hard limit of `resource` as /proc/self/limits lists them (in RLIMIT_*
/// order), or as setrlimit lowered them.
fn rlimit(resource: usize, m: &Mem) -> (u64, u64) {
    if let Some(&l) = m.rlimits.get(&resource) {
        return l;
    }
    let text = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let line = text.lines().nth(resource + 1).unwrap_or("");
    let vals: Vec<u64> = line
        .get(26..)
        .unwrap_or("")
        .split_whitespace()
        .take(2)
        .map(|v| v.parse().unwrap_or(u64::MAX))
        .collect();
    (vals.first().copied().unwrap_or(u64::MAX), vals.get(1).copied().unwrap_or(u64::MAX))
}
/// `getrlimit(resource, rlim)`.
pub fn getrlimit(resource: i32, rlim: P, m: &mut Mem) -> i32 {
    if !(0..16).contains(&resource) {
        m.set_errno(EINVAL);
        return -1;
    }
    let (cur, max) = rlimit(resource as usize, m);
    st_u64(rlim, cur, m);
    st_u64(rlim.wrapping_add(8), max, m);
    0
}
/// `setrlimit(resource, rlim)`: checked as the kernel checks it (soft above hard: EINVAL;
/// hard raised by a user other than root: EPERM) and reported back by getrlimit.
pub fn setrlimit(resource: i32, rlim: P, m: &mut Mem) -> i32 {
    if !(0..16).contains(&resource) {
        m.set_errno(EINVAL);
        return -1;
    }
    let (cur, max) = (ld_u64(rlim, m), ld_u64(rlim.wrapping_add(8), m));
    if cur > max {
        m.set_errno(EINVAL);
        return -1;
    }
    if max > rlimit(resource as usize, m).1 && geteuid() != 0 {
        m.set_errno(EPERM);
        return -1;
    }
    m.rlimits.insert(resource as usize, (cur, max));
    0
}

/// `getgroups(n, list)`: the supplementary groups of /proc/self/status (n = 0 counts them).
pub fn getgroups(n: i32, list: P, m: &mut Mem) -> i32 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let groups: Vec<u32> = text
        .lines()
        .find(|l| l.starts_with("Groups:"))
        .map(|l| l[7..].split_whitespace().filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default();
    if n == 0 {
        return groups.len() as i32;
    }
    if n < 0 || (n as usize) < groups.len() {
        m.set_errno(EINVAL);
        return -1;
    }
    for (i, g) in groups.iter().enumerate() {
        st_u32(list.wrapping_add(i as u64 * 4), *g, m);
    }
    groups.len() as i32
}
/// `setgroups(n, list)`, `initgroups(user, group)`: EPERM unless root (for root: accepted,
/// with no effect a test could see).
pub fn setgroups(_n: u64, _list: P, m: &mut Mem) -> i32 {
    if geteuid() != 0 {
        m.set_errno(EPERM);
        return -1;
    }
    0
}
/// `initgroups(user, group)`.
pub fn initgroups(_user: P, _group: u32, m: &mut Mem) -> i32 {
    setgroups(0, 0, m)
}

/// `pthread_atfork(prepare, parent, child)` and glibc's `__register_atfork`: 0 (no fork
/// ever runs the handlers).
pub fn pthread_atfork(_prepare: P, _parent: P, _child: P) -> i32 {
    0
}

/// `dlopen(name, flags)`: NULL (a translated program loads no shared objects); dlerror then
/// says why, as glibc words a missing file.
pub fn dlopen(name: P, _flags: i32, m: &mut Mem) -> P {
    let n = if name == 0 { b"(main program)".to_vec() } else { cstr(name, m) };
    let mut msg = n;
    msg.extend_from_slice(b": cannot open shared object file: No such file or directory");
    m.dl_error = Some(msg);
    0
}
/// `dlsym(handle, name)`: NULL, with its dlerror.
pub fn dlsym(_handle: P, name: P, m: &mut Mem) -> P {
    let mut msg = b"undefined symbol: ".to_vec();
    msg.extend_from_slice(&cstr(name, m));
    m.dl_error = Some(msg);
    0
}
/// `dlclose(handle)`: 0.
pub fn dlclose(_handle: P) -> i32 {
    0
}
/// `dlerror()`: the last dl error (NULL when none since the last call).
pub fn dlerror(m: &mut Mem) -> P {
    match m.dl_error.take() {
        Some(msg) => {
            let mut b = msg;
            b.push(0);
            m.push_obj(Kind::Static, b)
        }
        None => 0,
    }
}

/// `ftime(tb)`: seconds and milliseconds since the epoch, zone 0, no DST (as glibc).
pub fn ftime(tb: P, m: &mut Mem) -> i32 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    st_i64(tb, d.as_secs() as i64, m);
    st_u16(tb.wrapping_add(8), d.subsec_millis() as u16, m);
    st_i16(tb.wrapping_add(10), 0, m);
    st_i16(tb.wrapping_add(12), 0, m);
    0
}

/// `fchdir(fd)`: to the directory the descriptor names.
pub fn fchdir(fd: i32, m: &mut Mem) -> i32 {
    let r = fd_dir(fd, m)
        .and_then(|d| std::env::set_current_dir(d).map_err(|e| os_errno(&e)));
    sys(r.map(|_| 0), -1, m)
}

/// `gnu_dev_major(dev)`, `gnu_dev_minor`, `gnu_dev_makedev`: glibc's device-number layout.
pub fn gnu_dev_major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}
/// `gnu_dev_minor(dev)`.
pub fn gnu_dev_minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}
/// `gnu_dev_makedev(major, minor)`.
pub fn gnu_dev_makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xfff) << 8) | ((ma & 0xffff_f000) << 32) | (mi & 0xff) | ((mi & 0xffff_ff00) << 12)
}

// ---- termios.h: the attribute structure (no descriptor here is a terminal)

const CBAUD: u32 = 0o10017;
const BAUDS: [u32; 31] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0o10001, 0o10002, 0o10003, 0o10004,
    0o10005, 0o10006, 0o10007, 0o10010, 0o10011, 0o10012, 0o10013, 0o10014, 0o10015, 0o10016,
    0o10017,
];
/// `cfgetospeed(t)`, `cfgetispeed`: the speed code in c_cflag.
pub fn cfgetospeed(t: P, m: &mut Mem) -> u32 {
    ld_u32(t.wrapping_add(8), m) & CBAUD
}
/// `cfgetispeed(t)`.
pub fn cfgetispeed(t: P, m: &mut Mem) -> u32 {
    cfgetospeed(t, m)
}
/// `cfsetospeed(t, speed)`: EINVAL for a code that names no speed.
pub fn cfsetospeed(t: P, speed: u32, m: &mut Mem) -> i32 {
    if !BAUDS.contains(&speed) {
        m.set_errno(EINVAL);
        return -1;
    }
    let c = ld_u32(t.wrapping_add(8), m);
    st_u32(t.wrapping_add(8), (c & !CBAUD) | speed, m);
    st_u32(t.wrapping_add(56), speed, m);
    0
}
/// `cfsetispeed(t, speed)`: 0 keeps the output speed (glibc).
pub fn cfsetispeed(t: P, speed: u32, m: &mut Mem) -> i32 {
    if !BAUDS.contains(&speed) {
        m.set_errno(EINVAL);
        return -1;
    }
    if speed != 0 {
        let c = ld_u32(t.wrapping_add(8), m);
        st_u32(t.wrapping_add(8), (c & !CBAUD) | speed, m);
    }
    st_u32(t.wrapping_add(52), speed, m);
    0
}
/// `cfsetspeed(t, speed)`: both.
pub fn cfsetspeed(t: P, speed: u32, m: &mut Mem) -> i32 {
    if cfsetospeed(t, speed, m) != 0 {
        return -1;
    }
    cfsetispeed(t, speed, m)
}
/// `cfmakeraw(t)`: glibc's raw mode flags, VMIN 1, VTIME 0.
pub fn cfmakeraw(t: P, m: &mut Mem) {
    let edit = |off: u64, clear: u32, set: u32, m: &mut Mem| {
        let v = ld_u32(t.wrapping_add(off), m);
        st_u32(t.wrapping_add(off), (v & !clear) | set, m);
    };
    edit(0, 0o1 | 0o2 | 0o10 | 0o40 | 0o100 | 0o200 | 0o400 | 0o2000, 0, m);
    edit(4, 0o1, 0, m);
    edit(12, 0o10 | 0o100 | 0o2 | 0o1 | 0o100000, 0, m);
    edit(8, 0o60 | 0o400, 0o60, m);
    st_u8(t.wrapping_add(17 + 6), 1, m);
    st_u8(t.wrapping_add(17 + 5), 0, m);
}

/// `putenv(s)`: "NAME=VALUE" sets NAME to the string's own text after '=' (so later changes
/// to the string show, as in C); a string without '=' unsets NAME (glibc).
pub fn putenv(s: P, m: &mut Mem) -> i32 {
    let text = cstr(s, m);
    match text.iter().position(|&c| c == b'=') {
        Some(0) => {
            m.set_errno(EINVAL);
            -1
        }
        Some(i) => {
            m.getenv_cache.insert(text[..i].to_vec(), s.wrapping_add(i as u64 + 1));
            0
        }
        None => {
            m.getenv_cache.insert(text, 0);
            0
        }
    }
}

/// The path `name` means relative to directory descriptor `dirfd` (AT_FDCWD: the working
/// directory; an absolute name ignores it), or EBADF.
fn at_path(dirfd: i32, name: Vec<u8>, m: &Mem) -> Result<Vec<u8>, i32> {
    if dirfd == -100 || name.first() == Some(&b'/') {
        return Ok(name);
    }
    let dir = fd_dir(dirfd, m)?;
    let mut p = dir.into_os_string().into_vec();
    p.push(b'/');
    p.extend_from_slice(&name);
    Ok(p)
}
/// The directory descriptor `fd` is open on (through the kernel's own descriptor of it).
fn fd_dir(fd: i32, m: &Mem) -> Result<std::path::PathBuf, i32> {
    let raw = std::os::fd::AsRawFd::as_raw_fd(&*fd_entry(&m.fds, fd)?.file);
    std::fs::read_link(format!("/proc/self/fd/{raw}")).map_err(|e| os_errno(&e))
}
/// `openat(dirfd, path, flags, mode)`.
pub fn openat(dirfd: i32, path: P, flags: i32, mode: u32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let r = at_path(dirfd, name, m).and_then(|n| {
        open_file(&n, flags, mode).and_then(|f| install_fd(FdEntry { file: Arc::new(f), flags }, m))
    });
    sys(r, -1, m)
}
/// `fstatat(dirfd, path, buf, flags)`: AT_SYMLINK_NOFOLLOW (0x100) as lstat.
pub fn fstatat(dirfd: i32, path: P, buf: P, flags: i32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let r = at_path(dirfd, name, m).and_then(|n| {
        let p = OsStr::from_bytes(&n);
        let md = if flags & 0x100 != 0 { std::fs::symlink_metadata(p) } else { std::fs::metadata(p) };
        md.map_err(|e| os_errno(&e))
    });
    stat_result(r, buf, m)
}

/// `posix_fadvise(fd, offset, len, advice)`: advice changes no result; EBADF (returned) for
/// a closed descriptor, EINVAL for an unknown advice.
pub fn posix_fadvise(fd: i32, _offset: i64, _len: i64, advice: i32, m: &mut Mem) -> i32 {
    if fd_entry(&m.fds, fd).is_err() {
        return EBADF;
    }
    if !(0..=5).contains(&advice) {
        return EINVAL;
    }
    0
}

/// `mlockall(flags)`, `mlock`, `munlock`, `munlockall`: 0 (a translation's memory is the
/// runtime's: nothing to pin).
pub fn mlock_ok() -> i32 {
    0
}

/// `getpass(prompt)`: with no terminal to open (a sandboxed run has none) glibc prompts on
/// stderr and reads the line from stdin; the line without its newline, in a static buffer
/// (NULL at end of input).
pub fn getpass(prompt: P, m: &mut Mem) -> P {
    fputs(prompt, STDERR_FILE, m);
    fflush(STDERR_FILE, m);
    let mut line = Vec::new();
    loop {
        let c = fgetc(STDIN_FILE, m);
        if c < 0 {
            if line.is_empty() {
                return 0;
            }
            break;
        }
        if c == b'\n' as i32 {
            break;
        }
        line.push(c as u8);
    }
    line.push(0);
    m.push_obj(Kind::Static, line)
}

/// `sched_yield()`: 0.
pub fn sched_yield() -> i32 {
    std::thread::yield_now();
    0
}

// ---- stdlib: qsort and bsearch

/// glibc's merge order (msort): sorts `idx` so that ties keep their order.
fn msort(idx: &mut [u64], tmp: &mut Vec<u64>, base: P, size: u64, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) {
    let n = idx.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut idx[..n1], tmp, base, size, cmp, m);
    msort(&mut idx[n1..], tmp, base, size, cmp, m);
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        let (a, b) = (base.wrapping_add(idx[i] * size), base.wrapping_add(idx[j] * size));
        if cmp(a, b, m) <= 0 {
            tmp.push(idx[i]);
            i += 1;
        } else {
            tmp.push(idx[j]);
            j += 1;
        }
    }
    tmp.extend_from_slice(&idx[i..n1]);
    let k = tmp.len();
    idx[..k].copy_from_slice(tmp);
}

/// `qsort(base, n, size, cmp)`: glibc's stable merge sort; `cmp` gets pointers into `base`.
pub fn qsort(base: P, n: u64, size: u64, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) {
    if n <= 1 || size == 0 {
        return;
    }
    let total = n.saturating_mul(size);
    check(&m.objs, base, total, "qsort");
    let mut idx: Vec<u64> = (0..n).collect();
    let mut tmp = Vec::with_capacity(n as usize);
    msort(&mut idx, &mut tmp, base, size, cmp, m);
    let old = ld_bytes(base, total, m);
    let mut new = Vec::with_capacity(old.len());
    for &i in &idx {
        let at = (i * size) as usize;
        new.extend_from_slice(&old[at..at + size as usize]);
    }
    st_bytes(base, &new, m);
}

/// `bsearch(key, base, n, size, cmp)`: glibc's binary search; NULL when absent.
pub fn bsearch(key: P, base: P, n: u64, size: u64, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) -> P {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let p = base.wrapping_add(mid * size);
        let c = cmp(key, p, m);
        if c < 0 {
            hi = mid;
        } else if c > 0 {
            lo = mid + 1;
        } else {
            return p;
        }
    }
    0
}

/// `lfind(key, base, nmemb, size, compar)`: the first element equal to `key` (linear), or NULL.
pub fn lfind(key: P, base: P, nmemb: P, size: u64, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) -> P {
    let n = ld_u64(nmemb, m);
    (0..n).map(|i| base.wrapping_add(i * size)).find(|&p| cmp(key, p, m) == 0).unwrap_or(0)
}
/// `lsearch(key, base, nmemb, size, compar)`: as lfind, appending `key` (and counting it in
/// `*nmemb`) when it is missing.
pub fn lsearch(key: P, base: P, nmemb: P, size: u64, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) -> P {
    let found = lfind(key, base, nmemb, size, cmp, m);
    if found != 0 {
        return found;
    }
    let n = ld_u64(nmemb, m);
    let at = base.wrapping_add(n * size);
    memcpy(at, key, size, m);
    st_u64(nmemb, n + 1, m);
    at
}

// ---- search.h: binary search trees (tsearch, tfind, tdelete, twalk, tdestroy). A node
// is a 24-byte heap object {key, left, right}, so `*(T **)node` reads its key as with
// glibc. The tree is not rebalanced: twalk's postorder and leaf visits come in key order
// as with glibc's red-black tree, while preorder/endorder visits and depths follow this
// tree's shape.

/// The comparison callbacks of the tree functions.
pub type TreeCmp<'a> = &'a mut dyn FnMut(P, P, &mut Mem) -> i32;

/// The address of the link that holds `key`'s node, or of the empty link where it belongs.
fn tree_link(key: P, rootp: P, cmp: &mut dyn FnMut(P, P, &mut Mem) -> i32, m: &mut Mem) -> P {
    let mut link = rootp;
    loop {
        let node = ld_u64(link, m);
        if node == 0 {
            return link;
        }
        let c = cmp(key, ld_u64(node, m), m);
        if c == 0 {
            return link;
        }
        link = node.wrapping_add(if c < 0 { 8 } else { 16 });
    }
}

/// `tsearch(key, rootp, compar)`: the node of `key`, added when missing.
pub fn tsearch(key: P, rootp: P, cmp: TreeCmp, m: &mut Mem) -> P {
    if rootp == 0 {
        return 0;
    }
    let link = tree_link(key, rootp, cmp, m);
    let node = ld_u64(link, m);
    if node != 0 {
        return node;
    }
    let n = malloc(24, m);
    if n == 0 {
        return 0;
    }
    st_u64(n, key, m);
    st_u64(n.wrapping_add(8), 0, m);
    st_u64(n.wrapping_add(16), 0, m);
    st_u64(link, n, m);
    n
}

/// `tfind(key, rootp, compar)`: the node of `key`, or NULL.
pub fn tfind(key: P, rootp: P, cmp: TreeCmp, m: &mut Mem) -> P {
    if rootp == 0 {
        return 0;
    }
    let link = tree_link(key, rootp, cmp, m);
    ld_u64(link, m)
}

/// `tdelete(key, rootp, compar)`: removes `key`'s node; its parent (the root pointer's
/// address when it was the root), or NULL when `key` is not in the tree.
pub fn tdelete(key: P, rootp: P, cmp: TreeCmp, m: &mut Mem) -> P {
    if rootp == 0 || ld_u64(rootp, m) == 0 {
        return 0;
    }
    let mut parent = 0;
    let mut link = rootp;
    loop {
        let node = ld_u64(link, m);
        if node == 0 {
            return 0;
        }
        let c = cmp(key, ld_u64(node, m), m);
        if c == 0 {
            break;
        }
        parent = node;
        link = node.wrapping_add(if c < 0 { 8 } else { 16 });
    }
    let node = ld_u64(link, m);
    let (left, right) = (ld_u64(node.wrapping_add(8), m), ld_u64(node.wrapping_add(16), m));
    let replacement = if left == 0 {
        right
    } else if right == 0 {
        left
    } else {
        // the leftmost node of the right subtree takes the deleted node's place
        let mut slink = node.wrapping_add(16);
        let mut s = right;
        while ld_u64(s.wrapping_add(8), m) != 0 {
            slink = s.wrapping_add(8);
            s = ld_u64(slink, m);
        }
        let s_right = ld_u64(s.wrapping_add(16), m);
        st_u64(slink, s_right, m);
        st_u64(s.wrapping_add(8), left, m);
        let right = ld_u64(node.wrapping_add(16), m);
        st_u64(s.wrapping_add(16), right, m);
        s
    };
    st_u64(link, replacement, m);
    free(node, m);
    if parent == 0 { rootp } else { parent }
}

fn tree_walk(n: P, depth: i32, action: &mut dyn FnMut(P, i32, i32, &mut Mem), m: &mut Mem) {
    let (l, r) = (ld_u64(n.wrapping_add(8), m), ld_u64(n.wrapping_add(16), m));
    if l == 0 && r == 0 {
        action(n, 3, depth, m);
        return;
    }
    action(n, 0, depth, m);
    if l != 0 {
        tree_walk(l, depth + 1, action, m);
    }
    action(n, 1, depth, m);
    if r != 0 {
        tree_walk(r, depth + 1, action, m);
    }
    action(n, 2, depth, m);
}

/// `twalk(root, action)`: `action(node, preorder|postorder|endorder|leaf, depth)`.
pub fn twalk(root: P, action: &mut dyn FnMut(P, i32, i32, &mut Mem), m: &mut Mem) {
    if root != 0 {
        tree_walk(root, 0, action, m);
    }
}

/// `tdestroy(root, free_node)` (GNU): `free_node(key)` for every node, and the nodes freed.
pub fn tdestroy(root: P, free_node: &mut dyn FnMut(P, &mut Mem), m: &mut Mem) {
    if root == 0 {
        return;
    }
    let (l, r) = (ld_u64(root.wrapping_add(8), m), ld_u64(root.wrapping_add(16), m));
    tdestroy(l, free_node, m);
    tdestroy(r, free_node, m);
    let key = ld_u64(root, m);
    free_node(key, m);
    free(root, m);
}

// ---- ctype (C locale; results are glibc's class bits)

const CT_UPPER: u16 = 1 << 8;
const CT_LOWER: u16 = 1 << 9;
const CT_ALPHA: u16 = 1 << 10;
const CT_DIGIT: u16 = 1 << 11;
const CT_XDIGIT: u16 = 1 << 12;
const CT_SPACE: u16 = 1 << 13;
const CT_PRINT: u16 = 1 << 14;
const CT_GRAPH: u16 = 1 << 15;
const CT_BLANK: u16 = 1;
const CT_CNTRL: u16 = 2;
const CT_PUNCT: u16 = 4;
const CT_ALNUM: u16 = 8;

/// glibc's C-locale class bits of `c` (0 outside 0..=127, EOF included).
fn ctype_bits(c: i32) -> u16 {
    if !(0..128).contains(&c) {
        return 0;
    }
    let b = c as u8;
    let mut t = 0;
    if b.is_ascii_uppercase() {
        t |= CT_UPPER | CT_ALPHA | CT_ALNUM;
    }
    if b.is_ascii_lowercase() {
        t |= CT_LOWER | CT_ALPHA | CT_ALNUM;
    }
    if b.is_ascii_digit() {
        t |= CT_DIGIT | CT_ALNUM;
    }
    if b.is_ascii_hexdigit() {
        t |= CT_XDIGIT;
    }
    if is_space(b) {
        t |= CT_SPACE;
    }
    if b == b' ' || b == b'\t' {
        t |= CT_BLANK;
    }
    if b < 32 || b == 127 {
        t |= CT_CNTRL;
    }
    if (32..127).contains(&b) {
        t |= CT_PRINT;
    }
    if (33..127).contains(&b) {
        t |= CT_GRAPH;
        if !b.is_ascii_alphanumeric() {
            t |= CT_PUNCT;
        }
    }
    t
}

/// `isalpha(c)`.
pub fn isalpha(c: i32) -> i32 {
    (ctype_bits(c) & CT_ALPHA) as i32
}
/// `isdigit(c)`.
pub fn isdigit(c: i32) -> i32 {
    (ctype_bits(c) & CT_DIGIT) as i32
}
/// `isalnum(c)`.
pub fn isalnum(c: i32) -> i32 {
    (ctype_bits(c) & CT_ALNUM) as i32
}
/// `isspace(c)`.
pub fn isspace(c: i32) -> i32 {
    (ctype_bits(c) & CT_SPACE) as i32
}
/// `isupper(c)`.
pub fn isupper(c: i32) -> i32 {
    (ctype_bits(c) & CT_UPPER) as i32
}
/// `islower(c)`.
pub fn islower(c: i32) -> i32 {
    (ctype_bits(c) & CT_LOWER) as i32
}
/// `isxdigit(c)`.
pub fn isxdigit(c: i32) -> i32 {
    (ctype_bits(c) & CT_XDIGIT) as i32
}
/// `isprint(c)`.
pub fn isprint(c: i32) -> i32 {
    (ctype_bits(c) & CT_PRINT) as i32
}
/// `ispunct(c)`.
pub fn ispunct(c: i32) -> i32 {
    (ctype_bits(c) & CT_PUNCT) as i32
}
/// `iscntrl(c)`.
pub fn iscntrl(c: i32) -> i32 {
    (ctype_bits(c) & CT_CNTRL) as i32
}
/// `isgraph(c)`.
pub fn isgraph(c: i32) -> i32 {
    (ctype_bits(c) & CT_GRAPH) as i32
}
/// `isblank(c)`.
pub fn isblank(c: i32) -> i32 {
    (ctype_bits(c) & CT_BLANK) as i32
}
/// `isascii(c)`.
pub fn isascii(c: i32) -> i32 {
    (c & !0x7f == 0) as i32
}
/// `toupper(c)`.
pub fn toupper(c: i32) -> i32 {
    if (b'a' as i32..=b'z' as i32).contains(&c) {
        c - 32
    } else {
        c
    }
}
/// `tolower(c)`.
pub fn tolower(c: i32) -> i32 {
    if (b'A' as i32..=b'Z' as i32).contains(&c) {
        c + 32
    } else {
        c
    }
}

// ---- wctype.h, wchar.h: ASCII classes in the C locale (as glibc's "C"); in C.UTF-8 the
// classes, widths and case mappings of glibc's C.UTF-8 (runtime/unicode.rs)

/// A code point's (class bits, wcwidth + 1) in C.UTF-8.
fn uc_class(c: u32) -> (u16, u8) {
    let t = &unicode::CLASSES;
    match t.binary_search_by(|&(lo, hi, _, _)| {
        if hi < c {
            std::cmp::Ordering::Less
        } else if lo > c {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => (t[i].2, t[i].3),
        Err(_) => (0, 0),
    }
}
/// A case mapping of C.UTF-8 (`table`: UPPER or LOWER).
fn uc_map(c: u32, table: &[(u32, u32, i32, u8)]) -> u32 {
    let i = table.partition_point(|&(lo, _, _, _)| lo <= c);
    if i == 0 {
        return c;
    }
    let (lo, hi, d, step) = table[i - 1];
    if c <= hi && (c - lo) % step as u32 == 0 { (c as i64 + d as i64) as u32 } else { c }
}
/// `towlower(c)`.
pub fn towlower(c: u32, m: &mut Mem) -> u32 {
    if c < 128 {
        tolower(c as i32) as u32
    } else if m.utf8() {
        uc_map(c, &unicode::LOWER)
    } else {
        c
    }
}
/// `towupper(c)`.
pub fn towupper(c: u32, m: &mut Mem) -> u32 {
    if c < 128 {
        toupper(c as i32) as u32
    } else if m.utf8() {
        uc_map(c, &unicode::UPPER)
    } else {
        c
    }
}
/// The class test: the class bit for ASCII (as glibc answers), 1 or 0 above it.
fn wclass(c: u32, bit: u16, m: &Mem) -> i32 {
    if c < 128 {
        (ctype_bits(c as i32) & bit) as i32
    } else if m.utf8() {
        (uc_class(c).0 & bit != 0) as i32
    } else {
        0
    }
}
/// `iswalpha(c)`.
pub fn iswalpha(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_ALPHA, m) }
/// `iswdigit(c)`: glibc answers 1, not the class bit.
pub fn iswdigit(c: u32, _m: &mut Mem) -> i32 { (c.wrapping_sub(b'0' as u32) < 10) as i32 }
/// `iswalnum(c)`.
pub fn iswalnum(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_ALNUM, m) }
/// `iswspace(c)`.
pub fn iswspace(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_SPACE, m) }
/// `iswupper(c)`.
pub fn iswupper(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_UPPER, m) }
/// `iswlower(c)`.
pub fn iswlower(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_LOWER, m) }
/// `iswprint(c)`.
pub fn iswprint(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_PRINT, m) }
/// `iswgraph(c)`.
pub fn iswgraph(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_GRAPH, m) }
/// `iswpunct(c)`.
pub fn iswpunct(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_PUNCT, m) }
/// `iswcntrl(c)`.
pub fn iswcntrl(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_CNTRL, m) }
/// `iswxdigit(c)`.
pub fn iswxdigit(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_XDIGIT, m) }
/// `iswblank(c)`.
pub fn iswblank(c: u32, m: &mut Mem) -> i32 { wclass(c, CT_BLANK, m) }
/// `wcwidth(c)`: 0 for NUL, 1 for printable ASCII, -1 for the rest in the C locale; the
/// C.UTF-8 width above ASCII.
pub fn wcwidth(c: i32, m: &mut Mem) -> i32 {
    if c == 0 {
        return 0;
    }
    if (0x20..0x7f).contains(&c) {
        return 1;
    }
    if c >= 0x80 && m.utf8() {
        return uc_class(c as u32).1 as i32 - 1;
    }
    -1
}

// ---- wchar.h: wide strings (wchar_t is a 4-byte int, as on Linux x86-64)

fn wlen(s: P, m: &Mem) -> u64 {
    let mut n = 0u64;
    while ld_i32(s.wrapping_add(4 * n), m) != 0 {
        n += 1;
    }
    n
}
/// `wcslen(s)`.
pub fn wcslen(s: P, m: &mut Mem) -> u64 {
    wlen(s, m)
}
/// `wcsnlen(s, max)`.
pub fn wcsnlen(s: P, max: u64, m: &mut Mem) -> u64 {
    let mut n = 0u64;
    while n < max && ld_i32(s.wrapping_add(4 * n), m) != 0 {
        n += 1;
    }
    n
}
/// `wcscpy(d, s)`.
pub fn wcscpy(d: P, s: P, m: &mut Mem) -> P {
    let n = wlen(s, m) + 1;
    memmove(d, s, 4 * n, m)
}
/// `wcsncpy(d, s, n)`: at most `n` wide characters, the rest of `n` filled with L'\0'.
pub fn wcsncpy(d: P, s: P, n: u64, m: &mut Mem) -> P {
    let k = wcsnlen(s, n, m);
    memmove(d, s, 4 * k, m);
    for i in k..n {
        st_i32(d.wrapping_add(4 * i), 0, m);
    }
    d
}
/// `wcscat(d, s)`.
pub fn wcscat(d: P, s: P, m: &mut Mem) -> P {
    let at = d.wrapping_add(4 * wlen(d, m));
    wcscpy(at, s, m);
    d
}
/// `wcsncat(d, s, n)`: at most `n` wide characters of `s`, then L'\0'.
pub fn wcsncat(d: P, s: P, n: u64, m: &mut Mem) -> P {
    let at = d.wrapping_add(4 * wlen(d, m));
    let k = wcsnlen(s, n, m);
    memmove(at, s, 4 * k, m);
    st_i32(at.wrapping_add(4 * k), 0, m);
    d
}
/// `wcsncmp(a, b, n)`: -1, 0 or 1, comparing wchar_t as signed ints (glibc).
pub fn wcsncmp(a: P, b: P, n: u64, m: &mut Mem) -> i32 {
    for i in 0..n {
        let (x, y) = (ld_i32(a.wrapping_add(4 * i), m), ld_i32(b.wrapping_add(4 * i), m));
        if x != y {
            return if x < y { -1 } else { 1 };
        }
        if x == 0 {
            break;
        }
    }
    0
}
/// `wcscmp(a, b)`.
pub fn wcscmp(a: P, b: P, m: &mut Mem) -> i32 {
    wcsncmp(a, b, u64::MAX, m)
}
/// `wcschr(s, c)`: the first `c` (L'\0' included), or NULL.
pub fn wcschr(s: P, c: i32, m: &mut Mem) -> P {
    let mut i = 0u64;
    loop {
        let x = ld_i32(s.wrapping_add(4 * i), m);
        if x == c {
            return s.wrapping_add(4 * i);
        }
        if x == 0 {
            return 0;
        }
        i += 1;
    }
}
/// `wcsrchr(s, c)`: the last `c`, or NULL.
pub fn wcsrchr(s: P, c: i32, m: &mut Mem) -> P {
    let n = wlen(s, m);
    (0..=n).rev().map(|i| s.wrapping_add(4 * i)).find(|&p| ld_i32(p, m) == c).unwrap_or(0)
}
/// `wmemcpy(d, s, n)`.
pub fn wmemcpy(d: P, s: P, n: u64, m: &mut Mem) -> P {
    memcpy(d, s, n.wrapping_mul(4), m)
}
/// `wmemmove(d, s, n)`.
pub fn wmemmove(d: P, s: P, n: u64, m: &mut Mem) -> P {
    memmove(d, s, n.wrapping_mul(4), m)
}
/// `wmemset(d, c, n)`.
pub fn wmemset(d: P, c: i32, n: u64, m: &mut Mem) -> P {
    for i in 0..n {
        st_i32(d.wrapping_add(4 * i), c, m);
    }
    d
}
/// `wmemcmp(a, b, n)`: -1, 0 or 1.
pub fn wmemcmp(a: P, b: P, n: u64, m: &mut Mem) -> i32 {
    for i in 0..n {
        let (x, y) = (ld_i32(a.wrapping_add(4 * i), m), ld_i32(b.wrapping_add(4 * i), m));
        if x != y {
            return if x < y { -1 } else { 1 };
        }
    }
    0
}
/// `wmemchr(s, c, n)`.
pub fn wmemchr(s: P, c: i32, n: u64, m: &mut Mem) -> P {
    (0..n).map(|i| s.wrapping_add(4 * i)).find(|&p| ld_i32(p, m) == c).unwrap_or(0)
}

// ---- math

/// `scalbn(x, n)`: x * 2^n with one rounding (musl's algorithm).
pub fn scalbn(x: f64, n: i32) -> f64 {
    let mut y = x;
    let mut n = n;
    let p1023 = f64::from_bits(0x7fe0_0000_0000_0000);
    let pm969 = f64::from_bits(0x0360_0000_0000_0000); // 2^-1022 * 2^53
    if n > 1023 {
        y *= p1023;
        n -= 1023;
        if n > 1023 {
            y *= p1023;
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        y *= pm969;
        n += 1022 - 53;
        if n < -1022 {
            y *= pm969;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// `ldexp(x, e)`.
/// `ilogb(x)`: the unbiased exponent; INT_MIN for 0 and NaN, INT_MAX for infinities (glibc x86-64).
pub fn ilogb(x: f64) -> i32 {
    if x == 0.0 || x.is_nan() {
        return i32::MIN;
    }
    if x.is_infinite() {
        return i32::MAX;
    }
    frexp_parts(x).1 - 1
}

/// `logb(x)`: the exponent as a double; -inf for 0 (the divide-by-zero case), +inf for infinities.
pub fn logb(x: f64) -> f64 {
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    (frexp_parts(x).1 - 1) as f64
}

/// `nextafter(x, y)`: the next double after `x` toward `y`.
pub fn nextafter(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let b = x.to_bits();
    let up = (y > x) == (x > 0.0);
    f64::from_bits(if up { b + 1 } else { b - 1 })
}

/// `nextafterf(x, y)`.
pub fn nextafterf(x: f32, y: f32) -> f32 {
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f32::from_bits(1).copysign(y);
    }
    let b = x.to_bits();
    let up = (y > x) == (x > 0.0);
    f32::from_bits(if up { b + 1 } else { b - 1 })
}

/// `fdim(x, y)`: `x - y` when positive, else +0 (NaN passes through).
pub fn fdim(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        x + y
    } else if x > y {
        x - y
    } else {
        0.0
    }
}

pub fn ldexp(x: f64, e: i32) -> f64 {
    scalbn(x, e)
}

/// `frexp(x, e)`: mantissa in [0.5, 1) and `*e` the exponent.
pub fn frexp(x: f64, e: P, m: &mut Mem) -> f64 {
    let (mant, ex) = frexp_parts(x);
    st_i32(e, ex, m);
    mant
}

fn frexp_parts(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let bexp = ((bits >> 52) & 0x7ff) as i32;
    if bexp == 0 {
        let (m, e) = frexp_parts(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e - 64);
    }
    let mant = f64::from_bits((bits & !(0x7ffu64 << 52)) | (0x3feu64 << 52));
    (mant, bexp - 1022)
}

/// `modf(x, ip)`: the fractional part, with `*ip` the integral part (as double).
pub fn modf(x: f64, ip: P, m: &mut Mem) -> f64 {
    let i = x.trunc();
    st_f64(ip, i, m);
    if x.is_infinite() {
        0.0f64.copysign(x)
    } else {
        (x - i).copysign(x)
    }
}

/// `lround(x)`: nearest, halves away from zero.
pub fn lround(x: f64) -> i64 {
    x.round() as i64
}

/// `rint(x)`: nearest, halves to even (the default rounding mode).
pub fn rint(x: f64) -> f64 {
    x.round_ties_even()
}

/// `nearbyint(x)`.
pub fn nearbyint(x: f64) -> f64 {
    x.round_ties_even()
}

/// `lrint(x)`.
pub fn lrint(x: f64) -> i64 {
    x.round_ties_even() as i64
}

/// `__builtin_isinf_sign(x)`: 1 for +inf, -1 for -inf, 0 otherwise.
pub fn isinf_sign(x: f64) -> i32 {
    if x == f64::INFINITY {
        1
    } else if x == f64::NEG_INFINITY {
        -1
    } else {
        0
    }
}

// ---- time

fn now() -> std::time::Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

/// `time(p)`: seconds since the epoch, also stored at `p` when not NULL.
pub fn time(p: P, m: &mut Mem) -> i64 {
    let t = now().as_secs() as i64;
    if p != 0 {
        st_i64(p, t, m);
    }
    t
}

/// `clock()`: microseconds since the program started (CLOCKS_PER_SEC = 1e6).
pub fn clock(m: &mut Mem) -> i64 {
    m.start.elapsed().as_micros() as i64
}

/// `gettimeofday(tv, tz)`: fills `struct timeval` (two longs); returns 0.
pub fn gettimeofday(tv: P, _tz: P, m: &mut Mem) -> i32 {
    let d = now();
    if tv != 0 {
        st_i64(tv, d.as_secs() as i64, m);
        st_i64(tv.wrapping_add(8), d.subsec_micros() as i64, m);
    }
    0
}

/// `clock_gettime(clock, ts)`: `struct timespec` (two longs). CLOCK_REALTIME (0) is the
/// wall clock; every other clock counts from the program's start.
pub fn clock_gettime(clock: i32, ts: P, m: &mut Mem) -> i32 {
    if !(0..=11).contains(&clock) {
        m.set_errno(EINVAL);
        return -1;
    }
    let d = if clock == 0 { now() } else { m.start.elapsed() + std::time::Duration::from_secs(1) };
    if ts != 0 {
        st_i64(ts, d.as_secs() as i64, m);
        st_i64(ts.wrapping_add(8), d.subsec_nanos() as i64, m);
    }
    0
}

/// `clock_getres(clock, ts)`: one nanosecond.
pub fn clock_getres(clock: i32, ts: P, m: &mut Mem) -> i32 {
    if !(0..=11).contains(&clock) {
        m.set_errno(EINVAL);
        return -1;
    }
    if ts != 0 {
        st_i64(ts, 0, m);
        st_i64(ts.wrapping_add(8), 1, m);
    }
    0
}

/// `nanosleep(req, rem)`: sleeps `*req` (no signal interrupts it), 0; EINVAL for a bad `req`.
pub fn nanosleep(req: P, rem: P, m: &mut Mem) -> i32 {
    let ns = ld_i64(req.wrapping_add(8), m);
    let secs = ld_i64(req, m);
    if secs < 0 || !(0..1_000_000_000).contains(&ns) {
        m.set_errno(EINVAL);
        return -1;
    }
    let want = std::time::Duration::new(secs as u64, ns as u32);
    let start = std::time::Instant::now();
    let rang = wait_alarm(Some(want), m);
    let left = if rang { want.saturating_sub(start.elapsed()) } else { std::time::Duration::ZERO };
    if rem != 0 {
        st_i64(rem, left.as_secs() as i64, m);
        st_i64(rem.wrapping_add(8), left.subsec_nanos() as i64, m);
    }
    if rang {
        m.set_errno(EINTR);
        return -1;
    }
    0
}

/// `difftime(a, b)`.
pub fn difftime(a: i64, b: i64) -> f64 {
    (a - b) as f64
}

/// Civil date of a day count since 1970-01-01: (year, month 1..=12, day).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + (mo <= 2) as i64, mo, d)
}

/// Days since 1970-01-01 of a civil date (month 1..=12).
fn days_from_civil(y: i64, mo: i64, d: i64) -> i64 {
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// True when the year of `t` fits `tm_year` (an int), as glibc requires.
fn tm_in_range(t: i64) -> bool {
    (-67_768_040_609_740_800..=67_768_036_191_676_799).contains(&t)
}

/// Writes the broken-down UTC time of `t` into the `struct tm` at `tm`.
fn fill_tm(tm: P, t: i64, m: &mut Mem) {
    if m.tm_zone == 0 {
        m.tm_zone = m.push_obj(Kind::Static, b"GMT\0".to_vec());
    }
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, mo, d) = civil(days);
    let yday = days - days_from_civil(y, 1, 1);
    let fields = [
        (secs % 60) as i32,
        ((secs / 60) % 60) as i32,
        (secs / 3600) as i32,
        d as i32,
        mo as i32 - 1,
        (y - 1900) as i32,
        (days + 4).rem_euclid(7) as i32,
        yday as i32,
        0,
    ];
    for (i, v) in fields.iter().enumerate() {
        st_i32(tm.wrapping_add(4 * i as u64), *v, m);
    }
    st_i64(tm.wrapping_add(40), 0, m);
    let zone = m.tm_zone;
    st_u64(tm.wrapping_add(48), zone, m);
}

/// `gmtime(t)`: a pointer to the runtime's one static `struct tm` (56 bytes) for `*t`.
pub fn gmtime(t: P, m: &mut Mem) -> P {
    let secs = ld_i64(t, m);
    if !tm_in_range(secs) {
        m.set_errno(EOVERFLOW);
        return 0;
    }
    if m.tm_obj == 0 {
        m.tm_obj = m.push_obj(Kind::Static, vec![0; 56]);
    }
    let tm = m.tm_obj;
    fill_tm(tm, secs, m);
    tm
}

/// `localtime(t)`: the local zone is taken to be UTC.
pub fn localtime(t: P, m: &mut Mem) -> P {
    gmtime(t, m)
}

/// `gmtime_r(t, tm)`.
pub fn gmtime_r(t: P, tm: P, m: &mut Mem) -> P {
    let secs = ld_i64(t, m);
    if !tm_in_range(secs) {
        m.set_errno(EOVERFLOW);
        return 0;
    }
    fill_tm(tm, secs, m);
    tm
}

/// `localtime_r(t, tm)` (UTC).
pub fn localtime_r(t: P, tm: P, m: &mut Mem) -> P {
    gmtime_r(t, tm, m)
}

/// `mktime(tm)` (UTC, as `timegm`): normalises `*tm` and returns its time.
pub fn mktime(tm: P, m: &mut Mem) -> i64 {
    let f = |i: u64, m: &Mem| ld_i32(tm.wrapping_add(4 * i), m) as i64;
    let (sec, min, hour, mday, mon, year) = (f(0, m), f(1, m), f(2, m), f(3, m), f(4, m), f(5, m));
    let y = 1900 + year + mon.div_euclid(12);
    let mo = mon.rem_euclid(12) + 1;
    let t = days_from_civil(y, mo, 1) * 86_400 + (mday - 1) * 86_400 + hour * 3600 + min * 60 + sec;
    if !tm_in_range(t) {
        m.set_errno(EOVERFLOW);
        return -1;
    }
    fill_tm(tm, t, m);
    t
}

const WDAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

/// ISO 8601 week-based year and week of (year since 1900, day of year, day of week).
fn iso_week(year: i64, yday: i64, wday: i64) -> (i64, i64) {
    let y = year + 1900;
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let wd = (wday + 6) % 7; // Monday = 0
    let week = (yday - wd + 10).div_euclid(7);
    if week < 1 {
        let py = y - 1;
        let pdays = if leap(py) { 366 } else { 365 };
        return (py, (yday + pdays - wd + 10).div_euclid(7));
    }
    let days = if leap(y) { 366 } else { 365 };
    if week == 53 && yday - wd + 3 >= days {
        return (y + 1, 1);
    }
    (y, week)
}

/// The C-locale expansion of `strftime`'s format `f` for the `struct tm` at `tm`.
fn strftime_text(f: &[u8], tm: P, m: &mut Mem) -> Vec<u8> {
    let g = |i: u64, m: &Mem| ld_i32(tm.wrapping_add(4 * i), m) as i64;
    let (sec, min, hour, mday, mon, year, wday, yday) =
        (g(0, m), g(1, m), g(2, m), g(3, m), g(4, m), g(5, m), g(6, m), g(7, m));
    let gmtoff = ld_i64(tm.wrapping_add(40), m);
    let zone = ld_u64(tm.wrapping_add(48), m);
    let zone = if zone != 0 { cstr(zone, m) } else { b"GMT".to_vec() };
    let wname = WDAYS.get(wday.rem_euclid(7) as usize).copied().unwrap_or("?");
    let mname = MONTHS.get(mon as usize).copied().unwrap_or("?");
    let mut out = Vec::new();
    let mut i = 0;
    while i < f.len() {
        if f[i] != b'%' || i + 1 == f.len() {
            out.push(f[i]);
            i += 1;
            continue;
        }
        i += 1;
        while i < f.len() && matches!(f[i], b'E' | b'O' | b'_' | b'-' | b'0' | b'^' | b'#') {
            i += 1;
        }
        let Some(&c) = f.get(i) else { break };
        i += 1;
        let h12 = if hour % 12 == 0 { 12 } else { hour % 12 };
        let t = match c {
            b'a' => wname[..3].to_string(),
            b'A' => wname.to_string(),
            b'b' | b'h' => mname[..3].to_string(),
            b'B' => mname.to_string(),
            b'c' => format!("{} {} {:2} {:02}:{:02}:{:02} {}", &wname[..3], &mname[..3], mday, hour, min, sec, year + 1900),
            b'C' => format!("{:02}", (year + 1900).div_euclid(100)),
            b'd' => format!("{:02}", mday),
            b'D' | b'x' => format!("{:02}/{:02}/{:02}", mon + 1, mday, (year + 1900).rem_euclid(100)),
            b'e' => format!("{:2}", mday),
            b'F' => format!("{}-{:02}-{:02}", year + 1900, mon + 1, mday),
            b'G' => format!("{}", iso_week(year, yday, wday).0),
            b'g' => format!("{:02}", iso_week(year, yday, wday).0.rem_euclid(100)),
            b'H' => format!("{:02}", hour),
            b'I' => format!("{:02}", h12),
            b'j' => format!("{:03}", yday + 1),
            b'k' => format!("{:2}", hour),
            b'l' => format!("{:2}", h12),
            b'm' => format!("{:02}", mon + 1),
            b'M' => format!("{:02}", min),
            b'n' => "\n".to_string(),
            b'p' => (if hour < 12 { "AM" } else { "PM" }).to_string(),
            b'P' => (if hour < 12 { "am" } else { "pm" }).to_string(),
            b'r' => format!("{:02}:{:02}:{:02} {}", h12, min, sec, if hour < 12 { "AM" } else { "PM" }),
            b'R' => format!("{:02}:{:02}", hour, min),
            b's' => {
                let t = days_from_civil(1900 + year + mon.div_euclid(12), mon.rem_euclid(12) + 1, 1) * 86_400
                    + (mday - 1) * 86_400 + hour * 3600 + min * 60 + sec - gmtoff;
                t.to_string()
            }
            b'S' => format!("{:02}", sec),
            b't' => "\t".to_string(),
            b'T' | b'X' => format!("{:02}:{:02}:{:02}", hour, min, sec),
            b'u' => format!("{}", if wday == 0 { 7 } else { wday }),
            b'U' => format!("{:02}", (yday + 7 - wday) / 7),
            b'V' => format!("{:02}", iso_week(year, yday, wday).1),
            b'w' => format!("{}", wday),
            b'W' => format!("{:02}", (yday + 7 - (wday + 6) % 7) / 7),
            b'y' => format!("{:02}", (year + 1900).rem_euclid(100)),
            b'Y' => format!("{}", year + 1900),
            b'z' => {
                let a = gmtoff.abs();
                format!("{}{:02}{:02}", if gmtoff < 0 { '-' } else { '+' }, a / 3600, a / 60 % 60)
            }
            b'Z' => {
                out.extend_from_slice(&zone);
                continue;
            }
            b'%' => "%".to_string(),
            other => format!("%{}", other as char),
        };
        out.extend_from_slice(t.as_bytes());
    }
    out
}

/// `strftime(s, max, fmt, tm)` in the C locale: the length written (NUL excluded), or 0 when
/// the result and its NUL do not fit in `max` bytes.
pub fn strftime(s: P, max: u64, fmt: P, tm: P, m: &mut Mem) -> u64 {
    let f = cstr(fmt, m);
    let mut t = strftime_text(&f, tm, m);
    if t.len() as u64 >= max {
        return 0;
    }
    let n = t.len() as u64;
    t.push(0);
    st_bytes(s, &t, m);
    n
}

// ---- POSIX: file descriptors and files

/// The `i`-th variadic argument as an integer, 0 when it was not passed (open's mode, ...).
pub fn va_int(va: &[Va], i: usize) -> i64 {
    va.get(i).map_or(0, |v| v.int())
}

/// Gives `r`'s value, or sets errno and gives `fail`.
fn sys<T>(r: Result<T, i32>, fail: T, m: &mut Mem) -> T {
    match r {
        Ok(v) => v,
        Err(e) => {
            m.set_errno(e);
            fail
        }
    }
}

/// `open(path, flags, mode)`: a new descriptor (the lowest free one), or -1 with errno; the
/// flags are Linux x86-64's and `mode` (less the umask) applies when O_CREAT creates the file.
pub fn open(path: P, flags: i32, mode: u32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let r = open_file(&name, flags, mode).and_then(|f| install_fd(FdEntry { file: Arc::new(f), flags }, m));
    sys(r, -1, m)
}

/// `creat(path, mode)`: `open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)`.
pub fn creat(path: P, mode: u32, m: &mut Mem) -> i32 {
    open(path, O_WRONLY | O_CREAT | O_TRUNC, mode, m)
}

/// `close(fd)`: 0, or -1 and EBADF (a FILE over `fd` stays, and then fails like C's).
pub fn close(fd: i32, m: &mut Mem) -> i32 {
    let r = fd_entry(&m.fds, fd).map(|_| ());
    if r.is_ok() {
        drop_fd(fd, m);
    }
    sys(r.map(|_| 0), -1, m)
}

/// `read(fd, buf, n)`: one read(2) into memory; the bytes read, 0 at end of file, -1 with errno.
/// Only the bytes that arrive must fit `buf`'s object (more panics, as C would overrun it).
pub fn read(fd: i32, buf: P, n: u64, m: &mut Mem) -> i64 {
    if let Err(e) = fd_entry(&m.fds, fd) {
        m.set_errno(e);
        return -1;
    }
    if n == 0 {
        return 0;
    }
    let avail = m.tail(buf, "read store").len() as u64;
    if n <= avail {
        let (id, off) = split(buf);
        let Mem { objs, fds, .. } = m;
        let dst = &mut objs[id].data[off..off + n as usize];
        let r = fd_read(fds, fd, dst).map(|k| k as i64);
        return sys(r, -1, m);
    }
    let mut tmp = vec![0u8; (avail + 1).min(MAX_OBJ) as usize];
    match fd_read(&m.fds, fd, &mut tmp) {
        Ok(k) => {
            check(&m.objs, buf, k as u64, "read store");
            st_bytes(buf, &tmp[..k], m);
            k as i64
        }
        Err(e) => {
            m.set_errno(e);
            -1
        }
    }
}

/// `write(fd, buf, n)`: one write(2) of `n` bytes from memory; the bytes written or -1 with errno.
/// It bypasses the FILE buffers as in C: stdout's pending bytes go out where glibc's would.
pub fn write(fd: i32, buf: P, n: u64, m: &mut Mem) -> i64 {
    let r = fd_file(&m.fds, fd).map(|_| ());
    if let Err(e) = r {
        m.set_errno(e);
        return -1;
    }
    if n == 0 {
        return 0;
    }
    let (id, off) = check(&m.objs, buf, n, "write load");
    let Mem { objs, fds, .. } = m;
    let src = &objs[id].data[off..off + n as usize];
    let r = fd_file(fds, fd).and_then(|mut f| loop {
        match f.write(src) {
            Ok(k) => break Ok(k as i64),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(os_errno(&e)),
        }
    });
    sys(r, -1, m)
}

/// `pread(fd, buf, n, off)`: one read at `off`, the descriptor's offset unchanged.
pub fn pread(fd: i32, buf: P, n: u64, off: i64, m: &mut Mem) -> i64 {
    use std::os::unix::fs::FileExt;
    let file = match fd_file(&m.fds, fd) {
        Ok(_) if off < 0 => Err(EINVAL),
        Ok(f) => Ok(f.try_clone().map_err(|e| os_errno(&e))),
        Err(e) => Err(e),
    };
    let file = match file.and_then(|r| r) {
        Ok(f) => f,
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    let mut tmp = vec![0u8; n.min(m.tail(buf, "pread store").len() as u64 + 1).min(MAX_OBJ) as usize];
    match file.read_at(&mut tmp, off as u64) {
        Ok(k) => {
            st_bytes(buf, &tmp[..k], m);
            k as i64
        }
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}

/// `pwrite(fd, buf, n, off)`: one write at `off`, the descriptor's offset unchanged.
pub fn pwrite(fd: i32, buf: P, n: u64, off: i64, m: &mut Mem) -> i64 {
    use std::os::unix::fs::FileExt;
    if off < 0 {
        m.set_errno(EINVAL);
        return -1;
    }
    let bytes = ld_bytes(buf, n, m);
    let r = fd_file(&m.fds, fd).and_then(|f| f.write_at(&bytes, off as u64).map_err(|e| os_errno(&e)));
    sys(r.map(|k| k as i64), -1, m)
}

/// `lseek(fd, off, whence)`: the new offset, or -1 with errno (EINVAL, ESPIPE on pipes).
pub fn lseek(fd: i32, off: i64, whence: i32, m: &mut Mem) -> i64 {
    let to = match whence {
        SEEK_SET if off >= 0 => Ok(SeekFrom::Start(off as u64)),
        SEEK_CUR => Ok(SeekFrom::Current(off)),
        SEEK_END => Ok(SeekFrom::End(off)),
        _ => Err(EINVAL),
    };
    let r = fd_entry(&m.fds, fd).and(to).and_then(|to| fd_seek(&m.fds, fd, to)).map(|p| p as i64);
    sys(r, -1, m)
}

/// `dup(fd)`: the lowest free descriptor, sharing `fd`'s file and offset; -1 with errno.
pub fn dup(fd: i32, m: &mut Mem) -> i32 {
    let r = fd_entry(&m.fds, fd).cloned().and_then(|e| install_fd(e, m));
    sys(r, -1, m)
}

/// `dup2(fd, to)`: makes `to` refer to `fd`'s file (closing what `to` was); `to`, or -1 with errno.
/// A FILE whose descriptor is `to` follows it, so `dup2(f, 1)` redirects stdout.
pub fn dup2(fd: i32, to: i32, m: &mut Mem) -> i32 {
    let e = match fd_entry(&m.fds, fd) {
        Ok(e) => e.clone(),
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    if to < 0 || to as usize >= fd_limit(m) {
        m.set_errno(EBADF);
        return -1;
    }
    if fd != to {
        let i = to as usize;
        if m.fds.len() <= i {
            m.fds.resize(i + 1, None);
        }
        m.fds[i] = Some(e);
    }
    to
}

/// `fdopen(fd, mode)`: a FILE over descriptor `fd` (fclose closes it); NULL with EBADF for a
/// closed descriptor, EINVAL for a bad mode or one the descriptor's access mode does not allow.
pub fn fdopen(fd: i32, mode: P, m: &mut Mem) -> P {
    let md = cstr(mode, m);
    let flags = match fd_entry(&m.fds, fd) {
        Ok(e) => e.flags,
        Err(e) => {
            m.set_errno(e);
            return 0;
        }
    };
    let Some((want, r, w)) = fopen_flags(&md) else {
        m.set_errno(EINVAL);
        return 0;
    };
    let acc = flags & O_ACCMODE;
    if (r && acc == O_WRONLY) || (w && acc == O_RDONLY) {
        m.set_errno(EINVAL);
        return 0;
    }
    let mut s = Stream::new(fd, r, w, &m.fds);
    s.append = want & O_APPEND != 0 && flags & O_APPEND == 0;
    push_stream(s, m)
}

/// `unlink(path)`: removes a name (EISDIR for a directory, as Linux).
pub fn unlink(path: P, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    io_result(std::fs::remove_file(OsStr::from_bytes(&name)), m)
}

/// `mkdir(path, mode)`: creates a directory (`mode` less the umask).
pub fn mkdir(path: P, mode: u32, m: &mut Mem) -> i32 {
    use std::os::unix::fs::DirBuilderExt;
    let name = cstr(path, m);
    io_result(std::fs::DirBuilder::new().mode(mode).create(OsStr::from_bytes(&name)), m)
}

/// `rmdir(path)`: removes an empty directory.
pub fn rmdir(path: P, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    io_result(std::fs::remove_dir(OsStr::from_bytes(&name)), m)
}

/// The real uid, gid and supplementary groups (from /proc/self/status), for `access`.
fn real_ids() -> Option<(u32, u32, Vec<u32>)> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |key: &str| -> Option<Vec<u32>> {
        let line = text.lines().find_map(|l| l.strip_prefix(key))?;
        Some(line.split_whitespace().filter_map(|v| v.parse().ok()).collect())
    };
    let uid = *field("Uid:")?.first()?;
    let gid = *field("Gid:")?.first()?;
    Some((uid, gid, field("Groups:").unwrap_or_default()))
}

/// `access(path, mode)`: checks R_OK/W_OK/X_OK (or F_OK) against the file's permission bits
/// for the real user, as the kernel does; 0, or -1 with errno (EACCES, ENOENT, EINVAL).
pub fn access(path: P, mode: i32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    if mode & !7 != 0 {
        m.set_errno(EINVAL);
        return -1;
    }
    let md = match std::fs::metadata(OsStr::from_bytes(&name)) {
        Ok(md) => md,
        Err(e) => {
            m.set_errno(os_errno(&e));
            return -1;
        }
    };
    if mode == F_OK {
        return 0;
    }
    let perm = md.mode();
    let ok = match real_ids() {
        Some((0, _, _)) => mode & X_OK == 0 || md.is_dir() || perm & 0o111 != 0,
        ids => {
            let (uid, gid, groups) = ids.unwrap_or((md.uid(), md.gid(), Vec::new()));
            let bits = if uid == md.uid() {
                perm >> 6
            } else if gid == md.gid() || groups.contains(&md.gid()) {
                perm >> 3
            } else {
                perm
            } & 7;
            bits & mode as u32 == mode as u32
        }
    };
    if ok {
        0
    } else {
        m.set_errno(EACCES);
        -1
    }
}

/// Writes glibc x86-64's 144-byte `struct stat` for `md` at `buf`.
fn fill_stat(buf: P, md: &std::fs::Metadata, m: &mut Mem) {
    let mut b = [0u8; 144];
    let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(0, &md.dev().to_le_bytes());
    put(8, &md.ino().to_le_bytes());
    put(16, &md.nlink().to_le_bytes());
    put(24, &md.mode().to_le_bytes());
    put(28, &md.uid().to_le_bytes());
    put(32, &md.gid().to_le_bytes());
    put(40, &md.rdev().to_le_bytes());
    put(48, &(md.size() as i64).to_le_bytes());
    put(56, &(md.blksize() as i64).to_le_bytes());
    put(64, &(md.blocks() as i64).to_le_bytes());
    put(72, &md.atime().to_le_bytes());
    put(80, &md.atime_nsec().to_le_bytes());
    put(88, &md.mtime().to_le_bytes());
    put(96, &md.mtime_nsec().to_le_bytes());
    put(104, &md.ctime().to_le_bytes());
    put(112, &md.ctime_nsec().to_le_bytes());
    st_bytes(buf, &b, m);
}

/// Stores the metadata (or errno) of a stat call: 0 or -1.
fn stat_result(r: Result<std::fs::Metadata, i32>, buf: P, m: &mut Mem) -> i32 {
    match r {
        Ok(md) => {
            fill_stat(buf, &md, m);
            0
        }
        Err(e) => {
            m.set_errno(e);
            -1
        }
    }
}

/// `stat(path, buf)`: fills the `struct stat` (144 bytes, glibc x86-64) at `buf`; follows links.
pub fn stat(path: P, buf: P, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let r = std::fs::metadata(OsStr::from_bytes(&name)).map_err(|e| os_errno(&e));
    stat_result(r, buf, m)
}

/// `lstat(path, buf)`: stat of a symbolic link itself.
pub fn lstat(path: P, buf: P, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let r = std::fs::symlink_metadata(OsStr::from_bytes(&name)).map_err(|e| os_errno(&e));
    stat_result(r, buf, m)
}

/// `fstat(fd, buf)`: stat of an open descriptor.
pub fn fstat(fd: i32, buf: P, m: &mut Mem) -> i32 {
    let r = fd_file(&m.fds, fd).and_then(|f| f.metadata().map_err(|e| os_errno(&e)));
    stat_result(r, buf, m)
}

/// `fchmod(fd, mode)`.
pub fn fchmod(fd: i32, mode: u32, m: &mut Mem) -> i32 {
    let r = fd_file(&m.fds, fd)
        .and_then(|f| f.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777)).map_err(|e| os_errno(&e)));
    sys(r.map(|_| 0), -1, m)
}

/// `chmod(path, mode)` (follows links).
pub fn chmod(path: P, mode: u32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let perm = std::fs::Permissions::from_mode(mode & 0o7777);
    io_result(std::fs::set_permissions(OsStr::from_bytes(&name), perm), m)
}

/// A chown id: `(uid_t) -1` leaves it unchanged.
fn chown_id(id: u32) -> Option<u32> {
    if id == u32::MAX {
        None
    } else {
        Some(id)
    }
}

/// `chown(path, uid, gid)`: really changes the owner (EPERM unless permitted, as the kernel says).
pub fn chown(path: P, uid: u32, gid: u32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    io_result(std::os::unix::fs::chown(OsStr::from_bytes(&name), chown_id(uid), chown_id(gid)), m)
}

/// `lchown(path, uid, gid)`: chown of a symbolic link itself.
pub fn lchown(path: P, uid: u32, gid: u32, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    io_result(std::os::unix::fs::lchown(OsStr::from_bytes(&name), chown_id(uid), chown_id(gid)), m)
}

/// `fchown(fd, uid, gid)`.
pub fn fchown(fd: i32, uid: u32, gid: u32, m: &mut Mem) -> i32 {
    let r = fd_file(&m.fds, fd).and_then(|f| {
        std::os::unix::fs::fchown(f, chown_id(uid), chown_id(gid)).map_err(|e| os_errno(&e))
    });
    sys(r.map(|_| 0), -1, m)
}

/// A time `secs` + `nanos` after the epoch as a SystemTime (None when it does not fit).
fn system_time(secs: i64, nanos: u32) -> Option<std::time::SystemTime> {
    let e = std::time::UNIX_EPOCH;
    let t = if secs >= 0 {
        e.checked_add(std::time::Duration::from_secs(secs as u64))?
    } else {
        e.checked_sub(std::time::Duration::from_secs(secs.unsigned_abs()))?
    };
    t.checked_add(std::time::Duration::from_nanos(nanos as u64))
}

/// Sets a file's access and modification times (None: now) through an open descriptor.
fn set_file_times(path: P, times: Option<(i64, u32, i64, u32)>, m: &mut Mem) -> i32 {
    let name = cstr(path, m);
    let (at, mt) = match times {
        None => {
            let now = std::time::SystemTime::now();
            (now, now)
        }
        Some((a, an, b, bn)) => match (system_time(a, an), system_time(b, bn)) {
            (Some(at), Some(mt)) => (at, mt),
            _ => {
                m.set_errno(EINVAL);
                return -1;
            }
        },
    };
    let p = OsStr::from_bytes(&name);
    let open = |write: bool| {
        std::fs::OpenOptions::new().read(!write).write(write).custom_flags(O_NONBLOCK | O_NOCTTY).open(p)
    };
    let f = match open(false).or_else(|e| open(true).map_err(|_| e)) {
        Ok(f) => f,
        Err(e) => {
            m.set_errno(os_errno(&e));
            return -1;
        }
    };
    io_result(f.set_times(std::fs::FileTimes::new().set_accessed(at).set_modified(mt)), m)
}

/// `utime(path, times)`: `struct utimbuf { time_t actime, modtime; }` (16 bytes), NULL for now.
pub fn utime(path: P, times: P, m: &mut Mem) -> i32 {
    let t = if times == 0 { None } else { Some((ld_i64(times, m), 0, ld_i64(times.wrapping_add(8), m), 0)) };
    set_file_times(path, t, m)
}

/// `utimes(path, tv)`: `struct timeval tv[2]` (access, modification; 32 bytes), NULL for now.
pub fn utimes(path: P, tv: P, m: &mut Mem) -> i32 {
    let t = if tv == 0 {
        None
    } else {
        let f = |i: u64, m: &Mem| ld_i64(tv.wrapping_add(8 * i), m);
        let (a, au, b, bu) = (f(0, m), f(1, m), f(2, m), f(3, m));
        if !(0..1_000_000).contains(&au) || !(0..1_000_000).contains(&bu) {
            m.set_errno(EINVAL);
            return -1;
        }
        Some((a, au as u32 * 1000, b, bu as u32 * 1000))
    };
    set_file_times(path, t, m)
}

// ---- dirent.h (directory streams over std::fs::read_dir)

/// One open `DIR *`: the entries still to read; the `DIR` object holds the current
/// `struct dirent` (glibc x86-64: ino 8, off 8, reclen 2, type 1, name 256; 280 bytes).
struct DirStream {
    entries: Vec<(u64, u8, Vec<u8>)>,
    next: usize,
}

const DIRENT_SIZE: usize = 280;

fn dir_entries(name: &[u8]) -> Result<Vec<(u64, u8, Vec<u8>)>, i32> {
    let p = OsStr::from_bytes(name);
    let dot = |n: &[u8], q: &std::path::Path| {
        let ino = std::fs::metadata(q).map(|md| md.ino()).unwrap_or(0);
        (ino, 4u8, n.to_vec())
    };
    let base = std::path::Path::new(p);
    let mut out = vec![dot(b".", base), dot(b"..", &base.join(".."))];
    for e in std::fs::read_dir(p).map_err(|e| os_errno(&e))? {
        let e = e.map_err(|e| os_errno(&e))?;
        let kind = match e.file_type() {
            Ok(t) if t.is_dir() => 4,
            Ok(t) if t.is_file() => 8,
            Ok(t) if t.is_symlink() => 10,
            Ok(_) => 0,
            Err(_) => 0,
        };
        out.push((e.ino(), kind, e.file_name().as_bytes().to_vec()));
    }
    Ok(out)
}

/// `opendir(path)`: NULL with errno when the directory cannot be read.
pub fn opendir(path: P, m: &mut Mem) -> P {
    let name = cstr(path, m);
    match dir_entries(&name) {
        Ok(entries) => {
            let d = m.alloc(Kind::Heap, vec![0; DIRENT_SIZE]);
            m.dirs.insert(d, DirStream { entries, next: 0 });
            d
        }
        Err(e) => {
            m.set_errno(e);
            0
        }
    }
}

/// `readdir(d)`: the next entry (stored in the `DIR` object) or NULL at the end.
pub fn readdir(d: P, m: &mut Mem) -> P {
    let Some(ds) = m.dirs.get_mut(&d) else { panic!("ferrox rt: readdir on a pointer that is not an open DIR ({:#x})", d) };
    let Some((ino, kind, name)) = ds.entries.get(ds.next).cloned() else { return 0 };
    ds.next += 1;
    let off = ds.next as i64;
    let mut b = vec![0u8; DIRENT_SIZE];
    b[..8].copy_from_slice(&ino.to_le_bytes());
    b[8..16].copy_from_slice(&off.to_le_bytes());
    let reclen = ((19 + name.len() + 1 + 7) / 8 * 8) as u16;
    b[16..18].copy_from_slice(&reclen.to_le_bytes());
    b[18] = kind;
    let n = name.len().min(255);
    b[19..19 + n].copy_from_slice(&name[..n]);
    st_bytes(d, &b, m);
    d
}

/// `rewinddir(d)`.
pub fn rewinddir(d: P, m: &mut Mem) {
    if let Some(ds) = m.dirs.get_mut(&d) {
        ds.next = 0;
    }
}

/// `closedir(d)`: 0, or -1 with EBADF for a pointer that is not an open `DIR`.
pub fn closedir(d: P, m: &mut Mem) -> i32 {
    if m.dirs.remove(&d).is_none() {
        m.set_errno(EBADF);
        return -1;
    }
    free(d, m);
    0
}

// ---- sys/mman.h: mappings as heap objects (a shared writable file mapping is written back)

/// A live `mmap` region: the heap object it is, and for a shared file mapping where it goes.
struct Mapping {
    len: u64,
    back: Option<(Arc<std::fs::File>, u64)>,
}

const PROT_WRITE: i32 = 2;
const MAP_SHARED: i32 = 1;
const MAP_ANONYMOUS: i32 = 0x20;
/// `MAP_FAILED`, `(void *) -1`.
pub const MAP_FAILED: P = u64::MAX;

/// `mmap(addr, len, prot, flags, fd, off)`: a new zeroed object of `len` bytes; for a file
/// mapping it holds the file's bytes from `off` (zeros past the end). `addr` is a hint, ignored.
pub fn mmap(_addr: P, len: u64, prot: i32, flags: i32, fd: i32, off: i64, m: &mut Mem) -> P {
    use std::os::unix::fs::FileExt;
    if len == 0 || len > MAX_OBJ || off < 0 || off % 4096 != 0 {
        m.set_errno(EINVAL);
        return MAP_FAILED;
    }
    let mut data = vec![0u8; len as usize];
    let mut back = None;
    if flags & MAP_ANONYMOUS == 0 {
        let file = match fd_entry(&m.fds, fd) {
            Ok(e) => e.file.clone(),
            Err(e) => {
                m.set_errno(e);
                return MAP_FAILED;
            }
        };
        let mut at = 0usize;
        while at < data.len() {
            match file.read_at(&mut data[at..], off as u64 + at as u64) {
                Ok(0) => break,
                Ok(k) => at += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    m.set_errno(os_errno(&e));
                    return MAP_FAILED;
                }
            }
        }
        if flags & MAP_SHARED != 0 && prot & PROT_WRITE != 0 {
            back = Some((file, off as u64));
        }
    }
    let p = m.alloc(Kind::Heap, data);
    m.maps.insert(p, Mapping { len, back });
    p
}

fn map_sync(p: P, m: &mut Mem) -> i32 {
    use std::os::unix::fs::FileExt;
    let Some(Mapping { len, back: Some((file, off)) }) = m.maps.get(&p) else { return 0 };
    let (id, _) = split(p);
    let bytes = &m.objs[id].data[..*len as usize];
    let (file, off) = (file.clone(), *off);
    match file.write_all_at(bytes, off) {
        Ok(()) => 0,
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}

/// `msync(p, len, flags)`: writes a shared file mapping back; 0, or -1 with errno.
pub fn msync(p: P, _len: u64, _flags: i32, m: &mut Mem) -> i32 {
    if !m.maps.contains_key(&p) {
        m.set_errno(ENOMEM);
        return -1;
    }
    map_sync(p, m)
}

/// `munmap(p, len)`: unmaps a whole region `mmap` gave (written back when shared); a part of
/// one, or a pointer `mmap` did not give, panics as the memory model cannot split objects.
pub fn munmap(p: P, len: u64, m: &mut Mem) -> i32 {
    match m.maps.get(&p) {
        Some(map) if len.div_ceil(4096) == map.len.div_ceil(4096) => {}
        Some(map) => panic!("ferrox rt: munmap of {} bytes of a {}-byte mapping", len, map.len),
        None => panic!("ferrox rt: munmap of a pointer mmap did not return ({:#x})", p),
    }
    let r = map_sync(p, m);
    m.maps.remove(&p);
    let (id, _) = split(p);
    m.release(id, Kind::Freed);
    r
}

/// `mprotect(p, len, prot)`: accepted (0); the memory model checks bounds, not protections.
pub fn mprotect(_p: P, _len: u64, _prot: i32) -> i32 {
    0
}

// ---- unistd.h: syncing, entropy

/// `fsync(fd)` / `fdatasync(fd)`: the file's data to disk; 0, or -1 with errno (EINVAL for a
/// pipe or terminal, EBADF).
pub fn fsync(fd: i32, m: &mut Mem) -> i32 {
    let r = fd_file(&m.fds, fd).and_then(|f| f.sync_all().map_err(|e| os_errno(&e)));
    sys(r.map(|_| 0), -1, m)
}

fn entropy(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)).is_err() {
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in b.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    b
}

/// `getentropy(buf, n)`: n random bytes (n at most 256, else EIO); 0 or -1.
pub fn getentropy(buf: P, n: u64, m: &mut Mem) -> i32 {
    if n > 256 {
        m.set_errno(EIO);
        return -1;
    }
    st_bytes(buf, &entropy(n as usize), m);
    0
}

/// `getrandom(buf, n, flags)`: n random bytes; the count.
pub fn getrandom(buf: P, n: u64, _flags: u32, m: &mut Mem) -> i64 {
    let n = n.min(32 << 20);
    st_bytes(buf, &entropy(n as usize), m);
    n as i64
}

// ---- syslog.h: no system logger in the sandbox; LOG_PERROR copies to stderr as glibc does

const LOG_PERROR: i32 = 0x20;

/// `openlog(ident, option, facility)`: keeps the options (LOG_PERROR is honoured).
pub fn openlog(_ident: P, option: i32, _facility: i32, m: &mut Mem) {
    m.log_opts = option;
}

/// `closelog()`.
pub fn closelog(m: &mut Mem) {
    m.log_opts = 0;
}

/// `setlogmask(mask)`: the previous mask (0 leaves it unchanged).
pub fn setlogmask(mask: i32, m: &mut Mem) -> i32 {
    let old = m.log_mask;
    if mask != 0 {
        m.log_mask = mask;
    }
    old
}

/// `syslog(priority, fmt, ...)`: formatted (so the arguments are checked as C reads them)
/// and, with LOG_PERROR, written to stderr with a newline.
pub fn syslog(prio: i32, fmt: P, args: &[Va], m: &mut Mem) {
    let mut s = format_at(fmt, args, m);
    if m.log_opts & LOG_PERROR != 0 && m.log_mask & (1 << (prio & 7)) != 0 {
        if s.last() != Some(&b'\n') {
            s.push(b'\n');
        }
        let f = std_file(STDERR_VAR, m);
        write_file(f, &s, "syslog", m);
    }
}

/// `vsyslog(priority, fmt, ap)`.
pub fn vsyslog(prio: i32, fmt: P, ap: P, m: &mut Mem) {
    let rest = va_rest(ap, m);
    syslog(prio, fmt, &rest, m)
}

/// `setpriority(which, who, prio)`: accepted and ignored (0).
pub fn setpriority(_which: i32, _who: u32, _prio: i32) -> i32 {
    0
}

/// `getpriority(which, who)`: 0.
pub fn getpriority(_which: i32, _who: u32) -> i32 {
    0
}

/// `utimensat(dirfd, path, times, flags)`: `struct timespec times[2]`, NULL for now;
/// UTIME_NOW and UTIME_OMIT honoured; paths relative to AT_FDCWD only.
pub fn utimensat(dirfd: i32, path: P, times: P, _flags: i32, m: &mut Mem) -> i32 {
    const AT_FDCWD: i32 = -100;
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    let name = cstr(path, m);
    if dirfd != AT_FDCWD && name.first() != Some(&b'/') {
        m.set_errno(EBADF);
        return -1;
    }
    if times == 0 {
        return set_file_times(path, None, m);
    }
    let f = |i: u64, m: &Mem| ld_i64(times.wrapping_add(8 * i), m);
    let (a, an, b, bn) = (f(0, m), f(1, m), f(2, m), f(3, m));
    let md = std::fs::metadata(OsStr::from_bytes(&name)).ok();
    let now = now();
    let pick = |s: i64, ns: i64, old: Option<(i64, i64)>| -> Option<(i64, u32)> {
        match ns {
            UTIME_NOW => Some((now.as_secs() as i64, now.subsec_nanos())),
            UTIME_OMIT => old.map(|(s, n)| (s, n as u32)),
            0..=999_999_999 => Some((s, ns as u32)),
            _ => None,
        }
    };
    let old_a = md.as_ref().map(|md| (md.atime(), md.atime_nsec()));
    let old_m = md.as_ref().map(|md| (md.mtime(), md.mtime_nsec()));
    match (pick(a, an, old_a), pick(b, bn, old_m)) {
        (Some((a, an)), Some((b, bn))) => set_file_times(path, Some((a, an, b, bn)), m),
        _ => {
            m.set_errno(if md.is_none() { ENOENT } else { EINVAL });
            -1
        }
    }
}

/// `getpid()`.
pub fn getpid(_m: &Mem) -> i32 {
    std::process::id() as i32
}

/// `getppid()`.
pub fn getppid(_m: &Mem) -> i32 {
    std::os::unix::process::parent_id() as i32
}

// ---- locale (only "C": setlocale, localeconv, uselocale, newlocale)

/// The locale state: each category's locale name, and the objects made on first use.
struct Locale {
    /// The locale of each category (LC_CTYPE = 0 … LC_IDENTIFICATION = 12; 6 is LC_ALL).
    names: [Vec<u8>; 13],
    /// The one `struct lconv`.
    lconv: P,
    /// The object behind every `locale_t` that newlocale and duplocale return.
    obj: P,
    /// This thread's locale (uselocale); LC_GLOBAL_LOCALE at first.
    current: P,
}

impl Default for Locale {
    fn default() -> Self {
        Locale { names: std::array::from_fn(|_| b"C".to_vec()), lconv: 0, obj: 0, current: LC_GLOBAL_LOCALE }
    }
}

/// The categories in glibc's order for a composite LC_ALL name.
const LC_NAMES: [(usize, &str); 12] = [
    (0, "LC_CTYPE"), (1, "LC_NUMERIC"), (2, "LC_TIME"), (3, "LC_COLLATE"), (4, "LC_MONETARY"),
    (5, "LC_MESSAGES"), (7, "LC_PAPER"), (8, "LC_NAME"), (9, "LC_ADDRESS"), (10, "LC_TELEPHONE"),
    (11, "LC_MEASUREMENT"), (12, "LC_IDENTIFICATION"),
];

/// Whether `name` names a locale this machine has: C (POSIX) or C.UTF-8, the ones a
/// minimal Debian installs; their canonical spelling.
fn known_locale(name: &[u8]) -> Option<Vec<u8>> {
    match name {
        b"C" | b"POSIX" => Some(b"C".to_vec()),
        _ if name.len() > 2 && name.starts_with(b"C.") && {
            let cs = name[2..].to_ascii_lowercase();
            cs == b"utf-8" || cs == b"utf8"
        } => Some(name.to_vec()),
        _ => None,
    }
}

/// The locale "" names for category `cat`: LC_ALL, then the category's variable, then LANG.
fn env_locale(cat: usize) -> Vec<u8> {
    let var = |k: &str| std::env::var_os(k).map(|v| v.into_vec()).filter(|v| !v.is_empty());
    let own = LC_NAMES.iter().find(|(c, _)| *c == cat).map(|(_, n)| *n).unwrap_or("LC_CTYPE");
    var("LC_ALL").or_else(|| var(own)).or_else(|| var("LANG")).unwrap_or_else(|| b"C".to_vec())
}

impl Mem {
    /// Whether LC_CTYPE is a UTF-8 locale (multibyte text is UTF-8, wide classes Unicode's).
    fn utf8(&self) -> bool {
        self.locale.names[0] != b"C"
    }
}

/// `setlocale(category, locale)`: the category's locale name (a query when `locale` is
/// NULL; "" takes it from the environment). C, POSIX and C.UTF-8 exist; any other name
/// gives NULL with ENOENT and changes nothing, a bad category NULL with EINVAL.
pub fn setlocale(category: i32, locale: P, m: &mut Mem) -> P {
    if !(0..=12).contains(&category) {
        m.set_errno(EINVAL);
        return 0;
    }
    let cats: Vec<usize> =
        if category == 6 { LC_NAMES.iter().map(|(c, _)| *c).collect() } else { vec![category as usize] };
    if locale != 0 {
        let want = cstr(locale, m);
        let mut chosen = Vec::new();
        for &c in &cats {
            let name = if want.is_empty() { env_locale(c) } else { want.clone() };
            match known_locale(&name) {
                Some(n) => chosen.push((c, n)),
                None => {
                    m.set_errno(ENOENT);
                    return 0;
                }
            }
        }
        for (c, n) in chosen {
            m.locale.names[c] = n;
        }
    }
    let text = if category == 6 {
        let first = &m.locale.names[0];
        if LC_NAMES.iter().all(|(c, _)| &m.locale.names[*c] == first) {
            first.clone()
        } else {
            let parts: Vec<String> = LC_NAMES
                .iter()
                .map(|(c, n)| format!("{}={}", n, String::from_utf8_lossy(&m.locale.names[*c])))
                .collect();
            parts.join(";").into_bytes()
        }
    } else {
        m.locale.names[category as usize].clone()
    };
    static_text(&text, m)
}

/// `localeconv()`: the C locale's `struct lconv` (96 bytes, glibc x86-64: ten `char *` then
/// fourteen `char` fields, all CHAR_MAX), the same object every call.
pub fn localeconv(m: &mut Mem) -> P {
    if m.locale.lconv == 0 {
        let dot = m.push_obj(Kind::Static, b".\0".to_vec());
        let empty = m.push_obj(Kind::Static, b"\0".to_vec());
        let mut b = Vec::with_capacity(96);
        b.extend_from_slice(&dot.to_le_bytes());
        for _ in 1..10 {
            b.extend_from_slice(&empty.to_le_bytes());
        }
        b.resize(80 + 14, 127);
        b.resize(96, 0);
        m.locale.lconv = m.push_obj(Kind::Static, b);
    }
    m.locale.lconv
}

/// The object behind the `locale_t` values handed out.
fn locale_obj(m: &mut Mem) -> P {
    if m.locale.obj == 0 {
        m.locale.obj = m.push_obj(Kind::Static, vec![0; 232]);
    }
    m.locale.obj
}

/// `newlocale(mask, locale, base)`: a C-locale handle (`base` itself when given); NULL with
/// EINVAL for a bad mask or NULL name, ENOENT for a locale other than C.
pub fn newlocale(mask: i32, locale: P, base: P, m: &mut Mem) -> P {
    if mask & !LC_ALL_MASK != 0 || locale == 0 {
        m.set_errno(EINVAL);
        return 0;
    }
    if known_locale(&cstr(locale, m)).is_none() && !cstr(locale, m).is_empty() {
        m.set_errno(ENOENT);
        return 0;
    }
    if base != 0 && base != LC_GLOBAL_LOCALE {
        return base;
    }
    locale_obj(m)
}

/// `duplocale(loc)`: a C-locale handle.
pub fn duplocale(_loc: P, m: &mut Mem) -> P {
    locale_obj(m)
}

/// `freelocale(loc)`: nothing to free.
pub fn freelocale(_loc: P) {}

/// `uselocale(loc)`: the thread's previous locale (LC_GLOBAL_LOCALE at first); NULL only queries.
pub fn uselocale(loc: P, m: &mut Mem) -> P {
    let old = m.locale.current;
    if loc != 0 {
        m.locale.current = loc;
    }
    old
}

// ---- regex.h: POSIX basic and extended regular expressions with glibc's GNU extensions
// (\w \W \s \S \b \B \< \> \` \', and \+ \? \| in basic ones). The compiled pattern lives
// in the memory's table; `regex_t.buffer` holds its number and `re_nsub` is filled in.
// Matching backtracks over every path from the leftmost start that matches, keeping the
// longest (POSIX's leftmost-longest rule for the whole match).

/// `regcomp` flags and `regexec` flags, as glibc numbers them.
const REG_EXTENDED: i32 = 1;
const REG_ICASE: i32 = 2;
const REG_NEWLINE: i32 = 4;
const REG_NOSUB: i32 = 8;
const REG_NOTBOL: i32 = 1;
const REG_NOTEOL: i32 = 2;
/// Steps one `regexec` may take exploring paths before it settles for the longest found.
const REGEX_STEPS: u64 = 4_000_000;

#[derive(Clone, Debug)]
enum Re {
    Empty,
    Byte(u8),
    Any,
    Set(Box<[bool; 256]>),
    Bol,
    Eol,
    BufStart,
    BufEnd,
    WordB,
    NotWordB,
    WordStart,
    WordEnd,
    Group(usize, Box<Re>),
    Cat(Vec<Re>),
    Alt(Vec<Re>),
    Rep(Box<Re>, u32, Option<u32>),
    Backref(usize),
}

/// A compiled pattern.
struct Regex {
    root: Re,
    groups: usize,
    icase: bool,
    newline: bool,
    nosub: bool,
}

fn re_class(name: &[u8]) -> Option<fn(u8) -> bool> {
    Some(match name {
        b"alpha" => |c: u8| c.is_ascii_alphabetic(),
        b"digit" => |c: u8| c.is_ascii_digit(),
        b"alnum" => |c: u8| c.is_ascii_alphanumeric(),
        b"upper" => |c: u8| c.is_ascii_uppercase(),
        b"lower" => |c: u8| c.is_ascii_lowercase(),
        b"space" => |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b"blank" => |c: u8| c == b' ' || c == b'\t',
        b"punct" => |c: u8| c.is_ascii_punctuation(),
        b"print" => |c: u8| (0x20..0x7f).contains(&c),
        b"graph" => |c: u8| c.is_ascii_graphic(),
        b"cntrl" => |c: u8| c < 0x20 || c == 0x7f,
        b"xdigit" => |c: u8| c.is_ascii_hexdigit(),
        _ => return None,
    })
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

struct ReParser<'a> {
    p: &'a [u8],
    i: usize,
    ere: bool,
    icase: bool,
    newline: bool,
    groups: usize,
    open: Vec<usize>,
}

impl ReParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }
    fn peek2(&self) -> Option<u8> {
        self.p.get(self.i + 1).copied()
    }
    fn at_alt(&self) -> bool {
        if self.ere {
            self.peek() == Some(b'|')
        } else {
            self.peek() == Some(b'\\') && self.peek2() == Some(b'|')
        }
    }
    fn at_close(&self) -> bool {
        if self.ere {
            self.peek() == Some(b')') && !self.open.is_empty()
        } else {
            self.peek() == Some(b'\\') && self.peek2() == Some(b')')
        }
    }
    fn alt(&mut self) -> Result<Re, i32> {
        let mut alts = vec![self.cat()?];
        while self.at_alt() {
            self.i += if self.ere { 1 } else { 2 };
            alts.push(self.cat()?);
        }
        Ok(if alts.len() == 1 { alts.pop().unwrap() } else { Re::Alt(alts) })
    }
    fn cat(&mut self) -> Result<Re, i32> {
        let mut items: Vec<Re> = Vec::new();
        let start = self.i;
        while self.i < self.p.len() && !self.at_alt() && !self.at_close() {
            let first = self.i == start;
            let atom = self.atom(first)?;
            let atom = self.repeats(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Re::Empty,
            1 => items.pop().unwrap(),
            _ => Re::Cat(items),
        })
    }
    fn repeats(&mut self, mut atom: Re) -> Result<Re, i32> {
        let mut applied = false;
        loop {
            let (c, c2) = (self.peek(), self.peek2());
            // glibc's basic syntax refuses a repetition of a repetition (`a**`)
            let rep = matches!((c, c2), (Some(b'*'), _) | (Some(b'\\'), Some(b'+' | b'?' | b'{')));
            if applied && !self.ere && rep {
                return Err(13);
            }
            applied = true;
            let (min, max, len) = match (c, c2) {
                (Some(b'*'), _) => (0, None, 1),
                (Some(b'+'), _) if self.ere => (1, None, 1),
                (Some(b'?'), _) if self.ere => (0, Some(1), 1),
                (Some(b'\\'), Some(b'+')) if !self.ere => (1, None, 2),
                (Some(b'\\'), Some(b'?')) if !self.ere => (0, Some(1), 2),
                (Some(b'{'), Some(d)) if self.ere && (d.is_ascii_digit() || d == b',') => {
                    self.i += 1;
                    let (a, b) = self.interval()?;
                    atom = Re::Rep(Box::new(atom), a, b);
                    continue;
                }
                (Some(b'\\'), Some(b'{')) if !self.ere => {
                    self.i += 2;
                    let (a, b) = self.interval()?;
                    atom = Re::Rep(Box::new(atom), a, b);
                    continue;
                }
                _ => return Ok(atom),
            };
            self.i += len;
            atom = Re::Rep(Box::new(atom), min, max);
        }
    }
    fn number(&mut self) -> Option<u32> {
        let s = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if s == self.i {
            return None;
        }
        std::str::from_utf8(&self.p[s..self.i]).ok()?.parse().ok()
    }
    fn interval(&mut self) -> Result<(u32, Option<u32>), i32> {
        let a = self.number();
        let b = if self.peek() == Some(b',') {
            self.i += 1;
            self.number()
        } else {
            Some(a.ok_or(10)?)
        };
        let a = a.unwrap_or(0);
        let close = if self.ere { &b"}"[..] } else { &b"\\}"[..] };
        if !self.p[self.i..].starts_with(close) {
            return Err(if self.i >= self.p.len() { 9 } else { 10 });
        }
        self.i += close.len();
        if b.is_some_and(|b| b < a) || a > 0x7fff {
            return Err(10);
        }
        Ok((a, b))
    }
    fn byte(&self, c: u8) -> Re {
        if self.icase && c.is_ascii_alphabetic() {
            let mut set = Box::new([false; 256]);
            set[c.to_ascii_lowercase() as usize] = true;
            set[c.to_ascii_uppercase() as usize] = true;
            Re::Set(set)
        } else {
            Re::Byte(c)
        }
    }
    fn atom(&mut self, first: bool) -> Result<Re, i32> {
        let c = self.p[self.i];
        self.i += 1;
        Ok(match c {
            b'.' => Re::Any,
            b'[' => self.bracket()?,
            b'^' if self.ere || first => Re::Bol,
            b'$' if self.ere || self.i == self.p.len() || self.at_close() || self.at_alt() => Re::Eol,
            b'*' if first => Re::Byte(b'*'),
            b'(' if self.ere => self.group()?,
            b'+' | b'?' | b'{' if self.ere && first => self.byte(c),
            b'*' | b'+' | b'?' if self.ere => return Err(13),
            b'\\' => {
                let Some(e) = self.peek() else { return Err(5) };
                self.i += 1;
                match e {
                    b'(' if !self.ere => self.group()?,
                    b')' if !self.ere => return Err(16),
                    b'{' if !self.ere && first => self.byte(b'{'),
                    b'1'..=b'9' => {
                        let g = (e - b'0') as usize;
                        if g > self.groups || self.open.contains(&g) {
                            return Err(6);
                        }
                        Re::Backref(g)
                    }
                    b'w' | b'W' | b's' | b'S' => {
                        let mut set = Box::new([false; 256]);
                        for b in 0..256usize {
                            let c = b as u8;
                            let yes = if e.to_ascii_lowercase() == b'w' {
                                is_word(c)
                            } else {
                                matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
                            };
                            set[b] = yes == e.is_ascii_lowercase();
                        }
                        Re::Set(set)
                    }
                    b'b' => Re::WordB,
                    b'B' => Re::NotWordB,
                    b'<' => Re::WordStart,
                    b'>' => Re::WordEnd,
                    b'`' => Re::BufStart,
                    b'\'' => Re::BufEnd,
                    other => self.byte(other),
                }
            }
            other => self.byte(other),
        })
    }
    fn group(&mut self) -> Result<Re, i32> {
        self.groups += 1;
        let g = self.groups;
        self.open.push(g);
        let inner = self.alt()?;
        let close = if self.ere { &b")"[..] } else { &b"\\)"[..] };
        if !self.p[self.i..].starts_with(close) {
            return Err(8);
        }
        self.i += close.len();
        self.open.pop();
        Ok(Re::Group(g, Box::new(inner)))
    }
    fn bracket(&mut self) -> Result<Re, i32> {
        let mut set = Box::new([false; 256]);
        let negate = self.peek() == Some(b'^');
        if negate {
            self.i += 1;
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else { return Err(7) };
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            let lo = if c == b'[' && matches!(self.peek2(), Some(b':' | b'=' | b'.')) {
                let kind = self.peek2().unwrap();
                let s = self.i + 2;
                let end = (s..self.p.len().saturating_sub(1))
                    .find(|&k| self.p[k] == kind && self.p[k + 1] == b']')
                    .ok_or(7)?;
                let name = &self.p[s..end];
                self.i = end + 2;
                if kind == b':' {
                    let f = re_class(name).ok_or(4)?;
                    for b in 0..256usize {
                        if f(b as u8) {
                            set[b] = true;
                        }
                    }
                    continue;
                }
                if name.len() != 1 {
                    return Err(3);
                }
                name[0]
            } else {
                self.i += 1;
                c
            };
            if self.peek() == Some(b'-') && self.peek2().is_some_and(|d| d != b']') {
                self.i += 1;
                let hi = self.p[self.i];
                self.i += 1;
                if hi < lo {
                    return Err(11);
                }
                for b in lo..=hi {
                    set[b as usize] = true;
                }
            } else {
                set[lo as usize] = true;
            }
        }
        if self.icase {
            for b in 0..256usize {
                let c = b as u8;
                if set[b] && c.is_ascii_alphabetic() {
                    set[c.to_ascii_lowercase() as usize] = true;
                    set[c.to_ascii_uppercase() as usize] = true;
                }
            }
        }
        if negate {
            for v in set.iter_mut() {
                *v = !*v;
            }
            if self.newline {
                set[b'\n' as usize] = false;
            }
            set[0] = false;
        }
        Ok(Re::Set(set))
    }
}

fn compile_regex(pattern: &[u8], flags: i32) -> Result<Regex, i32> {
    let mut p = ReParser {
        p: pattern,
        i: 0,
        ere: flags & REG_EXTENDED != 0,
        icase: flags & REG_ICASE != 0,
        newline: flags & REG_NEWLINE != 0,
        groups: 0,
        open: Vec::new(),
    };
    let root = p.alt()?;
    if p.i < pattern.len() {
        return Err(if p.ere { 16 } else { 16 });
    }
    Ok(Regex {
        root,
        groups: p.groups,
        icase: p.icase,
        newline: p.newline,
        nosub: flags & REG_NOSUB != 0,
    })
}

type Caps = Vec<(isize, isize)>;

struct ReRun<'a> {
    s: &'a [u8],
    notbol: bool,
    noteol: bool,
    newline: bool,
    icase: bool,
    steps: u64,
}

type ReK<'k, 'a> = &'k mut dyn FnMut(&mut ReRun<'a>, usize, &mut Caps) -> bool;

impl<'a> ReRun<'a> {
    fn word_at(&self, i: usize) -> bool {
        i < self.s.len() && is_word(self.s[i])
    }
    fn word_before(&self, i: usize) -> bool {
        i > 0 && is_word(self.s[i - 1])
    }
    fn m(&mut self, n: &Re, i: usize, caps: &mut Caps, k: ReK<'_, 'a>) -> bool {
        self.steps += 1;
        if self.steps > REGEX_STEPS {
            return true;
        }
        let s = self.s;
        match n {
            Re::Empty => k(self, i, caps),
            Re::Byte(c) => i < s.len() && s[i] == *c && k(self, i + 1, caps),
            Re::Any => i < s.len() && !(self.newline && s[i] == b'\n') && s[i] != 0 && k(self, i + 1, caps),
            Re::Set(set) => i < s.len() && set[s[i] as usize] && k(self, i + 1, caps),
            Re::Bol => {
                ((i == 0 && !self.notbol) || (self.newline && i > 0 && s[i - 1] == b'\n')) && k(self, i, caps)
            }
            Re::Eol => {
                ((i == s.len() && !self.noteol) || (self.newline && i < s.len() && s[i] == b'\n'))
                    && k(self, i, caps)
            }
            Re::BufStart => i == 0 && k(self, i, caps),
            Re::BufEnd => i == s.len() && k(self, i, caps),
            Re::WordB => (self.word_before(i) != self.word_at(i)) && k(self, i, caps),
            Re::NotWordB => (self.word_before(i) == self.word_at(i)) && k(self, i, caps),
            Re::WordStart => (!self.word_before(i) && self.word_at(i)) && k(self, i, caps),
            Re::WordEnd => (self.word_before(i) && !self.word_at(i)) && k(self, i, caps),
            Re::Group(g, inner) => {
                let g = *g;
                let saved = caps[g];
                let found = self.m(inner, i, caps, &mut |me: &mut ReRun<'a>, j: usize, caps: &mut Caps| {
                    let inner_saved = caps[g];
                    caps[g] = (i as isize, j as isize);
                    if k(me, j, caps) {
                        return true;
                    }
                    caps[g] = inner_saved;
                    false
                });
                if !found {
                    caps[g] = saved;
                }
                found
            }
            Re::Cat(items) => self.seq(items, i, caps, k),
            Re::Alt(alts) => alts.iter().any(|a| self.m(a, i, caps, k)),
            Re::Rep(inner, min, max) => self.rep(inner, *min, *max, 0, i, caps, k),
            Re::Backref(g) => {
                let (a, b) = caps[*g];
                if a < 0 {
                    return false;
                }
                let sub = &s[a as usize..b as usize];
                let end = i + sub.len();
                let same = end <= s.len()
                    && if self.icase {
                        s[i..end].eq_ignore_ascii_case(sub)
                    } else {
                        &s[i..end] == sub
                    };
                same && k(self, end, caps)
            }
        }
    }
    fn seq(&mut self, items: &[Re], i: usize, caps: &mut Caps, k: ReK<'_, 'a>) -> bool {
        match items.split_first() {
            None => k(self, i, caps),
            Some((head, rest)) => {
                self.m(head, i, caps, &mut |me: &mut ReRun<'a>, j: usize, caps: &mut Caps| me.seq(rest, j, caps, k))
            }
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn rep(&mut self, n: &Re, min: u32, max: Option<u32>, count: u32, i: usize, caps: &mut Caps, k: ReK<'_, 'a>) -> bool {
        if max.is_none_or(|mx| count < mx) {
            let more = self.m(n, i, caps, &mut |me: &mut ReRun<'a>, j: usize, caps: &mut Caps| {
                // one empty iteration is recorded (glibc: `(a*)*` on "b" sets group 1 to
                // (0,0)); another would loop
                if j == i && count >= min && count > 0 {
                    return false;
                }
                me.rep(n, min, max, count + 1, j, caps, k)
            });
            if more {
                return true;
            }
        }
        count >= min && k(self, i, caps)
    }
}

/// The leftmost-longest match of `re` in `s`: the group spans (group 0 the whole match).
fn run_regex(re: &Regex, s: &[u8], eflags: i32) -> Option<Caps> {
    let mut run = ReRun {
        s,
        notbol: eflags & REG_NOTBOL != 0,
        noteol: eflags & REG_NOTEOL != 0,
        newline: re.newline,
        icase: re.icase,
        steps: 0,
    };
    for start in 0..=s.len() {
        let mut best: Option<(usize, Caps)> = None;
        let mut caps: Caps = vec![(-1, -1); re.groups + 1];
        run.steps = 0;
        run.m(&re.root, start, &mut caps, &mut |me: &mut ReRun<'_>, j: usize, caps: &mut Caps| {
            if best.as_ref().is_none_or(|b| j > b.0) {
                best = Some((j, caps.clone()));
            }
            j == me.s.len()
        });
        if let Some((end, mut caps)) = best {
            caps[0] = (start as isize, end as isize);
            return Some(caps);
        }
    }
    None
}

/// `regcomp(preg, pattern, cflags)`: 0, or glibc's error code.
pub fn regcomp(preg: P, pattern: P, cflags: i32, m: &mut Mem) -> i32 {
    let pat = cstr(pattern, m);
    match compile_regex(&pat, cflags) {
        Ok(re) => {
            let nsub = re.groups as u64;
            m.regexes.push(Some(re));
            let id = m.regexes.len() as u64;
            memset(preg, 0, 64, m);
            st_u64(preg, id, m);
            st_u64(preg.wrapping_add(48), nsub, m);
            0
        }
        Err(code) => code,
    }
}

/// `regexec(preg, s, nmatch, pmatch, eflags)`: 0 and the spans in `pmatch` (-1 for groups
/// that took no part), or REG_NOMATCH (1).
pub fn regexec(preg: P, s: P, nmatch: u64, pmatch: P, eflags: i32, m: &mut Mem) -> i32 {
    let id = ld_u64(preg, m) as usize;
    let text = cstr(s, m);
    let Some(Some(re)) = m.regexes.get(id.wrapping_sub(1)) else {
        panic!("ferrox rt: regexec on a regex_t that regcomp did not fill (or regfree freed)")
    };
    let (found, nosub) = (run_regex(re, &text, eflags), re.nosub);
    let Some(caps) = found else { return 1 };
    if !nosub {
        for i in 0..nmatch {
            let (a, b) = caps.get(i as usize).copied().unwrap_or((-1, -1));
            st_i32(pmatch.wrapping_add(8 * i), a as i32, m);
            st_i32(pmatch.wrapping_add(8 * i + 4), b as i32, m);
        }
    }
    0
}

/// `regfree(preg)`.
pub fn regfree(preg: P, m: &mut Mem) {
    let id = ld_u64(preg, m) as usize;
    if let Some(slot) = m.regexes.get_mut(id.wrapping_sub(1)) {
        *slot = None;
    }
    st_u64(preg, 0, m);
}

/// `regerror(code, preg, buf, size)`: glibc's message, cut to `size`; its full size.
pub fn regerror(code: i32, _preg: P, buf: P, size: u64, m: &mut Mem) -> u64 {
    let msg: &[u8] = match code {
        0 => b"Success",
        1 => b"No match",
        2 => b"Invalid regular expression",
        3 => b"Invalid collation character",
        4 => b"Invalid character class name",
        5 => b"Trailing backslash",
        6 => b"Invalid back reference",
        7 => b"Unmatched [, [^, [:, [., or [=",
        8 => b"Unmatched ( or \\(",
        9 => b"Unmatched \\{",
        10 => b"Invalid content of \\{\\}",
        11 => b"Invalid range end",
        12 => b"Memory exhausted",
        13 => b"Invalid preceding regular expression",
        14 => b"Premature end of regular expression",
        15 => b"Regular expression too big",
        16 => b"Unmatched ) or \\)",
        _ => b"Unknown error",
    };
    if size > 0 {
        let k = msg.len().min(size as usize - 1);
        st_bytes(buf, &msg[..k], m);
        st_u8(buf.wrapping_add(k as u64), 0, m);
    }
    msg.len() as u64 + 1
}

// ---- more of libc in common use: div, libgen, paths, time text, environment, ids,
// system facts, multibyte text in the C locale

/// `div(a, b)`: `div_t {quot, rem}` (C's truncating division).
pub fn div(a: i32, b: i32) -> Vec<u8> {
    let (q, r) = (a.wrapping_div(b), a.wrapping_rem(b));
    [q.to_le_bytes(), r.to_le_bytes()].concat()
}
/// `ldiv(a, b)` and `lldiv(a, b)`: `{quot, rem}` of longs.
pub fn ldiv(a: i64, b: i64) -> Vec<u8> {
    let (q, r) = (a.wrapping_div(b), a.wrapping_rem(b));
    [q.to_le_bytes(), r.to_le_bytes()].concat()
}

/// A static NUL-terminated copy of `s` (a constant text a library call returns).
pub fn static_cstr(s: &[u8], m: &mut Mem) -> P {
    static_text(s, m)
}

/// A static NUL-terminated copy of `s`, made once per distinct text.
fn static_text(s: &[u8], m: &mut Mem) -> P {
    if let Some(&p) = m.static_texts.get(s) {
        return p;
    }
    let mut b = s.to_vec();
    b.push(0);
    let p = m.push_obj(Kind::Static, b);
    m.static_texts.insert(s.to_vec(), p);
    p
}

/// GNU `basename(path)` (string.h): the part after the last '/', never modifying `path`.
pub fn basename(path: P, m: &mut Mem) -> P {
    let s = cstr(path, m);
    match s.iter().rposition(|&c| c == b'/') {
        Some(i) => path.wrapping_add(i as u64 + 1),
        None => path,
    }
}
/// POSIX `basename(path)` (libgen.h, glibc's `__xpg_basename`): trailing slashes are cut
/// in place; "." for NULL or "", "/" for a path of slashes.
pub fn __xpg_basename(path: P, m: &mut Mem) -> P {
    if path == 0 {
        return static_text(b".", m);
    }
    let s = cstr(path, m);
    if s.is_empty() {
        return static_text(b".", m);
    }
    let mut end = s.len();
    while end > 1 && s[end - 1] == b'/' {
        end -= 1;
    }
    if end == 1 && s[0] == b'/' {
        if s.len() > 1 {
            st_u8(path.wrapping_add(1), 0, m);
        }
        return path;
    }
    if end < s.len() {
        st_u8(path.wrapping_add(end as u64), 0, m);
    }
    let start = s[..end].iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    path.wrapping_add(start as u64)
}
/// POSIX `dirname(path)`: the parent cut in place ("." without a slash, "/" for the root).
pub fn dirname(path: P, m: &mut Mem) -> P {
    if path == 0 {
        return static_text(b".", m);
    }
    let s = cstr(path, m);
    let mut end = s.len();
    while end > 1 && s[end - 1] == b'/' {
        end -= 1;
    }
    match s[..end].iter().rposition(|&c| c == b'/') {
        None => static_text(b".", m),
        Some(mut i) => {
            while i > 0 && s[i - 1] == b'/' {
                i -= 1;
            }
            let cut = if i == 0 { 1 } else { i };
            st_u8(path.wrapping_add(cut as u64), 0, m);
            path
        }
    }
}

/// `getcwd(buf, size)`: the working directory in `buf` (or a new heap block when NULL).
pub fn getcwd(buf: P, size: u64, m: &mut Mem) -> P {
    let cwd = match std::env::current_dir() {
        Ok(p) => p.into_os_string().into_vec(),
        Err(e) => {
            m.set_errno(os_errno(&e));
            return 0;
        }
    };
    if buf == 0 {
        let n = (cwd.len() as u64 + 1).max(size);
        let p = malloc(n, m);
        st_bytes(p, &cwd, m);
        st_u8(p.wrapping_add(cwd.len() as u64), 0, m);
        return p;
    }
    if size == 0 {
        m.set_errno(EINVAL);
        return 0;
    }
    if cwd.len() as u64 + 1 > size {
        m.set_errno(ERANGE);
        return 0;
    }
    st_bytes(buf, &cwd, m);
    st_u8(buf.wrapping_add(cwd.len() as u64), 0, m);
    buf
}
/// `realpath(path, resolved)`: the canonical absolute path (a new heap block when NULL).
pub fn realpath(path: P, resolved: P, m: &mut Mem) -> P {
    let p = cstr(path, m);
    let full = match std::fs::canonicalize(OsStr::from_bytes(&p)) {
        Ok(f) => f.into_os_string().into_vec(),
        Err(e) => {
            m.set_errno(os_errno(&e));
            return 0;
        }
    };
    if resolved == 0 {
        return new_cstr(&full, m);
    }
    st_bytes(resolved, &full, m);
    st_u8(resolved.wrapping_add(full.len() as u64), 0, m);
    resolved
}

/// `strcasestr(hay, needle)`: the first match ignoring ASCII case, or NULL.
pub fn strcasestr(hay: P, needle: P, m: &mut Mem) -> P {
    let (h, n) = (cstr(hay, m), cstr(needle, m));
    if n.is_empty() {
        return hay;
    }
    h.windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(&n))
        .map_or(0, |i| hay.wrapping_add(i as u64))
}
/// `mempcpy(d, s, n)`: memcpy, returning `d + n`.
pub fn mempcpy(d: P, s: P, n: u64, m: &mut Mem) -> P {
    memcpy(d, s, n, m);
    d.wrapping_add(n)
}
/// `stpncpy(d, s, n)`: strncpy, returning a pointer to the first NUL written (or `d + n`).
pub fn stpncpy(d: P, s: P, n: u64, m: &mut Mem) -> P {
    let src = cstr(s, m);
    let k = (src.len() as u64).min(n);
    st_bytes(d, &src[..k as usize], m);
    for i in k..n {
        st_u8(d.wrapping_add(i), 0, m);
    }
    d.wrapping_add(k)
}
/// `memccpy(d, s, c, n)`: copies through the first `c`; the byte after it in `d`, or NULL.
pub fn memccpy(d: P, s: P, c: i32, n: u64, m: &mut Mem) -> P {
    for i in 0..n {
        let b = ld_u8(s.wrapping_add(i), m);
        st_u8(d.wrapping_add(i), b, m);
        if b == c as u8 {
            return d.wrapping_add(i + 1);
        }
    }
    0
}
/// `ffs(i)`: the 1-based index of the lowest set bit, 0 for 0.
pub fn ffs(i: i64) -> i32 {
    if i == 0 { 0 } else { i.trailing_zeros() as i32 + 1 }
}

/// The text `asctime` gives: "Www Mmm dd hh:mm:ss yyyy\n".
fn asctime_text(tm: P, m: &Mem) -> Vec<u8> {
    let g = |i: u64| ld_i32(tm.wrapping_add(4 * i), m) as i64;
    let wname = WDAYS.get(g(6).rem_euclid(7) as usize).copied().unwrap_or("???");
    let mname = MONTHS.get(g(4) as usize).copied().unwrap_or("???");
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}\n",
        &wname[..3],
        &mname[..3],
        g(3),
        g(2),
        g(1),
        g(0),
        g(5) + 1900
    )
    .into_bytes()
}
/// `asctime(tm)`: a static buffer (one, reused, as glibc's).
pub fn asctime(tm: P, m: &mut Mem) -> P {
    let t = asctime_text(tm, m);
    if m.asctime_buf == 0 {
        m.asctime_buf = m.push_obj(Kind::Static, vec![0; 26]);
    }
    let b = m.asctime_buf;
    st_bytes(b, &t[..t.len().min(25)], m);
    st_u8(b.wrapping_add(t.len().min(25) as u64), 0, m);
    b
}
/// `asctime_r(tm, buf)`.
pub fn asctime_r(tm: P, buf: P, m: &mut Mem) -> P {
    let mut t = asctime_text(tm, m);
    t.push(0);
    st_bytes(buf, &t, m);
    buf
}
/// `ctime(t)`: `asctime(localtime(t))` (UTC).
pub fn ctime(t: P, m: &mut Mem) -> P {
    let tm = gmtime(t, m);
    if tm == 0 { 0 } else { asctime(tm, m) }
}
/// `ctime_r(t, buf)`.
pub fn ctime_r(t: P, buf: P, m: &mut Mem) -> P {
    let tm = malloc(56, m);
    let r = if gmtime_r(t, tm, m) == 0 { 0 } else { asctime_r(tm, buf, m) };
    free(tm, m);
    r
}
/// `tzset()`: the zone is UTC.
pub fn tzset() {}

/// `setenv(name, value, overwrite)`: later `getenv` calls see it (the runtime's environment).
pub fn setenv(name: P, value: P, overwrite: i32, m: &mut Mem) -> i32 {
    let n = if name == 0 { Vec::new() } else { cstr(name, m) };
    if n.is_empty() || n.contains(&b'=') {
        m.set_errno(EINVAL);
        return -1;
    }
    if overwrite == 0 && getenv(name, m) != 0 {
        return 0;
    }
    let mut v = cstr(value, m);
    v.push(0);
    let p = m.push_obj(Kind::Static, v);
    m.getenv_cache.insert(n, p);
    0
}
/// `unsetenv(name)`.
pub fn unsetenv(name: P, m: &mut Mem) -> i32 {
    let n = if name == 0 { Vec::new() } else { cstr(name, m) };
    if n.is_empty() || n.contains(&b'=') {
        m.set_errno(EINVAL);
        return -1;
    }
    m.getenv_cache.insert(n, 0);
    0
}

/// A field of /proc/self/status ("Uid:", "Gid:"): its `i`-th number.
fn proc_status_id(field: &str, i: usize) -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1 + i).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}
/// `getuid()`.
pub fn getuid() -> u32 {
    proc_status_id("Uid:", 0)
}
/// `geteuid()`.
pub fn geteuid() -> u32 {
    proc_status_id("Uid:", 1)
}
/// `getgid()`.
pub fn getgid() -> u32 {
    proc_status_id("Gid:", 0)
}
/// `getegid()`.
pub fn getegid() -> u32 {
    proc_status_id("Gid:", 1)
}
/// `sysconf(name)`: page size, processors, clock ticks, open files; -1 (EINVAL) otherwise.
pub fn sysconf(name: i32, m: &mut Mem) -> i64 {
    match name {
        2 => 100,
        4 => 1024,
        30 => 4096,
        83 | 84 => std::thread::available_parallelism().map_or(1, |n| n.get() as i64),
        _ => {
            m.set_errno(EINVAL);
            -1
        }
    }
}
/// `getpagesize()`.
pub fn getpagesize() -> i32 {
    4096
}
/// `gethostname(buf, len)`.
pub fn gethostname(buf: P, len: u64, m: &mut Mem) -> i32 {
    let h = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let h = h.trim_end().as_bytes();
    if h.len() as u64 + 1 > len {
        m.set_errno(36); // ENAMETOOLONG
        return -1;
    }
    st_bytes(buf, h, m);
    st_u8(buf.wrapping_add(h.len() as u64), 0, m);
    0
}
/// `uname(buf)`: `struct utsname`, six 65-byte fields, from /proc/sys/kernel.
pub fn uname(buf: P, m: &mut Mem) -> i32 {
    let read = |f: &str| std::fs::read_to_string(format!("/proc/sys/kernel/{}", f)).unwrap_or_default();
    let fields = [
        read("ostype"),
        read("hostname"),
        read("osrelease"),
        read("version"),
        std::env::consts::ARCH.to_string(),
        read("domainname"),
    ];
    for (i, f) in fields.iter().enumerate() {
        let b = f.trim_end().as_bytes();
        let k = b.len().min(64);
        let at = buf.wrapping_add(65 * i as u64);
        memset(at, 0, 65, m);
        st_bytes(at, &b[..k], m);
    }
    0
}

/// `strsignal(sig)`: glibc's description.
pub fn strsignal(sig: i32, m: &mut Mem) -> P {
    let names = [
        "Hangup", "Interrupt", "Quit", "Illegal instruction", "Trace/breakpoint trap", "Aborted",
        "Bus error", "Floating point exception", "Killed", "User defined signal 1",
        "Segmentation fault", "User defined signal 2", "Broken pipe", "Alarm clock", "Terminated",
    ];
    let text = match sig {
        1..=15 => names[(sig - 1) as usize].to_string(),
        _ => format!("Unknown signal {}", sig),
    };
    static_text(text.as_bytes(), m)
}
/// GNU `strerror_r(e, buf, n)`: the message (a static string; `buf` is not needed).
pub fn strerror_r(e: i32, _buf: P, _n: u64, m: &mut Mem) -> P {
    strerror(e, m)
}
/// POSIX `strerror_r` (glibc's `__xpg_strerror_r`): the message in `buf`; ERANGE when cut.
pub fn __xpg_strerror_r(e: i32, buf: P, n: u64, m: &mut Mem) -> i32 {
    let t = strerror_text(e).into_bytes();
    if n == 0 {
        return ERANGE;
    }
    let k = t.len().min(n as usize - 1);
    st_bytes(buf, &t[..k], m);
    st_u8(buf.wrapping_add(k as u64), 0, m);
    if k < t.len() { ERANGE } else { 0 }
}

/// `rand_r(seed)`: glibc's three-step generator over `*seed`.
pub fn rand_r(seed: P, m: &mut Mem) -> i32 {
    let mut next = ld_u32(seed, m);
    next = next.wrapping_mul(1_103_515_245).wrapping_add(12345);
    let mut result = (next / 65536) % 2048;
    next = next.wrapping_mul(1_103_515_245).wrapping_add(12345);
    result = (result << 10) ^ ((next / 65536) % 1024);
    next = next.wrapping_mul(1_103_515_245).wrapping_add(12345);
    result = (result << 10) ^ ((next / 65536) % 1024);
    st_u32(seed, next, m);
    result as i32
}

/// `umask(mask)`: the previous mask (0o022 at start).
pub fn umask(mask: u32, m: &mut Mem) -> u32 {
    let old = m.umask;
    m.umask = mask & 0o777;
    old
}
/// `ftruncate(fd, length)`.
pub fn ftruncate(fd: i32, length: i64, m: &mut Mem) -> i32 {
    if length < 0 {
        m.set_errno(EINVAL);
        return -1;
    }
    let r = fd_file(&m.fds, fd).and_then(|f| f.set_len(length as u64).map_err(|e| os_errno(&e)));
    sys(r.map(|_| 0), -1, m)
}
/// `truncate(path, length)`.
pub fn truncate(path: P, length: i64, m: &mut Mem) -> i32 {
    let p = cstr(path, m);
    if length < 0 {
        m.set_errno(EINVAL);
        return -1;
    }
    let r = std::fs::OpenOptions::new()
        .write(true)
        .open(OsStr::from_bytes(&p))
        .and_then(|f| f.set_len(length as u64))
        .map_err(|e| os_errno(&e));
    sys(r.map(|_| 0), -1, m)
}

/// `dprintf(fd, fmt, ...)`: formatted straight to a descriptor.
pub fn dprintf(fd: i32, fmt: P, args: &[Va], m: &mut Mem) -> i32 {
    let s = format_at(fmt, args, m);
    let p = new_cstr(&s, m);
    let r = write(fd, p, s.len() as u64, m);
    free(p, m);
    if r < 0 { -1 } else { r as i32 }
}

// multibyte text: in the C locale one byte per character, bytes above 0x7f invalid (glibc's
// "ANSI_X3.4-1968" charset); in C.UTF-8, UTF-8
const EILSEQ: i32 = 84;

/// One character of multibyte text in LC_CTYPE's charset (ASCII, or glibc's UTF-8: up to
/// six bytes, no overlong forms or surrogates): `Ok(Some((wc, bytes)))`, `Ok(None)` when
/// `b` ends inside a character, `Err(())` for an invalid byte.
fn mb_char(b: &[u8], utf8: bool) -> Result<Option<(u32, usize)>, ()> {
    let Some(&c) = b.first() else { return Ok(None) };
    if c < 0x80 {
        return Ok(Some((c as u32, 1)));
    }
    if !utf8 {
        return Err(());
    }
    let (len, init) = match c {
        0xc2..=0xdf => (2, c & 0x1f),
        0xe0..=0xef => (3, c & 0x0f),
        0xf0..=0xf7 => (4, c & 0x07),
        0xf8..=0xfb => (5, c & 0x03),
        0xfc..=0xfd => (6, c & 0x01),
        _ => return Err(()),
    };
    let mut v = init as u32;
    for i in 1..len {
        let Some(&k) = b.get(i) else { return Ok(None) };
        if k & 0xc0 != 0x80 {
            return Err(());
        }
        v = (v << 6) | (k & 0x3f) as u32;
    }
    const MIN: [u32; 7] = [0, 0, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    if v < MIN[len] || (0xd800..=0xdfff).contains(&v) {
        return Err(());
    }
    Ok(Some((v, len)))
}
/// The multibyte form of `wc` in LC_CTYPE's charset, None when it has none.
fn mb_bytes(wc: u32, utf8: bool) -> Option<Vec<u8>> {
    if wc < 0x80 {
        return Some(vec![wc as u8]);
    }
    if !utf8 || (0xd800..=0xdfff).contains(&wc) || wc > 0x7fff_ffff {
        return None;
    }
    let len = match wc {
        0..=0x7ff => 2,
        0x800..=0xffff => 3,
        0x1_0000..=0x1f_ffff => 4,
        0x20_0000..=0x3ff_ffff => 5,
        _ => 6,
    };
    let lead: [u8; 7] = [0, 0, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc];
    let mut out = vec![0u8; len];
    let mut v = wc;
    for i in (1..len).rev() {
        out[i] = 0x80 | (v & 0x3f) as u8;
        v >>= 6;
    }
    out[0] = lead[len] | v as u8;
    Some(out)
}
/// At most `n` (and at most 6) bytes of memory from `s`.
fn mb_window(s: P, n: u64, pending: &[u8], m: &Mem) -> Vec<u8> {
    // as glibc's decoder reads: the lead byte (the first pending one, else the first at
    // `s`) says how many bytes the character has, and the first byte that does not
    // continue the sequence ends it (nothing past it is touched)
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let lead = match pending.first() {
        Some(&b) => b,
        None => {
            let b = ld_u8(s, m);
            out.push(b);
            b
        }
    };
    if !m.utf8() || lead < 0xc0 {
        return out;
    }
    let need: u64 = match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        0xf8..=0xfb => 5,
        _ => 6,
    };
    // bytes of the character still to come from `s`, and how many of them `out` holds
    let from_s = need.saturating_sub(pending.len() as u64);
    for i in out.len() as u64..from_s.min(n) {
        let b = ld_u8(s.wrapping_add(i), m);
        out.push(b);
        if b & 0xc0 != 0x80 {
            break;
        }
    }
    out
}

/// `mbtowc(pwc, s, n)`: the bytes of one character (0 for NUL), -1 with EILSEQ.
pub fn mbtowc(pwc: P, s: P, n: u64, m: &mut Mem) -> i32 {
    if s == 0 {
        return 0;
    }
    match mb_char(&mb_window(s, n, &[], m), m.utf8()) {
        Ok(Some((wc, len))) => {
            if pwc != 0 {
                st_i32(pwc, wc as i32, m);
            }
            if wc == 0 { 0 } else { len as i32 }
        }
        _ => {
            m.set_errno(EILSEQ);
            -1
        }
    }
}
/// `mblen(s, n)`.
pub fn mblen(s: P, n: u64, m: &mut Mem) -> i32 {
    mbtowc(0, s, n, m)
}
/// `wctomb(s, wc)`: the bytes written, -1 with EILSEQ.
pub fn wctomb(s: P, wc: i32, m: &mut Mem) -> i32 {
    if s == 0 {
        return 0;
    }
    match mb_bytes(wc as u32, m.utf8()) {
        Some(b) => {
            st_bytes(s, &b, m);
            b.len() as i32
        }
        None => {
            m.set_errno(EILSEQ);
            -1
        }
    }
}
/// The wide characters of the multibyte string at `src` up to its NUL, or None at an
/// invalid sequence (with the index of its first byte).
fn mb_decode_str(src: P, m: &Mem) -> Result<Vec<(u32, usize)>, usize> {
    let s = cstr(src, m);
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        match mb_char(&s[i..], m.utf8()) {
            Ok(Some((wc, len))) => {
                out.push((wc, i));
                i += len;
            }
            _ => return Err(i),
        }
    }
    out.push((0, s.len()));
    Ok(out)
}
/// `mbstowcs(dst, src, n)`: the count converted, or -1 (as size_t) at an invalid byte.
pub fn mbstowcs(dst: P, src: P, n: u64, m: &mut Mem) -> u64 {
    let Ok(chars) = mb_decode_str(src, m) else {
        m.set_errno(EILSEQ);
        return u64::MAX;
    };
    let count = chars.len() as u64 - 1;
    if dst == 0 {
        return count;
    }
    for (i, (wc, _)) in chars.iter().enumerate().take(n as usize) {
        st_i32(dst.wrapping_add(4 * i as u64), *wc as i32, m);
    }
    count.min(n)
}
/// The multibyte text of the wide string at `src` (its NUL excluded), or the index of the
/// first character with no multibyte form.
fn wc_encode_str(src: P, m: &Mem) -> Result<Vec<Vec<u8>>, u64> {
    let mut out = Vec::new();
    let mut i = 0u64;
    loop {
        let w = ld_i32(src.wrapping_add(4 * i), m);
        if w == 0 {
            return Ok(out);
        }
        match mb_bytes(w as u32, m.utf8()) {
            Some(b) => out.push(b),
            None => return Err(i),
        }
        i += 1;
    }
}
/// `wcstombs(dst, src, n)`: the bytes written (whole characters that fit in `n`).
pub fn wcstombs(dst: P, src: P, n: u64, m: &mut Mem) -> u64 {
    let chars = match wc_encode_str(src, m) {
        Ok(c) => c,
        Err(_) => {
            m.set_errno(EILSEQ);
            return u64::MAX;
        }
    };
    if dst == 0 {
        return chars.iter().map(|c| c.len() as u64).sum();
    }
    let mut at = 0u64;
    for c in &chars {
        if at + c.len() as u64 > n {
            return at;
        }
        st_bytes(dst.wrapping_add(at), c, m);
        at += c.len() as u64;
    }
    if at < n {
        st_u8(dst.wrapping_add(at), 0, m);
    }
    at
}

/// The bytes of a partial character kept in a `mbstate_t` (count at +0, bytes at +4).
fn mb_pending(ps: P, m: &Mem) -> Vec<u8> {
    let n = (ld_i32(ps, m).clamp(0, 4)) as u64;
    (0..n).map(|i| ld_u8(ps.wrapping_add(4 + i), m)).collect()
}
fn mb_set_pending(ps: P, b: &[u8], m: &mut Mem) {
    st_i32(ps, b.len() as i32, m);
    st_bytes(ps.wrapping_add(4), &[0u8; 4], m);
    st_bytes(ps.wrapping_add(4), &b[..b.len().min(4)], m);
}
/// The state of a restartable call given NULL (each function has its own, as in glibc).
fn mb_internal_state(which: usize, m: &mut Mem) -> P {
    if m.mb_states[which] == 0 {
        m.mb_states[which] = m.push_obj(Kind::Static, vec![0u8; 8]);
    }
    m.mb_states[which]
}

/// `mbrtowc(pwc, s, n, ps)`: the bytes that completed a character (0 for NUL), -2 when
/// the `n` bytes end inside one (kept in `*ps`), -1 with EILSEQ.
pub fn mbrtowc(pwc: P, s: P, n: u64, ps: P, m: &mut Mem) -> u64 {
    let ps = if ps != 0 { ps } else { mb_internal_state(0, m) };
    if s == 0 {
        mb_set_pending(ps, &[], m);
        return 0;
    }
    let pending = mb_pending(ps, m);
    let mut bytes = pending.clone();
    bytes.extend(mb_window(s, n, &pending, m));
    match mb_char(&bytes, m.utf8()) {
        Ok(Some((wc, len))) => {
            mb_set_pending(ps, &[], m);
            if pwc != 0 {
                st_i32(pwc, wc as i32, m);
            }
            if wc == 0 { 0 } else { (len - pending.len()) as u64 }
        }
        Ok(None) => {
            mb_set_pending(ps, &bytes, m);
            u64::MAX - 1
        }
        Err(()) => {
            m.set_errno(EILSEQ);
            u64::MAX
        }
    }
}
/// `mbrlen(s, n, ps)`.
pub fn mbrlen(s: P, n: u64, ps: P, m: &mut Mem) -> u64 {
    let ps = if ps != 0 { ps } else { mb_internal_state(1, m) };
    mbrtowc(0, s, n, ps, m)
}
/// `mbsinit(ps)`: whether `*ps` holds no partial character.
pub fn mbsinit(ps: P, m: &mut Mem) -> i32 {
    (ps == 0 || ld_i32(ps, m) == 0) as i32
}
/// `wcrtomb(s, wc, ps)`: the bytes written, -1 with EILSEQ.
pub fn wcrtomb(s: P, wc: i32, _ps: P, m: &mut Mem) -> u64 {
    if s == 0 {
        return 1;
    }
    match mb_bytes(wc as u32, m.utf8()) {
        Some(b) => {
            st_bytes(s, &b, m);
            b.len() as u64
        }
        None => {
            m.set_errno(EILSEQ);
            u64::MAX
        }
    }
}
/// `mbsrtowcs(dst, src, len, ps)`: converts `*src`; with a `dst`, `*src` moves past what was
/// converted (NULL once the NUL was).
pub fn mbsrtowcs(dst: P, src: P, len: u64, _ps: P, m: &mut Mem) -> u64 {
    let start = ld_u64(src, m);
    let s = cstr(start, m);
    let mut i = 0usize;
    let mut k = 0u64;
    loop {
        if dst != 0 && k >= len {
            st_u64(src, start.wrapping_add(i as u64), m);
            return k;
        }
        let (wc, n) = match mb_char(&s[i..], m.utf8()) {
            Ok(Some(x)) => x,
            Ok(None) if i == s.len() => (0, 1),
            _ => {
                if dst != 0 {
                    st_u64(src, start.wrapping_add(i as u64), m);
                }
                m.set_errno(EILSEQ);
                return u64::MAX;
            }
        };
        if dst != 0 {
            st_i32(dst.wrapping_add(4 * k), wc as i32, m);
        }
        if wc == 0 {
            if dst != 0 {
                st_u64(src, 0, m);
            }
            return k;
        }
        i += n;
        k += 1;
    }
}
/// `wcsrtombs(dst, src, len, ps)`: whole characters that fit in `len` bytes.
pub fn wcsrtombs(dst: P, src: P, len: u64, _ps: P, m: &mut Mem) -> u64 {
    let start = ld_u64(src, m);
    let mut i = 0u64;
    let mut at = 0u64;
    loop {
        let w = ld_i32(start.wrapping_add(4 * i), m);
        let Some(b) = mb_bytes(w as u32, m.utf8()) else {
            if dst != 0 {
                st_u64(src, start.wrapping_add(4 * i), m);
            }
            m.set_errno(EILSEQ);
            return u64::MAX;
        };
        if dst != 0 && at + b.len() as u64 > len {
            st_u64(src, start.wrapping_add(4 * i), m);
            return at;
        }
        if dst != 0 {
            st_bytes(dst.wrapping_add(at), &b, m);
        }
        if w == 0 {
            if dst != 0 {
                st_u64(src, 0, m);
            }
            return at;
        }
        at += b.len() as u64;
        i += 1;
    }
}
/// `btowc(c)`: the wide character of a single byte, WEOF (-1) for invalid ones.
pub fn btowc(c: i32) -> u32 {
    if (0..0x80).contains(&c) { c as u32 } else { u32::MAX }
}
/// `wctob(c)`.
pub fn wctob(c: u32) -> i32 {
    if c < 0x80 { c as i32 } else { EOF }
}

// ---- ids, langinfo, chdir, arpa/inet.h

fn set_ids(field: &str, ids: &[i64], m: &mut Mem) -> i32 {
    // only a change to the ids the process already has can succeed (no privilege to gain)
    let real = proc_status_id(field, 0) as i64;
    let eff = proc_status_id(field, 1) as i64;
    if ids.iter().all(|&id| id == -1 || id == real || id == eff) {
        0
    } else {
        m.set_errno(EPERM);
        -1
    }
}
/// `setuid(uid)`.
pub fn setuid(uid: u32, m: &mut Mem) -> i32 {
    set_ids("Uid:", &[uid as i64], m)
}
/// `setgid(gid)`.
pub fn setgid(gid: u32, m: &mut Mem) -> i32 {
    set_ids("Gid:", &[gid as i64], m)
}
/// `seteuid(uid)`.
pub fn seteuid(uid: u32, m: &mut Mem) -> i32 {
    set_ids("Uid:", &[uid as i64], m)
}
/// `setegid(gid)`.
pub fn setegid(gid: u32, m: &mut Mem) -> i32 {
    set_ids("Gid:", &[gid as i64], m)
}
/// `setreuid(r, e)` (-1 leaves one unchanged).
pub fn setreuid(r: u32, e: u32, m: &mut Mem) -> i32 {
    set_ids("Uid:", &[r as i32 as i64, e as i32 as i64], m)
}
/// `setregid(r, e)`.
pub fn setregid(r: u32, e: u32, m: &mut Mem) -> i32 {
    set_ids("Gid:", &[r as i32 as i64, e as i32 as i64], m)
}

/// `nl_langinfo(item)` in the C locale: CODESET, RADIXCHAR, THOUSEP, YESEXPR/NOEXPR;
/// "" for the rest.
pub fn nl_langinfo(item: i32, m: &mut Mem) -> P {
    let text: &[u8] = match item {
        14 if m.utf8() => b"UTF-8",
        14 => b"ANSI_X3.4-1968",
        0x10000 => b".",
        0x50000 => b"^[yY]",
        0x50001 => b"^[nN]",
        _ => b"",
    };
    static_text(text, m)
}

/// `chdir(path)`: the working directory of the whole program.
pub fn chdir(path: P, m: &mut Mem) -> i32 {
    let p = cstr(path, m);
    let r = std::env::set_current_dir(OsStr::from_bytes(&p)).map_err(|e| os_errno(&e));
    sys(r.map(|_| 0), -1, m)
}

const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;
const EAFNOSUPPORT: i32 = 97;

/// glibc's strict dotted quad: four decimal parts, no leading zeros.
fn parse_ipv4(s: &[u8]) -> Option<[u8; 4]> {
    let parts: Vec<&[u8]> = s.split(|&c| c == b'.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) || (p.len() > 1 && p[0] == b'0') {
            return None;
        }
        let v: u32 = std::str::from_utf8(p).ok()?.parse().ok()?;
        out[i] = u8::try_from(v).ok()?;
    }
    Some(out)
}
/// `inet_pton(af, src, dst)`: 1, 0 for text that is not an address, -1 for another family.
pub fn inet_pton(af: i32, src: P, dst: P, m: &mut Mem) -> i32 {
    let s = cstr(src, m);
    match af {
        AF_INET => match parse_ipv4(&s) {
            Some(b) => {
                st_bytes(dst, &b, m);
                1
            }
            None => 0,
        },
        AF_INET6 => match std::str::from_utf8(&s).ok().and_then(|t| t.parse::<std::net::Ipv6Addr>().ok()) {
            Some(a) => {
                st_bytes(dst, &a.octets(), m);
                1
            }
            None => 0,
        },
        _ => {
            m.set_errno(EAFNOSUPPORT);
            -1
        }
    }
}
/// `inet_ntop(af, src, dst, size)`: the text in `dst`, or NULL (ENOSPC, EAFNOSUPPORT).
pub fn inet_ntop(af: i32, src: P, dst: P, size: u32, m: &mut Mem) -> P {
    let text = match af {
        AF_INET => {
            let b = ld_bytes(src, 4, m);
            format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
        }
        AF_INET6 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&ld_bytes(src, 16, m));
            std::net::Ipv6Addr::from(o).to_string()
        }
        _ => {
            m.set_errno(EAFNOSUPPORT);
            return 0;
        }
    };
    if text.len() as u32 + 1 > size {
        m.set_errno(28); // ENOSPC
        return 0;
    }
    st_bytes(dst, text.as_bytes(), m);
    st_u8(dst.wrapping_add(text.len() as u64), 0, m);
    dst
}
/// `inet_addr(cp)`: inet_aton's numbers-and-dots forms (1–4 parts, octal and hex) in network
/// byte order, or INADDR_NONE (all ones).
pub fn inet_addr(cp: P, m: &mut Mem) -> u32 {
    parse_inet(&cstr(cp, m)).unwrap_or(u32::MAX)
}
/// inet_aton's parse of an IPv4 address (network byte order).
fn parse_inet(s: &[u8]) -> Option<u32> {
    let mut parts = Vec::new();
    for p in s.split(|&c| c == b'.') {
        let (digits, radix) = if p.len() > 1 && (p.starts_with(b"0x") || p.starts_with(b"0X")) {
            (&p[2..], 16)
        } else if p.len() > 1 && p[0] == b'0' {
            (&p[1..], 8)
        } else {
            (p, 10)
        };
        let v = std::str::from_utf8(digits).ok().and_then(|t| u64::from_str_radix(t, radix).ok());
        match v {
            Some(v) if !p.is_empty() => parts.push(v),
            _ => return None,
        }
    }
    let n = parts.len();
    let limit = |i: usize| if i + 1 == n { 32 - 8 * (n as u32 - 1) } else { 8 };
    let mut addr: u64 = 0;
    for (i, &v) in parts.iter().enumerate() {
        if n > 4 || v >= 1u64 << limit(i) {
            return None;
        }
        addr = (addr << limit(i)) | v;
    }
    Some((addr as u32).to_be())
}

// ---- err.h (BSD's, as glibc writes it: "prog: message: strerror(errno)")

fn warn_text(fmt: P, text: Vec<u8>, errno: Option<i32>, m: &mut Mem) {
    let mut msg = progname();
    msg.extend_from_slice(b": ");
    if fmt != 0 {
        msg.extend(text);
        if errno.is_some() {
            msg.extend_from_slice(b": ");
        }
    }
    if let Some(e) = errno {
        msg.extend_from_slice(strerror_text(e).as_bytes());
    }
    msg.push(b'\n');
    let f = std_file(STDERR_VAR, m);
    write_file(f, &msg, "warn", m);
}
fn fmt_or_empty(fmt: P, args: &[Va], m: &mut Mem) -> Vec<u8> {
    if fmt == 0 { Vec::new() } else { format_at(fmt, args, m) }
}
fn vfmt_or_empty(fmt: P, ap: P, m: &mut Mem) -> Vec<u8> {
    if fmt == 0 { Vec::new() } else { vformat_at(fmt, ap, m) }
}
/// `warn(fmt, ...)`.
pub fn warn(fmt: P, args: &[Va], m: &mut Mem) {
    let e = ld_i32(ERRNO, m);
    let t = fmt_or_empty(fmt, args, m);
    warn_text(fmt, t, Some(e), m)
}
/// `warnx(fmt, ...)`.
pub fn warnx(fmt: P, args: &[Va], m: &mut Mem) {
    let t = fmt_or_empty(fmt, args, m);
    warn_text(fmt, t, None, m)
}
/// `vwarn(fmt, ap)`.
pub fn vwarn(fmt: P, ap: P, m: &mut Mem) {
    let e = ld_i32(ERRNO, m);
    let t = vfmt_or_empty(fmt, ap, m);
    warn_text(fmt, t, Some(e), m)
}
/// `vwarnx(fmt, ap)`.
pub fn vwarnx(fmt: P, ap: P, m: &mut Mem) {
    let t = vfmt_or_empty(fmt, ap, m);
    warn_text(fmt, t, None, m)
}
/// `err(status, fmt, ...)`: warn, then exit(status).
pub fn err(status: i32, fmt: P, args: &[Va], m: &mut Mem) -> ! {
    warn(fmt, args, m);
    exit(status, m)
}
/// `errx(status, fmt, ...)`: warnx, then exit(status).
pub fn errx(status: i32, fmt: P, args: &[Va], m: &mut Mem) -> ! {
    warnx(fmt, args, m);
    exit(status, m)
}
/// `verr(status, fmt, ap)`.
pub fn verr(status: i32, fmt: P, ap: P, m: &mut Mem) -> ! {
    vwarn(fmt, ap, m);
    exit(status, m)
}
/// `verrx(status, fmt, ap)`.
pub fn verrx(status: i32, fmt: P, ap: P, m: &mut Mem) -> ! {
    vwarnx(fmt, ap, m);
    exit(status, m)
}

// ---- error.h (GNU): "argv[0]: message[: strerror(errnum)]", stdout flushed first

fn gnu_error(status: i32, errnum: i32, place: Option<(P, u32)>, text: Vec<u8>, m: &mut Mem) {
    m.flush_all();
    let name = ld_u64(PROG_NAME, m);
    let mut msg = if name != 0 { cstr(name, m) } else { progname() };
    msg.push(b':');
    if let Some((file, line)) = place {
        msg.extend(cstr(file, m));
        msg.extend(format!(":{}: ", line).into_bytes());
    } else {
        msg.push(b' ');
    }
    msg.extend(text);
    if errnum != 0 {
        msg.extend_from_slice(b": ");
        msg.extend_from_slice(strerror_text(errnum).as_bytes());
    }
    msg.push(b'\n');
    let f = std_file(STDERR_VAR, m);
    write_file(f, &msg, "error", m);
    if status != 0 {
        exit(status, m);
    }
}
/// GNU `error(status, errnum, fmt, ...)`: the message on stderr; exits when `status` is not 0.
pub fn error(status: i32, errnum: i32, fmt: P, args: &[Va], m: &mut Mem) {
    let t = format_at(fmt, args, m);
    gnu_error(status, errnum, None, t, m)
}
/// GNU `error_at_line(status, errnum, file, line, fmt, ...)`: "argv[0]:file:line: message".
pub fn error_at_line(status: i32, errnum: i32, file: P, line: u32, fmt: P, args: &[Va], m: &mut Mem) {
    let t = format_at(fmt, args, m);
    gnu_error(status, errnum, Some((file, line)), t, m)
}

// ---- signals: handlers are never called (no signal reaches a translated program but
// its own raise(SIGABRT)); the calls answer as on a process with default dispositions

/// `sigemptyset(set)`: the 128-byte `sigset_t` cleared.
pub fn sigemptyset(set: P, m: &mut Mem) -> i32 {
    memset(set, 0, 128, m);
    0
}
/// `sigfillset(set)`.
pub fn sigfillset(set: P, m: &mut Mem) -> i32 {
    memset(set, 0xff, 128, m);
    0
}
fn sig_bit(sig: i32, m: &mut Mem) -> Option<(u64, u8)> {
    if !(1..=64).contains(&sig) {
        m.set_errno(EINVAL);
        return None;
    }
    let b = (sig - 1) as u64;
    Some((b / 8, 1u8 << (b % 8)))
}
/// `sigaddset(set, sig)`.
pub fn sigaddset(set: P, sig: i32, m: &mut Mem) -> i32 {
    match sig_bit(sig, m) {
        Some((i, bit)) => {
            let p = set.wrapping_add(i);
            let v = ld_u8(p, m) | bit;
            st_u8(p, v, m);
            0
        }
        None => -1,
    }
}
/// `sigdelset(set, sig)`.
pub fn sigdelset(set: P, sig: i32, m: &mut Mem) -> i32 {
    match sig_bit(sig, m) {
        Some((i, bit)) => {
            let p = set.wrapping_add(i);
            let v = ld_u8(p, m) & !bit;
            st_u8(p, v, m);
            0
        }
        None => -1,
    }
}
/// `sigismember(set, sig)`.
pub fn sigismember(set: P, sig: i32, m: &mut Mem) -> i32 {
    match sig_bit(sig, m) {
        Some((i, bit)) => (ld_u8(set.wrapping_add(i), m) & bit != 0) as i32,
        None => -1,
    }
}
/// `sigaction(sig, act, old)`: glibc's x86-64 `struct sigaction` (152 bytes: the handler
/// at 0, the mask at 8, `sa_flags` at 136); `*old` gets the previous handler and flags.
pub fn sigaction(sig: i32, act: P, old: P, m: &mut Mem) -> i32 {
    if !(1..=64).contains(&sig) || (act != 0 && !catchable(sig)) {
        m.set_errno(EINVAL);
        return -1;
    }
    let i = sig as usize;
    let (handler, flags) = (m.signals.handlers[i], m.signals.flags[i]);
    if act != 0 {
        m.signals.handlers[i] = ld_u64(act, m);
        m.signals.flags[i] = ld_i32(act.wrapping_add(136), m) | SA_RESTORER;
    }
    if old != 0 {
        memset(old, 0, 152, m);
        st_u64(old, handler, m);
        st_u32(old.wrapping_add(136), flags as u32, m);
    }
    0
}
/// `sigprocmask(how, set, old)`: nothing is blocked; `*old` reads as the empty set.
pub fn sigprocmask(how: i32, _set: P, old: P, m: &mut Mem) -> i32 {
    if !(0..=2).contains(&how) {
        m.set_errno(EINVAL);
        return -1;
    }
    if old != 0 {
        memset(old, 0, 128, m);
    }
    0
}

// ---- unistd.h, sys/ioctl.h, arpa/inet.h: the rest in common use

/// `ioctl(fd, request, ...)`: every descriptor of a sandboxed run is a file or a pipe, not a
/// terminal, so terminal requests (TCGETS, TIOCGWINSZ …) fail with ENOTTY as they would there.
pub fn ioctl(fd: i32, _request: u64, _args: &[Va], m: &mut Mem) -> i32 {
    if fd < 0 || m.fds.get(fd as usize).map_or(true, |e| e.is_none()) {
        m.set_errno(EBADF);
    } else {
        m.set_errno(ENOTTY);
    }
    -1
}
/// `pathconf(path, name)`: Linux's limits for _PC_LINK_MAX … _PC_PIPE_BUF; -1 (no limit) else.
pub fn pathconf(path: P, name: i32, m: &mut Mem) -> i64 {
    let p = cstr(path, m);
    if std::fs::metadata(OsStr::from_bytes(&p)).is_err() {
        m.set_errno(ENOENT);
        return -1;
    }
    match name {
        0 => 127,
        1 | 2 | 3 => 255,
        4 => 4096,
        5 => 4096,
        _ => -1,
    }
}
/// `readlink(path, buf, size)`: the target's bytes (no NUL), cut to `size`.
pub fn readlink(path: P, buf: P, size: u64, m: &mut Mem) -> i64 {
    let p = cstr(path, m);
    match std::fs::read_link(OsStr::from_bytes(&p)) {
        Ok(t) => {
            let b = t.into_os_string().into_vec();
            let k = b.len().min(size as usize);
            st_bytes(buf, &b[..k], m);
            k as i64
        }
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}
/// Replaces the trailing "XXXXXX" of the template at `t` with fresh letters: the candidate name.
fn temp_candidate(t: P, m: &mut Mem) -> Option<Vec<u8>> {
    let mut name = cstr(t, m);
    if name.len() < 6 || &name[name.len() - 6..] != b"XXXXXX" {
        m.set_errno(EINVAL);
        return None;
    }
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    m.tmp_count += 1;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut v = (std::process::id() as u64) << 32 ^ m.tmp_count.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ nanos;
    let n = name.len();
    for c in &mut name[n - 6..] {
        *c = CHARS[(v % 62) as usize];
        v /= 62;
    }
    st_bytes(t.wrapping_add((n - 6) as u64), &name[n - 6..], m);
    Some(name)
}
/// `mkstemp(template)`: creates and opens (O_RDWR, 0600) a new file named after the template.
pub fn mkstemp(t: P, m: &mut Mem) -> i32 {
    for _ in 0..100 {
        let Some(name) = temp_candidate(t, m) else { return -1 };
        match open_file(&name, O_RDWR | O_CREAT | O_EXCL, 0o600) {
            Ok(f) => return sys(install_fd(FdEntry { file: Arc::new(f), flags: O_RDWR }, m), -1, m),
            Err(e) if e == EEXIST => continue,
            Err(e) => {
                m.set_errno(e);
                return -1;
            }
        }
    }
    m.set_errno(EEXIST);
    -1
}
/// `mkdtemp(template)`: creates a new directory (0700) named after the template.
pub fn mkdtemp(t: P, m: &mut Mem) -> P {
    use std::os::unix::fs::DirBuilderExt;
    for _ in 0..100 {
        let Some(name) = temp_candidate(t, m) else { return 0 };
        match std::fs::DirBuilder::new().mode(0o700).create(OsStr::from_bytes(&name)) {
            Ok(()) => return t,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                m.set_errno(os_errno(&e));
                return 0;
            }
        }
    }
    m.set_errno(EEXIST);
    0
}

// ---- libintl.h (no message catalogs: every message is its msgid, as in the C locale)

/// `gettext(msgid)`.
pub fn gettext(msgid: P, _m: &mut Mem) -> P {
    msgid
}
/// `dgettext(domain, msgid)`.
pub fn dgettext(_domain: P, msgid: P, _m: &mut Mem) -> P {
    msgid
}
/// `dcgettext(domain, msgid, category)`.
pub fn dcgettext(_domain: P, msgid: P, _category: i32, _m: &mut Mem) -> P {
    msgid
}
/// `ngettext(singular, plural, n)`: the English rule, as without a catalog.
pub fn ngettext(one: P, many: P, n: u64, _m: &mut Mem) -> P {
    if n == 1 { one } else { many }
}
/// `dngettext(domain, singular, plural, n)`.
pub fn dngettext(_domain: P, one: P, many: P, n: u64, _m: &mut Mem) -> P {
    if n == 1 { one } else { many }
}
/// `dcngettext(domain, singular, plural, n, category)`.
pub fn dcngettext(_domain: P, one: P, many: P, n: u64, _category: i32, _m: &mut Mem) -> P {
    if n == 1 { one } else { many }
}
/// `textdomain(name)`: the current domain ("messages" until one is set).
pub fn textdomain(name: P, m: &mut Mem) -> P {
    if name != 0 {
        let n = cstr(name, m);
        if !n.is_empty() {
            m.text_domain = n;
        } else {
            m.text_domain = b"messages".to_vec();
        }
    }
    let d = if m.text_domain.is_empty() { b"messages".to_vec() } else { m.text_domain.clone() };
    static_text(&d, m)
}
/// `bindtextdomain(domain, dir)`: the directory bound to `domain` (glibc's default when
/// none was bound).
pub fn bindtextdomain(domain: P, dir: P, m: &mut Mem) -> P {
    if domain == 0 || ld_u8(domain, m) == 0 {
        m.set_errno(EINVAL);
        return 0;
    }
    let text = if dir != 0 { cstr(dir, m) } else { b"/usr/share/locale".to_vec() };
    static_text(&text, m)
}
/// `bind_textdomain_codeset(domain, codeset)`: `codeset`'s copy, NULL when none was given.
pub fn bind_textdomain_codeset(domain: P, codeset: P, m: &mut Mem) -> P {
    if domain == 0 || ld_u8(domain, m) == 0 {
        m.set_errno(EINVAL);
        return 0;
    }
    if codeset == 0 {
        return 0;
    }
    let c = cstr(codeset, m);
    static_text(&c, m)
}

// ---- pwd.h, grp.h (the files /etc/passwd and /etc/group, as glibc's "files" service)

/// The fields of each line of a colon-separated database file.
fn db_rows(path: &str) -> Vec<Vec<Vec<u8>>> {
    let text = std::fs::read(path).unwrap_or_default();
    text.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .map(|l| l.split(|&c| c == b':').map(|f| f.to_vec()).collect())
        .collect()
}
fn db_num(f: &[u8]) -> Option<u32> {
    std::str::from_utf8(f).ok()?.parse().ok()
}
/// A `struct passwd` (48 bytes: name, passwd, uid, gid, gecos, dir, shell) for one row.
fn passwd_obj(row: &[Vec<u8>], m: &mut Mem) -> P {
    let get = |i: usize| row.get(i).cloned().unwrap_or_default();
    let p = m.push_obj(Kind::Static, vec![0u8; 48]);
    for (off, i) in [(0u64, 0usize), (8, 1), (24, 4), (32, 5), (40, 6)] {
        let s = static_text(&get(i), m);
        st_u64(p.wrapping_add(off), s, m);
    }
    st_u32(p.wrapping_add(16), db_num(&get(2)).unwrap_or(0), m);
    st_u32(p.wrapping_add(20), db_num(&get(3)).unwrap_or(0), m);
    p
}
/// A `struct group` (32 bytes: name, passwd, gid, a NULL-terminated member list).
fn group_obj(row: &[Vec<u8>], m: &mut Mem) -> P {
    let get = |i: usize| row.get(i).cloned().unwrap_or_default();
    let p = m.push_obj(Kind::Static, vec![0u8; 32]);
    for (off, i) in [(0u64, 0usize), (8, 1)] {
        let s = static_text(&get(i), m);
        st_u64(p.wrapping_add(off), s, m);
    }
    st_u32(p.wrapping_add(16), db_num(&get(2)).unwrap_or(0), m);
    let members: Vec<Vec<u8>> =
        get(3).split(|&c| c == b',').filter(|s| !s.is_empty()).map(|s| s.to_vec()).collect();
    let mut arr = Vec::with_capacity((members.len() + 1) * 8);
    for s in &members {
        arr.extend_from_slice(&static_text(s, m).to_le_bytes());
    }
    arr.extend_from_slice(&0u64.to_le_bytes());
    let list = m.push_obj(Kind::Static, arr);
    st_u64(p.wrapping_add(24), list, m);
    p
}
/// The first row of a database file with at least `fields` fields that `hit` accepts.
fn db_find(path: &str, fields: usize, hit: impl Fn(&[Vec<u8>]) -> bool) -> Option<Vec<Vec<u8>>> {
    db_rows(path).into_iter().find(|r| r.len() >= fields && hit(r))
}
/// `getpwuid(uid)`: NULL (errno untouched) when no entry has it.
pub fn getpwuid(uid: u32, m: &mut Mem) -> P {
    db_find("/etc/passwd", 7, |r| db_num(&r[2]) == Some(uid)).map_or(0, |r| passwd_obj(&r, m))
}
/// `getpwnam(name)`.
pub fn getpwnam(name: P, m: &mut Mem) -> P {
    let n = cstr(name, m);
    db_find("/etc/passwd", 7, |r| r[0] == n).map_or(0, |r| passwd_obj(&r, m))
}
/// `getgrgid(gid)`.
pub fn getgrgid(gid: u32, m: &mut Mem) -> P {
    db_find("/etc/group", 3, |r| db_num(&r[2]) == Some(gid)).map_or(0, |r| group_obj(&r, m))
}
/// `getgrnam(name)`.
pub fn getgrnam(name: P, m: &mut Mem) -> P {
    let n = cstr(name, m);
    db_find("/etc/group", 3, |r| r[0] == n).map_or(0, |r| group_obj(&r, m))
}

/// `getpwent()`: the next entry of /etc/passwd (NULL at the end); `setpwent` rewinds,
/// `endpwent` closes.
pub fn getpwent(m: &mut Mem) -> P {
    let rows: Vec<_> = db_rows("/etc/passwd").into_iter().filter(|r| r.len() >= 7).collect();
    let i = m.db_pos[0];
    m.db_pos[0] += 1;
    rows.get(i).map_or(0, |r| passwd_obj(r, m))
}
/// `setpwent()`.
pub fn setpwent(m: &mut Mem) {
    m.db_pos[0] = 0;
}
/// `endpwent()`.
pub fn endpwent(m: &mut Mem) {
    m.db_pos[0] = 0;
}
/// `getgrent()`: the next entry of /etc/group.
pub fn getgrent(m: &mut Mem) -> P {
    let rows: Vec<_> = db_rows("/etc/group").into_iter().filter(|r| r.len() >= 3).collect();
    let i = m.db_pos[1];
    m.db_pos[1] += 1;
    rows.get(i).map_or(0, |r| group_obj(r, m))
}
/// `setgrent()`.
pub fn setgrent(m: &mut Mem) {
    m.db_pos[1] = 0;
}
/// `endgrent()`.
pub fn endgrent(m: &mut Mem) {
    m.db_pos[1] = 0;
}

// ---- sys/resource.h, sys/times.h (this process's CPU times from /proc, 100 ticks a second)

/// utime, stime, cutime, cstime of this process, in clock ticks.
fn proc_times() -> [i64; 4] {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<i64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    [at(11), at(12), at(13), at(14)]
}
/// `getrusage(who, usage)`: CPU times and the peak resident size; the other counters 0.
pub fn getrusage(who: i32, usage: P, m: &mut Mem) -> i32 {
    if !(-1..=1).contains(&who) {
        m.set_errno(EINVAL);
        return -1;
    }
    let t = proc_times();
    let (u, s) = if who == -1 { (t[2], t[3]) } else { (t[0], t[1]) };
    st_bytes(usage, &[0u8; 144], m);
    for (off, ticks) in [(0u64, u), (16, s)] {
        st_i64(usage.wrapping_add(off), ticks / 100, m);
        st_i64(usage.wrapping_add(off + 8), ticks % 100 * 10_000, m);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<i64>().ok())
        .unwrap_or(0);
    st_i64(usage.wrapping_add(32), hwm, m);
    0
}
/// `times(buf)`: the four CPU times in ticks; the ticks since boot.
pub fn times(buf: P, m: &mut Mem) -> i64 {
    let t = proc_times();
    if buf != 0 {
        for (i, v) in t.iter().enumerate() {
            st_i64(buf.wrapping_add(8 * i as u64), *v, m);
        }
    }
    let up = std::fs::read_to_string("/proc/uptime").unwrap_or_default();
    let secs: f64 = up.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (secs * 100.0) as i64
}

// ---- stdlib.h system, stdio.h popen/pclose (/bin/sh -c, with the program's descriptors)

/// The shell command for `cmd`, its standard descriptors those of the program's 0, 1 and 2.
fn shell(cmd: &[u8], m: &Mem) -> std::process::Command {
    let io = |i: usize| match m.fds.get(i).and_then(|e| e.as_ref()).and_then(|e| e.file.try_clone().ok()) {
        Some(f) => std::process::Stdio::from(f),
        None => std::process::Stdio::null(),
    };
    let mut c = std::process::Command::new("/bin/sh");
    c.arg("-c").arg(OsStr::from_bytes(cmd)).stdin(io(0)).stdout(io(1)).stderr(io(2));
    c
}
/// A child's wait status, as waitpid(2) reports it.
fn wait_status(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.into_raw()
}
/// `system(cmd)`: the shell's wait status (127 << 8 when it cannot run); `system(NULL)` is 1.
/// As glibc, pending stdio output is not flushed first.
pub fn system(cmd: P, m: &mut Mem) -> i32 {
    if cmd == 0 {
        return std::path::Path::new("/bin/sh").exists() as i32;
    }
    let c = cstr(cmd, m);
    match shell(&c, m).status() {
        Ok(s) => wait_status(s),
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}
/// `popen(cmd, mode)`: a stream reading the command's output ("r") or writing its input ("w").
pub fn popen(cmd: P, mode: P, m: &mut Mem) -> P {
    let md = cstr(mode, m);
    let reading = match md.first() {
        Some(b'r') => true,
        Some(b'w') => false,
        _ => {
            m.set_errno(EINVAL);
            return 0;
        }
    };
    let c = cstr(cmd, m);
    let mut sh = shell(&c, m);
    if reading {
        sh.stdout(std::process::Stdio::piped());
    } else {
        sh.stdin(std::process::Stdio::piped());
    }
    let mut child = match sh.spawn() {
        Ok(ch) => ch,
        Err(e) => {
            m.set_errno(os_errno(&e));
            return 0;
        }
    };
    let file: std::fs::File = if reading {
        std::os::fd::OwnedFd::from(child.stdout.take().expect("piped stdout")).into()
    } else {
        std::os::fd::OwnedFd::from(child.stdin.take().expect("piped stdin")).into()
    };
    let flags = if reading { O_RDONLY } else { O_WRONLY };
    let fd = match install_fd(FdEntry { file: Arc::new(file), flags }, m) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            m.set_errno(e);
            return 0;
        }
    };
    let s = Stream::new(fd, reading, !reading, &m.fds);
    let f = push_stream(s, m);
    m.children.insert(f, child);
    f
}
/// `pclose(f)`: closes the stream, waits for its command, and gives its wait status.
pub fn pclose(f: P, m: &mut Mem) -> i32 {
    let Some(mut child) = m.children.remove(&f) else {
        m.set_errno(ECHILD);
        return -1;
    };
    fclose(f, m);
    match child.wait() {
        Ok(s) => wait_status(s),
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}
/// `waitpid(pid, status, options)`: only `popen`'s children exist here (a translated
/// program cannot fork), so it waits for one of them (-1 or its pid) and ECHILD otherwise;
/// WNOHANG (1) answers 0 while the child runs.
pub fn waitpid(pid: i32, status: P, options: i32, m: &mut Mem) -> i32 {
    let key = m.children.iter().find(|(_, c)| pid == -1 || pid == 0 || c.id() as i32 == pid).map(|(k, _)| *k);
    let Some(key) = key else {
        m.set_errno(ECHILD);
        return -1;
    };
    let child = m.children.get_mut(&key).expect("child just found");
    let id = child.id() as i32;
    let got = if options & 1 != 0 { child.try_wait() } else { child.wait().map(Some) };
    match got {
        Ok(Some(s)) => {
            m.children.remove(&key);
            if status != 0 {
                st_i32(status, wait_status(s), m);
            }
            id
        }
        Ok(None) => 0,
        Err(e) => {
            m.set_errno(os_errno(&e));
            -1
        }
    }
}
/// `wait(status)`: waitpid(-1, status, 0).
pub fn wait(status: P, m: &mut Mem) -> i32 {
    waitpid(-1, status, 0, m)
}
/// `wait3(status, options, rusage)`, `wait4(pid, status, options, rusage)`: the usage is
/// left zero.
pub fn wait4(pid: i32, status: P, options: i32, rusage: P, m: &mut Mem) -> i32 {
    if rusage != 0 {
        memset(rusage, 0, 144, m);
    }
    waitpid(pid, status, options, m)
}

/// `pipe(fds)`: a read end and a write end.
pub fn pipe(fds: P, m: &mut Mem) -> i32 {
    let (r, w) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => {
            m.set_errno(os_errno(&e));
            return -1;
        }
    };
    let rf: std::fs::File = std::os::fd::OwnedFd::from(r).into();
    let wf: std::fs::File = std::os::fd::OwnedFd::from(w).into();
    let a = match install_fd(FdEntry { file: Arc::new(rf), flags: O_RDONLY }, m) {
        Ok(a) => a,
        Err(e) => {
            m.set_errno(e);
            return -1;
        }
    };
    let b = match install_fd(FdEntry { file: Arc::new(wf), flags: O_WRONLY }, m) {
        Ok(b) => b,
        Err(e) => {
            m.fds[a as usize] = None;
            m.set_errno(e);
            return -1;
        }
    };
    st_i32(fds, a, m);
    st_i32(fds.wrapping_add(4), b, m);
    0
}

// ---- more unistd.h, fcntl.h and stdio.h

/// `fcntl(fd, cmd, ...)`: F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, F_GETFL/F_SETFL (O_APPEND and
/// O_NONBLOCK change); EINVAL for other commands.
pub fn fcntl(fd: i32, cmd: i32, args: &[Va], m: &mut Mem) -> i32 {
    let e = match fd_entry(&m.fds, fd) {
        Ok(e) => e.clone(),
        Err(err) => {
            m.set_errno(err);
            return -1;
        }
    };
    let arg = va_int(args, 0);
    match cmd {
        0 | 1030 => {
            let from = arg.max(0) as usize;
            if from >= fd_limit(m) {
                m.set_errno(EINVAL);
                return -1;
            }
            if m.fds.len() <= from {
                m.fds.resize(from + 1, None);
            }
            let i = match (from..m.fds.len()).find(|&i| m.fds[i].is_none()) {
                Some(i) => i,
                None if m.fds.len() < fd_limit(m) => {
                    m.fds.push(None);
                    m.fds.len() - 1
                }
                None => {
                    m.set_errno(EMFILE);
                    return -1;
                }
            };
            m.fds[i] = Some(e);
            i as i32
        }
        1 | 2 => 0,
        3 => e.flags,
        4 => {
            let keep = O_APPEND | O_NONBLOCK;
            let flags = (e.flags & !keep) | (arg as i32 & keep);
            if let Some(Some(ent)) = m.fds.get_mut(fd as usize) {
                ent.flags = flags;
            }
            0
        }
        _ => {
            m.set_errno(EINVAL);
            -1
        }
    }
}
/// `link(old, new)`: a hard link.
pub fn link(old: P, new: P, m: &mut Mem) -> i32 {
    let (a, b) = (cstr(old, m), cstr(new, m));
    io_result(std::fs::hard_link(OsStr::from_bytes(&a), OsStr::from_bytes(&b)), m)
}
/// `symlink(target, path)`.
pub fn symlink(target: P, path: P, m: &mut Mem) -> i32 {
    let (a, b) = (cstr(target, m), cstr(path, m));
    io_result(std::os::unix::fs::symlink(OsStr::from_bytes(&a), OsStr::from_bytes(&b)), m)
}
/// `sync()`: every write of this runtime already went to the kernel.
pub fn sync() {}
/// `mktemp(template)`: the template with a name that does not exist yet ("" when none).
pub fn mktemp(t: P, m: &mut Mem) -> P {
    for _ in 0..100 {
        let Some(name) = temp_candidate(t, m) else {
            st_u8(t, 0, m);
            return t;
        };
        if std::fs::symlink_metadata(OsStr::from_bytes(&name)).is_err() {
            return t;
        }
    }
    m.set_errno(EEXIST);
    st_u8(t, 0, m);
    t
}
/// `tmpnam(s)`: a fresh name in /tmp, written to `s` (or a static buffer when NULL).
pub fn tmpnam(s: P, m: &mut Mem) -> P {
    let buf = if s != 0 { s } else {
        if m.tmpnam_buf == 0 {
            m.tmpnam_buf = m.push_obj(Kind::Static, vec![0u8; 20]);
        }
        m.tmpnam_buf
    };
    st_bytes(buf, b"/tmp/fileXXXXXX\0", m);
    if mktemp(buf, m) == 0 || ld_u8(buf, m) == 0 {
        return 0;
    }
    buf
}
/// `ttyname(fd)`: NULL with ENOTTY (a sandboxed run has no terminal), EBADF for a bad `fd`.
pub fn ttyname(fd: i32, m: &mut Mem) -> P {
    let e = match fd_file(&m.fds, fd) {
        Ok(f) if f.is_terminal() => {
            use std::os::fd::AsRawFd;
            std::fs::read_link(format!("/proc/self/fd/{}", f.as_raw_fd())).ok()
        }
        Ok(_) => None,
        Err(e) => {
            m.set_errno(e);
            return 0;
        }
    };
    match e {
        Some(path) => static_text(&path.into_os_string().into_vec(), m),
        None => {
            m.set_errno(ENOTTY);
            0
        }
    }
}
/// `gets(s)`: a line from stdin without its newline; NULL at end of input.
pub fn gets(s: P, m: &mut Mem) -> P {
    let f = std_file(STDIN_VAR, m);
    let mut i = 0u64;
    loop {
        let c = fgetc(f, m);
        if c == EOF {
            if i == 0 {
                return 0;
            }
            break;
        }
        if c == b'\n' as i32 {
            break;
        }
        st_u8(s.wrapping_add(i), c as u8, m);
        i += 1;
    }
    st_u8(s.wrapping_add(i), 0, m);
    s
}
/// `getw(f)`: one int in the machine's byte order; EOF at end.
pub fn getw(f: P, m: &mut Mem) -> i32 {
    let tmp = m.push_obj(Kind::Heap, vec![0u8; 4]);
    let n = fread(tmp, 4, 1, f, m);
    let v = ld_i32(tmp, m);
    free(tmp, m);
    if n == 1 { v } else { EOF }
}
/// `putw(w, f)`: 0, or EOF on an error.
pub fn putw(w: i32, f: P, m: &mut Mem) -> i32 {
    let tmp = m.push_obj(Kind::Heap, w.to_le_bytes().to_vec());
    let n = fwrite(tmp, 4, 1, f, m);
    free(tmp, m);
    if n == 1 { 0 } else { EOF }
}
/// `fgetpos(f, pos)`: the position into the `fpos_t` (offset, then a zero shift state).
pub fn fgetpos(f: P, pos: P, m: &mut Mem) -> i32 {
    let at = ftell(f, m);
    if at < 0 {
        return -1;
    }
    st_i64(pos, at, m);
    st_i64(pos.wrapping_add(8), 0, m);
    0
}
/// `fsetpos(f, pos)`.
pub fn fsetpos(f: P, pos: P, m: &mut Mem) -> i32 {
    let at = ld_i64(pos, m);
    fseek(f, at, 0, m)
}
/// `psignal(sig, s)`: "s: description" on stderr.
pub fn psignal(sig: i32, s: P, m: &mut Mem) {
    let mut line = if s != 0 && ld_u8(s, m) != 0 { cstr(s, m) } else { Vec::new() };
    if !line.is_empty() {
        line.extend_from_slice(b": ");
    }
    let d = strsignal(sig, m);
    line.extend(cstr(d, m));
    line.push(b'\n');
    let p = new_cstr(&line, m);
    let err = std_file(STDERR_VAR, m);
    fputs(p, err, m);
    free(p, m);
}
/// `strxfrm(d, s, n)` in the C locale: `s` itself (copied when it fits), its length.
pub fn strxfrm(d: P, s: P, n: u64, m: &mut Mem) -> u64 {
    let src = cstr(s, m);
    let len = src.len() as u64;
    if n > 0 {
        let k = (len + 1).min(n);
        let mut b = src;
        b.push(0);
        st_bytes(d, &b[..k as usize], m);
    }
    len
}
/// `swab(from, to, n)`: copies `n` bytes swapping each adjacent pair (an odd last byte is left).
pub fn swab(from: P, to: P, n: i64, m: &mut Mem) {
    if n < 2 {
        return;
    }
    let b = ld_bytes(from, (n & !1) as u64, m);
    let mut out = b.clone();
    for (i, pair) in b.chunks(2).enumerate() {
        out[2 * i] = pair[1];
        out[2 * i + 1] = pair[0];
    }
    st_bytes(to, &out, m);
}
/// `inet_aton(cp, inp)`: 1 and the address in network order at `inp`, or 0.
pub fn inet_aton(cp: P, inp: P, m: &mut Mem) -> i32 {
    match parse_inet(&cstr(cp, m)) {
        Some(a) => {
            if inp != 0 {
                st_u32(inp, a, m);
            }
            1
        }
        None => 0,
    }
}

// ---- wchar.h: widths and searches

/// `wcswidth(s, n)`: the columns of at most `n` wide characters; -1 if one is not printable.
pub fn wcswidth(s: P, n: u64, m: &mut Mem) -> i32 {
    let mut w = 0i32;
    for i in 0..n {
        let c = ld_i32(s.wrapping_add(4 * i), m);
        if c == 0 {
            break;
        }
        let cw = wcwidth(c, m);
        if cw < 0 {
            return -1;
        }
        w += cw;
    }
    w
}
/// The wctype names in glibc's order; a descriptor is the 1-based index (0: unknown).
const WCTYPES: [&[u8]; 12] = [
    b"alnum", b"alpha", b"blank", b"cntrl", b"digit", b"graph", b"lower", b"print", b"punct",
    b"space", b"upper", b"xdigit",
];
/// `wctype(name)`.
pub fn wctype(name: P, m: &mut Mem) -> u64 {
    let n = cstr(name, m);
    WCTYPES.iter().position(|&t| t == n.as_slice()).map_or(0, |i| i as u64 + 1)
}
/// `iswctype(wc, desc)`: 1 or 0 (not the class bit, as glibc).
pub fn iswctype(wc: u32, desc: u64, m: &mut Mem) -> i32 {
    let f: fn(u32, &mut Mem) -> i32 = match desc {
        1 => iswalnum,
        2 => iswalpha,
        3 => iswblank,
        4 => iswcntrl,
        5 => iswdigit,
        6 => iswgraph,
        7 => iswlower,
        8 => iswprint,
        9 => iswpunct,
        10 => iswspace,
        11 => iswupper,
        12 => iswxdigit,
        _ => return 0,
    };
    (f(wc, m) != 0) as i32
}
/// `wcsspn(s, accept)`.
pub fn wcsspn(s: P, accept: P, m: &mut Mem) -> u64 {
    let a = wide_set(accept, m);
    (0..).find(|&i| {
        let c = ld_i32(s.wrapping_add(4 * i), m);
        c == 0 || !a.contains(&c)
    }).unwrap_or(0)
}
/// `wcscspn(s, reject)`.
pub fn wcscspn(s: P, reject: P, m: &mut Mem) -> u64 {
    let r = wide_set(reject, m);
    (0..).find(|&i| {
        let c = ld_i32(s.wrapping_add(4 * i), m);
        c == 0 || r.contains(&c)
    }).unwrap_or(0)
}
/// `wcspbrk(s, accept)`.
pub fn wcspbrk(s: P, accept: P, m: &mut Mem) -> P {
    let i = wcscspn(s, accept, m);
    let p = s.wrapping_add(4 * i);
    if ld_i32(p, m) == 0 { 0 } else { p }
}
/// `wcsstr(hay, needle)`.
pub fn wcsstr(hay: P, needle: P, m: &mut Mem) -> P {
    let n: Vec<i32> = (0..wlen(needle, m)).map(|i| ld_i32(needle.wrapping_add(4 * i), m)).collect();
    let h: Vec<i32> = (0..wlen(hay, m)).map(|i| ld_i32(hay.wrapping_add(4 * i), m)).collect();
    if n.is_empty() {
        return hay;
    }
    h.windows(n.len()).position(|w| w == n.as_slice()).map_or(0, |i| hay.wrapping_add(4 * i as u64))
}
/// `wcsdup(s)`: a heap copy.
pub fn wcsdup(s: P, m: &mut Mem) -> P {
    let n = (wlen(s, m) + 1) * 4;
    let p = malloc(n, m);
    if p != 0 {
        memcpy(p, s, n, m);
    }
    p
}
fn wide_set(s: P, m: &Mem) -> Vec<i32> {
    (0..wlen(s, m)).map(|i| ld_i32(s.wrapping_add(4 * i), m)).collect()
}

// ---- fnmatch.h, glob.h (glibc's flags; no extended patterns)

const FNM_NOESCAPE: i32 = 2;
const FNM_PATHNAME: i32 = 1;
const FNM_PERIOD: i32 = 4;
const FNM_LEADING_DIR: i32 = 8;
const FNM_CASEFOLD: i32 = 16;

/// Whether byte `c` is in the bracket expression starting after `[` at `p[0]`; the index
/// after the closing `]`, or None when the bracket is not closed (then `[` is literal).
fn fn_bracket(p: &[u8], c: u8, flags: i32) -> Option<(bool, usize)> {
    let fold = |b: u8| if flags & FNM_CASEFOLD != 0 { b.to_ascii_lowercase() } else { b };
    let mut i = 0;
    let negate = matches!(p.first(), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let b = *p.get(i)?;
        if b == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if b == b'[' && p.get(i + 1) == Some(&b':') {
            let end = p[i + 2..].windows(2).position(|w| w == b":]")? + i + 2;
            let class = &p[i + 2..end];
            let bits = match class {
                b"alnum" => CT_ALNUM,
                b"alpha" => CT_ALPHA,
                b"blank" => CT_BLANK,
                b"cntrl" => CT_CNTRL,
                b"digit" => CT_DIGIT,
                b"graph" => CT_GRAPH,
                b"lower" => CT_LOWER,
                b"print" => CT_PRINT,
                b"punct" => CT_PUNCT,
                b"space" => CT_SPACE,
                b"upper" => CT_UPPER,
                b"xdigit" => CT_XDIGIT,
                _ => 0,
            };
            hit |= c < 128 && ctype_bits(c as i32) & bits != 0;
            i = end + 2;
            continue;
        }
        let mut lo = b;
        if b == b'\\' && flags & FNM_NOESCAPE == 0 {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&x| x != b']') {
            hi = p[i + 1];
            if hi == b'\\' && flags & FNM_NOESCAPE == 0 {
                hi = *p.get(i + 2)?;
                i += 1;
            }
            i += 2;
        }
        if (lo..=hi).contains(&c) || (fold(lo)..=fold(hi)).contains(&fold(c)) {
            hit = true;
        }
    }
}
/// Whether a leading period at `s[i]` must be matched by a literal period.
fn fn_period(s: &[u8], i: usize, flags: i32) -> bool {
    flags & FNM_PERIOD != 0
        && s.get(i) == Some(&b'.')
        && (i == 0 || (flags & FNM_PATHNAME != 0 && s[i - 1] == b'/'))
}
fn fn_match(p: &[u8], s: &[u8], si: usize, flags: i32) -> bool {
    let (mut pi, mut si) = (0usize, si);
    let fold = |b: u8| if flags & FNM_CASEFOLD != 0 { b.to_ascii_lowercase() } else { b };
    while pi < p.len() {
        match p[pi] {
            b'?' => {
                let Some(&c) = s.get(si) else { return false };
                if (c == b'/' && flags & FNM_PATHNAME != 0) || fn_period(s, si, flags) {
                    return false;
                }
                pi += 1;
                si += 1;
            }
            b'*' => {
                if fn_period(s, si, flags) {
                    return false;
                }
                while p.get(pi) == Some(&b'*') {
                    pi += 1;
                }
                if pi == p.len() {
                    return flags & FNM_PATHNAME == 0
                        || flags & FNM_LEADING_DIR != 0
                        || !s[si..].contains(&b'/');
                }
                let mut k = si;
                loop {
                    if fn_match(&p[pi..], s, k, flags) {
                        return true;
                    }
                    if k >= s.len() || (s[k] == b'/' && flags & FNM_PATHNAME != 0) {
                        return false;
                    }
                    k += 1;
                }
            }
            b'[' => {
                let Some(&c) = s.get(si) else { return false };
                if (c == b'/' && flags & FNM_PATHNAME != 0) || fn_period(s, si, flags) {
                    return false;
                }
                match fn_bracket(&p[pi + 1..], c, flags) {
                    Some((true, used)) => {
                        pi += 1 + used;
                        si += 1;
                    }
                    Some((false, _)) => return false,
                    None => {
                        if c != b'[' {
                            return false;
                        }
                        pi += 1;
                        si += 1;
                    }
                }
            }
            b => {
                let mut lit = b;
                if b == b'\\' && flags & FNM_NOESCAPE == 0 && pi + 1 < p.len() {
                    pi += 1;
                    lit = p[pi];
                }
                let Some(&c) = s.get(si) else { return false };
                if fold(c) != fold(lit) {
                    return false;
                }
                pi += 1;
                si += 1;
            }
        }
    }
    si == s.len() || (flags & FNM_LEADING_DIR != 0 && s[si] == b'/')
}
/// `fnmatch(pattern, string, flags)`: 0 for a match, FNM_NOMATCH (1) otherwise.
pub fn fnmatch(pattern: P, string: P, flags: i32, m: &mut Mem) -> i32 {
    let (p, s) = (cstr(pattern, m), cstr(string, m));
    if fn_match(&p, &s, 0, flags) { 0 } else { 1 }
}

const GLOB_ERR: i32 = 1;
const GLOB_MARK: i32 = 2;
const GLOB_NOSORT: i32 = 4;
const GLOB_DOOFFS: i32 = 8;
const GLOB_NOCHECK: i32 = 16;
const GLOB_APPEND: i32 = 32;
const GLOB_NOESCAPE: i32 = 64;

fn has_magic(part: &[u8]) -> bool {
    part.iter().any(|&c| matches!(c, b'*' | b'?' | b'['))
}
/// The paths matching `pat`, directory level by directory level, in directory order.
fn glob_paths(pat: &[u8], flags: i32) -> Result<Vec<Vec<u8>>, ()> {
    let absolute = pat.first() == Some(&b'/');
    let parts: Vec<&[u8]> = pat.split(|&c| c == b'/').filter(|p| !p.is_empty()).collect();
    let fl = FNM_PERIOD | if flags & GLOB_NOESCAPE != 0 { FNM_NOESCAPE } else { 0 };
    let mut found: Vec<Vec<u8>> = vec![if absolute { b"/".to_vec() } else { Vec::new() }];
    for (k, part) in parts.iter().enumerate() {
        let last = k + 1 == parts.len();
        let mut next = Vec::new();
        for base in &found {
            let join = |name: &[u8]| {
                let mut p = base.clone();
                if !p.is_empty() && !p.ends_with(b"/") {
                    p.push(b'/');
                }
                p.extend_from_slice(name);
                p
            };
            if !has_magic(part) {
                let lit: Vec<u8> = if flags & GLOB_NOESCAPE == 0 {
                    let mut o = Vec::new();
                    let mut it = part.iter();
                    while let Some(&c) = it.next() {
                        o.push(if c == b'\\' { it.next().copied().unwrap_or(b'\\') } else { c });
                    }
                    o
                } else {
                    part.to_vec()
                };
                let p = join(&lit);
                let md = std::fs::symlink_metadata(OsStr::from_bytes(&p));
                if md.is_ok() && (last || std::fs::metadata(OsStr::from_bytes(&p)).is_ok_and(|m| m.is_dir())) {
                    next.push(p);
                }
                continue;
            }
            let dir = if base.is_empty() { b".".to_vec() } else { base.clone() };
            let rd = match std::fs::read_dir(OsStr::from_bytes(&dir)) {
                Ok(rd) => rd,
                Err(_) if flags & GLOB_ERR != 0 => return Err(()),
                Err(_) => continue,
            };
            let mut names: Vec<Vec<u8>> = Vec::new();
            if part.first() == Some(&b'.') {
                names.push(b".".to_vec());
                names.push(b"..".to_vec());
            }
            names.extend(rd.flatten().map(|e| e.file_name().into_vec()));
            for name in names {
                if fn_match(part, &name, 0, fl) {
                    let p = join(&name);
                    if last || std::fs::metadata(OsStr::from_bytes(&p)).is_ok_and(|m| m.is_dir()) {
                        next.push(p);
                    }
                }
            }
        }
        found = next;
    }
    if parts.is_empty() {
        return Ok(if absolute { vec![b"/".to_vec()] } else { Vec::new() });
    }
    Ok(found)
}
/// `glob(pattern, flags, errfunc, pglob)`: fills the `glob_t` (gl_pathc, gl_pathv, gl_offs);
/// 0, GLOB_NOMATCH (3), GLOB_ABORTED (2) or GLOB_NOSPACE (1). `errfunc` is never called.
pub fn glob(pattern: P, flags: i32, _errfunc: P, g: P, m: &mut Mem) -> i32 {
    let pat = cstr(pattern, m);
    let mut paths = match glob_paths(&pat, flags) {
        Ok(p) => p,
        Err(()) => return 2,
    };
    if flags & GLOB_NOSORT == 0 {
        paths.sort();
    }
    if flags & GLOB_MARK != 0 {
        for p in &mut paths {
            if !p.ends_with(b"/") && std::fs::metadata(OsStr::from_bytes(p)).is_ok_and(|m| m.is_dir()) {
                p.push(b'/');
            }
        }
    }
    if paths.is_empty() {
        if flags & GLOB_NOCHECK == 0 {
            return 3;
        }
        paths.push(pat);
    }
    let offs = if flags & GLOB_DOOFFS != 0 { ld_u64(g.wrapping_add(16), m) } else { 0 };
    let (old_n, old_v) = if flags & GLOB_APPEND != 0 {
        (ld_u64(g, m), ld_u64(g.wrapping_add(8), m))
    } else {
        (0, 0)
    };
    let mut entries: Vec<P> = vec![0; offs as usize];
    for i in 0..old_n {
        entries.push(ld_u64(old_v.wrapping_add(8 * (offs + i)), m));
    }
    for p in &paths {
        let s = new_cstr(p, m);
        entries.push(s);
    }
    entries.push(0);
    let v = malloc(entries.len() as u64 * 8, m);
    for (i, e) in entries.iter().enumerate() {
        st_u64(v.wrapping_add(8 * i as u64), *e, m);
    }
    if old_v != 0 {
        free(old_v, m);
    }
    st_u64(g, old_n + paths.len() as u64, m);
    st_u64(g.wrapping_add(8), v, m);
    st_i32(g.wrapping_add(24), flags, m);
    0
}
/// `globfree(pglob)`.
pub fn globfree(g: P, m: &mut Mem) {
    let v = ld_u64(g.wrapping_add(8), m);
    if v == 0 {
        return;
    }
    let offs = ld_u64(g.wrapping_add(16), m);
    let n = ld_u64(g, m);
    for i in 0..n {
        let s = ld_u64(v.wrapping_add(8 * (offs + i)), m);
        if s != 0 {
            free(s, m);
        }
    }
    free(v, m);
    st_u64(g.wrapping_add(8), 0, m);
}

// ---- time.h strptime (the C locale, as glibc parses)

const DAY_NAMES: [&[u8]; 7] = [b"sunday", b"monday", b"tuesday", b"wednesday", b"thursday", b"friday", b"saturday"];
const MONTH_NAMES: [&[u8]; 12] = [
    b"january", b"february", b"march", b"april", b"may", b"june", b"july", b"august",
    b"september", b"october", b"november", b"december",
];

/// What one strptime parse found, applied to the `struct tm` at the end.
#[derive(Default)]
struct TmParse {
    f: [Option<i32>; 8],
    pm: Option<bool>,
    twelve: bool,
    century: Option<i32>,
    year2: Option<i32>,
    want_xday: bool,
}

/// glibc's `get_number`: optional white space, then at most `n` digits in `lo..=hi`.
fn tp_number(s: &[u8], i: &mut usize, lo: i32, hi: i32, n: usize) -> Option<i32> {
    while s.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
        *i += 1;
    }
    let mut val: i32 = 0;
    let mut k = 0;
    if !s.get(*i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    loop {
        val = val * 10 + (s[*i] - b'0') as i32;
        *i += 1;
        k += 1;
        if !(k < n && val * 10 <= hi && s.get(*i).is_some_and(|c| c.is_ascii_digit())) {
            break;
        }
    }
    if val < lo || val > hi { None } else { Some(val) }
}
/// A day or month name (full or three-letter), case-insensitive: its index.
fn tp_name(s: &[u8], i: &mut usize, names: &[&[u8]]) -> Option<i32> {
    for (k, full) in names.iter().enumerate() {
        for len in [full.len(), 3] {
            let end = *i + len;
            if end <= s.len() && s[*i..end].eq_ignore_ascii_case(&full[..len]) {
                *i = end;
                return Some(k as i32);
            }
        }
    }
    None
}
fn tp_run(s: &[u8], i: &mut usize, fmt: &[u8], p: &mut TmParse) -> bool {
    // tm fields by index: sec min hour mday mon year wday yday
    let mut j = 0;
    while j < fmt.len() {
        let c = fmt[j];
        if c.is_ascii_whitespace() {
            while s.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
                *i += 1;
            }
            j += 1;
            continue;
        }
        if c != b'%' {
            if s.get(*i) != Some(&c) {
                return false;
            }
            *i += 1;
            j += 1;
            continue;
        }
        j += 1;
        while fmt.get(j).is_some_and(|&c| matches!(c, b'-' | b'_' | b'0' | b'^' | b'#')) {
            j += 1;
        }
        while fmt.get(j).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
        }
        if fmt.get(j).is_some_and(|&c| c == b'E' || c == b'O') {
            j += 1;
        }
        let Some(&d) = fmt.get(j) else { return false };
        j += 1;
        let num = |i: &mut usize, lo, hi, n| tp_number(s, i, lo, hi, n);
        let ok = match d {
            b'%' => {
                let hit = s.get(*i) == Some(&b'%');
                *i += 1;
                hit
            }
            b'n' | b't' => {
                while s.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
                    *i += 1;
                }
                true
            }
            b'a' | b'A' => {
                tp_name(s, i, &DAY_NAMES).map(|v| p.f[6] = Some(v)).is_some()
            }
            b'u' => num(i, 1, 7, 1).map(|v| p.f[6] = Some(v % 7)).is_some(),
            b'w' => num(i, 0, 6, 1).map(|v| p.f[6] = Some(v)).is_some(),
            b'b' | b'B' | b'h' => {
                p.want_xday = true;
                tp_name(s, i, &MONTH_NAMES).map(|v| p.f[4] = Some(v)).is_some()
            }
            b'c' => tp_run(s, i, b"%a %b %e %H:%M:%S %Y", p),
            b'C' => {
                p.want_xday = true;
                num(i, 0, 99, 2).map(|v| p.century = Some(v)).is_some()
            }
            b'd' | b'e' => {
                p.want_xday = true;
                num(i, 1, 31, 2).map(|v| p.f[3] = Some(v)).is_some()
            }
            b'D' | b'x' => {
                p.want_xday = true;
                tp_run(s, i, b"%m/%d/%y", p)
            }
            b'F' => {
                p.want_xday = true;
                tp_run(s, i, b"%Y-%m-%d", p)
            }
            b'H' | b'k' => num(i, 0, 23, 2).map(|v| {
                p.f[2] = Some(v);
                p.twelve = false;
            }).is_some(),
            b'I' | b'l' => num(i, 1, 12, 2).map(|v| {
                p.f[2] = Some(v % 12);
                p.twelve = true;
            }).is_some(),
            b'j' => {
                p.want_xday = true;
                num(i, 1, 366, 3).map(|v| p.f[7] = Some(v - 1)).is_some()
            }
            b'm' => {
                p.want_xday = true;
                num(i, 1, 12, 2).map(|v| p.f[4] = Some(v - 1)).is_some()
            }
            b'M' => num(i, 0, 59, 2).map(|v| p.f[1] = Some(v)).is_some(),
            b'p' | b'P' => {
                let end = *i + 2;
                if end <= s.len() && s[*i..end].eq_ignore_ascii_case(b"AM") {
                    p.pm = Some(false);
                    *i = end;
                    true
                } else if end <= s.len() && s[*i..end].eq_ignore_ascii_case(b"PM") {
                    p.pm = Some(true);
                    *i = end;
                    true
                } else {
                    false
                }
            }
            b'r' => tp_run(s, i, b"%I:%M:%S %p", p),
            b'R' => tp_run(s, i, b"%H:%M", p),
            b'S' => num(i, 0, 61, 2).map(|v| p.f[0] = Some(v)).is_some(),
            b'T' | b'X' => tp_run(s, i, b"%H:%M:%S", p),
            b'y' => {
                p.want_xday = true;
                num(i, 0, 99, 2).map(|v| p.year2 = Some(v)).is_some()
            }
            b'Y' => {
                p.want_xday = true;
                num(i, 0, 9999, 4).map(|v| {
                    p.f[5] = Some(v - 1900);
                    p.year2 = None;
                    p.century = None;
                }).is_some()
            }
            b'U' | b'W' | b'V' => num(i, 0, 53, 2).is_some(),
            b'g' => num(i, 0, 99, 2).is_some(),
            b'G' => num(i, 0, 9999, 4).is_some(),
            b'Z' => {
                while s.get(*i).is_some_and(|c| c.is_ascii_alphabetic()) {
                    *i += 1;
                }
                true
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}
/// `strptime(s, format, tm)`: the first byte not parsed, or NULL; fields the format does
/// not name are left as they were; a date fills in tm_wday and tm_yday, as glibc does.
pub fn strptime(s: P, fmt: P, tm: P, m: &mut Mem) -> P {
    let (text, f) = (cstr(s, m), cstr(fmt, m));
    let mut p = TmParse::default();
    let mut i = 0usize;
    let parsed = tp_run(&text, &mut i, &f, &mut p);
    if let Some(y2) = p.year2 {
        let year = match p.century {
            Some(c) => c * 100 + y2,
            None if y2 >= 69 => 1900 + y2,
            None => 2000 + y2,
        };
        p.f[5] = Some(year - 1900);
    } else if let Some(c) = p.century {
        if p.f[5].is_none() {
            p.f[5] = Some(c * 100 - 1900);
        }
    }
    if parsed {
        if let (Some(h), Some(pm)) = (p.f[2], p.pm) {
            if p.twelve && pm {
                p.f[2] = Some(h + 12);
            }
        }
    }
    // glibc stores each field as it parses it, so a failed parse leaves what came before
    for (k, v) in p.f.iter().enumerate() {
        if let Some(v) = v {
            st_i32(tm.wrapping_add(4 * k as u64), *v, m);
        }
    }
    if !parsed {
        return 0;
    }
    if p.want_xday {
        let get = |k: u64, m: &Mem| ld_i32(tm.wrapping_add(4 * k), m) as i64;
        let year = get(5, m) + 1900;
        if p.f[6].is_none() {
            if !(p.f[4].is_some() && p.f[3].is_some()) && p.f[7].is_some() {
                let jan1 = days_from_civil(year, 1, 1);
                let (_, mo, d) = civil(jan1 + get(7, m));
                st_i32(tm.wrapping_add(16), mo as i32 - 1, m);
                st_i32(tm.wrapping_add(12), d as i32, m);
            }
            let days = days_from_civil(year, get(4, m) + 1, get(3, m));
            st_i32(tm.wrapping_add(24), (days + 4).rem_euclid(7) as i32, m);
        }
        if p.f[7].is_none() {
            let days = days_from_civil(year, get(4, m) + 1, get(3, m));
            st_i32(tm.wrapping_add(28), (days - days_from_civil(year, 1, 1)) as i32, m);
        }
    }
    s.wrapping_add(i as u64)
}

/// `inet_ntoa(in)`: dotted quad text in a static buffer.
pub fn inet_ntoa(addr: Vec<u8>, m: &mut Mem) -> P {
    let b = [addr.first(), addr.get(1), addr.get(2), addr.get(3)].map(|x| x.copied().unwrap_or(0));
    let text = format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
    if m.ntoa_buf == 0 {
        m.ntoa_buf = m.push_obj(Kind::Static, vec![0u8; 18]);
    }
    let buf = m.ntoa_buf;
    st_bytes(buf, text.as_bytes(), m);
    st_u8(buf.wrapping_add(text.len() as u64), 0, m);
    buf
}
/// glibc's `MB_CUR_MAX` (`__ctype_get_mb_cur_max()`): 1 in the C locale, 6 in UTF-8.
pub fn __ctype_get_mb_cur_max(m: &mut Mem) -> u64 {
    if m.utf8() { 6 } else { 1 }
}

// ---- netdb.h getaddrinfo: numeric hosts and services only (a sandboxed run resolves no
// names: any other name is EAI_NONAME, as a lookup that finds nothing)

const EAI_NONAME: i32 = -2;
const EAI_FAMILY: i32 = -6;
const EAI_ADDRFAMILY: i32 = -9;
const EAI_SERVICE: i32 = -8;
const AI_PASSIVE: i32 = 1;
const AI_CANONNAME: i32 = 2;

/// `getaddrinfo(node, service, hints, res)`: one entry per socket type (stream, datagram,
/// raw unless `hints` names one), each a 48-byte `struct addrinfo` with its socket address
/// in the same object.
pub fn getaddrinfo(node: P, service: P, hints: P, res: P, m: &mut Mem) -> i32 {
    let (flags, family, socktype, protocol) = if hints != 0 {
        (ld_i32(hints, m), ld_i32(hints.wrapping_add(4), m), ld_i32(hints.wrapping_add(8), m), ld_i32(hints.wrapping_add(12), m))
    } else {
        (0, 0, 0, 0)
    };
    if ![0, AF_INET, AF_INET6].contains(&family) {
        return EAI_FAMILY;
    }
    let port: u16 = if service == 0 {
        0
    } else {
        match std::str::from_utf8(&cstr(service, m)).ok().and_then(|t| t.parse::<u16>().ok()) {
            Some(p) => p,
            None => return EAI_SERVICE,
        }
    };
    let mut addrs: Vec<(i32, Vec<u8>)> = Vec::new();
    if node == 0 {
        let passive = flags & AI_PASSIVE != 0;
        if family != AF_INET6 {
            addrs.push((AF_INET, if passive { vec![0; 4] } else { vec![127, 0, 0, 1] }));
        }
        if family != AF_INET {
            addrs.push((AF_INET6, if passive { vec![0; 16] } else { std::net::Ipv6Addr::LOCALHOST.octets().to_vec() }));
        }
    } else {
        let text = cstr(node, m);
        let v4 = parse_inet(&text);
        let v6 = std::str::from_utf8(&text).ok().and_then(|t| t.parse::<std::net::Ipv6Addr>().ok());
        match (v4, v6) {
            (Some(a), _) if family != AF_INET6 => addrs.push((AF_INET, a.to_ne_bytes().to_vec())),
            (_, Some(a)) if family != AF_INET => addrs.push((AF_INET6, a.octets().to_vec())),
            (Some(_), _) | (_, Some(_)) => return EAI_ADDRFAMILY,
            _ => return EAI_NONAME,
        }
    }
    let default_protocol = |st: i32| match st {
        1 => 6,
        2 => 17,
        _ => 0,
    };
    let kinds: Vec<(i32, i32)> = if socktype != 0 {
        vec![(socktype, if protocol != 0 { protocol } else { default_protocol(socktype) })]
    } else {
        vec![(1, 6), (2, 17), (3, 0)]
    };
    let mut nodes: Vec<P> = Vec::new();
    for (fam, bytes) in &addrs {
        for &(st, proto) in &kinds {
            let alen: u64 = if *fam == AF_INET { 16 } else { 28 };
            let n = malloc(48 + alen, m);
            st_bytes(n, &vec![0u8; (48 + alen) as usize], m);
            st_i32(n, flags, m);
            st_i32(n.wrapping_add(4), *fam, m);
            st_i32(n.wrapping_add(8), st, m);
            st_i32(n.wrapping_add(12), proto, m);
            st_u32(n.wrapping_add(16), alen as u32, m);
            let sa = n.wrapping_add(48);
            st_u64(n.wrapping_add(24), sa, m);
            st_u16(sa, *fam as u16, m);
            st_bytes(sa.wrapping_add(2), &port.to_be_bytes(), m);
            st_bytes(sa.wrapping_add(if *fam == AF_INET { 4 } else { 8 }), bytes, m);
            nodes.push(n);
        }
    }
    for w in nodes.windows(2) {
        st_u64(w[0].wrapping_add(40), w[1], m);
    }
    if flags & AI_CANONNAME != 0 && node != 0 {
        let name = cstr(node, m);
        let c = new_cstr(&name, m);
        st_u64(nodes[0].wrapping_add(32), c, m);
    }
    st_u64(res, nodes[0], m);
    0
}
/// `freeaddrinfo(res)`.
pub fn freeaddrinfo(mut p: P, m: &mut Mem) {
    while p != 0 {
        let next = ld_u64(p.wrapping_add(40), m);
        let canon = ld_u64(p.wrapping_add(32), m);
        if canon != 0 {
            free(canon, m);
        }
        free(p, m);
        p = next;
    }
}
/// `gai_strerror(code)`: glibc's messages.
pub fn gai_strerror(code: i32, m: &mut Mem) -> P {
    let text: &[u8] = match code {
        -1 => b"Bad value for ai_flags",
        -2 => b"Name or service not known",
        -3 => b"Temporary failure in name resolution",
        -4 => b"Non-recoverable failure in name resolution",
        -5 => b"No address associated with hostname",
        -6 => b"ai_family not supported",
        -7 => b"ai_socktype not supported",
        -8 => b"Servname not supported for ai_socktype",
        -9 => b"Address family for hostname not supported",
        -10 => b"Memory allocation failure",
        -11 => b"System error",
        -12 => b"Argument buffer overflow",
        _ => b"Unknown error",
    };
    static_text(text, m)
}

// ---- iconv.h: conversions between ASCII, ISO-8859-1, Windows-1252, UTF-8, UTF-16 and
// UTF-32 (with glibc's byte orders and BOMs), //TRANSLIT as '?', //IGNORE

#[derive(Clone, Copy, PartialEq)]
enum Charset {
    Ascii,
    Latin1,
    Cp1252,
    Utf8,
    /// UTF-16/UTF-32: `bom` for the plain names (a BOM written first; read, else little-endian).
    Utf16 { be: bool, bom: bool },
    Utf32 { be: bool, bom: bool },
}

/// One iconv descriptor's state.
#[derive(Clone, Copy)]
struct Iconv {
    from: Charset,
    to: Charset,
    translit: bool,
    ignore: bool,
    /// The decoder's byte order once a BOM (or its absence) decided it.
    read_be: Option<bool>,
    wrote_bom: bool,
}

/// Windows-1252's 0x80..=0x9f (0: undefined).
const CP1252_HIGH: [u16; 32] = [
    0x20ac, 0, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039,
    0x152, 0, 0x17d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc,
    0x2122, 0x161, 0x203a, 0x153, 0, 0x17e, 0x178,
];

fn charset_named(name: &[u8], m: &Mem) -> Option<(Charset, bool, bool)> {
    let upper = name.to_ascii_uppercase();
    let mut parts = upper.split(|&c| c == b'/').filter(|p| !p.is_empty());
    let base = parts.next().unwrap_or(b"");
    let (mut translit, mut ignore) = (false, false);
    for p in parts {
        for flag in p.split(|&c| c == b',') {
            translit |= flag == b"TRANSLIT";
            ignore |= flag == b"IGNORE";
        }
    }
    let cs = match base {
        b"" => if m.utf8() { Charset::Utf8 } else { Charset::Ascii },
        b"ASCII" | b"US-ASCII" | b"ANSI_X3.4-1968" | b"646" | b"US" | b"CSASCII" => Charset::Ascii,
        b"ISO-8859-1" | b"ISO8859-1" | b"ISO_8859-1" | b"LATIN1" | b"L1" | b"CP819" | b"IBM819" => Charset::Latin1,
        b"WINDOWS-1252" | b"CP1252" | b"MS-ANSI" => Charset::Cp1252,
        b"UTF-8" | b"UTF8" => Charset::Utf8,
        b"UTF-16" => Charset::Utf16 { be: false, bom: true },
        b"UTF-16LE" => Charset::Utf16 { be: false, bom: false },
        b"UTF-16BE" => Charset::Utf16 { be: true, bom: false },
        b"UTF-32" => Charset::Utf32 { be: false, bom: true },
        b"UTF-32LE" | b"UCS-4LE" | b"WCHAR_T" | b"INTERNAL" => Charset::Utf32 { be: false, bom: false },
        b"UTF-32BE" | b"UCS-4" | b"UCS-4BE" | b"ISO-10646/UCS4" => Charset::Utf32 { be: true, bom: false },
        _ => return None,
    };
    Some((cs, translit, ignore))
}

/// One character of `b` in `cs`: Ok(Some((code point, bytes))), Ok(None) incomplete, Err invalid.
fn ic_decode(cs: Charset, b: &[u8], be: bool) -> Result<Option<(u32, usize)>, ()> {
    let Some(&c) = b.first() else { return Ok(None) };
    match cs {
        Charset::Ascii => if c < 0x80 { Ok(Some((c as u32, 1))) } else { Err(()) },
        Charset::Latin1 => Ok(Some((c as u32, 1))),
        Charset::Cp1252 => match c {
            0x80..=0x9f => match CP1252_HIGH[(c - 0x80) as usize] {
                0 => Err(()),
                u => Ok(Some((u as u32, 1))),
            },
            _ => Ok(Some((c as u32, 1))),
        },
        Charset::Utf8 => match mb_char(b, true) {
            Ok(Some((u, _))) if u > 0x10ffff => Err(()),
            other => other,
        },
        Charset::Utf16 { .. } => {
            if b.len() < 2 {
                return Ok(None);
            }
            let unit = |i: usize| if be { u16::from_be_bytes([b[i], b[i + 1]]) } else { u16::from_le_bytes([b[i], b[i + 1]]) };
            let u = unit(0) as u32;
            match u {
                0xd800..=0xdbff => {
                    if b.len() < 4 {
                        return Ok(None);
                    }
                    let lo = unit(2) as u32;
                    if !(0xdc00..=0xdfff).contains(&lo) {
                        return Err(());
                    }
                    Ok(Some((0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00), 4)))
                }
                0xdc00..=0xdfff => Err(()),
                _ => Ok(Some((u, 2))),
            }
        }
        Charset::Utf32 { .. } => {
            if b.len() < 4 {
                return Ok(None);
            }
            let q = [b[0], b[1], b[2], b[3]];
            let u = if be { u32::from_be_bytes(q) } else { u32::from_le_bytes(q) };
            if u > 0x10ffff || (0xd800..=0xdfff).contains(&u) { Err(()) } else { Ok(Some((u, 4))) }
        }
    }
}

/// The bytes of `u` in `cs`, None when `cs` cannot represent it.
fn ic_encode(cs: Charset, u: u32) -> Option<Vec<u8>> {
    match cs {
        Charset::Ascii => (u < 0x80).then(|| vec![u as u8]),
        Charset::Latin1 => (u < 0x100).then(|| vec![u as u8]),
        Charset::Cp1252 => {
            if u < 0x80 || (0xa0..0x100).contains(&u) {
                Some(vec![u as u8])
            } else {
                CP1252_HIGH.iter().position(|&x| x != 0 && x as u32 == u).map(|i| vec![0x80 + i as u8])
            }
        }
        Charset::Utf8 => mb_bytes(u, true),
        Charset::Utf16 { be, .. } => {
            let units: Vec<u16> = if u >= 0x10000 {
                let v = u - 0x10000;
                vec![0xd800 + (v >> 10) as u16, 0xdc00 + (v & 0x3ff) as u16]
            } else {
                vec![u as u16]
            };
            Some(units.iter().flat_map(|x| if be { x.to_be_bytes() } else { x.to_le_bytes() }).collect())
        }
        Charset::Utf32 { be, .. } => Some(if be { u.to_be_bytes() } else { u.to_le_bytes() }.to_vec()),
    }
}

/// `iconv_open(to, from)`: a descriptor, or (iconv_t)-1 with EINVAL for an unknown charset.
pub fn iconv_open(to: P, from: P, m: &mut Mem) -> P {
    let (t, f) = (cstr(to, m), cstr(from, m));
    let (Some((to_cs, translit, ignore)), Some((from_cs, _, _))) = (charset_named(&t, m), charset_named(&f, m)) else {
        m.set_errno(EINVAL);
        return u64::MAX;
    };
    m.iconvs.push(Some(Iconv { from: from_cs, to: to_cs, translit, ignore, read_be: None, wrote_bom: false }));
    let h = malloc(8, m);
    st_u64(h, m.iconvs.len() as u64 - 1, m);
    h
}
/// `iconv_close(cd)`.
pub fn iconv_close(cd: P, m: &mut Mem) -> i32 {
    if cd == u64::MAX || cd == 0 {
        m.set_errno(EBADF);
        return -1;
    }
    let k = ld_u64(cd, m) as usize;
    if let Some(slot) = m.iconvs.get_mut(k) {
        *slot = None;
    }
    free(cd, m);
    0
}
/// `iconv(cd, inbuf, inleft, outbuf, outleft)`: the count of irreversible conversions, or -1
/// with E2BIG (output full), EILSEQ (invalid or unconvertible input) or EINVAL (input ends
/// inside a character); the four cursors advance past what was converted.
pub fn iconv(cd: P, inbuf: P, inleft: P, outbuf: P, outleft: P, m: &mut Mem) -> u64 {
    if cd == u64::MAX || cd == 0 {
        m.set_errno(EBADF);
        return u64::MAX;
    }
    let k = ld_u64(cd, m) as usize;
    let Some(Some(st)) = m.iconvs.get(k).copied() else {
        m.set_errno(EBADF);
        return u64::MAX;
    };
    let Iconv { from, to, translit, ignore, mut read_be, mut wrote_bom } = st;
    if inbuf == 0 || ld_u64(inbuf, m) == 0 {
        m.iconvs[k] = Some(Iconv { read_be: None, wrote_bom: false, ..st });
        return 0;
    }
    let (ip, il) = (ld_u64(inbuf, m), ld_u64(inleft, m));
    let (mut op, mut ol) = if outbuf != 0 { (ld_u64(outbuf, m), ld_u64(outleft, m)) } else { (0, 0) };
    let input = ld_bytes(ip, il, m);
    let mut i = 0usize;
    let mut irreversible = 0u64;
    let mut skipped = false;
    let mut fail = 0;
    while i < input.len() {
        if read_be.is_none() {
            read_be = Some(match from {
                Charset::Utf16 { be, bom: true } | Charset::Utf32 { be, bom: true } => {
                    let w = if matches!(from, Charset::Utf16 { .. }) { 2 } else { 4 };
                    if input.len() - i < w {
                        fail = EINVAL;
                        break;
                    }
                    let lead = &input[i..i + w];
                    let (le_bom, be_bom): (&[u8], &[u8]) = if w == 2 { (&[0xff, 0xfe], &[0xfe, 0xff]) } else { (&[0xff, 0xfe, 0, 0], &[0, 0, 0xfe, 0xff]) };
                    if lead == le_bom {
                        i += w;
                        false
                    } else if lead == be_bom {
                        i += w;
                        true
                    } else {
                        be
                    }
                }
                Charset::Utf16 { be, .. } | Charset::Utf32 { be, .. } => be,
                _ => false,
            });
            continue;
        }
        let (u, n) = match ic_decode(from, &input[i..], read_be.unwrap_or(false)) {
            Ok(Some(x)) => x,
            Ok(None) => {
                fail = EINVAL;
                break;
            }
            Err(()) if ignore => {
                skipped = true;
                i += 1;
                continue;
            }
            Err(()) => {
                fail = EILSEQ;
                break;
            }
        };
        let mut bytes = match ic_encode(to, u) {
            Some(b) => b,
            None if translit => {
                irreversible += 1;
                vec![b'?']
            }
            None if ignore => {
                skipped = true;
                i += n;
                continue;
            }
            None => {
                fail = EILSEQ;
                break;
            }
        };
        if !wrote_bom && matches!(to, Charset::Utf16 { bom: true, .. } | Charset::Utf32 { bom: true, .. }) {
            let mut b = ic_encode(to, 0xfeff).unwrap_or_default();
            b.extend(bytes);
            bytes = b;
        }
        if bytes.len() as u64 > ol {
            fail = 7; // E2BIG
            break;
        }
        st_bytes(op, &bytes, m);
        op = op.wrapping_add(bytes.len() as u64);
        ol -= bytes.len() as u64;
        wrote_bom |= matches!(to, Charset::Utf16 { bom: true, .. } | Charset::Utf32 { bom: true, .. });
        i += n;
    }
    m.iconvs[k] = Some(Iconv { read_be, wrote_bom, ..st });
    st_u64(inbuf, ip.wrapping_add(i as u64), m);
    st_u64(inleft, il - i as u64, m);
    if outbuf != 0 {
        st_u64(outbuf, op, m);
        st_u64(outleft, ol, m);
    }
    if fail == 0 && skipped {
        fail = EILSEQ;
    }
    if fail != 0 {
        m.set_errno(fail);
        return u64::MAX;
    }
    irreversible
}

// ---- small calls: remainder, flock, setres[ug]id

/// `remainder(x, y)`: x - n*y with n = x/y rounded to nearest, ties to even (IEEE 754),
/// from the exact `fmod`.
pub fn remainder(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() || x.is_infinite() || y == 0.0 {
        return f64::NAN;
    }
    if y.is_infinite() {
        return x;
    }
    let ay = y.abs();
    let mut r = x % y;
    let half = ay / 2.0;
    if r.abs() > half || (r.abs() == half && ((x - r) / y).rem_euclid(2.0) == 1.0) {
        r -= ay.copysign(r);
    }
    if r == 0.0 { 0.0f64.copysign(x) } else { r }
}
/// `remquo(x, y, quo)`: remainder(x, y), and the low three bits of the rounded quotient
/// with its sign in `*quo`.
pub fn remquo(x: f64, y: f64, quo: P, m: &mut Mem) -> f64 {
    let r = remainder(x, y);
    let q = if r.is_nan() || y.is_infinite() { 0.0 } else { ((x - r) / y).round() };
    let bits = (q.abs() % 8.0) as i32;
    st_i32(quo, if q < 0.0 { -bits } else { bits }, m);
    r
}

/// `sincos(x, s, c)`: both at once.
pub fn sincos(x: f64, s: P, c: P, m: &mut Mem) {
    st_f64(s, x.sin(), m);
    st_f64(c, x.cos(), m);
}
/// `sincosf(x, s, c)`.
pub fn sincosf(x: f32, s: P, c: P, m: &mut Mem) {
    st_f32(s, x.sin(), m);
    st_f32(c, x.cos(), m);
}

const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// exp(-x^2) without the rounding of x^2: x split into a 26-bit head (whose square is
/// exact) and the rest.
fn exp_neg_sq(x: f64) -> f64 {
    let hi = f64::from_bits(x.to_bits() & 0xffff_ffff_f800_0000);
    let lo = x - hi;
    (-hi * hi).exp() * (-(2.0 * hi + lo) * lo).exp()
}

/// erf(x) for |x| < 2.5 by the series 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (2n+1)!!,
/// whose terms are all positive (no cancellation).
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term.abs() > sum.abs() * 1e-17 {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
    }
    FRAC_2_SQRT_PI * exp_neg_sq(x) * sum
}

/// erfc(x) for x >= 0.5 by its continued fraction (modified Lentz).
fn erfc_fraction(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let (mut c, mut d) = (x, 0.0);
    for k in 1..20_000 {
        let a = k as f64 / 2.0;
        d = x + a * d;
        d = if d == 0.0 { tiny } else { 1.0 / d };
        c = x + a / c;
        if c == 0.0 {
            c = tiny;
        }
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    exp_neg_sq(x) / (f * std::f64::consts::PI.sqrt())
}

/// `erf(x)`.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let r = if a < 2.5 { erf_series(a) } else if a > 6.0 { 1.0 } else { 1.0 - erfc_fraction(a) };
    r.copysign(x)
}

/// `erfc(x)`.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < 0.5 {
        return 1.0 - erf(x);
    }
    if x > 27.3 {
        return 0.0;
    }
    erfc_fraction(x)
}

/// Lanczos' approximation (g = 7, nine terms): gamma(x) for x >= 0.5 is
/// sqrt(2 pi) t^(x - 1/2) e^-t series(x), t = x + 6.5.
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];
fn lanczos_series(x: f64) -> f64 {
    let z = x - 1.0;
    let mut a = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (z + i as f64);
    }
    a
}

/// `tgamma(x)`: exact at the integers up to 23, Lanczos elsewhere (about 1e-15 relative);
/// poles and overflow as C (ERANGE; EDOM and NaN at the negative integers).
pub fn tgamma(x: f64, m: &mut Mem) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x == 0.0 {
        m.set_errno(ERANGE);
        return f64::INFINITY.copysign(x);
    }
    if x.is_infinite() {
        if x < 0.0 {
            m.set_errno(EDOM);
            return f64::NAN;
        }
        return x;
    }
    if x < 0.0 && x.fract() == 0.0 {
        m.set_errno(EDOM);
        return f64::NAN;
    }
    if x > 171.624_376_956_302_7 {
        m.set_errno(ERANGE);
        return f64::INFINITY;
    }
    if x.fract() == 0.0 && x <= 23.0 {
        return (1..x as u64).fold(1.0, |acc, k| acc * k as f64);
    }
    if x < 0.5 {
        let s = (std::f64::consts::PI * x).sin();
        return std::f64::consts::PI / (s * gamma_pos(1.0 - x));
    }
    gamma_pos(x)
}
fn gamma_pos(x: f64) -> f64 {
    let t = x + 6.5;
    // t^(x-1/2) split in two so that it does not overflow before e^-t brings it back
    let half = t.powf((x - 0.5) / 2.0);
    (2.0 * std::f64::consts::PI).sqrt() * half * ((-t).exp() * half) * lanczos_series(x)
}

/// log|gamma(x)| for x >= 0.5.
fn lgamma_pos(x: f64) -> f64 {
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    if x < 15.0 {
        return gamma_pos(x).abs().ln();
    }
    let t = x + 6.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x - 0.5) * t.ln() - t + lanczos_series(x).ln()
}

/// `lgamma(x)`: log|gamma(x)| (+inf and ERANGE at the poles).
pub fn lgamma(x: f64, m: &mut Mem) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x <= 0.0 && x.fract() == 0.0 {
        m.set_errno(ERANGE);
        st_i32(SIGNGAM, 1, m);
        return f64::INFINITY;
    }
    // gamma is negative between -2k-1 and -2k
    let negative = x < 0.0 && (-x).floor() % 2.0 == 0.0;
    st_i32(SIGNGAM, if negative { -1 } else { 1 }, m);
    if x < 0.5 {
        let s = (std::f64::consts::PI * x).sin().abs();
        return (std::f64::consts::PI / s).ln() - lgamma_pos(1.0 - x);
    }
    lgamma_pos(x)
}

/// What C reads from the result register when a call's declared result type is not the
/// function's real one (`int f()` declared implicitly for a `size_t` or `void` function):
/// the value's bits, cut to the declared type by the caller's `as`; 0 for a function that
/// returns nothing (whose register C would read as garbage).
pub trait RetBits {
    /// The result as a 64-bit register.
    fn bits(self) -> u64;
}
impl RetBits for () {
    fn bits(self) -> u64 {
        0
    }
}
impl RetBits for bool {
    fn bits(self) -> u64 {
        self as u64
    }
}
macro_rules! ret_bits_as {
    ($($t:ty),*) => { $(impl RetBits for $t { fn bits(self) -> u64 { self as u64 } })* };
}
ret_bits_as!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize);
impl RetBits for f64 {
    fn bits(self) -> u64 {
        self as i64 as u64
    }
}
impl RetBits for f32 {
    fn bits(self) -> u64 {
        self as i64 as u64
    }
}
/// `RetBits::bits` of a call's result.
pub fn ret_bits<R: RetBits>(r: R) -> u64 {
    r.bits()
}

// ---- float to integer conversions as gcc compiles them for x86-64 (cvttsd2si), where C
// leaves an out-of-range value undefined: truncation toward zero, the "integer
// indefinite" (the lowest value) for NaN and out-of-range values, and narrow targets cut
// from the 32-bit result

/// A double to int, as cvttsd2si with a 32-bit destination.
pub fn f2i32(x: f64) -> i32 {
    if x.is_nan() || x <= -2_147_483_649.0 || x >= 2_147_483_648.0 {
        i32::MIN
    } else {
        x as i32
    }
}
/// A double to long, as cvttsd2si with a 64-bit destination.
pub fn f2i64(x: f64) -> i64 {
    if x.is_nan() || x < -9_223_372_036_854_775_808.0 || x >= 9_223_372_036_854_775_808.0 {
        i64::MIN
    } else {
        x as i64
    }
}
/// A double to unsigned long: gcc converts values from 2^63 on after subtracting 2^63.
pub fn f2u64(x: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if x >= TWO63 {
        (f2i64(x - TWO63) as u64) ^ (1 << 63)
    } else {
        f2i64(x) as u64
    }
}

/// `__h_errno_location()`: where `h_errno` lives.
pub fn h_errno_location() -> P {
    H_ERRNO
}

/// `rawmemchr(s, c)`: the first `c` from `s` on, with no length (a byte past the object faults).
pub fn rawmemchr(s: P, c: i32, m: &mut Mem) -> P {
    let mut p = s;
    while ld_u8(p, m) != c as u8 {
        p = p.wrapping_add(1);
    }
    p
}
/// `flock(fd, op)`: 0 for an open descriptor (one process: no lock can conflict), EBADF else.
pub fn fd_ok(fd: i32, m: &mut Mem) -> i32 {
    match fd_entry(&m.fds, fd) {
        Ok(_) => 0,
        Err(e) => {
            m.set_errno(e);
            -1
        }
    }
}
/// `setresuid(r, e, s)`: only to the ids the process has.
pub fn setresuid(r: u32, e: u32, s: u32, m: &mut Mem) -> i32 {
    set_ids("Uid:", &[r as i32 as i64, e as i32 as i64, s as i32 as i64], m)
}
/// `setresgid(r, e, s)`.
pub fn setresgid(r: u32, e: u32, s: u32, m: &mut Mem) -> i32 {
    set_ids("Gid:", &[r as i32 as i64, e as i32 as i64, s as i32 as i64], m)
}

// ---- pthread.h for programs that never start a thread: locks always succeed at once,
// thread-specific values live in one table, pthread_once runs its routine the first time.

/// `pthread_mutex_lock(mutex)` and the other lock, attribute and condition-signal calls: 0.
pub fn pthread_ok(_obj: P, _m: &mut Mem) -> i32 {
    0
}
/// Threads as a translation runs them: each to completion inside `pthread_create`, in
/// creation order (a fork-join program computes what C computes; one that makes a thread
/// wait for another panics at that wait, saying so).
#[derive(Default)]
pub struct Threads {
    caller: Option<fn(P, P, &mut Mem) -> P>,
    /// The running thread (0: main, whose id reads as 1).
    current: u64,
    created: u64,
    /// Finished threads not yet joined or detached, with their results.
    results: HashMap<u64, P>,
}

/// The payload `pthread_exit` unwinds with, back to its thread's `pthread_create`.
struct ThreadExit {
    thread: u64,
    value: P,
}

/// Registers the generated dispatcher of `void *(*)(void *)` (thread start routines).
pub fn set_thread_caller(f: fn(P, P, &mut Mem) -> P, m: &mut Mem) {
    m.threads.caller = Some(f);
}

/// `pthread_create(thread, attr, start, arg)`: `*thread` gets the new id, then
/// `start(arg)` runs to its return or `pthread_exit` before this returns 0.
pub fn pthread_create(thread: P, _attr: P, start: P, arg: P, m: &mut Mem) -> i32 {
    quiet_long_jumps();
    let Some(call) = m.threads.caller else {
        panic!("ferrox rt: pthread_create: no set_thread_caller")
    };
    m.threads.created += 1;
    let id = m.threads.created + 1;
    st_u64(thread, id, m);
    let outer = std::mem::replace(&mut m.threads.current, id);
    let mark = frame(m);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(start, arg, &mut *m)));
    m.threads.current = outer;
    let value = match run {
        Ok(v) => v,
        Err(payload) => match payload.downcast::<ThreadExit>() {
            Ok(e) if e.thread == id => {
                unwind(mark, m);
                e.value
            }
            Ok(e) => std::panic::resume_unwind(e),
            Err(other) => std::panic::resume_unwind(other),
        },
    };
    m.threads.results.insert(id, value);
    0
}

/// `pthread_exit(value)`: ends the running thread (back to its `pthread_create`); in main,
/// the process ends as when its last thread exits (exit status 0, atexit handlers run).
pub fn pthread_exit(value: P, m: &mut Mem) -> ! {
    match m.threads.current {
        0 => exit(0, m),
        thread => std::panic::panic_any(ThreadExit { thread, value }),
    }
}

/// `pthread_join(thread, result)`: the finished thread's value; ESRCH for an unknown or
/// already joined thread, EDEADLK for the caller itself (returned, as pthreads do).
pub fn pthread_join(thread: u64, result: P, m: &mut Mem) -> i32 {
    if thread == pthread_self(m) {
        return 35;
    }
    match m.threads.results.remove(&thread) {
        Some(v) => {
            if result != 0 {
                st_u64(result, v, m);
            }
            0
        }
        None => ESRCH,
    }
}

/// `pthread_detach(thread)`: 0 (its result is dropped); ESRCH when unknown.
pub fn pthread_detach(thread: u64, m: &mut Mem) -> i32 {
    if thread == pthread_self(m) || m.threads.results.remove(&thread).is_some() {
        0
    } else {
        ESRCH
    }
}

/// `pthread_cond_wait(cond, mutex)` and `pthread_cond_timedwait`: reached only when the
/// awaited condition is false, and no other thread can run meanwhile to make it true.
pub fn pthread_cond_wait(_cond: P, _mutex: P, _m: &mut Mem) -> i32 {
    panic!(
        "ferrox rt: pthread_cond_wait: threads run one after another to completion in this translation, so no other thread can signal this condition"
    )
}

/// `pthread_attr_init(attr)`: a zeroed attribute object; the other attribute calls: 0.
pub fn pthread_attr_init(attr: P, m: &mut Mem) -> i32 {
    memset(attr, 0, 56, m);
    0
}

/// `pthread_self()`: the running thread's id (main's is 1).
pub fn pthread_self(m: &Mem) -> u64 {
    m.threads.current.max(1)
}
/// `pthread_equal(a, b)`.
pub fn pthread_equal(a: u64, b: u64) -> i32 {
    (a == b) as i32
}
/// `pthread_once(once, init)`: calls `init` when `*once` is still PTHREAD_ONCE_INIT (0).
pub fn pthread_once(once: P, init: P, m: &mut Mem) -> i32 {
    if ld_i32(once, m) == 0 {
        st_i32(once, 2, m);
        match m.void_caller {
            Some(call) => call(init, m),
            None => panic!("ferrox rt: pthread_once: no set_void_caller"),
        }
    }
    0
}
/// `pthread_key_create(key, destructor)`: a new key (destructors never run: no thread exits).
pub fn pthread_key_create(key: P, _destructor: P, m: &mut Mem) -> i32 {
    m.thread_keys.push(Some(0));
    st_u32(key, m.thread_keys.len() as u32 - 1, m);
    0
}
/// `pthread_key_delete(key)`.
pub fn pthread_key_delete(key: u32, m: &mut Mem) -> i32 {
    match m.thread_keys.get_mut(key as usize) {
        Some(slot @ Some(_)) => {
            *slot = None;
            0
        }
        _ => EINVAL,
    }
}
/// `pthread_getspecific(key)`: NULL for an unset or deleted key.
pub fn pthread_getspecific(key: u32, m: &mut Mem) -> P {
    m.thread_keys.get(key as usize).copied().flatten().unwrap_or(0)
}
/// `pthread_setspecific(key, value)`.
pub fn pthread_setspecific(key: u32, value: P, m: &mut Mem) -> i32 {
    match m.thread_keys.get_mut(key as usize) {
        Some(Some(v)) => {
            *v = value;
            0
        }
        _ => EINVAL,
    }
}

// ---- errno

/// `__errno_location()`: the address of errno.
pub fn __errno_location(_m: &Mem) -> P {
    ERRNO
}

/// The current errno value.
pub fn errno(m: &Mem) -> i32 {
    ld_i32(ERRNO, m)
}

/// Sets errno.
pub fn set_errno(e: i32, m: &mut Mem) {
    m.set_errno(e)
}

// ---- getopt

fn argv_at(argv: P, i: i32, m: &Mem) -> P {
    ld_u64(argv.wrapping_add(8 * i as u64), m)
}

/// glibc's `exchange`: moves the non-options [first_nonopt, last_nonopt) after the options
/// [last_nonopt, optind).
fn getopt_exchange(argv: P, optind: i32, m: &mut Mem) {
    let (first, last) = (m.getopt.first_nonopt, m.getopt.last_nonopt);
    let mut items: Vec<P> = (first..optind).map(|i| argv_at(argv, i, m)).collect();
    items.rotate_left((last - first) as usize);
    for (k, p) in items.iter().enumerate() {
        st_u64(argv.wrapping_add(8 * (first as u64 + k as u64)), *p, m);
    }
    m.getopt.first_nonopt += optind - last;
    m.getopt.last_nonopt = optind;
}

/// Writes a getopt diagnostic, "argv[0]: " + `text`, to stderr.
fn getopt_msg(argv: P, text: &[u8], m: &mut Mem) {
    let mut msg = cstr(argv_at(argv, 0, m), m);
    msg.extend_from_slice(b": ");
    msg.extend_from_slice(text);
    let f = std_file(STDERR_VAR, m);
    write_file(f, &msg, "getopt", m);
}

fn getopt_error(argv: P, text: &str, c: u8, m: &mut Mem) {
    let mut msg = format!("{} -- '", text).into_bytes();
    msg.push(c);
    msg.extend_from_slice(b"'\n");
    getopt_msg(argv, &msg, m);
}

/// One `struct option` (32 bytes: name, has_arg, flag, val).
struct LongOpt {
    name: Vec<u8>,
    has_arg: i32,
    flag: P,
    val: i32,
}

fn long_opts(longopts: P, m: &Mem) -> Vec<LongOpt> {
    let mut out = Vec::new();
    for i in 0.. {
        let o = longopts.wrapping_add(32 * i);
        let name = ld_u64(o, m);
        if name == 0 {
            break;
        }
        out.push(LongOpt {
            name: cstr(name, m),
            has_arg: ld_i32(o.wrapping_add(8), m),
            flag: ld_u64(o.wrapping_add(16), m),
            val: ld_i32(o.wrapping_add(24), m),
        });
    }
    out
}

/// glibc's `process_long_option`: the long option at `nextchar` (after `prefix`); -1 means
/// "not a long option, read it as short ones" (getopt_long_only only).
#[allow(clippy::too_many_arguments)]
fn getopt_long_option(
    argc: i32,
    argv: P,
    opts: &[u8],
    longopts: P,
    longind: P,
    long_only: bool,
    print_errors: bool,
    prefix: &str,
    optind: &mut i32,
    m: &mut Mem,
) -> i32 {
    let nc = m.getopt.nextchar;
    let arg = cstr(nc, m);
    let namelen = arg.iter().position(|&c| c == b'=').unwrap_or(arg.len());
    let name = &arg[..namelen];
    let table = long_opts(longopts, m);
    let mut found = table.iter().position(|o| o.name == name);
    if found.is_none() {
        let mut ambig: Vec<usize> = Vec::new();
        for (i, o) in table.iter().enumerate() {
            if !o.name.starts_with(name) {
                continue;
            }
            match found {
                None => found = Some(i),
                Some(f) => {
                    let p = &table[f];
                    if long_only || p.has_arg != o.has_arg || p.flag != o.flag || p.val != o.val {
                        if ambig.is_empty() {
                            ambig.push(f);
                        }
                        ambig.push(i);
                    }
                }
            }
        }
        if !ambig.is_empty() {
            if print_errors {
                let mut msg = format!("option '{}", prefix).into_bytes();
                msg.extend_from_slice(&arg);
                msg.extend_from_slice(b"' is ambiguous; possibilities:");
                for &i in &ambig {
                    msg.extend_from_slice(format!(" '{}", prefix).as_bytes());
                    msg.extend_from_slice(&table[i].name);
                    msg.push(b'\'');
                }
                msg.push(b'\n');
                getopt_msg(argv, &msg, m);
            }
            m.getopt.nextchar = nc.wrapping_add(arg.len() as u64);
            *optind += 1;
            m.getopt.optopt = 0;
            return b'?' as i32;
        }
    }
    let Some(idx) = found else {
        let first = arg.first().copied().unwrap_or(0);
        let dashdash = ld_u8(argv_at(argv, *optind, m).wrapping_add(1), m) == b'-';
        if !long_only || dashdash || (first != 0 && !opts.contains(&first)) {
            if print_errors {
                let mut msg = format!("unrecognized option '{}", prefix).into_bytes();
                msg.extend_from_slice(&arg);
                msg.extend_from_slice(b"'\n");
                getopt_msg(argv, &msg, m);
            }
            m.getopt.nextchar = 0;
            *optind += 1;
            m.getopt.optopt = 0;
            return b'?' as i32;
        }
        return -1;
    };
    let o = &table[idx];
    *optind += 1;
    m.getopt.nextchar = 0;
    if namelen < arg.len() {
        if o.has_arg != 0 {
            st_u64(OPTARG, nc.wrapping_add(namelen as u64 + 1), m);
        } else {
            if print_errors {
                let mut msg = format!("option '{}", prefix).into_bytes();
                msg.extend_from_slice(&o.name);
                msg.extend_from_slice(b"' doesn't allow an argument\n");
                getopt_msg(argv, &msg, m);
            }
            m.getopt.optopt = o.val;
            return b'?' as i32;
        }
    } else if o.has_arg == 1 {
        if *optind < argc {
            let a = argv_at(argv, *optind, m);
            st_u64(OPTARG, a, m);
            *optind += 1;
        } else {
            if print_errors {
                let mut msg = format!("option '{}", prefix).into_bytes();
                msg.extend_from_slice(&o.name);
                msg.extend_from_slice(b"' requires an argument\n");
                getopt_msg(argv, &msg, m);
            }
            m.getopt.optopt = o.val;
            return if opts.first() == Some(&b':') { b':' as i32 } else { b'?' as i32 };
        }
    }
    if longind != 0 {
        st_i32(longind, idx as i32, m);
    }
    if o.flag != 0 {
        st_i32(o.flag, o.val, m);
        return 0;
    }
    o.val
}

/// `getopt(argc, argv, optstring)`: glibc's getopt (argument permutation, `+`/`-`/`:` prefixes,
/// POSIXLY_CORRECT), through the optarg/optind/opterr/optopt cells.
pub fn getopt(argc: i32, argv: P, optstring: P, m: &mut Mem) -> i32 {
    getopt_internal(argc, argv, optstring, 0, 0, false, m)
}

/// `getopt_long(argc, argv, optstring, longopts, longindex)`: glibc's, sharing getopt's state;
/// `longopts` is an array of 32-byte `struct option` ending with a NULL name.
pub fn getopt_long(argc: i32, argv: P, optstring: P, longopts: P, longindex: P, m: &mut Mem) -> i32 {
    getopt_internal(argc, argv, optstring, longopts, longindex, false, m)
}

/// `getopt_long_only(...)`: long options may also start with a single '-'.
pub fn getopt_long_only(argc: i32, argv: P, optstring: P, longopts: P, longindex: P, m: &mut Mem) -> i32 {
    getopt_internal(argc, argv, optstring, longopts, longindex, true, m)
}

/// glibc's `_getopt_internal_r` over the runtime's getopt state.
fn getopt_internal(argc: i32, argv: P, optstring: P, longopts: P, longind: P, long_only: bool, m: &mut Mem) -> i32 {
    let mut opts = cstr(optstring, m);
    let mut optind = ld_i32(OPTIND, m);
    st_u64(OPTARG, 0, m);
    if argc < 1 {
        return -1;
    }
    if optind == 0 || !m.getopt.initialized {
        if optind == 0 {
            optind = 1;
        }
        let g = &mut m.getopt;
        g.first_nonopt = optind;
        g.last_nonopt = optind;
        g.nextchar = 0;
        g.initialized = true;
        g.ordering = match opts.first() {
            Some(b'-') => 2,
            Some(b'+') => 1,
            _ if std::env::var_os("POSIXLY_CORRECT").is_some() => 1,
            _ => 0,
        };
    }
    if matches!(opts.first(), Some(b'-' | b'+')) {
        opts.remove(0);
    }
    let print_errors = ld_i32(OPTERR, m) != 0 && opts.first() != Some(&b':');
    let nonoption = |i: i32, m: &Mem| {
        let a = argv_at(argv, i, m);
        ld_u8(a, m) != b'-' || ld_u8(a.wrapping_add(1), m) == 0
    };
    let result = 'next: {
        let nc = m.getopt.nextchar;
        if nc == 0 || ld_u8(nc, m) == 0 {
            if m.getopt.last_nonopt > optind {
                m.getopt.last_nonopt = optind;
            }
            if m.getopt.first_nonopt > optind {
                m.getopt.first_nonopt = optind;
            }
            if m.getopt.ordering == 0 {
                if m.getopt.first_nonopt != m.getopt.last_nonopt && m.getopt.last_nonopt != optind {
                    getopt_exchange(argv, optind, m);
                } else if m.getopt.last_nonopt != optind {
                    m.getopt.first_nonopt = optind;
                }
                while optind < argc && nonoption(optind, m) {
                    optind += 1;
                }
                m.getopt.last_nonopt = optind;
            }
            if optind != argc && cstr(argv_at(argv, optind, m), m) == b"--" {
                optind += 1;
                if m.getopt.first_nonopt != m.getopt.last_nonopt && m.getopt.last_nonopt != optind {
                    getopt_exchange(argv, optind, m);
                } else if m.getopt.first_nonopt == m.getopt.last_nonopt {
                    m.getopt.first_nonopt = optind;
                }
                m.getopt.last_nonopt = argc;
                optind = argc;
            }
            if optind == argc {
                if m.getopt.first_nonopt != m.getopt.last_nonopt {
                    optind = m.getopt.first_nonopt;
                }
                break 'next -1;
            }
            if nonoption(optind, m) {
                if m.getopt.ordering == 1 {
                    break 'next -1;
                }
                let a = argv_at(argv, optind, m);
                st_u64(OPTARG, a, m);
                optind += 1;
                break 'next 1;
            }
            let a = argv_at(argv, optind, m);
            if longopts != 0 {
                if ld_u8(a.wrapping_add(1), m) == b'-' {
                    m.getopt.nextchar = a.wrapping_add(2);
                    let (lo, pe) = (long_only, print_errors);
                    let r = getopt_long_option(argc, argv, &opts, longopts, longind, lo, pe, "--", &mut optind, m);
                    break 'next r;
                }
                let c1 = ld_u8(a.wrapping_add(1), m);
                if long_only && (ld_u8(a.wrapping_add(2), m) != 0 || !opts.contains(&c1)) {
                    m.getopt.nextchar = a.wrapping_add(1);
                    let (lo, pe) = (long_only, print_errors);
                    let r = getopt_long_option(argc, argv, &opts, longopts, longind, lo, pe, "-", &mut optind, m);
                    if r != -1 {
                        break 'next r;
                    }
                }
            }
            m.getopt.nextchar = a.wrapping_add(1);
        }
        let nc = m.getopt.nextchar;
        let c = ld_u8(nc, m);
        let nc = nc.wrapping_add(1);
        m.getopt.nextchar = nc;
        let rest_empty = ld_u8(nc, m) == 0;
        if rest_empty {
            optind += 1;
        }
        let pos = if c == 0 { None } else { opts.iter().position(|&o| o == c) };
        let Some(pos) = pos.filter(|_| c != b':' && c != b';') else {
            if print_errors {
                getopt_error(argv, "invalid option", c, m);
            }
            m.getopt.optopt = c as i32;
            break 'next b'?' as i32;
        };
        if c == b'W' && opts.get(pos + 1) == Some(&b';') && longopts != 0 {
            // "-W foo" is "--foo"
            let word = if !rest_empty {
                nc
            } else if optind == argc {
                if print_errors {
                    getopt_error(argv, "option requires an argument", c, m);
                }
                m.getopt.optopt = c as i32;
                break 'next if opts.first() == Some(&b':') { b':' as i32 } else { b'?' as i32 };
            } else {
                argv_at(argv, optind, m)
            };
            m.getopt.nextchar = word;
            let pe = print_errors;
            let r = getopt_long_option(argc, argv, &opts, longopts, longind, false, pe, "-W ", &mut optind, m);
            break 'next r;
        }
        if opts.get(pos + 1) == Some(&b':') {
            if opts.get(pos + 2) == Some(&b':') {
                if !rest_empty {
                    st_u64(OPTARG, nc, m);
                    optind += 1;
                }
            } else if !rest_empty {
                st_u64(OPTARG, nc, m);
                optind += 1;
            } else if optind == argc {
                if print_errors {
                    getopt_error(argv, "option requires an argument", c, m);
                }
                m.getopt.optopt = c as i32;
                m.getopt.nextchar = 0;
                break 'next if opts.first() == Some(&b':') { b':' as i32 } else { b'?' as i32 };
            } else {
                let a = argv_at(argv, optind, m);
                st_u64(OPTARG, a, m);
                optind += 1;
            }
            m.getopt.nextchar = 0;
        }
        c as i32
    };
    st_i32(OPTIND, optind, m);
    let oo = m.getopt.optopt;
    st_i32(OPTOPT, oo, m);
    result
}

// ---- tests

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, m: &mut Mem) -> P {
        new_cstr(text.as_bytes(), m)
    }

    fn fmt(f: &str, args: &[Va], m: &mut Mem) -> String {
        let p = s(f, m);
        String::from_utf8(format_c(p, args, m)).unwrap()
    }

    #[test]
    fn loads_and_stores_round_trip() {
        let m = &mut Mem::new();
        let p = malloc(32, m);
        st_i8(p, -5, m);
        assert_eq!(ld_i8(p, m), -5);
        assert_eq!(ld_u8(p, m), 251);
        st_u16(p + 2, 0xbeef, m);
        assert_eq!(ld_i16(p + 2, m), 0xbeefu16 as i16);
        st_i32(p + 4, -123456, m);
        assert_eq!(ld_i32(p + 4, m), -123456);
        assert_eq!(ld_u8(p + 4, m), (-123456i32 as u32 & 0xff) as u8);
        st_u64(p + 8, 0x0102030405060708, m);
        assert_eq!(ld_u32(p + 8, m), 0x05060708);
        assert_eq!(ld_i64(p + 8, m), 0x0102030405060708);
        st_f64(p + 16, 2.5, m);
        assert_eq!(ld_f64(p + 16, m), 2.5);
        st_f32(p + 24, -1.25, m);
        assert_eq!(ld_f32(p + 24, m), -1.25);
        st_u128(p + 16, u128::MAX - 7, m);
        assert_eq!(ld_u128(p + 16, m), u128::MAX - 7);
        assert_eq!(ld_i128(p + 16, m), -8);
        st_bytes(p, b"abc", m);
        assert_eq!(ld_bytes(p, 3, m), b"abc");
        assert_eq!(obj_size(p, m), 32);
    }

    #[test]
    #[should_panic(expected = "out-of-bounds load of 4 bytes at offset 12 of a 8-byte heap object")]
    fn out_of_bounds_load_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        ld_i32(p + 12, m);
    }

    #[test]
    #[should_panic(expected = "out-of-bounds store of 4 bytes at offset 6")]
    fn straddling_store_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        st_i32(p + 6, 1, m);
    }

    #[test]
    #[should_panic(expected = "out-of-bounds load of 1 byte at offset 4294967295")]
    fn pointer_before_object_panics() {
        let m = &mut Mem::new();
        let _a = malloc(8, m);
        let b = malloc(8, m);
        ld_u8(b.wrapping_sub(1), m);
    }

    #[test]
    #[should_panic(expected = "out-of-bounds memset of 18446744073709551615 bytes at offset 1")]
    fn huge_length_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        memset(p + 1, 0, u64::MAX, m);
    }

    #[test]
    #[should_panic(expected = "null pointer dereference")]
    fn null_load_panics() {
        let m = &mut Mem::new();
        ld_u64(0, m);
    }

    #[test]
    #[should_panic(expected = "use after free")]
    fn use_after_free_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        free(p, m);
        ld_u8(p, m);
    }

    #[test]
    #[should_panic(expected = "double free")]
    fn double_free_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        free(p, m);
        free(p, m);
    }

    #[test]
    #[should_panic(expected = "interior pointer")]
    fn interior_free_panics() {
        let m = &mut Mem::new();
        let p = malloc(8, m);
        free(p + 1, m);
    }

    #[test]
    #[should_panic(expected = "static object, not to the heap")]
    fn free_of_static_panics() {
        let m = &mut Mem::new();
        let p = static_obj(4, &[1], m);
        free(p, m);
    }

    #[test]
    #[should_panic(expected = "through a function pointer")]
    fn load_through_function_pointer_panics() {
        let m = &mut Mem::new();
        ld_u8(fnptr(3), m);
    }

    #[test]
    #[should_panic(expected = "use after return")]
    fn dead_local_panics() {
        let m = &mut Mem::new();
        let mark = frame(m);
        let p = local(4, m);
        st_i32(p, 1, m);
        unwind(mark, m);
        ld_i32(p, m);
    }

    #[test]
    fn statics_and_fixed_cells() {
        let m = &mut Mem::new();
        let a = static_obj(6, b"hi", m);
        let b = static_obj(4, &[], m);
        assert_eq!(a >> 32, FIRST_STATIC as u64);
        assert_eq!(b >> 32, FIRST_STATIC as u64 + 1);
        assert_eq!(ld_bytes(a, 6, m), b"hi\0\0\0\0");
        assert_eq!(ld_u64(STDOUT_VAR, m), STDOUT_FILE);
        assert_eq!(ld_i32(OPTIND, m), 1);
        assert_eq!(ld_i32(OPTERR, m), 1);
        assert_eq!(__errno_location(m), ERRNO);
        assert_eq!(fn_index(fnptr(7)), 7);
        assert_eq!((ld_i64(TIMEZONE, m), ld_i32(DAYLIGHT, m), ld_i32(SIGNGAM, m)), (0, 0, 0));
        assert_eq!(h_errno_location(), H_ERRNO);
    }

    #[test]
    fn usable_sizes_are_glibcs_chunks() {
        let m = &mut Mem::new();
        let sizes: Vec<u64> = [0u64, 1, 24, 25, 40, 41, 100, 1000, 200_000]
            .iter()
            .map(|&n| {
                let p = malloc(n, m);
                malloc_usable_size(p, m)
            })
            .collect();
        assert_eq!(sizes, [24, 24, 24, 40, 40, 56, 104, 1000, 200_688]);
    }

    #[test]
    fn heap_semantics() {
        let m = &mut Mem::new();
        let p = malloc(4, m);
        st_bytes(p, b"abcd", m);
        let q = realloc(p, 8, m);
        assert_eq!(ld_bytes(q, 8, m), b"abcd\0\0\0\0");
        assert_eq!(realloc(q, 0, m), 0);
        let r = realloc(0, 3, m);
        assert_ne!(r, 0);
        let z1 = malloc(0, m);
        let z2 = malloc(0, m);
        assert!(z1 != 0 && z2 != 0 && z1 != z2);
        assert_eq!(malloc(10 << 30, m), 0);
        assert_eq!(ld_i32(ERRNO, m), ENOMEM);
        assert_eq!(calloc(1 << 40, 1 << 40, m), 0);
        let c = calloc(3, 4, m);
        assert_eq!(ld_bytes(c, 12, m), vec![0; 12]);
        free(0, m);
    }

    #[test]
    fn freed_ids_are_reused_after_quarantine() {
        let m = &mut Mem::new();
        for _ in 0..100_000 {
            let p = malloc(16, m);
            free(p, m);
        }
        assert!(m.objs.len() < QUARANTINE + 100, "{} objects", m.objs.len());
    }

    #[test]
    fn locals_unwind_in_order() {
        let m = &mut Mem::new();
        let outer = frame(m);
        let a = local(8, m);
        let inner = frame(m);
        let b = alloca(4, m);
        st_i32(b, 5, m);
        unwind(inner, m);
        st_i64(a, 9, m);
        assert_eq!(ld_i64(a, m), 9);
        unwind(outer, m);
        assert_eq!(frame(m), 0);
    }

    #[test]
    fn bit_fields() {
        let m = &mut Mem::new();
        let p = malloc(16, m);
        // struct { unsigned a:3; int b:5; unsigned c:12; int d:20; }: bits 0, 3, 8, 20
        st_bits(p, 0, 3, 5, m);
        st_bits(p, 3, 5, -3, m);
        st_bits(p, 8, 12, 0xabc, m);
        st_bits(p, 20, 20, -70000, m);
        assert_eq!(ld_bits(p, 0, 3, false, m), 5);
        assert_eq!(ld_bits(p, 3, 5, true, m), -3);
        assert_eq!(ld_bits(p, 3, 5, false, m), 29);
        assert_eq!(ld_bits(p, 8, 12, false, m), 0xabc);
        assert_eq!(ld_bits(p, 20, 20, true, m), -70000);
        // gcc's layout of that struct: a | b<<3 | c<<8 | d<<20 in a little-endian u64
        let raw = ld_u64(p, m);
        let want = 5u64 | (29 << 3) | (0xabc << 8) | (((-70000i64 as u64) & 0xfffff) << 20);
        assert_eq!(raw, want);
        // a 64-bit field at bit 4 covers 9 bytes
        st_bits(p, 4, 64, -2, m);
        assert_eq!(ld_bits(p, 4, 64, true, m), -2);
        assert_eq!(ld_u8(p, m) & 0xf, 13);
        // a field at a byte offset > 0 (bit 70)
        st_bits(p, 70, 7, 100, m);
        assert_eq!(ld_bits(p, 70, 7, false, m), 100);
        assert_eq!(ld_bits(p, 70, 7, true, m), 100 - 128);
        // overwriting leaves neighbours alone
        st_bits(p + 12, 1, 2, 3, m);
        assert_eq!(ld_u8(p + 12, m), 6);
    }

    #[test]
    fn printf_matches_glibc() {
        let m = &mut Mem::new();
        let ab = s("ab", m) as i64;
        let abcdef = s("abcdef", m) as i64;
        let cases: Vec<(&str, Vec<Va>, &str)> = vec![
            ("%5.2f|", vec![Va::F(3.14159)], " 3.14|"),
            ("%-8s|", vec![Va::I(ab)], "ab      |"),
            ("%08.3e", vec![Va::F(3.14159)], "3.142e+00"),
            ("%g %g %g %g", vec![Va::F(0.0001), Va::F(1e10), Va::F(100000.0), Va::F(1e-5)], "0.0001 1e+10 100000 1e-05"),
            ("%g %#g %g %G", vec![Va::F(123456789.0), Va::F(1.0), Va::F(0.0), Va::F(1e-10)], "1.23457e+08 1.00000 0 1E-10"),
            ("%x %X %o", vec![Va::I(-1), Va::I(255), Va::I(8)], "ffffffff FF 10"),
            ("%lld %+d %#o %.3s %c %%", vec![Va::I(-123456789012), Va::I(5), Va::I(8), Va::I(abcdef), Va::I(65)], "-123456789012 +5 010 abc A %"),
            ("%p %p %10p|", vec![Va::I(0x1234), Va::I(0), Va::I(0)], "0x1234 (nil)      (nil)|"),
            ("[%5%]", vec![], "[%]"),
            ("%#x|%#o|%#.3o|%#08x|%+u|% d|%.0d|%#.0o", vec![Va::I(0), Va::I(0), Va::I(8), Va::I(255), Va::I(5), Va::I(5), Va::I(0), Va::I(0)], "0|0|010|0x0000ff|5| 5||0"),
            ("%hhd|%hd|%lu|%zu", vec![Va::I(300), Va::I(70000), Va::I(-1), Va::I(5)], "44|4464|18446744073709551615|5"),
            ("%.0f|%.0f|%.1f|%.2f|%.0e|%.1e", vec![Va::F(0.5), Va::F(2.5), Va::F(0.25), Va::F(1.005), Va::F(2.5), Va::F(0.125)], "0|2|0.2|1.00|2e+00|1.2e-01"),
            ("%f|%f|%05f|%e", vec![Va::F(-0.0), Va::F(f64::NAN), Va::F(f64::INFINITY), Va::F(-f64::NAN)], "-0.000000|nan|  inf|-nan"),
            ("%a|%a|%.0a|%.0a|%A|%.3a|%a|%a", vec![Va::F(1.0), Va::F(0.1), Va::F(1.5), Va::F(2.5), Va::F(3.0), Va::F(0.0), Va::F(4.9e-324), Va::F(-2.0)], "0x1p+0|0x1.999999999999ap-4|0x2p+0|0x1p+1|0X1.8P+1|0x0.000p+0|0x0.0000000000001p-1022|-0x1p+1"),
            ("[%05s|%-5c|%05c]", vec![Va::I(ab), Va::I(120), Va::I(121)], "[   ab|x    |    y]"),
            ("[%.3s|%s|%.10s]", vec![Va::I(0), Va::I(0), Va::I(0)], "[|(null)|(null)]"),
            ("%5.1s| %-3c| %3d|%-3d|%03d|%.5d|%+.3d|% 05d", vec![Va::I(abcdef), Va::I(113), Va::I(7), Va::I(7), Va::I(-7), Va::I(-42), Va::I(3), Va::I(42)], "    a| q  |   7|7  |-07|-00042|+003| 0042"),
            ("%*d|%-*d|%.*f", vec![Va::I(5), Va::I(42), Va::I(4), Va::I(1), Va::I(2), Va::F(3.14159)], "   42|1   |3.14"),
            ("%2$s %1$d", vec![Va::I(7), Va::I(ab)], "ab 7"),
            ("%.20f %.17g %.3e", vec![Va::F(0.1), Va::F(1.0 / 3.0), Va::F(1e301)], "0.10000000000000000555 0.33333333333333331 1.000e+301"),
            ("%.15e", vec![Va::F(5e-324)], "4.940656458412465e-324"),
            ("%lf %Lf", vec![Va::F(1.5), Va::F(2.5)], "1.500000 2.500000"),
        ];
        for (f, args, want) in cases {
            assert_eq!(fmt(f, &args, m), want, "format {:?}", f);
        }
    }

    #[test]
    fn sprintf_snprintf_and_n() {
        let m = &mut Mem::new();
        let buf = malloc(16, m);
        let f = s("%d-%s", m);
        let x = s("xyz", m);
        assert_eq!(sprintf(buf, f, &[Va::I(12), Va::I(x as i64)], m), 6);
        assert_eq!(cstr(buf, m), b"12-xyz");
        assert_eq!(snprintf(buf, 4, f, &[Va::I(12), Va::I(x as i64)], m), 6);
        assert_eq!(cstr(buf, m), b"12-");
        assert_eq!(snprintf(0, 0, f, &[Va::I(12), Va::I(x as i64)], m), 6);
        let n = malloc(4, m);
        let f2 = s("ab%ncd", m);
        sprintf(buf, f2, &[Va::I(n as i64)], m);
        assert_eq!(ld_i32(n, m), 2);
    }

    #[test]
    fn rand_is_glibc() {
        let m = &mut Mem::new();
        let first: Vec<i32> = (0..5).map(|_| rand(m)).collect();
        assert_eq!(first, [1804289383, 846930886, 1681692777, 1714636915, 1957747793]);
        srand(42, m);
        assert_eq!(rand(m), 71876166);
        srand(0, m);
        assert_eq!(rand(m), 1804289383);
        srand(3_000_000_000, m);
        assert_eq!(rand(m), 2058147116);
    }

    #[test]
    fn strtol_edge_cases() {
        let m = &mut Mem::new();
        let end = malloc(8, m);
        let t = s("  -0x1fz", m);
        assert_eq!(strtol(t, end, 0, m), -31);
        assert_eq!(ld_u64(end, m), t + 7);
        let t = s("0x", m);
        assert_eq!(strtol(t, end, 16, m), 0);
        assert_eq!(ld_u64(end, m), t + 1);
        let t = s("99999999999999999999", m);
        assert_eq!(strtol(t, end, 10, m), i64::MAX);
        assert_eq!(ld_i32(ERRNO, m), ERANGE);
        let t = s("-99999999999999999999", m);
        assert_eq!(strtol(t, 0, 10, m), i64::MIN);
        let t = s("-1", m);
        assert_eq!(strtoul(t, 0, 10, m), u64::MAX);
        let t = s("99999999999999999999", m);
        assert_eq!(strtoul(t, 0, 10, m), u64::MAX);
        let t = s("4294967297", m);
        assert_eq!(atoi(t, m), 1);
        let t = s("  +", m);
        assert_eq!(strtol(t, end, 10, m), 0);
        assert_eq!(ld_u64(end, m), t);
        let t = s("0777", m);
        assert_eq!(strtol(t, 0, 0, m), 511);
        let t = s("zz", m);
        assert_eq!(strtol(t, 0, 36, m), 35 * 36 + 35);
        st_i32(ERRNO, 0, m);
        assert_eq!(strtol(t, end, 1, m), 0);
        assert_eq!(ld_i32(ERRNO, m), EINVAL);
        let t = s("-9223372036854775808", m);
        st_i32(ERRNO, 0, m);
        assert_eq!(strtoll(t, 0, 10, m), i64::MIN);
        assert_eq!(ld_i32(ERRNO, m), 0);
    }

    #[test]
    fn strtod_cases() {
        let m = &mut Mem::new();
        let end = malloc(8, m);
        let t = s("1e400", m);
        assert_eq!(strtod(t, end, m), f64::INFINITY);
        assert_eq!(ld_i32(ERRNO, m), ERANGE);
        let t = s("0x1.8p1", m);
        assert_eq!(strtod(t, 0, m), 3.0);
        let t = s("-nan(abc)x", m);
        let v = strtod(t, end, m);
        assert!(v.is_nan() && v.is_sign_negative());
        assert_eq!(ld_u64(end, m), t + 9);
        let t = s("  .5e-2xyz", m);
        assert_eq!(strtod(t, end, m), 0.005);
        assert_eq!(ld_u64(end, m), t + 7);
        let t = s("1e+", m);
        assert_eq!(strtod(t, end, m), 1.0);
        assert_eq!(ld_u64(end, m), t + 1);
        let t = s("Infinity", m);
        assert_eq!(strtod(t, end, m), f64::INFINITY);
        assert_eq!(ld_u64(end, m), t + 8);
        let t = s("abc", m);
        assert_eq!(strtod(t, end, m), 0.0);
        assert_eq!(ld_u64(end, m), t);
        let t = s("0.1", m);
        assert_eq!(strtod(t, 0, m), 0.1);
        assert_eq!(strtof(t, 0, m), 0.1f32);
        let t = s("0x1p-1074", m);
        assert_eq!(strtod(t, 0, m), 5e-324);
        let t = s("3.14abc", m);
        assert_eq!(atof(t, m), 3.14);
    }

    #[test]
    fn sscanf_matches_glibc() {
        let m = &mut Mem::new();
        let (x, y, z) = (malloc(4, m), malloc(4, m), malloc(4, m));
        let (st, tt) = (malloc(20, m), malloc(20, m));
        let (f, d) = (malloc(4, m), malloc(8, m));
        let sc = |input: &str, f: &str, args: &[P], m: &mut Mem| {
            let (i, f) = (s(input, m), s(f, m));
            let a: Vec<Va> = args.iter().map(|&p| Va::I(p as i64)).collect();
            sscanf(i, f, &a, m)
        };
        assert_eq!(sc("  12abc 3.5 hello", "%d%3s %f %lf", &[x, st, f, d], m), 3);
        assert_eq!((ld_i32(x, m), cstr(st, m), ld_f32(f, m)), (12, b"abc".to_vec(), 3.5));
        assert_eq!(sc("", "%d", &[x], m), -1);
        assert_eq!(sc("  ", "%d", &[x], m), -1);
        assert_eq!(sc("abc", "%d", &[x], m), 0);
        assert_eq!(sc("5", "%d %d", &[x, y], m), 1);
        assert_eq!(sc("0x1A 077 -12", "%i %i %i", &[x, y, z], m), 3);
        assert_eq!((ld_i32(x, m), ld_i32(y, m), ld_i32(z, m)), (26, 63, -12));
        assert_eq!(sc("abc]def", "%[^]]%n", &[st, x], m), 1);
        assert_eq!((cstr(st, m), ld_i32(x, m)), (b"abc".to_vec(), 3));
        assert_eq!(sc("1e5x", "%lf%s", &[d, st], m), 2);
        assert_eq!((ld_f64(d, m), cstr(st, m)), (100000.0, b"x".to_vec()));
        assert_eq!(sc("1ex", "%lf%s", &[d, st], m), 2);
        assert_eq!((ld_f64(d, m), cstr(st, m)), (1.0, b"x".to_vec()));
        assert_eq!(sc("  xy", "%c%c", &[st, tt], m), 2);
        assert_eq!((ld_u8(st, m), ld_u8(tt, m)), (b' ', b' '));
        assert_eq!(sc("12:34", "%d:%d", &[x, y], m), 2);
        assert_eq!((ld_i32(x, m), ld_i32(y, m)), (12, 34));
        assert_eq!(sc("99999999999", "%d", &[x], m), 1);
        assert_eq!(ld_i32(x, m), 1215752191);
        assert_eq!(sc("-5", "%u", &[x], m), 1);
        assert_eq!(ld_u32(x, m), 4294967291);
        assert_eq!(sc("infinity nan", "%lf %f", &[d, f], m), 2);
        assert!(ld_f64(d, m).is_infinite() && ld_f32(f, m).is_nan());
        assert_eq!(sc("abcdef", "%*2c%3c", &[st], m), 1);
        assert_eq!(ld_bytes(st, 3, m), b"cde");
        assert_eq!(sc("ff 17", "%x %o", &[x, y], m), 2);
        assert_eq!((ld_i32(x, m), ld_i32(y, m)), (255, 15));
        let l = malloc(8, m);
        assert_eq!(sc("-123456789012 7", "%lld %hhd", &[l, x], m), 2);
        assert_eq!(ld_i64(l, m), -123456789012);
        assert_eq!(ld_u8(x, m), 7);
        assert_eq!(sc("12345", "%3d%d", &[x, y], m), 2);
        assert_eq!((ld_i32(x, m), ld_i32(y, m)), (123, 45));
        assert_eq!(sc("a-z", "%[a-z-]", &[st], m), 1);
        assert_eq!(cstr(st, m), b"a-z");
        assert_eq!(sc("100%", "%d%%", &[x], m), 1);
    }

    #[test]
    fn qsort_is_stable_and_bsearch_finds() {
        let m = &mut Mem::new();
        // pairs (key, original index), sorted by key only
        let keys = [3, 1, 2, 3, 1, 2, 0, 3, 1];
        let base = malloc(8 * keys.len() as u64, m);
        for (i, k) in keys.iter().enumerate() {
            st_i32(base + 8 * i as u64, *k, m);
            st_i32(base + 8 * i as u64 + 4, i as i32, m);
        }
        let mut calls = 0;
        let mut by_key = |a: P, b: P, m: &mut Mem| {
            calls += 1;
            ld_i32(a, m) - ld_i32(b, m)
        };
        qsort(base, keys.len() as u64, 8, &mut by_key, m);
        let got: Vec<(i32, i32)> = (0..keys.len() as u64).map(|i| (ld_i32(base + 8 * i, m), ld_i32(base + 8 * i + 4, m))).collect();
        assert_eq!(got, [(0, 6), (1, 1), (1, 4), (1, 8), (2, 2), (2, 5), (3, 0), (3, 3), (3, 7)]);
        assert!(calls > 0);
        let key = malloc(4, m);
        st_i32(key, 2, m);
        let mut cmp = |a: P, b: P, m: &mut Mem| ld_i32(a, m) - ld_i32(b, m);
        let hit = bsearch(key, base, keys.len() as u64, 8, &mut cmp, m);
        assert_eq!(ld_i32(hit, m), 2);
        st_i32(key, 9, m);
        assert_eq!(bsearch(key, base, keys.len() as u64, 8, &mut cmp, m), 0);
    }

    #[test]
    fn va_round_trip() {
        let m = &mut Mem::new();
        let ap = local(24, m);
        va_start(ap, &[Va::I(7), Va::F(2.5), Va::I(-1)], m);
        assert_eq!(va_arg_i64(ap, m), 7);
        let ap2 = local(24, m);
        va_copy(ap2, ap, m);
        assert_eq!(va_arg_f64(ap, m), 2.5);
        assert_eq!(va_arg_i64(ap, m), -1);
        assert_eq!(va_arg_f64(ap2, m), 2.5);
        va_end(ap, m);
        // vsnprintf reads from the copy's position
        let buf = malloc(32, m);
        let f = s("%d!", m);
        assert_eq!(vsnprintf(buf, 32, f, ap2, m), 3);
        assert_eq!(cstr(buf, m), b"-1!");
        va_end(ap2, m);
    }

    #[test]
    fn files_round_trip() {
        let m = &mut Mem::new();
        let dir = std::env::temp_dir().join(format!("ferrox-rt-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.bin");
        let name = s(path.to_str().unwrap(), m);
        let w = s("w+b", m);
        let f = fopen(name, w, m);
        assert_ne!(f, 0);
        let data = s("hello\nworld\n", m);
        assert_eq!(fwrite(data, 1, 12, f, m), 12);
        let fm = s("%d:%s\n", m);
        let x = s("x", m);
        assert_eq!(fprintf(f, fm, &[Va::I(42), Va::I(x as i64)], m), 5);
        assert_eq!(ftell(f, m), 17);
        assert_eq!(fseek(f, 6, SEEK_SET, m), 0);
        let buf = malloc(32, m);
        assert_eq!(fread(buf, 1, 5, f, m), 5);
        assert_eq!(ld_bytes(buf, 5, m), b"world");
        assert_eq!(ftell(f, m), 11);
        assert_eq!(fgetc(f, m), b'\n' as i32);
        assert_eq!(ungetc(b'Z' as i32, f, m), b'Z' as i32);
        assert_eq!(ftell(f, m), 11);
        assert_eq!(fgetc(f, m), b'Z' as i32);
        assert_eq!(fgets(buf, 32, f, m), buf);
        assert_eq!(cstr(buf, m), b"42:x\n");
        assert_eq!(fgetc(f, m), EOF);
        assert_eq!(feof(f, m), 1);
        rewind(f, m);
        assert_eq!(feof(f, m), 0);
        let lp = malloc(8, m);
        let np = malloc(8, m);
        assert_eq!(getline(lp, np, f, m), 6);
        assert_eq!(cstr(ld_u64(lp, m), m), b"hello\n");
        assert_eq!(ld_u64(np, m), 120);
        assert_eq!(fseek(f, -2, SEEK_END, m), 0);
        assert_eq!(fgetc(f, m), b'x' as i32);
        assert_eq!(fseek(f, 0, SEEK_SET, m), 0);
        let (a, b2) = (malloc(4, m), malloc(8, m));
        let sf = s("%5s", m);
        assert_eq!(fscanf(f, sf, &[Va::I(b2 as i64)], m), 1);
        assert_eq!(cstr(b2, m), b"hello");
        let _ = a;
        assert_eq!(fclose(f, m), 0);
        let r = s("r", m);
        let f = fopen(name, r, m);
        assert_eq!(fputc(b'a' as i32, f, m), EOF);
        assert_eq!(ferror(f, m), 1);
        clearerr(f, m);
        assert_eq!(ferror(f, m), 0);
        fclose(f, m);
        let missing = s(dir.join("none/x").to_str().unwrap(), m);
        assert_eq!(fopen(missing, r, m), 0);
        assert_eq!(ld_i32(ERRNO, m), ENOENT);
        let newname = s(dir.join("u.bin").to_str().unwrap(), m);
        assert_eq!(rename(name, newname, m), 0);
        assert_eq!(remove(newname, m), 0);
        assert_eq!(remove(newname, m), -1);
        let t = tmpfile(m);
        assert_ne!(t, 0);
        fputs(data, t, m);
        rewind(t, m);
        assert_eq!(fgetc(t, m), b'h' as i32);
        fclose(t, m);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[should_panic(expected = "closed FILE")]
    fn closed_file_panics() {
        let m = &mut Mem::new();
        let t = tmpfile(m);
        fclose(t, m);
        fgetc(t, m);
    }

    #[test]
    fn string_functions() {
        let m = &mut Mem::new();
        let buf = malloc(32, m);
        let hello = s("hello", m);
        strcpy(buf, hello, m);
        let w = s(", world", m);
        strcat(buf, w, m);
        assert_eq!(cstr(buf, m), b"hello, world");
        assert_eq!(strlen(buf, m), 12);
        assert_eq!(strchr(buf, b'o' as i32, m), buf + 4);
        assert_eq!(strrchr(buf, b'o' as i32, m), buf + 8);
        assert_eq!(strchr(buf, 0, m), buf + 12);
        assert_eq!(strchr(buf, b'z' as i32, m), 0);
        let wo = s("wor", m);
        assert_eq!(strstr(buf, wo, m), buf + 7);
        let abc = s("abc", m);
        let abz = s("abz", m);
        let ab = s("ab", m);
        assert_eq!(strcmp(abc, abz, m), -23);
        assert_eq!(strcmp(abc, ab, m), 99);
        assert_eq!(strncmp(abc, abz, 2, m), 0);
        let up = s("ABC", m);
        assert_eq!(strcasecmp(abc, up, m), 0);
        assert_eq!(memcmp(abc, abz, 3, m), -23);
        strncpy(buf, ab, 6, m);
        assert_eq!(ld_bytes(buf, 7, m), b"ab\0\0\0\0 ");
        strncat(buf, hello, 3, m);
        assert_eq!(cstr(buf, m), b"abhel");
        memmove(buf + 1, buf, 4, m);
        assert_eq!(cstr(buf, m), b"aabhe");
        let other = malloc(8, m);
        memcpy(other, buf, 6, m);
        assert_eq!(cstr(other, m), b"aabhe");
        memset(other, b'x' as i32, 3, m);
        assert_eq!(cstr(other, m), b"xxxhe");
        assert_eq!(memchr(other, b'h' as i32, 5, m), other + 3);
        assert_eq!(memrchr(other, b'x' as i32, 5, m), other + 2);
        let d = strdup(other, m);
        assert_eq!(cstr(d, m), b"xxxhe");
        let d2 = strndup(other, 2, m);
        assert_eq!(cstr(d2, m), b"xx");
        let text = s("  a,b;;c ", m);
        let delim = s(" ,;", m);
        let mut toks = Vec::new();
        let mut t = strtok(text, delim, m);
        while t != 0 {
            toks.push(cstr(t, m));
            t = strtok(0, delim, m);
        }
        assert_eq!(toks, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        let digits = s("0123456789", m);
        let num = s("123abc", m);
        assert_eq!(strspn(num, digits, m), 3);
        assert_eq!(strcspn(num, abc, m), 3);
        assert_eq!(strpbrk(num, abc, m), num + 3);
        assert_eq!(strnlen(num, 2, m), 2);
        assert_eq!(stpcpy(buf, num, m), buf + 6);
        let e = strerror(2, m);
        assert_eq!(cstr(e, m), b"No such file or directory");
        assert_eq!(strerror(2, m), e);
        let u = strerror(200, m);
        assert_eq!(cstr(u, m), b"Unknown error 200");
    }

    #[test]
    #[should_panic(expected = "not NUL-terminated")]
    fn unterminated_string_panics() {
        let m = &mut Mem::new();
        let p = malloc(3, m);
        st_bytes(p, b"abc", m);
        strlen(p, m);
    }

    #[test]
    fn ctype_is_glibc() {
        assert_eq!((isdigit(b'5' as i32), isalpha(b'a' as i32), isspace(b' ' as i32), isupper(b'A' as i32)), (2048, 1024, 8192, 256));
        assert_eq!((ispunct(b'!' as i32), isprint(b'a' as i32), isxdigit(b'f' as i32), iscntrl(1), isblank(b' ' as i32)), (4, 16384, 4096, 2, 1));
        assert_eq!((isgraph(b'a' as i32), isalnum(b'a' as i32)), (32768, 8));
        assert_eq!((isalpha(EOF), isdigit(200), isspace(b'\n' as i32) != 0, islower(b'A' as i32)), (0, 0, true, 0));
        assert_eq!((toupper(b'a' as i32), tolower(b'Q' as i32), toupper(EOF), isascii(200)), (b'A' as i32, b'q' as i32, EOF, 0));
    }

    #[test]
    fn math_helpers() {
        let m = &mut Mem::new();
        let e = malloc(8, m);
        assert_eq!(frexp(8.0, e, m), 0.5);
        assert_eq!(ld_i32(e, m), 4);
        assert_eq!(frexp(-3.0, e, m), -0.75);
        assert_eq!(ld_i32(e, m), 2);
        assert_eq!(frexp(5e-324, e, m), 0.5);
        assert_eq!(ld_i32(e, m), -1073);
        assert_eq!(modf(3.75, e, m), 0.75);
        assert_eq!(ld_f64(e, m), 3.0);
        assert_eq!(modf(-2.5, e, m), -0.5);
        assert_eq!(ldexp(0.75, 3), 6.0);
        assert_eq!(ldexp(1.0, -1074), 5e-324);
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
        assert_eq!((lround(2.5), lround(-2.5), rint(2.5), nearbyint(3.5)), (3, -3, 2.0, 4.0));
        assert_eq!(div_quot_rem(-7, 2), (-3, -1));
        assert_eq!(abs(i32::MIN), i32::MIN);
    }

    #[test]
    fn gmtime_fields() {
        let m = &mut Mem::new();
        let t = malloc(8, m);
        st_i64(t, 1_700_000_000, m);
        let tm = gmtime(t, m);
        let f: Vec<i32> = (0..9).map(|i| ld_i32(tm + 4 * i, m)).collect();
        assert_eq!(f, [20, 13, 22, 14, 10, 123, 2, 317, 0]);
        assert_eq!(cstr(ld_u64(tm + 48, m), m), b"GMT");
        st_i64(t, 0, m);
        gmtime(t, m);
        assert_eq!(ld_i32(tm + 24, m), 4);
        st_i32(tm + 12, 32, m); // Jan 32 -> Feb 1
        assert_eq!(mktime(tm, m), 31 * 86400);
        assert_eq!((ld_i32(tm + 12, m), ld_i32(tm + 16, m)), (1, 1));
        st_i64(t, i64::MAX, m);
        assert_eq!(gmtime(t, m), 0);
        st_i64(t, -1, m);
        gmtime(t, m);
        assert_eq!((ld_i32(tm + 20, m), ld_i32(tm + 8, m), ld_i32(tm + 28, m)), (69, 23, 364));
        assert!(time(t, m) > 1_600_000_000);
        assert_eq!(ld_i64(t, m), time(0, m));
    }

    fn argv_of(args: &[&str], m: &mut Mem) -> P {
        let arr = malloc(8 * (args.len() as u64 + 1), m);
        for (i, a) in args.iter().enumerate() {
            let p = s(a, m);
            st_u64(arr + 8 * i as u64, p, m);
        }
        arr
    }

    #[test]
    fn getopt_permutes_like_glibc() {
        let m = &mut Mem::new();
        let args = ["prog", "-a", "file1", "-bval", "-c", "x", "file2", "-ac"];
        let argv = argv_of(&args, m);
        let opts = s("ab:c:", m);
        let mut seen = Vec::new();
        loop {
            let c = getopt(args.len() as i32, argv, opts, m);
            if c == -1 {
                break;
            }
            let arg = ld_u64(OPTARG, m);
            seen.push((c as u8 as char, if arg == 0 { String::new() } else { cstr_lossy(arg, m) }));
        }
        let want = [('a', ""), ('b', "val"), ('c', "x"), ('a', ""), ('?', "")];
        let want: Vec<(char, String)> = want.iter().map(|(c, a)| (*c, a.to_string())).collect();
        assert_eq!(seen, want);
        // "-ac" at the end: 'c' needs an argument and none is left
        assert_eq!(ld_i32(OPTOPT, m), b'c' as i32);
        let optind = ld_i32(OPTIND, m);
        let rest: Vec<String> = (optind..args.len() as i32).map(|i| cstr_lossy(ld_u64(argv + 8 * i as u64, m), m)).collect();
        assert_eq!(rest, ["file1", "file2"]);
    }

    #[test]
    fn getopt_unknown_option_and_double_dash() {
        let m = &mut Mem::new();
        st_i32(OPTERR, 0, m);
        let args = ["prog", "-z", "--", "-a"];
        let argv = argv_of(&args, m);
        let opts = s("a", m);
        assert_eq!(getopt(4, argv, opts, m), b'?' as i32);
        assert_eq!(ld_i32(OPTOPT, m), b'z' as i32);
        assert_eq!(getopt(4, argv, opts, m), -1);
        assert_eq!(ld_i32(OPTIND, m), 3);
    }

    #[test]
    fn getenv_and_args() {
        let m = &mut Mem::new();
        let path = s("PATH", m);
        let p = getenv(path, m);
        assert_eq!(p == 0, std::env::var_os("PATH").is_none());
        assert_eq!(getenv(path, m), p);
        let none = s("FERROX_SURELY_UNSET_VAR", m);
        assert_eq!(getenv(none, m), 0);
        let (argc, argv) = main_args(m);
        assert!(argc >= 1);
        assert_eq!(ld_u64(argv + 8 * argc as u64, m), 0);
        assert!(strlen(ld_u64(argv, m), m) > 0);
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrox-rt-{}-{}", tag, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn path_str(dir: &std::path::Path, name: &str, m: &mut Mem) -> P {
        s(dir.join(name).to_str().unwrap(), m)
    }

    #[test]
    fn descriptors_read_write_seek_dup() {
        let m = &mut Mem::new();
        let dir = temp_dir("fd");
        let name = path_str(&dir, "a.txt", m);
        let fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0o640, m);
        assert!(fd >= 3);
        let hello = s("hello\n", m);
        assert_eq!(write(fd, hello, 6, m), 6);
        let buf = malloc(64, m);
        assert_eq!(read(fd, buf, 4, m), -1);
        assert_eq!(errno(m), EBADF);
        assert_eq!(close(fd, m), 0);
        assert_eq!(close(fd, m), -1);
        assert_eq!(errno(m), EBADF);
        assert_eq!(open(name, O_WRONLY | O_CREAT | O_EXCL, 0o600, m), -1);
        assert_eq!(errno(m), EEXIST);
        let missing = path_str(&dir, "none", m);
        assert_eq!(open(missing, O_RDONLY, 0, m), -1);
        assert_eq!(errno(m), ENOENT);
        let fd = open(name, O_RDONLY, 0, m);
        assert_eq!(fd, 3, "the lowest free descriptor");
        assert_eq!(read(fd, buf, 3, m), 3);
        assert_eq!(ld_bytes(buf, 3, m), b"hel");
        assert_eq!(lseek(fd, 0, SEEK_CUR, m), 3);
        assert_eq!(lseek(fd, 0, SEEK_END, m), 6);
        assert_eq!(lseek(fd, -1, SEEK_SET, m), -1);
        assert_eq!(errno(m), EINVAL);
        assert_eq!(lseek(fd, 0, 9, m), -1);
        assert_eq!(read(fd, buf, 10, m), 0);
        let fd2 = dup(fd, m);
        assert_eq!(fd2, 4);
        assert_eq!(lseek(fd2, 1, SEEK_SET, m), 1);
        assert_eq!(read(fd, buf, 64, m), 5, "dup shares the offset");
        assert_eq!(ld_bytes(buf, 5, m), b"ello\n");
        assert_eq!(dup2(fd2, 9, m), 9);
        assert_eq!(lseek(9, 0, SEEK_CUR, m), 6);
        assert_eq!(dup2(fd2, fd2, m), fd2);
        assert_eq!(dup2(40, 9, m), -1);
        assert_eq!(errno(m), EBADF);
        assert_eq!(dup2(fd2, -1, m), -1);
        let small = malloc(2, m);
        assert_eq!(lseek(9, 4, SEEK_SET, m), 4);
        assert_eq!(read(9, small, 100, m), 2, "only the bytes that arrive must fit");
        for f in [fd, fd2, 9] {
            assert_eq!(close(f, m), 0);
        }
        let afd = open(name, O_WRONLY | O_APPEND, 0, m);
        assert_eq!(lseek(afd, 0, SEEK_SET, m), 0);
        assert_eq!(write(afd, hello, 2, m), 2);
        assert_eq!(lseek(afd, 0, SEEK_CUR, m), 8);
        close(afd, m);
        let dfd = open(s(dir.to_str().unwrap(), m), O_RDONLY, 0, m);
        assert_eq!(read(dfd, buf, 4, m), -1);
        assert_eq!(errno(m), EISDIR);
        close(dfd, m);
        assert_eq!(open(name, O_RDONLY | O_DIRECTORY, 0, m), -1);
        assert_eq!(errno(m), ENOTDIR);
        assert_eq!(read(99, buf, 1, m), -1);
        assert_eq!(write(-1, buf, 1, m), -1);
        assert_eq!(errno(m), EBADF);
        let c = creat(path_str(&dir, "c.txt", m), 0o600, m);
        assert!(c >= 3);
        close(c, m);
        assert!(getpid(m) > 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[should_panic(expected = "out-of-bounds read store of 5 bytes")]
    fn read_past_the_buffer_panics() {
        let m = &mut Mem::new();
        let dir = temp_dir("fdpanic");
        std::fs::write(dir.join("x"), b"abcdef").unwrap();
        let fd = open(path_str(&dir, "x", m), O_RDONLY, 0, m);
        let small = malloc(4, m);
        let _ = std::fs::remove_dir_all(&dir);
        read(fd, small, 100, m);
    }

    #[test]
    fn setjmp_longjmp_unwind_to_the_running_setjmp() {
        let mut m = Mem::new();
        let buf = static_obj(200, &[], &mut m);
        let mark = frame(&m);
        let mut reached = false;
        let v = setjmp_run(buf, &mut m, &mut |m: &mut Mem| {
            local(16, m);
            let inner = static_obj(200, &[], m);
            let w = setjmp_run(inner, m, &mut |m: &mut Mem| longjmp(inner, 0, m));
            assert_eq!(w, 1); // longjmp with 0 makes setjmp return 1
            longjmp(buf, 7, m);
        });
        assert_eq!(v, 7);
        assert_eq!(frame(&m), mark); // the unwound frame's locals are released
        assert_eq!(setjmp_run(buf, &mut m, &mut |_m: &mut Mem| reached = true), 0);
        assert!(reached);
        let stale = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| longjmp(buf, 1, &mut m)));
        assert!(stale.is_err());
    }

    #[test]
    fn wide_ctype_in_the_c_locale() {
        let m = &mut Mem::new();
        assert_eq!((towlower(b'Q' as u32, m), towupper(b'q' as u32, m)), (b'q' as u32, b'Q' as u32));
        assert_eq!((towlower(0xC9, m), towupper(0xE9, m)), (0xC9, 0xE9), "C locale: ASCII only");
        assert_eq!((iswalpha(b'a' as u32, m), iswdigit(b'7' as u32, m), iswspace(b' ' as u32, m)), (1024, 1, 8192));
        assert_eq!((iswalpha(0xE9, m), iswspace(0x3000, m)), (0, 0));
        assert_eq!((wcwidth(0, m), wcwidth(b'a' as i32, m), wcwidth(7, m), wcwidth(0x4E00, m), wcwidth(-1, m)), (0, 1, -1, -1, -1));
    }

    #[test]
    fn wide_ctype_and_utf8_in_c_utf8() {
        let m = &mut Mem::new();
        let name = new_cstr(b"C.UTF-8", m);
        assert_ne!(setlocale(0, name, m), 0);
        assert_eq!((towlower(0xC9, m), towupper(0xE9, m), towupper(0x3B1, m)), (0xE9, 0xC9, 0x391));
        assert_eq!((iswalpha(0xE9, m), iswupper(0xFF21, m), iswspace(0x3000, m)), (1, 1, 1));
        assert_eq!((wcwidth(0x4E00, m), wcwidth(0x301, m), wcwidth(0xE9, m), wcwidth(0x1F600, m)), (2, 0, 1, 2));
        let b = malloc(8, m);
        assert_eq!(wctomb(b, 0x4E2D, m), 3);
        assert_eq!(ld_bytes(b, 3, m), vec![0xE4, 0xB8, 0xAD]);
        let w = malloc(4, m);
        assert_eq!(mbtowc(w, b, 3, m), 3);
        assert_eq!(ld_i32(w, m), 0x4E2D);
        assert_eq!(mbtowc(w, b, 2, m), -1, "an incomplete character");
        let c = new_cstr(b"C", m);
        setlocale(6, c, m);
        assert_eq!(mbtowc(w, b, 3, m), -1, "not ASCII in the C locale");
    }

    #[test]
    fn clocks_directories_and_times() {
        let m = &mut Mem::new();
        let ts = malloc(16, m);
        assert_eq!(clock_gettime(1, ts, m), 0);
        let (a, an) = (ld_i64(ts, m), ld_i64(ts.wrapping_add(8), m));
        assert_eq!(clock_gettime(1, ts, m), 0);
        let (b, bn) = (ld_i64(ts, m), ld_i64(ts.wrapping_add(8), m));
        assert!((b, bn) >= (a, an), "the monotonic clock does not go back");
        assert!((0..1_000_000_000).contains(&an));
        assert_eq!(clock_gettime(0, ts, m), 0);
        assert!(ld_i64(ts, m) > 1_600_000_000, "CLOCK_REALTIME is the wall clock");
        assert_eq!(clock_gettime(99, ts, m), -1);
        assert_eq!(errno(m), EINVAL);
        st_i64(ts, 0, m);
        st_i64(ts.wrapping_add(8), 5, m);
        assert_eq!(nanosleep(ts, 0, m), 0);
        st_i64(ts.wrapping_add(8), 1_000_000_000, m);
        assert_eq!(nanosleep(ts, 0, m), -1);
        let dir = temp_dir("dirent");
        std::fs::write(dir.join("f.txt"), b"x").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        let name = path_str(&dir, "", m);
        let d = opendir(name, m);
        assert_ne!(d, 0);
        let mut seen = Vec::new();
        loop {
            let e = readdir(d, m);
            if e == 0 {
                break;
            }
            seen.push((cstr(e.wrapping_add(19), m), ld_bytes(e.wrapping_add(18), 1, m)[0]));
        }
        seen.sort();
        assert_eq!(seen, vec![(b".".to_vec(), 4), (b"..".to_vec(), 4), (b"f.txt".to_vec(), 8), (b"sub".to_vec(), 4)]);
        rewinddir(d, m);
        assert_ne!(readdir(d, m), 0);
        assert_eq!(closedir(d, m), 0);
        assert_eq!(closedir(d, m), -1);
        let missing = path_str(&dir, "nope", m);
        assert_eq!(opendir(missing, m), 0);
        assert_eq!(errno(m), ENOENT);
        let file = path_str(&dir, "f.txt", m);
        let times = malloc(32, m);
        for (i, v) in [1_000_000_000i64, 0, 1_100_000_000, (1 << 30) - 2].iter().enumerate() {
            st_i64(times.wrapping_add(8 * i as u64), *v, m);
        }
        let before = std::fs::metadata(dir.join("f.txt")).unwrap().mtime();
        assert_eq!(utimensat(-100, file, times, 0, m), 0);
        let md = std::fs::metadata(dir.join("f.txt")).unwrap();
        assert_eq!((md.atime(), md.mtime()), (1_000_000_000, before), "UTIME_OMIT keeps mtime");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn streams_share_descriptors() {
        let m = &mut Mem::new();
        assert_eq!([fileno(STDIN_FILE, m), fileno(STDOUT_FILE, m), fileno(STDERR_FILE, m)], [0, 1, 2]);
        let dir = temp_dir("fdstream");
        let name = path_str(&dir, "s.txt", m);
        let (w, r) = (s("w", m), s("r", m));
        let f = fopen(name, w, m);
        let fd = fileno(f, m);
        assert_eq!(fd, 3);
        let text = s("via stream\n", m);
        fputs(text, f, m);
        let raw = s("raw\n", m);
        assert_eq!(write(fd, raw, 4, m), 4, "the raw write goes before the buffered text");
        assert_eq!(fclose(f, m), 0);
        assert_eq!(close(fd, m), -1, "fclose closed the descriptor");
        assert_eq!(std::fs::read(dir.join("s.txt")).unwrap(), b"raw\nvia stream\n");
        // fdopen: mode checks, and fclose closes the descriptor
        let fd = open(name, O_RDONLY, 0, m);
        assert_eq!(fdopen(fd, w, m), 0);
        assert_eq!(errno(m), EINVAL);
        let bad = s("q", m);
        assert_eq!(fdopen(fd, bad, m), 0);
        let g = fdopen(fd, r, m);
        assert_eq!(fileno(g, m), fd);
        let buf = malloc(32, m);
        assert_eq!(fgets(buf, 32, g, m), buf);
        assert_eq!(cstr(buf, m), b"raw\n");
        assert_eq!(lseek(fd, 0, SEEK_CUR, m), 15, "the stream read ahead");
        assert_eq!(ftell(g, m), 4);
        fclose(g, m);
        assert_eq!(fdopen(fd, r, m), 0);
        assert_eq!(errno(m), EBADF);
        // dup2 onto a stream's descriptor redirects the stream
        let other = path_str(&dir, "o.txt", m);
        let ofd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0o644, m);
        let a = s("a", m);
        let h = fopen(name, a, m);
        assert_eq!(dup2(ofd, fileno(h, m), m), fileno(h, m));
        fputs(text, h, m);
        fclose(h, m);
        close(ofd, m);
        assert_eq!(std::fs::read(dir.join("o.txt")).unwrap(), b"via stream\n");
        // freopen keeps the descriptor number
        let k = fopen(name, r, m);
        let kfd = fileno(k, m);
        assert_eq!(freopen(other, r, k, m), k);
        assert_eq!(fileno(k, m), kfd);
        assert_eq!(read(kfd, buf, 3, m), 3);
        assert_eq!(ld_bytes(buf, 3, m), b"via");
        fclose(k, m);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stream_buffers_flush_like_glibc() {
        let m = &mut Mem::new();
        let dir = temp_dir("fdbuf");
        let name = path_str(&dir, "b.txt", m);
        let w = s("w", m);
        let f = fopen(name, w, m);
        let bs = m.files[file_index(f, "test", m)].as_ref().unwrap().bufsize as u64;
        assert!(bs >= 128 && bs <= 8192);
        let disk = || std::fs::metadata(dir.join("b.txt")).unwrap().len();
        let data = malloc(3 * bs + 10, m);
        // the first write writes whole blocks directly
        assert_eq!(fwrite(data, 1, bs + 5, f, m), bs + 5);
        assert_eq!(disk(), bs);
        // then the buffer fills, goes out when full, and whole blocks follow directly
        fwrite(data, 1, bs - 5, f, m);
        assert_eq!(disk(), bs, "a full buffer waits for the next write");
        fputc(b'x' as i32, f, m);
        assert_eq!(disk(), 2 * bs);
        fwrite(data, 1, 2 * bs, f, m);
        assert_eq!(disk(), 3 * bs + bs);
        assert_eq!(fflush(f, m), 0);
        assert_eq!(disk(), 4 * bs + 1);
        fclose(f, m);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stat_chmod_utime_access_unlink() {
        let m = &mut Mem::new();
        let dir = temp_dir("stat");
        let name = path_str(&dir, "f", m);
        std::fs::write(dir.join("f"), b"12345").unwrap();
        let st = malloc(144, m);
        assert_eq!(stat(name, st, m), 0);
        assert_eq!(ld_i64(st + 48, m), 5);
        assert_eq!(ld_u32(st + 24, m) & 0o170000, 0o100000);
        assert_eq!(ld_u64(st + 16, m), 1);
        assert!(ld_i64(st + 56, m) > 0);
        let md = std::fs::metadata(dir.join("f")).unwrap();
        assert_eq!((ld_u64(st, m), ld_u64(st + 8, m)), (md.dev(), md.ino()));
        assert_eq!(chmod(name, 0o600, m), 0);
        stat(name, st, m);
        assert_eq!(ld_u32(st + 24, m) & 0o7777, 0o600);
        let fd = open(name, O_RDONLY, 0, m);
        assert_eq!(fchmod(fd, 0o751, m), 0);
        assert_eq!(fstat(fd, st, m), 0);
        assert_eq!(ld_u32(st + 24, m) & 0o7777, 0o751);
        assert_eq!(fchown(fd, u32::MAX, u32::MAX, m), 0);
        assert_eq!(fstat(77, st, m), -1);
        assert_eq!(errno(m), EBADF);
        close(fd, m);
        assert_eq!(chown(name, u32::MAX, u32::MAX, m), 0);
        let ub = malloc(16, m);
        st_i64(ub, 1000, m);
        st_i64(ub + 8, 2000, m);
        assert_eq!(utime(name, ub, m), 0);
        stat(name, st, m);
        assert_eq!((ld_i64(st + 72, m), ld_i64(st + 88, m)), (1000, 2000));
        let tv = malloc(32, m);
        for (i, v) in [3000i64, 500_000, 4000, 250].iter().enumerate() {
            st_i64(tv + 8 * i as u64, *v, m);
        }
        assert_eq!(utimes(name, tv, m), 0);
        stat(name, st, m);
        assert_eq!((ld_i64(st + 72, m), ld_i64(st + 80, m)), (3000, 500_000_000));
        assert_eq!((ld_i64(st + 88, m), ld_i64(st + 96, m)), (4000, 250_000));
        st_i64(tv + 8, 1_000_000, m);
        assert_eq!(utimes(name, tv, m), -1);
        assert_eq!(errno(m), EINVAL);
        assert_eq!(utime(name, 0, m), 0);
        stat(name, st, m);
        assert!(ld_i64(st + 88, m) > 1_600_000_000);
        assert_eq!(access(name, F_OK, m), 0);
        assert_eq!(access(name, R_OK, m), 0);
        assert_eq!(access(name, 8, m), -1);
        assert_eq!(errno(m), EINVAL);
        let link = path_str(&dir, "l", m);
        std::os::unix::fs::symlink(dir.join("f"), dir.join("l")).unwrap();
        assert_eq!(lstat(link, st, m), 0);
        assert_eq!(ld_u32(st + 24, m) & 0o170000, 0o120000);
        assert_eq!(stat(link, st, m), 0);
        assert_eq!(ld_i64(st + 48, m), 5);
        assert_eq!(unlink(link, m), 0);
        assert_eq!(unlink(name, m), 0);
        assert_eq!(unlink(name, m), -1);
        assert_eq!(errno(m), ENOENT);
        assert_eq!(access(name, F_OK, m), -1);
        assert_eq!(stat(name, st, m), -1);
        assert_eq!(errno(m), ENOENT);
        let d = path_str(&dir, "d", m);
        assert_eq!(mkdir(d, 0o755, m), 0);
        assert_eq!(mkdir(d, 0o755, m), -1);
        assert_eq!(errno(m), EEXIST);
        assert_eq!(unlink(d, m), -1);
        assert_eq!(errno(m), EISDIR);
        assert_eq!(rmdir(d, m), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn locale_is_c() {
        let m = &mut Mem::new();
        let q = setlocale(LC_ALL, 0, m);
        assert_eq!(cstr(q, m), b"C");
        for name in ["C", "POSIX"] {
            let n = s(name, m);
            let got = setlocale(LC_NUMERIC, n, m);
            assert_eq!(cstr(got, m), b"C");
        }
        let bad = s("xx_YY.UTF-8", m);
        assert_eq!(setlocale(LC_ALL, bad, m), 0);
        assert_eq!(errno(m), ENOENT);
        assert_eq!(setlocale(13, 0, m), 0);
        assert_eq!(errno(m), EINVAL);
        let l = localeconv(m);
        assert_eq!(localeconv(m), l);
        assert_eq!(obj_size(l, m), 96);
        assert_eq!(cstr(ld_u64(l, m), m), b".");
        for i in 1..10 {
            assert_eq!(cstr(ld_u64(l + 8 * i, m), m), b"");
        }
        assert_eq!(ld_bytes(l + 80, 14, m), [127u8; 14]);
        assert_eq!(uselocale(0, m), LC_GLOBAL_LOCALE);
        let c = s("C", m);
        let loc = newlocale(LC_ALL_MASK, c, 0, m);
        assert_ne!(loc, 0);
        assert_eq!(newlocale(LC_ALL_MASK, bad, 0, m), 0);
        assert_eq!(errno(m), ENOENT);
        assert_eq!(newlocale(1 << 20, c, 0, m), 0);
        assert_eq!(errno(m), EINVAL);
        assert_eq!(uselocale(loc, m), LC_GLOBAL_LOCALE);
        assert_eq!(uselocale(0, m), loc);
        assert_eq!(uselocale(LC_GLOBAL_LOCALE, m), loc);
        assert_ne!(duplocale(loc, m), 0);
        freelocale(loc);
    }

    #[test]
    fn gnu_string_and_alloc_extensions() {
        let m = &mut Mem::new();
        let strp = malloc(8, m);
        let f = s("%d-%s-%.2f", m);
        let abc = s("abc", m);
        assert_eq!(asprintf(strp, f, &[Va::I(42), Va::I(abc as i64), Va::F(3.14159)], m), 11);
        assert_eq!(cstr(ld_u64(strp, m), m), b"42-abc-3.14");
        free(ld_u64(strp, m), m);
        let ap = malloc(8, m);
        va_start(ap, &[Va::I(7)], m);
        let f2 = s("<%d>", m);
        assert_eq!(vasprintf(strp, f2, ap, m), 3);
        assert_eq!(cstr(ld_u64(strp, m), m), b"<7>");
        va_end(ap, m);
        assert_eq!(reallocarray(0, u64::MAX / 2, 4, m), 0);
        assert_eq!(errno(m), ENOMEM);
        let p = reallocarray(0, 10, 4, m);
        st_i32(p + 36, 9, m);
        let p = reallocarray(p, 20, 4, m);
        assert_eq!((obj_size(p, m), ld_i32(p + 36, m)), (80, 9));
        // strsep
        let line = s("a,b,,c;d", m);
        let sp = malloc(8, m);
        st_u64(sp, line, m);
        let delim = s(",;", m);
        let mut toks = Vec::new();
        loop {
            let t = strsep(sp, delim, m);
            if t == 0 {
                break;
            }
            toks.push(cstr_lossy(t, m));
        }
        assert_eq!(toks, ["a", "b", "", "c", "d"]);
        assert_eq!(ld_u64(sp, m), 0);
        assert_eq!(strsep(sp, delim, m), 0);
        // strchrnul, memmem
        let h = s("hello world", m);
        assert_eq!(strchrnul(h, b'o' as i32, m), h + 4);
        assert_eq!(strchrnul(h, b'z' as i32, m), h + 11);
        assert_eq!(strchrnul(h, 0, m), h + 11);
        let wor = s("wor", m);
        assert_eq!(memmem(h, 11, wor, 3, m), h + 6);
        assert_eq!(memmem(h, 11, wor, 0, m), h);
        assert_eq!(memmem(h, 2, wor, 3, m), 0);
        assert_eq!(memmem(h, 8, wor, 3, m), 0);
        // strlcpy, strlcat (BSD)
        let buf = malloc(8, m);
        assert_eq!(strlcpy(buf, h, 8, m), 11);
        assert_eq!(cstr(buf, m), b"hello w");
        assert_eq!(strlcpy(buf, abc, 0, m), 3);
        assert_eq!(strlcpy(buf, abc, 8, m), 3);
        assert_eq!(strlcat(buf, abc, 8, m), 6);
        assert_eq!(cstr(buf, m), b"abcabc");
        assert_eq!(strlcat(buf, abc, 8, m), 9);
        assert_eq!(cstr(buf, m), b"abcabca");
        assert_eq!(strlcat(buf, abc, 4, m), 7, "no NUL within size: size + strlen(src)");
        // strverscmp: values checked against glibc 2.36
        let vs = [
            "1.10", "1.9", "1.010", "1.01", "abc", "", "000", "00", "01", "010", "09", "0", "9", "10", "alpha1",
            "alpha001",
        ];
        let ps: Vec<P> = vs.iter().map(|v| s(v, m)).collect();
        let cmp = |i: usize, j: usize, m: &Mem| strverscmp(ps[i], ps[j], m);
        assert_eq!(cmp(0, 1, m), 1);
        assert_eq!(cmp(2, 3, m), 48);
        assert_eq!(cmp(6, 7, m), -1);
        assert_eq!(cmp(8, 9, m), -48);
        assert_eq!(cmp(10, 11, m), -1);
        assert_eq!(cmp(12, 13, m), -1);
        assert_eq!(cmp(14, 15, m), 1);
        assert_eq!(cmp(4, 5, m), 97);
        assert_eq!(cmp(4, 4, m), 0);
        let signs = [f64::INFINITY, f64::NEG_INFINITY, 1.0, f64::NAN].map(isinf_sign);
        assert_eq!(signs, [1, -1, 0, 0]);
        assert_eq!(va_int(&[Va::I(0o644)], 0), 0o644);
        assert_eq!(va_int(&[], 0), 0);
    }

    /// A `struct option` array for the getopt_long tests; flag options point at `flag`.
    fn long_options(opts: &[(&str, i32, bool, i32)], flag: P, m: &mut Mem) -> P {
        let arr = malloc(32 * (opts.len() as u64 + 1), m);
        for (i, (name, has_arg, use_flag, val)) in opts.iter().enumerate() {
            let o = arr + 32 * i as u64;
            let n = s(name, m);
            st_u64(o, n, m);
            st_i32(o + 8, *has_arg, m);
            st_u64(o + 16, if *use_flag { flag } else { 0 }, m);
            st_i32(o + 24, *val, m);
        }
        arr
    }

    #[test]
    fn getopt_long_is_glibcs() {
        let m = &mut Mem::new();
        st_i32(OPTERR, 0, m);
        let flag = malloc(4, m);
        let table = [
            ("verbose", 0, true, 1),
            ("version", 0, false, 'V' as i32),
            ("file", 1, false, 'f' as i32),
            ("opt", 2, false, 'o' as i32),
            ("color", 0, false, 'c' as i32),
            ("colour", 0, false, 'c' as i32),
        ];
        let lo = long_options(&table, flag, m);
        let args = ["prog", "--verb", "x", "--ver", "--fi", "F", "--file=G", "--opt", "--opt=3", "--col", "--nope", "-a", "--verbose=1", "--file", "--", "--opt"];
        let argv = argv_of(&args, m);
        let opts = s("a", m);
        let li = malloc(4, m);
        let mut seen = Vec::new();
        loop {
            st_i32(li, -1, m);
            let c = getopt_long(args.len() as i32, argv, opts, lo, li, m);
            if c == -1 {
                break;
            }
            let arg = ld_u64(OPTARG, m);
            let arg = if arg == 0 { String::new() } else { cstr_lossy(arg, m) };
            seen.push((c, arg, ld_i32(li, m), ld_i32(OPTOPT, m)));
        }
        let q = '?' as i32;
        let want: Vec<(i32, String, i32, i32)> = [
            (0, "", 0, 0),
            (q, "", -1, 0),
            ('f' as i32, "F", 2, 0),
            ('f' as i32, "G", 2, 0),
            ('o' as i32, "", 3, 0),
            ('o' as i32, "3", 3, 0),
            ('c' as i32, "", 4, 0),
            (q, "", -1, 0),
            ('a' as i32, "", -1, 0),
            (q, "", -1, 1),
            ('f' as i32, "--", 2, 1),
            ('o' as i32, "", 3, 1),
        ]
        .iter()
        .map(|(c, a, l, o)| (*c, a.to_string(), *l, *o))
        .collect();
        assert_eq!(seen, want);
        assert_eq!(ld_i32(flag, m), 1);
        let optind = ld_i32(OPTIND, m);
        let rest: Vec<String> = (optind..args.len() as i32).map(|i| cstr_lossy(ld_u64(argv + 8 * i as u64, m), m)).collect();
        assert_eq!(rest, ["x"]);
    }

    #[test]
    fn getopt_long_only_and_w_semicolon() {
        let m = &mut Mem::new();
        st_i32(OPTERR, 0, m);
        let table = [("add", 1, false, 'A' as i32), ("bee", 0, false, 'B' as i32)];
        let lo = long_options(&table, 0, m);
        let args = ["prog", "-add", "1", "-a", "-b", "-bee", "-W", "bee", "-Wadd=2", "-x"];
        let argv = argv_of(&args, m);
        let opts = s("abW;", m);
        let mut seen = Vec::new();
        loop {
            let c = getopt_long_only(args.len() as i32, argv, opts, lo, 0, m);
            if c == -1 {
                break;
            }
            let arg = ld_u64(OPTARG, m);
            seen.push((c as u8 as char, if arg == 0 { String::new() } else { cstr_lossy(arg, m) }));
        }
        let want = [('A', "1"), ('a', ""), ('b', ""), ('B', ""), ('B', ""), ('A', "2"), ('?', "")];
        let want: Vec<(char, String)> = want.iter().map(|(c, a)| (*c, a.to_string())).collect();
        assert_eq!(seen, want);
    }
}
