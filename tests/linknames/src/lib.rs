//! Every function `ioselectors-sys` declares on the target, referenced by address from one
//! exported function, so that the object file imports each one under the symbol name its
//! declaration gives (`link_name`s such as NetBSD's `__kevent50` or macOS's `select$1050`
//! included). With the `oracle` feature the same C functions are taken from the `libc` crate
//! (`windows-sys` on Windows) instead. `.ci/linknames` builds both as object code for each
//! target and compares the undefined symbols: they must be the same.
#![no_std]

#[cfg(all(unix, not(feature = "oracle")))]
use ioselectors_sys as c;
#[cfg(all(unix, feature = "oracle"))]
use libc as c;

#[cfg(all(windows, not(feature = "oracle")))]
use ioselectors_sys as c;
#[cfg(all(windows, feature = "oracle"))]
mod c {
    pub use windows_sys::Win32::Networking::WinSock::{
        bind, closesocket, connect, getsockname, getsockopt, ioctlsocket, recv, select, send,
        socket, WSACleanup, WSAGetLastError, WSAStartup,
    };
    pub use windows_sys::Win32::System::Performance::{
        QueryPerformanceCounter, QueryPerformanceFrequency,
    };
    pub use windows_sys::Win32::System::Threading::Sleep;
}

/// The addresses of the functions, in `out` (as many as fit). Cannot panic, so the object file
/// imports nothing but the functions.
#[no_mangle]
pub fn linknames(out: &mut [usize]) {
    let all = [
        // sys/src/fcntl.rs, poll.rs, select.rs, time.rs, errno.rs: every unix.
        #[cfg(unix)]
        (c::open as *const () as usize),
        #[cfg(unix)]
        (c::close as *const () as usize),
        #[cfg(unix)]
        (c::getpid as *const () as usize),
        #[cfg(unix)]
        (c::read as *const () as usize),
        #[cfg(unix)]
        (c::write as *const () as usize),
        #[cfg(unix)]
        (c::fcntl as *const () as usize),
        #[cfg(unix)]
        (c::ioctl as *const () as usize),
        #[cfg(unix)]
        (c::pipe as *const () as usize),
        #[cfg(unix)]
        (c::dup as *const () as usize),
        #[cfg(unix)]
        (c::dup2 as *const () as usize),
        #[cfg(unix)]
        (c::poll as *const () as usize),
        #[cfg(unix)]
        (c::select as *const () as usize),
        #[cfg(unix)]
        (c::clock_gettime as *const () as usize),
        // The waker's pipe (all but Apple) and the echo server's signal handler.
        #[cfg(all(unix, not(target_vendor = "apple")))]
        (c::pipe2 as *const () as usize),
        #[cfg(unix)]
        (c::signal as *const () as usize),
        // The errno accessor.
        #[cfg(any(target_os = "linux", target_os = "dragonfly"))]
        (c::__errno_location as *const () as usize),
        #[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
        (c::__errno as *const () as usize),
        #[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
        (c::__error as *const () as usize),
        #[cfg(any(target_os = "illumos", target_os = "solaris"))]
        (c::___errno as *const () as usize),
        // sys/src/epoll.rs
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
        (c::epoll_create1 as *const () as usize),
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
        (c::epoll_ctl as *const () as usize),
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
        (c::epoll_wait as *const () as usize),
        // sys/src/eventfd.rs
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "illumos"))]
        (c::eventfd as *const () as usize),
        // sys/src/kqueue.rs
        #[cfg(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        ))]
        (c::kqueue as *const () as usize),
        #[cfg(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly"
        ))]
        (c::kevent as *const () as usize),
        // sys/src/winsock.rs
        #[cfg(windows)]
        (c::select as *const () as usize),
        #[cfg(windows)]
        (c::WSAGetLastError as *const () as usize),
        #[cfg(windows)]
        (c::WSAStartup as *const () as usize),
        #[cfg(windows)]
        (c::WSACleanup as *const () as usize),
        #[cfg(windows)]
        (c::getsockopt as *const () as usize),
        #[cfg(windows)]
        (c::QueryPerformanceCounter as *const () as usize),
        #[cfg(windows)]
        (c::QueryPerformanceFrequency as *const () as usize),
        #[cfg(windows)]
        (c::Sleep as *const () as usize),
        // The waker's socket.
        #[cfg(windows)]
        (c::socket as *const () as usize),
        #[cfg(windows)]
        (c::bind as *const () as usize),
        #[cfg(windows)]
        (c::connect as *const () as usize),
        #[cfg(windows)]
        (c::getsockname as *const () as usize),
        #[cfg(windows)]
        (c::send as *const () as usize),
        #[cfg(windows)]
        (c::recv as *const () as usize),
        #[cfg(windows)]
        (c::ioctlsocket as *const () as usize),
        #[cfg(windows)]
        (c::closesocket as *const () as usize),
    ];
    for (slot, f) in out.iter_mut().zip(all) {
        *slot = f;
    }
}
