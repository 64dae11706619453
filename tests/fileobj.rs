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
