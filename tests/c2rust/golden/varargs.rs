/// `sum` (g.c:2).
pub fn sum(mut n: i32, va: &[rt::Va], m: &mut rt::Mem) -> i32 {
    let fr = rt::frame(m);
    let ap: u64 = rt::local(24, m);
    let mut s: i32 = 0i32;
    rt::va_start(ap, va, m);
    s = 0i32;
    'l1: while ({ let o_1 = n; n = (o_1 - 1); o_1 } != 0) {
        s = (s + (rt::va_arg_i64(ap, m) as i32));
    }
    rt::va_end(ap, m);
    let r_2 = s;
    rt::unwind(fr, m);
    return r_2;
}
