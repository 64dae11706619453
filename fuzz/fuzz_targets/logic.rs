//! The pure logic, no fds: event masks from raw bits (checked, retained, truncated,
//! validated), their operators, Debug and Display; errors' Display, Python class and
//! `io::Error` conversion; CPython's poll-like translation of kernel bits and its inverse;
//! timeout conversion to milliseconds, `timeval` and `timespec` (rounded up exactly once,
//! never to zero, saturating). No panic on any input, and every round trip holds.
#![no_main]

use std::ffi::c_int;
use std::io::ErrorKind;
use std::time::Duration;

use ioselectors::__fuzz::{
    from_poll_like, to_millis, to_poll_like, to_timespec, to_timeval, MAX_WAIT_SECS,
};
use ioselectors::{Error, Events, EVENT_READ, EVENT_WRITE};
use libfuzzer_sys::fuzz_target;

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }
    fn duration(&mut self) -> Duration {
        let secs = self.u64();
        let nanos = self.u32() % 1_000_000_000;
        // Mostly small values, where rounding happens; sometimes anything.
        match secs % 4 {
            0 => Duration::new(0, nanos),
            1 => Duration::new(secs % 100_000, nanos),
            2 => Duration::new(secs % (3 * 86_400 * 10_000), nanos),
            _ => Duration::new(secs, nanos),
        }
    }
}

fn check_events(bits: u32, other: u32) {
    let e = Events::from_bits_retain(bits);
    assert_eq!(e.bits(), bits);
    assert_eq!(u32::from(e), bits);
    assert_eq!(Events::from_bits(bits).is_some(), bits & !3 == 0);
    if let Some(c) = Events::from_bits(bits) {
        assert_eq!(c, e);
    }
    assert_eq!(Events::from_bits_truncate(bits).bits(), bits & 3);
    match e.validate() {
        Ok(v) => {
            assert!(matches!(bits, 1..=3), "{bits} validated");
            assert_eq!(v, e);
        }
        Err(err) => {
            assert!(!matches!(bits, 1..=3), "{bits} rejected");
            assert_eq!(err, Error::InvalidEvents(bits));
        }
    }
    assert_eq!(e.is_empty(), bits == 0);
    assert_eq!(e.is_readable(), bits & 1 != 0);
    assert_eq!(e.is_writable(), bits & 2 != 0);
    assert_eq!(e.is_readable(), e.contains(EVENT_READ));
    assert_eq!(e.is_writable(), e.contains(EVENT_WRITE));

    let o = Events::from_bits_retain(other);
    assert_eq!((e | o).bits(), bits | other);
    assert_eq!((e & o).bits(), bits & other);
    assert_eq!((!e).bits(), !bits & 3);
    assert_eq!(e.contains(o), bits & other == other);
    assert_eq!(e.intersects(o), bits & other != 0);
    let mut m = e;
    m |= o;
    assert_eq!(m, e | o);
    m &= o;
    assert_eq!(m, (e | o) & o);

    // Debug spells the mask as Python would read it; Display is the integer.
    let mut want = Vec::new();
    if bits & 1 != 0 {
        want.push("EVENT_READ".to_string());
    }
    if bits & 2 != 0 {
        want.push("EVENT_WRITE".to_string());
    }
    if bits & !3 != 0 {
        want.push(format!("{:#x}", bits & !3));
    }
    let want = if want.is_empty() {
        "0".to_string()
    } else {
        want.join(" | ")
    };
    assert_eq!(format!("{e:?}"), want);
    assert_eq!(e.to_string(), bits.to_string());
}

