//! Support code emitted by ferrox c2rust: C's memory, strings and stdio in safe Rust.
//!
//! Every C object whose address is taken lives in a `Ptr` buffer: a shared, bounds-checked
//! vector plus an offset. Null, out-of-bounds and use-after-free accesses panic with a
//! message instead of corrupting memory. Nothing in this module uses `unsafe`.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::rc::Rc;

/// Where a pointer's elements live: a heap/array buffer, or one field of another object.
pub trait Store<T> {
    /// Number of elements.
    fn len(&self) -> usize;
    /// Calls `f` with element `i` (in bounds).
    fn with_elem(&self, i: usize, f: &mut dyn FnMut(&T));
    /// Calls `f` with element `i` mutably (in bounds).
    fn with_elem_mut(&self, i: usize, f: &mut dyn FnMut(&mut T));
    /// Grows or shrinks the buffer (`realloc`); `fill` makes new elements.
    fn resize(&self, n: usize, fill: &mut dyn FnMut() -> T);
}

struct VecStore<T>(RefCell<Vec<T>>);

impl<T> Store<T> for VecStore<T> {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }
    fn with_elem(&self, i: usize, f: &mut dyn FnMut(&T)) {
        f(&self.0.borrow()[i])
    }
    fn with_elem_mut(&self, i: usize, f: &mut dyn FnMut(&mut T)) {
        f(&mut self.0.borrow_mut()[i])
    }
    fn resize(&self, n: usize, fill: &mut dyn FnMut() -> T) {
        self.0.borrow_mut().resize_with(n, fill)
    }
}

struct FieldStore<S, T> {
    base: Ptr<S>,
    get: fn(&S) -> &T,
    get_mut: fn(&mut S) -> &mut T,
}

impl<S: 'static, T: 'static> Store<T> for FieldStore<S, T> {
    fn len(&self) -> usize {
        1
    }
    fn with_elem(&self, _i: usize, f: &mut dyn FnMut(&T)) {
        let get = self.get;
        self.base.with(|s| f(get(s)))
    }
    fn with_elem_mut(&self, _i: usize, f: &mut dyn FnMut(&mut T)) {
        let get_mut = self.get_mut;
        self.base.with_mut(|s| f(get_mut(s)))
    }
    fn resize(&self, _n: usize, _fill: &mut dyn FnMut() -> T) {
        panic!("realloc or free of a pointer to a struct field")
    }
}

/// A C pointer: a shared store of `T` and an element offset into it (null when no store).
pub struct Ptr<T> {
    buf: Option<Rc<dyn Store<T>>>,
    off: isize,
}

impl<T> Clone for Ptr<T> {
    fn clone(&self) -> Self {
        Ptr { buf: self.buf.clone(), off: self.off }
    }
}

impl<T> Default for Ptr<T> {
    fn default() -> Self {
        Ptr { buf: None, off: 0 }
    }
}

impl<T> PartialEq for Ptr<T> {
    fn eq(&self, other: &Self) -> bool {
        self.off == other.off
            && match (&self.buf, &other.buf) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                _ => false,
            }
    }
}

impl<T> PartialOrd for Ptr<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.off.partial_cmp(&other.off)
    }
}

impl<T: 'static> Ptr<T> {
    /// The null pointer.
    pub fn null() -> Self {
        Ptr { buf: None, off: 0 }
    }
    /// A pointer to the first element of a new buffer holding `items`.
    pub fn from_vec(items: Vec<T>) -> Self {
        Ptr { buf: Some(Rc::new(VecStore(RefCell::new(items)))), off: 0 }
    }
    /// A pointer to a new one-element buffer.
    pub fn new_value(value: T) -> Self {
        Ptr::from_vec(vec![value])
    }
    /// `&base->field`: a pointer to one field of the object `base` points to.
    pub fn field<S: 'static>(base: &Ptr<S>, get: fn(&S) -> &T, get_mut: fn(&mut S) -> &mut T) -> Self {
        let base = base.add(0);
        base.with(|_| ());
        Ptr { buf: Some(Rc::new(FieldStore { base, get, get_mut })), off: 0 }
    }
    /// True for the null pointer.
    pub fn is_null(&self) -> bool {
        self.buf.is_none()
    }
    /// Pointer arithmetic: this pointer moved by `n` elements.
    pub fn add(&self, n: isize) -> Self {
        Ptr { buf: self.buf.clone(), off: self.off + n }
    }
    /// `self - other` in elements (both must point into the same buffer).
    pub fn diff(&self, other: &Self) -> i64 {
        (self.off - other.off) as i64
    }
    fn cell(&self) -> &Rc<dyn Store<T>> {
        match &self.buf {
            Some(b) => b,
            None => panic!("null pointer dereference"),
        }
    }
    fn index(&self, i: isize, len: usize) -> usize {
        let at = self.off + i;
        if at < 0 || at as usize >= len {
            panic!("pointer access out of bounds: element {} of a buffer of {}", at, len);
        }
        at as usize
    }
    /// Calls `f` with a shared reference to element `i`.
    pub fn with_at<R>(&self, i: isize, f: impl FnOnce(&T) -> R) -> R {
        let store = self.cell();
        let k = self.index(i, store.len());
        let mut f = Some(f);
        let mut out = None;
        store.with_elem(k, &mut |e| out = Some((f.take().unwrap())(e)));
        out.unwrap()
    }
    /// Calls `f` with a mutable reference to element `i`.
    pub fn with_mut_at<R>(&self, i: isize, f: impl FnOnce(&mut T) -> R) -> R {
        let store = self.cell();
        let k = self.index(i, store.len());
        let mut f = Some(f);
        let mut out = None;
        store.with_elem_mut(k, &mut |e| out = Some((f.take().unwrap())(e)));
        out.unwrap()
    }
    /// Calls `f` with a shared reference to the pointee.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.with_at(0, f)
    }
    /// Calls `f` with a mutable reference to the pointee.
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.with_mut_at(0, f)
    }
    /// `*p = value`.
    pub fn set(&self, value: T) {
        self.with_mut_at(0, |e| *e = value)
    }
    /// `p[i] = value`.
    pub fn set_at(&self, i: isize, value: T) {
        self.with_mut_at(i, |e| *e = value)
    }
    /// Elements from the pointee to the end of its buffer.
    pub fn remaining(&self) -> usize {
        let len = self.cell().len() as isize;
        (len - self.off).max(0) as usize
    }
}

