//! `SelectSelector` initialises winsock itself (`WSAStartup`) at the first `register`, so
//! sockets that did not come from `std::net` (which initialises winsock when it makes one) work
//! too. Its own test binary, so its own process: nothing here may touch `std::net`.
#![cfg(windows)]

use std::time::Duration;

use ioselectors::{BaseSelector, Error, RawFd, SelectSelector, EVENT_READ, EVENT_WRITE};
use ioselectors_sys as sys;

mod raw {
    pub const AF_INET: i32 = 2;
    pub const SOCK_DGRAM: i32 = 2;

    #[link(name = "ws2_32")]
    extern "system" {
        pub fn socket(af: i32, ty: i32, protocol: i32) -> usize;
        pub fn closesocket(s: usize) -> i32;
    }
}

fn udp_socket() -> Result<RawFd, i32> {
    // SAFETY: plain winsock calls with valid arguments.
    let s = unsafe { raw::socket(raw::AF_INET, raw::SOCK_DGRAM, 0) };
    if s == sys::INVALID_SOCKET {
        // SAFETY: reads thread-local state only.
        Err(unsafe { sys::WSAGetLastError() })
    } else {
        Ok(s)
    }
}

#[test]
fn register_initialises_winsock() {
    // Nothing has initialised winsock in this process yet.
    assert_eq!(udp_socket(), Err(sys::WSANOTINITIALISED));

    let mut sel: SelectSelector<RawFd, ()> = SelectSelector::new();
    // An empty selector makes no winsock call (it sleeps).
    assert_eq!(sel.select(Some(Duration::from_millis(10))), Ok(vec![]));
    // The first register initialises winsock before checking the handle: the answer is "not
    // a socket", not "not initialised".
    assert_eq!(
        sel.register(0x1234, EVENT_READ, ()),
        Err(Error::Os(sys::WSAENOTSOCK))
    );
    // Winsock now works for everyone in the process.
    let s = udp_socket().expect("winsock initialised by the selector");
    sel.register(s, EVENT_READ | EVENT_WRITE, ()).unwrap();
    let ready = sel.select(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(
        ready[0].1, EVENT_WRITE,
        "a fresh UDP socket is writable only"
    );
    sel.unregister(&s).unwrap();
    // SAFETY: s is a socket this test made and no longer uses.
    assert_eq!(unsafe { raw::closesocket(s) }, 0);
}
