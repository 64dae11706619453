//! Windows: winsock `select` over run-time-sized `fd_set`s, `WSAStartup`, the socket check, the
//! performance counter and `Sleep`.

use alloc::vec::Vec;
use core::ffi::c_int;
use core::time::Duration;

use ioselectors_sys as sys;

use crate::{Error, Result};

/// The calling thread's last winsock error (`WSAGetLastError`).
fn wsa_error() -> i32 {
    // SAFETY: WSAGetLastError takes no argument and only reads thread-local state.
    unsafe { sys::WSAGetLastError() }
}

/// Initialise winsock (`WSAStartup(2.2)`) once per process, before the first winsock call.
///
/// Needed without `std` (and with it, for sockets that did not come from `std::net`, which
/// initialises winsock when it makes a socket). The reference is kept until the process exits;
/// threads racing on the first call may each take one, which is harmless (`WSAStartup` is
/// reference-counted and thread-safe).
pub(crate) fn winsock_init() -> Result<()> {
    use core::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.load(Ordering::Acquire) {
        return Ok(());
    }
    let mut data = core::mem::MaybeUninit::<sys::WSADATA>::uninit();
    // SAFETY: data is valid for writes of one WSADATA, which WSAStartup fills in; the version
    // word is a plain integer.
    let err = unsafe { sys::WSAStartup(sys::MAKEWORD(2, 2), data.as_mut_ptr()) };
    if err != 0 {
        return Err(Error::Os(err));
    }
    STARTED.store(true, Ordering::Release);
    Ok(())
}

/// Whether `s` is an open socket: `getsockopt(s, SOL_SOCKET, SO_TYPE)`, `Err(Os(WSAENOTSOCK))`
/// if not (winsock's counterpart of unix's `EBADF`).
pub(crate) fn check_socket(s: sys::SOCKET) -> Result<()> {
    let mut ty: c_int = 0;
    let mut len = core::mem::size_of::<c_int>() as c_int;
    // SAFETY: optval points to a writable c_int and optlen to its size, which is what SO_TYPE
    // writes; any handle value is safe to pass (a non-socket fails with WSAENOTSOCK).
    let ret = unsafe {
        sys::getsockopt(
            s,
            sys::SOL_SOCKET,
            sys::SO_TYPE,
            (&mut ty as *mut c_int).cast(),
            &mut len,
        )
    };
    if ret == sys::SOCKET_ERROR {
        Err(Error::Os(wsa_error()))
    } else {
        Ok(())
    }
}

/// A winsock `fd_set` sized at run time. Winsock reads `fd_count` entries of `fd_array`, so
/// the set is stored as a vector of `SOCKET`s: slot 0 is the header (`fd_count`, a `u32` at
/// offset 0, padded to a `SOCKET`: `ioselectors-sys` asserts that `fd_array` starts one `SOCKET`
/// in), then the sockets. It is never shorter than a C `fd_set` (`1 + FD_SETSIZE` slots), so
/// code that assumes the C size reads nothing past it.
#[derive(Debug, Default)]
pub(crate) struct SocketSet {
    buf: Vec<sys::SOCKET>,
}

impl SocketSet {
    pub(crate) const fn new() -> Self {
        SocketSet { buf: Vec::new() }
    }

    /// Replace the contents with `sockets` (no allocation once the buffer is large enough).
    pub(crate) fn fill(&mut self, sockets: &[sys::SOCKET]) {
        self.fill_with(sockets, None);
    }

    /// [`fill`](Self::fill), plus `extra` (the waker's socket) after `sockets`.
    pub(crate) fn fill_with(&mut self, sockets: &[sys::SOCKET], extra: Option<sys::SOCKET>) {
        let total = sockets.len() + usize::from(extra.is_some());
        // More than u32::MAX sockets cannot be registered; clamp so fd_count <= len - 1.
        let count = u32::try_from(total).unwrap_or(u32::MAX);
        let mut header = [0u8; core::mem::size_of::<sys::SOCKET>()];
        header[..4].copy_from_slice(&count.to_ne_bytes());
        self.buf.clear();
        self.buf.push(sys::SOCKET::from_ne_bytes(header));
        self.buf.extend_from_slice(sockets);
        self.buf.extend(extra);
        if self.buf.len() < 1 + sys::FD_SETSIZE {
            self.buf.resize(1 + sys::FD_SETSIZE, sys::INVALID_SOCKET);
        }
    }

    /// `fd_count`, read back from the header (never more than the slots that follow it).
    fn count(&self) -> usize {
        let Some(header) = self.buf.first() else {
            return 0;
        };
        let bytes = header.to_ne_bytes();
        let count = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        (count as usize).min(self.buf.len() - 1)
    }

    /// The sockets in the set: after [`select`], the ready ones.
    pub(crate) fn sockets(&self) -> &[sys::SOCKET] {
        self.buf.get(1..1 + self.count()).unwrap_or(&[])
    }

    /// The set for `select`: null when empty.
    fn as_mut_ptr(&mut self) -> *mut sys::fd_set {
        if self.count() == 0 {
            core::ptr::null_mut()
        } else {
            self.buf.as_mut_ptr().cast()
        }
    }
}

