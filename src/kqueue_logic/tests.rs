//! The decisions of `kqueue_logic` on hand-made receipts, and on `FakeKq`, a minimal in-memory
//! kqueue (filters, open fds, an injected refusal). The kernel models that run the whole backend
//! per OS are in `tests/kernels/kqueue.rs`.
use super::*;
use alloc::vec;
use alloc::vec::Vec;

const R: Events = Events::READ;
const W: Events = Events::WRITE;
const RW: Events = Events::READ_WRITE;

fn ch(fd: RawFd, filter: Filter, action: Action) -> Change {
    Change { fd, filter, action }
}

fn list(changes: &Changes) -> Vec<Change> {
    changes.iter().collect()
}

/// A receipt as the kernel writes it: flags = EV_ERROR, data = errno (0 = success).
fn receipt(fd: RawFd, filter: Filter, errno: i64) -> Kev {
    Kev {
        ident: fd as usize,
        filter: Some(filter),
        flags: EV_ERROR,
        data: errno,
        user: false,
    }
}

/// A readiness event: `data` is a byte count, flags may carry EV_EOF.
fn ev(fd: RawFd, filter: Filter, flags: u32) -> Kev {
    Kev {
        ident: fd as usize,
        filter: Some(filter),
        flags,
        user: false,
        data: 17,
    }
}

#[test]
fn change_lists() {
    use Action::*;
    use Filter::*;
    assert_eq!(list(&Changes::add(5, R)), [ch(5, Read, Add)]);
    assert_eq!(list(&Changes::add(5, W)), [ch(5, Write, Add)]);
    assert_eq!(
        list(&Changes::add(5, RW)),
        [ch(5, Read, Add), ch(5, Write, Add)]
    );
    assert_eq!(
        list(&Changes::delete(6, RW)),
        [ch(6, Read, Delete), ch(6, Write, Delete)]
    );
    assert_eq!(list(&Changes::delete(6, W)), [ch(6, Write, Delete)]);
    assert!(Changes::add(5, Events::EMPTY).is_empty());
    assert_eq!(Changes::add(5, RW).len(), 2);
}

#[test]
fn modify_adds_the_new_mask_and_deletes_the_dropped_filters() {
    use Action::*;
    use Filter::*;
    // READ → WRITE: add WRITE, delete READ (one call).
    assert_eq!(
        list(&Changes::modify(3, R, W)),
        [ch(3, Write, Add), ch(3, Read, Delete)]
    );
    // READ → READ|WRITE: READ renewed (it may have gone with a close, kqueue(2)), WRITE added.
    assert_eq!(
        list(&Changes::modify(3, R, RW)),
        [ch(3, Read, Renew), ch(3, Write, Add)]
    );
    // READ|WRITE → WRITE: WRITE renewed, READ deleted.
    assert_eq!(
        list(&Changes::modify(3, RW, W)),
        [ch(3, Write, Renew), ch(3, Read, Delete)]
    );
    // WRITE → READ.
    assert_eq!(
        list(&Changes::modify(3, W, R)),
        [ch(3, Read, Add), ch(3, Write, Delete)]
    );
    // A renewed filter is never undone: undoing it would delete a filter the key had.
    let got = settle(
        &Changes::modify(3, R, RW),
        &[receipt(3, Read, 0), receipt(3, Write, 24)],
    );
    assert_eq!((got.error, got.undo.is_empty()), (Some(24), true));
}

#[test]
fn all_receipts_ok_means_no_error_and_nothing_to_undo() {
    let changes = Changes::add(4, RW);
    let got = settle(
        &changes,
        &[receipt(4, Filter::Read, 0), receipt(4, Filter::Write, 0)],
    );
    assert_eq!(got.error, None);
    assert!(got.undo.is_empty());
}

#[test]
fn partial_add_is_rolled_back() {
    use Action::*;
    use Filter::*;
    let changes = Changes::add(4, RW);
    // READ went in, WRITE was refused (e.g. EPIPE on old macOS): delete READ, report EPIPE.
    let got = settle(&changes, &[receipt(4, Read, 0), receipt(4, Write, 32)]);
    assert_eq!(got.error, Some(32));
    assert_eq!(list(&got.undo), [ch(4, Read, Delete)]);
    // Receipts in the other order are matched by filter, not position.
    let got = settle(&changes, &[receipt(4, Write, 32), receipt(4, Read, 0)]);
    assert_eq!(got.error, Some(32));
    assert_eq!(list(&got.undo), [ch(4, Read, Delete)]);
    // READ refused, WRITE went in: the first error (in change order) and delete WRITE.
    let got = settle(&changes, &[receipt(4, Read, 22), receipt(4, Write, 0)]);
    assert_eq!(got.error, Some(22));
    assert_eq!(list(&got.undo), [ch(4, Write, Delete)]);
    // Both refused: the first error, nothing to undo.
    let got = settle(&changes, &[receipt(4, Read, 9), receipt(4, Write, 22)]);
    assert_eq!(got.error, Some(9));
    assert!(got.undo.is_empty());
}

