//! File-descriptor plumbing: `open`, `close`, `read`, `write`, `fcntl`, `ioctl`, `pipe`, `dup`,
//! `dup2` (`<fcntl.h>`, `<unistd.h>`, `<sys/ioctl.h>`).

use crate::{c_char, c_int, c_void, size_t, ssize_t};

/// The type of `ioctl`'s `request` argument: `unsigned long` in glibc and the BSDs, `int` in
/// musl, bionic, illumos and Solaris.
#[cfg(any(
    target_os = "android",
    all(target_os = "linux", target_env = "musl"),
    target_os = "illumos",
    target_os = "solaris"
))]
type Ioctl = c_int;
#[cfg(not(any(
    target_os = "android",
    all(target_os = "linux", target_env = "musl"),
    target_os = "illumos",
    target_os = "solaris"
)))]
type Ioctl = crate::c_ulong;

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
extern "C" {
    /// `int open(const char *path, int oflag, ...)`—Open a file.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/open.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/open.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/open.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=open&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/open.2)
    ///  - [OpenBSD](https://man.openbsd.org/open.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=open&section=2)
    ///  - [illumos](https://illumos.org/man/2/open)
    // <fcntl.h> on 32-bit macOS: the UNIX03 variant.
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "open$UNIX2003"
    )]
    pub fn open(path: *const c_char, oflag: c_int, ...) -> c_int;

    /// `int close(int fd)`—Close a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/close.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/close.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/close.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=close&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/close.2)
    ///  - [OpenBSD](https://man.openbsd.org/close.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=close&section=2)
    ///  - [illumos](https://illumos.org/man/2/close)
    // <unistd.h> on Intel macOS: the non-cancellable variant, as std and the libc crate link it.
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "close$NOCANCEL$UNIX2003"
    )]
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86_64"),
        link_name = "close$NOCANCEL"
    )]
    pub fn close(fd: c_int) -> c_int;

    /// `pid_t getpid(void)`—The calling process's id (`pid_t` is `int` on every unix target).
    /// The kqueue backend compares it with the id recorded at `kqueue()` to tell that it runs
    /// in a `fork(2)` child, which does not inherit the kqueue.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/getpid.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=getpid&sektion=2)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/getpid.2.html)
    pub fn getpid() -> c_int;

    /// `ssize_t read(int fd, void *buf, size_t count)`—Read from a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/read.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/read.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/read.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=read&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/read.2)
    ///  - [OpenBSD](https://man.openbsd.org/read.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=read&section=2)
    ///  - [illumos](https://illumos.org/man/2/read)
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "read$UNIX2003"
    )]
    pub fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t;

    /// `ssize_t write(int fd, const void *buf, size_t count)`—Write to a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/write.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/write.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/write.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=write&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/write.2)
    ///  - [OpenBSD](https://man.openbsd.org/write.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=write&section=2)
    ///  - [illumos](https://illumos.org/man/2/write)
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "write$UNIX2003"
    )]
    pub fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t;

    /// `int fcntl(int fd, int cmd, ...)`—Manipulate a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/fcntl.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/fcntl.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/fcntl.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=fcntl&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/fcntl.2)
    ///  - [OpenBSD](https://man.openbsd.org/fcntl.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=fcntl&section=2)
    ///  - [illumos](https://illumos.org/man/2/fcntl)
    #[cfg_attr(
        all(target_os = "macos", target_arch = "x86"),
        link_name = "fcntl$UNIX2003"
    )]
    pub fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;

    /// `int ioctl(int fd, unsigned long request, ...)`—Device control. `request` is `int` in
    /// musl, bionic, illumos and Solaris.
    ///
    /// # References
    ///  - [Linux](https://man7.org/linux/man-pages/man2/ioctl.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/ioctl.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=ioctl&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/ioctl.2)
    ///  - [OpenBSD](https://man.openbsd.org/ioctl.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=ioctl&section=2)
    ///  - [illumos](https://illumos.org/man/2/ioctl)
    pub fn ioctl(fd: c_int, request: Ioctl, ...) -> c_int;

    /// `int pipe(int fds[2])`—Create a pipe.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/pipe.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/pipe.2.html)
    ///  - [macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/pipe.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=pipe&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/pipe.2)
    ///  - [OpenBSD](https://man.openbsd.org/pipe.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=pipe&section=2)
    ///  - [illumos](https://illumos.org/man/2/pipe)
    pub fn pipe(fds: *mut c_int) -> c_int;

    /// `int pipe2(int fds[2], int flags)`—Create a pipe with `O_CLOEXEC` and/or `O_NONBLOCK`
    /// set atomically on both ends. Everywhere here but Apple's OSes (which lack it: use `pipe`
    /// then `fcntl`).
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/pipe.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/pipe2.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=pipe2&sektion=2)
    ///  - [NetBSD](https://man.netbsd.org/pipe2.2)
    ///  - [OpenBSD](https://man.openbsd.org/pipe2.2)
    ///  - [DragonFly](https://man.dragonflybsd.org/?command=pipe&section=2)
    ///  - [illumos](https://illumos.org/man/2/pipe2)
    #[cfg(not(target_vendor = "apple"))]
    pub fn pipe2(fds: *mut c_int, flags: c_int) -> c_int;

    /// `int dup(int fd)`—Duplicate a file descriptor.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/dup.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/dup.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=dup&sektion=2)
    ///  - [illumos](https://illumos.org/man/3C/dup)
    pub fn dup(fd: c_int) -> c_int;

    /// `int dup2(int fd, int fd2)`—Duplicate a file descriptor onto a given number.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/dup2.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/dup2.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=dup2&sektion=2)
    ///  - [illumos](https://illumos.org/man/3C/dup2)
    pub fn dup2(fd: c_int, fd2: c_int) -> c_int;
}

