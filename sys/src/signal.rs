//! `signal(3)` (`<signal.h>`): install a plain signal handler, and the two termination signals.
//! Enough for a program to turn SIGINT/SIGTERM into a wake-up of its event loop.

use crate::{c_int, size_t};

/// `sighandler_t`: a handler's address (`void (*)(int)`), or `SIG_DFL` (0) / `SIG_IGN` (1),
/// as an integer, as the `libc` crate declares it.
pub type sighandler_t = size_t;

#[cfg(unix)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
extern "C" {
    /// `sighandler_t signal(int sig, sighandler_t handler)`—Set the disposition of `sig`.
    /// Returns the previous one, or `SIG_ERR` (`!0`). glibc, musl, bionic and the BSDs give the
    /// handler BSD semantics (it stays installed, interrupted system calls restart); the handler
    /// may only call async-signal-safe functions.
    ///
    /// # References
    ///  - [POSIX](https://pubs.opengroup.org/onlinepubs/9799919799/functions/signal.html)
    ///  - [Linux](https://man7.org/linux/man-pages/man2/signal.2.html)
    ///  - [FreeBSD](https://man.freebsd.org/cgi/man.cgi?query=signal&sektion=3)
    ///  - [illumos](https://illumos.org/man/3C/signal)
    pub fn signal(sig: c_int, handler: sighandler_t) -> sighandler_t;
}

/// Interrupt from the keyboard (Ctrl-C); `2` on every unix.
pub const SIGINT: c_int = 2;
/// Termination request (what `kill` sends by default); `15` on every unix.
pub const SIGTERM: c_int = 15;
/// `signal`'s error return (`(sighandler_t) -1`).
pub const SIG_ERR: sighandler_t = !0;
/// Default disposition.
pub const SIG_DFL: sighandler_t = 0;
