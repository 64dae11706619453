//! Compile-time layout assertions, per target family, each naming the header it was read from.
//! A mismatch is a compile error on that target (`cargo check --target T` evaluates them).
//!
//! `tests/sys_layout.rs` in the `ioselectors` package checks the same items against the `libc`
//! crate; these asserts pin the expected numbers so the crate stands on its own.

#![allow(dead_code)]

#[cfg(unix)]
use core::mem::{align_of, offset_of, size_of};

// ---------------------------------------------------------------------------------------------
// All unix.

#[cfg(unix)]
const _: () = {
    use crate::*;
    // <poll.h>: struct pollfd { int fd; short events; short revents; }
    assert!(size_of::<pollfd>() == 8);
    assert!(align_of::<pollfd>() == 4);
    assert!(offset_of!(pollfd, fd) == 0);
    assert!(offset_of!(pollfd, events) == 4);
    assert!(offset_of!(pollfd, revents) == 6);
    // <sys/select.h>: fd_set holds FD_SETSIZE bits in fd_mask words.
    assert!(size_of::<fd_set>() * 8 == FD_SETSIZE);
    assert!(FD_SETSIZE % NFDBITS == 0);
    assert!(align_of::<fd_set>() == align_of::<fd_mask>());
    assert!(NFDBITS == fd_mask::BITS as usize);
    // <time.h>: struct timespec { time_t tv_sec; long tv_nsec; }
    assert!(offset_of!(timespec, tv_sec) == 0);
    assert!(offset_of!(timespec, tv_nsec) == size_of::<time_t>());
    // <sys/time.h>: struct timeval { time_t tv_sec; suseconds_t tv_usec; }
    assert!(offset_of!(timeval, tv_sec) == 0);
    assert!(offset_of!(timeval, tv_usec) == size_of::<time_t>());
};

// LP64 unix: 16-byte timespec and timeval (Apple's 4-byte `suseconds_t` is padded to 16 too).
#[cfg(all(unix, target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(size_of::<timespec>() == 16);
    assert!(align_of::<timespec>() == 8);
    assert!(size_of::<timeval>() == 16);
    assert!(align_of::<timeval>() == 8);
    assert!(size_of::<time_t>() == 8);
};

// ---------------------------------------------------------------------------------------------
// fd_set sizes per OS (<sys/select.h>).

// Linux/Android (glibc <bits/typesizes.h> __FD_SETSIZE 1024; bionic <sys/select.h>): 1024 bits
// of unsigned long.
#[cfg(any(target_os = "linux", target_os = "android"))]
const _: () = {
    use crate::*;
    assert!(size_of::<fd_set>() == 128);
    assert!(size_of::<fd_mask>() == size_of::<c_ulong>());
};

// Apple (xnu bsd/sys/_types/_fd_def.h), OpenBSD (sys/sys/select.h): 1024 bits of int32_t.
#[cfg(any(target_vendor = "apple", target_os = "openbsd"))]
const _: () = {
    use crate::*;
    assert!(size_of::<fd_set>() == 128);
    assert!(align_of::<fd_set>() == 4);
};

// NetBSD (sys/sys/fd_set.h): 256 bits of uint32_t.
#[cfg(target_os = "netbsd")]
const _: () = {
    use crate::*;
    assert!(size_of::<fd_set>() == 32);
    assert!(align_of::<fd_set>() == 4);
};

// FreeBSD, DragonFly (sys/sys/select.h): 1024 bits of unsigned long.
#[cfg(all(
    any(target_os = "freebsd", target_os = "dragonfly"),
    target_pointer_width = "64"
))]
const _: () = {
    use crate::*;
    assert!(size_of::<fd_set>() == 128);
    assert!(align_of::<fd_set>() == 8);
};

// illumos, Solaris LP64 (usr/src/uts/common/sys/select.h): 65536 bits of long.
#[cfg(all(ioselectors_solarish, target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(size_of::<fd_set>() == 8192);
    assert!(align_of::<fd_set>() == 8);
};

// ---------------------------------------------------------------------------------------------
// epoll_event.