// The same on every supported OS: <fcntl.h>.

/// `fcntl` command: get the descriptor flags.
pub const F_GETFD: c_int = 1;
/// `fcntl` command: set the descriptor flags.
pub const F_SETFD: c_int = 2;
/// Descriptor flag: close on `exec`.
pub const FD_CLOEXEC: c_int = 1;
/// `fcntl` command: get the file status flags (`O_NONBLOCK`, ...).
pub const F_GETFL: c_int = 3;
/// `fcntl` command: set the file status flags.
pub const F_SETFL: c_int = 4;

/// `open` flag: read only.
pub const O_RDONLY: c_int = 0;
/// `open` flag: write only.
pub const O_WRONLY: c_int = 1;
/// `open` flag: read and write.
pub const O_RDWR: c_int = 2;

// O_NONBLOCK and O_CLOEXEC differ per OS and, on Linux, per arch.

/// `open` flag: non-blocking (`<asm-generic/fcntl.h>`).
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
pub const O_NONBLOCK: c_int = 0o4000;
/// `open` flag: close on `exec` (`<asm-generic/fcntl.h>`).
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(target_arch = "sparc", target_arch = "sparc64"))
))]
pub const O_CLOEXEC: c_int = 0o2000000;
/// `open` flag: non-blocking (`arch/mips/include/uapi/asm/fcntl.h`).
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "mips",
        target_arch = "mips32r6",
        target_arch = "mips64",
        target_arch = "mips64r6"
    )
))]
pub const O_NONBLOCK: c_int = 0o200;
/// `open` flag: non-blocking (`arch/sparc/include/uapi/asm/fcntl.h`).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
pub const O_NONBLOCK: c_int = 0x4000;
/// `open` flag: close on `exec` (`arch/sparc/include/uapi/asm/fcntl.h`).
#[cfg(all(
    target_os = "linux",
    any(target_arch = "sparc", target_arch = "sparc64")
))]
pub const O_CLOEXEC: c_int = 0x400000;

/// `open` flag: non-blocking (`<sys/fcntl.h>`).
#[cfg(ioselectors_bsd)]
pub const O_NONBLOCK: c_int = 0x4;
/// `open` flag: close on `exec` (xnu `bsd/sys/fcntl.h`).
#[cfg(target_vendor = "apple")]
pub const O_CLOEXEC: c_int = 0x0100_0000;
/// `open` flag: close on `exec` (`sys/sys/fcntl.h`).
#[cfg(target_os = "freebsd")]
pub const O_CLOEXEC: c_int = 0x0010_0000;
/// `open` flag: close on `exec` (`sys/sys/fcntl.h`).
#[cfg(target_os = "dragonfly")]
pub const O_CLOEXEC: c_int = 0x0002_0000;
/// `open` flag: close on `exec` (`sys/sys/fcntl.h`).
#[cfg(target_os = "netbsd")]
pub const O_CLOEXEC: c_int = 0x0040_0000;
/// `open` flag: close on `exec` (`sys/sys/fcntl.h`).
#[cfg(target_os = "openbsd")]
pub const O_CLOEXEC: c_int = 0x1_0000;

/// `open` flag: non-blocking (`usr/src/uts/common/sys/fcntl.h`).
#[cfg(ioselectors_solarish)]
pub const O_NONBLOCK: c_int = 0x80;
/// `open` flag: close on `exec` (`usr/src/uts/common/sys/fcntl.h`).
#[cfg(ioselectors_solarish)]
pub const O_CLOEXEC: c_int = 0x80_0000;
