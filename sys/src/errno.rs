//! `errno` and the error numbers the safe layer matches on (`<errno.h>`).
//!
//! The accessor is exported under each OS's own symbol name, and also as [`errno_location`], a
//! plain re-export so portable code need not know the symbol:
//!
//! | OS | symbol |
//! |---|---|
//! | Linux (glibc, musl), DragonFly | `__errno_location` |
//! | Android (bionic), NetBSD, OpenBSD | `__errno` |
//! | FreeBSD, Apple | `__error` |
//! | illumos, Solaris | `___errno` |

use crate::c_int;

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
extern "C" {
    /// `int *__errno_location(void)`—The calling thread's `errno` (glibc, musl; DragonFly's
    /// libc exports it too, next to its `errno` TLS variable).
    ///
    /// # References
    ///  - [Linux](https://man7.org/linux/man-pages/man3/errno.3.html)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=errno&section=2)
    #[cfg(any(target_os = "linux", target_os = "dragonfly"))]
    pub fn __errno_location() -> *mut c_int;

    /// `int *__errno(void)`—The calling thread's `errno` (bionic, NetBSD, OpenBSD).
    ///
    /// # References
    ///  - [NetBSD](https://man.netbsd.org/errno.2)
    ///  - [OpenBSD](https://man.openbsd.org/errno.2)
    #[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
    pub fn __errno() -> *mut c_int;

    /// `int *__error(void)`—The calling thread's `errno` (FreeBSD, Apple).
    ///
    /// # References
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=errno&sektion=2)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/intro.2.html)
    #[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
    pub fn __error() -> *mut c_int;

    /// `int *___errno(void)`—The calling thread's `errno` (illumos, Solaris; three
    /// underscores).
    ///
    /// # References
    ///  - [illumos](https://illumos.org/man/3C/errno)
    #[cfg(any(target_os = "illumos", target_os = "solaris"))]
    pub fn ___errno() -> *mut c_int;
}

/// `int *errno_location(void)`—The calling thread's `errno` accessor, whatever its symbol on
/// this OS (`___errno`).
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
pub use ___errno as errno_location;
/// `int *errno_location(void)`—The calling thread's `errno` accessor, whatever its symbol on
/// this OS (`__errno`).
#[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
pub use __errno as errno_location;
/// `int *errno_location(void)`—The calling thread's `errno` accessor, whatever its symbol on
/// this OS (`__errno_location`).
#[cfg(any(target_os = "linux", target_os = "dragonfly"))]
pub use __errno_location as errno_location;
/// `int *errno_location(void)`—The calling thread's `errno` accessor, whatever its symbol on
/// this OS (`__error`).
#[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
pub use __error as errno_location;

// The same value on every supported OS (Linux `<asm-generic/errno-base.h>`, the BSDs'
// `<sys/errno.h>`, illumos `usr/src/uts/common/sys/errno.h`): the V7 numbers 1..34.

/// Operation not permitted.
pub const EPERM: c_int = 1;
/// No such file or directory.
pub const ENOENT: c_int = 2;
/// Interrupted system call.
pub const EINTR: c_int = 4;
/// Bad file descriptor.
pub const EBADF: c_int = 9;
/// Out of memory.
pub const ENOMEM: c_int = 12;
/// Bad address.
pub const EFAULT: c_int = 14;
/// File exists.
pub const EEXIST: c_int = 17;
/// Invalid argument.
pub const EINVAL: c_int = 22;
/// Too many open files in system.
pub const ENFILE: c_int = 23;
/// Too many open files.
pub const EMFILE: c_int = 24;
/// No space left on device.
pub const ENOSPC: c_int = 28;
/// Broken pipe.
pub const EPIPE: c_int = 32;

/// Resource temporarily unavailable (`<asm-generic/errno-base.h>`, illumos `sys/errno.h`).
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "illumos",
    target_os = "solaris"
))]
pub const EAGAIN: c_int = 11;
/// Resource temporarily unavailable (`<sys/errno.h>`).
#[cfg(ioselectors_bsd)]
pub const EAGAIN: c_int = 35;
/// Operation would block (same as `EAGAIN` on every supported OS).
pub const EWOULDBLOCK: c_int = EAGAIN;

/// Function not implemented (`<asm-generic/errno.h>`).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "mips",
        target_arch = "mips32r6",
        target_arch = "mips64",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    ))
))]
pub const ENOSYS: c_int = 38;
/// Function not implemented (`arch/mips/include/uapi/asm/errno.h`).
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "mips",
        target_arch = "mips32r6",
        target_arch = "mips64",
        target_arch = "mips64r6"
    )
))]
pub const ENOSYS: c_int = 89;
/// Function not implemented (`arch/sparc/include/uapi/asm/errno.h`).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
pub const ENOSYS: c_int = 90;
/// Function not implemented (`<sys/errno.h>`).
#[cfg(ioselectors_bsd)]
pub const ENOSYS: c_int = 78;
/// Function not implemented (`usr/src/uts/common/sys/errno.h`).
#[cfg(ioselectors_solarish)]
pub const ENOSYS: c_int = 89;
