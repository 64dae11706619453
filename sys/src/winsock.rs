//! Winsock `select` and what it needs (Windows only): `SOCKET`, `fd_set`, `timeval`/`TIMEVAL`,
//! `select`, `WSAGetLastError`, `WSAStartup`/`WSADATA`, `getsockopt(SO_TYPE)`, the `WSAE*`
//! error values the safe layer matches on, and the kernel32 clock and sleep
//! (`QueryPerformanceCounter`/`QueryPerformanceFrequency`, `Sleep`).
//!
//! Transcribed from the Windows SDK headers named on each item (`winsock2.h`, `ws2def.h`,
//! `winerror.h`, `profileapi.h`, `synchapi.h`, `winbase.h`, `minwindef.h`). The `libc` crate
//! defines only `SOCKET`, `timeval` and `getsockopt` of these for Windows;
//! `tests/sys_layout_windows.rs` compares those, and the layout asserts at the end of this file
//! pin the rest.
//!
//! Winsock functions use the `system` calling convention (`WSAAPI` is `__stdcall`, which is the
//! C convention on 64-bit Windows) and live in `ws2_32.dll`; the clock and `Sleep` live in
//! `kernel32.dll`.

use crate::{c_char, c_int, c_long, c_ulong, c_ushort};

/// `WORD` (`minwindef.h`): 16-bit unsigned.
pub type WORD = u16;
/// `DWORD` (`minwindef.h`): 32-bit unsigned.
pub type DWORD = u32;
/// `BOOL` (`minwindef.h`): `int`, non-zero for TRUE.
pub type BOOL = c_int;
/// `LARGE_INTEGER` (`winnt.h`): a union whose `QuadPart` is a signed 64-bit integer, with the
/// same size, alignment and passing convention as `i64`; declared as its `QuadPart`.
pub type LARGE_INTEGER = i64;

/// `SOCKET` (`winsock2.h`: `typedef UINT_PTR SOCKET;`): a socket handle, pointer-sized and
/// unsigned.
pub type SOCKET = usize;

/// `INVALID_SOCKET` (`winsock2.h`: `(SOCKET)(~0)`).
pub const INVALID_SOCKET: SOCKET = !0;
/// `SOCKET_ERROR` (`winsock2.h`): the failure return of most winsock functions.
pub const SOCKET_ERROR: c_int = -1;

/// `FD_SETSIZE` (`winsock2.h`): the default capacity of an `fd_set`, 64.
///
/// Unlike unix, this is not a limit on socket values: `fd_set` is a count plus an array, and
/// winsock reads `fd_count` entries, so a caller may pass a larger array with the same header
/// (CPython compiles with 512; the `ioselectors` safe layer sizes it to what is registered).
pub const FD_SETSIZE: usize = 64;

/// `fd_set` (`winsock2.h`): a count followed by that many sockets. `select` reads the first
/// `fd_count` entries of `fd_array` and compacts the ready ones to the front, updating
/// `fd_count`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct fd_set {
    /// The number of sockets in `fd_array` (`u_int`).
    pub fd_count: u32,
    /// The sockets; only the first `fd_count` are meaningful.
    pub fd_array: [SOCKET; FD_SETSIZE],
}

/// `struct timeval` (`winsock2.h`): the timeout of `select`. Both fields are `long`, which is
/// 32-bit on Windows (LLP64), so the longest timeout is about 68 years.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct timeval {
    /// Seconds.
    pub tv_sec: c_long,
    /// Microseconds, `0..1_000_000`.
    pub tv_usec: c_long,
}

/// `TIMEVAL` (`winsock2.h`: `typedef struct timeval { ... } TIMEVAL`).
pub type TIMEVAL = timeval;

/// `WSADESCRIPTION_LEN` (`winsock2.h`).
pub const WSADESCRIPTION_LEN: usize = 256;
/// `WSASYS_STATUS_LEN` (`winsock2.h`).
pub const WSASYS_STATUS_LEN: usize = 128;

/// `WSADATA` (`winsock2.h`), filled by `WSAStartup`, 64-bit layout (`_WIN64`: the short fields
/// and the pointer come first).
#[cfg(target_pointer_width = "64")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WSADATA {
    /// The version the caller should use.
    pub wVersion: WORD,
    /// The highest version the DLL supports.
    pub wHighVersion: WORD,
    /// Obsolete since Winsock 2 (ignore).
    pub iMaxSockets: c_ushort,
    /// Obsolete since Winsock 2 (ignore).
    pub iMaxUdpDg: c_ushort,
    /// Obsolete since Winsock 2 (ignore).
    pub lpVendorInfo: *mut c_char,
    /// A NUL-terminated description of the implementation.
    pub szDescription: [c_char; WSADESCRIPTION_LEN + 1],
    /// A NUL-terminated status or configuration string.
    pub szSystemStatus: [c_char; WSASYS_STATUS_LEN + 1],
}

