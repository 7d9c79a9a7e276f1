/// `sort` (g.c:3).
pub fn sort(mut v: u64, mut n: u64, m: &mut rt::Mem) {
    { let f_1 = F0; rt::qsort(v, n, 4u64, &mut |x: u64, y: u64, m: &mut rt::Mem| call_0(f_1, x, y, m), m) };
}
