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
