//! [`SelectorKey`] and the [`FileObj`] trait: Python's `SelectorKey` namedtuple and "an int fd or
//! anything with `fileno()`".

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::sync::Arc;

use crate::{Events, RawFd};

/// What a file object is registered as: Python's `SelectorKey(fileobj, fd, events, data)`.
///
/// A plain value. [`select`](crate::BaseSelector::select) returns owned copies, so a loop can
/// register, modify or unregister while it walks the results, as Python code does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SelectorKey<F, D> {
    /// The registered file object.
    pub fileobj: F,
    /// Its file descriptor, `fileobj.fileno()` at registration.
    pub fd: RawFd,
    /// The events to wait for.
    pub events: Events,
    /// The attached data, opaque to the selector.
    pub data: D,
}

/// A file object: anything with a file descriptor. Python accepts "an int fd or an object with a
/// `fileno()` method"; here that is [`RawFd`] itself and (with `std`) the std types that own or
/// borrow an fd listed below (`File`, the sockets, `UnixDatagram`, `OwnedFd`, `BorrowedFd`, the
/// child process's `ChildStdin`/`ChildStdout`/`ChildStderr`, and `std::io::PipeReader`/`PipeWriter`
/// when the compiler has them, Rust ≥ 1.87), plus references and `Box`/`Rc`/`Arc` of any of
/// them. Register them by reference (the object stays yours) or by value (the selector owns it;
/// reach it with [`get_key_mut`](crate::BaseSelector::get_key_mut), get it back from
/// `unregister`): see the README's "Owning or borrowing file objects". A type from another crate registers through `Fd` (with
/// `std`): `Fd(&x)` for any `x: AsFd`. A selector that owns a kernel object (epoll, kqueue,
/// /dev/poll, or a `DefaultSelector` on one) is a file object too, so selectors nest.
///
/// On Windows a file object is a socket: [`RawFd`] is winsock's `SOCKET`, and with `std` the
/// implementors are `TcpStream`, `TcpListener`, `UdpSocket`, `OwnedSocket` and
/// `BorrowedSocket` (through `AsRawSocket`), as only sockets work with winsock's `select`.
///
/// ```
/// use ioselectors::FileObj;
/// assert_eq!(FileObj::fileno(&7), 7);
/// # #[cfg(all(unix, feature = "std"))] {
/// use std::os::unix::net::UnixStream;
/// use std::os::fd::AsRawFd;
/// let (a, _b) = UnixStream::pair().unwrap();
/// assert_eq!(a.fileno(), a.as_raw_fd());
/// assert_eq!(std::rc::Rc::new(&a).fileno(), a.as_raw_fd());
/// # }
/// ```
pub trait FileObj {
    /// The file descriptor, Python's `fileobj.fileno()`.
    fn fileno(&self) -> RawFd;
}

/// The fd a file object reports when it has none: `-1` on unix, `INVALID_SOCKET` on Windows.
#[cfg(unix)]
pub(crate) const INVALID_FD: RawFd = -1;
/// The fd a file object reports when it has none: `-1` on unix, `INVALID_SOCKET` on Windows.
#[cfg(windows)]
pub(crate) const INVALID_FD: RawFd = ioselectors_sys::INVALID_SOCKET;

/// Whether `fd` can never name an open file: negative on unix (Python's `ValueError("Invalid
/// file descriptor")`), `INVALID_SOCKET` on Windows.
#[cfg(unix)]
pub(crate) fn is_invalid(fd: RawFd) -> bool {
    fd < 0
}

/// Whether `fd` can never name an open file: negative on unix (Python's `ValueError("Invalid
/// file descriptor")`), `INVALID_SOCKET` on Windows.
#[cfg(windows)]
pub(crate) fn is_invalid(fd: RawFd) -> bool {
    fd == ioselectors_sys::INVALID_SOCKET
}

impl FileObj for RawFd {
    fn fileno(&self) -> RawFd {
        *self
    }
}

impl<T: FileObj + ?Sized> FileObj for &T {
    fn fileno(&self) -> RawFd {
        (**self).fileno()
    }
}

impl<T: FileObj + ?Sized> FileObj for &mut T {
    fn fileno(&self) -> RawFd {
        (**self).fileno()
    }
}

impl<T: FileObj + ?Sized> FileObj for Box<T> {
    fn fileno(&self) -> RawFd {
        (**self).fileno()
    }
}

impl<T: FileObj + ?Sized> FileObj for Rc<T> {
    fn fileno(&self) -> RawFd {
        (**self).fileno()
    }
}

impl<T: FileObj + ?Sized> FileObj for Arc<T> {
    fn fileno(&self) -> RawFd {
        (**self).fileno()
    }
}

#[cfg(all(unix, feature = "std"))]
macro_rules! impl_fileobj_as_raw_fd {
    ($($ty:ty),* $(,)?) => {
        $(
            impl FileObj for $ty {
                fn fileno(&self) -> RawFd {
                    std::os::fd::AsRawFd::as_raw_fd(self)
                }
            }
        )*
    };
}

#[cfg(all(unix, feature = "std"))]
impl_fileobj_as_raw_fd!(
    std::fs::File,
    std::net::TcpStream,
    std::net::TcpListener,
    std::net::UdpSocket,
    std::os::unix::net::UnixStream,
    std::os::unix::net::UnixListener,
    std::os::unix::net::UnixDatagram,
    std::os::fd::OwnedFd,
    std::os::fd::BorrowedFd<'_>,
    std::io::Stdin,
    std::io::Stdout,
    std::io::Stderr,
    std::io::StdinLock<'_>,
    std::io::StdoutLock<'_>,
    std::io::StderrLock<'_>,
    std::process::ChildStdin,
    std::process::ChildStdout,
    std::process::ChildStderr,
);

