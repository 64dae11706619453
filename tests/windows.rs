//! CPython's `Lib/test/test_selectors.py`, the tests that apply to `SelectSelector` on Windows,
//! ported over TCP loopback socket pairs (Windows has no `AF_UNIX` socketpair in std; CPython's
//! `socket.socketpair()` emulates it the same way there), plus the Windows specifics: a failed
//! non-blocking `connect()` reported as `EVENT_WRITE` through the exceptional set, sets larger
//! than winsock's `FD_SETSIZE`, an empty selector waiting out its timeout (CPython fails there),
//! and winsock's errors.
//!
//! Run under wine here: see `.ci/windows`.
#![cfg(all(windows, feature = "std"))]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::windows::io::{AsRawSocket, AsSocket, FromRawSocket, OwnedSocket};
use std::time::{Duration, Instant};

use ioselectors::{
    default_backend, Backend, BaseSelector, DefaultSelector, Error, Events, FileObj, RawFd,
    SelectSelector, SelectorKey, EVENT_READ, EVENT_WRITE,
};
use ioselectors_sys as sys;

/// Serialises the tests of this file. Some check what happens to a closed socket's handle
/// value, and Windows reuses handle values at once: a socket made meanwhile by a test on another
/// thread could take it.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A connected pair of loopback TCP sockets (CPython's `socketpair()` on Windows).
fn socketpair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    (a, b)
}

fn fd<T: FileObj + ?Sized>(s: &T) -> RawFd {
    s.fileno()
}

/// Waits (bounded) until `s` is readable, so a test does not race TCP delivery.
fn wait_readable(s: &TcpStream) {
    let mut sel: SelectSelector<RawFd, ()> = SelectSelector::new();
    sel.register(fd(s), EVENT_READ, ()).unwrap();
    let ready = sel.select(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(
        ready.len(),
        1,
        "data sent over loopback did not arrive in 10 s"
    );
}

const SECOND: Option<Duration> = Some(Duration::from_secs(1));

#[test]
fn std_socket_types_are_file_objects() {
    let _serial = serial();
    let (a, _b) = socketpair();
    let raw = a.as_raw_socket();
    assert_eq!(fd(&a) as u64, raw);
    assert_eq!(fd(&a.as_socket()) as u64, raw);
    let owned = OwnedSocket::from(a.try_clone().unwrap());
    assert_ne!(fd(&owned), fd(&a), "a duplicated socket is a new handle");
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    assert_eq!(fd(&l) as u64, l.as_raw_socket());
    let u = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    assert_eq!(fd(&std::rc::Rc::new(&u)) as u64, u.as_raw_socket());
}

#[test]
fn test_register() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, &str> = SelectSelector::new();
    let (rd, _wr) = socketpair();
    let key = s.register(fd(&rd), EVENT_READ, "data").unwrap().clone();
    assert_eq!(
        key,
        SelectorKey {
            fileobj: fd(&rd),
            fd: fd(&rd),
            events: EVENT_READ,
            data: "data"
        }
    );
    // register an unknown event
    assert_eq!(
        s.register(0, Events::from_bits_retain(999), ""),
        Err(Error::InvalidEvents(999))
    );
    // register an invalid FD
    assert_eq!(
        s.register(sys::INVALID_SOCKET, EVENT_READ, ""),
        Err(Error::InvalidFd(sys::INVALID_SOCKET))
    );
    // register twice
    assert_eq!(
        s.register(fd(&rd), EVENT_READ, ""),
        Err(Error::AlreadyRegistered(fd(&rd)))
    );
    // register the same FD, but with a different object
    let dup = rd.try_clone().unwrap();
    assert_ne!(fd(&dup), fd(&rd));
    s.register(fd(&dup), EVENT_READ, "dup").unwrap();
    assert_eq!(s.get_map().unwrap().len(), 2);
}

#[test]
fn test_register_std_types_by_reference() {
    let _serial = serial();
    let (rd, wr) = socketpair();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let mut s: SelectSelector<&dyn FileObj, u8> = SelectSelector::new();
    s.register(&rd, EVENT_READ, 1).unwrap();
    s.register(&wr, EVENT_WRITE, 2).unwrap();
    s.register(&listener, EVENT_READ, 3).unwrap();
    let ready = s.select(SECOND).unwrap();
    let got: Vec<_> = ready.iter().map(|(k, ev)| (k.data, *ev)).collect();
    assert_eq!(got, [(2, EVENT_WRITE)]);
}

