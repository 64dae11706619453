//! CPython 3.11's `subprocess.Popen.communicate`, POSIX branch, ported: `Popen.communicate` and
//! `Popen._communicate` in Lib/subprocess.py (with `_save_input`, `_remaining_time`,
//! `_check_timeout` and `_wait`'s timeout loop), over an ioselectors selector that owns the
//! child's three pipes.
//!
//! Python → Rust: CPython registers `self.stdin`/`self.stdout`/`self.stderr` and tells them apart
//! with `key.fileobj is self.stdin`; here the selector owns them, as a [`Pipe`] enum (mixed types
//! in one selector), and the loop matches on the registered object itself, reached in place with
//! `get_key_mut`. `selector.unregister(key.fileobj); key.fileobj.close()` is `unregister`, which
//! hands the pipe back, and dropping it. A timeout puts the pipes still open back on the
//! `Popen` (CPython's stay on `self`), so that `kill()` then `communicate()` collects the rest.
//! `endtime - _time()` is `select_until(deadline)`.
//!
//! Run: `cargo run --example communicate` (its children are `tee /dev/stderr` and `sh`);
//! `tests/communicate.rs` runs the scenarios of issue 17 with this code: 8 MiB each way, a child
//! that closes stdin early, a timeout then `kill()` and `communicate()`.

#[cfg(unix)]
pub use posix::*;

#[cfg(unix)]
mod posix {
    use std::io::{self, Read, Write};
    use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
    use std::time::{Duration, Instant};

    use ioselectors::{BaseSelector, DefaultSelector, FileObj, ReadySet, Token};
    use ioselectors::{RawFd, EVENT_READ, EVENT_WRITE};

    /// `select.PIPE_BUF`: the most one write to a pipe that polls writable is sure to take
    /// without blocking (POSIX `PIPE_BUF`: 4096 on Linux, 512 on the BSDs and macOS).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const PIPE_BUF: usize = 4096;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const PIPE_BUF: usize = 512;

    /// The child's three pipes, one type for one selector (Python's dynamic typing).
    pub enum Pipe {
        /// `self.stdin`
        Stdin(ChildStdin),
        /// `self.stdout`
        Stdout(ChildStdout),
        /// `self.stderr`
        Stderr(ChildStderr),
    }

    impl FileObj for Pipe {
        fn fileno(&self) -> RawFd {
            match self {
                Pipe::Stdin(p) => p.fileno(),
                Pipe::Stdout(p) => p.fileno(),
                Pipe::Stderr(p) => p.fileno(),
            }
        }
    }

    /// `subprocess.TimeoutExpired` (with its partial `output` and `stderr`), or an OS error.
    #[derive(Debug)]
    pub enum Error {
        /// `TimeoutExpired(args, timeout, output=..., stderr=...)`: what was read so far.
        TimeoutExpired {
            /// `orig_timeout`
            timeout: Duration,
            /// `e.output`
            stdout: Vec<u8>,
            /// `e.stderr`
            stderr: Vec<u8>,
        },
        /// `OSError`
        Io(io::Error),
    }

    impl From<io::Error> for Error {
        fn from(err: io::Error) -> Error {
            Error::Io(err)
        }
    }

    impl From<ioselectors::Error> for Error {
        fn from(err: ioselectors::Error) -> Error {
            Error::Io(err.into())
        }
    }

    /// `subprocess.Popen` with `stdin=PIPE, stdout=PIPE, stderr=PIPE`, reduced to what
    /// `communicate` keeps between calls.
    pub struct Popen {
        /// The process (`self.pid`, `wait`, `kill`).
        pub child: Child,
        stdin: Option<ChildStdin>,
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
        communication_started: bool,
        /// `self._fileobj2output[self.stdout]`, `[self.stderr]`
        output: [Vec<u8>; 2],
        /// `self._input`, `self._input_offset`
        input: Option<Vec<u8>>,
        input_offset: usize,
    }

    impl Popen {
        /// `Popen(args, stdin=PIPE, stdout=PIPE, stderr=PIPE)`.
        pub fn new(command: &mut Command) -> io::Result<Popen> {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            Ok(Popen {
                stdin: child.stdin.take(),
                stdout: child.stdout.take(),
                stderr: child.stderr.take(),
                child,
                communication_started: false,
                output: [Vec::new(), Vec::new()],
                input: None,
                input_offset: 0,
            })
        }

