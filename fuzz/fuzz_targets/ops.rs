//! Op sequences on real fds against the model (tests/model/mod.rs, shared with
//! `cargo test --test model`): the first byte picks the backend (select, poll, epoll,
//! DefaultSelector, `DevpollSelector`'s code over the illumos and Solaris models and
//! `KqueueSelector`'s code over the six kqueue models of tests/kernels/), the rest decode into register / modify / unregister / select(0) /
//! get_key / get_map / close / recreate / write / drain / close-fd / dup2 / waker / wake ops. Any divergence
//! from the model, panic, or leaked fd is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/kernels/mod.rs"]
mod kernels;
#[path = "../../tests/model/mod.rs"]
mod model;

fuzz_target!(|data: &[u8]| model::run_bytes(data));