fn check_error(err: Error) {
    let msg = err.to_string();
    assert!(!msg.is_empty());
    let io = std::io::Error::from(err);
    let (class, kind) = match err {
        Error::InvalidEvents(b) => {
            assert_eq!(msg, format!("Invalid events: {b}"));
            ("ValueError", ErrorKind::InvalidInput)
        }
        Error::InvalidFd(fd) => {
            assert_eq!(msg, format!("Invalid file descriptor: {fd}"));
            ("ValueError", ErrorKind::InvalidInput)
        }
        Error::AlreadyRegistered(_) => ("KeyError", ErrorKind::AlreadyExists),
        Error::NotRegistered(_) => ("KeyError", ErrorKind::NotFound),
        Error::Closed => ("RuntimeError", ErrorKind::Other),
        Error::Os(errno) => {
            assert_eq!(io.raw_os_error(), Some(errno));
            assert_eq!(err.raw_os_error(), Some(errno));
            assert_eq!(err.python_exception(), "OSError");
            return;
        }
        _ => unreachable!("a new Error variant: teach the logic target about it"),
    };
    assert_eq!(err.raw_os_error(), None);
    assert_eq!(err.python_exception(), class);
    assert_eq!(io.kind(), kind);
    assert_eq!(io.to_string(), msg);
}

fn check_poll_like(revents: u32, a: u32, b: u32) {
    // The real bit values (POLLIN/EPOLLIN = 1, POLLOUT/EPOLLOUT = 4) and arbitrary distinct
    // single bits.
    let (ia, ib) = (a % 32, b % 32);
    let pairs = [
        (1, 4),
        (1 << ia, 1 << (if ia == ib { (ib + 1) % 32 } else { ib })),
    ];
    for (inb, outb) in pairs {
        let e = from_poll_like(revents, inb, outb);
        assert_eq!(e.bits() & !3, 0);
        assert_eq!(e.is_readable(), revents & !outb != 0, "{revents:#x}");
        assert_eq!(e.is_writable(), revents & !inb != 0, "{revents:#x}");
        for mask in [Events::EMPTY, EVENT_READ, EVENT_WRITE, Events::READ_WRITE] {
            let kbits = to_poll_like(mask, inb, outb);
            assert_eq!(kbits & !(inb | outb), 0);
            assert_eq!(
                from_poll_like(kbits, inb, outb),
                mask,
                "round trip {mask:?}"
            );
        }
    }
}

fn check_timeouts(d: Duration, e: Duration) {
    assert_eq!(to_millis(None), -1);
    let ms = to_millis(Some(d));
    let exact_ms = d.as_nanos().div_ceil(1_000_000);
    if exact_ms <= c_int::MAX as u128 {
        assert_eq!(ms as u128, exact_ms, "{d:?}");
    } else {
        assert_eq!(ms, c_int::MAX, "{d:?}");
    }
    assert_eq!(ms == 0, d.is_zero(), "{d:?}: zero only for zero");
    // Monotonic.
    let (lo, hi) = if d <= e { (d, e) } else { (e, d) };
    assert!(to_millis(Some(lo)) <= to_millis(Some(hi)));

    let (sec, usec) = to_timeval(d);
    let (tsec, nsec) = to_timespec(d);
    if d.as_secs() >= MAX_WAIT_SECS {
        assert_eq!((sec, usec), (MAX_WAIT_SECS as i64, 0));
        assert_eq!((tsec, nsec), (MAX_WAIT_SECS as i64, 0));
    } else {
        assert!((0..1_000_000).contains(&usec), "{d:?}");
        assert_eq!(
            sec as u128 * 1_000_000 + usec as u128,
            d.as_nanos().div_ceil(1_000),
            "{d:?}"
        );
        assert_eq!((tsec as u64, nsec as u32), (d.as_secs(), d.subsec_nanos()));
        assert_eq!((sec, usec) == (0, 0), d.is_zero());
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let (bits, other) = (input.u32(), input.u32());
    check_events(bits, other);
    let fd = bits as i32;
    for err in [
        Error::InvalidEvents(bits),
        Error::InvalidFd(fd),
        Error::AlreadyRegistered(fd),
        Error::NotRegistered(fd),
        Error::Closed,
        Error::Os(other as i32 % 4096),
    ] {
        check_error(err);
    }
    let (revents, a, b) = (input.u32(), input.u32(), input.u32());
    check_poll_like(revents, a, b);
    let (d, e) = (input.duration(), input.duration());
    check_timeouts(d, e);
});