impl<T: Clone + 'static> Ptr<T> {
    /// `*p`.
    pub fn get(&self) -> T {
        self.with_at(0, T::clone)
    }
    /// `p[i]`.
    pub fn at(&self, i: isize) -> T {
        self.with_at(i, T::clone)
    }
}

impl<T: Default + 'static> Ptr<T> {
    /// A new buffer of `n` default (zeroed) elements, as `calloc` or a C array gives.
    pub fn alloc(n: usize) -> Self {
        let mut v = Vec::with_capacity(n);
        v.resize_with(n, T::default);
        Ptr::from_vec(v)
    }
}

impl Ptr<u8> {
    /// A new NUL-terminated buffer holding `bytes` (a C string literal).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut v = bytes.to_vec();
        if v.last() != Some(&0) {
            v.push(0);
        }
        Ptr::from_vec(v)
    }
}

/// A C array stored inside a struct: copied element by element when the struct is copied.
pub struct Arr<T, const N: usize>(Ptr<T>);

impl<T: Clone + 'static, const N: usize> Clone for Arr<T, N> {
    fn clone(&self) -> Self {
        let items = (0..self.0.remaining() as isize).map(|i| self.0.at(i)).collect();
        Arr(Ptr::from_vec(items))
    }
}

impl<T: Default + 'static, const N: usize> Default for Arr<T, N> {
    fn default() -> Self {
        Arr(Ptr::alloc(N))
    }
}

impl<T: 'static, const N: usize> Arr<T, N> {
    /// The array decayed to a pointer to its first element.
    pub fn ptr(&self) -> Ptr<T> {
        self.0.clone()
    }
    /// An array holding `items` (padded with defaults by the caller).
    pub fn from_vec(items: Vec<T>) -> Self {
        Arr(Ptr::from_vec(items))
    }
}

/// Pads `items` with defaults to `n` elements (C's rule for short array initialisers).
pub fn padded<T: Default>(mut items: Vec<T>, n: usize) -> Vec<T> {
    items.resize_with(n.max(items.len()), T::default);
    items
}

// ---------------------------------------------------------------- memory

/// `malloc`/`calloc`: `n` zeroed elements.
pub fn malloc<T: Default + 'static>(n: usize) -> Ptr<T> {
    Ptr::alloc(n)
}

/// `realloc`: the buffer grown or shrunk to `n` elements, in place (aliases stay valid).
pub fn realloc<T: Default + 'static>(p: Ptr<T>, n: usize) -> Ptr<T> {
    if p.is_null() {
        return Ptr::alloc(n);
    }
    p.cell().resize(n, &mut T::default);
    p
}

/// `free`: the buffer is emptied so any later use through an alias panics.
pub fn free<T: 'static>(p: Ptr<T>) {
    if let Some(b) = &p.buf {
        b.resize(0, &mut || unreachable!());
    }
}

/// `memset` on a byte buffer.
pub fn memset_bytes(p: &Ptr<u8>, value: i32, n: usize) {
    for i in 0..n {
        p.set_at(i as isize, value as u8);
    }
}

/// `memset(p, 0, ...)` on any element type: `n` elements reset to zero.
pub fn memzero<T: Default + 'static>(p: &Ptr<T>, n: usize) {
    for i in 0..n {
        p.set_at(i as isize, T::default());
    }
}

