//! `KqueueBackend`'s own code — `submit`, `receipts`, `wait` with its waker slot, `add_waker`
//! (`EVFILT_USER`, and the fallback when the kernel refuses it), the `Trigger`, the fork check —
//! over `MemKq`, a kqueue in memory that makes no system call. Miri runs these (the per-OS
//! models in `tests/kernels/kqueue.rs` read readiness with `poll(2)`, which Miri does not
//! have); they run in the ordinary unit tests too.
//!
//! `MemKq` answers as the kernels' man pages say (kevent(2)): changes applied in order, each
//! with an `EV_RECEIPT` entry (`EV_ERROR`, `data` = errno or 0) while there are event slots;
//! `EBADF` for a number that is not open, `ENOENT` for deleting a filter that is not there; a
//! second `EV_ADD` updates. Readiness is what the test says (`ready`), reported only for
//! knotes that exist.
// They need std (a Mutex): `cargo test --no-default-features --lib` leaves them out.
#![cfg(feature = "std")]

use super::*;
use crate::kqueue_logic::EBADF;
use crate::{BaseSelector, GenericSelector};
use alloc::vec;
use std::sync::{Arc as StdArc, Mutex};

#[derive(Debug, Default)]
struct State {
    knotes: Vec<(RawFd, Filter)>,
    /// Numbers that are not open (every other one is).
    closed: Vec<RawFd>,
    /// `(fd, filter, flags)` the kernel would report, if that knote exists.
    ready: Vec<(RawFd, Filter, u32)>,
    /// Adding this filter is refused with this errno.
    refuse: Option<(RawFd, Filter, i32)>,
    user: bool,
    fired: bool,
    forked: bool,
    /// `(nchanges, nevents)` of every `kevent`.
    calls: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
struct MemKq {
    has_user: bool,
    state: StdArc<Mutex<State>>,
}

impl MemKq {
    fn new(has_user: bool) -> MemKq {
        MemKq {
            has_user,
            state: StdArc::new(Mutex::new(State::default())),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn change(st: &mut State, c: &Change) -> i32 {
        if st.closed.contains(&c.fd) {
            return EBADF;
        }
        let key = (c.fd, c.filter);
        let pos = st.knotes.iter().position(|k| *k == key);
        match (c.action, pos) {
            (Action::Delete, Some(i)) => {
                st.knotes.remove(i);
                0
            }
            (Action::Delete, None) => logic::ENOENT,
            (_, Some(_)) => 0, // an update
            (_, None) => match st.refuse {
                Some((fd, f, errno)) if (fd, f) == key => errno,
                _ => {
                    st.knotes.push(key);
                    0
                }
            },
        }
    }

    /// `close(fd)`: the number's knotes go (kqueue(2)).
    fn close(&self, fd: RawFd) {
        let mut st = self.st();
        st.closed.push(fd);
        st.knotes.retain(|k| k.0 != fd);
    }

    /// A new file at the closed number `fd`.
    fn reopen(&self, fd: RawFd) {
        self.st().closed.retain(|&c| c != fd);
    }
}

impl Trigger for MemKq {
    fn trigger(&self) -> Result<()> {
        let mut st = self.st();
        if st.user {
            st.fired = true;
        }
        Ok(())
    }

    fn forked(&self) -> bool {
        self.st().forked
    }
}

impl Kernel for MemKq {
    type Events = Vec<Kev>;

    fn new_events() -> Vec<Kev> {
        Vec::new()
    }

    fn fileno(&self) -> RawFd {
        1000
    }

    fn kevent(
        &self,
        changes: &[Change],
        events: &mut Vec<Kev>,
        nevents: usize,
        _timeout: Option<Duration>,
    ) -> Result<()> {
        events.clear();
        let mut st = self.st();
        st.calls.push((changes.len(), nevents));
        for c in changes {
            let errno = Self::change(&mut st, c);
            if events.len() < nevents {
                events.push(Kev {
                    ident: c.fd as usize,
                    filter: Some(c.filter),
                    flags: EV_ERROR,
                    data: errno.into(),
                    user: false,
                });
            } else if errno != 0 {
                return Err(Error::Os(errno));
            }
        }
        if !changes.is_empty() || nevents == 0 {
            return Ok(());
        }
        let State {
            knotes,
            ready,
            user,
            fired,
            ..
        } = &mut *st;
        for &(fd, filter, flags) in ready.iter() {
            if knotes.contains(&(fd, filter)) && events.len() < nevents {
                events.push(Kev {
                    ident: fd as usize,
                    filter: Some(filter),
                    flags,
                    data: 0,
                    user: false,
                });
            }
        }
        if *user && *fired && events.len() < nevents {
            *fired = false; // EV_CLEAR
            events.push(Kev {
                ident: USER_IDENT,
                filter: None,
                flags: 0,
                data: 0,
                user: true,
            });
        }
        Ok(())
    }

    fn add_user(&self, events: &mut Vec<Kev>) -> Result<()> {
        events.clear();
        let mut st = self.st();
        st.calls.push((1, 1));
        st.user = self.has_user;
        events.push(Kev {
            ident: USER_IDENT,
            filter: None,
            flags: EV_ERROR,
            data: if self.has_user { 0 } else { EINVAL.into() },
            user: true,
        });
        Ok(())
    }

    fn returned(events: &Vec<Kev>) -> usize {
        events.len()
    }

    fn entry(events: &Vec<Kev>, i: usize) -> Kev {
        events[i]
    }
}

type Sel = GenericSelector<KqueueBackend<MemKq>, RawFd, u8>;

const R: Events = Events::READ;
const W: Events = Events::WRITE;
const RW: Events = Events::READ_WRITE;

fn sorted(mut v: Vec<(RawFd, Filter)>) -> Vec<(RawFd, Filter)> {
    v.sort_by_key(|&(fd, f)| (fd, f == Filter::Write));
    v
}

#[test]
fn register_select_modify_unregister() {
    use Filter::{Read, Write};
    let kq = MemKq::new(true);
    let mut sel = Sel::with_kernel(kq.clone());
    sel.register(3, R, 1).unwrap();
    sel.register(4, RW, 2).unwrap();
    sel.register(5, W, 3).unwrap();
    assert_eq!(
        sorted(kq.st().knotes.clone()),
        [(3, Read), (4, Read), (4, Write), (5, Write)]
    );
    // Every change list got as many event slots as changes (one receipt each).
    assert!(
        kq.st().calls.iter().all(|&(c, n)| c == n),
        "{:?}",
        kq.st().calls
    );

    // Two filters of one fd merge into one entry; a filter without a knote is not reported.
    kq.st().ready = vec![
        (3, Read, 0),
        (4, Write, 0),
        (4, Read, EV_EOF),
        (3, Write, 0),
    ];
    assert_eq!(sel.ready_now(), [(3, R, 1), (4, RW, 2)]);
    // The event list has one slot per registered filter.
    assert_eq!(kq.st().calls.last(), Some(&(0, 4)));

    // modify: an EV_ADD for each new filter (an update for READ), EV_DELETE for the old.
    sel.modify(&4, R, 7).unwrap();
    assert_eq!(
        sorted(kq.st().knotes.clone()),
        [(3, Read), (4, Read), (5, Write)]
    );
    assert_eq!(sel.ready_now(), [(3, R, 1), (4, R, 7)]);
    assert_eq!(kq.st().calls.last(), Some(&(0, 3)));

    sel.unregister(&3).unwrap();
    sel.unregister(&4).unwrap();
    assert_eq!(kq.st().knotes, [(5, Write)]);
    assert!(sel.ready_now().is_empty());
    sel.close();
    assert_eq!(sel.select(Some(Duration::ZERO)).err(), Some(Error::Closed));
}

#[test]
fn a_refused_filter_rolls_back_the_other() {
    use Filter::{Read, Write};
    let kq = MemKq::new(true);
    kq.st().refuse = Some((6, Write, 32)); // EPIPE: a pipe whose reader is gone (FreeBSD)
    let mut sel = Sel::with_kernel(kq.clone());
    assert_eq!(sel.register(6, RW, 0).err(), Some(Error::Os(32)));
    assert!(kq.st().knotes.is_empty(), "{:?}", kq.st().knotes);
    assert!(sel.get_key(&6).is_err());
    // modify READ -> READ|WRITE refused: the key is dropped and the number keeps no knote.
    sel.register(6, R, 1).unwrap();
    assert_eq!(sel.modify(&6, RW, 2).err(), Some(Error::Os(32)));
    assert!(kq.st().knotes.is_empty(), "{:?}", kq.st().knotes);
    assert!(sel.get_key(&6).is_err());
    // Not open: EBADF, nothing registered.
    kq.close(9);
    assert_eq!(sel.register(9, R, 0).err(), Some(Error::Os(EBADF)));
    sel.register(7, W, 3).unwrap();
    assert_eq!(kq.st().knotes, [(7, Write)]);
    assert_eq!(sel.ready_now(), []);
    kq.st().ready = vec![(7, Write, 0), (7, Read, 0)];
    assert_eq!(sel.ready_now(), [(7, W, 3)]);
}

#[test]
fn a_closed_number_is_unregistered_quietly_and_modify_reads_it() {
    use Filter::{Read, Write};
    let kq = MemKq::new(true);
    let mut sel = Sel::with_kernel(kq.clone());
    sel.register(3, R, 1).unwrap();
    sel.register(4, R, 2).unwrap();
    kq.close(3);
    // EBADF from the deletes is not an error (CPython ignores it too).
    assert_eq!(sel.unregister(&3).map(|k| k.fd), Ok(3));
    // The number reused by another file: the knote went with the close, so modify adds every
    // filter of the new mask again (READ included), on the file now there.
    kq.close(4);
    kq.reopen(4);
    sel.modify(&4, RW, 3).unwrap();
    assert_eq!(sorted(kq.st().knotes.clone()), [(4, Read), (4, Write)]);
    kq.st().ready = vec![(4, Read, 0)];
    assert_eq!(sel.ready_now(), [(4, R, 3)]);
}

#[test]
fn waker_is_the_user_filter() {
    let kq = MemKq::new(true);
    let mut sel = Sel::with_kernel(kq.clone());
    sel.register(3, R, 1).unwrap();
    let waker = sel.waker().unwrap();
    assert!(kq.st().user);
    waker.wake().unwrap();
    assert!(kq.st().fired);
    // The wake ends the wait with no result; the waker's slot is in the event list.
    assert_eq!(sel.ready_now(), []);
    assert_eq!(kq.st().calls.last(), Some(&(0, 2)));
    assert!(!kq.st().fired);
    kq.st().ready = vec![(3, Filter::Read, 0)];
    waker.wake().unwrap();
    assert_eq!(sel.ready_now(), [(3, R, 1)]);
    sel.close();
    assert_eq!(waker.wake(), Err(Error::Closed));
}

#[test]
#[cfg_attr(
    all(miri, target_vendor = "apple"),
    ignore = "the waker's pipe: macOS has no pipe2, and Miri has no fcntl(F_SETFD) for its close-on-exec flag"
)]
fn waker_falls_back_to_an_fd_without_evfilt_user() {
    let kq = MemKq::new(false);
    let mut sel = Sel::with_kernel(kq.clone());
    let waker = sel.waker().unwrap();
    let knotes = kq.st().knotes.clone();
    assert_eq!(
        knotes.len(),
        1,
        "the fallback's read end, watched: {knotes:?}"
    );
    let (fd, filter) = knotes[0];
    assert_eq!(filter, Filter::Read);
    // Its number is the waker's: registering it by number is refused, as on epoll.
    assert_eq!(sel.register(fd, R, 0).err(), Some(Error::Os(17)));
    waker.wake().unwrap();
    kq.st().ready = vec![(fd, Filter::Read, 0)];
    assert_eq!(sel.ready_now(), []);
    // (A number far from the waker's, which the process's lowest free number gave it.)
    sel.register(500, R, 5).unwrap();
    kq.st().ready.push((500, Filter::Read, 0));
    assert_eq!(sel.ready_now(), [(500, R, 5)]);
}

#[test]
fn a_fork_child_sees_a_closed_selector_and_makes_no_call() {
    let kq = MemKq::new(true);
    let mut sel = Sel::with_kernel(kq.clone());
    sel.register(3, R, 1).unwrap();
    let waker = sel.waker().unwrap();
    let calls = kq.st().calls.len();
    kq.st().forked = true;
    assert_eq!(sel.fileno(), Err(Error::Closed));
    assert_eq!(waker.wake(), Err(Error::Closed));
    assert_eq!(sel.select(Some(Duration::ZERO)).err(), Some(Error::Closed));
    assert_eq!(sel.register(4, W, 1).err(), Some(Error::Closed));
    assert_eq!(kq.st().calls.len(), calls, "no kevent call in the child");
}