#[test]
fn test_unregister() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, _wr) = socketpair();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    let key = s.unregister(&fd(&rd)).unwrap();
    assert_eq!(key.fd, fd(&rd));
    // unregister twice
    assert_eq!(s.unregister(&fd(&rd)), Err(Error::NotRegistered(fd(&rd))));
    assert!(s.get_map().unwrap().is_empty());
}

#[test]
fn test_unregister_after_socket_close() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, wr) = socketpair();
    let (r, w) = (fd(&rd), fd(&wr));
    s.register(r, EVENT_READ, ()).unwrap();
    s.register(w, EVENT_WRITE, ()).unwrap();
    drop(rd);
    drop(wr);
    s.unregister(&r).unwrap();
    s.unregister(&w).unwrap();
    assert!(s.get_map().unwrap().is_empty());
}

#[test]
fn test_modify() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, u32> = SelectSelector::new();
    let (rd, _wr) = socketpair();
    let key = s.register(fd(&rd), EVENT_READ, 0).unwrap().clone();
    // modify events
    let key2 = s.modify(&fd(&rd), EVENT_WRITE, 0).unwrap().clone();
    assert_ne!(key.events, key2.events);
    assert_eq!(&key2, s.get_key(&fd(&rd)).unwrap());
    // the backend follows: the socket is writable, not readable
    let ready = s.select(SECOND).unwrap();
    assert_eq!(ready, [(key2.clone(), EVENT_WRITE)]);
    s.unregister(&fd(&rd)).unwrap();

    // modify data
    let key = s.register(fd(&rd), EVENT_READ, 1).unwrap().clone();
    let key2 = s.modify(&fd(&rd), EVENT_READ, 2).unwrap().clone();
    assert_eq!(key.events, key2.events);
    assert_ne!(key.data, key2.data);
    assert_eq!(&key2, s.get_key(&fd(&rd)).unwrap());
    assert_eq!(key2.data, 2);
    // nothing to read: the READ registration stays and reports nothing
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());

    // modify unknown file obj
    assert_eq!(
        s.modify(&999_999, EVENT_READ, 0),
        Err(Error::NotRegistered(999_999))
    );
    // an invalid mask leaves the registration as it was
    assert_eq!(
        s.modify(&fd(&rd), Events::EMPTY, 3),
        Err(Error::InvalidEvents(0))
    );
    assert_eq!(s.get_key(&fd(&rd)).unwrap(), &key2);
}

#[test]
fn test_close() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, wr) = socketpair();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    s.register(fd(&wr), EVENT_WRITE, ()).unwrap();
    s.close();
    assert!(s.is_closed());
    assert!(s.get_map().is_none());
    assert_eq!(s.get_key(&fd(&rd)), Err(Error::Closed));
    assert_eq!(s.get_key(&fd(&wr)), Err(Error::Closed));
    assert_eq!(s.register(fd(&rd), EVENT_READ, ()), Err(Error::Closed));
    assert_eq!(s.unregister(&fd(&rd)), Err(Error::Closed));
    assert_eq!(s.modify(&fd(&rd), EVENT_WRITE, ()), Err(Error::Closed));
    assert_eq!(s.select(Some(Duration::ZERO)), Err(Error::Closed));
    // twice is fine
    s.close();
    // the sockets themselves are untouched
    (&wr).write_all(b"x").unwrap();
    let mut buf = [0; 1];
    (&rd).read_exact(&mut buf).unwrap();
}

#[test]
fn test_get_key() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, &str> = SelectSelector::new();
    let (rd, _wr) = socketpair();
    let key = s.register(fd(&rd), EVENT_READ, "data").unwrap().clone();
    assert_eq!(s.get_key(&fd(&rd)).unwrap(), &key);
    // unknown file obj
    assert_eq!(s.get_key(&999_999), Err(Error::NotRegistered(999_999)));
    assert_eq!(
        s.get_key(&sys::INVALID_SOCKET),
        Err(Error::InvalidFd(sys::INVALID_SOCKET))
    );
}