/// `memcpy`/`memmove`: `n` elements copied from `src` to `dst` (overlap allowed).
pub fn memmove<T: Clone + 'static>(dst: &Ptr<T>, src: &Ptr<T>, n: usize) {
    let items: Vec<T> = (0..n).map(|i| src.at(i as isize)).collect();
    for (i, v) in items.into_iter().enumerate() {
        dst.set_at(i as isize, v);
    }
}

/// `memcmp` over `n` elements.
pub fn memcmp<T: Clone + PartialOrd + 'static>(a: &Ptr<T>, b: &Ptr<T>, n: usize) -> i32 {
    for i in 0..n as isize {
        let (x, y) = (a.at(i), b.at(i));
        if x < y {
            return -1;
        }
        if x > y {
            return 1;
        }
    }
    0
}

/// `qsort` with a comparator over typed element pointers; stable, as glibc's merge sort.
pub fn qsort<T: Clone + 'static>(base: &Ptr<T>, n: usize, cmp: fn(Ptr<T>, Ptr<T>) -> i32) {
    let mut items: Vec<T> = (0..n as isize).map(|i| base.at(i)).collect();
    items.sort_by(|a, b| cmp(Ptr::new_value(a.clone()), Ptr::new_value(b.clone())).cmp(&0));
    for (i, v) in items.into_iter().enumerate() {
        base.set_at(i as isize, v);
    }
}

/// `bsearch`: glibc's binary search; null when `key` is absent.
pub fn bsearch<K: 'static, T: 'static>(key: &Ptr<K>, base: &Ptr<T>, n: usize, cmp: fn(Ptr<K>, Ptr<T>) -> i32) -> Ptr<T> {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let c = cmp(key.clone(), base.add(mid as isize));
        if c < 0 {
            hi = mid;
        } else if c > 0 {
            lo = mid + 1;
        } else {
            return base.add(mid as isize);
        }
    }
    Ptr::null()
}

// ---------------------------------------------------------------- strings

/// The bytes of a C string, without its NUL.
pub fn cstr(s: &Ptr<u8>) -> Vec<u8> {
    let len = s.remaining();
    let mut out = Vec::new();
    for i in 0..len as isize {
        let c = s.at(i);
        if c == 0 {
            return out;
        }
        out.push(c);
    }
    if len == 0 {
        s.at(0);
    }
    panic!("string not NUL-terminated")
}

pub fn strlen(s: &Ptr<u8>) -> usize {
    cstr(s).len()
}

pub fn strcmp(a: &Ptr<u8>, b: &Ptr<u8>) -> i32 {
    strncmp(a, b, usize::MAX)
}

pub fn strncmp(a: &Ptr<u8>, b: &Ptr<u8>, n: usize) -> i32 {
    let mut i = 0isize;
    while (i as usize) < n {
        let (x, y) = (a.at(i), b.at(i));
        if x != y {
            return x as i32 - y as i32;
        }
        if x == 0 {
            break;
        }
        i += 1;
    }
    0
}

/// Stores `bytes` at `dst` (no terminator).
fn put_bytes(dst: &Ptr<u8>, bytes: &[u8]) {
    for (i, c) in bytes.iter().enumerate() {
        dst.set_at(i as isize, *c);
    }
}

/// Stores `bytes` and a NUL at `dst`.
fn put_cstr(dst: &Ptr<u8>, bytes: &[u8]) {
    put_bytes(dst, bytes);
    dst.set_at(bytes.len() as isize, 0);
}

pub fn strcpy(dst: &Ptr<u8>, src: &Ptr<u8>) -> Ptr<u8> {
    put_cstr(dst, &cstr(src));
    dst.clone()
}

pub fn strncpy(dst: &Ptr<u8>, src: &Ptr<u8>, n: usize) -> Ptr<u8> {
    let s = cstr(src);
    for i in 0..n {
        dst.set_at(i as isize, if i < s.len() { s[i] } else { 0 });
    }
    dst.clone()
}

pub fn strcat(dst: &Ptr<u8>, src: &Ptr<u8>) -> Ptr<u8> {
    let at = strlen(dst);
    strcpy(&dst.add(at as isize), src);
    dst.clone()
}

pub fn strchr(s: &Ptr<u8>, c: i32) -> Ptr<u8> {
    let mut i = 0isize;
    loop {
        let x = s.at(i);
        if x == c as u8 {
            return s.add(i);
        }
        if x == 0 {
            return Ptr::null();
        }
        i += 1;
    }
}

pub fn strrchr(s: &Ptr<u8>, c: i32) -> Ptr<u8> {
    let bytes = cstr(s);
    if c as u8 == 0 {
        return s.add(bytes.len() as isize);
    }
    match bytes.iter().rposition(|&x| x == c as u8) {
        Some(p) => s.add(p as isize),
        None => Ptr::null(),
    }
}

