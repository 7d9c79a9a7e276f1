pub const G_pts: u64 = 16 << 32;
pub const G_names: u64 = 17 << 32;
pub const S0: u64 = 18 << 32;
pub const S1: u64 = 19 << 32;

/// Creates every static object in id order (ids are fixed at translation).
pub fn init_statics(m: &mut rt::Mem) {
    rt::static_obj(24, b"\x01\x00\x00\x00\x02\x00\x00\x00ab\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff", m);
    rt::static_obj(16, b"", m);
    rt::static_obj(2, b"a", m);
    rt::static_obj(2, b"b", m);
    rt::st_u64(G_names, S0, m);
    rt::st_u64((G_names + 8), S1, m);
}

/// Calls the function whose pointer is `f` (signature [] -> ()).
pub fn call_void(f: u64, m: &mut rt::Mem) {
    match f {

        _ => rt::bad_call(f),
    }
}

pub use self::call_void as call_0;

/// Calls the function whose pointer is `f` (signature ['i32'] -> ()).
pub fn call_sig(f: u64, a0: i32, m: &mut rt::Mem) {
    match f {

        _ => rt::bad_call(f),
    }
}

pub use self::call_sig as call_1;

/// Calls the function whose pointer is `f` (signature ['i32', 'u64', 'u64'] -> ()).
pub fn call_siginfo(f: u64, a0: i32, a1: u64, a2: u64, m: &mut rt::Mem) {
    match f {

        _ => rt::bad_call(f),
    }
}

pub use self::call_siginfo as call_2;

/// Calls the function whose pointer is `f` (signature ['u64'] -> u64).
pub fn call_thread(f: u64, a0: u64, m: &mut rt::Mem) -> u64 {
    match f {

        _ => rt::bad_call(f),
    }
}

pub use self::call_thread as call_3;