/// std's anonymous pipes (`std::io::pipe()`, Rust 1.87), compiled when the compiler has them:
/// build.rs's probe sets `ioselectors_std_pipe` on rustc ≥ 1.87 (the MSRV is 1.82), and the
/// `clippy::msrv` attribute tells clippy's `incompatible_msrv` lint that this module needs 1.87.
#[cfg(all(unix, feature = "std", ioselectors_std_pipe))]
#[clippy::msrv = "1.87"]
mod std_pipe {
    use super::{FileObj, RawFd};
    impl_fileobj_as_raw_fd!(std::io::PipeReader, std::io::PipeWriter);
}

/// std's socket types on Windows, through `AsRawSocket`. A `RawSocket` (`u64`) that does not
/// fit a `SOCKET` (only possible on 32-bit Windows, where handles are 32-bit) becomes
/// `INVALID_SOCKET`, which registration rejects.
#[cfg(all(windows, feature = "std"))]
macro_rules! impl_fileobj_as_raw_socket {
    ($($ty:ty),* $(,)?) => {
        $(
            impl FileObj for $ty {
                fn fileno(&self) -> RawFd {
                    let raw = std::os::windows::io::AsRawSocket::as_raw_socket(self);
                    RawFd::try_from(raw).unwrap_or(ioselectors_sys::INVALID_SOCKET)
                }
            }
        )*
    };
}

#[cfg(all(windows, feature = "std"))]
impl_fileobj_as_raw_socket!(
    std::net::TcpStream,
    std::net::TcpListener,
    std::net::UdpSocket,
    std::os::windows::io::OwnedSocket,
    std::os::windows::io::BorrowedSocket<'_>,
);

/// Any value with an fd, from any crate, as a file object: `Fd(x)` for every `x` that
/// implements `AsFd` (`AsSocket` on Windows) — `socket2::Socket`, `mio::net::TcpStream`,
/// `rustix`'s `OwnedFd`, a reference to one of them, or your own type.
///
/// A blanket `impl<T: AsFd> FileObj for T` is not possible next to the impls for [`RawFd`],
/// `&T`, `Box<T>`, `Rc<T>` and `Arc<T>` (coherence), hence the wrapper. It derefs to the wrapped
/// value, and the value is its public field, so a key's `fileobj.0` gives it back. It wraps an
/// owned value as well as a reference: `Fd(socket)` registered by value is owned by the selector
/// (reach it with [`get_key_mut`](crate::BaseSelector::get_key_mut); `Fd` forwards `Read` and
/// `Write`). Any std type with `AsFd` that has no `FileObj` impl of its own works this way too,
/// e.g. `Fd(std::io::PipeReader)` on a crate built without the 1.87 probe's impls. A type that
/// has only `AsRawFd` registers its number instead: `sel.register(x.as_raw_fd(), ...)`, and
/// must then outlive its registration.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::fd::{AsFd, BorrowedFd};
/// use std::os::unix::net::UnixStream;
/// use ioselectors::{BaseSelector, DefaultSelector, Fd, EVENT_WRITE};
///
/// // A socket type from another crate: it implements `AsFd`, not `FileObj`.
/// struct Socket(UnixStream);
/// impl AsFd for Socket {
///     fn as_fd(&self) -> BorrowedFd<'_> {
///         self.0.as_fd()
///     }
/// }
///
/// let (a, _b) = UnixStream::pair()?;
/// let sock = Socket(a);
/// let mut sel: DefaultSelector<Fd<&Socket>, ()> = DefaultSelector::new()?;
/// sel.register(Fd(&sock), EVENT_WRITE, ())?; // the one line
/// let ready = sel.select(None)?;
/// assert!(std::ptr::eq(ready[0].0.fileobj.0, &sock));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fd<T>(pub T);

#[cfg(feature = "std")]
impl<T> core::ops::Deref for Fd<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(feature = "std")]
impl<T> core::ops::DerefMut for Fd<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// `Fd(stream)` reads like the stream.
#[cfg(feature = "std")]
impl<T: std::io::Read> std::io::Read for Fd<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// `Fd(stream)` writes like the stream.
#[cfg(feature = "std")]
impl<T: std::io::Write> std::io::Write for Fd<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(all(unix, feature = "std"))]
impl<T: std::os::fd::AsFd> FileObj for Fd<T> {
    fn fileno(&self) -> RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&self.0.as_fd())
    }
}

#[cfg(all(unix, feature = "std"))]
impl<T: std::os::fd::AsFd> std::os::fd::AsFd for Fd<T> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}

#[cfg(all(unix, feature = "std"))]
impl<T: std::os::fd::AsFd> std::os::fd::AsRawFd for Fd<T> {
    fn as_raw_fd(&self) -> RawFd {
        FileObj::fileno(self)
    }
}

/// On Windows, through `AsSocket`; a `RawSocket` that does not fit a `SOCKET` becomes
/// `INVALID_SOCKET`, as for std's socket types.
#[cfg(all(windows, feature = "std"))]
impl<T: std::os::windows::io::AsSocket> FileObj for Fd<T> {
    fn fileno(&self) -> RawFd {
        let raw = std::os::windows::io::AsRawSocket::as_raw_socket(&self.0.as_socket());
        RawFd::try_from(raw).unwrap_or(ioselectors_sys::INVALID_SOCKET)
    }
}

#[cfg(all(windows, feature = "std"))]
impl<T: std::os::windows::io::AsSocket> std::os::windows::io::AsSocket for Fd<T> {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        self.0.as_socket()
    }
}