#[test]
fn test_get_map() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, &str> = SelectSelector::new();
    let (rd, wr) = socketpair();
    let (r, w) = (fd(&rd), fd(&wr));
    assert!(s.get_map().unwrap().is_empty());
    let key = s.register(r, EVENT_READ, "data").unwrap().clone();
    {
        let keys = s.get_map().unwrap();
        assert!(!keys.is_empty());
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.keys().collect::<Vec<_>>(), [r]);
        assert_eq!(keys.get(&r), Some(&key));
        assert!(keys.contains(&r) && !keys.contains(&w));
        assert_eq!(keys.get(&999_999), None);
    }
    s.register(w, EVENT_WRITE, "w").unwrap();
    let mut both = [r, w];
    both.sort();
    assert_eq!(
        s.get_map().unwrap().keys().collect::<Vec<_>>(),
        both,
        "handle order"
    );
    s.unregister(&r).unwrap();
    assert_eq!(s.get_map().unwrap().keys().collect::<Vec<_>>(), [w]);
}

#[test]
fn test_select() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, wr) = socketpair();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    let wr_key = s.register(fd(&wr), EVENT_WRITE, ()).unwrap().clone();
    let result = s.select(None).unwrap();
    for (_, events) in &result {
        assert!(!events.is_empty());
        assert!((*events & !(EVENT_READ | EVENT_WRITE)).is_empty());
    }
    assert_eq!(result, [(wr_key, EVENT_WRITE)]);
}

#[test]
fn test_select_read_write() {
    let _serial = serial();
    // gh-110038: a socket registered for both read and write is reported once with both.
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (sock1, sock2) = socketpair();
    (&sock2).write_all(b"foo").unwrap();
    wait_readable(&sock1);
    let my_key = s
        .register(fd(&sock1), EVENT_READ | EVENT_WRITE, ())
        .unwrap()
        .clone();
    let result = s.select(None).unwrap();
    assert_eq!(result, [(my_key, EVENT_READ | EVENT_WRITE)]);
    // the allocation-free variant agrees
    let ready: Vec<_> = s
        .select_ready(Some(Duration::ZERO))
        .unwrap()
        .map(|(k, ev)| (k.fd, ev))
        .collect();
    assert_eq!(ready, [(fd(&sock1), EVENT_READ | EVENT_WRITE)]);
}

#[test]
fn test_context_manager() {
    let _serial = serial();
    // Python's `with s as sel:` closes at the end of the block; here dropping closes.
    let (rd, wr) = socketpair();
    {
        let mut sel: SelectSelector<&TcpStream, ()> = SelectSelector::new();
        sel.register(&rd, EVENT_READ, ()).unwrap();
        sel.register(&wr, EVENT_WRITE, ()).unwrap();
    }
    // Dropping the selector left the sockets open and usable.
    (&wr).write_all(b"y").unwrap();
    let mut buf = [0; 1];
    (&rd).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"y");
}

#[test]
fn test_selector() {
    let _serial = serial();
    const NUM_SOCKETS: usize = 12;
    const MSG: &[u8] = b" This is a test.";
    let mut s: SelectSelector<RawFd, usize> = SelectSelector::new();
    let mut pairs = Vec::new();
    for i in 0..NUM_SOCKETS {
        let (rd, wr) = socketpair();
        s.register(fd(&rd), EVENT_READ, i).unwrap();
        s.register(fd(&wr), EVENT_WRITE, i).unwrap();
        pairs.push((rd, wr));
    }
    let mut writers: Vec<usize> = (0..NUM_SOCKETS).collect();
    let mut bufs = Vec::new();
    let mut rng = 0x2545_f491_u32; // a fixed LCG instead of random.choice
    while !writers.is_empty() {
        let ready = s.select(None).unwrap();
        let ready_writers: Vec<usize> = ready
            .iter()
            .filter(|(_, ev)| *ev == EVENT_WRITE)
            .map(|(k, _)| k.data)
            .collect();
        assert!(!ready_writers.is_empty(), "no sockets ready for writing");
        rng = rng.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let i = ready_writers[(rng >> 16) as usize % ready_writers.len()];
        (&pairs[i].1).write_all(MSG).unwrap();
        let mut ready_readers = Vec::new();
        for _ in 0..50 {
            let ready = s.select(None).unwrap();
            ready_readers = ready
                .iter()
                .filter(|(_, ev)| *ev == EVENT_READ)
                .map(|(k, _)| k.data)
                .collect();
            if !ready_readers.is_empty() {
                break;
            }
            // there might be a delay between the write and the read end being ready
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(ready_readers, [i], "exactly the written pair is readable");
        let mut buf = vec![0; MSG.len()];
        (&pairs[i].0).read_exact(&mut buf).unwrap();
        bufs.push(buf);
        s.unregister(&fd(&pairs[i].1)).unwrap();
        s.unregister(&fd(&pairs[i].0)).unwrap();
        writers.retain(|&w| w != i);
    }
    assert_eq!(bufs, vec![MSG.to_vec(); NUM_SOCKETS]);
    assert!(s.get_map().unwrap().is_empty());
}

#[test]
fn test_timeout() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, wr) = socketpair();
    s.register(fd(&wr), EVENT_WRITE, ()).unwrap();
    let t = Instant::now();
    assert_eq!(s.select(Some(Duration::ZERO)).unwrap().len(), 1);
    assert_eq!(s.select(Some(Duration::ZERO)).unwrap().len(), 1);
    assert!(t.elapsed() < Duration::from_secs(2));
    s.unregister(&fd(&wr)).unwrap();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    let t = Instant::now();
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
    assert!(t.elapsed() < Duration::from_secs(2));
    let t0 = Instant::now();
    assert!(s.select(SECOND).unwrap().is_empty());
    let dt = t0.elapsed();
    // At least the timeout (CPython tolerates 0.8 s; we never return early), at most 2 s late.
    assert!(
        dt >= Duration::from_secs(1) && dt <= Duration::from_secs(3),
        "{dt:?}"
    );
    // Sub-millisecond timeouts still wait at least as long.
    let t0 = Instant::now();
    assert!(s
        .select(Some(Duration::from_micros(1500)))
        .unwrap()
        .is_empty());
    assert!(t0.elapsed() >= Duration::from_micros(1500));
}