pub fn strstr(hay: &Ptr<u8>, needle: &Ptr<u8>) -> Ptr<u8> {
    let (h, n) = (cstr(hay), cstr(needle));
    if n.is_empty() {
        return hay.clone();
    }
    match h.windows(n.len()).position(|w| w == n.as_slice()) {
        Some(p) => hay.add(p as isize),
        None => Ptr::null(),
    }
}

pub fn strdup(s: &Ptr<u8>) -> Ptr<u8> {
    Ptr::from_bytes(&cstr(s))
}

fn parse_int_prefix(bytes: &[u8], base: u32) -> (i64, usize) {
    let mut i = 0;
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        neg = bytes[i] == b'-';
        i += 1;
    }
    let mut base = base;
    if (base == 0 || base == 16)
        && i + 1 < bytes.len()
        && bytes[i] == b'0'
        && (bytes[i + 1] | 0x20) == b'x'
        && i + 2 < bytes.len()
        && (bytes[i + 2] as char).is_digit(16)
    {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if i < bytes.len() && bytes[i] == b'0' { 8 } else { 10 };
    }
    let start = i;
    let mut v: i64 = 0;
    while i < bytes.len() {
        match (bytes[i] as char).to_digit(base) {
            Some(d) => v = v.wrapping_mul(base as i64).wrapping_add(d as i64),
            None => break,
        }
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if neg { v.wrapping_neg() } else { v }, i)
}

pub fn atoi(s: &Ptr<u8>) -> i32 {
    parse_int_prefix(&cstr(s), 10).0 as i32
}

pub fn atol(s: &Ptr<u8>) -> i64 {
    parse_int_prefix(&cstr(s), 10).0
}

/// `strtol(s, endp, base)`; `end` receives the stop position when not null.
pub fn strtol(s: &Ptr<u8>, end: &Ptr<Ptr<u8>>, base: i32) -> i64 {
    let (v, used) = parse_int_prefix(&cstr(s), base as u32);
    if !end.is_null() {
        end.set(s.add(used as isize));
    }
    v
}

pub fn atof(s: &Ptr<u8>) -> f64 {
    let b = cstr(s);
    let text = String::from_utf8_lossy(&b);
    let t = text.trim_start();
    let mut best = 0.0;
    for k in (1..=t.len()).rev() {
        if let Ok(v) = t[..k].parse::<f64>() {
            best = v;
            break;
        }
    }
    best
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

pub fn isspace(c: i32) -> i32 { (c >= 0 && c < 256 && is_space(c as u8)) as i32 }
pub fn isdigit(c: i32) -> i32 { (c >= b'0' as i32 && c <= b'9' as i32) as i32 }
pub fn isalpha(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_alphabetic()) as i32 }
pub fn isalnum(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_alphanumeric()) as i32 }
pub fn isupper(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_uppercase()) as i32 }
pub fn islower(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_lowercase()) as i32 }
pub fn ispunct(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_punctuation()) as i32 }
pub fn isxdigit(c: i32) -> i32 { (c >= 0 && c < 128 && (c as u8).is_ascii_hexdigit()) as i32 }
pub fn isprint(c: i32) -> i32 { (c >= 32 && c < 127) as i32 }
pub fn toupper(c: i32) -> i32 { if islower(c) != 0 { c - 32 } else { c } }
pub fn tolower(c: i32) -> i32 { if isupper(c) != 0 { c + 32 } else { c } }

// ---------------------------------------------------------------- stdio

/// A C stream: only the three standard ones exist.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    In,
    Out,
    Err,
}

thread_local! {
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INPUT: RefCell<Option<(Vec<u8>, usize)>> = const { RefCell::new(None) };
    static RAND_STATE: RefCell<Option<Vec<i32>>> = const { RefCell::new(None) };
    static RAND_POS: Cell<usize> = const { Cell::new(0) };
}

fn write_to(stream: Stream, bytes: &[u8]) {
    match stream {
        Stream::Err => {
            flush();
            let _ = std::io::stderr().write_all(bytes);
        }
        _ => OUT.with_borrow_mut(|o| {
            o.extend_from_slice(bytes);
            if o.len() > 1 << 16 {
                let _ = std::io::stdout().write_all(o);
                o.clear();
            }
        }),
    }
}

/// Writes buffered stdout (called at exit).
pub fn flush() {
    OUT.with_borrow_mut(|o| {
        let mut out = std::io::stdout();
        let _ = out.write_all(o);
        let _ = out.flush();
        o.clear();
    });
}

/// `exit(code)`: flushes stdout first, as C does.
pub fn exit(code: i32) -> ! {
    flush();
    std::process::exit(code)
}

/// `abort()`.
pub fn abort() -> ! {
    flush();
    std::process::abort()
}

