//! Compile-time layout assertions, per target family, each naming the header it was read from.
//! A mismatch is a compile error on that target.

#![allow(dead_code)]

use core::mem::{align_of, offset_of, size_of};

#[cfg(unix)]
const _: () = {
    use crate::*;
    // <poll.h>: struct pollfd { int fd; short events; short revents; }
    assert!(size_of::<pollfd>() == 8);
    assert!(align_of::<pollfd>() == 4);
    assert!(offset_of!(pollfd, fd) == 0);
    assert!(offset_of!(pollfd, events) == 4);
    assert!(offset_of!(pollfd, revents) == 6);
    // <sys/select.h>: fd_set holds FD_SETSIZE bits.
    assert!(size_of::<fd_set>() * 8 == FD_SETSIZE);
    assert!(align_of::<fd_set>() == align_of::<fd_mask>());
    // <time.h>: struct timespec { time_t tv_sec; long tv_nsec; }
    assert!(offset_of!(timespec, tv_sec) == 0);
    assert!(offset_of!(timespec, tv_nsec) == size_of::<time_t>());
    assert!(offset_of!(timeval, tv_sec) == 0);
    assert!(offset_of!(timeval, tv_usec) == size_of::<time_t>());
};

#[cfg(any(target_os = "linux", target_os = "android"))]
const _: () = {
    use crate::*;
    // <sys/epoll.h>: packed on x86_64 (12 bytes), 16 bytes with 8-byte alignment on the
    // 64-bit arches that do not pack.
    #[cfg(target_arch = "x86_64")]
    {
        assert!(size_of::<epoll_event>() == 12);
        assert!(align_of::<epoll_event>() == 1);
        assert!(offset_of!(epoll_event, u64) == 4);
    }
    #[cfg(all(target_pointer_width = "64", not(target_arch = "x86_64")))]
    {
        assert!(size_of::<epoll_event>() == 16);
        assert!(offset_of!(epoll_event, u64) == 8);
    }
    assert!(offset_of!(epoll_event, events) == 0);
    // <sys/select.h> on 64-bit Linux: 16 words of unsigned long.
    #[cfg(target_pointer_width = "64")]
    assert!(size_of::<fd_set>() == 128);
};