#[test]
fn empty_selector_waits_out_its_timeout() {
    let _serial = serial();
    // CPython's Windows SelectSelector raises OSError(WSAEINVAL) here (bpo-29256); ours sleeps,
    // as every selector does on unix.
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let t0 = Instant::now();
    assert!(s.select(Some(Duration::ZERO)).unwrap().is_empty());
    assert!(t0.elapsed() < Duration::from_secs(2));
    let t0 = Instant::now();
    assert!(s
        .select(Some(Duration::from_millis(300)))
        .unwrap()
        .is_empty());
    let dt = t0.elapsed();
    assert!(
        dt >= Duration::from_millis(300) && dt <= Duration::from_millis(2300),
        "{dt:?}"
    );
    // Also after everything was unregistered.
    let (rd, _wr) = socketpair();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    s.unregister(&fd(&rd)).unwrap();
    let t0 = Instant::now();
    assert!(s
        .select(Some(Duration::from_millis(200)))
        .unwrap()
        .is_empty());
    assert!(t0.elapsed() >= Duration::from_millis(200));
}

#[test]
fn more_sockets_than_fd_setsize() {
    let _serial = serial();
    // Winsock's FD_SETSIZE is 64 and CPython's 512; ours sizes the sets to what is registered.
    const PAIRS: usize = sys::FD_SETSIZE + 16;
    let mut s: SelectSelector<RawFd, usize> = SelectSelector::new();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut pairs = Vec::new();
    for i in 0..PAIRS {
        let a = TcpStream::connect(addr).unwrap();
        let (b, _) = listener.accept().unwrap();
        s.register(fd(&a), EVENT_WRITE, i).unwrap();
        s.register(fd(&b), EVENT_READ, PAIRS + i).unwrap();
        pairs.push((a, b));
    }
    let ready = s.select(SECOND).unwrap();
    let mut writable: Vec<usize> = ready.iter().map(|(k, _)| k.data).collect();
    writable.sort();
    assert_eq!(writable, (0..PAIRS).collect::<Vec<_>>());
    assert!(ready.iter().all(|(_, ev)| *ev == EVENT_WRITE));
    // the last pair's reader, past index 64 in the read set
    (&pairs[PAIRS - 1].0).write_all(b"z").unwrap();
    wait_readable(&pairs[PAIRS - 1].1);
    let ready = s.select(SECOND).unwrap();
    let readable: Vec<usize> = ready
        .iter()
        .filter(|(_, ev)| *ev == EVENT_READ)
        .map(|(k, _)| k.data)
        .collect();
    assert_eq!(readable, [2 * PAIRS - 1]);
    assert_eq!(ready.len(), PAIRS + 1);
}

