//! CPython 3.11's `multiprocessing.connection.wait(object_list, timeout=None)`, POSIX branch
//! (Lib/multiprocessing/connection.py), ported: wait until some of the objects are readable and
//! return those objects.
//!
//! Python → Rust: the objects are borrowed (`&dyn FileObj`, so one list mixes pipes, sockets,
//! listeners and a process's sentinel) and the ready ones come back as the same references:
//! compare them with `std::ptr::addr_eq`, Python's `is`. `deadline = time.monotonic() + timeout`
//! and `timeout = deadline - time.monotonic(); if timeout < 0: return ready` are
//! `select_until(deadline)`. `_WaitSelector` is `PollSelector` where it exists, as in CPython.
//!
//! A child process's exit is waited for through its sentinel, as in CPython on POSIX: a pipe
//! whose write end only the child holds (`popen_fork.py`: `parent_r, child_w = os.pipe()`;
//! `self.sentinel = parent_r`), which becomes readable (end-of-file) when the child exits. Here
//! that is the child's stdout pipe (`Stdio::piped()`, the child writing nothing to it).
//!
//! Run: `cargo run --example wait`; `tests/wait.rs` runs it over pipes, sockets, a listener, a
//! UDP socket and a child's exit.

use std::io;
use std::time::{Duration, Instant};

use ioselectors::{BaseSelector, FileObj, ReadySet, EVENT_READ};

/// `_WaitSelector`: `PollSelector` if the platform has it, else `SelectSelector`.
#[cfg(unix)]
type WaitSelector<F> = ioselectors::PollSelector<F, ()>;
#[cfg(not(unix))]
type WaitSelector<F> = ioselectors::SelectSelector<F, ()>;

/// `wait(object_list, timeout=None)`: the objects of `object_list` that are ready to read
/// (or at end-of-file, or closed by the peer), waiting at most `timeout` (`None`: until one
/// is). An empty list when the timeout passed first.
pub fn wait<'a, T: FileObj + ?Sized>(
    object_list: &[&'a T],
    timeout: Option<Duration>,
) -> io::Result<Vec<&'a T>> {
    // with _WaitSelector() as selector:
    let mut selector: WaitSelector<&'a T> = WaitSelector::new();
    for &obj in object_list {
        selector.register(obj, EVENT_READ, ())?;
    }
    let deadline = timeout.map(|timeout| Instant::now() + timeout);
    let mut ready = ReadySet::new();
    loop {
        selector.select_until(deadline, &mut ready)?;
        if !ready.is_empty() {
            // return [key.fileobj for (key, events) in ready]
            return ready
                .iter()
                .map(|(token, _)| Ok(selector.get_key(&token)?.fileobj))
                .collect();
        }
        // timeout = deadline - time.monotonic(); if timeout < 0: return ready
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            return Ok(Vec::new());
        }
    }
}

#[allow(dead_code)] // unused when tests/wait.rs includes this file
fn main() -> io::Result<()> {
    use std::io::Write;
    use std::net::{TcpListener, TcpStream, UdpSocket};

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let udp = UdpSocket::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    let objects: [&dyn FileObj; 3] = [&listener, &udp, &server];
    let start = Instant::now();
    let ready = wait(&objects, Some(Duration::from_millis(100)))?;
    println!("nothing ready: {} after {:?}", ready.len(), start.elapsed());
    client.write_all(b"x")?;
    UdpSocket::bind("127.0.0.1:0")?.send_to(b"y", udp.local_addr()?)?;
    let ready = wait(&objects, None)?;
    for obj in &ready {
        let name = if std::ptr::addr_eq(*obj, &udp) {
            "the UDP socket"
        } else if std::ptr::addr_eq(*obj, &server) {
            "the accepted stream"
        } else {
            "the listener"
        };
        println!("ready: {name}");
    }
    Ok(())
}
