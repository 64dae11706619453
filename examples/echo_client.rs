//! A client for `echo_server`: the Python one of the usual `selectors` walkthrough
//! (10 threads, each connecting, sending `hi` and reading the echo), made bounded and checked.
//!
//! Each of `--threads` threads opens one connection and sends `--count` messages on it, each
//! `hi <thread>.<message>` padded to `--size` bytes if given; it waits for each echo and
//! compares it with what it sent, then half-closes the connection and expects the server to
//! close its side without sending anything more. Every socket operation has a 10 s timeout,
//! so the client never hangs. Exit status 0 when every message came back intact, 1 otherwise
//! (each failure is printed), 2 for a bad option.
//!
//! ```text
//! cargo run --release --example echo_client -- [--port 8080] [--threads 10] [--count 5] [--size B]
//! ```

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: echo_client [--port P] [--threads T] [--count N] [--size BYTES]

Connects T times (in parallel threads) to the echo server on 127.0.0.1:P, sends N messages
on each connection and checks that each comes back unchanged.

  --port P        server port (default 8080)
  --threads T     connections, one thread each (default 10)
  --count N       messages per connection (default 5)
  --size BYTES    pad each message to this many bytes (default: just \"hi <thread>.<n>\")
  -h, --help      print this help

Exit status: 0 when every message was echoed, 1 otherwise, 2 on a bad option.";

/// Upper bound for every connect, read and write.
const TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    port: u16,
    threads: usize,
    count: usize,
    size: usize,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        port: 8080,
        threads: 10,
        count: 5,
        size: 0,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" | "--threads" | "--count" | "--size" => {}
            _ => return Err(format!("unknown option {name:?}")),
        }
        let value: String = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        let number = |max: usize| -> Result<usize, String> {
            value
                .parse()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("bad value {value:?} for {name}"))
        };
        match name.as_str() {
            "--port" => opts.port = number(u16::MAX.into())? as u16,
            "--threads" => opts.threads = number(10_000)?,
            "--count" => opts.count = number(usize::MAX)?,
            "--size" => opts.size = number(1 << 30)?,
            _ => unreachable!("checked above"),
        }
    }
    Ok(Some(opts))
}

/// Message `n` of thread `t`: `hi t.n`, then (for `--size`) a pattern up to `size` bytes.
fn message(t: usize, n: usize, size: usize) -> Vec<u8> {
    let mut msg = format!("hi {t}.{n}").into_bytes();
    let mut i = 0usize;
    while msg.len() < size {
        msg.push(b"abcdefghijklmnopqrstuvwxyz0123456789\n"[(t + n + i) % 37]);
        i += 1;
    }
    msg
}

/// One client connection: send each message, read its echo, compare; then expect EOF.
fn client(addr: SocketAddr, t: usize, opts: &Options) -> Result<(), String> {
    let stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect: {}", why(e)))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("setting timeouts: {e}"))?;
    for n in 0..opts.count {
        let sent = message(t, n, opts.size);
        let mut echo = vec![0; sent.len()];
        // Write on a second thread while this one reads, so a message larger than the
        // socket buffers cannot deadlock against the server's echo of its first bytes.
        let (written, read) = thread::scope(|s| {
            let writer = s.spawn(|| (&stream).write_all(&sent));
            let read = read_full(&stream, &mut echo);
            (writer.join().expect("writer thread panicked"), read)
        });
        written.map_err(|e| format!("message {n}: send: {}", why(e)))?;
        read.map_err(|e| format!("message {n}: recv: {}", why(e)))?;
        if echo != sent {
            let at = sent
                .iter()
                .zip(&echo)
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            return Err(format!(
                "message {n}: echo differs at byte {at}: sent {:?}, got {:?}",
                Preview(&sent[at..]),
                Preview(&echo[at..]),
            ));
        }
    }
    // Python's client ends by closing; the server must answer with EOF and nothing else.
    stream
        .shutdown(Shutdown::Write)
        .map_err(|e| format!("shutdown: {e}"))?;
    let mut extra = Vec::new();
    (&stream)
        .read_to_end(&mut extra)
        .map_err(|e| format!("waiting for the server to close: {}", why(e)))?;
    if !extra.is_empty() {
        return Err(format!(
            "{} unexpected bytes after the last echo: {:?}",
            extra.len(),
            Preview(&extra)
        ));
    }
    Ok(())
}

/// The error as a sentence: a socket timeout (which the OS reports as `EAGAIN`/`WouldBlock` on
/// unix, `TimedOut` on Windows) says so.
fn why(e: io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("timed out after {} s ({e})", TIMEOUT.as_secs())
        }
        _ => e.to_string(),
    }
}

/// `read_exact` that reports how much arrived before an EOF.
fn read_full(mut stream: &TcpStream, buf: &mut [u8]) -> io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {got} of {} bytes", buf.len()),
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The first bytes of a message, escaped.
struct Preview<'a>(&'a [u8]);

impl std::fmt::Debug for Preview<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.0[..self.0.len().min(32)];
        write!(f, "b\"{}\"", shown.escape_ascii())?;
        if shown.len() < self.0.len() {
            write!(f, "... ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("echo_client: {msg} (try --help)");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
    let start = Instant::now();
    let results: Vec<Result<(), String>> = thread::scope(|s| {
        let threads: Vec<_> = (0..opts.threads)
            .map(|t| {
                s.spawn({
                    let opts = &opts;
                    move || client(addr, t, opts)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
            .collect()
    });
    let mut failed = 0;
    for (t, result) in results.iter().enumerate() {
        if let Err(msg) = result {
            eprintln!("echo_client: thread {t}: {msg}");
            failed += 1;
        }
    }
    let what = format!("{} threads x {} messages", opts.threads, opts.count);
    if failed == 0 {
        println!("{what}: all echoed ({:.0?})", start.elapsed());
        ExitCode::SUCCESS
    } else {
        println!("{what}: {failed} of {} connections failed", opts.threads);
        ExitCode::FAILURE
    }
}