fn next_byte() -> i32 {
    INPUT.with_borrow_mut(|inp| {
        if inp.is_none() {
            let mut data = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut data);
            *inp = Some((data, 0));
        }
        let (data, pos) = inp.as_mut().unwrap();
        if *pos < data.len() {
            *pos += 1;
            data[*pos - 1] as i32
        } else {
            -1
        }
    })
}

fn unread_byte() {
    INPUT.with_borrow_mut(|inp| {
        if let Some((_, pos)) = inp.as_mut() {
            *pos -= 1;
        }
    })
}

fn peek_byte() -> i32 {
    let c = next_byte();
    if c >= 0 {
        unread_byte();
    }
    c
}

pub fn getchar() -> i32 {
    next_byte()
}

pub fn fgetc(_s: Stream) -> i32 {
    next_byte()
}

pub fn ungetc(c: i32, _s: Stream) -> i32 {
    if c >= 0 {
        unread_byte();
    }
    c
}

pub fn putchar(c: i32) -> i32 {
    write_to(Stream::Out, &[c as u8]);
    c & 0xff
}

pub fn fputc(c: i32, s: Stream) -> i32 {
    write_to(s, &[c as u8]);
    c & 0xff
}

pub fn puts(s: &Ptr<u8>) -> i32 {
    let mut b = cstr(s);
    b.push(b'\n');
    write_to(Stream::Out, &b);
    0
}

pub fn fputs(s: &Ptr<u8>, stream: Stream) -> i32 {
    write_to(stream, &cstr(s));
    0
}

/// `fgets(buf, n, stdin)`.
pub fn fgets(buf: &Ptr<u8>, n: i32, _s: Stream) -> Ptr<u8> {
    if n <= 0 {
        return Ptr::null();
    }
    let mut i = 0;
    while i < n - 1 {
        let c = next_byte();
        if c < 0 {
            break;
        }
        buf.set_at(i as isize, c as u8);
        i += 1;
        if c == b'\n' as i32 {
            break;
        }
    }
    if i == 0 {
        return Ptr::null();
    }
    buf.set_at(i as isize, 0);
    buf.clone()
}

/// One `printf` argument after C's default argument promotions.
#[derive(Clone)]
pub enum Arg {
    I(i64),
    U(u64),
    F(f64),
    S(Ptr<u8>),
}

struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
    len: Vec<u8>,
}

fn pad(out: &mut Vec<u8>, sp: &Spec, sign: &[u8], body: &[u8], numeric: bool) {
    let n = sign.len() + body.len();
    let fill = sp.width.saturating_sub(n);
    if sp.left {
        out.extend_from_slice(sign);
        out.extend_from_slice(body);
        out.extend(std::iter::repeat(b' ').take(fill));
    } else if sp.zero && numeric {
        out.extend_from_slice(sign);
        out.extend(std::iter::repeat(b'0').take(fill));
        out.extend_from_slice(body);
    } else {
        out.extend(std::iter::repeat(b' ').take(fill));
        out.extend_from_slice(sign);
        out.extend_from_slice(body);
    }
}

fn as_signed(arg: &Arg, len: &[u8]) -> i64 {
    let v = match arg {
        Arg::I(v) => *v,
        Arg::U(v) => *v as i64,
        Arg::F(f) => *f as i64,
        Arg::S(_) => 0,
    };
    match len {
        b"hh" => v as i8 as i64,
        b"h" => v as i16 as i64,
        b"" => v as i32 as i64,
        _ => v,
    }
}

fn as_unsigned(arg: &Arg, len: &[u8]) -> u64 {
    let v = match arg {
        Arg::I(v) => *v as u64,
        Arg::U(v) => *v,
        Arg::F(f) => *f as u64,
        Arg::S(_) => 0,
    };
    match len {
        b"hh" => v as u8 as u64,
        b"h" => v as u16 as u64,
        b"" => v as u32 as u64,
        _ => v,
    }
}

fn exp_parts(v: f64, prec: usize) -> (Vec<u8>, i32) {
    let s = format!("{:.*e}", prec, v);
    let (m, e) = s.split_once('e').unwrap();
    (m.as_bytes().to_vec(), e.parse().unwrap())
}

