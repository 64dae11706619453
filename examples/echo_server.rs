//! The echo server from Python's `selectors` documentation, ported.
//!
//! <https://docs.python.org/3/library/selectors.html#examples>:
//!
//! ```python
//! sel = selectors.DefaultSelector()
//!
//! def accept(sock, mask):
//!     conn, addr = sock.accept()  # Should be ready
//!     print('accepted', conn, 'from', addr)
//!     conn.setblocking(False)
//!     sel.register(conn, selectors.EVENT_READ, read)
//!
//! def read(conn, mask):
//!     data = conn.recv(1000)  # Should be ready
//!     if data:
//!         print('echoing', repr(data), 'to', conn)
//!         conn.send(data)  # Hope it won't block
//!     else:
//!         print('closing', conn)
//!         sel.unregister(conn)
//!         conn.close()
//!
//! sock = socket.socket()
//! sock.bind(('localhost', 1234))
//! sock.listen(100)
//! sock.setblocking(False)
//! sel.register(sock, selectors.EVENT_READ, accept)
//!
//! while True:
//!     events = sel.select()
//!     for key, mask in events:
//!         callback = key.data
//!         callback(key.fileobj, mask)
//! ```
//!
//! The shape is the same: the key's data is the callback (a plain `fn`), and the loop calls
//! `callback(fileobj, mask)` for each ready key, registering and unregistering as it goes.
//! One thing is fixed: Python's `conn.send(data)  # Hope it won't block` drops whatever the
//! kernel does not take. Here the unsent bytes are kept with the connection, which is switched
//! to `EVENT_WRITE` (with the `write` callback) until they are drained, then back to
//! `EVENT_READ` (with `read`).
//!
//! On unix, SIGINT (Ctrl-C) and SIGTERM stop it cleanly: the handler only calls
//! [`Waker::wake`](ioselectors::Waker::wake) (one `write(2)` or `kevent(2)`, async-signal-safe)
//! and sets a flag; the loop wakes from `select(None)`, prints `shutting down`, closes every
//! connection and the listener, and exits 0. That is Python's `signal.set_wakeup_fd` pattern
//! (asyncio's self-pipe), with the selector owning the pipe.
//!
//! ```text
//! cargo run --release --example echo_server -- [--port 8080] [--backend default]
//! cargo run --release --example echo_client -- [--port 8080] [--threads 10] [--count 5]
//! ```

use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::rc::Rc;

use ioselectors::{
    Backend, BaseSelector, DefaultSelector, Events, FileObj, RawFd, EVENT_READ, EVENT_WRITE,
};

const USAGE: &str = "\
usage: echo_server [--port P] [--backend select|poll|epoll|kqueue|devpoll|default]
                   [--exit-after N] [--quiet]

The echo server of Python's selectors documentation: accepts connections on 127.0.0.1 and
echoes back whatever each client sends.

  --port P          TCP port to listen on (default 8080; 0 picks a free one)
  --backend NAME    selector to use (default: DefaultSelector's choice)
  --exit-after N    exit (status 0) once N connections have been closed
  --quiet           do not print a line per accepted, echoed and closed connection
  -h, --help        print this help

SIGINT and SIGTERM (unix) make it print \"shutting down\", close every connection and exit 0.

Exit status: 0 on --exit-after or SIGINT/SIGTERM, 1 on a selector error, 2 on a bad option or
when the port cannot be listened on (e.g. it is in use).";

/// Python's `callback(key.fileobj, mask)`: what the key's data holds.
type Callback = fn(&mut Server, &Sock, Events);

/// The file objects this server registers: the listening socket and its connections. Python
/// registers both kinds of socket in one selector; here they share one type.
#[derive(Clone)]
enum Sock {
    Listener(Rc<TcpListener>),
    Conn(Rc<Conn>),
}

/// A client connection, with the bytes read from it but not yet echoed back.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    pending: RefCell<Vec<u8>>,
}

impl FileObj for Sock {
    fn fileno(&self) -> RawFd {
        match self {
            Sock::Listener(listener) => listener.fileno(),
            Sock::Conn(conn) => conn.stream.fileno(),
        }
    }
}

/// Python's module globals: the selector, plus the options and a count of closed connections.
struct Server {
    sel: DefaultSelector<Sock, Callback>,
    quiet: bool,
    closed: u64,
}

impl Server {
    fn log(&self, line: std::fmt::Arguments<'_>) {
        if !self.quiet {
            println!("{line}");
        }
    }

    /// Python's `sel.unregister(conn); conn.close()`: the socket closes when the last `Rc`
    /// (the one the select loop holds) is dropped.
    fn close(&mut self, conn: &Conn, sock: &Sock) {
        self.log(format_args!("closing {}", conn.peer));
        if let Err(err) = self.sel.unregister(sock) {
            eprintln!("echo_server: unregister {}: {err}", conn.peer);
        }
        self.closed += 1;
    }
}

