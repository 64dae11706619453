//! An in-memory `/dev/poll` per OS ([`Os`]), implementing
//! `ioselectors::__kernels::devpoll::Kernel`.
//!
//! Rules, with where they come from (poll(4D); illumos `usr/src/uts/common/io/devpoll.c`):
//!
//! * `write` takes `pollfd` records in order (`dpwrite`). A record ORs its `events` into the
//!   fd's cached mask ("the new events are ORed into the existing mask", which is why a mask
//!   can only shrink through `POLLREMOVE`); `POLLREMOVE` drops the fd (nothing if absent). A
//!   closed fd is accepted silently (`dpwrite` does not look the file up).
//! * `DP_POLL` polls the cached set and returns at most `dp_nfds` records with `revents`. A
//!   closed number gives `POLLNVAL`; a number reused by another file is polled as that file
//!   (`dp_pcache_poll` re-associates the cached fd with the file now at the number). With
//!   `dp_nfds >= OPEN_MAX` Solaris and illumos before 2016 fail with `EINVAL` (poll(4D)
//!   ERRORS; OpenSolaris `devpoll.c`: `if (nfds > p->p_fno_ctl) return (EINVAL)`); illumos
//!   since 2016 clamps it.
//! * "Polling on a /dev/poll file descriptor will result in POLLERR" (poll(4D) NOTES): the
//!   model's own fd is the write end of a pipe whose read end is closed, which Linux's poll
//!   reports as `POLLERR` whatever is asked.
//! * After `fork(2)` the child's writes and `DP_POLL` fail with `EACCES` (poll(4D): "the
//!   child process ... will get EACCES"; CPython's devpoll tests expect it).
//! * Readiness is `poll(2)` on the real fds with the cached masks.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};

use ioselectors::__kernels::devpoll::{pollfd, Kernel, POLLREMOVE};
use ioselectors::{Error, Result};

use super::{getpid, poll};

/// The `/dev/poll` kernels modelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// illumos since 2016: `dp_nfds` clamped.
    Illumos,
    /// Solaris (and illumos before 2016): `dp_nfds >= OPEN_MAX` is `EINVAL`.
    Solaris,
}

impl Os {
    pub const ALL: [Os; 2] = [Os::Illumos, Os::Solaris];
}

#[derive(Debug, Default)]
struct State {
    set: Vec<(RawFd, i16)>,
    /// Where each fd is in `set` (registering thousands of fds stays linear).
    index: std::collections::HashMap<RawFd, usize>,
    /// `dp_nfds` of every `DP_POLL`.
    nfds: Vec<usize>,
}

/// One modelled `/dev/poll` instance.
#[derive(Debug)]
pub struct ModelDevpoll {
    pub os: Os,
    fd: OwnedFd,
    pid: i32,
    state: Arc<Mutex<State>>,
}

/// The soft `RLIMIT_NOFILE`, which is `OPEN_MAX` for `DP_POLL`.
pub fn open_max() -> usize {
    // SAFETY: rl is valid for writes of one rlimit.
    let mut rl: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) };
    rl.rlim_cur as usize
}

impl ModelDevpoll {
    pub fn new(os: Os) -> ModelDevpoll {
        let mut fds = [0; 2];
        // SAFETY: fds is valid for writes of two ints.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // The write end moves to the read end's (lower) number, which closes the read end:
        // the write end is widowed (POLLERR when polled), and the model's fd is the lowest
        // number it took, as one open("/dev/poll") would be.
        // SAFETY: both numbers are ours; dup2 replaces the read end's file (Android's libc
        // has no dup3), then close-on-exec is set again.
        let moved = unsafe { libc::dup2(fds[1], fds[0]) };
        assert_eq!(moved, fds[0]);
        // SAFETY: F_SETFD takes one int flag; fds[0] is ours.
        let set = unsafe { libc::fcntl(fds[0], libc::F_SETFD, libc::FD_CLOEXEC) };
        assert_eq!(set, 0);
        // SAFETY: the original write-end number is ours and now redundant.
        unsafe { libc::close(fds[1]) };
        ModelDevpoll {
            os,
            // SAFETY: fds[0] now holds the write end, owned by nobody else.
            fd: unsafe { OwnedFd::from_raw_fd(fds[0]) },
            pid: getpid(),
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A handle on this kernel's state that outlives handing the model to a selector.
    pub fn probe(&self) -> Probe {
        Probe(Arc::clone(&self.state))
    }
}

/// What a test reads of a model after giving it to a selector.
#[derive(Clone, Debug)]
pub struct Probe(Arc<Mutex<State>>);

impl Probe {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached set, `(fd, mask)`.
    pub fn set(&self) -> Vec<(RawFd, i16)> {
        self.state().set.clone()
    }

    /// `dp_nfds` of every `DP_POLL` so far.
    pub fn nfds(&self) -> Vec<usize> {
        self.state().nfds.clone()
    }
}

impl Kernel for ModelDevpoll {
    fn fileno(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn write(&self, records: &[pollfd]) -> Result<()> {
        if getpid() != self.pid {
            return Err(Error::Os(libc::EACCES));
        }
        let mut st = self.state();
        for r in records {
            let pos = st.index.get(&r.fd).copied();
            if r.events & POLLREMOVE != 0 {
                if let Some(i) = pos {
                    st.set.remove(i);
                    let State { set, index, .. } = &mut *st;
                    index.remove(&r.fd);
                    for (fd, _) in &set[i..] {
                        *index.get_mut(fd).expect("indexed") -= 1;
                    }
                }
            } else if let Some(i) = pos {
                st.set[i].1 |= r.events;
            } else {
                let i = st.set.len();
                st.set.push((r.fd, r.events));
                st.index.insert(r.fd, i);
            }
        }
        Ok(())
    }

    fn dp_poll(&self, fds: &mut Vec<pollfd>, nfds: usize, timeout_ms: i32) -> Result<()> {
        fds.clear();
        if getpid() != self.pid {
            return Err(Error::Os(libc::EACCES));
        }
        let mut set: Vec<libc::pollfd> = {
            let mut st = self.state();
            st.nfds.push(nfds);
            if self.os == Os::Solaris && nfds >= open_max() {
                return Err(Error::Os(libc::EINVAL));
            }
            st.set
                .iter()
                .map(|&(fd, events)| libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                })
                .collect()
        };
        if let Err(e) = poll(&mut set, timeout_ms) {
            return Err(Error::Os(e));
        }
        fds.extend(
            set.into_iter()
                .filter(|p| p.revents != 0)
                .take(nfds)
                .map(|p| pollfd {
                    fd: p.fd,
                    events: p.events,
                    revents: p.revents,
                }),
        );
        Ok(())
    }
}