#[test]
fn missing_receipts_and_other_entries() {
    use Filter::*;
    let changes = Changes::add(4, RW);
    // A kernel without EV_RECEIPT reports failures only; a readiness entry (no EV_ERROR)
    // for the same fd and filter is not a receipt.
    let got = settle(&changes, &[ev(4, Read, 0), receipt(4, Write, 9)]);
    assert_eq!(got.error, Some(9));
    assert_eq!(list(&got.undo), [ch(4, Read, Action::Delete)]);
    assert_eq!(settle(&changes, &[]).error, None);
    // A receipt for another fd does not count.
    let got = settle(&changes, &[receipt(7, Read, 9)]);
    assert_eq!(got.error, None);
}

#[test]
fn failed_modify_is_undone() {
    use Action::*;
    use Filter::*;
    // READ → WRITE: adding WRITE fails, deleting READ worked: re-add READ.
    let changes = Changes::modify(8, R, W);
    let got = settle(&changes, &[receipt(8, Write, 9), receipt(8, Read, 0)]);
    assert_eq!(got.error, Some(9));
    assert_eq!(list(&got.undo), [ch(8, Read, Add)]);
    // A delete that finds nothing (ENOENT) reached the wanted state: not an error, and not
    // undone (re-adding would create a filter that was not there).
    let got = settle(
        &changes,
        &[receipt(8, Write, 0), receipt(8, Read, ENOENT.into())],
    );
    assert_eq!(got.error, None);
    let got = settle(
        &changes,
        &[receipt(8, Write, 22), receipt(8, Read, ENOENT.into())],
    );
    assert_eq!(got.error, Some(22));
    assert!(got.undo.is_empty());
    // But ENOENT on an add is an error.
    let got = settle(&Changes::add(8, R), &[receipt(8, Read, ENOENT.into())]);
    assert_eq!(got.error, Some(ENOENT));
}

#[test]
fn whole_call_failure_undoes_everything() {
    use Action::*;
    use Filter::*;
    let got = settle_unknown(&Changes::modify(8, R, W), 12);
    assert_eq!(got.error, Some(12));
    assert_eq!(list(&got.undo), [ch(8, Write, Delete), ch(8, Read, Add)]);
    let got = settle_unknown(&Changes::add(8, RW), 12);
    assert_eq!(list(&got.undo), [ch(8, Read, Delete), ch(8, Write, Delete)]);
}

#[test]
fn unregister_ignores_enoent_and_ebadf() {
    use Filter::*;
    let changes = Changes::delete(5, RW);
    let enoent = i64::from(ENOENT);
    let ebadf = i64::from(EBADF);
    assert_eq!(remove_error(&changes, &[receipt(5, Read, 0)]), None);
    assert_eq!(
        remove_error(
            &changes,
            &[receipt(5, Read, ebadf), receipt(5, Write, ebadf)]
        ),
        None
    );
    assert_eq!(
        remove_error(&changes, &[receipt(5, Read, 0), receipt(5, Write, enoent)]),
        None
    );
    assert_eq!(
        remove_error(&changes, &[receipt(5, Read, 0), receipt(5, Write, 12)]),
        Some(12)
    );
}

/// A kqueue in memory: the registered filters, the open fds, and an injected failure
/// (adding `fail.0`'s filter `fail.1` is refused with `fail.2`), answering with receipts as
/// FreeBSD and macOS do (`flags = EV_ERROR`, `data` = errno or 0).
struct FakeKq {
    filters: Vec<(RawFd, Filter)>,
    open: Vec<RawFd>,
    fail: Option<(RawFd, Filter, i32)>,
    calls: usize,
}

impl FakeKq {
    fn new(open: &[RawFd]) -> FakeKq {
        FakeKq {
            filters: Vec::new(),
            open: open.to_vec(),
            fail: None,
            calls: 0,
        }
    }

