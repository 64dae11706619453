//! `select(2)` and `fd_set` (`<sys/select.h>`).

use crate::{c_int, timeval};

/// The word type of `fd_set`'s bit array (`__fd_mask` in glibc, `fd_mask` in the BSDs).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub type fd_mask = crate::c_ulong;

/// The number of descriptors one `fd_set` can hold (`<sys/select.h>`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const FD_SETSIZE: usize = 1024;

/// Bits per `fd_mask` word.
pub const NFDBITS: usize = 8 * core::mem::size_of::<fd_mask>();

/// `fd_set` (`<sys/select.h>`): a bit array of `FD_SETSIZE` descriptors.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct fd_set {
    /// The bits, `NFDBITS` per word, descriptor `fd` at bit `fd % NFDBITS` of word
    /// `fd / NFDBITS`.
    pub fds_bits: [fd_mask; FD_SETSIZE / NFDBITS],
}

/// `__FD_ELT(fd)`: the index of the `fd_mask` word that holds `fd`'s bit. `fd` must be ≥ 0.
pub const fn __FD_ELT(fd: c_int) -> usize {
    fd as usize / NFDBITS
}

/// `__FD_MASK(fd)`: `fd`'s bit within its `fd_mask` word. `fd` must be ≥ 0.
pub const fn __FD_MASK(fd: c_int) -> fd_mask {
    1 << (fd as usize % NFDBITS)
}

/// `FD_ZERO(set)`: clear every bit.
pub const fn FD_ZERO(set: &mut fd_set) {
    *set = fd_set { fds_bits: [0; FD_SETSIZE / NFDBITS] };
}

/// `FD_SET(fd, set)`: set `fd`'s bit. Panics (instead of C's out-of-bounds write) unless
/// `0 <= fd < FD_SETSIZE`.
pub const fn FD_SET(fd: c_int, set: &mut fd_set) {
    set.fds_bits[__FD_ELT(fd)] |= __FD_MASK(fd);
}

/// `FD_CLR(fd, set)`: clear `fd`'s bit. Panics unless `0 <= fd < FD_SETSIZE`.
pub const fn FD_CLR(fd: c_int, set: &mut fd_set) {
    set.fds_bits[__FD_ELT(fd)] &= !__FD_MASK(fd);
}

/// `FD_ISSET(fd, set)`: whether `fd`'s bit is set. Panics unless `0 <= fd < FD_SETSIZE`.
pub const fn FD_ISSET(fd: c_int, set: &fd_set) -> bool {
    set.fds_bits[__FD_ELT(fd)] & __FD_MASK(fd) != 0
}

extern "C" {
    /// `int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *errorfds,
    /// struct timeval *timeout)`—Synchronous I/O multiplexing. A null `timeout` blocks.
    ///
    /// The kernel reads and writes the first `nfds` bits of each non-null set. On Linux `nfds`
    /// may exceed `FD_SETSIZE` when the sets are larger than `fd_set` (`select(2)`, "BUGS").
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/select.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/select.2.html)
    pub fn select(
        nfds: c_int,
        readfds: *mut fd_set,
        writefds: *mut fd_set,
        errorfds: *mut fd_set,
        timeout: *mut timeval,
    ) -> c_int;
}
