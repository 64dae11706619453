//! `FileObj`'s forwarding impls (`&T`, `&mut T`, `Box`, `Rc`, `Arc`, nested) report the fd of
//! what they wrap, as Python's `_fileobj_to_fd` calls the object's own `fileno()`; std's fd
//! types and the `Fd` wrapper report their `as_raw_fd()`.

use std::rc::Rc;
use std::sync::Arc;

use ioselectors::{FileObj, RawFd};

#[test]
fn forwarding_impls_report_the_inner_fd() {
    for fd in [0 as RawFd, 5, 1000] {
        let mut inner = fd;
        assert_eq!(FileObj::fileno(&&inner), fd);
        assert_eq!(FileObj::fileno(&&mut inner), fd);
        assert_eq!(Box::new(fd).fileno(), fd);
        assert_eq!(Rc::new(fd).fileno(), fd);
        assert_eq!(Arc::new(fd).fileno(), fd);
        assert_eq!(Rc::new(Box::new(Arc::new(fd))).fileno(), fd);
        let boxed: Box<dyn FileObj> = Box::new(fd);
        assert_eq!(boxed.fileno(), fd);
    }
}

#[cfg(all(unix, feature = "std"))]
#[test]
fn std_fd_types_report_as_raw_fd() {
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::os::unix::net::UnixStream;

    let (a, b) = UnixStream::pair().unwrap();
    assert_eq!(a.fileno(), a.as_raw_fd());
    assert_eq!(b.as_fd().fileno(), b.as_raw_fd());
    let owned = OwnedFd::from(b);
    let raw = owned.as_raw_fd();
    assert_eq!(owned.fileno(), raw);
    // `Fd(x)`, for any `AsFd` type: its FileObj, AsRawFd and AsFd all give x's fd.
    let wrapped = ioselectors::Fd(&a);
    assert_eq!(wrapped.fileno(), a.as_raw_fd());
    assert_eq!(wrapped.as_raw_fd(), a.as_raw_fd());
    assert_eq!(wrapped.as_fd().as_raw_fd(), a.as_raw_fd());
    assert_eq!(ioselectors::Fd(owned.as_fd()).as_raw_fd(), raw);
    assert_eq!(std::io::stdin().fileno(), 0);
    assert_eq!(std::io::stdout().fileno(), 1);
    assert_eq!(std::io::stderr().fileno(), 2);
}

/// `Fd(x)` reads and writes like `x` (an owned `Fd(socket)` is reached through
/// `get_key_mut`): every count and byte is the inner object's, and `flush` reaches it (a
/// `BufWriter` passes nothing on until flushed). In memory: these impls need only `Read` and
/// `Write`.
#[cfg(feature = "std")]
#[test]
fn fd_forwards_read_write_and_flush() {
    use std::io::{BufWriter, Cursor, Read, Write};

    let mut w = ioselectors::Fd(Cursor::new(Vec::new()));
    assert_eq!(w.write(b"hello").unwrap(), 5);
    assert_eq!(w.get_ref().as_slice(), b"hello");
    let mut r = ioselectors::Fd(Cursor::new(b"hello".to_vec()));
    let mut buf = [0; 16];
    assert_eq!(r.read(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(r.read(&mut buf).unwrap(), 0, "end of the data");
    let mut buffered = ioselectors::Fd(BufWriter::new(Vec::new()));
    assert_eq!(buffered.write(b"abc").unwrap(), 3);
    assert!(
        buffered.get_ref().is_empty(),
        "a BufWriter holds what it was given"
    );
    buffered.flush().unwrap();
    assert_eq!(
        buffered.get_ref().as_slice(),
        b"abc",
        "flush reached the BufWriter"
    );
}