    fn submit(&mut self, changes: &Changes) -> Result<Receipts, i32> {
        self.calls += 1;
        let mut out = [Kev::NONE; 2];
        for (slot, c) in out.iter_mut().zip(changes.iter()) {
            let key = (c.fd, c.filter);
            let errno = match (c.action, self.fail) {
                _ if !self.open.contains(&c.fd) => EBADF,
                (Action::Add | Action::Renew, Some((fd, f, e))) if (fd, f) == key => e,
                _ => 0,
            };
            if errno == 0 {
                match c.action {
                    Action::Add | Action::Renew => {
                        if !self.filters.contains(&key) {
                            self.filters.push(key);
                        }
                    }
                    Action::Delete => match self.filters.iter().position(|k| *k == key) {
                        Some(i) => {
                            self.filters.remove(i);
                        }
                        None => {
                            *slot = receipt(c.fd, c.filter, ENOENT.into());
                            continue;
                        }
                    },
                }
            }
            *slot = receipt(c.fd, c.filter, errno.into());
        }
        Ok(out)
    }
}

#[test]
fn apply_on_a_fake_kqueue_leaves_nothing_behind() {
    use Filter::*;
    let mut kq = FakeKq::new(&[3, 4]);
    // A full add goes in with one call.
    assert_eq!(apply(&Changes::add(3, RW), |c| kq.submit(c)), Ok(()));
    assert_eq!(kq.filters, [(3, Read), (3, Write)]);
    assert_eq!(kq.calls, 1);
    // WRITE refused: READ was added, then deleted again; the error is WRITE's.
    kq.fail = Some((4, Write, 32));
    assert_eq!(apply(&Changes::add(4, RW), |c| kq.submit(c)), Err(32));
    assert_eq!(kq.filters, [(3, Read), (3, Write)]);
    assert_eq!(kq.calls, 3);
    // A closed fd: both refused with EBADF, nothing to undo (no third call).
    kq.fail = None;
    let calls = kq.calls;
    assert_eq!(apply(&Changes::add(9, RW), |c| kq.submit(c)), Err(EBADF));
    assert_eq!(kq.calls, calls + 1);
    assert_eq!(kq.filters, [(3, Read), (3, Write)]);
    // The whole call failing (ENOMEM): everything is undone, best effort.
    let mut failing = |c: &Changes| {
        if kq.calls == calls + 1 {
            kq.calls += 1;
            Err(12)
        } else {
            kq.submit(c)
        }
    };
    assert_eq!(apply(&Changes::add(4, R), &mut failing), Err(12));
    assert_eq!(kq.filters, [(3, Read), (3, Write)]);
}

#[test]
fn modify_and_remove_on_a_fake_kqueue() {
    use Filter::*;
    let mut kq = FakeKq::new(&[5]);
    apply(&Changes::add(5, R), |c| kq.submit(c)).unwrap();
    // READ → WRITE in one call.
    let calls = kq.calls;
    assert_eq!(apply(&Changes::modify(5, R, W), |c| kq.submit(c)), Ok(()));
    assert_eq!(
        (kq.filters.as_slice(), kq.calls),
        (&[(5, Write)][..], calls + 1)
    );
    // WRITE → READ with READ refused: WRITE was deleted and is re-added.
    kq.fail = Some((5, Read, 22));
    assert_eq!(apply(&Changes::modify(5, W, R), |c| kq.submit(c)), Err(22));
    assert_eq!(kq.filters, [(5, Write)]);
    // unregister: the filters go; a second time ENOENT is ignored, and so is EBADF.
    kq.fail = None;
    assert_eq!(remove(5, W, |c| kq.submit(c)), Ok(()));
    assert!(kq.filters.is_empty());
    assert_eq!(remove(5, W, |c| kq.submit(c)), Ok(()));
    kq.open.clear();
    assert_eq!(remove(5, RW, |c| kq.submit(c)), Ok(()));
    // Other errors are reported (the caller ignores them, as CPython does).
    assert_eq!(remove(5, R, |_| Err(12)), Err(12));
}

#[test]
fn max_events_counts_filters_and_is_never_zero() {
    let mut n = FilterCount::default();
    assert_eq!((n.get(), n.max_events()), (0, 1));
    n.added(R);
    assert_eq!((n.get(), n.max_events()), (1, 1));
    n.added(RW);
    assert_eq!((n.get(), n.max_events()), (3, 3));
    n.modified(R, RW);
    assert_eq!(n.get(), 4);
    n.modified(RW, W);
    assert_eq!(n.get(), 3);
    n.removed(W);
    n.removed(RW);
    assert_eq!((n.get(), n.max_events()), (0, 1));
    // Never wraps below zero.
    n.removed(RW);
    assert_eq!((n.get(), n.max_events()), (0, 1));
}

