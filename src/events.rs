//! The event mask: [`EVENT_READ`] and [`EVENT_WRITE`], Python's `selectors.EVENT_READ` (1) and
//! `selectors.EVENT_WRITE` (2).

use core::fmt;
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

/// A bit mask of I/O events, Python's `events` integer.
///
/// Only [`EVENT_READ`] (1) and [`EVENT_WRITE`] (2) are meaningful. Other bits can be carried
/// (with [`Events::from_bits_retain`]) so that code ported from Python can pass the masks it
/// passes there; `register` and `modify` reject them with
/// [`Error::InvalidEvents`](crate::Error::InvalidEvents), as Python raises `ValueError`.
///
/// ```
/// use ioselectors::{Events, EVENT_READ, EVENT_WRITE};
///
/// let both = EVENT_READ | EVENT_WRITE;
/// assert_eq!(both.bits(), 3);
/// assert!(both.contains(EVENT_READ));
/// assert_eq!(both & EVENT_WRITE, EVENT_WRITE);
/// assert_eq!(Events::from_bits(4), None); // not a READ/WRITE mask
/// assert!(Events::from_bits_retain(4).validate().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Events(u32);

/// Available for read: Python's `selectors.EVENT_READ` (1).
pub const EVENT_READ: Events = Events(1);
/// Available for write: Python's `selectors.EVENT_WRITE` (2).
pub const EVENT_WRITE: Events = Events(2);

impl Events {
    /// No events. Not a valid mask for `register` (Python's `ValueError: Invalid events: 0`).
    pub const EMPTY: Events = Events(0);
    /// [`EVENT_READ`].
    pub const READ: Events = EVENT_READ;
    /// [`EVENT_WRITE`].
    pub const WRITE: Events = EVENT_WRITE;
    /// `EVENT_READ | EVENT_WRITE`.
    pub const READ_WRITE: Events = Events(3);

    /// The raw bits, as Python's integer mask.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Checked construction: `Some` when `bits` holds only `EVENT_READ | EVENT_WRITE` bits
    /// (0 included, as `Events::EMPTY`).
    pub const fn from_bits(bits: u32) -> Option<Events> {
        if bits & !Self::READ_WRITE.0 == 0 {
            Some(Events(bits))
        } else {
            None
        }
    }

    /// Keeps only the `EVENT_READ | EVENT_WRITE` bits of `bits`.
    pub const fn from_bits_truncate(bits: u32) -> Events {
        Events(bits & Self::READ_WRITE.0)
    }

    /// Carries `bits` unchecked, as a Python integer mask would be; `register` and `modify`
    /// validate it.
    pub const fn from_bits_retain(bits: u32) -> Events {
        Events(bits)
    }

    /// Whether every bit of `other` is set in `self`.
    pub const fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any bit of `other` is set in `self`.
    pub const fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether [`EVENT_READ`] is set.
    pub const fn is_readable(self) -> bool {
        self.contains(EVENT_READ)
    }

    /// Whether [`EVENT_WRITE`] is set.
    pub const fn is_writable(self) -> bool {
        self.contains(EVENT_WRITE)
    }

    /// Python's check in `BaseSelector.register`: `(not events) or (events & ~(EVENT_READ |
    /// EVENT_WRITE))` is an error.
    ///
    /// # Errors
    /// [`Error::InvalidEvents`](crate::Error::InvalidEvents) for an empty mask or one with other
    /// bits.
    pub const fn validate(self) -> crate::Result<Events> {
        if self.0 == 0 || self.0 & !Self::READ_WRITE.0 != 0 {
            Err(crate::Error::InvalidEvents(self.0))
        } else {
            Ok(self)
        }
    }
}

impl BitOr for Events {
    type Output = Events;
    fn bitor(self, rhs: Events) -> Events {
        Events(self.0 | rhs.0)
    }
}

impl BitOrAssign for Events {
    fn bitor_assign(&mut self, rhs: Events) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for Events {
    type Output = Events;
    fn bitand(self, rhs: Events) -> Events {
        Events(self.0 & rhs.0)
    }
}

impl BitAndAssign for Events {
    fn bitand_assign(&mut self, rhs: Events) {
        self.0 &= rhs.0;
    }
}

impl Not for Events {
    type Output = Events;
    /// The complement within `EVENT_READ | EVENT_WRITE`.
    fn not(self) -> Events {
        Events(!self.0 & Self::READ_WRITE.0)
    }
}

impl From<Events> for u32 {
    fn from(events: Events) -> u32 {
        events.0
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut part = |f: &mut fmt::Formatter<'_>, s: fmt::Arguments<'_>| {
            let sep = if first { "" } else { " | " };
            first = false;
            write!(f, "{sep}{s}")
        };
        if self.is_readable() {
            part(f, format_args!("EVENT_READ"))?;
        }
        if self.is_writable() {
            part(f, format_args!("EVENT_WRITE"))?;
        }
        let rest = self.0 & !Self::READ_WRITE.0;
        if rest != 0 {
            part(f, format_args!("{rest:#x}"))?;
        }
        if first {
            f.write_str("0")?;
        }
        Ok(())
    }
}

impl fmt::Display for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn values_match_python() {
        assert_eq!(EVENT_READ.bits(), 1);
        assert_eq!(EVENT_WRITE.bits(), 2);
        assert_eq!((EVENT_READ | EVENT_WRITE).bits(), 3);
    }

