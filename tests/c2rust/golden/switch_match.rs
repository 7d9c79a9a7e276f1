/// `kind` (g.c:1).
pub fn kind(mut c: i32, m: &mut rt::Mem) -> u64 {
    's1: {
        match c {
            0i32 => {
                return S0;
            }
            1i32 | 2i32 => {
                return S1;
            }
            _ => {
                return S2;
            }
        }
    }
    0u64
}
