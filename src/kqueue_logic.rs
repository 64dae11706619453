//! The kernel-free part of the kqueue backend: which filters a mask needs, the change lists for
//! register/modify/unregister, reading `EV_RECEIPT` receipts and deciding what to undo, the
//! filter count behind `nevents`, and turning returned events into one `(fd, events)` per fd.
//!
//! Plain Rust types only (no `sys::kevent`, which exists only on the kqueue OSes), so this
//! module's unit tests compile on every unix target and run on Linux; `kqueue.rs` converts to
//! and from `struct kevent`.

use crate::{Events, RawFd};

/// `EV_ERROR`: the returned entry is a receipt (or an error) for a change, `data` = errno.
/// The value is the same on every kqueue OS; `kqueue.rs` asserts it against the sys crate.
pub(crate) const EV_ERROR: u32 = 0x4000;
/// `EV_EOF`: end of file on the filter (kept for the assert and the tests; it changes nothing:
/// the filter's own event is reported, as CPython does).
#[allow(dead_code)] // read by kqueue.rs's assert and by the tests only
pub(crate) const EV_EOF: u32 = 0x8000;

/// `ENOENT` and `EBADF` have these values on every kqueue OS (and on Linux, for the tests);
/// `kqueue.rs` asserts them against the sys crate.
pub(crate) const ENOENT: i32 = 2;
/// See [`ENOENT`].
pub(crate) const EBADF: i32 = 9;

/// `ident` of the waker's `EVFILT_USER` filter. That filter has its own namespace of idents,
/// so this never collides with an fd's `EVFILT_READ`/`EVFILT_WRITE` (fd 0 included).
#[cfg_attr(not(test), allow(dead_code))] // unused on OpenBSD (a pipe there)
pub(crate) const USER_IDENT: usize = 0;

/// The two filters the selector uses: `EVFILT_READ`, `EVFILT_WRITE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// `EVFILT_READ`: [`Events::READ`].
    Read,
    /// `EVFILT_WRITE`: [`Events::WRITE`].
    Write,
}

impl Filter {
    /// The event this filter reports.
    pub(crate) const fn event(self) -> Events {
        match self {
            Filter::Read => Events::READ,
            Filter::Write => Events::WRITE,
        }
    }

    /// The filters a mask needs, READ first.
    fn of(events: Events) -> impl Iterator<Item = Filter> {
        [Filter::Read, Filter::Write]
            .into_iter()
            .filter(move |f| events.contains(f.event()))
    }
}

/// What a change does to a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// `EV_ADD` (level-triggered: no `EV_CLEAR`).
    Add,
    /// `EV_DELETE`.
    Delete,
}

/// One entry of a change list: `{ident: fd, filter, flags: action | EV_RECEIPT}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) fd: RawFd,
    pub(crate) filter: Filter,
    pub(crate) action: Action,
}

impl Change {
    /// The change that undoes this one.
    const fn inverse(self) -> Change {
        Change {
            action: match self.action {
                Action::Add => Action::Delete,
                Action::Delete => Action::Add,
            },
            ..self
        }
    }
}

/// A change list of at most two entries (one per filter), on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Changes {
    list: [Option<Change>; 2],
}

impl Changes {
    fn push(&mut self, change: Change) {
        let slot = self.list.iter_mut().find(|c| c.is_none());
        // At most one change per filter is ever pushed, so a slot is always free.
        debug_assert!(slot.is_some(), "more than two changes");
        if let Some(slot) = slot {
            *slot = Some(change);
        }
    }

    fn with(fd: RawFd, events: Events, action: Action) -> Changes {
        let mut changes = Changes::default();
        for filter in Filter::of(events) {
            changes.push(Change { fd, filter, action });
        }
        changes
    }

    /// `register(fd, events)`: add each needed filter.
    pub(crate) fn add(fd: RawFd, events: Events) -> Changes {
        Changes::with(fd, events, Action::Add)
    }

    /// `unregister`: delete each filter the key has.
    pub(crate) fn delete(fd: RawFd, events: Events) -> Changes {
        Changes::with(fd, events, Action::Delete)
    }

    /// `modify(fd, old → new)`: only the filters that differ, adds first.
    pub(crate) fn modify(fd: RawFd, old: Events, new: Events) -> Changes {
        let mut changes = Changes::with(fd, new & !old, Action::Add);
        for filter in Filter::of(old & !new) {
            changes.push(Change {
                fd,
                filter,
                action: Action::Delete,
            });
        }
        changes
    }

    /// The changes, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Change> + '_ {
        self.list.iter().flatten().copied()
    }

    /// The number of changes.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is no change.
    pub(crate) fn is_empty(&self) -> bool {
        self.list[0].is_none()
    }
}

/// A returned `struct kevent`, reduced to what the selector reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kev {
    /// `ident`: the fd.
    pub(crate) ident: usize,
    /// `filter`, if it is one of ours.
    pub(crate) filter: Option<Filter>,
    /// `flags`, widened (`EV_ERROR`, `EV_EOF`, ...).
    pub(crate) flags: u32,
    /// `data`, widened: the errno of an `EV_ERROR` entry (0 = the change was applied).
    pub(crate) data: i64,
    /// Whether `filter` is `EVFILT_USER`, the waker's (its `ident` is no fd: it lives in that
    /// filter's own namespace, so it never collides with a registration).
    pub(crate) user: bool,
}

