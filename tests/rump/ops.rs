//! The op sequences of tests/model.rs (its seed corpus, tests/seeds/ops, and sequences from its
//! generator), decoded by tests/model/mod.rs, run on a selector over NetBSD's kernel and one
//! over the NetBSD 9 kqueue model side by side: every answer must be the same.
//!
//! The interpreter itself cannot run on the rump kernel (sequences.rs says why), so each op is
//! applied to the two worlds here, with its pool rebuilt in each: slots 0-3 two pipes, 4-7 two
//! socketpairs, 8 a regular file (tmpfs in the rump kernel), 9-11 closed numbers; the raw fds
//! (negative, huge) are the same numbers in both. As in the interpreter, `Write` writes a byte
//! only where the file has a reader (no `SIGPIPE`; a regular file is left alone) and `Drain`
//! reads what is pending. Answers are compared with fds turned back into slots.

use std::os::raw::c_int;
use std::time::Duration;

use ioselectors::__kernels::kqueue::Kernel;
use ioselectors::{BaseSelector, Events};

use super::kernel::{self as rump, RumpKq};
use super::sequences::{host_pool, netbsd_model, rump_pool, HostIo, RumpIo, Sel, World};
use crate::model::{decode, FdArg, Op, SLOTS};

const RUMP_BASE: c_int = 60;
const HOST_BASE: c_int = 660;
/// Generated sequences per run (the seed corpus runs whole); `MODEL_SEQUENCES` overrides.
const GENERATED: u64 = 4_000;

/// What each slot holds: `(pair 0..4, end)` (0-1 pipes, 2-3 socketpairs), the file, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum File {
    End(usize, usize),
    Regular,
}

/// The slots' files, and the bytes pending at each receiving end (as the interpreter, at most
/// 512 in a pipe and 32 in a socket: Linux charges a whole buffer per 1-byte write to an
/// AF_UNIX socket, so more would make the host's writer unwritable, which NetBSD's is not).
struct Pool(
    [Option<File>; SLOTS],
    std::collections::HashMap<(usize, usize), usize>,
);

impl Pool {
    fn new() -> Pool {
        let mut slots = [None; SLOTS];
        for (i, slot) in slots.iter_mut().enumerate().take(8) {
            *slot = Some(File::End(i / 2, i % 2));
        }
        slots[8] = Some(File::Regular);
        Pool(slots, std::collections::HashMap::new())
    }

    /// Whether a byte written to `slot` has somewhere to go: a pipe's write end or a socket,
    /// whose peer is open somewhere in the pool.
    fn writable(&self, slot: usize) -> bool {
        match self.0[slot] {
            Some(File::End(pair, end)) => {
                (pair >= 2 || end == 1)
                    && self.0.contains(&Some(File::End(pair, 1 - end)))
                    && self.1.get(&(pair, 1 - end)).copied().unwrap_or(0)
                        < if pair >= 2 { 32 } else { 512 }
            }
            _ => false,
        }
    }

    fn readable(&self, slot: usize) -> bool {
        match self.0[slot] {
            Some(File::End(pair, end)) => pair >= 2 || end == 0,
            _ => false,
        }
    }
}

impl<K: Kernel> World<K> {
    fn fd(&self, arg: FdArg) -> c_int {
        match arg {
            FdArg::Slot(s) => self.io.base() + s as c_int,
            FdArg::Raw(fd) => fd,
        }
    }

    fn key<T: std::fmt::Debug>(&self, r: ioselectors::Result<T>) -> String {
        r.map_or_else(|e| self.error(e), |k| format!("{k:?}"))
    }