/// Well past CPython's fixed 512-socket sets: 1 000 loopback pairs (2 000 sockets) registered
/// at once. Every writer is reported writable, and after a chosen set of writers has sent a
/// byte, exactly their readers, spread over the whole range, are reported readable (nothing
/// else, in every `select`, until all of them are).
#[test]
fn a_thousand_socket_pairs() {
    let _serial = serial();
    const PAIRS: usize = 1_000;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut writers: SelectSelector<RawFd, usize> = SelectSelector::new();
    let mut readers: SelectSelector<RawFd, usize> = SelectSelector::new();
    let mut pairs = Vec::with_capacity(PAIRS);
    for i in 0..PAIRS {
        let a = TcpStream::connect(addr).unwrap();
        let (b, _) = listener.accept().unwrap();
        writers.register(fd(&a), EVENT_WRITE, i).unwrap();
        readers.register(fd(&b), EVENT_READ, i).unwrap();
        pairs.push((a, b));
    }
    assert_eq!(writers.get_map().unwrap().len(), PAIRS);
    assert_eq!(readers.get_map().unwrap().len(), PAIRS);

    let ready = writers.select(SECOND).unwrap();
    assert!(ready.iter().all(|(_, ev)| *ev == EVENT_WRITE));
    let mut writable: Vec<usize> = ready.iter().map(|(k, _)| k.data).collect();
    writable.sort();
    assert_eq!(writable, (0..PAIRS).collect::<Vec<_>>());
    assert!(readers.select(Some(Duration::ZERO)).unwrap().is_empty());

    // The first and last pairs, both sides of 64 and 512, and a stride through the rest.
    let mut chosen: Vec<usize> = [0, 63, 64, 511, 512, 513, 998, 999]
        .into_iter()
        .chain((7..PAIRS).step_by(97))
        .collect();
    chosen.sort();
    chosen.dedup();
    for &i in &chosen {
        (&pairs[i].0).write_all(b"x").unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ready = readers.select(SECOND).unwrap();
        assert!(ready.iter().all(|(_, ev)| *ev == EVENT_READ));
        let mut readable: Vec<usize> = ready.iter().map(|(k, _)| k.data).collect();
        readable.sort();
        assert!(
            readable.iter().all(|i| chosen.contains(i)),
            "reported readable without data: {readable:?}"
        );
        if readable == chosen {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 10 s only {readable:?} of {chosen:?} are readable"
        );
    }
    // Drained, nothing is readable again.
    for &i in &chosen {
        let mut byte = [0u8; 1];
        (&pairs[i].1).read_exact(&mut byte).unwrap();
    }
    assert!(readers.select(Some(Duration::ZERO)).unwrap().is_empty());
}

/// Minimal winsock declarations for a non-blocking connect, which std cannot do.
mod raw {
    pub const AF_INET: i32 = 2;
    pub const SOCK_STREAM: i32 = 1;
    /// `FIONBIO` (winsock2.h: `_IOW('f', 126, u_long)`).
    pub const FIONBIO: i32 = 0x8004_667e_u32 as i32;

    #[repr(C)]
    pub struct sockaddr_in {
        pub sin_family: u16,
        pub sin_port: u16,
        pub sin_addr: [u8; 4],
        pub sin_zero: [u8; 8],
    }

    #[link(name = "ws2_32")]
    extern "system" {
        pub fn socket(af: i32, ty: i32, protocol: i32) -> usize;
        pub fn ioctlsocket(s: usize, cmd: i32, argp: *mut u32) -> i32;
        pub fn connect(s: usize, name: *const sockaddr_in, namelen: i32) -> i32;
        pub fn WSAGetLastError() -> i32;
    }
}

/// Starts a non-blocking connect to `addr`; the socket is owned (closed on drop).
fn connect_nonblocking(addr: SocketAddr) -> OwnedSocket {
    let SocketAddr::V4(v4) = addr else {
        panic!("IPv4 only")
    };
    // SAFETY: plain winsock calls with valid arguments; winsock is initialised (std made
    // sockets before this in every caller). The handle is checked, then owned by OwnedSocket.
    unsafe {
        let s = raw::socket(raw::AF_INET, raw::SOCK_STREAM, 0);
        assert_ne!(s, sys::INVALID_SOCKET, "socket: {}", raw::WSAGetLastError());
        let sock = OwnedSocket::from_raw_socket(s as u64);
        let mut on: u32 = 1;
        assert_eq!(raw::ioctlsocket(s, raw::FIONBIO, &mut on), 0);
        let sa = raw::sockaddr_in {
            sin_family: raw::AF_INET as u16,
            sin_port: v4.port().to_be(),
            sin_addr: v4.ip().octets(),
            sin_zero: [0; 8],
        };
        let ret = raw::connect(s, &sa, core::mem::size_of::<raw::sockaddr_in>() as i32);
        if ret != 0 {
            assert_eq!(raw::WSAGetLastError(), sys::WSAEWOULDBLOCK);
        }
        sock
    }
}

