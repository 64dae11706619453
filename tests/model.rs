//! The fuzz targets' model-based op interpreter (`tests/model/mod.rs`), run on stable Rust:
//! thousands of op sequences (including `waker()` and `wake()`) from a seeded xorshift
//! generator on every Linux backend, on `DevpollSelector`'s code over the illumos and
//! Solaris `/dev/poll` models and on `KqueueSelector`'s code over the FreeBSD, macOS, NetBSD 9
//! and 10, OpenBSD and DragonFly kqueue models of `tests/kernels/` (a quarter as many on each
//! model), the fuzz seed corpus, and a few directed sequences for the cases the model exists
//! for.
//!
//! `MODEL_SEQUENCES=N` changes the number of generated sequences per backend (default 4 000),
//! `MODEL_SEED=S` the first seed, `MODEL_CORPUS=DIR` the directory of fuzz inputs replayed
//! (default `tests/seeds/ops`, which `fuzz/` also uses as its seed corpus; it ships in the
//! package). A failure prints the backend, the seed and the op sequence.
#![cfg(any(target_os = "linux", target_os = "android"))]

#[path = "kernels/mod.rs"]
mod kernels;
#[path = "model/mod.rs"]
mod model;

use std::sync::Mutex;

use model::{decode, encode, run_ops, Backend, FdArg, Op};