    /// Apply the interpreter's `op` (the pool bookkeeping is the caller's): the answer.
    fn apply_op(&mut self, op: &Op, pool: &Pool) -> String {
        let base = self.io.base();
        let slot = |fd: c_int| i64::from(fd) - i64::from(base);
        match *op {
            Op::Register(a, mask, data) => {
                let r = self
                    .sel
                    .register(self.fd(a), Events::from_bits_retain(mask), data)
                    .map(|k| (slot(k.fd), k.events, k.data));
                self.key(r)
            }
            Op::Modify(a, mask, data) => {
                let r = self
                    .sel
                    .modify(&self.fd(a), Events::from_bits_retain(mask), data)
                    .map(|k| (slot(k.fd), k.events, k.data));
                self.key(r)
            }
            Op::Unregister(a) => {
                let r = self
                    .sel
                    .unregister(&self.fd(a))
                    .map(|k| (slot(k.fd), k.events, k.data));
                self.key(r)
            }
            Op::GetKey(a) => {
                let r = self
                    .sel
                    .get_key(&self.fd(a))
                    .map(|k| (slot(k.fd), k.events, k.data));
                self.key(r)
            }
            Op::GetMap => match self.sel.get_map() {
                Some(map) => {
                    let v: Vec<_> = map
                        .values()
                        .map(|k| (slot(k.fd), k.events, k.data))
                        .collect();
                    format!("{v:?}")
                }
                None => "None".into(),
            },
            Op::Select { borrowed } => {
                let r: ioselectors::Result<Vec<(i64, Events, u8)>> = if borrowed {
                    self.sel
                        .select_ready(Some(Duration::ZERO))
                        .map(|it| it.map(|(k, ev)| (slot(k.fd), ev, k.data)).collect())
                } else {
                    self.sel
                        .select(Some(Duration::ZERO))
                        .map(|v| v.iter().map(|(k, ev)| (slot(k.fd), *ev, k.data)).collect())
                };
                match r {
                    Ok(mut v) => {
                        v.sort();
                        format!("{v:?}")
                    }
                    Err(e) => self.error(e),
                }
            }
            Op::Close => {
                self.sel.close();
                String::new()
            }
            Op::Recreate => {
                self.sel = Sel::with_kernel((self.make)());
                String::new()
            }
            Op::Write(s) if pool.writable(s) => self.io_result(self.io.write(base + s as c_int)),
            Op::Drain(s) if pool.readable(s) => {
                let mut total = 0;
                let last = loop {
                    match self.io.read(base + s as c_int) {
                        Ok(n) if n > 0 => total += n,
                        other => break other,
                    }
                };
                format!("{total} then {}", self.io_result(last))
            }
            Op::Write(_) | Op::Drain(_) => String::new(),
            Op::CloseFd(s) if pool.0[s].is_some() => {
                format!("{:?}", self.io.close(base + s as c_int))
            }
            Op::Dup2(a, b) if pool.0[a].is_some() && a != b => {
                format!("{:?}", self.io.dup2(base + a as c_int, base + b as c_int))
            }
            Op::CloseFd(_) | Op::Dup2(..) => String::new(),
            Op::Waker => match self.sel.waker() {
                Ok(w) => {
                    self.wakers.push(w);
                    "Ok".into()
                }
                Err(e) => self.error(e),
            },
            Op::Wake(n) => match self.wakers.len() {
                0 => String::new(),
                len => format!("{:?}", self.wakers[usize::from(n) % len].wake()),
            },
        }
    }
}

/// Run `ops` on both worlds; `Err` with the trace at the first different answer.
fn run(ops: &[Op]) -> Result<usize, String> {
    rump_pool(RUMP_BASE, true);
    host_pool(HOST_BASE, true);
    let mut kernel = World {
        sel: Sel::with_kernel(RumpKq::new()),
        make: RumpKq::new,
        wakers: Vec::new(),
        io: Box::new(RumpIo(RUMP_BASE)),
    };
    let mut model = World {
        sel: Sel::with_kernel(netbsd_model()),
        make: netbsd_model,
        wakers: Vec::new(),
        io: Box::new(HostIo(HOST_BASE)),
    };
    let mut pool = Pool::new();
    let mut trace = Vec::new();
    let mut result = Ok(ops.len());
    for op in ops {
        let (k, m) = (kernel.apply_op(op, &pool), model.apply_op(op, &pool));
        match *op {
            Op::Write(s) if pool.writable(s) => {
                if let Some(File::End(pair, end)) = pool.0[s] {
                    *pool.1.entry((pair, 1 - end)).or_default() += 1;
                }
            }
            Op::Drain(s) if pool.readable(s) => {
                if let Some(File::End(pair, end)) = pool.0[s] {
                    pool.1.remove(&(pair, end));
                }
            }
            Op::CloseFd(s) => pool.0[s] = None,
            Op::Dup2(a, b) if pool.0[a].is_some() => pool.0[b] = pool.0[a],
            _ => {}
        }
        trace.push(format!("{op:?} -> {k}"));
        if k != m {
            trace.push(format!("  the model answered {m}"));
            result = Err(trace.join("\n"));
            break;
        }
    }
    kernel.close_pool(SLOTS);
    model.close_pool(SLOTS);
    result
}

/// tests/model.rs's generator: seed → bytes → ops.
fn generated(seed: u64) -> Vec<Op> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let len = 8 + (next() % 240) as usize;
    let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
    decode(&bytes)
}

/// The seed corpus and `GENERATED` generated sequences: the kernel and the NetBSD model agree.
#[test]
fn model_op_sequences_agree() {
    let _k = rump::kernel();
    let _lock = crate::common::lock();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seeds/ops");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("seed directory")
        .map(|e| e.expect("dir entry").path())
        .collect();
    paths.sort();
    let mut seen = std::collections::HashSet::new();
    let mut sequences: Vec<(String, Vec<Op>)> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).expect("seed file");
        if let Some((_, rest)) = bytes.split_first() {
            if seen.insert(rest.to_vec()) {
                sequences.push((path.display().to_string(), decode(rest)));
            }
        }
    }
    let corpus = sequences.len();
    assert!(corpus > 0, "no seeds in {dir}");
    // As tests/model.rs: MODEL_SEQUENCES and MODEL_SEED change how many and from where.
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (count, first) = (
        env("MODEL_SEQUENCES", GENERATED),
        env("MODEL_SEED", 0x5eed_0001),
    );
    for i in 0..count {
        let seed = first.wrapping_add(i).max(1);
        sequences.push((format!("MODEL_SEED={seed}"), generated(seed)));
    }
    let mut ops = 0;
    for (name, seq) in &sequences {
        match run(seq) {
            Ok(n) => ops += n,
            Err(trace) => panic!("{name}: the kernel and the NetBSD model differ:\n{trace}"),
        }
    }
    eprintln!(
        "{} op sequences ({corpus} from the seed corpus), {ops} ops: no divergence",
        sequences.len()
    );
}
