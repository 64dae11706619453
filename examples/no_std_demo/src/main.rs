//! `ioselectors` in a `#![no_std]`, `#![no_main]` program: no `std`, a global allocator over
//! the C library's `malloc`/`free` declared by hand, `panic = "abort"`, and the C runtime's
//! `_start` calling our `main`.
//!
//! On each Linux backend (epoll, poll, select) it registers a pipe's read end, writes a byte to
//! the pipe, selects (1 s timeout) both through the owned and the allocation-free API, checks
//! that exactly that key is reported readable, unregisters it and closes everything. It prints
//! one line per backend and exits 0, or 1 with a message on the first mismatch.
//!
//! Run: `cargo run --release --manifest-path examples/no_std_demo/Cargo.toml`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::ffi::{c_char, c_int, c_void};
use core::time::Duration;

use ioselectors::{Backend, BaseSelector, DefaultSelector, RawFd, EVENT_READ};
use ioselectors_sys as sys;

// The C library, declared by hand: no `libc` crate, no `std`.
#[link(name = "c")]
extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
    fn posix_memalign(memptr: *mut *mut c_void, alignment: usize, size: usize) -> c_int;
    fn abort() -> !;
}

/// `malloc` guarantees this alignment (`alignof(max_align_t)` on 64-bit glibc and musl).
const MALLOC_ALIGN: usize = 16;

struct Malloc;

// SAFETY: malloc/posix_memalign return blocks of at least `size` bytes aligned as asked (or
// null, which GlobalAlloc allows to signal failure), and free releases exactly such blocks.
unsafe impl GlobalAlloc for Malloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: any size is a valid malloc argument (GlobalAlloc never asks for zero).
            unsafe { malloc(layout.size()).cast() }
        } else {
            let mut p = core::ptr::null_mut();
            // SAFETY: p is a valid out-pointer; Layout's alignment is a power of two, and
            // larger than MALLOC_ALIGN, so a multiple of sizeof(void *) as required.
            if unsafe { posix_memalign(&mut p, layout.align(), layout.size()) } == 0 {
                p.cast()
            } else {
                core::ptr::null_mut()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: ptr came from malloc or posix_memalign above and is freed once (the
        // GlobalAlloc contract).
        unsafe { free(ptr.cast()) }
    }
}

#[global_allocator]
static ALLOCATOR: Malloc = Malloc;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    print(b"no_std demo: panic\n");
    // SAFETY: abort(3) takes no argument and never returns.
    unsafe { abort() }
}

/// The precompiled `alloc` (built for `panic = "unwind"`) refers to this symbol from its
/// unwind tables. Nothing unwinds under `panic = "abort"`, so it is never called; defining it
/// is the stable way to link (the `eh_personality` lang item is unstable).
#[no_mangle]
extern "C" fn rust_eh_personality() {}

fn print(s: &[u8]) {
    // SAFETY: s is a live buffer of s.len() bytes; fd 1 is stdout (a failed write is ignored).
    unsafe { sys::write(1, s.as_ptr().cast(), s.len()) };
}

/// One backend's round trip; `Err` names the first mismatch.
fn round_trip(backend: Backend) -> Result<(), &'static str> {
    let mut fds: [RawFd; 2] = [-1; 2];
    // SAFETY: fds has room for the two fds pipe(2) writes.
    if unsafe { sys::pipe(fds.as_mut_ptr()) } != 0 {
        return Err("pipe() failed");
    }
    let [r, w] = fds;
    let result = (|| {
        let mut sel: DefaultSelector<RawFd, u32> =
            DefaultSelector::with_backend(backend).map_err(|_| "selector creation failed")?;
        let key = sel
            .register(r, EVENT_READ, 42)
            .map_err(|_| "register failed")?;
        if (key.fd, key.events, key.data) != (r, EVENT_READ, 42) {
            return Err("register returned the wrong key");
        }
        if !sel
            .select(Some(Duration::ZERO))
            .map_err(|_| "select failed")?
            .is_empty()
        {
            return Err("an empty pipe was reported ready");
        }
        // SAFETY: one byte from a live buffer to the pipe's write end, which is open.
        if unsafe { sys::write(w, b"x".as_ptr().cast(), 1) } != 1 {
            return Err("write() failed");
        }
        let ready: Vec<_> = sel
            .select(Some(Duration::from_secs(1)))
            .map_err(|_| "select failed")?;
        match ready.as_slice() {
            [(key, events)] if key.fd == r && key.data == 42 && *events == EVENT_READ => {}
            _ => return Err("select did not report exactly the pipe, readable"),
        }
        let mut n = 0;
        for (key, events) in sel
            .select_ready(Some(Duration::from_secs(1)))
            .map_err(|_| "select_ready failed")?
        {
            if key.fd != r || events != EVENT_READ {
                return Err("select_ready reported the wrong key");
            }
            n += 1;
        }
        if n != 1 {
            return Err("select_ready did not report the pipe once");
        }
        let key = sel.unregister(&r).map_err(|_| "unregister failed")?;
        if key.data != 42 || sel.get_map().map(|m| m.len()) != Some(0) {
            return Err("unregister left the key behind");
        }
        sel.close();
        if sel.get_map().is_some() {
            return Err("get_map() after close");
        }
        Ok(())
    })();
    // SAFETY: both fds came from pipe() above and are closed once.
    unsafe {
        sys::close(r);
        sys::close(w);
    }
    result
}

#[no_mangle]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    for backend in [Backend::Epoll, Backend::Poll, Backend::Select] {
        print(b"no_std demo: ");
        print(backend.name().as_bytes());
        match round_trip(backend) {
            Ok(()) => print(b": pipe registered, written, selected READ, unregistered: ok\n"),
            Err(what) => {
                print(b": FAILED: ");
                print(what.as_bytes());
                print(b"\n");
                return 1;
            }
        }
    }
    0
}
