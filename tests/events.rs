//! `Events`' operators and conversions against the same operations on Python's integer masks
//! (`u32` here), over overlapping masks (`READ | READ`, `READ_WRITE | WRITE`) and masks with
//! bits outside `EVENT_READ | EVENT_WRITE` (carried by `from_bits_retain`, as a Python int
//! would be). The complement is the exception: Python's `~EVENT_READ` is `-2`, `!EVENT_READ`
//! stays within `READ | WRITE` (`EVENT_WRITE`).

use ioselectors::{Error, Events, EVENT_READ, EVENT_WRITE};

/// Masks: the four valid ones, and out-of-range ones alone and mixed with READ/WRITE.
const MASKS: &[u32] = &[
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    0x10,
    0xff,
    0x100,
    0x8000_0000,
    0x8000_0001,
    0xffff_fffc,
    0xffff_fffd,
    u32::MAX,
];

fn ev(bits: u32) -> Events {
    Events::from_bits_retain(bits)
}

#[test]
fn binary_operators_are_the_integer_ones() {
    for &a in MASKS {
        for &b in MASKS {
            assert_eq!((ev(a) | ev(b)).bits(), a | b, "{a:#x} | {b:#x}");
            assert_eq!((ev(a) & ev(b)).bits(), a & b, "{a:#x} & {b:#x}");
            let mut e = ev(a);
            e |= ev(b);
            assert_eq!(e.bits(), a | b, "{a:#x} |= {b:#x}");
            let mut e = ev(a);
            e &= ev(b);
            assert_eq!(e.bits(), a & b, "{a:#x} &= {b:#x}");
            assert_eq!(ev(a).contains(ev(b)), a & b == b, "{a:#x} contains {b:#x}");
            assert_eq!(
                ev(a).intersects(ev(b)),
                a & b != 0,
                "{a:#x} intersects {b:#x}"
            );
        }
    }
}

#[test]
fn overlapping_masks() {
    // `|` is not `^`: a bit set on both sides stays set.
    assert_eq!(EVENT_READ | EVENT_READ, EVENT_READ);
    assert_eq!(Events::READ_WRITE | EVENT_WRITE, Events::READ_WRITE);
    assert_eq!(EVENT_READ | EVENT_WRITE | EVENT_READ, Events::READ_WRITE);
    let mut e = Events::READ_WRITE;
    e |= EVENT_READ;
    assert_eq!(e, Events::READ_WRITE);
    // `&` keeps only the common bits.
    assert_eq!(Events::READ_WRITE & EVENT_READ, EVENT_READ);
    assert_eq!(EVENT_READ & EVENT_WRITE, Events::EMPTY);
    let mut e = Events::READ_WRITE;
    e &= Events::READ_WRITE;
    assert_eq!(e, Events::READ_WRITE);
}

#[test]
fn complement_stays_within_read_write() {
    for &a in MASKS {
        assert_eq!((!ev(a)).bits(), !a & 3, "!{a:#x}");
    }
    assert_eq!(!Events::EMPTY, Events::READ_WRITE);
    assert_eq!(!Events::READ_WRITE, Events::EMPTY);
    assert_eq!(!EVENT_WRITE, EVENT_READ);
    assert_eq!(!ev(u32::MAX), Events::EMPTY);
}

#[test]
fn conversions_keep_every_bit() {
    for &a in MASKS {
        let e = ev(a);
        assert_eq!(u32::from(e), a, "u32::from({a:#x})");
        assert_eq!(e.bits(), a);
        assert_eq!(
            format!("{e}"),
            a.to_string(),
            "Display of {a:#x} is Python's int"
        );
        assert_eq!(Events::from_bits_truncate(a).bits(), a & 3);
        assert_eq!(Events::from_bits(a), (a & !3 == 0).then(|| ev(a)), "{a:#x}");
        assert_eq!(e.is_empty(), a == 0);
        assert_eq!(e.is_readable(), a & 1 != 0);
        assert_eq!(e.is_writable(), a & 2 != 0);
        // Python's `register` check: `(not events) or (events & ~(EVENT_READ | EVENT_WRITE))`.
        let valid = a != 0 && a & !3 == 0;
        assert_eq!(
            e.validate(),
            if valid {
                Ok(e)
            } else {
                Err(Error::InvalidEvents(a))
            }
        );
    }
    assert_eq!(u32::from(Events::READ_WRITE), 3);
    assert_eq!(u32::from(EVENT_WRITE), 2);
    assert_eq!(u32::from(Events::EMPTY), 0);
}

#[test]
fn debug_names_the_bits_and_shows_the_rest() {
    assert_eq!(format!("{:?}", Events::EMPTY), "0");
    assert_eq!(format!("{EVENT_READ:?}"), "EVENT_READ");
    assert_eq!(format!("{EVENT_WRITE:?}"), "EVENT_WRITE");
    assert_eq!(format!("{:?}", ev(4)), "0x4");
    assert_eq!(format!("{:?}", ev(6)), "EVENT_WRITE | 0x4");
    assert_eq!(
        format!("{:?}", ev(u32::MAX)),
        "EVENT_READ | EVENT_WRITE | 0xfffffffc"
    );
}

#[test]
fn order_and_default_are_the_integers() {
    assert_eq!(Events::default(), Events::EMPTY);
    for &a in MASKS {
        for &b in MASKS {
            assert_eq!(ev(a).cmp(&ev(b)), a.cmp(&b), "{a:#x} vs {b:#x}");
        }
    }
}