/// `WSADATA` (`winsock2.h`), filled by `WSAStartup`, 32-bit layout (the strings come first).
#[cfg(target_pointer_width = "32")]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WSADATA {
    /// The version the caller should use.
    pub wVersion: WORD,
    /// The highest version the DLL supports.
    pub wHighVersion: WORD,
    /// A NUL-terminated description of the implementation.
    pub szDescription: [c_char; WSADESCRIPTION_LEN + 1],
    /// A NUL-terminated status or configuration string.
    pub szSystemStatus: [c_char; WSASYS_STATUS_LEN + 1],
    /// Obsolete since Winsock 2 (ignore).
    pub iMaxSockets: c_ushort,
    /// Obsolete since Winsock 2 (ignore).
    pub iMaxUdpDg: c_ushort,
    /// Obsolete since Winsock 2 (ignore).
    pub lpVendorInfo: *mut c_char,
}

/// `MAKEWORD(low, high)` (`minwindef.h`), e.g. `MAKEWORD(2, 2)` for `WSAStartup`.
pub const fn MAKEWORD(low: u8, high: u8) -> WORD {
    (low as WORD) | ((high as WORD) << 8)
}

/// `SOL_SOCKET` (`ws2def.h`: `0xffff`): the socket-level option level.
pub const SOL_SOCKET: c_int = 0xffff;
/// `SO_TYPE` (`ws2def.h`: `0x1008`): the socket type (`SOCK_STREAM`, ...), read-only.
pub const SO_TYPE: c_int = 0x1008;

// Error values (`winerror.h`, also `winsock2.h` as `WSABASEERR + n`), as returned by
// `WSAGetLastError` and stored by the safe layer in `Error::Os`.

/// `WSAEINTR` (10004): a blocking call was interrupted by `WSACancelBlockingCall`.
pub const WSAEINTR: c_int = 10004;
/// `WSAEBADF` (10009): the file handle is not valid.
pub const WSAEBADF: c_int = 10009;
/// `WSAEFAULT` (10014): a pointer argument is not valid.
pub const WSAEFAULT: c_int = 10014;
/// `WSAEINVAL` (10022): an argument is not valid, e.g. three empty sets given to `select`.
pub const WSAEINVAL: c_int = 10022;
/// `WSAEMFILE` (10024): too many open sockets.
pub const WSAEMFILE: c_int = 10024;
/// `WSAEWOULDBLOCK` (10035): a non-blocking operation could not complete immediately.
pub const WSAEWOULDBLOCK: c_int = 10035;
/// `WSAEINPROGRESS` (10036): a blocking operation is in progress.
pub const WSAEINPROGRESS: c_int = 10036;
/// `WSAENOTSOCK` (10038): the handle is not a socket (closed, or never was one).
pub const WSAENOTSOCK: c_int = 10038;
/// `WSAEOPNOTSUPP` (10045): the operation is not supported.
pub const WSAEOPNOTSUPP: c_int = 10045;
/// `WSAENETDOWN` (10050): the network subsystem has failed.
pub const WSAENETDOWN: c_int = 10050;
/// `WSAENOBUFS` (10055): no buffer space available.
pub const WSAENOBUFS: c_int = 10055;
/// `WSAECONNREFUSED` (10061): the peer refused the connection.
pub const WSAECONNREFUSED: c_int = 10061;
/// `WSASYSNOTREADY` (10091): the network subsystem is not ready (from `WSAStartup`).
pub const WSASYSNOTREADY: c_int = 10091;
/// `WSAVERNOTSUPPORTED` (10092): the requested winsock version is not supported.
pub const WSAVERNOTSUPPORTED: c_int = 10092;
/// `WSANOTINITIALISED` (10093): `WSAStartup` has not been called successfully.
pub const WSANOTINITIALISED: c_int = 10093;

/// `ERROR_NOT_ENOUGH_MEMORY` (`winerror.h`: 8).
pub const ERROR_NOT_ENOUGH_MEMORY: c_int = 8;
/// `ERROR_CALL_NOT_IMPLEMENTED` (`winerror.h`: 120): the function is not supported on this
/// system (the Windows counterpart of `ENOSYS`).
pub const ERROR_CALL_NOT_IMPLEMENTED: c_int = 120;