        /// `communicate(input=None, timeout=None)`: send `input` to stdin and close it, read
        /// stdout and stderr to end-of-file, wait for the process; `(stdout, stderr)`.
        ///
        /// On `TimeoutExpired` nothing is lost: call it again (without input) to continue, e.g.
        /// after `kill()`, as the Python docs recommend.
        pub fn communicate(
            &mut self,
            input: Option<&[u8]>,
            timeout: Option<Duration>,
        ) -> Result<(Vec<u8>, Vec<u8>), Error> {
            if self.communication_started && input.is_some_and(|i| !i.is_empty()) {
                // ValueError("Cannot send input after starting communication")
                return Err(Error::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "Cannot send input after starting communication",
                )));
            }
            let endtime = timeout.map(|t| Instant::now() + t);
            let result = self.communicate_inner(input, endtime, timeout);
            self.communication_started = true;
            let (stdout, stderr) = result?;
            self.wait(endtime, timeout.unwrap_or_default())?;
            Ok((stdout, stderr))
        }

        /// `_communicate(input, endtime, orig_timeout)`.
        fn communicate_inner(
            &mut self,
            input: Option<&[u8]>,
            endtime: Option<Instant>,
            orig_timeout: Option<Duration>,
        ) -> Result<(Vec<u8>, Vec<u8>), Error> {
            if !self.communication_started && input.is_none_or(<[u8]>::is_empty) {
                // `if not input: self.stdin.close()` (BrokenPipeError ignored: closing a pipe
                // does not fail in Rust).
                self.stdin = None;
            }
            // `_save_input`
            if self.stdin.is_some() && self.input.is_none() {
                self.input_offset = 0;
                self.input = input.map(<[u8]>::to_vec);
            }

            // `with _PopenSelector() as selector:` — the selector owns the pipes while it runs.
            let mut selector: DefaultSelector<Pipe, ()> = DefaultSelector::new()?;
            let mut tokens: Vec<Token> = Vec::new();
            if input.is_some_and(|i| !i.is_empty()) {
                if let Some(stdin) = self.stdin.take() {
                    tokens.push(
                        selector
                            .register(Pipe::Stdin(stdin), EVENT_WRITE, ())?
                            .token(),
                    );
                }
            }
            if let Some(stdout) = self.stdout.take() {
                tokens.push(
                    selector
                        .register(Pipe::Stdout(stdout), EVENT_READ, ())?
                        .token(),
                );
            }
            if let Some(stderr) = self.stderr.take() {
                tokens.push(
                    selector
                        .register(Pipe::Stderr(stderr), EVENT_READ, ())?
                        .token(),
                );
            }

            let result = self.exchange(&mut selector, endtime, orig_timeout);
            // The pipes still open go back on the Popen (CPython's never left `self`).
            for token in tokens {
                if let Ok(key) = selector.unregister(&token) {
                    match key.fileobj {
                        Pipe::Stdin(p) => self.stdin = Some(p),
                        Pipe::Stdout(p) => self.stdout = Some(p),
                        Pipe::Stderr(p) => self.stderr = Some(p),
                    }
                }
            }
            result?;
            Ok((self.output[0].clone(), self.output[1].clone()))
        }

        /// The `while selector.get_map():` loop of `_communicate`.
        fn exchange(
            &mut self,
            selector: &mut DefaultSelector<Pipe, ()>,
            endtime: Option<Instant>,
            orig_timeout: Option<Duration>,
        ) -> Result<(), Error> {
            let mut ready = ReadySet::new();
            let mut buf = vec![0; 32768];
            while !selector.is_empty() {
                // `timeout = self._remaining_time(endtime); if timeout < 0: raise`
                self.check_timeout(endtime, orig_timeout)?;
                selector.select_until(endtime, &mut ready)?;
                self.check_timeout(endtime, orig_timeout)?;

                for (token, _events) in &ready {
                    let key = selector.get_key_mut(&token)?;
                    match key.fileobj {
                        // `if key.fileobj is self.stdin:`
                        Pipe::Stdin(stdin) => {
                            let input = self.input.as_deref().unwrap_or_default();
                            let end = input.len().min(self.input_offset + PIPE_BUF);
                            match stdin.write(&input[self.input_offset..end]) {
                                Ok(n) => {
                                    self.input_offset += n;
                                    if self.input_offset >= input.len() {
                                        drop(selector.unregister(&token)?); // close()
                                    }
                                }
                                // `except BrokenPipeError:` (Rust ignores SIGPIPE)
                                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
                                    drop(selector.unregister(&token)?);
                                }
                                Err(err) => return Err(err.into()),
                            }
                        }
                        // `elif key.fileobj in (self.stdout, self.stderr):`
                        Pipe::Stdout(_) | Pipe::Stderr(_) => {
                            let (n, which) = match key.fileobj {
                                Pipe::Stdout(p) => (p.read(&mut buf)?, 0),
                                Pipe::Stderr(p) => (p.read(&mut buf)?, 1),
                                Pipe::Stdin(_) => unreachable!(),
                            };
                            if n == 0 {
                                drop(selector.unregister(&token)?);
                            }
                            self.output[which].extend_from_slice(&buf[..n]);
                        }
                    }
                }
            }
            Ok(())
        }

        /// `_check_timeout`: `TimeoutExpired` with the output so far once `endtime` passed.
        fn check_timeout(
            &self,
            endtime: Option<Instant>,
            orig_timeout: Option<Duration>,
        ) -> Result<(), Error> {
            match endtime {
                Some(end) if Instant::now() > end => Err(Error::TimeoutExpired {
                    timeout: orig_timeout.unwrap_or_default(),
                    stdout: self.output[0].clone(),
                    stderr: self.output[1].clone(),
                }),
                _ => Ok(()),
            }
        }

        /// `wait(timeout=self._remaining_time(endtime))`: with a timeout, CPython's `_wait`
        /// polls `waitpid(WNOHANG)` with a sleep doubling up to 50 ms.
        fn wait(
            &mut self,
            endtime: Option<Instant>,
            timeout: Duration,
        ) -> Result<ExitStatus, Error> {
            let Some(end) = endtime else {
                return Ok(self.child.wait()?);
            };
            let mut delay = Duration::from_micros(500);
            loop {
                if let Some(status) = self.child.try_wait()? {
                    return Ok(status);
                }
                let remaining = end.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    return Err(Error::TimeoutExpired {
                        timeout,
                        stdout: Vec::new(),
                        stderr: Vec::new(),
                    });
                }
                delay = (delay * 2).min(remaining).min(Duration::from_millis(50));
                std::thread::sleep(delay);
            }
        }

        /// `returncode`, once `communicate` has waited for the process.
        pub fn returncode(&mut self) -> io::Result<Option<ExitStatus>> {
            self.child.try_wait()
        }

        /// `kill()`: SIGKILL.
        pub fn kill(&mut self) -> io::Result<()> {
            self.child.kill()
        }
    }
}