/// Winsock `select(0, read, write, except, timeout)`: the number of ready entries over the
/// three sets, each of which is rewritten to hold its ready sockets. Empty sets are passed as
/// null; the caller makes sure not all three are empty (winsock fails with `WSAEINVAL`).
pub(crate) fn select(
    read: &mut SocketSet,
    write: &mut SocketSet,
    except: &mut SocketSet,
    timeout: Option<sys::timeval>,
) -> Result<usize> {
    let tv = timeout;
    let tvp = tv
        .as_ref()
        .map_or(core::ptr::null(), |tv| tv as *const sys::timeval);
    let (r, w, e) = (read.as_mut_ptr(), write.as_mut_ptr(), except.as_mut_ptr());
    // SAFETY: each non-null set points to a SocketSet buffer: SOCKET-aligned (the alignment
    // of fd_set), a header whose first 4 bytes are fd_count, then at least fd_count (and at
    // least FD_SETSIZE) SOCKETs, all initialised. Winsock reads fd_count and the first
    // fd_count sockets and writes back a subset of them and a smaller count. The three
    // buffers are distinct allocations. tvp is null (block) or points to a live timeval.
    let n = unsafe { sys::select(0, r, w, e, tvp) };
    if n == sys::SOCKET_ERROR {
        Err(Error::Os(wsa_error()))
    } else {
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// A socket this crate opened (the waker's), closed exactly once on drop.
#[derive(Debug)]
pub(crate) struct OwnedSocket(sys::SOCKET);

impl OwnedSocket {
    pub(crate) fn raw(&self) -> sys::SOCKET {
        self.0
    }
}

impl Drop for OwnedSocket {
    fn drop(&mut self) {
        // SAFETY: self.0 was returned by socket() to this OwnedSocket, its only owner, and
        // this is the only place it is closed.
        unsafe { sys::closesocket(self.0) };
    }
}

/// `SOCKET_ERROR` → `Err(Os(WSAGetLastError()))`.
fn cvt_wsa(ret: c_int) -> Result<c_int> {
    if ret == sys::SOCKET_ERROR {
        Err(Error::Os(wsa_error()))
    } else {
        Ok(ret)
    }
}

/// The waker's object on Windows: a non-blocking UDP socket bound to 127.0.0.1 on a port the
/// system picks and connected to itself, so a `send` makes it readable.
pub(crate) fn self_connected_udp() -> Result<OwnedSocket> {
    winsock_init()?;
    // SAFETY: socket takes three integers and returns a new socket or INVALID_SOCKET.
    let s = unsafe { sys::socket(sys::AF_INET, sys::SOCK_DGRAM, sys::IPPROTO_UDP) };
    if s == sys::INVALID_SOCKET {
        return Err(Error::Os(wsa_error()));
    }
    let s = OwnedSocket(s);
    let mut addr = sys::sockaddr_in {
        sin_family: sys::AF_INET as u16,
        sin_port: 0,
        sin_addr: sys::in_addr {
            s_addr: sys::INADDR_LOOPBACK.to_be(),
        },
        sin_zero: [0; 8],
    };
    let mut len = core::mem::size_of::<sys::sockaddr_in>() as c_int;
    let ptr = (&mut addr as *mut sys::sockaddr_in).cast::<sys::sockaddr>();
    // SAFETY: ptr points to a sockaddr_in of len bytes, read (bind, connect) or written
    // (getsockname, at most *len bytes) during each call only; s is owned by this function.
    unsafe {
        cvt_wsa(sys::bind(s.raw(), ptr, len))?;
        cvt_wsa(sys::getsockname(s.raw(), ptr, &mut len))?;
        cvt_wsa(sys::connect(s.raw(), ptr, len))?;
    }
    let mut nonblocking: core::ffi::c_ulong = 1;
    // SAFETY: FIONBIO reads one u_long through argp, which points to a live one.
    cvt_wsa(unsafe { sys::ioctlsocket(s.raw(), sys::FIONBIO, &mut nonblocking) })?;
    Ok(s)
}

/// One `send` of one byte: the waker's wake on Windows.
pub(crate) fn send_byte(s: &OwnedSocket) -> Result<()> {
    let byte = 1u8;
    // SAFETY: buf points to one readable byte for the call; s is an open socket.
    cvt_wsa(unsafe { sys::send(s.raw(), (&byte as *const u8).cast(), 1, 0) }).map(drop)
}

/// One `recv` into `buf`: the byte count.
pub(crate) fn recv(s: &OwnedSocket, buf: &mut [u8]) -> Result<usize> {
    let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: buf is valid for writes of len <= buf.len() bytes for the call.
    let n = cvt_wsa(unsafe { sys::recv(s.raw(), buf.as_mut_ptr().cast(), len, 0) })?;
    Ok(n as usize)
}

/// `QueryPerformanceCounter` as a `Duration` since an arbitrary epoch (boot): monotonic.
pub(crate) fn monotonic_now() -> Duration {
    let (mut ticks, mut freq): (sys::LARGE_INTEGER, sys::LARGE_INTEGER) = (0, 0);
    // SAFETY: ticks is a valid, writable LARGE_INTEGER; the call cannot fail on Windows XP
    // and later (profileapi.h).
    unsafe { sys::QueryPerformanceCounter(&mut ticks) };
    // SAFETY: as above, for freq.
    unsafe { sys::QueryPerformanceFrequency(&mut freq) };
    let ticks = u64::try_from(ticks).unwrap_or(0);
    let freq = u64::try_from(freq).unwrap_or(1).max(1);
    let nanos = u128::from(ticks % freq) * 1_000_000_000 / u128::from(freq);
    // ticks % freq < freq, so nanos < 10^9.
    Duration::new(ticks / freq, nanos as u32)
}

/// `Sleep`: wait out `timeout` (`None`: forever), rounded up to the millisecond. What an empty
/// `SelectSelector` does on Windows, where `select` with three empty sets fails.
pub(crate) fn sleep(timeout: Option<Duration>) {
    let ms = match timeout {
        None => sys::INFINITE,
        Some(t) => u32::try_from(crate::timeout::to_millis(Some(t)))
            .unwrap_or(0)
            .min(sys::INFINITE - 1),
    };
    // SAFETY: Sleep takes a plain integer and has no failure mode.
    unsafe { sys::Sleep(ms) }
}