/// `INFINITE` (`winbase.h`: `0xFFFFFFFF`): wait forever.
pub const INFINITE: DWORD = 0xFFFF_FFFF;

#[cfg(windows)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
#[link(name = "ws2_32")]
extern "system" {
    /// `select` (`winsock2.h`): wait until sockets in the sets are ready or the timeout passes.
    /// `nfds` is ignored. Null sets are allowed, but not all three null or empty
    /// (`WSAEINVAL`). Each set is rewritten to hold only its ready sockets. A null `timeout`
    /// blocks. Returns the total number of ready entries, 0 on timeout, or `SOCKET_ERROR`
    /// (see `WSAGetLastError`).
    pub fn select(
        nfds: c_int,
        readfds: *mut fd_set,
        writefds: *mut fd_set,
        exceptfds: *mut fd_set,
        timeout: *const timeval,
    ) -> c_int;

    /// `WSAGetLastError` (`winsock2.h`): the calling thread's last winsock error.
    pub fn WSAGetLastError() -> c_int;

    /// `WSAStartup` (`winsock2.h`): initialise winsock for this process (reference-counted;
    /// each successful call should be matched by `WSACleanup`). Returns 0 or an error value
    /// directly (not through `WSAGetLastError`).
    pub fn WSAStartup(wVersionRequested: WORD, lpWSAData: *mut WSADATA) -> c_int;

    /// `WSACleanup` (`winsock2.h`): release one `WSAStartup` reference.
    pub fn WSACleanup() -> c_int;

    /// `getsockopt` (`winsock2.h`): read a socket option into `optval` (`*optlen` bytes,
    /// updated). `SOCKET_ERROR` with `WSAENOTSOCK` when `s` is not a socket.
    pub fn getsockopt(
        s: SOCKET,
        level: c_int,
        optname: c_int,
        optval: *mut c_char,
        optlen: *mut c_int,
    ) -> c_int;
}

/// Address family: IPv4 (`ws2def.h`).
pub const AF_INET: c_int = 2;
/// Socket type: datagram (`winsock2.h`).
pub const SOCK_DGRAM: c_int = 2;
/// Protocol: UDP (`ws2def.h`).
pub const IPPROTO_UDP: c_int = 17;
/// `ioctlsocket` command: set (non-zero argument) or clear non-blocking mode (`winsock2.h`:
/// `_IOW('f', 126, u_long)`).
pub const FIONBIO: c_long = 0x8004_667E_u32 as c_long;
/// `INADDR_LOOPBACK`, 127.0.0.1, in host order (`ws2def.h`); `s_addr` takes network order.
pub const INADDR_LOOPBACK: u32 = 0x7F00_0001;

/// `struct in_addr` (`inaddr.h`), reduced to its `S_addr` member (network byte order).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct in_addr {
    /// The address, network byte order.
    pub s_addr: u32,
}

/// `struct sockaddr_in` (`ws2def.h`): an IPv4 address and port.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sockaddr_in {
    /// `AF_INET`.
    pub sin_family: c_ushort,
    /// Port, network byte order.
    pub sin_port: c_ushort,
    /// Address.
    pub sin_addr: in_addr,
    /// Padding to the size of `struct sockaddr`.
    pub sin_zero: [c_char; 8],
}

/// `struct sockaddr` (`ws2def.h`): the generic address the calls take a pointer to.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sockaddr {
    /// Address family.
    pub sa_family: c_ushort,
    /// Family-specific address.
    pub sa_data: [c_char; 14],
}