#[test]
fn failed_nonblocking_connect_reports_write() {
    let _serial = serial();
    // A loopback port with nobody listening: bind, note the port, close.
    let port = {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let sock = connect_nonblocking(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    s.register(fd(&sock), EVENT_WRITE, ()).unwrap();
    // Windows retries a refused SYN for about 2 s before failing the connect.
    let ready = s.select(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(ready.len(), 1, "the failed connect was not reported");
    assert_eq!(ready[0].1, EVENT_WRITE);
    // And the connect did fail.
    let stream = TcpStream::from(sock);
    assert!(stream.peer_addr().is_err());
    assert!(stream.take_error().unwrap().is_some());
}

#[test]
fn successful_nonblocking_connect_reports_write() {
    let _serial = serial();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let sock = connect_nonblocking(listener.local_addr().unwrap());
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    s.register(fd(&sock), EVENT_READ | EVENT_WRITE, ()).unwrap();
    let ready = s.select(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].1, EVENT_WRITE, "connected, nothing to read yet");
    let stream = TcpStream::from(sock);
    assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
}

#[test]
fn register_invalid_or_closed_socket() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    // INVALID_SOCKET is Python's negative fd: ValueError, before any winsock call.
    assert_eq!(
        s.register(sys::INVALID_SOCKET, EVENT_READ, ()),
        Err(Error::InvalidFd(sys::INVALID_SOCKET))
    );
    // A closed socket: winsock's WSAENOTSOCK, the counterpart of unix's EBADF.
    let closed = {
        let (a, _b) = socketpair();
        fd(&a)
    };
    assert_eq!(
        s.register(closed, EVENT_READ, ()),
        Err(Error::Os(sys::WSAENOTSOCK))
    );
    // A handle that is not a socket (a file).
    let path = std::env::temp_dir().join(format!("ioselectors-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let handle = std::os::windows::io::AsRawHandle::as_raw_handle(&file) as RawFd;
    assert_eq!(
        s.register(handle, EVENT_READ, ()),
        Err(Error::Os(sys::WSAENOTSOCK))
    );
    drop(file);
    let _ = std::fs::remove_file(&path);
    // Nothing was left behind.
    assert!(s.get_map().unwrap().is_empty());
    // And the error converts like any OS error.
    let io = std::io::Error::from(Error::Os(sys::WSAENOTSOCK));
    assert_eq!(io.raw_os_error(), Some(sys::WSAENOTSOCK));
}

#[test]
fn socket_closed_after_register_fails_select_until_unregistered() {
    let _serial = serial();
    // As in Python: one stale socket makes the whole select() fail.
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (a, b) = socketpair();
    let (c, _d) = socketpair();
    s.register(fd(&a), EVENT_READ, ()).unwrap();
    s.register(fd(&c), EVENT_WRITE, ()).unwrap();
    let stale = fd(&a);
    drop(a);
    drop(b);
    assert_eq!(
        s.select(Some(Duration::ZERO)),
        Err(Error::Os(sys::WSAENOTSOCK))
    );
    s.unregister(&stale).unwrap();
    let ready = s.select(Some(Duration::ZERO)).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.fd, ready[0].1), (fd(&c), EVENT_WRITE));
}

#[test]
fn peer_close_reports_read() {
    let _serial = serial();
    let mut s: SelectSelector<RawFd, ()> = SelectSelector::new();
    let (rd, wr) = socketpair();
    s.register(fd(&rd), EVENT_READ, ()).unwrap();
    drop(wr);
    let ready = s.select(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].1, EVENT_READ);
    let mut buf = [0; 8];
    assert_eq!((&rd).read(&mut buf).unwrap(), 0, "EOF");
}