fn fmt_exp(v: f64, prec: usize, upper: bool, alt: bool) -> Vec<u8> {
    let (mut m, e) = exp_parts(v, prec);
    if alt && prec == 0 {
        m.push(b'.');
    }
    m.push(if upper { b'E' } else { b'e' });
    m.push(if e < 0 { b'-' } else { b'+' });
    m.extend(format!("{:02}", e.abs()).bytes());
    m
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

fn fmt_float(v: f64, conv: u8, sp: &Spec) -> Vec<u8> {
    let upper = conv.is_ascii_uppercase();
    if !v.is_finite() {
        let s = if v.is_nan() { "nan" } else { "inf" };
        return if upper { s.to_uppercase().into_bytes() } else { s.as_bytes().to_vec() };
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
        b'e' | b'E' => fmt_exp(v, prec, upper, sp.alt),
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let (_, x) = if v == 0.0 { (vec![], 0) } else { exp_parts(v, p - 1) };
            if (x as i64) < p as i64 && x >= -4 {
                let mut s = format!("{:.*}", (p as i64 - 1 - x as i64) as usize, v).into_bytes();
                if sp.alt && !s.contains(&b'.') {
                    s.push(b'.');
                }
                if sp.alt { s } else { strip_zeros(s) }
            } else {
                let (m, e) = exp_parts(v, p - 1);
                let mut m = if sp.alt { m } else { strip_zeros(m) };
                if sp.alt && !m.contains(&b'.') {
                    m.push(b'.');
                }
                let mut s = m;
                s.push(if upper { b'E' } else { b'e' });
                s.push(if e < 0 { b'-' } else { b'+' });
                s.extend(format!("{:02}", e.abs()).bytes());
                s
            }
        }
    }
}

/// C's `printf` formatting of `fmt` with `args`.
pub fn format(fmt: &[u8], args: &[Arg]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ai = 0;
    let mut next = || {
        let a = args.get(ai).cloned().unwrap_or(Arg::I(0));
        ai += 1;
        a
    };
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
        let mut sp = Spec {
            left: false, plus: false, space: false, alt: false, zero: false,
            width: 0, prec: None, len: Vec::new(),
        };
        while i < fmt.len() {
            match fmt[i] {
                b'-' => sp.left = true,
                b'+' => sp.plus = true,
                b' ' => sp.space = true,
                b'#' => sp.alt = true,
                b'0' => sp.zero = true,
                _ => break,
            }
            i += 1;
        }
        if i < fmt.len() && fmt[i] == b'*' {
            let w = as_signed(&next(), b"");
            if w < 0 {
                sp.left = true;
            }
            sp.width = w.unsigned_abs() as usize;
            i += 1;
        }
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            sp.width = sp.width * 10 + (fmt[i] - b'0') as usize;
            i += 1;
        }
        if i < fmt.len() && fmt[i] == b'.' {
            i += 1;
            let mut p = 0usize;
            if i < fmt.len() && fmt[i] == b'*' {
                let v = as_signed(&next(), b"");
                i += 1;
                sp.prec = if v < 0 { None } else { Some(v as usize) };
            } else {
                while i < fmt.len() && fmt[i].is_ascii_digit() {
                    p = p * 10 + (fmt[i] - b'0') as usize;
                    i += 1;
                }
                sp.prec = Some(p);
            }
        }
        while i < fmt.len() && b"hlLqjzt".contains(&fmt[i]) {
            sp.len.push(fmt[i]);
            i += 1;
        }
        if sp.len == b"z" || sp.len == b"j" || sp.len == b"t" || sp.len == b"ll" || sp.len == b"L" {
            sp.len = b"l".to_vec();
        }
        let conv = if i < fmt.len() { fmt[i] } else { 0 };
        i += 1;
        match conv {
            b'%' => out.push(b'%'),
            b'd' | b'i' => {
                let v = as_signed(&next(), &sp.len);
                let mut body = v.unsigned_abs().to_string().into_bytes();
                if let Some(p) = sp.prec {
                    if p == 0 && v == 0 {
                        body.clear();
                    }
                    while body.len() < p {
                        body.insert(0, b'0');
                    }
                    sp.zero = false;
                }
                let sign: &[u8] = if v < 0 { b"-" } else if sp.plus { b"+" } else if sp.space { b" " } else { b"" };
                pad(&mut out, &sp, sign, &body, true);
            }
            b'u' | b'x' | b'X' | b'o' => {
                let v = as_unsigned(&next(), &sp.len);
                let mut body = match conv {
                    b'u' => v.to_string(),
                    b'x' => format!("{:x}", v),
                    b'X' => format!("{:X}", v),
                    _ => format!("{:o}", v),
                }
                .into_bytes();
                if let Some(p) = sp.prec {
                    if p == 0 && v == 0 {
                        body.clear();
                    }
                    while body.len() < p {
                        body.insert(0, b'0');
                    }
                    sp.zero = false;
                }
                if sp.alt && conv == b'o' && body.first() != Some(&b'0') {
                    body.insert(0, b'0');
                }
                let prefix: &[u8] = if sp.alt && v != 0 && conv == b'x' {
                    b"0x"
                } else if sp.alt && v != 0 && conv == b'X' {
                    b"0X"
                } else {
                    b""
                };
                pad(&mut out, &sp, prefix, &body, true);
            }
            b'c' => {
                let v = as_signed(&next(), b"");
                pad(&mut out, &sp, b"", &[v as u8], false);
            }
            b's' => {
                let s = match next() {
                    Arg::S(p) => if p.is_null() { b"(null)".to_vec() } else { cstr(&p) },
                    _ => Vec::new(),
                };
                let s = match sp.prec {
                    Some(p) if p < s.len() => s[..p].to_vec(),
                    _ => s,
                };
                pad(&mut out, &sp, b"", &s, false);
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                let v = match next() {
                    Arg::F(f) => f,
                    Arg::I(i) => i as f64,
                    Arg::U(u) => u as f64,
                    Arg::S(_) => 0.0,
                };
                let body = fmt_float(v.abs(), conv, &sp);
                let neg = v.is_sign_negative() && !(v.is_nan());
                let sign: &[u8] = if neg { b"-" } else if sp.plus { b"+" } else if sp.space { b" " } else { b"" };
                pad(&mut out, &sp, sign, &body, v.is_finite());
            }
            _ => {
                out.push(b'%');
                out.push(conv);
            }
        }
    }
    out
}