#[cfg(unix)]
#[allow(dead_code)] // `main` is unused when tests/communicate.rs includes this file
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::process::Command;
    use std::time::Duration;

    // proc = Popen(["tee", "/dev/stderr"], stdin=PIPE, stdout=PIPE, stderr=PIPE)
    let mut proc = Popen::new(Command::new("tee").arg("/dev/stderr"))?;
    let input: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
    let (out, err) = proc
        .communicate(Some(&input), None)
        .map_err(|e| format!("{e:?}"))?;
    assert!(out == input && err == input);
    println!("echo: {} bytes out, {} bytes err", out.len(), err.len());

    // try: proc.communicate(timeout=0.2) except TimeoutExpired: proc.kill(); proc.communicate()
    let hang = "echo partial stdout; echo partial stderr >&2; exec sleep 3600";
    let mut proc = Popen::new(Command::new("sh").args(["-c", hang]))?;
    match proc.communicate(None, Some(Duration::from_millis(200))) {
        Err(Error::TimeoutExpired { stdout, .. }) => {
            println!(
                "TimeoutExpired, output so far: {:?}",
                String::from_utf8_lossy(&stdout)
            );
            proc.kill()?;
            let (out, err) = proc.communicate(None, None).map_err(|e| format!("{e:?}"))?;
            let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
            println!("after kill(): stdout {out:?}, stderr {err:?}");
        }
        other => return Err(format!("expected TimeoutExpired, got {other:?}").into()),
    }
    Ok(())
}

#[cfg(not(unix))]
fn main() {
    eprintln!("communicate: a POSIX example (pipes in a selector)");
}
