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
//! A child process's exit is an object in the list too ([`ExitSentinel`]): on Linux a pidfd
//! (pidfd_open(2), Linux 5.3: readable once the process has exited); elsewhere, or where
//! `pidfd_open` fails (an older kernel, an emulator without it), CPython's own POSIX sentinel,
//! a pipe whose write end only the child holds (`popen_fork.py`: `parent_r, child_w =
//! os.pipe()`; `self.sentinel = parent_r`), readable (end-of-file) when the child exits. Here
//! that pipe is the child's stdout (`Stdio::piped()`, the child writing nothing to it).
//!
//! Run: `cargo run --example wait`; `tests/wait.rs` runs it over pipes, sockets, a listener, a
//! UDP socket and a child's exit.

use std::io;
#[cfg(unix)]
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
use ioselectors::RawFd;
use ioselectors::{BaseSelector, FileObj, ReadySet, EVENT_READ};

/// A child process's exit as a file object: readable once the child has exited (Python's
/// `Process.sentinel`). Unix only (Windows' `select` takes sockets only).
#[cfg(unix)]
pub enum ExitSentinel {
    /// A pidfd (Linux).
    #[cfg(target_os = "linux")]
    PidFd(std::os::fd::OwnedFd, ChildStdout),
    /// The read end of a pipe that only the child holds open.
    Pipe(ChildStdout),
}

#[cfg(unix)]
impl FileObj for ExitSentinel {
    fn fileno(&self) -> RawFd {
        match self {
            #[cfg(target_os = "linux")]
            ExitSentinel::PidFd(fd, _) => fd.fileno(),
            ExitSentinel::Pipe(pipe) => pipe.fileno(),
        }
    }
}

/// Spawns `command` (its stdout becomes the sentinel pipe) and returns it with its
/// [`ExitSentinel`]: a pidfd on Linux when `pidfd_open` works, the pipe otherwise.
#[cfg(unix)]
pub fn spawn_with_sentinel(command: &mut Command) -> io::Result<(Child, ExitSentinel)> {
    let mut child = command.stdout(Stdio::piped()).spawn()?;
    let pipe = child.stdout.take().expect("stdout was piped");
    #[cfg(target_os = "linux")]
    if let Some(pidfd) = pidfd_open(child.id()) {
        return Ok((child, ExitSentinel::PidFd(pidfd, pipe)));
    }
    Ok((child, ExitSentinel::Pipe(pipe)))
}

/// pidfd_open(2) for `pid` (a child not yet waited for, so the pid cannot be reused), or
/// `None` when the kernel (or an emulator) does not have it.
#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and a flags word and returns a new fd or -1; no memory
    // is passed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = RawFd::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: `fd` was just returned by pidfd_open: open, and owned by nobody else.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

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
    // The child exits when its stdin is closed (below, after the first wait), not after a
    // sleep: under valgrind or a loaded machine a short sleep could end before the first wait.
    #[cfg(unix)]
    let (mut child, exit) = spawn_with_sentinel(Command::new("cat").stdin(Stdio::piped()))?;
    #[cfg(unix)]
    let objects: [&dyn FileObj; 4] = [&listener, &udp, &server, &exit];
    #[cfg(not(unix))]
    let objects: [&dyn FileObj; 3] = [&listener, &udp, &server];
    let start = Instant::now();
    let ready = wait(&objects, Some(Duration::from_millis(100)))?;
    println!("nothing ready: {} after {:?}", ready.len(), start.elapsed());
    #[cfg(unix)]
    drop(child.stdin.take()); // the child reads EOF and exits
    client.write_all(b"x")?;
    UdpSocket::bind("127.0.0.1:0")?.send_to(b"y", udp.local_addr()?)?;
    // Until the child has exited (unix; elsewhere until the stream was read), consuming what
    // each wait returns.
    let mut done = false;
    while !done {
        for obj in wait(&objects, None)? {
            if std::ptr::addr_eq(obj, &udp) {
                println!("ready: the UDP socket");
                udp.recv(&mut [0; 8])?;
            } else if std::ptr::addr_eq(obj, &server) {
                println!("ready: the accepted stream");
                std::io::Read::read(&mut &server, &mut [0; 8])?;
                done |= cfg!(not(unix));
            } else if cfg!(unix) && std::ptr::addr_eq(obj, objects[objects.len() - 1]) {
                println!("ready: the child's exit");
                done = true;
            } else {
                println!("ready: the listener");
                listener.accept()?;
            }
        }
    }
    #[cfg(unix)]
    println!("child: {}", child.wait()?);
    Ok(())
}
