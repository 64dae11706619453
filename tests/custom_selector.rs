//! A selector of one's own: `BaseSelector` is not sealed, as Python's `BaseSelector` is an ABC
//! that user classes subclass. A type that implements only the required methods (here by
//! delegating to a `PollSelector` and counting the waits) gets the provided ones — `register`,
//! `select`, `select_into`, `select_until`, `len`, `is_empty` — and they behave as the crate's
//! own selectors' do.
#![cfg(all(unix, feature = "std"))]

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ioselectors::{
    BaseSelector, Events, FileObj, KeyMut, PollSelector, Ready, ReadySet, Rejected, Result,
    SelectorKey, SelectorMap, Waker, EVENT_READ, EVENT_WRITE,
};

/// The required methods only, forwarded; `select_ready` counts its calls.
struct Counting<F, D> {
    inner: PollSelector<F, D>,
    waits: usize,
}

impl<F: FileObj, D> BaseSelector<F, D> for Counting<F, D> {
    fn try_register(
        &mut self,
        fileobj: F,
        events: Events,
        data: D,
    ) -> std::result::Result<&SelectorKey<F, D>, Rejected<F, D>> {
        self.inner.try_register(fileobj, events, data)
    }
    fn unregister<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<SelectorKey<F, D>> {
        self.inner.unregister(fileobj)
    }
    fn modify<G: FileObj + ?Sized>(
        &mut self,
        fileobj: &G,
        events: Events,
        data: D,
    ) -> Result<&SelectorKey<F, D>> {
        self.inner.modify(fileobj, events, data)
    }
    fn select_ready(&mut self, timeout: Option<Duration>) -> Result<Ready<'_, F, D>> {
        self.waits += 1;
        self.inner.select_ready(timeout)
    }
    fn close(&mut self) {
        self.inner.close()
    }
    fn get_key<G: FileObj + ?Sized>(&self, fileobj: &G) -> Result<&SelectorKey<F, D>> {
        self.inner.get_key(fileobj)
    }
    fn get_map(&self) -> Option<SelectorMap<'_, F, D>> {
        self.inner.get_map()
    }
    fn get_key_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<KeyMut<'_, F, D>> {
        self.inner.get_key_mut(fileobj)
    }
    fn fileobj_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut F> {
        self.inner.fileobj_mut(fileobj)
    }
    fn data_mut<G: FileObj + ?Sized>(&mut self, fileobj: &G) -> Result<&mut D> {
        self.inner.data_mut(fileobj)
    }
    fn waker(&mut self) -> Result<Waker> {
        self.inner.waker()
    }
}

fn counting() -> Counting<UnixStream, u8> {
    Counting {
        inner: PollSelector::new(),
        waits: 0,
    }
}

#[test]
fn len_and_is_empty_follow_the_map_and_close() {
    let mut sel = counting();
    assert_eq!((sel.len(), sel.is_empty()), (0, true));
    let (a, b) = UnixStream::pair().unwrap();
    let (c, d) = UnixStream::pair().unwrap();
    sel.register(a, EVENT_READ, 1).unwrap();
    assert_eq!((sel.len(), sel.is_empty()), (1, false));
    let fd = sel.register(c, EVENT_WRITE, 2).unwrap().fd;
    assert_eq!((sel.len(), sel.is_empty()), (2, false));
    assert_eq!(sel.unregister(&fd).unwrap().data, 2);
    assert_eq!((sel.len(), sel.is_empty()), (1, false));
    sel.close();
    assert_eq!((sel.len(), sel.is_empty()), (0, true), "0 once closed");
    drop((b, d));
}

#[test]
#[cfg_attr(miri, ignore = "selects on a PollSelector: Miri has no poll(2)")]
fn select_into_fills_the_set_with_tokens_and_clears_it_on_a_timeout() {
    let mut sel = counting();
    let (a, b) = UnixStream::pair().unwrap();
    let fd = a.fileno();
    sel.register(a, EVENT_READ | EVENT_WRITE, 7).unwrap();
    (&b).write_all(b"x").unwrap();
    let mut ready = ReadySet::new();
    sel.select_into(Some(Duration::from_secs(5)), &mut ready)
        .unwrap();
    assert_eq!(sel.waits, 1, "one select_ready per select_into");
    let got: Vec<_> = ready.iter().map(|(t, e)| (t.fd(), e)).collect();
    assert_eq!(got, [(fd, EVENT_READ | EVENT_WRITE)]);
    assert_eq!(
        sel.get_key(&ready.iter().next().unwrap().0).unwrap().data,
        7
    );
    // Nothing ready (write interest dropped, the byte read): the set is emptied.
    sel.modify(&fd, EVENT_READ, 8).unwrap();
    let mut byte = [0];
    std::io::Read::read(sel.fileobj_mut(&fd).unwrap(), &mut byte).unwrap();
    sel.select_into(Some(Duration::from_millis(10)), &mut ready)
        .unwrap();
    assert!(ready.is_empty(), "{ready:?}");
    assert_eq!(sel.waits, 2);
    sel.close();
    assert!(sel.select_into(Some(Duration::ZERO), &mut ready).is_err());
}

#[test]
#[cfg_attr(miri, ignore = "selects on a PollSelector: Miri has no poll(2)")]
fn select_until_polls_a_past_deadline_and_waits_for_a_future_one() {
    let mut sel = counting();
    let (a, b) = UnixStream::pair().unwrap();
    let fd = a.fileno();
    sel.register(a, EVENT_READ, 0).unwrap();
    let mut ready = ReadySet::new();
    // A deadline already past: one poll, nothing ready.
    let start = Instant::now();
    sel.select_until(Some(start), &mut ready).unwrap();
    assert!(ready.is_empty());
    assert_eq!(sel.waits, 1);
    // A future deadline: it waits, and returns once the fd is ready.
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        (&b).write_all(b"x").unwrap();
        b
    });
    sel.select_until(Some(Instant::now() + Duration::from_secs(30)), &mut ready)
        .unwrap();
    assert_eq!(sel.waits, 2);
    let got: Vec<_> = ready.iter().map(|(t, e)| (t.fd(), e)).collect();
    assert_eq!(got, [(fd, EVENT_READ)]);
    let _b = writer.join().unwrap(); // kept open: a closed peer is readable
                                     // And one that passes with nothing ready: empty, after about the time asked.
    let mut byte = [0];
    std::io::Read::read(sel.fileobj_mut(&fd).unwrap(), &mut byte).unwrap();
    let start = Instant::now();
    sel.select_until(Some(start + Duration::from_millis(50)), &mut ready)
        .unwrap();
    assert!(ready.is_empty());
    assert!(
        start.elapsed() >= Duration::from_millis(40),
        "{:?}",
        start.elapsed()
    );
}
