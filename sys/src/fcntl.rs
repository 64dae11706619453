//! File-descriptor plumbing: `open`, `close`, `read`, `write`, `fcntl`, `ioctl`, `pipe`, `dup2`
//! (`<fcntl.h>`, `<unistd.h>`, `<sys/ioctl.h>`).

use crate::{c_char, c_int, c_void};

/// `ssize_t` (`<sys/types.h>`).
pub type ssize_t = isize;
/// `size_t` (`<stddef.h>`).
pub type size_t = usize;

extern "C" {
    /// `int open(const char *path, int oflag, ...)`—Open a file.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/open.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/open.2.html)
    pub fn open(path: *const c_char, oflag: c_int, ...) -> c_int;

    /// `int close(int fd)`—Close a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/close.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/close.2.html)
    pub fn close(fd: c_int) -> c_int;

    /// `ssize_t read(int fd, void *buf, size_t count)`—Read from a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/read.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/read.2.html)
    pub fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t;

    /// `ssize_t write(int fd, const void *buf, size_t count)`—Write to a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/write.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/write.2.html)
    pub fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t;

    /// `int fcntl(int fd, int cmd, ...)`—Manipulate a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/fcntl.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/fcntl.2.html)
    pub fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;

    /// `int ioctl(int fd, unsigned long request, ...)` (`int request` on illumos and Solaris)—
    /// Device control.
    ///
    /// # References
    ///  - [Linux](https://man7.org/linux/man-pages/man2/ioctl.2.html)
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn ioctl(fd: c_int, request: crate::c_ulong, ...) -> c_int;

    /// `int pipe(int fds[2])`—Create a pipe.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/pipe.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/pipe.2.html)
    pub fn pipe(fds: *mut c_int) -> c_int;

    /// `int dup(int fd)`—Duplicate a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/dup.html)
    pub fn dup(fd: c_int) -> c_int;

    /// `int dup2(int fd, int fd2)`—Duplicate a file descriptor onto a given number.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/dup2.html)
    pub fn dup2(fd: c_int, fd2: c_int) -> c_int;
}

/// `fcntl` command: get the descriptor flags.
pub const F_GETFD: c_int = 1;
/// `fcntl` command: set the descriptor flags.
pub const F_SETFD: c_int = 2;
/// Descriptor flag: close on `exec`.
pub const FD_CLOEXEC: c_int = 1;

/// `open` flag: read only.
pub const O_RDONLY: c_int = 0;
/// `open` flag: write only.
pub const O_WRONLY: c_int = 1;
/// `open` flag: read and write.
pub const O_RDWR: c_int = 2;

#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64", target_arch = "powerpc", target_arch = "powerpc64"))
))]
mod linux_generic {
    use crate::c_int;
    // <asm-generic/fcntl.h>
    /// `open` flag: non-blocking.
    pub const O_NONBLOCK: c_int = 0o4000;
    /// `open` flag: close on `exec`.
    pub const O_CLOEXEC: c_int = 0o2000000;
}
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64", target_arch = "powerpc", target_arch = "powerpc64"))
))]
pub use linux_generic::*;
