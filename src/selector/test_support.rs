//! Test helper for the backends' unit tests over in-memory kernels (src/kqueue/tests.rs,
//! src/devpoll/tests.rs; unix and std only, as they are): `select(0)` as `(fd, events, data)`,
//! sorted.
#![cfg(all(unix, feature = "std"))]
use super::*;

impl<B: Interface> GenericSelector<B, RawFd, u8> {
    pub(crate) fn ready_now(&mut self) -> Vec<(RawFd, Events, u8)> {
        let mut out: Vec<_> = self
            .select(Some(Duration::ZERO))
            .unwrap()
            .iter()
            .map(|(k, e)| (k.fd, *e, k.data))
            .collect();
        out.sort_unstable();
        out
    }
}
