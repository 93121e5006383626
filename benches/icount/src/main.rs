// Instruction-count driver (benches/icount/run.sh): N keys, REPS times, through one forced
// backend's batch on one thread.
use wsaccept::{accept_keys, Accept, Backend, BackendKind, BatchOptions, KEY_LEN};
fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap();
    let n: usize = args.next().unwrap().parse().unwrap();
    let reps: usize = args.next().map_or(1, |r| r.parse().unwrap());
    let kind = BackendKind::from_name(&name).unwrap();
    let backend = Backend::new(kind).expect("backend available");
    // Deterministic valid keys: 16 bytes of a counter, base64 (22 chars + "==").
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let keys: Vec<[u8; KEY_LEN]> = (0..n as u64)
        .map(|i| {
            let mut k = [b'A'; KEY_LEN];
            let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for j in 0..21 {
                k[j] = B64[((x >> (j % 10 * 6)) as usize ^ j) & 63];
            }
            k[21] = b'A';
            k[22] = b'=';
            k[23] = b'=';
            k
        })
        .collect();
    let mut out = vec![Accept::ZEROED; n];
    let opts = BatchOptions::default().threads(1).backend(backend);
    let mut bad = 0;
    for _ in 0..reps {
        bad += accept_keys(&keys, &mut out, None, &opts).unwrap();
    }
    assert_eq!(bad, 0);
    println!("{} {}", name, out[n - 1]);
}