fn accept(server: &mut Server, sock: &Sock, _mask: Events) {
    let Sock::Listener(listener) = sock else {
        unreachable!("accept is registered for the listening socket only")
    };
    let (stream, peer) = match listener.accept() {
        Ok(accepted) => accepted,
        // The client may have gone already; the listener stays registered.
        Err(err) if err.kind() == ErrorKind::WouldBlock => return,
        Err(err) => return eprintln!("echo_server: accept: {err}"),
    };
    server.log(format_args!("accepted fd {} from {peer}", stream.fileno()));
    if let Err(err) = stream.set_nonblocking(true) {
        return eprintln!("echo_server: {peer}: {err}");
    }
    let conn = Sock::Conn(Rc::new(Conn {
        stream,
        peer,
        pending: RefCell::new(Vec::new()),
    }));
    if let Err(err) = server.sel.register(conn, EVENT_READ, read) {
        eprintln!("echo_server: register {peer}: {err}");
    }
}

fn read(server: &mut Server, sock: &Sock, _mask: Events) {
    let Sock::Conn(conn) = sock else {
        unreachable!("read is registered for connections only")
    };
    let mut data = [0; 4096]; // Python's example reads up to 1000 bytes
    match (&conn.stream).read(&mut data) {
        Ok(0) => server.close(conn, sock),
        Ok(n) => {
            let data = &data[..n];
            server.log(format_args!("echoing {} to {}", Repr(data), conn.peer));
            conn.pending.borrow_mut().extend_from_slice(data);
            flush(server, conn, sock, EVENT_READ);
        }
        Err(err) if would_block(&err) => {}
        Err(err) => {
            eprintln!("echo_server: recv from {}: {err}", conn.peer);
            server.close(conn, sock);
        }
    }
}

/// Called when a connection with unsent bytes becomes writable.
fn write(server: &mut Server, sock: &Sock, _mask: Events) {
    let Sock::Conn(conn) = sock else {
        unreachable!("write is registered for connections only")
    };
    flush(server, conn, sock, EVENT_WRITE);
}

/// Sends as much of `conn.pending` as the kernel takes. If some is left, the connection waits
/// for `EVENT_WRITE` with the `write` callback (and is not read meanwhile, so a client that
/// does not read cannot make the server buffer without bound); once everything is sent, it
/// waits for `EVENT_READ` with `read` again. `now` is what it is registered for.
fn flush(server: &mut Server, conn: &Conn, sock: &Sock, now: Events) {
    let (events, callback): (Events, Callback) =
        match send_some(&conn.stream, &mut conn.pending.borrow_mut()) {
            Ok(0) => (EVENT_READ, read),
            Ok(left) => {
                server.log(format_args!(
                    "{left} bytes pending to {}, waiting for EVENT_WRITE",
                    conn.peer
                ));
                (EVENT_WRITE, write)
            }
            Err(err) => {
                eprintln!("echo_server: send to {}: {err}", conn.peer);
                return server.close(conn, sock);
            }
        };
    if events != now {
        if let Err(err) = server.sel.modify(sock, events, callback) {
            eprintln!("echo_server: modify {}: {err}", conn.peer);
            server.close(conn, sock);
        }
    }
}

/// Writes from the front of `pending` until it is empty or the socket would block; returns
/// how many bytes are left.
fn send_some(mut stream: &TcpStream, pending: &mut Vec<u8>) -> io::Result<usize> {
    let mut sent = 0;
    let result = loop {
        if sent == pending.len() {
            break Ok(());
        }
        match stream.write(&pending[sent..]) {
            Ok(0) => break Err(ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => break Ok(()),
            Err(err) => break Err(err),
        }
    };
    pending.drain(..sent);
    result.map(|()| pending.len())
}

fn would_block(err: &io::Error) -> bool {
    matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted)
}

/// Python's `repr(bytes)`, shortened: `b"hi"`, `b"hello\n"`, `b"xxxx..."` (4096 bytes).
struct Repr<'a>(&'a [u8]);

impl std::fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 32;
        if self.0.len() <= SHOWN {
            write!(f, "b\"{}\"", self.0.escape_ascii())
        } else {
            let head = &self.0[..SHOWN];
            write!(
                f,
                "b\"{}...\" ({} bytes)",
                head.escape_ascii(),
                self.0.len()
            )
        }
    }
}