#[cfg(any(target_os = "linux", target_os = "android"))]
const _: () = {
    use crate::*;
    assert!(offset_of!(epoll_event, events) == 0);
    // <sys/epoll.h> / <linux/eventpoll.h>: packed on x86_64 (12 bytes, align 1).
    #[cfg(target_arch = "x86_64")]
    {
        assert!(size_of::<epoll_event>() == 12);
        assert!(align_of::<epoll_event>() == 1);
        assert!(offset_of!(epoll_event, u64) == 4);
    }
    // 32-bit x86: 12 bytes either way (u64 is 4-aligned on i386); packed (align 1) under glibc.
    #[cfg(target_arch = "x86")]
    {
        assert!(size_of::<epoll_event>() == 12);
        assert!(offset_of!(epoll_event, u64) == 4);
    }
    // Every other arch: natural alignment, 16 bytes.
    #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
    {
        assert!(size_of::<epoll_event>() == 16);
        assert!(align_of::<epoll_event>() == 8);
        assert!(offset_of!(epoll_event, u64) == 8);
    }
};

// illumos usr/src/uts/common/sys/epoll.h: `#pragma pack(4)` on x86/x86_64 (12 bytes, align 4).
#[cfg(target_os = "illumos")]
const _: () = {
    use crate::*;
    assert!(offset_of!(epoll_event, events) == 0);
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        assert!(size_of::<epoll_event>() == 12);
        assert!(align_of::<epoll_event>() == 4);
        assert!(offset_of!(epoll_event, u64) == 4);
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        assert!(size_of::<epoll_event>() == 16);
        assert!(offset_of!(epoll_event, u64) == 8);
    }
};

// ---------------------------------------------------------------------------------------------
// struct kevent (<sys/event.h>), LP64.

// Common prefix on every kqueue OS: uintptr_t ident at 0, filter at 8.
#[cfg(all(ioselectors_bsd, target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(offset_of!(kevent, ident) == 0);
    assert!(offset_of!(kevent, filter) == 8);
};

// xnu bsd/sys/event.h: `#pragma pack(4)` around struct kevent.
#[cfg(all(target_vendor = "apple", target_pointer_width = "64"))]
const _: () = assert!(core::mem::align_of::<crate::kevent>() == 4);

// FreeBSD, NetBSD, OpenBSD, DragonFly sys/sys/event.h: natural alignment.
#[cfg(all(
    any(
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ),
    target_pointer_width = "64"
))]
const _: () = assert!(core::mem::align_of::<crate::kevent>() == 8);

// Apple (xnu bsd/sys/event.h), OpenBSD and DragonFly (sys/sys/event.h): 16-bit filter and
// flags, 32-bit fflags, 64-bit data, pointer udata: 32 bytes.
#[cfg(all(
    any(
        target_vendor = "apple",
        target_os = "openbsd",
        target_os = "dragonfly"
    ),
    target_pointer_width = "64"
))]
const _: () = {
    use crate::*;
    assert!(size_of::<kevent>() == 32);
    assert!(offset_of!(kevent, flags) == 10);
    assert!(offset_of!(kevent, fflags) == 12);
    assert!(offset_of!(kevent, data) == 16);
    assert!(offset_of!(kevent, udata) == 24);
};

// FreeBSD 12+ (sys/sys/event.h): int64_t data and uint64_t ext[4]: 64 bytes.
#[cfg(all(target_os = "freebsd", target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(size_of::<kevent>() == 64);
    assert!(offset_of!(kevent, flags) == 10);
    assert!(offset_of!(kevent, fflags) == 12);
    assert!(offset_of!(kevent, data) == 16);
    assert!(offset_of!(kevent, udata) == 24);
    assert!(offset_of!(kevent, ext) == 32);
};

// NetBSD (sys/sys/event.h): uint32_t filter and flags: 40 bytes.
#[cfg(all(target_os = "netbsd", target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(size_of::<kevent>() == 40);
    assert!(offset_of!(kevent, flags) == 12);
    assert!(offset_of!(kevent, fflags) == 16);
    assert!(offset_of!(kevent, data) == 24);
    assert!(offset_of!(kevent, udata) == 32);
};

// ---------------------------------------------------------------------------------------------
// struct dvpoll (illumos usr/src/uts/common/sys/devpoll.h, first three fields).

#[cfg(all(ioselectors_solarish, target_pointer_width = "64"))]
const _: () = {
    use crate::*;
    assert!(size_of::<dvpoll>() == 24);
    assert!(align_of::<dvpoll>() == 8);
    assert!(offset_of!(dvpoll, dp_fds) == 0);
    assert!(offset_of!(dvpoll, dp_nfds) == 8);
    assert!(offset_of!(dvpoll, dp_timeout) == 16);
    // DPIOC | 1 == 0xD001.
    assert!(DP_POLL == 0xD001);
};
