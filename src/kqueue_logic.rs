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
pub const EV_ERROR: u32 = 0x4000;
/// `EV_EOF`: end of file on the filter (kept for the assert and the tests; it changes nothing:
/// the filter's own event is reported, as CPython does).
#[allow(dead_code)] // read by kqueue.rs's assert and by the tests only
pub const EV_EOF: u32 = 0x8000;

/// `ENOENT` and `EBADF` have these values on every kqueue OS (and on Linux, for the tests);
/// `kqueue.rs` asserts them against the sys crate.
pub const ENOENT: i32 = 2;
/// See [`ENOENT`].
pub const EBADF: i32 = 9;

/// `ident` of the waker's `EVFILT_USER` filter. That filter has its own namespace of idents,
/// so this never collides with an fd's `EVFILT_READ`/`EVFILT_WRITE` (fd 0 included).
#[cfg_attr(not(test), allow(dead_code))] // unused on OpenBSD (a pipe there)
pub const USER_IDENT: usize = 0;

/// The two filters the selector uses: `EVFILT_READ`, `EVFILT_WRITE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `EVFILT_READ`: [`Events::READ`].
    Read,
    /// `EVFILT_WRITE`: [`Events::WRITE`].
    Write,
}

impl Filter {
    /// The event this filter reports.
    pub const fn event(self) -> Events {
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
pub enum Action {
    /// `EV_ADD` (level-triggered: no `EV_CLEAR`).
    Add,
    /// `EV_DELETE`.
    Delete,
    /// `EV_ADD` of a filter the key already has (`modify` keeping it): updates it if it is
    /// there, adds it again if the fd was closed and its number reused. Never undone.
    Renew,
}

/// One entry of a change list: `{ident: fd, filter, flags: action | EV_RECEIPT}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// `ident`: the fd.
    pub fd: RawFd,
    /// `filter`.
    pub filter: Filter,
    /// `flags` (with `EV_RECEIPT`).
    pub action: Action,
}

impl Change {
    /// The change that undoes this one (none for a [`Action::Renew`]).
    const fn inverse(self) -> Option<Change> {
        let action = match self.action {
            Action::Add => Action::Delete,
            Action::Delete => Action::Add,
            Action::Renew => return None,
        };
        Some(Change { action, ..self })
    }
}

/// A change list of at most two entries (one per filter), on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Changes {
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
    pub fn add(fd: RawFd, events: Events) -> Changes {
        Changes::with(fd, events, Action::Add)
    }

    /// `unregister`: delete each filter the key has.
    pub fn delete(fd: RawFd, events: Events) -> Changes {
        Changes::with(fd, events, Action::Delete)
    }

    /// `modify(fd, old → new)`: an add for each filter of `new` (a [`Action::Renew`] for
    /// those `old` has), then a delete for each filter only `old` has.
    pub fn modify(fd: RawFd, old: Events, new: Events) -> Changes {
        let mut changes = Changes::default();
        for filter in Filter::of(new) {
            let action = if old.contains(filter.event()) {
                Action::Renew
            } else {
                Action::Add
            };
            changes.push(Change { fd, filter, action });
        }
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
    pub fn iter(&self) -> impl Iterator<Item = Change> + '_ {
        self.list.iter().flatten().copied()
    }

    /// The number of changes.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is no change.
    pub fn is_empty(&self) -> bool {
        self.list[0].is_none()
    }
}

/// A returned `struct kevent`, reduced to what the selector reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kev {
    /// `ident`: the fd.
    pub ident: usize,
    /// `filter`, if it is one of ours.
    pub filter: Option<Filter>,
    /// `flags`, widened (`EV_ERROR`, `EV_EOF`, ...).
    pub flags: u32,
    /// `data`, widened: the errno of an `EV_ERROR` entry (0 = the change was applied).
    pub data: i64,
    /// Whether `filter` is `EVFILT_USER`, the waker's (its `ident` is no fd: it lives in that
    /// filter's own namespace, so it never collides with a registration).
    pub user: bool,
}

