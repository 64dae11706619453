//! `kqueue(2)` and `kevent(2)` (`<sys/event.h>`): macOS/iOS, FreeBSD, NetBSD, OpenBSD and
//! DragonFly.
//!
//! The `struct kevent` layout differs per OS (all LP64 sizes):
//!
//! | OS | `filter` / `flags` | `data` | extra | size | header |
//! |---|---|---|---|---|---|
//! | Apple | `int16_t` / `uint16_t` | `intptr_t` | `#pragma pack(4)`: align 4 | 32 | xnu `bsd/sys/event.h` |
//! | FreeBSD 12+ | `short` / `unsigned short` | `int64_t` | `uint64_t ext[4]` | 64 | `sys/sys/event.h` |
//! | NetBSD | `uint32_t` / `uint32_t` | `int64_t` | | 40 | `sys/sys/event.h` |
//! | OpenBSD | `short` / `unsigned short` | `int64_t` | | 32 | `sys/sys/event.h` |
//! | DragonFly | `short` / `unsigned short` | `intptr_t` | | 32 | `sys/sys/event.h` |
//!
//! The differences are private type aliases (`Filter`, `Flags`, `Data`, `Count`) plus one
//! `#[cfg]`'d field, so the struct is written once. Every field is an integer, an integer array
//! or a raw pointer: all-zero bytes are a valid `kevent`.
//!
//! FreeBSD: this is the FreeBSD 12+ ABI (the plain `kevent` symbol, version `FBSD_1.5`). FreeBSD
//! 11's 32-byte layout lives on only behind the versioned symbol `kevent@FBSD_1.0`, which is not
//! declared here; FreeBSD 11 is end-of-life and not supported.

use crate::{c_int, c_uint, c_void, timespec, uintptr_t};

/// The type of `kevent::filter` and of the `EVFILT_*` constants.
#[cfg(not(target_os = "netbsd"))]
type Filter = i16;
#[cfg(target_os = "netbsd")]
type Filter = u32;

/// The type of `kevent::flags` and of the `EV_*` constants.
#[cfg(not(target_os = "netbsd"))]
type Flags = u16;
#[cfg(target_os = "netbsd")]
type Flags = u32;

/// The type of `kevent::data`.
#[cfg(any(target_vendor = "apple", target_os = "dragonfly"))]
type Data = crate::intptr_t;
#[cfg(any(target_os = "freebsd", target_os = "netbsd", target_os = "openbsd"))]
type Data = i64;

/// The type of `kevent()`'s `nchanges` and `nevents` arguments.
#[cfg(not(target_os = "netbsd"))]
type Count = c_int;
#[cfg(target_os = "netbsd")]
type Count = crate::size_t;

/// `struct kevent` (`<sys/event.h>`): one change to submit or one event returned.
///
/// Build it zeroed and set `ident`, `filter`, `flags` (and `udata`); FreeBSD's `ext` then stays
/// zero without a `#[cfg]` at the call site.
///
/// `udata` is `void *` everywhere; on NetBSD before 10 it was `intptr_t`, which has the same size
/// and alignment.
///
/// On Apple targets the header wraps the struct in `#pragma pack(4)` (xnu `bsd/sys/event.h`), so
/// it is `packed(4)`: the same offsets, but 4-byte alignment. Copy fields out before taking
/// references to them.
#[repr(C)]
#[cfg_attr(target_vendor = "apple", repr(packed(4)))]
#[derive(Clone, Copy, Debug)]
pub struct kevent {
    /// Identifier for this event: the file descriptor for `EVFILT_READ`/`EVFILT_WRITE`.
    pub ident: uintptr_t,
    /// Filter (`EVFILT_READ`, `EVFILT_WRITE`, ...): `int16_t`, `uint32_t` on NetBSD.
    pub filter: Filter,
    /// Action and returned flags (`EV_ADD`, `EV_ERROR`, ...): `uint16_t`, `uint32_t` on NetBSD.
    pub flags: Flags,
    /// Filter-specific flags.
    pub fflags: c_uint,
    /// Filter-specific data (bytes readable, or the errno with `EV_ERROR`): `intptr_t` on
    /// Apple and DragonFly, `int64_t` on FreeBSD 12+, NetBSD and OpenBSD.
    pub data: Data,
    /// Opaque user data, returned unchanged.
    pub udata: *mut c_void,
    /// FreeBSD 12+: extensions (`ext[0..2]` filter-specific, `ext[2..4]` user values).
    #[cfg(target_os = "freebsd")]
    pub ext: [u64; 4],
}

