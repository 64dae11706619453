//! `ioselectors-sys`'s winsock items against the `libc` crate (a dev-dependency only) and
//! against winsock itself.
//!
//! libc's Windows module declares only a few of them: `SOCKET`, `timeval` and `getsockopt`
//! (`libc: src/windows/mod.rs`), compared here at compile time as `tests/sys_layout.rs` does on
//! unix. Everything else (`fd_set`, `FD_SETSIZE`, `WSADATA`, `select`, `WSAGetLastError`,
//! `WSAStartup`, the `WSAE*` values, the kernel32 clock) is pinned by the asserts in
//! `sys/src/winsock.rs`, transcribed from the Windows SDK headers (`winsock2.h`, `ws2def.h`,
//! `winerror.h`, `profileapi.h`) and checked against mingw-w64's copies of them; the run-time
//! tests below then exercise those declarations against winsock (under wine here).
#![cfg(windows)]

use core::marker::PhantomData;
use core::mem::{align_of, offset_of, size_of};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::windows::io::AsRawSocket;

use ioselectors_sys as sys;

// -------------------------------------------------------------------------------------------
// Compile time: what libc has.

macro_rules! same_type {
    ($($t:ident),* $(,)?) => {
        $( const _: PhantomData<libc::$t> = PhantomData::<sys::$t>; )*
    };
}

same_type!(SOCKET, c_char, c_int, c_long, c_uint, c_ulong, c_ushort, c_void, size_t, uintptr_t);

const _: () = {
    assert!(size_of::<sys::timeval>() == size_of::<libc::timeval>());
    assert!(align_of::<sys::timeval>() == align_of::<libc::timeval>());
    assert!(offset_of!(sys::timeval, tv_sec) == offset_of!(libc::timeval, tv_sec));
    assert!(offset_of!(sys::timeval, tv_usec) == offset_of!(libc::timeval, tv_usec));
    let ours = sys::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let theirs = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let _same_type = [ours.tv_sec, theirs.tv_sec];
    let _same_type = [ours.tv_usec, theirs.tv_usec];
};

/// `getsockopt` has libc's signature: written once, resolved against each crate.
const _: () = {
    use ioselectors_sys::*;
    let _: unsafe extern "system" fn(SOCKET, c_int, c_int, *mut c_char, *mut c_int) -> c_int =
        getsockopt;
};
const _: () = {
    use libc::*;
    let _: unsafe extern "system" fn(SOCKET, c_int, c_int, *mut c_char, *mut c_int) -> c_int =
        getsockopt;
};

// The signatures of the rest, as the SDK headers declare them.
const _: () = {
    use ioselectors_sys::*;
    let _: unsafe extern "system" fn(
        c_int,
        *mut fd_set,
        *mut fd_set,
        *mut fd_set,
        *const timeval,
    ) -> c_int = select;
    let _: unsafe extern "system" fn() -> c_int = WSAGetLastError;
    let _: unsafe extern "system" fn(WORD, *mut WSADATA) -> c_int = WSAStartup;
    let _: unsafe extern "system" fn(*mut LARGE_INTEGER) -> BOOL = QueryPerformanceCounter;
    let _: unsafe extern "system" fn(*mut LARGE_INTEGER) -> BOOL = QueryPerformanceFrequency;
    let _: unsafe extern "system" fn(DWORD) = Sleep;
};

// -------------------------------------------------------------------------------------------
// Run time: the declarations against winsock.

fn pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, b)
}

fn sock(s: &TcpStream) -> sys::SOCKET {
    s.as_raw_socket() as sys::SOCKET
}

#[test]
fn wsastartup_fills_wsadata() {
    let mut data = core::mem::MaybeUninit::<sys::WSADATA>::zeroed();
    // SAFETY: data is writable for one WSADATA; each successful WSAStartup is balanced below.
    let err = unsafe { sys::WSAStartup(sys::MAKEWORD(2, 2), data.as_mut_ptr()) };
    assert_eq!(err, 0);
    // SAFETY: WSAStartup succeeded, so it filled data in (and it was zeroed before).
    let data = unsafe { data.assume_init() };
    assert_eq!(data.wVersion, sys::MAKEWORD(2, 2));
    assert!(data.wHighVersion >= data.wVersion);
    // szDescription is a NUL-terminated string inside its array: the offsets are right if the
    // terminator is found there.
    assert!(data.szDescription.contains(&0));
    assert!(data.szSystemStatus.contains(&0));
    // SAFETY: balances the WSAStartup above.
    assert_eq!(unsafe { sys::WSACleanup() }, 0);
}