/// What became of one change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Done: the kernel now has (or no longer has) the filter.
    Applied,
    /// A delete of a filter the kernel did not have (`ENOENT`): the wanted state, nothing to
    /// undo.
    Absent,
    /// Refused with this errno: nothing changed.
    Failed(i32),
}

/// Each change's fate, read from the entries a `kevent()` call with `EV_RECEIPT` returned.
///
/// Receipts are matched by `(ident, filter)`, not by position. A change without an `EV_ERROR`
/// entry counts as applied: the kernel reports every failed change when there is room in the
/// event list (the caller gives it one slot per change), and a kernel that ignores
/// `EV_RECEIPT` (NetBSD before 10) reports only the failures. Entries that are not `EV_ERROR`
/// are readiness, not receipts, and are ignored here.
pub(crate) fn receipts(changes: &Changes, returned: &[Kev]) -> [Option<(Change, Status)>; 2] {
    let mut out = [None; 2];
    for (slot, change) in out.iter_mut().zip(changes.iter()) {
        let receipt = returned.iter().find(|k| {
            k.flags & EV_ERROR != 0
                && k.ident == change.fd as usize
                && k.filter == Some(change.filter)
        });
        let status = match receipt.map(|k| k.data) {
            None | Some(0) => Status::Applied,
            Some(e) if e == i64::from(ENOENT) && change.action == Action::Delete => Status::Absent,
            Some(e) => Status::Failed(i32::try_from(e).unwrap_or(i32::MAX)),
        };
        *slot = Some((change, status));
    }
    out
}

/// The result of a change list: the first error, and what to submit to undo the applied
/// changes when there was one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settled {
    /// The first refused change's errno (in change-list order), `None` if all went through.
    pub(crate) error: Option<i32>,
    /// The inverse of every applied change when `error` is set (empty otherwise), so that a
    /// failed call leaves the kernel as it was.
    pub(crate) undo: Changes,
}

/// Decide the outcome of a `kevent()` call that returned `returned` for `changes`.
pub(crate) fn settle(changes: &Changes, returned: &[Kev]) -> Settled {
    let statuses = receipts(changes, returned);
    let error = statuses.iter().flatten().find_map(|&(_, s)| match s {
        Status::Failed(e) => Some(e),
        _ => None,
    });
    let mut undo = Changes::default();
    if error.is_some() {
        for &(change, status) in statuses.iter().flatten() {
            if status == Status::Applied {
                undo.push(change.inverse());
            }
        }
    }
    Settled { error, undo }
}

/// The outcome of a `kevent()` call that failed as a whole with `errno` (so which changes went
/// through is unknown): undo all of them, best effort (a delete of a filter that is not there
/// fails harmlessly with `ENOENT`; an add of one that is there just updates it).
pub(crate) fn settle_unknown(changes: &Changes, errno: i32) -> Settled {
    let mut undo = Changes::default();
    for change in changes.iter() {
        undo.push(change.inverse());
    }
    Settled {
        error: Some(errno),
        undo,
    }
}

/// The receipts of one `kevent()` call: at most one per change, so two. Unused slots hold
/// [`Kev::NONE`].
pub(crate) type Receipts = [Kev; 2];

impl Kev {
    /// An empty slot of [`Receipts`]: no filter, no flags, so never taken for a receipt.
    pub(crate) const NONE: Kev = Kev {
        ident: usize::MAX,
        filter: None,
        flags: 0,
        data: 0,
        user: false,
    };
}

/// Make `changes` happen, all or nothing: `submit` makes one `kevent()` call with the changes
/// (with `EV_RECEIPT`, no wait) and returns the receipts, or the call's errno. If part of the
/// changes failed, the applied ones are undone with a second `submit` (best effort: an undo
/// that fails leaves at most a filter the key map does not know, whose events the key lookup
/// drops), and the first error is returned.
pub(crate) fn apply(
    changes: &Changes,
    mut submit: impl FnMut(&Changes) -> Result<Receipts, i32>,
) -> Result<(), i32> {
    if changes.is_empty() {
        return Ok(());
    }
    let outcome = match submit(changes) {
        Ok(receipts) => settle(changes, &receipts),
        Err(errno) => settle_unknown(changes, errno),
    };
    match outcome.error {
        None => Ok(()),
        Some(errno) => {
            if !outcome.undo.is_empty() {
                let _ = submit(&outcome.undo);
            }
            Err(errno)
        }
    }
}

/// Delete a key's filters with one `submit`: `ENOENT` and `EBADF` are not errors (see
/// [`remove_error`]).
pub(crate) fn remove(
    fd: RawFd,
    events: Events,
    mut submit: impl FnMut(&Changes) -> Result<Receipts, i32>,
) -> Result<(), i32> {
    let changes = Changes::delete(fd, events);
    if changes.is_empty() {
        return Ok(());
    }
    let receipts = submit(&changes)?;
    match remove_error(&changes, &receipts) {
        None => Ok(()),
        Some(errno) => Err(errno),
    }
}

