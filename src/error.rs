//! One error type; each variant says which Python exception it stands for.

use core::fmt;

use crate::RawFd;

/// The result type of every fallible operation.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What went wrong, in Python's terms.
///
/// | variant | Python |
/// |---|---|
/// | [`InvalidEvents`](Error::InvalidEvents) | `ValueError("Invalid events: …")` |
/// | [`InvalidFd`](Error::InvalidFd) | `ValueError("Invalid file descriptor: …")` |
/// | [`AlreadyRegistered`](Error::AlreadyRegistered) | `KeyError("… is already registered")` |
/// | [`NotRegistered`](Error::NotRegistered) | `KeyError("… is not registered")` |
/// | [`Closed`](Error::Closed) | `RuntimeError("Selector is closed")` |
/// | [`Os`](Error::Os) | `OSError(errno)` |
///
/// With the `std` feature it implements `std::error::Error` and converts into
/// `std::io::Error` with a fitting `std::io::ErrorKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The event mask is empty or has bits other than `EVENT_READ | EVENT_WRITE`
    /// (Python: `ValueError`). Holds the whole rejected mask.
    InvalidEvents(u32),
    /// The file descriptor is negative, or cannot be watched by this selector at all, such as
    /// an fd ≥ `FD_SETSIZE` for `SelectSelector` on an OS whose `select(2)` cannot take it
    /// (Python: `ValueError`). Holds the fd.
    InvalidFd(RawFd),
    /// The fd is already registered (Python: `KeyError`). Holds the fd.
    AlreadyRegistered(RawFd),
    /// The fd is not registered (Python: `KeyError`). Holds the fd.
    NotRegistered(RawFd),
    /// The selector has been closed (Python: `RuntimeError`).
    Closed,
    /// A system call failed (Python: `OSError`). Holds the `errno` value.
    Os(i32),
}

impl Error {
    /// The `errno` value of an [`Os`](Error::Os) error.
    pub const fn raw_os_error(&self) -> Option<i32> {
        match *self {
            Error::Os(errno) => Some(errno),
            _ => None,
        }
    }

    /// The name of the Python exception this error stands for.
    pub const fn python_exception(&self) -> &'static str {
        match self {
            Error::InvalidEvents(_) | Error::InvalidFd(_) => "ValueError",
            Error::AlreadyRegistered(_) | Error::NotRegistered(_) => "KeyError",
            Error::Closed => "RuntimeError",
            Error::Os(_) => "OSError",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidEvents(bits) => write!(f, "Invalid events: {bits}"),
            Error::InvalidFd(fd) => write!(f, "Invalid file descriptor: {fd}"),
            Error::AlreadyRegistered(fd) => write!(f, "{fd} (FD {fd}) is already registered"),
            Error::NotRegistered(fd) => write!(f, "{fd} is not registered"),
            Error::Closed => f.write_str("Selector is closed"),
            #[cfg(feature = "std")]
            Error::Os(errno) => fmt::Display::fmt(&std::io::Error::from_raw_os_error(errno), f),
            #[cfg(not(feature = "std"))]
            Error::Os(errno) => write!(f, "OS error {errno}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    /// `Os` keeps its errno; the others map to `InvalidInput` (ValueError), `AlreadyExists`
    /// and `NotFound` (KeyError), and `Other` (RuntimeError), with this error as the payload.
    fn from(err: Error) -> std::io::Error {
        use std::io::ErrorKind;
        let kind = match err {
            Error::Os(errno) => return std::io::Error::from_raw_os_error(errno),
            Error::InvalidEvents(_) | Error::InvalidFd(_) => ErrorKind::InvalidInput,
            Error::AlreadyRegistered(_) => ErrorKind::AlreadyExists,
            Error::NotRegistered(_) => ErrorKind::NotFound,
            Error::Closed => ErrorKind::Other,
        };
        std::io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// An fd no file can have: negative on unix, `INVALID_SOCKET` on Windows.
    #[cfg(unix)]
    const BAD_FD: RawFd = -10;
    #[cfg(windows)]
    const BAD_FD: RawFd = ioselectors_sys::INVALID_SOCKET;

    #[test]
    fn messages_follow_python() {
        assert_eq!(Error::InvalidEvents(0).to_string(), "Invalid events: 0");
        assert_eq!(
            Error::InvalidFd(BAD_FD).to_string(),
            alloc::format!("Invalid file descriptor: {BAD_FD}")
        );
        #[cfg(unix)]
        assert_eq!(
            Error::InvalidFd(-10).to_string(),
            "Invalid file descriptor: -10"
        );
        assert_eq!(
            Error::AlreadyRegistered(4).to_string(),
            "4 (FD 4) is already registered"
        );
        assert_eq!(Error::NotRegistered(9).to_string(), "9 is not registered");
        assert_eq!(Error::Closed.to_string(), "Selector is closed");
        assert_eq!(Error::Os(9).raw_os_error(), Some(9));
        assert_eq!(Error::Closed.python_exception(), "RuntimeError");
    }

    #[cfg(feature = "std")]
    #[test]
    fn io_error_kinds() {
        use std::io::ErrorKind;
        let k = |e: Error| std::io::Error::from(e).kind();
        assert_eq!(k(Error::InvalidEvents(4)), ErrorKind::InvalidInput);
        assert_eq!(k(Error::InvalidFd(BAD_FD)), ErrorKind::InvalidInput);
        assert_eq!(k(Error::AlreadyRegistered(3)), ErrorKind::AlreadyExists);
        assert_eq!(k(Error::NotRegistered(3)), ErrorKind::NotFound);
        assert_eq!(k(Error::Closed), ErrorKind::Other);
        assert_eq!(std::io::Error::from(Error::Os(9)).raw_os_error(), Some(9));
    }
}
