/// `half` (g.c:2).
pub fn half(mut x: i32, m: &mut rt::Mem) -> i32 {
    if !(x.wrapping_rem(2i32) == 0i32) {
        rt::__assert_fail(S0, S1, (2i32 as u32), S2, m);
    }
    return x.wrapping_div(2i32);
}
