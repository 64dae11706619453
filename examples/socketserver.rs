//! CPython 3.11's `socketserver.BaseServer.serve_forever` and `shutdown` (Lib/socketserver.py,
//! with `_handle_request_noblock` and `TCPServer`'s `get_request`), ported, plus the one
//! improvement its own comment asks for: "XXX: Consider using another file descriptor or
//! connecting to the socket to wake this up instead of polling". `shutdown()` wakes the
//! selector through its [`Waker`](ioselectors::Waker), so it returns at once instead of after up
//! to `poll_interval`.
//!
//! Python → Rust: `selector.register(self, EVENT_READ)` registers the listening socket by
//! reference (the server keeps it; the selector lives for one `serve_forever` call);
//! `self.__shutdown_request` is an `AtomicBool`, `self.__is_shut_down` a `threading.Event`
//! (a `Mutex<bool>` and a `Condvar`); the request handler is a closure.
//!
//! Run: `cargo run --example socketserver` (serves a few loopback clients, then shuts down);
//! `tests/socketserver.rs` runs the scenarios of issue 17 with this code.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use ioselectors::{BaseSelector, DefaultSelector, Waker, EVENT_READ};

/// `threading.Event`.
#[derive(Default)]
struct Event {
    flag: Mutex<bool>,
    cond: Condvar,
}

impl Event {
    fn set(&self) {
        *self.flag.lock().unwrap() = true;
        self.cond.notify_all();
    }
    fn clear(&self) {
        *self.flag.lock().unwrap() = false;
    }
    fn wait(&self) {
        let mut flag = self.flag.lock().unwrap();
        while !*flag {
            flag = self.cond.wait(flag).unwrap();
        }
    }
}

/// `socketserver.TCPServer(server_address, RequestHandlerClass)`: one request at a time.
pub struct TcpServer<H> {
    /// `self.socket`
    socket: TcpListener,
    /// `RequestHandlerClass(request, client_address, self)`, as a closure.
    handler: H,
    shutdown_request: AtomicBool,
    is_shut_down: Event,
    /// The running `serve_forever`'s waker, for `shutdown`.
    waker: Mutex<Option<Waker>>,
}

impl<H: Fn(TcpStream, SocketAddr) -> io::Result<()> + Sync> TcpServer<H> {
    /// `TCPServer(server_address, handler)`: binds and listens.
    pub fn new(address: impl ToSocketAddrs, handler: H) -> io::Result<Self> {
        Ok(TcpServer {
            socket: TcpListener::bind(address)?,
            handler,
            shutdown_request: AtomicBool::new(false),
            is_shut_down: Event::default(),
            waker: Mutex::new(None),
        })
    }

    /// `server.server_address`
    pub fn server_address(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// `serve_forever(poll_interval=0.5)`: handle one request at a time until `shutdown()`.
    pub fn serve_forever(&self, poll_interval: Duration) -> io::Result<()> {
        self.is_shut_down.clear();
        let result = self.serve(poll_interval);
        // finally:
        *self.waker.lock().unwrap() = None;
        self.shutdown_request.store(false, Ordering::SeqCst);
        self.is_shut_down.set();
        result
    }

    fn serve(&self, poll_interval: Duration) -> io::Result<()> {
        // with _ServerSelector() as selector:
        let mut selector: DefaultSelector<&TcpListener, ()> = DefaultSelector::new()?;
        selector.register(&self.socket, EVENT_READ, ())?;
        // Published before the flag is read: a `shutdown()` that comes first finds the flag
        // set below; one that comes later finds the waker.
        *self.waker.lock().unwrap() = Some(selector.waker()?);
        while !self.shutdown_request.load(Ordering::SeqCst) {
            let ready = selector.select(Some(poll_interval))?;
            // bpo-35017: shutdown() called during select(), exit immediately.
            if self.shutdown_request.load(Ordering::SeqCst) {
                break;
            }
            if !ready.is_empty() {
                self.handle_request_noblock();
            }
            self.service_actions();
        }
        Ok(())
    }

    /// `shutdown()`: stops the `serve_forever` loop and blocks until it has finished. Must be
    /// called while `serve_forever()` runs in another thread, or it will deadlock (as in
    /// Python).
    pub fn shutdown(&self) {
        self.shutdown_request.store(true, Ordering::SeqCst);
        if let Some(waker) = self.waker.lock().unwrap().as_ref() {
            // Err(Closed) only if serve_forever's selector is already gone: it is finishing.
            let _ = waker.wake();
        }
        self.is_shut_down.wait();
    }

    /// `service_actions()`: called by the `serve_forever` loop (nothing here).
    fn service_actions(&self) {}

    /// `_handle_request_noblock()`: accept and process one request.
    fn handle_request_noblock(&self) {
        // request, client_address = self.get_request()  (except OSError: return)
        let Ok((request, client_address)) = self.socket.accept() else {
            return;
        };
        // self.process_request(request, client_address); handle_error on failure
        if let Err(err) = (self.handler)(request, client_address) {
            eprintln!(
                "Exception occurred during processing of request from {client_address}: {err}"
            );
        }
        // shutdown_request(request): the stream was moved into the handler and is closed.
    }
}

/// A `StreamRequestHandler` that echoes each line back.
pub fn echo_lines(request: TcpStream, _client: SocketAddr) -> io::Result<()> {
    let mut wfile = request.try_clone()?;
    for line in BufReader::new(request).lines() {
        wfile.write_all(line?.as_bytes())?;
        wfile.write_all(b"\n")?;
    }
    Ok(())
}

/// One client: sends `line`, returns the echoed line.
pub fn client(address: SocketAddr, line: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(format!("{line}\n").as_bytes())?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut echoed = String::new();
    BufReader::new(stream).read_line(&mut echoed)?;
    Ok(echoed.trim_end().to_owned())
}

#[allow(dead_code)] // unused when tests/socketserver.rs includes this file
fn main() -> io::Result<()> {
    let server = TcpServer::new("127.0.0.1:0", echo_lines)?;
    let address = server.server_address()?;
    std::thread::scope(|s| -> io::Result<()> {
        let serving = s.spawn(|| server.serve_forever(Duration::from_secs(30)));
        for i in 0..3 {
            println!("{}", client(address, &format!("hello {i}"))?);
        }
        let start = std::time::Instant::now();
        server.shutdown();
        println!("shutdown() took {:?}", start.elapsed());
        serving.join().expect("serve_forever panicked")
    })
}