/// What became of one change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
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
/// event list (the caller gives it one slot per change), and a kernel that ignored
/// `EV_RECEIPT` would report only the failures (every kernel here honours it: NetBSD's since
/// 7.99 at least, `kern_event.c` `kevent1`, which tests/rump.rs runs). Entries that are not
/// `EV_ERROR` are readiness, not receipts, and are ignored here.
pub fn receipts(changes: &Changes, returned: &[Kev]) -> [Option<(Change, Status)>; 2] {
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
pub struct Settled {
    /// The first refused change's errno (in change-list order), `None` if all went through.
    pub error: Option<i32>,
    /// The inverse of every applied change when `error` is set (empty otherwise), so that a
    /// failed call leaves the kernel as it was.
    pub undo: Changes,
}

/// Decide the outcome of a `kevent()` call that returned `returned` for `changes`.
pub fn settle(changes: &Changes, returned: &[Kev]) -> Settled {
    let statuses = receipts(changes, returned);
    let error = statuses.iter().flatten().find_map(|&(_, s)| match s {
        Status::Failed(e) => Some(e),
        _ => None,
    });
    let mut undo = Changes::default();
    if error.is_some() {
        for &(change, status) in statuses.iter().flatten() {
            if let (Status::Applied, Some(inverse)) = (status, change.inverse()) {
                undo.push(inverse);
            }
        }
    }
    Settled { error, undo }
}

/// The outcome of a `kevent()` call that failed as a whole with `errno` (so which changes went
/// through is unknown): undo all of them, best effort (a delete of a filter that is not there
/// fails harmlessly with `ENOENT`; an add of one that is there just updates it).
pub fn settle_unknown(changes: &Changes, errno: i32) -> Settled {
    let mut undo = Changes::default();
    for inverse in changes.iter().filter_map(Change::inverse) {
        undo.push(inverse);
    }
    Settled {
        error: Some(errno),
        undo,
    }
}

/// The receipts of one `kevent()` call: at most one per change, so two. Unused slots hold
/// [`Kev::NONE`].
pub type Receipts = [Kev; 2];

impl Kev {
    /// An empty slot of [`Receipts`]: no filter, no flags, so never taken for a receipt.
    pub const NONE: Kev = Kev {
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
pub fn apply(
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
pub fn remove(
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
pub fn remove_error(changes: &Changes, returned: &[Kev]) -> Option<i32> {
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
pub struct FilterCount(usize);

impl FilterCount {
    fn of(events: Events) -> usize {
        Filter::of(events).count()
    }

    /// A key with `events` was registered.
    pub fn added(&mut self, events: Events) {
        self.0 = self.0.saturating_add(Self::of(events));
    }

    /// A key's events changed from `old` to `new`.
    pub fn modified(&mut self, old: Events, new: Events) {
        self.removed(old);
        self.added(new);
    }

    /// A key with `events` was unregistered (or dropped after a failed modify).
    pub fn removed(&mut self, events: Events) {
        self.0 = self.0.saturating_sub(Self::of(events));
    }

    /// The registered filters.
    #[cfg(test)]
    pub fn get(self) -> usize {
        self.0
    }

    /// `nevents` for a wait: one slot per filter, and never 0, since `kevent()` with no room
    /// for events returns at once whatever the timeout (bpo-29255).
    pub fn max_events(self) -> usize {
        self.0.max(1)
    }
}

/// Append one `(fd, events)` per ready fd to `ready`: `EVFILT_READ` → READ, `EVFILT_WRITE` →
/// WRITE (also with `EV_EOF`, as CPython), READ and WRITE for the same fd merged into one
/// entry (CPython returns two). `EV_ERROR` entries and foreign filters are not readiness and are
/// skipped. Entries are left unmasked (the caller masks them with the key's events). A
/// returned `EVFILT_USER` entry (the waker, reset by `EV_CLEAR` as it was returned) appends
/// one `(WOKEN, EMPTY)` after them, whatever its `ident`.
pub fn collect_ready(
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
mod tests;