#[test]
fn read_and_write_for_one_fd_merge_into_one_entry() {
    use Filter::*;
    let mut ready = Vec::new();
    collect_ready(
        [
            ev(9, Write, 0),
            ev(4, Read, 0),
            ev(9, Read, 0),
            ev(6, Write, 0),
        ],
        &mut ready,
    );
    assert_eq!(ready, [(4, R), (6, W), (9, RW)]);
    // The caller masks with the key's events: a WRITE-only key keeps WRITE only.
    let (_, events) = ready[2];
    assert_eq!(events & W, W);
}

#[test]
fn error_entries_are_not_readiness() {
    use Filter::*;
    let mut ready = Vec::new();
    let error = Kev {
        ident: 4,
        filter: Some(Read),
        flags: EV_ERROR,
        data: i64::from(EBADF),
        user: false,
    };
    collect_ready([error, ev(5, Write, 0)], &mut ready);
    assert_eq!(ready, [(5, W)]);
    // Foreign filters and idents that are no fd are skipped too.
    let foreign = Kev {
        filter: None,
        ..ev(6, Read, 0)
    };
    let huge = Kev {
        ident: usize::MAX,
        ..ev(6, Read, 0)
    };
    ready.clear();
    collect_ready([foreign, huge], &mut ready);
    assert!(ready.is_empty());
}

#[test]
fn eof_reports_the_filters_own_event() {
    use Filter::*;
    let mut ready = Vec::new();
    collect_ready([ev(3, Read, EV_EOF)], &mut ready);
    assert_eq!(ready, [(3, R)]);
    ready.clear();
    collect_ready([ev(3, Write, EV_EOF)], &mut ready);
    assert_eq!(ready, [(3, W)]);
}

#[test]
fn merge_keeps_earlier_entries() {
    let mut ready = vec![(1, R)];
    collect_ready(
        [ev(2, Filter::Read, 0), ev(2, Filter::Write, 0)],
        &mut ready,
    );
    assert_eq!(ready, [(1, R), (2, RW)]);
    let mut one = vec![];
    collect_ready([ev(2, Filter::Write, 0)], &mut one);
    assert_eq!(one, [(2, W)]);
}

/// The waker's `EVFILT_USER` filter in memory, as kqueue(2) documents it: added with
/// `EV_ADD | EV_CLEAR`, triggered by `NOTE_TRIGGER` (any number of times: one pending
/// event), returned once by the next wait and reset then (`EV_CLEAR`).
struct UserKq {
    added: bool,
    triggered: bool,
    /// Readiness of fd filters, returned by every wait (level-triggered).
    level: Vec<Kev>,
}

impl UserKq {
    fn trigger(&mut self) {
        assert!(self.added, "NOTE_TRIGGER before EV_ADD is ENOENT");
        self.triggered = true;
    }

    fn wait(&mut self) -> Vec<Kev> {
        let mut out = self.level.clone();
        if core::mem::take(&mut self.triggered) {
            out.push(Kev {
                ident: USER_IDENT,
                filter: None,
                flags: 0x20, // EV_CLEAR, echoed back
                data: 0,
                user: true,
            });
        }
        out
    }
}

#[test]
fn evfilt_user_wakes_coalesce_and_never_collide_with_an_fd() {
    use crate::selector::WOKEN;
    use Filter::*;
    // fd 0 (== the user filter's ident) registered for READ and ready.
    let mut kq = UserKq {
        added: true,
        triggered: false,
        level: vec![ev(USER_IDENT as RawFd, Read, 0)],
    };
    for _ in 0..10_000 {
        kq.trigger();
    }
    let mut ready = Vec::new();
    collect_ready(kq.wait(), &mut ready);
    assert_eq!(ready, [(0, R), (WOKEN, Events::EMPTY)]);
    // Reset by EV_CLEAR: the next wait reports the fd only.
    ready.clear();
    collect_ready(kq.wait(), &mut ready);
    assert_eq!(ready, [(0, R)]);
    // A wake with nothing ready: just WOKEN, which no key has.
    kq.level.clear();
    kq.trigger();
    ready.clear();
    collect_ready(kq.wait(), &mut ready);
    assert_eq!(ready, [(WOKEN, Events::EMPTY)]);
    // An EV_ERROR receipt for the user filter is not a wake.
    ready.clear();
    let receipt = Kev {
        flags: EV_ERROR,
        user: true,
        ..Kev::NONE
    };
    collect_ready([receipt], &mut ready);
    assert!(ready.is_empty());
}