pub fn printf(fmt: &[u8], args: &[Arg]) -> i32 {
    let s = format(fmt, args);
    write_to(Stream::Out, &s);
    s.len() as i32
}

pub fn fprintf(stream: Stream, fmt: &[u8], args: &[Arg]) -> i32 {
    let s = format(fmt, args);
    write_to(stream, &s);
    s.len() as i32
}

/// `sprintf(dst, fmt, ...)`.
pub fn sprintf(dst: &Ptr<u8>, fmt: &[u8], args: &[Arg]) -> i32 {
    let s = format(fmt, args);
    put_cstr(dst, &s);
    s.len() as i32
}

/// `snprintf(dst, n, fmt, ...)`: at most `n - 1` bytes and a NUL; returns the full length.
pub fn snprintf(dst: &Ptr<u8>, n: usize, fmt: &[u8], args: &[Arg]) -> i32 {
    let s = format(fmt, args);
    if n > 0 {
        put_cstr(dst, &s[..s.len().min(n - 1)]);
    }
    s.len() as i32
}

/// One `scanf` destination.
pub enum Out {
    I8(Ptr<i8>),
    U8(Ptr<u8>),
    I16(Ptr<i16>),
    U16(Ptr<u16>),
    I32(Ptr<i32>),
    U32(Ptr<u32>),
    I64(Ptr<i64>),
    U64(Ptr<u64>),
    F32(Ptr<f32>),
    F64(Ptr<f64>),
}

fn skip_space() {
    loop {
        let c = next_byte();
        if c < 0 {
            return;
        }
        if !is_space(c as u8) {
            unread_byte();
            return;
        }
    }
}

fn read_token(accept: impl Fn(&[u8], u8) -> bool, width: usize) -> Vec<u8> {
    let mut tok = Vec::new();
    while tok.len() < width {
        let c = next_byte();
        if c < 0 {
            break;
        }
        if !accept(&tok, c as u8) {
            unread_byte();
            break;
        }
        tok.push(c as u8);
    }
    tok
}

fn store_int(out: &Out, v: i64) {
    match out {
        Out::I8(p) => p.set(v as i8),
        Out::U8(p) => p.set(v as u8),
        Out::I16(p) => p.set(v as i16),
        Out::U16(p) => p.set(v as u16),
        Out::I32(p) => p.set(v as i32),
        Out::U32(p) => p.set(v as u32),
        Out::I64(p) => p.set(v),
        Out::U64(p) => p.set(v as u64),
        Out::F32(p) => p.set(v as f32),
        Out::F64(p) => p.set(v as f64),
    }
}

