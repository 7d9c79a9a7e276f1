/// `gcd` (g.c:1).
pub fn gcd(mut a: i32, mut b: i32) -> i32 {
    let mut t: i32 = 0i32;
    'l1: while (b != 0) {
        t = a.wrapping_rem(b);
        a = b;
        b = t;
    }
    return a;
}
