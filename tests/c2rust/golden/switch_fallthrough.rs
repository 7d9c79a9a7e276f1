/// `f` (g.c:1).
pub fn f(mut c: i32) -> i32 {
    let mut n: i32 = 0i32;
    n = 0i32;
    's1: {
        let sw_1: usize = match c {
            0i32 => 0,
            1i32 => 1,
            _ => 2,
        };
        if sw_1 == 0 {
            n = (n + 1);
        }
        if sw_1 <= 1 {
            n = (n + 1);
            break 's1;
        }
        if sw_1 <= 2 {
            n = (-1i32);
        }
    }
    return n;
}