// Inside the alias macro for the docs.rs badge (foreign items: see lib.rs).
ioselectors_kqueue! {
    extern "C" {
        /// `int kqueue(void)`—Create a new kernel event queue.
        ///
        /// The descriptor is not close-on-exec; set `FD_CLOEXEC` with `fcntl(2)` afterwards.
        ///
        /// # References
        ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kqueue.2.html)
        ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2)
        ///  - [NetBSD](https://man.netbsd.org/kqueue.2)
        ///  - [OpenBSD](https://man.openbsd.org/kqueue.2)
        ///  - [DragonFly](https://man.dragonflybsd.org/?command=kqueue&section=2)
        pub fn kqueue() -> c_int;

        /// `int kevent(int kq, const struct kevent *changelist, int nchanges,
        /// struct kevent *eventlist, int nevents, const struct timespec *timeout)`—Register
        /// events and wait. `nchanges`/`nevents` are `size_t` on NetBSD. A null `timeout` blocks.
        ///
        /// # References
        ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kevent.2.html)
        ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2)
        ///  - [NetBSD](https://man.netbsd.org/kevent.2)
        ///  - [OpenBSD](https://man.openbsd.org/kevent.2)
        ///  - [DragonFly](https://man.dragonflybsd.org/?command=kevent&section=2)
        // NetBSD <sys/event.h>: `kevent` is renamed `__kevent50` since NetBSD 5 (64-bit time_t).
        #[cfg_attr(target_os = "netbsd", link_name = "__kevent50")]
        pub fn kevent(
            kq: c_int,
            changelist: *const kevent,
            nchanges: Count,
            eventlist: *mut kevent,
            nevents: Count,
            timeout: *const timespec,
        ) -> c_int;
    }
}

/// Filter: the descriptor is readable (`-1`; `0` on NetBSD).
#[cfg(not(target_os = "netbsd"))]
pub const EVFILT_READ: Filter = -1;
/// Filter: the descriptor is writable (`-2`; `1` on NetBSD).
#[cfg(not(target_os = "netbsd"))]
pub const EVFILT_WRITE: Filter = -2;
/// Filter: the descriptor is readable (NetBSD `sys/sys/event.h`: `0`).
#[cfg(target_os = "netbsd")]
pub const EVFILT_READ: Filter = 0;
/// Filter: the descriptor is writable (NetBSD `sys/sys/event.h`: `1`).
#[cfg(target_os = "netbsd")]
pub const EVFILT_WRITE: Filter = 1;

// The EV_* values are the same on every kqueue OS; only their type differs (`Flags`).

/// Action: add the event to the queue (re-adding modifies it); implies `EV_ENABLE`.
pub const EV_ADD: Flags = 0x1;
/// Action: remove the event from the queue.
pub const EV_DELETE: Flags = 0x2;
/// Action: let `kevent()` return the event if it triggers.
pub const EV_ENABLE: Flags = 0x4;
/// Action: keep the event registered but do not return it.
pub const EV_DISABLE: Flags = 0x8;
/// Flag: delete the event after it is returned once.
pub const EV_ONESHOT: Flags = 0x10;
/// Flag: reset the event's state after it is returned (edge-triggered).
pub const EV_CLEAR: Flags = 0x20;
/// Flag: report each change back as an event with `EV_ERROR` set and `data` = errno or 0,
/// instead of draining pending events.
pub const EV_RECEIPT: Flags = 0x40;
/// Returned: an error occurred processing this change; `data` holds the errno.
pub const EV_ERROR: Flags = 0x4000;
/// Returned: end of file (the peer closed, or the pipe's other end is closed).
pub const EV_EOF: Flags = 0x8000;

// EVFILT_USER: a user-triggered event with no descriptor behind it (what a waker needs). Its
// value differs per OS; OpenBSD gained it only in 7.x, so it is not declared there.

/// Filter: user-triggered event, identified by `ident` alone (xnu `bsd/sys/event.h`: `-10`).
#[cfg(target_vendor = "apple")]
pub const EVFILT_USER: Filter = -10;
/// Filter: user-triggered event, identified by `ident` alone (`sys/sys/event.h`: `-11`).
#[cfg(target_os = "freebsd")]
pub const EVFILT_USER: Filter = -11;
/// Filter: user-triggered event, identified by `ident` alone (`sys/sys/event.h`: `-9`).
#[cfg(target_os = "dragonfly")]
pub const EVFILT_USER: Filter = -9;
/// Filter: user-triggered event, identified by `ident` alone (NetBSD 10 `sys/sys/event.h`:
/// `8`).
#[cfg(target_os = "netbsd")]
pub const EVFILT_USER: Filter = 8;
/// `fflags` for `EVFILT_USER`: trigger the event (the same value on every OS that has it).
///
/// # References
///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kevent.2.html)
///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2)
///  - [NetBSD](https://man.netbsd.org/kevent.2)
///  - [DragonFly](https://man.dragonflybsd.org/?command=kevent&section=2)
#[cfg(all(ioselectors_kqueue, not(target_os = "openbsd")))]
pub const NOTE_TRIGGER: c_uint = 0x0100_0000;