#[test]
fn select_with_a_c_sized_fd_set() {
    let (a, _b) = pair();
    let mut w = sys::fd_set {
        fd_count: 1,
        fd_array: [sys::INVALID_SOCKET; sys::FD_SETSIZE],
    };
    w.fd_array[0] = sock(&a);
    let tv = sys::timeval {
        tv_sec: 1,
        tv_usec: 0,
    };
    let null = core::ptr::null_mut();
    // SAFETY: w is a valid fd_set with fd_count entries; tv is live; null sets are allowed.
    let n = unsafe { sys::select(0, null, &mut w, null, &tv) };
    assert_eq!(n, 1);
    assert_eq!(w.fd_count, 1);
    assert_eq!(w.fd_array[0], sock(&a));
}

#[test]
fn select_reads_fd_count_entries_past_fd_setsize() {
    // The safe layer relies on this: a header slot and more than FD_SETSIZE sockets.
    const N: usize = sys::FD_SETSIZE + 6;
    let pairs: Vec<_> = (0..N / 2).map(|_| pair()).collect();
    let mut buf: Vec<sys::SOCKET> = vec![0];
    for (a, b) in &pairs {
        buf.push(sock(a));
        buf.push(sock(b));
    }
    // fd_count: the first 4 bytes of the header slot (the rest is padding).
    buf[0] = N as sys::SOCKET;
    let tv = sys::timeval::default();
    let null = core::ptr::null_mut();
    // SAFETY: buf is SOCKET-aligned, with a header whose fd_count is N followed by N sockets.
    let n = unsafe { sys::select(0, null, buf.as_mut_ptr().cast(), null, &tv) };
    assert_eq!(n, N as i32, "every socket is writable");
    assert_eq!(buf[0] as u32, N as u32);
}

#[test]
fn select_with_three_empty_sets_is_wsaeinval() {
    // Why an empty SelectSelector sleeps instead of calling select.
    let _ = pair(); // make sure winsock is initialised
    let tv = sys::timeval::default();
    let null = core::ptr::null_mut();
    // SAFETY: null sets and a live timeval.
    let n = unsafe { sys::select(0, null, null, null, &tv) };
    assert_eq!(n, sys::SOCKET_ERROR);
    // SAFETY: reads thread-local state only.
    assert_eq!(unsafe { sys::WSAGetLastError() }, sys::WSAEINVAL);
}

#[test]
fn getsockopt_so_type() {
    let (a, _b) = pair();
    let mut ty: sys::c_int = -1;
    let mut len = size_of::<sys::c_int>() as sys::c_int;
    // SAFETY: optval/optlen describe a writable c_int.
    let ret = unsafe {
        sys::getsockopt(
            sock(&a),
            sys::SOL_SOCKET,
            sys::SO_TYPE,
            (&mut ty as *mut sys::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, 0);
    assert_eq!(ty, 1, "SOCK_STREAM");
    // SAFETY: as above; INVALID_SOCKET is not a socket.
    let ret = unsafe {
        sys::getsockopt(
            sys::INVALID_SOCKET,
            sys::SOL_SOCKET,
            sys::SO_TYPE,
            (&mut ty as *mut sys::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(ret, sys::SOCKET_ERROR);
    // SAFETY: reads thread-local state only.
    assert_eq!(unsafe { sys::WSAGetLastError() }, sys::WSAENOTSOCK);
}

#[test]
fn performance_counter_is_monotonic() {
    let (mut f, mut t0, mut t1) = (0, 0, 0);
    // SAFETY: each call writes one LARGE_INTEGER to a live local.
    unsafe {
        assert_ne!(sys::QueryPerformanceFrequency(&mut f), 0);
        assert_ne!(sys::QueryPerformanceCounter(&mut t0), 0);
        sys::Sleep(20);
        assert_ne!(sys::QueryPerformanceCounter(&mut t1), 0);
    }
    assert!(f > 0);
    // At least 20 ms passed (Sleep waits at least that long, give or take one tick).
    assert!((t1 - t0) * 1000 / f >= 15, "{t0} {t1} {f}");
}