/// The errno `unregister` reports for its deletes: none for `ENOENT` (the filter is gone) or
/// `EBADF` (the fd was closed, which removed its filters), as CPython ignores them.
pub(crate) fn remove_error(changes: &Changes, returned: &[Kev]) -> Option<i32> {
    receipts(changes, returned)
        .iter()
        .flatten()
        .find_map(|&(_, s)| match s {
            Status::Failed(e) if e != EBADF && e != ENOENT => Some(e),
            _ => None,
        })
}

/// The number of filters registered in the kqueue, which sizes the event list: one per event
/// of each key (a READ|WRITE key counts 2, gh-110038).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FilterCount(usize);

impl FilterCount {
    fn of(events: Events) -> usize {
        Filter::of(events).count()
    }

    /// A key with `events` was registered.
    pub(crate) fn added(&mut self, events: Events) {
        self.0 = self.0.saturating_add(Self::of(events));
    }

    /// A key's events changed from `old` to `new`.
    pub(crate) fn modified(&mut self, old: Events, new: Events) {
        self.removed(old);
        self.added(new);
    }

    /// A key with `events` was unregistered (or dropped after a failed modify).
    pub(crate) fn removed(&mut self, events: Events) {
        self.0 = self.0.saturating_sub(Self::of(events));
    }

    /// The registered filters.
    #[cfg(test)]
    pub(crate) fn get(self) -> usize {
        self.0
    }

    /// `nevents` for a wait: one slot per filter, and never 0, since `kevent()` with no room
    /// for events returns at once whatever the timeout (bpo-29255).
    pub(crate) fn max_events(self) -> usize {
        self.0.max(1)
    }
}

/// Append one `(fd, events)` per ready fd to `ready`: `EVFILT_READ` → READ, `EVFILT_WRITE` →
/// WRITE (also with `EV_EOF`, as CPython), READ and WRITE for the same fd merged into one
/// entry (CPython returns two). `EV_ERROR` entries and foreign filters are not readiness and are
/// skipped. Entries are left unmasked (the caller masks them with the key's events). A
/// returned `EVFILT_USER` entry (the waker, reset by `EV_CLEAR` as it was returned) appends
/// one `(WOKEN, EMPTY)` after them, whatever its `ident`.
pub(crate) fn collect_ready(
    returned: impl IntoIterator<Item = Kev>,
    ready: &mut alloc::vec::Vec<(RawFd, Events)>,
) {
    let start = ready.len();
    let mut woken = false;
    for k in returned {
        if k.flags & EV_ERROR != 0 {
            continue;
        }
        if k.user {
            woken = true;
            continue;
        }
        let (Some(filter), Ok(fd)) = (k.filter, RawFd::try_from(k.ident)) else {
            continue;
        };
        ready.push((fd, filter.event()));
    }
    merge_per_fd(ready, start);
    if woken {
        ready.push((crate::selector::WOKEN, Events::EMPTY));
    }
}

/// Merge the entries of `ready[start..]` that share an fd into one, or-ing their events. The
/// order of the merged entries is by fd (kqueue's order is unspecified anyway). In place, no
/// allocation.
fn merge_per_fd(ready: &mut alloc::vec::Vec<(RawFd, Events)>, start: usize) {
    let tail = &mut ready[start..];
    if tail.len() < 2 {
        return;
    }
    tail.sort_unstable_by_key(|&(fd, _)| fd);
    let mut w = 0;
    for r in 1..tail.len() {
        if tail[r].0 == tail[w].0 {
            let events = tail[r].1;
            tail[w].1 |= events;
        } else {
            w += 1;
            tail[w] = tail[r];
        }
    }
    let len = start + w + 1;
    ready.truncate(len);
}

#[cfg(test)]
mod tests {
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
    fn modify_changes_only_the_filters_that_differ() {
        use Action::*;
        use Filter::*;
        // READ → WRITE: add WRITE, delete READ (one call).
        assert_eq!(
            list(&Changes::modify(3, R, W)),
            [ch(3, Write, Add), ch(3, Read, Delete)]
        );
        // READ → READ|WRITE: add WRITE only.
        assert_eq!(list(&Changes::modify(3, R, RW)), [ch(3, Write, Add)]);
        // READ|WRITE → WRITE: delete READ only.
        assert_eq!(list(&Changes::modify(3, RW, W)), [ch(3, Read, Delete)]);
        // WRITE → READ.
        assert_eq!(
            list(&Changes::modify(3, W, R)),
            [ch(3, Read, Add), ch(3, Write, Delete)]
        );
        // No difference, no change.
        assert!(Changes::modify(3, RW, RW).is_empty());
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
                    (Action::Add, Some((fd, f, e))) if (fd, f) == key => e,
                    _ => 0,
                };
                if errno == 0 {
                    match c.action {
                        Action::Add => {
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
}
