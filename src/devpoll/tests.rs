//! `DevpollBackend`'s own code — the records it writes, `DP_POLL`'s `dp_nfds`, the waker's
//! record and its drain — over `MemDevpoll`, a `/dev/poll` in memory that makes no system call
//! of its own. Miri runs these (the illumos and Solaris models in `tests/kernels/devpoll.rs`
//! read readiness with `poll(2)`, which Miri does not have); they run in the ordinary unit
//! tests too.
//!
//! `MemDevpoll` answers as poll(4D) says: a written record ORs its events into the fd's cached
//! mask, `POLLREMOVE` drops the fd, `DP_POLL` returns at most `dp_nfds` ready records.
//! Readiness is what the test says (`ready`), reported only for fds in the set.
// They need std (a Mutex): `cargo test --no-default-features --lib` leaves them out.
#![cfg(feature = "std")]

use super::*;
use crate::devpoll_logic::POLLREMOVE;
use crate::{BaseSelector, GenericSelector};
use alloc::vec;
use ioselectors_sys::{POLLIN, POLLOUT};
use std::sync::{Arc as StdArc, Mutex};

#[derive(Debug, Default)]
struct State {
    set: Vec<(RawFd, i16)>,
    /// `(fd, revents)` the kernel would report, if the fd is in the set.
    ready: Vec<(RawFd, i16)>,
    /// `dp_nfds` of every `DP_POLL`.
    nfds: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
struct MemDevpoll(StdArc<Mutex<State>>);

impl MemDevpoll {
    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Kernel for MemDevpoll {
    fn fileno(&self) -> RawFd {
        1000
    }

    fn write(&self, records: &[pollfd]) -> Result<()> {
        let mut st = self.st();
        for r in records {
            let pos = st.set.iter().position(|&(fd, _)| fd == r.fd);
            match pos {
                Some(i) if r.events & POLLREMOVE != 0 => {
                    st.set.remove(i);
                }
                None if r.events & POLLREMOVE != 0 => {}
                Some(i) => st.set[i].1 |= r.events,
                None => st.set.push((r.fd, r.events)),
            }
        }
        Ok(())
    }

    fn dp_poll(&self, fds: &mut Vec<pollfd>, nfds: usize, _timeout_ms: c_int) -> Result<()> {
        fds.clear();
        let mut st = self.st();
        st.nfds.push(nfds);
        for &(fd, revents) in &st.ready {
            if fds.len() < nfds {
                if let Some(&(_, events)) = st.set.iter().find(|&&(f, _)| f == fd) {
                    fds.push(pollfd {
                        fd,
                        events,
                        revents,
                    });
                }
            }
        }
        Ok(())
    }
}

type Sel = GenericSelector<DevpollBackend<MemDevpoll>, RawFd, u8>;

const R: Events = Events::READ;
const W: Events = Events::WRITE;
const RW: Events = Events::READ_WRITE;

#[test]
fn records_follow_the_keys_and_dp_nfds_counts_them() {
    // Open numbers (stdout, stderr): `register` checks that the number is open (a /dev/poll
    // write would not); nothing is done to them. (Not a socketpair: Miri refuses std's
    // socketpair flags for FreeBSD.)
    let (fa, fb) = (1, 2);
    let dp = MemDevpoll::default();
    let mut sel = Sel::with_kernel(dp.clone());
    sel.register(fa, R, 1).unwrap();
    sel.register(fb, RW, 2).unwrap();
    assert_eq!(dp.st().set, [(fa, POLLIN), (fb, POLLIN | POLLOUT)]);
    // modify: POLLREMOVE, then the new mask (records OR into the cached mask).
    sel.modify(&fb, W, 3).unwrap();
    assert_eq!(dp.st().set, [(fa, POLLIN), (fb, POLLOUT)]);
    dp.st().ready = vec![(fa, POLLIN), (fb, POLLOUT | POLLIN)];
    // The results are masked by the key's events (fb asked for WRITE only).
    assert_eq!(sel.ready_now(), [(fa, R, 1), (fb, W, 3)]);
    // dp_nfds is the number of registrations, not the buffer's capacity (poll(4D) ERRORS).
    assert_eq!(dp.st().nfds, [2]);
    sel.unregister(&fa).unwrap();
    assert_eq!(dp.st().set, [(fb, POLLOUT)]);
    assert_eq!(sel.ready_now(), [(fb, W, 3)]);
    assert_eq!(dp.st().nfds, [2, 1]);
    // Not open: EBADF before any record is written.
    assert!(matches!(sel.register(999, R, 0), Err(Error::Os(_))));
    assert_eq!(dp.st().set, [(fb, POLLOUT)]);
    sel.close();
    assert_eq!(sel.select(Some(Duration::ZERO)).err(), Some(Error::Closed));
}

#[test]
#[cfg_attr(
    all(miri, target_vendor = "apple"),
    ignore = "the waker's pipe: macOS has no pipe2, and Miri has no fcntl(F_SETFD) for its close-on-exec flag"
)]
fn the_waker_has_its_own_record_and_is_drained() {
    let fa = 1; // stdout: open, and untouched
    let dp = MemDevpoll::default();
    let mut sel = Sel::with_kernel(dp.clone());
    sel.register(fa, R, 1).unwrap();
    let waker = sel.waker().unwrap();
    let set = dp.st().set.clone();
    assert_eq!(set.len(), 2, "{set:?}");
    let wfd = set[1].0;
    assert_eq!(set[1].1, POLLIN);
    // Registering the waker's number is refused; unregistering it never removes its record.
    assert_eq!(sel.register(wfd, R, 0).err(), Some(Error::Os(EEXIST)));
    waker.wake().unwrap();
    dp.st().ready = vec![(wfd, POLLIN)];
    // The wake ends the wait with no result; dp_nfds counts the waker's record.
    assert_eq!(sel.ready_now(), []);
    assert_eq!(dp.st().nfds, [2]);
    dp.st().ready.push((fa, POLLIN));
    assert_eq!(sel.ready_now(), [(fa, R, 1)]);
    sel.unregister(&fa).unwrap();
    assert_eq!(dp.st().set, [(wfd, POLLIN)]);
    sel.close();
    assert_eq!(waker.wake(), Err(Error::Closed));
}
