//! `errno` and the error numbers the safe layer matches on (`<errno.h>`).
//!
//! The accessor is exported under each OS's own symbol name, and also as [`errno_location`], a
//! plain re-export so portable code need not know the symbol.

use crate::c_int;

extern "C" {
    /// `int *__errno_location(void)`—The calling thread's `errno` (glibc, musl).
    ///
    /// # References
    ///  - [Linux](https://man7.org/linux/man-pages/man3/errno.3.html)
    #[cfg(target_os = "linux")]
    pub fn __errno_location() -> *mut c_int;

    /// `int *__errno(void)`—The calling thread's `errno` (bionic).
    #[cfg(target_os = "android")]
    pub fn __errno() -> *mut c_int;
}

/// The calling thread's `errno` accessor, whatever its symbol on this OS.
#[cfg(target_os = "linux")]
pub use __errno_location as errno_location;
/// The calling thread's `errno` accessor, whatever its symbol on this OS.
#[cfg(target_os = "android")]
pub use __errno as errno_location;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod values {
    use crate::c_int;
    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    /// Operation not permitted.
    pub const EPERM: c_int = 1;
    /// No such file or directory.
    pub const ENOENT: c_int = 2;
    /// Interrupted system call.
    pub const EINTR: c_int = 4;
    /// Bad file descriptor.
    pub const EBADF: c_int = 9;
    /// Resource temporarily unavailable.
    pub const EAGAIN: c_int = 11;
    /// Operation would block (same as `EAGAIN`).
    pub const EWOULDBLOCK: c_int = EAGAIN;
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
    /// Function not implemented.
    pub const ENOSYS: c_int = 38;
}
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use values::*;
