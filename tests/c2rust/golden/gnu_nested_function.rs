/// `__nested_count_see` (g.c:3).
pub fn __nested_count_see(mut x: i32, m: &mut rt::Mem) {
    if (x > rt::ld_i32(rt::ld_u64(G___nested_count_see__limit, m), m)) {
        rt::st_i32(rt::ld_u64(G___nested_count_see__hits, m), (rt::ld_i32(rt::ld_u64(G___nested_count_see__hits, m), m) + 1), m);
    }
}