/// `scanf(fmt, ...)` over stdin: returns the number of items stored, or -1 at end of input.
pub fn scanf(fmt: &[u8], outs: &[Out]) -> i32 {
    let mut stored = 0;
    let mut oi = 0;
    let mut i = 0;
    while i < fmt.len() && fmt[i] != 0 {
        let c = fmt[i];
        i += 1;
        if is_space(c) {
            skip_space();
            continue;
        }
        if c != b'%' {
            let got = next_byte();
            if got != c as i32 {
                if got >= 0 {
                    unread_byte();
                } else if stored == 0 {
                    return -1;
                }
                return stored;
            }
            continue;
        }
        let mut suppress = false;
        if i < fmt.len() && fmt[i] == b'*' {
            suppress = true;
            i += 1;
        }
        let mut width = 0usize;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            width = width * 10 + (fmt[i] - b'0') as usize;
            i += 1;
        }
        let width = if width == 0 { usize::MAX } else { width };
        while i < fmt.len() && b"hlLqjzt".contains(&fmt[i]) {
            i += 1;
        }
        let conv = fmt[i];
        i += 1;
        if conv == b'%' {
            skip_space();
            if next_byte() != b'%' as i32 {
                return stored;
            }
            continue;
        }
        if conv != b'c' {
            skip_space();
        }
        if peek_byte() < 0 {
            return if stored == 0 { -1 } else { stored };
        }
        match conv {
            b'd' | b'i' | b'u' | b'x' => {
                let base = match conv { b'x' => 16, b'i' => 0, _ => 10 };
                let tok = read_token(
                    |t, c| {
                        (t.is_empty() && (c == b'-' || c == b'+'))
                            || (c as char).is_digit(if base == 16 { 16 } else { 10 })
                            || (base != 10 && (c | 0x20) == b'x' && t.last() == Some(&b'0'))
                    },
                    width,
                );
                let (v, used) = parse_int_prefix(&tok, base);
                if used == 0 {
                    return stored;
                }
                if !suppress {
                    store_int(&outs[oi], v);
                    oi += 1;
                    stored += 1;
                }
            }
            b'f' | b'e' | b'g' | b'E' | b'G' => {
                let tok = read_token(
                    |t, c| {
                        c.is_ascii_digit()
                            || ((c == b'-' || c == b'+') && (t.is_empty() || (t.last().unwrap() | 0x20) == b'e'))
                            || (c == b'.' && !t.contains(&b'.'))
                            || ((c | 0x20) == b'e' && !t.iter().any(|x| (x | 0x20) == b'e') && !t.is_empty())
                    },
                    width,
                );
                let Ok(v) = String::from_utf8_lossy(&tok).parse::<f64>() else {
                    return stored;
                };
                if !suppress {
                    match &outs[oi] {
                        Out::F32(p) => p.set(v as f32),
                        Out::F64(p) => p.set(v),
                        other => store_int(other, v as i64),
                    }
                    oi += 1;
                    stored += 1;
                }
            }
            b's' => {
                let tok = read_token(|_, c| !is_space(c), width);
                if !suppress {
                    if let Out::U8(p) = &outs[oi] {
                        put_cstr(p, &tok);
                    }
                    oi += 1;
                    stored += 1;
                }
            }
            b'c' => {
                let n = if width == usize::MAX { 1 } else { width };
                let tok = read_token(|_, _| true, n);
                if !suppress {
                    match &outs[oi] {
                        Out::U8(p) => put_bytes(p, &tok),
                        other => store_int(other, tok[0] as i64),
                    }
                    oi += 1;
                    stored += 1;
                }
            }
            _ => return stored,
        }
    }
    stored
}

// ---------------------------------------------------------------- process and maths

/// The program's arguments as C strings (`argv`), and their count.
pub fn args() -> (i32, Ptr<Ptr<u8>>) {
    use std::os::unix::ffi::OsStringExt;
    let mut v: Vec<Ptr<u8>> = std::env::args_os().map(|a| Ptr::from_bytes(&a.into_vec())).collect();
    let n = v.len() as i32;
    v.push(Ptr::null());
    (n, Ptr::from_vec(v))
}

/// glibc's `rand()` (the TYPE_3 additive feedback generator), so seeded runs match C.
pub fn rand() -> i32 {
    RAND_STATE.with_borrow_mut(|st| {
        if st.is_none() {
            *st = Some(seed_state(1));
            RAND_POS.set(0);
        }
        let r = st.as_mut().unwrap();
        let k = RAND_POS.get();
        let n = r.len();
        let v = r[(k + n - 31) % n].wrapping_add(r[(k + n - 3) % n]);
        r[k % n] = v;
        RAND_POS.set((k + 1) % n);
        ((v as u32) >> 1) as i32
    })
}

fn seed_state(seed: u32) -> Vec<i32> {
    let mut r = vec![0i32; 34];
    r[0] = if seed == 0 { 1 } else { seed as i32 };
    for i in 1..31 {
        let hi = r[i - 1] as i64 / 127773;
        let lo = r[i - 1] as i64 % 127773;
        let mut word = 16807 * lo - 2836 * hi;
        if word < 0 {
            word += 2147483647;
        }
        r[i] = word as i32;
    }
    for i in 31..34 {
        r[i] = r[i - 31];
    }
    let mut out = r;
    // 310 discarded outputs, as glibc's srandom does
    let mut all: Vec<i32> = out.clone();
    for i in 34..344 {
        let v = all[i - 31].wrapping_add(all[i - 3]);
        all.push(v);
    }
    out = all[344 - 34..].to_vec();
    out
}

/// `srand(seed)`.
pub fn srand(seed: u32) {
    RAND_STATE.with_borrow_mut(|st| *st = Some(seed_state(seed)));
    RAND_POS.set(0);
}

/// glibc's `__assert_fail`, which `assert()` expands to.
pub fn assert_fail(expr: &Ptr<u8>, file: &Ptr<u8>, line: u32, func: &Ptr<u8>) -> ! {
    flush();
    let prog = std::env::args().next().unwrap_or_default();
    let msg = format!(
        "{}: {}:{}: {}: Assertion `{}' failed.\n",
        prog,
        String::from_utf8_lossy(&cstr(file)),
        line,
        String::from_utf8_lossy(&cstr(func)),
        String::from_utf8_lossy(&cstr(expr))
    );
    let _ = std::io::stderr().write_all(msg.as_bytes());
    std::process::abort()
}