struct Options {
    port: u16,
    backend: Option<Backend>,
    exit_after: Option<u64>,
    quiet: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        port: 8080,
        backend: None,
        exit_after: None,
        quiet: false,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quiet" => opts.quiet = true,
            "--port" => {
                let v = value()?;
                opts.port = v.parse().map_err(|_| format!("bad port {v:?}"))?;
            }
            "--exit-after" => {
                let v = value()?;
                opts.exit_after = Some(v.parse().map_err(|_| format!("bad count {v:?}"))?);
            }
            "--backend" => {
                opts.backend = match value()?.as_str() {
                    "default" => None,
                    "select" => Some(Backend::Select),
                    "poll" => Some(Backend::Poll),
                    "epoll" => Some(Backend::Epoll),
                    "kqueue" => Some(Backend::Kqueue),
                    "devpoll" => Some(Backend::Devpoll),
                    other => return Err(format!("unknown backend {other:?}")),
                }
            }
            _ => return Err(format!("unknown option {name:?}")),
        }
    }
    Ok(Some(opts))
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("echo_server: {msg} (try --help)");
            return ExitCode::from(2);
        }
    };

    let sel = match opts.backend {
        None => DefaultSelector::new(),
        Some(backend) => DefaultSelector::with_backend(backend),
    };
    let sel = match sel {
        Ok(sel) => sel,
        Err(err) => {
            let name = opts.backend.map_or("default", Backend::name);
            eprintln!("echo_server: cannot use the {name} selector: {err}");
            return ExitCode::from(2);
        }
    };

    // Python: socket(), bind(), listen(100), setblocking(False).
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
    let listener = match TcpListener::bind(addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("echo_server: cannot listen on {addr}: {err}");
            return ExitCode::from(2);
        }
    };
    let mut server = Server {
        sel,
        quiet: opts.quiet,
        closed: 0,
    };
    match run(&mut server, listener, opts.exit_after) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("echo_server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(server: &mut Server, listener: TcpListener, exit_after: Option<u64>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    server
        .sel
        .register(Sock::Listener(Rc::new(listener)), EVENT_READ, accept)?;
    #[cfg(unix)]
    shutdown::install(server.sel.waker()?)?;
    // Always printed, even with --quiet: scripts wait for this line (and read the port).
    println!("listening on {local} ({})", server.sel.backend());

    while exit_after.is_none_or(|n| server.closed < n) {
        let events = server.sel.select(None)?;
        #[cfg(unix)]
        if shutdown::requested() {
            // Always printed: the signal's effect is visible even with --quiet.
            println!("shutting down");
            close_all(server);
            return Ok(());
        }
        for (key, mask) in events {
            let callback = key.data;
            callback(server, &key.fileobj, mask);
        }
    }
    // Dropping the selector closes it; the listener closes with its last `Rc`.
    Ok(())
}

/// Unregisters every connection (each closes when its last `Rc`, the map's, goes) and the
/// listener, then closes the selector.
#[cfg(unix)]
fn close_all(server: &mut Server) {
    let socks: Vec<Sock> = match server.sel.get_map() {
        Some(map) => map.iter().map(|key| key.fileobj.clone()).collect(),
        None => Vec::new(),
    };
    for sock in socks {
        match &sock {
            Sock::Conn(conn) => server.close(conn, &sock),
            Sock::Listener(_) => drop(server.sel.unregister(&sock)),
        }
    }
    server.sel.close();
}

/// SIGINT/SIGTERM → a flag and a wake-up of the select loop.
#[cfg(unix)]
mod shutdown {
    use std::ffi::c_int;
    use std::io;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;

    use ioselectors::Waker;
    use ioselectors_sys as sys;

    static WAKER: OnceLock<Waker> = OnceLock::new();
    static REQUESTED: AtomicBool = AtomicBool::new(false);

    /// Whether SIGINT or SIGTERM arrived.
    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }

    /// Only async-signal-safe work: an atomic store, an atomic load (`OnceLock::get` on an
    /// initialised lock), `Waker::wake` (one system call); errno is saved and restored.
    extern "C" fn on_signal(_sig: c_int) {
        // SAFETY: errno_location() returns the calling thread's errno, valid for the thread.
        let errno = unsafe { *sys::errno_location() };
        REQUESTED.store(true, Ordering::SeqCst);
        if let Some(waker) = WAKER.get() {
            let _ = waker.wake();
        }
        // SAFETY: as above.
        unsafe { *sys::errno_location() = errno };
    }

    /// Stores the waker, then installs the handler for SIGINT and SIGTERM.
    pub fn install(waker: Waker) -> io::Result<()> {
        let _ = WAKER.set(waker);
        for sig in [sys::SIGINT, sys::SIGTERM] {
            let handler = on_signal as extern "C" fn(c_int) as sys::sighandler_t;
            // SAFETY: on_signal is an `extern "C" fn(c_int)` that only does async-signal-safe
            // work (above); it stays valid for the life of the process.
            if unsafe { sys::signal(sig, handler) } == sys::SIG_ERR {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}
