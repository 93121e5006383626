//! The committed C header is exactly what build.rs generates from `src/ffi/` (with the pinned
//! cbindgen): a change to an export, a constant or a doc comment that was not carried into
//! `include/wsaccept.h` fails here. `bash tools/header.sh` rewrites the committed copy.

#[test]
fn committed_header_is_the_generated_one() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/wsaccept.h"));
    let committed = include_str!("../include/wsaccept.h");
    if generated != committed {
        let line = generated
            .lines()
            .zip(committed.lines())
            .position(|(g, c)| g != c)
            .unwrap_or_else(|| generated.lines().count().min(committed.lines().count()));
        panic!(
            "include/wsaccept.h differs from the generated header from line {}: \
             run `bash tools/header.sh` and commit the result\n\
             generated: {:?}\ncommitted: {:?}",
            line + 1,
            generated.lines().nth(line),
            committed.lines().nth(line),
        );
    }
}
