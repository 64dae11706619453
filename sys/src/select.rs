//! `select(2)` and `fd_set` (`<sys/select.h>`).
//!
//! The word type of the bit array differs per OS; on big-endian targets it decides which byte a
//! bit lands in, so it mirrors each header exactly.

use crate::{c_int, timeval};

/// The word type of `fd_set`'s bit array (`__fd_mask` in glibc and bionic: `long`, used
/// unsigned as in the `libc` crate).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub type fd_mask = crate::c_ulong;
/// The word type of `fd_set`'s bit array (`__fd_mask`: `__int32_t` on Apple, NetBSD, OpenBSD
/// and 32-bit FreeBSD/DragonFly).
#[cfg(any(
    target_vendor = "apple",
    target_os = "netbsd",
    target_os = "openbsd",
    all(
        any(target_os = "freebsd", target_os = "dragonfly"),
        not(target_pointer_width = "64")
    )
))]
pub type fd_mask = i32;
/// The word type of `fd_set`'s bit array (`__fd_mask` is `unsigned long` in FreeBSD's and
/// DragonFly's `<sys/select.h>`; the `libc` crate declares it `i64` on 64-bit targets).
#[cfg(all(
    any(target_os = "freebsd", target_os = "dragonfly"),
    target_pointer_width = "64"
))]
pub type fd_mask = i64;
/// The word type of `fd_set`'s bit array (`fds_mask`: `long` in illumos's
/// `usr/src/uts/common/sys/select.h`).
#[cfg(ioselectors_solarish)]
pub type fd_mask = crate::c_long;

/// The number of descriptors one `fd_set` can hold (`<sys/select.h>`).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "openbsd"
))]
pub const FD_SETSIZE: usize = 1024;
/// The number of descriptors one `fd_set` can hold (NetBSD `sys/sys/fd_set.h`: 256).
#[cfg(target_os = "netbsd")]
pub const FD_SETSIZE: usize = 256;
/// The number of descriptors one `fd_set` can hold (illumos `sys/select.h`: 65536 for LP64
/// programs).
#[cfg(all(ioselectors_solarish, target_pointer_width = "64"))]
pub const FD_SETSIZE: usize = 65536;
/// The number of descriptors one `fd_set` can hold (illumos `sys/select.h`: 1024 for ILP32
/// programs).
#[cfg(all(ioselectors_solarish, not(target_pointer_width = "64")))]
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

// FD_ZERO, FD_SET and FD_CLR are not `const fn`: `&mut` in `const fn` needs Rust 1.83, above
// the workspace's rust-version.

/// `FD_ZERO(set)`: clear every bit.
pub fn FD_ZERO(set: &mut fd_set) {
    *set = fd_set {
        fds_bits: [0; FD_SETSIZE / NFDBITS],
    };
}

/// `FD_SET(fd, set)`: set `fd`'s bit. Panics (instead of C's out-of-bounds write) unless
/// `0 <= fd < FD_SETSIZE`.
pub fn FD_SET(fd: c_int, set: &mut fd_set) {
    set.fds_bits[__FD_ELT(fd)] |= __FD_MASK(fd);
}

/// `FD_CLR(fd, set)`: clear `fd`'s bit. Panics unless `0 <= fd < FD_SETSIZE`.
pub fn FD_CLR(fd: c_int, set: &mut fd_set) {
    set.fds_bits[__FD_ELT(fd)] &= !__FD_MASK(fd);
}

/// `FD_ISSET(fd, set)`: whether `fd`'s bit is set. Panics unless `0 <= fd < FD_SETSIZE`.
pub const fn FD_ISSET(fd: c_int, set: &fd_set) -> bool {
    set.fds_bits[__FD_ELT(fd)] & __FD_MASK(fd) != 0
}

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
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
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/select.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=select&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/select.2)
    ///  - [OpenBSD](https://man.openbsd.org/select.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=select&section=2)
    ///  - [illumos](https://illumos.org/man/3C/select)
    // <sys/select.h> on Intel macOS: the 10.5+ (`$1050`) and UNIX03 variants, which return
    // EINVAL for nfds > FD_SETSIZE instead of silently truncating.
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86_64"),
        link_name = "select$1050"
    )]
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "select$UNIX2003"
    )]
    // NetBSD <sys/select.h>: `select` is renamed `__select50` since NetBSD 5 (64-bit time_t).
    #[cfg_attr(target_os = "netbsd", link_name = "__select50")]
    pub fn select(
        nfds: c_int,
        readfds: *mut fd_set,
        writefds: *mut fd_set,
        errorfds: *mut fd_set,
        timeout: *mut timeval,
    ) -> c_int;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_set_bit_math() {
        let mut set = fd_set {
            fds_bits: [!0; FD_SETSIZE / NFDBITS],
        };
        FD_ZERO(&mut set);
        assert!(set.fds_bits.iter().all(|&w| w == 0));

        let last = FD_SETSIZE as c_int - 1;
        let word = NFDBITS as c_int;
        for fd in [0, 1, word - 1, word, word + 1, last] {
            assert!(!FD_ISSET(fd, &set));
            FD_SET(fd, &mut set);
            assert!(FD_ISSET(fd, &set));
        }
        // Bit `fd % NFDBITS` of word `fd / NFDBITS`, including the sign bit of signed words.
        assert_eq!(set.fds_bits[0], 0b11 | (1 << (NFDBITS - 1)));
        assert_eq!(set.fds_bits[1], 0b11);
        assert_eq!(set.fds_bits[FD_SETSIZE / NFDBITS - 1], 1 << (NFDBITS - 1));
        assert_eq!(__FD_ELT(last), FD_SETSIZE / NFDBITS - 1);

        FD_CLR(word, &mut set);
        assert!(!FD_ISSET(word, &set));
        assert!(FD_ISSET(word + 1, &set));
        assert_eq!(set.fds_bits[1], 0b10);
    }

    #[test]
    #[should_panic]
    fn fd_set_rejects_fd_setsize() {
        let mut set = fd_set {
            fds_bits: [0; FD_SETSIZE / NFDBITS],
        };
        FD_SET(FD_SETSIZE as c_int, &mut set);
    }
}