#[cfg(windows)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
#[link(name = "ws2_32")]
extern "system" {
    /// `socket` (`winsock2.h`): a new socket, or `INVALID_SOCKET`. Not inheritable by child
    /// processes (winsock sockets are made non-inheritable since Windows 7 SP1).
    pub fn socket(af: c_int, ty: c_int, protocol: c_int) -> SOCKET;

    /// `bind` (`winsock2.h`): give `s` a local address. 0 or `SOCKET_ERROR`.
    pub fn bind(s: SOCKET, name: *const sockaddr, namelen: c_int) -> c_int;

    /// `connect` (`winsock2.h`): for a datagram socket, set its default peer. 0 or
    /// `SOCKET_ERROR`.
    pub fn connect(s: SOCKET, name: *const sockaddr, namelen: c_int) -> c_int;

    /// `getsockname` (`winsock2.h`): the local address of `s` (`*namelen` bytes, updated).
    pub fn getsockname(s: SOCKET, name: *mut sockaddr, namelen: *mut c_int) -> c_int;

    /// `send` (`winsock2.h`): send `len` bytes to the connected peer; the count or
    /// `SOCKET_ERROR`.
    pub fn send(s: SOCKET, buf: *const c_char, len: c_int, flags: c_int) -> c_int;

    /// `recv` (`winsock2.h`): receive up to `len` bytes (one datagram); the count or
    /// `SOCKET_ERROR`.
    pub fn recv(s: SOCKET, buf: *mut c_char, len: c_int, flags: c_int) -> c_int;

    /// `ioctlsocket` (`winsock2.h`): control the socket's mode (`FIONBIO`). 0 or
    /// `SOCKET_ERROR`.
    pub fn ioctlsocket(s: SOCKET, cmd: c_long, argp: *mut c_ulong) -> c_int;

    /// `closesocket` (`winsock2.h`): close a socket. 0 or `SOCKET_ERROR`.
    pub fn closesocket(s: SOCKET) -> c_int;
}

#[cfg(windows)] // the module's cfg again, for the docs.rs badge (foreign items: see lib.rs)
#[link(name = "kernel32")]
extern "system" {
    /// `QueryPerformanceCounter` (`profileapi.h`): the monotonic high-resolution counter, in
    /// ticks of `QueryPerformanceFrequency`. Never fails on Windows XP and later.
    pub fn QueryPerformanceCounter(lpPerformanceCount: *mut LARGE_INTEGER) -> BOOL;

    /// `QueryPerformanceFrequency` (`profileapi.h`): ticks per second of the counter, fixed at
    /// boot. Never fails on Windows XP and later.
    pub fn QueryPerformanceFrequency(lpFrequency: *mut LARGE_INTEGER) -> BOOL;

    /// `Sleep` (`synchapi.h`): suspend the calling thread for at least `dwMilliseconds`
    /// (`INFINITE` forever).
    pub fn Sleep(dwMilliseconds: DWORD);
}

// Layout, from the SDK headers (libc has none of these but `SOCKET` and `timeval`).
const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    // winsock2.h: typedef UINT_PTR SOCKET.
    assert!(size_of::<SOCKET>() == size_of::<*const u8>());
    // winsock2.h: struct fd_set { u_int fd_count; SOCKET fd_array[FD_SETSIZE]; }.
    // The array starts one SOCKET in (the u_int is padded to SOCKET's alignment on 64-bit),
    // which is what lets the safe layer pass a longer array of SOCKETs with a header slot.
    assert!(offset_of!(fd_set, fd_count) == 0);
    assert!(offset_of!(fd_set, fd_array) == size_of::<SOCKET>());
    assert!(align_of::<fd_set>() == align_of::<SOCKET>());
    assert!(size_of::<fd_set>() == (1 + FD_SETSIZE) * size_of::<SOCKET>());
    // winsock2.h: struct timeval { long tv_sec; long tv_usec; } with 32-bit long.
    assert!(size_of::<timeval>() == 8);
    assert!(align_of::<timeval>() == 4);
    assert!(offset_of!(timeval, tv_usec) == 4);
    // winsock2.h: WSADATA is 408 bytes on 64-bit, 400 on 32-bit.
    #[cfg(target_pointer_width = "64")]
    {
        assert!(size_of::<WSADATA>() == 408);
        assert!(offset_of!(WSADATA, lpVendorInfo) == 8);
        assert!(offset_of!(WSADATA, szDescription) == 16);
        assert!(offset_of!(WSADATA, szSystemStatus) == 273);
    }
    #[cfg(target_pointer_width = "32")]
    {
        assert!(size_of::<WSADATA>() == 400);
        assert!(offset_of!(WSADATA, szDescription) == 4);
        assert!(offset_of!(WSADATA, iMaxSockets) == 390);
        assert!(offset_of!(WSADATA, lpVendorInfo) == 396);
    }
    assert!(MAKEWORD(2, 2) == 0x0202);
    // ws2def.h: sockaddr_in and sockaddr are both 16 bytes.
    assert!(size_of::<sockaddr_in>() == 16 && size_of::<sockaddr>() == 16);
    assert!(offset_of!(sockaddr_in, sin_port) == 2 && offset_of!(sockaddr_in, sin_addr) == 4);
    assert!(FIONBIO == -2_147_195_266);
};