    #[test]
    fn validation_matches_python() {
        // Python: (not events) or (events & ~(EVENT_READ | EVENT_WRITE)) -> ValueError
        for bits in 0..=64u32 {
            let ok = bits != 0 && bits & !3 == 0;
            assert_eq!(
                Events::from_bits_retain(bits).validate().is_ok(),
                ok,
                "{bits}"
            );
        }
        assert!(Events::from_bits_retain(999_999).validate().is_err());
        assert!(Events::from_bits_retain(u32::MAX).validate().is_err());
    }

    #[test]
    fn checked_construction() {
        assert_eq!(Events::from_bits(0), Some(Events::EMPTY));
        assert_eq!(Events::from_bits(3), Some(Events::READ_WRITE));
        assert_eq!(Events::from_bits(4), None);
        assert_eq!(Events::from_bits_truncate(7), Events::READ_WRITE);
    }

    #[test]
    fn ops_and_debug() {
        let mut e = EVENT_READ;
        e |= EVENT_WRITE;
        assert!(e.contains(EVENT_READ) && e.contains(EVENT_WRITE));
        e &= EVENT_WRITE;
        assert_eq!(e, EVENT_WRITE);
        assert_eq!(!EVENT_READ, EVENT_WRITE);
        assert_eq!(
            format!("{:?}", EVENT_READ | EVENT_WRITE),
            "EVENT_READ | EVENT_WRITE"
        );
        assert_eq!(format!("{:?}", Events::EMPTY), "0");
        assert_eq!(
            format!("{:?}", Events::from_bits_retain(5)),
            "EVENT_READ | 0x4"
        );
        assert_eq!(format!("{}", EVENT_WRITE), "2");
    }
}

/// The kernel bits a mask asks for on poll, epoll and /dev/poll: `in_bit` for READ, `out_bit`
/// for WRITE (Python's `_PollLikeSelector.register`).
#[cfg_attr(windows, allow(dead_code))] // the poll-like backends are unix-only
pub(crate) const fn to_poll_like(events: Events, in_bit: u32, out_bit: u32) -> u32 {
    let mut bits = 0;
    if events.is_readable() {
        bits |= in_bit;
    }
    if events.is_writable() {
        bits |= out_bit;
    }
    bits
}

/// Returned kernel bits to READ/WRITE exactly as CPython's poll-like `select()`: any bit other
/// than IN reports WRITE, any bit other than OUT reports READ. So HUP, ERR and NVAL wake
/// whatever the key asked for (the caller masks with the key's events).
#[cfg_attr(windows, allow(dead_code))] // the poll-like backends are unix-only
pub(crate) const fn from_poll_like(revents: u32, in_bit: u32, out_bit: u32) -> Events {
    let mut events = 0;
    if revents & !in_bit != 0 {
        events |= EVENT_WRITE.0;
    }
    if revents & !out_bit != 0 {
        events |= EVENT_READ.0;
    }
    Events(events)
}

/// `from_poll_like(revents) & from_poll_like(asked)` for an `asked` that holds nothing but
/// `in_bit` and `out_bit` (a key's events in the kernel's form, as poll's `events` field does),
/// in fewer operations: READ if asked for and any bit other than OUT came back, WRITE if asked
/// for and any bit other than IN came back.
#[cfg_attr(windows, allow(dead_code))] // the poll-like backends are unix-only
#[inline]
pub(crate) const fn from_poll_like_asked(
    revents: u32,
    asked: u32,
    in_bit: u32,
    out_bit: u32,
) -> Events {
    let read = (revents & !out_bit != 0) & (asked & in_bit != 0);
    let write = (revents & !in_bit != 0) & (asked & out_bit != 0);
    Events((read as u32 * EVENT_READ.0) | (write as u32 * EVENT_WRITE.0))
}

#[cfg(test)]
mod poll_like_tests {
    use super::*;
    const IN: u32 = 0x1;
    const OUT: u32 = 0x4;
    const ERR: u32 = 0x8;
    const HUP: u32 = 0x10;
    const NVAL: u32 = 0x20;

    #[test]
    fn cpython_rule() {
        assert_eq!(from_poll_like(0, IN, OUT), Events::EMPTY);
        assert_eq!(from_poll_like(IN, IN, OUT), EVENT_READ);
        assert_eq!(from_poll_like(OUT, IN, OUT), EVENT_WRITE);
        assert_eq!(from_poll_like(IN | OUT, IN, OUT), Events::READ_WRITE);
        for other in [ERR, HUP, NVAL, ERR | HUP, 0x2, 0x2000] {
            assert_eq!(
                from_poll_like(other, IN, OUT),
                Events::READ_WRITE,
                "{other:#x}"
            );
            assert_eq!(from_poll_like(other | IN, IN, OUT), Events::READ_WRITE);
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "exhaustive over 2^16 revents of integer arithmetic, no unsafe and no memory access: 52 s under Miri checks nothing the native run does not"
    )]
    fn asked_is_the_masked_rule() {
        for asked in [IN, OUT, IN | OUT] {
            for revents in 0..=0xffff {
                assert_eq!(
                    from_poll_like_asked(revents, asked, IN, OUT),
                    from_poll_like(revents, IN, OUT) & from_poll_like(asked, IN, OUT),
                    "revents {revents:#x} asked {asked:#x}"
                );
            }
        }
    }

    #[test]
    fn request_bits() {
        assert_eq!(to_poll_like(EVENT_READ, IN, OUT), IN);
        assert_eq!(to_poll_like(EVENT_WRITE, IN, OUT), OUT);
        assert_eq!(to_poll_like(Events::READ_WRITE, IN, OUT), IN | OUT);
        assert_eq!(to_poll_like(Events::EMPTY, IN, OUT), 0);
    }
}