/// The runs share the process's fd table and the pool numbers: one at a time.
static FDS: Mutex<()> = Mutex::new(());

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run_reporting(backend: Backend, what: &str, ops: &[Op]) {
    let res = std::panic::catch_unwind(|| run_ops(backend, ops));
    if let Err(panic) = res {
        eprintln!(
            "model divergence on {backend:?}, {what}; fuzz input (hex, first byte = backend):"
        );
        let mut bytes = vec![Backend::ALL.iter().position(|&b| b == backend).unwrap() as u8];
        bytes.extend(encode(ops));
        eprintln!(
            "{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        std::panic::resume_unwind(panic);
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn generated_sequences_match_the_model() {
    let _guard = FDS.lock().unwrap_or_else(|e| e.into_inner());
    let sequences = env_u64("MODEL_SEQUENCES", 4_000);
    let first_seed = env_u64("MODEL_SEED", 0x5eed_0001);
    let mut total_ops = 0;
    let mut total = 0;
    for backend in Backend::ALL {
        // The kernel models cost more per op: a quarter as many sequences (at least one).
        let sequences = if backend.is_model() {
            sequences.div_ceil(4)
        } else {
            sequences
        };
        total += sequences;
        for i in 0..sequences {
            let seed = first_seed.wrapping_add(i).max(1);
            let mut rng = XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
            let len = 8 + (rng.next() % 240) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let ops = decode(&bytes);
            total_ops += ops.len();
            run_reporting(
                backend,
                &format!("MODEL_SEED={seed} MODEL_SEQUENCES=1"),
                &ops,
            );
        }
    }
    eprintln!("{total} sequences, {total_ops} ops");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn seed_corpus_matches_the_model() {
    let _guard = FDS.lock().unwrap_or_else(|e| e.into_inner());
    // MODEL_CORPUS=fuzz/corpus/ops replays a local fuzz corpus instead (on every backend,
    // where the fuzzer ran each input on the one its first byte picked).
    let dir = std::env::var("MODEL_CORPUS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seeds/ops").to_string());
    let mut n = 0;
    // Seeds that differ only in their first byte (the backend) run once.
    let mut seen = std::collections::HashSet::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("seed directory")
        .map(|entry| entry.expect("dir entry").path())
        .collect();
    paths.sort();
    for path in paths {
        let bytes = std::fs::read(&path).expect("seed file");
        n += 1;
        // Every seed on every backend, not only the one its first byte picks.
        if let Some((_, rest)) = bytes.split_first() {
            if !seen.insert(rest.to_vec()) {
                continue;
            }
            for backend in Backend::ALL {
                run_reporting(backend, &path.display().to_string(), &decode(rest));
            }
        }
    }
    assert!(n > 0, "no seeds in {dir}");
    eprintln!("{n} seeds, {} distinct op sequences", seen.len());
}

/// The sequences the model was written for, spelled out (each also a seed in tests/seeds/ops).
pub fn directed() -> Vec<(&'static str, Vec<Op>)> {
    use FdArg::{Raw, Slot};
    use Op::*;
    // Slots: 0/1 pipe 0 (read/write), 2/3 pipe 1, 4/5 and 6/7 socket pairs, 8 a regular file,
    // 9..11 closed spare numbers.
    vec![
        (
            "validation order and errors",
            vec![
                Register(Slot(0), 0, 1),
                Register(Slot(0), 4, 1),
                Register(Raw(-1), 1, 1),
                Register(Raw(-1), 0, 1),
                Register(Raw(1_000_000), 1, 1),
                Register(Slot(9), 1, 1),
                Register(Slot(8), 3, 1),
                Register(Slot(0), 1, 2),
                Register(Slot(0), 3, 2),
                Modify(Slot(0), 255, 3),
                Modify(Slot(1), 1, 3),
                Modify(Raw(-100), 1, 3),
                GetKey(Slot(0)),
                GetKey(Raw(i32::MIN)),
                Unregister(Slot(1)),
                Unregister(Slot(0)),
                Close,
                Register(Slot(0), 1, 1),
                Select { borrowed: false },
                Close,
                Recreate,
            ],
        ),
        (
            "readiness follows writes, drains and hang-ups",
            vec![
                Register(Slot(0), 3, 0),
                Register(Slot(1), 3, 1),
                Register(Slot(4), 1, 4),
                Register(Slot(5), 2, 5),
                Select { borrowed: false },
                Write(1),
                Write(5),
                Select { borrowed: true },
                Drain(0),
                Select { borrowed: false },
                CloseFd(1),
                Select { borrowed: false },
                CloseFd(5),
                Select { borrowed: true },
                Modify(Slot(4), 2, 9),
                Select { borrowed: false },
                Drain(4),
                Select { borrowed: false },
            ],
        ),
        (
            "a registered number closed, then reused",
            vec![
                Register(Slot(0), 1, 0),
                Register(Slot(4), 3, 4),
                Write(1),
                Dup2(4, 9),
                CloseFd(4),
                Select { borrowed: false },
                Dup2(6, 4),
                Select { borrowed: true },
                Modify(Slot(4), 1, 7),
                Select { borrowed: false },
                Unregister(Slot(4)),
                Register(Slot(4), 1, 8),
                Write(7),
                Select { borrowed: false },
                Unregister(Slot(0)),
                Dup2(1, 0),
                Register(Slot(0), 3, 1),
                Select { borrowed: false },
            ],
        ),
        (
            "a ghost epoll entry: EEXIST for its file and number, never reported",
            vec![
                Register(Slot(4), 1, 4),
                Dup2(4, 10),
                Dup2(6, 4),
                Unregister(Slot(4)),
                Dup2(10, 4),
                Register(Slot(4), 1, 5),
                Write(5),
                Select { borrowed: false },
                Register(Slot(6), 2, 6),
                Dup2(4, 6),
                Select { borrowed: false },
                Unregister(Slot(6)),
                Register(Slot(6), 3, 7),
                Select { borrowed: true },
            ],
        ),
        (
            "an EPOLL_CTL_MOD naming a ghost: two entries for one number, then a rebuild",
            vec![
                Register(Slot(4), 1, 4),
                Dup2(4, 10),
                Dup2(6, 4),
                Unregister(Slot(4)),
                Register(Slot(4), 1, 5),
                Dup2(10, 4),
                Modify(Slot(4), 3, 6),
                Write(7),
                Select { borrowed: false },
                Select { borrowed: true },
                Write(5),
                Select { borrowed: false },
            ],
        ),
        (
            "two epoll entries under one registered number",
            vec![
                Register(Slot(4), 1, 4),
                Dup2(4, 10),
                Dup2(6, 4),
                Unregister(Slot(4)),
                Register(Slot(4), 1, 5),
                Write(5),
                Write(7),
                Select { borrowed: false },
                Select { borrowed: true },
            ],
        ),
        (
            "many small writes: the model keeps sockets writable",
            [Register(Slot(4), 2, 4), Register(Slot(5), 1, 5)]
                .into_iter()
                .chain([Write(4); 80])
                .chain([
                    Select { borrowed: false },
                    Drain(5),
                    Select { borrowed: true },
                ])
                .chain([Register(Slot(1), 2, 1), Register(Slot(0), 1, 0)])
                .chain([Write(1); 100])
                .chain([
                    Select { borrowed: false },
                    Drain(0),
                    Select { borrowed: false },
                ])
                .collect(),
        ),
        (
            "waker: invisible, coalescing, closed with its selector, kept across a rebuild",
            vec![
                Wake(0), // no handle yet: nothing
                Waker,
                GetMap,
                Register(Slot(0), 1, 0),
                Wake(0),
                Wake(0),
                Wake(1),
                Select { borrowed: false }, // [] (nothing written), the wakes drained
                Write(1),
                Wake(0),
                Select { borrowed: true }, // slot 0 only
                Waker,                     // a second handle on the same object
                Wake(1),
                // A ghost on epoll (slot 4's file lives on at 10): the next select rebuilds
                // the instance, with the waker's entry.
                Register(Slot(4), 1, 4),
                Dup2(4, 10),
                Dup2(6, 4),
                Unregister(Slot(4)),
                Write(11),
                Select { borrowed: false },
                Wake(0),
                Close,
                Wake(0), // Closed
                Waker,   // Closed
                Recreate,
                Wake(1), // still Closed: its selector is gone
                Waker,
                Wake(2),
                Select { borrowed: false },
                Recreate,
            ],
        ),
    ]
}

#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn directed_sequences_match_the_model() {
    let _guard = FDS.lock().unwrap_or_else(|e| e.into_inner());
    for (name, ops) in directed() {
        assert_eq!(
            decode(&encode(&ops)),
            ops,
            "encode/decode round trip: {name}"
        );
        for backend in Backend::ALL {
            run_reporting(backend, name, &ops);
        }
    }
}

/// Writes the directed sequences as fuzz seeds (tests/seeds/ops, shipped in the package so the
/// replay above runs from an unpacked crate too):
/// `cargo test --test model -- --ignored write_seeds`.
#[test]
#[ignore = "writes tests/seeds/ops"]
fn write_seeds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seeds/ops");
    std::fs::create_dir_all(dir).expect("mkdir");
    for (i, (_, ops)) in directed().into_iter().enumerate() {
        for (b, _) in Backend::ALL.iter().enumerate() {
            let mut bytes = vec![b as u8];
            bytes.extend(encode(&ops));
            let path = format!("{dir}/directed-{i}-{b}");
            std::fs::write(&path, &bytes).expect("write seed");
            assert_eq!(std::fs::read(&path).expect("read back"), bytes);
        }
    }
}
