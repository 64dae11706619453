//! The ported Python example, end to end: runs the `echo_server` example binary on a free
//! loopback port with each backend, drives it with the `echo_client` binary and with a client
//! that forces partial writes, and checks the exit codes and messages of the error paths.
//!
//! `cargo test` builds the examples into `target/<profile>/examples/` before running the tests;
//! `cargo test --test echo` alone does not, so build them first (`cargo build --examples`).
//! Missing binaries make the tests skip with a message (fail under `CI=true`); binaries older than their sources
//! make them fail, so that a stale server is never what passes.
#![cfg(any(unix, windows))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Upper bound for anything the server or client should do promptly.
const DEADLINE: Duration = Duration::from_secs(30);

/// The backends to run the server with (`--backend` values).
const BACKENDS: &[&str] = &[
    "select",
    #[cfg(unix)]
    "poll",
    #[cfg(ioselectors_epoll)]
    "epoll",
    "default",
];

/// `target/<profile>/examples/<name>`, found from this test's own path
/// (`target/<profile>/deps/echo-<hash>`); `None` (after saying so) when it was not built.
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary in target/<profile>/deps");
    let path = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let why = format!(
            "{} not built; run `cargo test` (which builds the examples) or `cargo build --examples` first",
            path.display()
        );
        // Under CI a test that cannot run fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: {why}"
        );
        println!("SKIPPED: {why}");
        return None;
    }
    // Stale when a source cargo recorded for it (its dep-info file) changed after it was built.
    let built = mtime(&path);
    let dep_info = std::fs::read_to_string(path.with_extension("d")).unwrap_or_default();
    let deps = dep_info.lines().next().and_then(|l| l.split_once(": "));
    for source in deps
        .map_or("", |(_, d)| d)
        .split(' ')
        .filter(|s| s.ends_with(".rs"))
    {
        let source = Path::new(source);
        assert!(
            !source.exists() || mtime(source) <= built,
            "{} is older than {}: rebuild it with `cargo build --examples` (or run plain `cargo test`)",
            path.display(),
            source.display()
        );
    }
    Some(path)
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A running `echo_server`; killed on drop if it is still running (a failed test).
struct Server {
    child: Child,
    port: u16,
    backend: String,
    stdout: mpsc::Receiver<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `echo_server --port 0 ARGS` and waits for its "listening on" line.
    fn start(bin: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn echo_server");
        let (tx, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = Some(thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        }));
        let mut server = Server {
            child,
            port: 0,
            backend: String::new(),
            stdout,
            stderr,
        };
        let first = server
            .stdout
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|e| panic!("no 'listening on' line from echo_server {args:?}: {e}"));
        // "listening on 127.0.0.1:PORT (BACKEND)"
        let rest = first
            .strip_prefix("listening on 127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        let (port, backend) = rest
            .split_once(" (")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        server.port = port.parse().expect("port");
        server.backend = backend.trim_end_matches(')').to_owned();
        server
    }

    /// Waits (bounded) for the server to exit; returns its status, remaining stdout lines and
    /// stderr.
    fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let status = wait_bounded(&mut self.child, "echo_server");
        let stderr = self.stderr.take().unwrap().join().unwrap();
        // Every line up to EOF: the reader thread may still be forwarding a backlog (the
        // partial-write test logs megabytes) when the server exits. Bounded per line.
        let mut lines = Vec::new();
        loop {
            match self.stdout.recv_timeout(DEADLINE) {
                Ok(line) => lines.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("echo_server's stdout still open {DEADLINE:?} after it exited")
                }
            }
        }
        (status, lines, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `child.wait()` with [`DEADLINE`]; kills the child and panics when it is exceeded.
fn wait_bounded(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Runs a command to completion (bounded); returns status, stdout and stderr.
fn run(bin: &Path, args: &[&str]) -> (ExitStatus, String, String) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = wait_bounded(&mut child, &bin.display().to_string());
    (status, out.join().unwrap(), err.join().unwrap())
}

fn count(lines: &[String], prefix: &str) -> usize {
    lines.iter().filter(|l| l.starts_with(prefix)).count()
}

#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn client_is_echoed_by_every_backend() {
    let (Some(server_bin), Some(client_bin)) = (example("echo_server"), example("echo_client"))
    else {
        return;
    };
    let default = ioselectors::default_backend()
        .expect("default_backend")
        .name();
    for &backend in BACKENDS {
        let server = Server::start(&server_bin, &["--backend", backend, "--exit-after", "4"]);
        let expected = if backend == "default" {
            default
        } else {
            backend
        };
        assert_eq!(server.backend, expected, "--backend {backend}");
        let port = server.port.to_string();
        let (status, out, err) = run(
            &client_bin,
            &["--port", &port, "--threads", "4", "--count", "5"],
        );
        assert!(
            status.success(),
            "{backend}: client {status}\nstdout: {out}\nstderr: {err}"
        );
        assert!(
            out.starts_with("4 threads x 5 messages: all echoed"),
            "{backend}: {out:?}"
        );
        assert_eq!(err, "", "{backend}: client stderr");

        // --exit-after 4: the server exits 0 once the 4 connections are closed.
        let (status, lines, err) = server.finish();
        assert_eq!(
            status.code(),
            Some(0),
            "{backend}: server {status}, stderr {err}"
        );
        assert_eq!(err, "", "{backend}: server stderr");
        assert_eq!(count(&lines, "accepted fd "), 4, "{backend}: {lines:#?}");
        assert_eq!(
            count(&lines, "closing 127.0.0.1:"),
            4,
            "{backend}: {lines:#?}"
        );
        // Each message is read in one piece on loopback, but TCP does not promise it.
        assert!(
            count(&lines, "echoing b\"hi ") >= 20,
            "{backend}: {lines:#?}"
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn quiet_server_prints_only_the_listening_line() {
    let (Some(server_bin), Some(client_bin)) = (example("echo_server"), example("echo_client"))
    else {
        return;
    };
    let server = Server::start(&server_bin, &["--quiet", "--exit-after", "2"]);
    let port = server.port.to_string();
    let (status, out, err) = run(
        &client_bin,
        &[
            "--port",
            &port,
            "--threads",
            "2",
            "--count",
            "3",
            "--size",
            "100000",
        ],
    );
    assert!(
        status.success(),
        "client {status}\nstdout: {out}\nstderr: {err}"
    );
    let (status, lines, err) = server.finish();
    assert_eq!(status.code(), Some(0), "server {status}, stderr {err}");
    assert_eq!((lines, err), (vec![], String::new()));
}

/// A client that sends 32 MiB before it reads anything: the server's echo fills the socket
/// buffers, so its writes come back short and it must keep the rest, switch to EVENT_WRITE,
/// and stop reading until it has drained them. Every byte must come back, in order.
///
/// The client reads nothing until the server has said that a write came back short (its first
/// "bytes pending" line): then the partial write has happened, however slow the server is (under
/// an emulator, or on a busy machine). 32 MiB is far more than the client's receive buffer and
/// the server's send buffer hold (Linux caps them at `tcp_rmem`/`tcp_wmem`'s maximum, 6 and
/// 4 MiB by default), so the server must reach that line while the client does not read.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn partial_writes_are_kept_and_drained() {
    // The server logs every read (a line of about 16 KB for 4 KiB), so before its first short
    // write it formats and prints some 17 MB: 11 to 33 s for an armv7 server under qemu-user on
    // a busy 2-core machine. Generous, but still a bound.
    const PENDING_DEADLINE: Duration = Duration::from_secs(180);
    let Some(server_bin) = example("echo_server") else {
        return;
    };
    // At most this much is sent; the writer stops at the first chunk boundary after the server
    // reported a short write (about 7 MB on Linux's loopback), so the server echoes and logs
    // that much, not all of it: the test spent most of its time under qemu-user there.
    const SIZE: usize = 32 << 20;
    const CHUNK: usize = 64 << 10;
    let data: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
    for &backend in BACKENDS {
        let server = Server::start(&server_bin, &["--backend", backend, "--exit-after", "1"]);
        let stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        // The writer blocks until the client reads, which waits for the server: allow both.
        stream
            .set_write_timeout(Some(PENDING_DEADLINE + DEADLINE))
            .unwrap();
        let written = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let mut echo = Vec::new();
        let mut seen = Vec::new();
        let (sent, written_then) = thread::scope(|s| {
            let writer = s.spawn(|| {
                for chunk in data.chunks(CHUNK) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    (&stream).write_all(chunk)?;
                    written.fetch_add(chunk.len(), Ordering::Relaxed);
                }
                Ok::<(), std::io::Error>(())
            });
            // Read nothing until the server reports its first short write (bounded).
            let start = Instant::now();
            let pending = loop {
                let left = PENDING_DEADLINE.saturating_sub(start.elapsed());
                match server.stdout.recv_timeout(left) {
                    Ok(line) => {
                        let pending = line.contains(" bytes pending to ");
                        seen.push(line);
                        if pending {
                            break true;
                        }
                    }
                    Err(_) => break false,
                }
            };
            let written_then = written.load(Ordering::Relaxed);
            stop.store(true, Ordering::Relaxed);
            assert!(
                pending,
                "{backend}: no 'bytes pending' line from the server within {PENDING_DEADLINE:?} \
                 ({written_then} of {SIZE} bytes written, the client read nothing)"
            );
            // Read the echo until the writer has finished and all it wrote came back (each
            // read bounded by DEADLINE); the writer's chunk in flight completes as we read.
            let mut buf = vec![0u8; CHUNK];
            while !(writer.is_finished() && echo.len() >= written.load(Ordering::Relaxed)) {
                let n = (&stream).read(&mut buf).expect("read the echo");
                assert!(n > 0, "{backend}: EOF after {} bytes of echo", echo.len());
                echo.extend_from_slice(&buf[..n]);
            }
            (writer.join().unwrap(), written_then)
        });
        sent.expect("send");
        let total = written.load(Ordering::Relaxed);
        assert!(
            echo == data[..total],
            "{backend}: the echo differs from what was sent ({} bytes back, {total} sent)",
            echo.len()
        );
        stream.shutdown(Shutdown::Write).unwrap();
        let mut extra = Vec::new();
        (&stream)
            .read_to_end(&mut extra)
            .expect("EOF from the server");
        assert_eq!(extra.len(), 0, "{backend}: bytes after the echo");

        let (status, rest, err) = server.finish();
        assert_eq!(
            status.code(),
            Some(0),
            "{backend}: server {status}, stderr {err}"
        );
        assert_eq!(err, "", "{backend}: server stderr");
        let lines: Vec<String> = seen.into_iter().chain(rest).collect();
        let pending = lines
            .iter()
            .filter(|l| l.contains(" bytes pending to "))
            .count();
        eprintln!(
            "{backend}: {written_then} bytes written when the server first reported a short \
             write, {total} in all; it went to EVENT_WRITE {pending} times"
        );
        assert!(pending > 0, "{backend}: no partial write was reported");
        assert_eq!(count(&lines, "closing "), 1, "{backend}");
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn port_in_use_is_a_one_line_error_with_status_2() {
    let Some(server_bin) = example("echo_server") else {
        return;
    };
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().unwrap().port().to_string();
    let (status, out, err) = run(&server_bin, &["--port", &port]);
    assert_eq!(status.code(), Some(2), "stdout {out:?} stderr {err:?}");
    assert_eq!(out, "");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.starts_with(&format!("echo_server: cannot listen on 127.0.0.1:{port}: ")),
        "{err:?}"
    );
    // Windows says "Only one usage of each socket address ... is normally permitted" (and wine
    // has no text for it), so look for WSAEADDRINUSE's number there.
    #[cfg(unix)]
    assert!(err.to_lowercase().contains("in use"), "{err:?}");
    #[cfg(windows)]
    assert!(err.contains("(os error 10048)"), "{err:?}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn bad_options_exit_2_and_help_exits_0() {
    let (Some(server_bin), Some(client_bin)) = (example("echo_server"), example("echo_client"))
    else {
        return;
    };
    for bin in [&server_bin, &client_bin] {
        let (status, out, err) = run(bin, &["--help"]);
        assert_eq!(status.code(), Some(0), "{err}");
        assert!(out.starts_with("usage: "), "{out:?}");
        let (status, out, err) = run(bin, &["--no-such-option"]);
        assert_eq!(status.code(), Some(2));
        assert_eq!(out, "");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.contains("unknown option"), "{err:?}");
    }
    let (status, _, err) = run(&server_bin, &["--backend", "nonsense"]);
    assert_eq!(status.code(), Some(2), "{err}");
    let (status, _, err) = run(&client_bin, &["--threads"]);
    assert_eq!(status.code(), Some(2), "{err}");
}

/// The client must notice a wrong echo, and a refused connection, and exit 1.
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn client_fails_on_a_wrong_echo_and_on_no_server() {
    let Some(client_bin) = example("echo_client") else {
        return;
    };
    // A server that echoes the message with its first byte changed.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    // accept() has no timeout: poll a non-blocking listener, so that a client that never
    // connects (a broken environment) fails this test instead of hanging it.
    listener.set_nonblocking(true).expect("set_nonblocking");
    let liar = thread::spawn(move || {
        let start = Instant::now();
        let mut conn = loop {
            match listener.accept() {
                Ok((conn, _)) => break conn,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(
                        start.elapsed() < DEADLINE,
                        "no client connected in {DEADLINE:?}"
                    );
                    thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("accept: {e}"),
            }
        };
        conn.set_nonblocking(false).expect("set_nonblocking");
        conn.set_read_timeout(Some(DEADLINE)).unwrap();
        conn.set_write_timeout(Some(DEADLINE)).unwrap();
        let mut buf = [0u8; 64];
        let n = conn.read(&mut buf).expect("read");
        buf[0] ^= 0x20;
        conn.write_all(&buf[..n]).expect("write");
    });
    let (status, out, err) = run(
        &client_bin,
        &[
            "--port",
            &port.to_string(),
            "--threads",
            "1",
            "--count",
            "1",
        ],
    );
    let liar = liar.join();
    assert_eq!(status.code(), Some(1), "stdout {out:?} stderr {err:?}");
    liar.expect("the lying server");
    assert!(err.contains("echo differs at byte 0"), "{err:?}");
    assert!(out.contains("1 of 1 connections failed"), "{out:?}");

    // Nobody listening: bind a port, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (status, out, err) = run(
        &client_bin,
        &[
            "--port",
            &port.to_string(),
            "--threads",
            "2",
            "--count",
            "1",
        ],
    );
    assert_eq!(status.code(), Some(1), "stdout {out:?} stderr {err:?}");
    assert_eq!(err.matches("connect: ").count(), 2, "{err:?}");
}

/// SIGINT and SIGTERM through the handler that calls `Waker::wake`: the server wakes from
/// `select(None)`, prints "shutting down", closes every connection (each client reads EOF)
/// and exits 0, on every backend, for each of the two signals.
#[cfg(unix)]
#[test]
#[cfg_attr(
    miri,
    ignore = "runs the example binaries (posix_spawn), which Miri cannot run"
)]
fn signal_shuts_the_server_down_cleanly() {
    let Some(server_bin) = example("echo_server") else {
        return;
    };
    let signals = [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")];
    for (&backend, (sig, name)) in BACKENDS.iter().flat_map(|b| signals.map(|s| (b, s))) {
        let server = Server::start(&server_bin, &["--backend", backend]);
        let mut clients = Vec::new();
        for n in 0..3 {
            let mut c = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
            c.set_read_timeout(Some(DEADLINE)).unwrap();
            let msg = format!("ping {n}");
            c.write_all(msg.as_bytes()).unwrap();
            let mut buf = vec![0; msg.len()];
            c.read_exact(&mut buf).expect("echo before the signal");
            assert_eq!(buf, msg.as_bytes());
            clients.push(c);
        }
        // The server is now blocked in select(None) with 3 connections and the listener.
        let pid = libc::pid_t::try_from(server.child.id()).expect("pid");
        // SAFETY: kill takes two integers; pid is our running child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        for (n, c) in clients.iter_mut().enumerate() {
            let mut buf = [0; 16];
            match c.read(&mut buf) {
                Ok(0) => {}
                other => panic!("{backend}/{name}: client {n} got {other:?}, not EOF"),
            }
        }
        let (status, lines, err) = server.finish();
        assert_eq!(
            status.code(),
            Some(0),
            "{backend}/{name}: server {status}, stderr {err}"
        );
        assert_eq!(err, "", "{backend}/{name}: server stderr");
        assert_eq!(
            count(&lines, "shutting down"),
            1,
            "{backend}/{name}: {lines:#?}"
        );
        let after: Vec<String> = lines
            .iter()
            .skip_while(|l| *l != "shutting down")
            .cloned()
            .collect();
        assert_eq!(
            count(&after, "closing 127.0.0.1:"),
            3,
            "{backend}/{name}: every connection closed after the signal: {lines:#?}"
        );
    }
}
