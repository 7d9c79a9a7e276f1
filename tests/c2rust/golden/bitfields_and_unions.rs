/// `g` (g.c:3).
pub fn g(mut p: u64, mut w: u64, m: &mut rt::Mem) -> i32 {
    rt::st_bits(p, 3, 5, ((-3i32)) as i64, m);
    rt::st_f32(w, 1.0_f32, m);
    return ((rt::ld_bits(p, 3, 5, true, m) as i32) + ((rt::ld_u32(w, m) >> 23i32) as i32));
}
