//! The kernel-free part of the /dev/poll backend: the `pollfd` records written to `/dev/poll`
//! for register, modify and unregister, the `DP_POLL` buffer size, and the translation of
//! returned events. Its unit tests compile on every unix target and run on Linux (`pollfd`
//! exists on every unix; `POLLREMOVE` is mirrored here and asserted against the sys crate in
//! `devpoll.rs`).

use ioselectors_sys::{pollfd, POLLIN, POLLOUT};

use crate::events::{from_poll_like, to_poll_like};
use crate::{Events, RawFd};

/// `POLLREMOVE` (`<sys/poll.h>`, illumos and Solaris): drop the fd from the /dev/poll set.
pub const POLLREMOVE: i16 = 0x0800;

const IN: u32 = POLLIN as u32;
const OUT: u32 = POLLOUT as u32;

/// One or two `pollfd` records, written to `/dev/poll` in one `write()`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Records {
    buf: [pollfd; 2],
    len: usize,
}

impl Records {
    fn record(fd: RawFd, events: i16) -> pollfd {
        pollfd {
            fd,
            events,
            revents: 0,
        }
    }

    /// `register(fd, events)`: one record with the mask. (/dev/poll ORs a record into the
    /// fd's cached mask; the fd is not registered yet, so the mask is exactly this.)
    pub(crate) fn register(fd: RawFd, events: Events) -> Records {
        let rec = Records::record(fd, poll_bits(events));
        Records {
            buf: [rec, rec],
            len: 1,
        }
    }

    /// `modify(fd, new)`: `POLLREMOVE`, then the new mask, since a write ORs into the cached
    /// mask and so could never drop a bit (CPython's `devpoll.modify` does the same).
    pub(crate) fn modify(fd: RawFd, new: Events) -> Records {
        Records {
            buf: [
                Records::record(fd, POLLREMOVE),
                Records::record(fd, poll_bits(new)),
            ],
            len: 2,
        }
    }

    /// `unregister(fd)`: one `POLLREMOVE` record.
    pub(crate) fn unregister(fd: RawFd) -> Records {
        let rec = Records::record(fd, POLLREMOVE);
        Records {
            buf: [rec, rec],
            len: 1,
        }
    }

    /// The records to write, in order.
    pub(crate) fn as_slice(&self) -> &[pollfd] {
        &self.buf[..self.len]
    }
}

/// The `events` field for a mask: `POLLIN` for READ, `POLLOUT` for WRITE.
fn poll_bits(events: Events) -> i16 {
    // IN | OUT fits the short field.
    to_poll_like(events, IN, OUT) as i16
}

/// `dp_nfds` for a wait: the number of registered fds (the kernel returns at most one record
/// per fd), and at least 1.
pub(crate) fn buffer_len(nkeys: usize) -> usize {
    nkeys.max(1)
}

/// A returned record's `revents` to READ/WRITE, exactly as poll (and CPython's devpoll): any
/// bit but `POLLIN` reports WRITE, any bit but `POLLOUT` reports READ. `revents` is masked to
/// 16 bits, as CPython does.
pub(crate) fn ready_events(revents: i16) -> Events {
    from_poll_like(u32::from(revents as u16), IN, OUT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use ioselectors_sys::{POLLERR, POLLHUP, POLLNVAL};

    fn fields(r: &Records) -> Vec<(RawFd, i16)> {
        r.as_slice().iter().map(|p| (p.fd, p.events)).collect()
    }

    #[test]
    fn register_writes_one_record_with_the_mask() {
        assert_eq!(fields(&Records::register(7, Events::READ)), [(7, POLLIN)]);
        assert_eq!(fields(&Records::register(7, Events::WRITE)), [(7, POLLOUT)]);
        assert_eq!(
            fields(&Records::register(7, Events::READ_WRITE)),
            [(7, POLLIN | POLLOUT)]
        );
        assert!(Records::register(7, Events::READ)
            .as_slice()
            .iter()
            .all(|p| p.revents == 0));
    }

    #[test]
    fn modify_writes_pollremove_then_the_new_mask() {
        assert_eq!(
            fields(&Records::modify(9, Events::WRITE)),
            [(9, POLLREMOVE), (9, POLLOUT)]
        );
        assert_eq!(
            fields(&Records::modify(9, Events::READ_WRITE)),
            [(9, POLLREMOVE), (9, POLLIN | POLLOUT)]
        );
    }

    #[test]
    fn unregister_writes_pollremove() {
        assert_eq!(fields(&Records::unregister(3)), [(3, POLLREMOVE)]);
        // POLLREMOVE is no request bit.
        assert_eq!(POLLREMOVE & (POLLIN | POLLOUT), 0);
    }

    #[test]
    fn buffer_is_sized_to_the_keys_and_never_empty() {
        assert_eq!(buffer_len(0), 1);
        assert_eq!(buffer_len(1), 1);
        assert_eq!(buffer_len(100), 100);
    }

    #[test]
    fn events_translate_as_poll() {
        assert_eq!(ready_events(POLLIN), Events::READ);
        assert_eq!(ready_events(POLLOUT), Events::WRITE);
        assert_eq!(ready_events(POLLIN | POLLOUT), Events::READ_WRITE);
        for other in [POLLHUP, POLLERR, POLLNVAL, POLLIN | POLLHUP] {
            assert_eq!(ready_events(other), Events::READ_WRITE, "{other:#x}");
        }
        // A negative short (high bit set) is still just bits.
        assert_eq!(ready_events(i16::MIN), Events::READ_WRITE);
        assert_eq!(ready_events(0), Events::EMPTY);
    }
}
