/// `total` (g.c:2).
pub fn total(mut p: u64, m: &mut rt::Mem) -> i32 {
    let mut s: i32 = 0i32;
    s = 0i32;
    'l1: while (p != 0) {
        s = (s + rt::ld_i32(p, m));
        p = rt::ld_u64((p + 8), m);
    }
    return s;
}
