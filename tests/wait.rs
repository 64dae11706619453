//! `examples/wait.rs` (CPython's `multiprocessing.connection.wait`, ported) run for real: the
//! example's code is included here and waits over pipes, sockets, a listener, a UDP socket and
//! a child process's exit, with `wait`'s deadline semantics.
#![cfg(all(unix, feature = "std"))]

#[macro_use]
#[allow(unused_macros)]
mod common;

#[allow(dead_code)]
#[path = "../examples/wait.rs"]
mod wait;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use std::time::{Duration, Instant};
use wait::ExitSentinel;

use ioselectors::FileObj;
use wait::wait;

const LONG: Option<Duration> = Some(Duration::from_secs(30));

/// The objects of `ready`, by identity (Python's `is`), as indexes into `objects`.
fn which(objects: &[&dyn FileObj], ready: &[&dyn FileObj]) -> Vec<usize> {
    ready
        .iter()
        .map(|r| {
            objects
                .iter()
                .position(|o| std::ptr::addr_eq(*o, *r))
                .expect("wait returns objects of the list")
        })
        .collect()
}

/// A child running `script`, and its exit as an object ([`wait::ExitSentinel`]).
fn sentinel(script: &str) -> (std::process::Child, wait::ExitSentinel) {
    wait::spawn_with_sentinel(Command::new("sh").args(["-c", script])).unwrap()
}

/// On Linux the sentinel is a pidfd (Linux 5.3); only under an emulator
/// (`IOSELECTORS_EMULATOR`, set by .ci/linux-arches and .ci/valgrind: qemu-user may lack
/// pidfd_open, valgrind 3.19 lacks it) may it fall
/// back to the pipe, and it says so.
fn check_kind(exit: &ExitSentinel) {
    match exit {
        #[cfg(target_os = "linux")]
        ExitSentinel::PidFd(..) => {}
        ExitSentinel::Pipe(_) => {
            #[cfg(target_os = "linux")]
            {
                let emulator = std::env::var("IOSELECTORS_EMULATOR").unwrap_or_default();
                assert!(!emulator.is_empty(), "pidfd_open failed on Linux");
                println!("pidfd_open failed under {emulator}: the sentinel pipe is tested instead");
            }
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "uses a UDP socket, which Miri does not support")]
fn mixed_objects_each_returned_as_itself() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (mut unix_a, unix_b) = UnixStream::pair().unwrap();
    // A pipe: a child's stdout that it writes a line to, then stays alive until told.
    let mut pipe_child = Command::new("sh")
        .args(["-c", "echo line; read _ || exit 0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // As a `File` (`&File` reads), through `OwnedFd`: still the pipe.
    let pipe = std::fs::File::from(std::os::fd::OwnedFd::from(
        pipe_child.stdout.take().unwrap(),
    ));
    let objects: [&dyn FileObj; 5] = [&listener, &accepted, &udp, &unix_b, &pipe];

    // The pipe's line comes first (we wait for it).
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [4]);
    let mut line = [0; 5];
    (&pipe).read_exact(&mut line).unwrap();
    assert_eq!(&line, b"line\n");
    // Nothing else is ready: a timeout gives an empty list.
    assert!(wait(&objects, Some(Duration::ZERO)).unwrap().is_empty());

    // Then each object in turn, and only it.
    let _second = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [0]);
    let (pending, _) = listener.accept().unwrap();
    client.write_all(b"t").unwrap();
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [1]);
    (&accepted).read_exact(&mut [0]).unwrap();
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(b"u", udp.local_addr().unwrap())
        .unwrap();
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [2]);
    udp.recv(&mut [0]).unwrap();
    unix_a.write_all(b"x").unwrap();
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [3]);
    // Several at once: all of them (PollSelector: in list order, the registration order).
    client.write_all(b"t").unwrap();
    drop(pipe_child.stdin.take()); // the child's `read` ends, it exits: EOF on the pipe
    let mut ready = Vec::new();
    let start = Instant::now();
    while ready.len() < 3 && start.elapsed() < Duration::from_secs(30) {
        ready = which(&objects, &wait(&objects, LONG).unwrap());
    }
    assert_eq!(ready, [1, 3, 4]);
    assert!(pipe_child.wait().unwrap().success());
    drop(pending);
}

/// A child's exit, through its sentinel (a pidfd on Linux), among other objects that stay
/// idle; the sentinel pipe itself is tested in `mixed_objects_each_returned_as_itself` (the
/// pipe child's exit ends it).
#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn child_exit() {
    let (a, _b) = UnixStream::pair().unwrap();
    let (mut child, sentinel) = sentinel("exit 7");
    check_kind(&sentinel);
    let objects: [&dyn FileObj; 2] = [&a, &sentinel];
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [1]);
    assert_eq!(child.wait().unwrap().code(), Some(7));
    // A child still running is not ready.
    let (mut sleeper, sentinel) = sentinel_running();
    let objects: [&dyn FileObj; 1] = [&sentinel];
    assert!(wait(&objects, Some(Duration::from_millis(20)))
        .unwrap()
        .is_empty());
    sleeper.kill().unwrap();
    assert_eq!(which(&objects, &wait(&objects, LONG).unwrap()), [0]);
    sleeper.wait().unwrap();
}

fn sentinel_running() -> (std::process::Child, ExitSentinel) {
    sentinel("exec sleep 3600")
}

/// The deadline semantics: a timeout with nothing ready returns an empty list once the whole
/// timeout has passed (not earlier); zero polls; `None` waits until something is ready.
#[test]
#[cfg_attr(
    miri,
    ignore = "registers or selects: Miri has no poll(2) or select(2), only edge-triggered epoll, and refuses std's send(MSG_NOSIGNAL) on its socketpairs"
)]
fn deadline_semantics() {
    let (mut a, b) = UnixStream::pair().unwrap();
    let objects = [&b];
    let start = Instant::now();
    assert!(wait(&objects, Some(Duration::from_millis(30)))
        .unwrap()
        .is_empty());
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(wait(&objects, Some(Duration::ZERO)).unwrap().is_empty());
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        a.write_all(b"x").unwrap();
        a
    });
    let ready = wait(&objects, None).unwrap();
    assert!(std::ptr::eq(ready[0], &b));
    drop(writer.join().unwrap());
}

/// The example binary itself (`cargo run --example wait`) runs to completion and prints
/// what it did.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binary: spawns a child process (posix_spawn), which Miri does not support"
)]
fn example_binary_runs() {
    let Some(stdout) = common::run_example("example_binary_runs", "wait") else {
        return;
    };
    assert!(stdout.contains("nothing ready: 0 after"), "{stdout}");
    assert!(stdout.contains("ready: the child's exit"), "{stdout}");
    assert!(stdout.contains("child: exit status: 0"), "{stdout}");
}
