/// `find` (g.c:1).
pub fn find(mut v: u64, mut n: i32, mut x: i32, m: &mut rt::Mem) -> i32 {
    let mut i: i32 = 0i32;
    let mut st: u32 = 0;
    'cfg: loop {
        match st {
            0 => {
                i = 0i32;
                'l1: while (i < n) {
                    if (rt::ld_i32((v + ((i) as i64 as u64) * 4), m) == x) {
                        st = 1;
                        continue 'cfg;
                    }
                    i = (i + 1);
                }
                return (-1i32);
                st = 1;
                continue 'cfg;
            }
            1 => {
                return i;
                break 'cfg;
            }
            _ => unreachable!(),
        }
    }
    0i32
}