#[test]
fn default_selector_is_select() {
    let _serial = serial();
    assert_eq!(default_backend(), Ok(Backend::Select));
    let mut sel: DefaultSelector<RawFd, ()> = DefaultSelector::new().unwrap();
    assert_eq!(sel.backend(), Backend::Select);
    assert_eq!(
        sel.fileno(),
        Err(Error::Os(sys::ERROR_CALL_NOT_IMPLEMENTED))
    );
    for b in [
        Backend::Kqueue,
        Backend::Epoll,
        Backend::Devpoll,
        Backend::Poll,
    ] {
        assert!(!b.is_compiled(), "{b}");
        assert_eq!(
            DefaultSelector::<RawFd, ()>::with_backend(b).err(),
            Some(Error::Os(sys::ERROR_CALL_NOT_IMPLEMENTED)),
            "{b}"
        );
    }
    assert!(Backend::Select.is_compiled());
    let (rd, wr) = socketpair();
    sel.register(fd(&rd), EVENT_READ, ()).unwrap();
    sel.register(fd(&wr), EVENT_WRITE, ()).unwrap();
    (&wr).write_all(b"q").unwrap();
    wait_readable(&rd);
    let mut ready: Vec<_> = sel
        .select(SECOND)
        .unwrap()
        .into_iter()
        .map(|(k, ev)| (k.fd, ev))
        .collect();
    ready.sort();
    let mut want = vec![(fd(&rd), EVENT_READ), (fd(&wr), EVENT_WRITE)];
    want.sort();
    assert_eq!(ready, want);
}

#[test]
fn unsupported_backend_error_is_io_unsupported() {
    let _serial = serial();
    let err = std::io::Error::from(Error::Os(sys::ERROR_CALL_NOT_IMPLEMENTED));
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
}

// ---------------------------------------------------------------------------------------------
// Waker: a UDP socket connected to itself, in the read set (the unix checks are in
// tests/waker.rs).

/// A `select(None)` in one thread, woken by another: returns `[]` within a second of the wake.
#[test]
fn waker_wakes_a_blocked_select() {
    let _serial = serial();
    {
        let mut sel = SelectSelector::<RawFd, ()>::new();
        let waker = sel.waker().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let ready = sel.select(None).map(|r| r.len());
            tx.send((ready, Instant::now())).unwrap();
        });
        std::thread::sleep(Duration::from_millis(50));
        let woken = Instant::now();
        waker.wake().unwrap();
        let (ready, returned) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("select(None) was not woken");
        assert_eq!(ready, Ok(0));
        let latency = returned.saturating_duration_since(woken);
        assert!(
            latency < Duration::from_secs(1),
            "select(None) returned {latency:?} after the wake"
        );
        t.join().unwrap();
    }
}

/// 10 000 wakes: one early return, then `select(200 ms)` waits; a wake with a ready key
/// returns the key; after close and drop, `Closed`.
#[test]
fn waker_coalesces_and_outlives_nothing() {
    let _serial = serial();
    let mut sel: DefaultSelector<RawFd, &str> = DefaultSelector::new().unwrap();
    let waker = sel.waker().unwrap();
    for _ in 0..10_000 {
        waker.wake().unwrap();
    }
    assert!(sel
        .select(Some(Duration::from_secs(10)))
        .unwrap()
        .is_empty());
    let start = Instant::now();
    assert!(sel
        .select(Some(Duration::from_millis(200)))
        .unwrap()
        .is_empty());
    assert!(
        start.elapsed() >= Duration::from_millis(190),
        "wakes not all drained"
    );

    let (mut a, b) = socketpair();
    sel.register(fd(&b), EVENT_READ, "b").unwrap();
    assert_eq!(sel.get_map().unwrap().len(), 1);
    a.write_all(b"x").unwrap();
    wait_readable(&b);
    waker.clone().wake().unwrap();
    let ready = sel.select(Some(Duration::from_secs(10))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.data, ready[0].1), ("b", EVENT_READ));

    let again = sel.waker().unwrap();
    sel.close();
    assert_eq!(waker.wake(), Err(Error::Closed));
    assert_eq!(again.wake(), Err(Error::Closed));
    let mut sel2: SelectSelector = SelectSelector::new();
    let w2 = sel2.waker().unwrap();
    w2.wake().unwrap();
    assert!(sel2
        .select(Some(Duration::from_secs(10)))
        .unwrap()
        .is_empty());
    drop(sel2);
    assert_eq!(w2.wake(), Err(Error::Closed));
}
