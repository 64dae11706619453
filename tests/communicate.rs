//! `examples/communicate.rs` (CPython's `Popen.communicate`, POSIX, ported) run for real: the
//! example's code is included here and talks to real child processes.
#![cfg(all(unix, feature = "std"))]

#[macro_use]
#[allow(unused_macros)]
mod common;

#[allow(dead_code)]
#[path = "../examples/communicate.rs"]
mod communicate;

use std::process::Command;
use std::time::{Duration, Instant};

use communicate::{Error, Popen};

/// 8 MiB of bytes that are not periodic in any small period.
fn input(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// 8 MiB to the child's stdin while it sends them back on stdout and stderr (`tee /dev/stderr`),
/// all three at once: a child that fills a pipe blocks until we read, so a one-stream-at-a-time
/// exchange would deadlock.
#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn eight_mib_each_way() {
    let input = input(8 << 20);
    let mut proc = Popen::new(Command::new("tee").arg("/dev/stderr")).unwrap();
    let (out, err) = proc.communicate(Some(&input), None).unwrap();
    assert_eq!(out.len(), input.len());
    assert!(out == input, "stdout differs");
    assert!(err == input, "stderr differs");
    assert!(proc.returncode().unwrap().unwrap().success());
}

/// A child that closes its stdin before reading anything: the writes fail with `EPIPE`, which
/// `communicate` ignores (CPython: `except BrokenPipeError`); output and exit code still come.
#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn child_closing_stdin_early() {
    let script = "exec 0<&-; echo out; echo err >&2; exit 3";
    let mut proc = Popen::new(Command::new("sh").args(["-c", script])).unwrap();
    let (out, err) = proc.communicate(Some(&input(8 << 20)), None).unwrap();
    assert_eq!((&out[..], &err[..]), (&b"out\n"[..], &b"err\n"[..]));
    assert_eq!(proc.returncode().unwrap().unwrap().code(), Some(3));
}

/// A timeout returns the partial output (`TimeoutExpired.output`/`.stderr`); calling again
/// continues; after `kill()`, `communicate()` returns the whole output, as CPython documents:
///
/// ```python
/// try:
///     outs, errs = proc.communicate(timeout=15)
/// except TimeoutExpired:
///     proc.kill()
///     outs, errs = proc.communicate()
/// ```
#[test]
#[cfg_attr(
    miri,
    ignore = "spawns a child process (posix_spawn), which Miri does not support"
)]
fn timeout_then_kill_then_communicate() {
    let script = "echo partial stdout; echo partial stderr >&2; exec sleep 3600";
    let mut proc = Popen::new(Command::new("sh").args(["-c", script])).unwrap();
    let start = Instant::now();
    let mut timeouts = 0;
    // Until the child's two lines have arrived (a generous liveness bound for slow emulators).
    loop {
        match proc.communicate(None, Some(Duration::from_millis(50))) {
            Err(Error::TimeoutExpired {
                timeout,
                stdout,
                stderr,
            }) => {
                timeouts += 1;
                assert_eq!(timeout, Duration::from_millis(50));
                assert!(b"partial stdout\n".starts_with(&stdout), "{stdout:?}");
                assert!(b"partial stderr\n".starts_with(&stderr), "{stderr:?}");
                if stdout.len() == 15 && stderr.len() == 15 {
                    break;
                }
            }
            other => panic!("expected TimeoutExpired, got {other:?}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the child never wrote"
        );
    }
    assert!(timeouts >= 1);
    // Input after the communication started: CPython's ValueError.
    assert!(matches!(
        proc.communicate(Some(b"late"), Some(Duration::ZERO)),
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::InvalidInput
    ));
    proc.kill().unwrap();
    let (out, err) = proc.communicate(None, None).unwrap();
    assert_eq!(out, b"partial stdout\n");
    assert_eq!(err, b"partial stderr\n");
    let status = proc.returncode().unwrap().unwrap();
    assert!(
        !status.success() && status.code().is_none(),
        "killed: {status:?}"
    );
}

/// The example binary itself (`cargo run --example communicate`) runs to completion and prints
/// what it did.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binary: spawns a child process (posix_spawn), which Miri does not support"
)]
fn example_binary_runs() {
    let Some(stdout) = common::run_example("example_binary_runs", "communicate") else {
        return;
    };
    assert!(
        stdout.contains("echo: 1000000 bytes out, 1000000 bytes err"),
        "{stdout}"
    );
    assert!(
        stdout.contains("TimeoutExpired, output so far: \"partial stdout\\n\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("after kill(): stdout \"partial stdout\\n\", stderr \"partial stderr\\n\""),
        "{stdout}"
    );
}
