//! Helpers shared by the behaviour tests: socketpairs and pipes, Python-style file objects, a
//! global lock for tests that touch process-wide state, child processes for tests that need a
//! private fd table or rlimit, signal plumbing, fd counting and a `time!` macro.
//!
//! Tests run on several threads of one process, so anything process-wide is handled here:
//!
//! * [`lock`] serialises the tests that install signal handlers, rely on a *closed* fd number
//!   staying closed ([`closed_fd`]), or are heavy enough to disturb the timing of others (the
//!   parent side of [`in_child`]). Since [`in_child`] holds it while a child runs, it also keeps
//!   children from being forked meanwhile: tests that need a file's *last* close to be seen
//!   by the kernel (HUP on the peer, epoll dropping the registration) hold it, or a fork in
//!   progress could hold a copy of the fd for a moment.
//! * Tests that change `RLIMIT_NOFILE`, open thousands of fds or count `/proc/self/fd` run in a
//!   child process ([`in_child`]): the test binary re-executed, filtered to that one test, so no
//!   other test's fds or limits can interfere.
//! * Every fd made here is close-on-exec, and the ones that cannot be made so atomically are
//!   made so under [`SPAWN`], which [`in_child`] holds while it spawns: a child never inherits a
//!   test's pipe end and keeps it open behind the test's back.
#![allow(dead_code)]

use std::cell::RefCell;
use std::ffi::c_int;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

#[cfg(target_os = "linux")]
pub mod seccomp;
use std::thread;
use std::time::{Duration, Instant};

use ioselectors::{Backend, BaseSelector, Error, FileObj, EVENT_READ, EVENT_WRITE};

/// `(value, elapsed)` of an expression: `let (ready, dt) = time!(sel.select(t));`.
macro_rules! time {
    ($e:expr) => {{
        let start = ::std::time::Instant::now();
        let value = $e;
        (value, start.elapsed())
    }};
}

// ---------------------------------------------------------------------------------------------
// Locks

static GLOBAL: Mutex<()> = Mutex::new(());

/// The global test lock (see the module docs). Not reentrant; a panic while holding it does not
/// poison it for the other tests.
pub fn lock() -> MutexGuard<'static, ()> {
    GLOBAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Read-held while an fd is made close-on-exec in two steps, write-held while a child is
/// spawned.
static SPAWN: RwLock<()> = RwLock::new(());

fn spawn_read() -> std::sync::RwLockReadGuard<'static, ()> {
    SPAWN
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn set_cloexec(fd: RawFd) {
    // SAFETY: F_SETFD with an int argument only changes the descriptor's flags.
    let ret = unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    assert_eq!(ret, 0, "fcntl(F_SETFD): {}", io::Error::last_os_error());
}

// ---------------------------------------------------------------------------------------------
// fds

/// `socket.socketpair()`: a connected pair of Unix stream sockets (close-on-exec).
pub fn pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().expect("socketpair")
}

/// `os.pipe()` through `ioselectors_sys::pipe`: `(read end, write end)`, close-on-exec.
pub fn pipe() -> (File, File) {
    let mut fds = [-1 as c_int; 2];
    let _spawn = spawn_read();
    // SAFETY: fds has room for the two ints pipe(2) writes.
    let ret = unsafe { ioselectors_sys::pipe(fds.as_mut_ptr()) };
    assert_eq!(ret, 0, "pipe: {}", io::Error::last_os_error());
    set_cloexec(fds[0]);
    set_cloexec(fds[1]);
    // SAFETY: pipe(2) returned two new fds that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// `os.dup2(src, dst)`: `dst` now refers to `src`'s open file (whatever `dst` referred to is
/// closed, atomically), close-on-exec. The caller owns `dst`.
pub fn dup_onto(src: &impl AsRawFd, dst: RawFd) {
    let _spawn = spawn_read();
    // SAFETY: dup2 only changes the fd table; the caller owns dst, so no other owner's fd is
    // replaced.
    let ret = unsafe { libc::dup2(src.as_raw_fd(), dst) };
    assert_eq!(ret, dst, "dup2: {}", io::Error::last_os_error());
    set_cloexec(dst);
}

/// The lowest fd number [`high_fd`] hands out: well above what the tests of one process use at
/// once, and below both the soft `RLIMIT_NOFILE` and `FD_SETSIZE` (1024, so that select works
/// with it on every OS).
fn high_base() -> RawFd {
    let (soft, _) = nofile_limit();
    let cap = soft.min(1024) as RawFd;
    cap * 3 / 4
}

/// Moves `fd` to a free number at or above [`high_base`] (`fcntl(F_DUPFD_CLOEXEC)`, which never
/// replaces an open fd). Only tests holding [`lock`] take such numbers, so once the returned fd
/// is closed its number stays closed until the lock is released. Hold the lock.
pub fn high_fd(fd: impl Into<OwnedFd>) -> OwnedFd {
    let fd: OwnedFd = fd.into();
    // SAFETY: F_DUPFD_CLOEXEC with an int argument returns a new fd or -1.
    let new = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, high_base()) };
    assert!(new >= 0, "F_DUPFD_CLOEXEC: {}", io::Error::last_os_error());
    // SAFETY: new was just returned by the kernel and has no other owner.
    unsafe { OwnedFd::from_raw_fd(new) }
}

/// An fd number that is closed, and stays closed while the caller holds [`lock`]
/// (CPython's `os_helper.make_bad_fd()`).
pub fn closed_fd() -> RawFd {
    let fd = high_fd(pair().0);
    let raw = fd.as_raw_fd();
    drop(fd);
    raw
}

/// Whether `fd` is open (`fcntl(F_GETFD)`).
pub fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// A regular file, already unlinked (Python's `tempfile.TemporaryFile()`).
pub fn temp_file() -> File {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "ioselectors-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .expect("create temp file");
    std::fs::remove_file(&path).expect("unlink temp file");
    file
}

/// How many fds this process has open (`/proc/self/fd`, the directory's own fd included, the
/// same on every call). Only meaningful in a child process of [`in_child`].
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn count_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// The largest open fd number (`/proc/self/fd`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn max_open_fd() -> RawFd {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .max()
        .unwrap_or(2)
}

/// The `tfd:` lines of `/proc/self/fdinfo/<epfd>`: the fds an epoll instance watches, as the
/// kernel sees them.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn epoll_watched(epfd: RawFd) -> Vec<RawFd> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{epfd}")).expect("fdinfo");
    info.lines()
        .filter_map(|l| {
            l.strip_prefix("tfd:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Python-style file objects

/// A Python file object: an int fd or a socket. Sockets compare by identity, as Python's do,
/// so keys holding them can be compared with `==` (`SelectorKey` is `PartialEq` when its file
/// object is).
#[derive(Clone, Copy, Debug)]
pub enum Obj<'a> {
    /// An int fd.
    Fd(RawFd),
    /// A socket object.
    Sock(&'a UnixStream),
}

impl PartialEq for Obj<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Obj::Fd(a), Obj::Fd(b)) => a == b,
            (Obj::Sock(a), Obj::Sock(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

impl FileObj for Obj<'_> {
    fn fileno(&self) -> RawFd {
        match self {
            Obj::Fd(fd) => *fd,
            Obj::Sock(s) => s.as_raw_fd(),
        }
    }
}

/// A socket object that can be closed while something still refers to it, as Python's can:
/// afterwards its `fileno()` is -1.
#[derive(Debug)]
pub struct PySocket(RefCell<Option<UnixStream>>);

impl PySocket {
    pub fn new(sock: UnixStream) -> PySocket {
        PySocket(RefCell::new(Some(sock)))
    }

    /// `sock.close()`.
    pub fn close(&self) {
        self.0.borrow_mut().take();
    }
}

impl FileObj for PySocket {
    fn fileno(&self) -> RawFd {
        self.0.borrow().as_ref().map_or(-1, AsRawFd::as_raw_fd)
    }
}

// ---------------------------------------------------------------------------------------------
// Per-backend test modules

/// The items a per-backend test module provides to the shared test macros: `Sel<F, D>` (the
/// selector type), `new()`, `fileno()` (Python's `fileno()`, where the selector has one) and
/// `backend()` (which interface it runs on, for the expectations that differ).
macro_rules! backend {
    (select) => {
        backend!(@common ioselectors::SelectSelector<F, D>, Sel::new(), |_s| None, |_s| Backend::Select);
    };
    (poll) => {
        backend!(@common ioselectors::PollSelector<F, D>, Sel::new(), |_s| None, |_s| Backend::Poll);
    };
    (epoll) => {
        backend!(@common ioselectors::EpollSelector<F, D>, Sel::new().expect("epoll_create1"),
            |s| s.fileno().ok(), |_s| Backend::Epoll);
    };
    (kqueue) => {
        backend!(@common ioselectors::KqueueSelector<F, D>, Sel::new().expect("kqueue"),
            |s| s.fileno().ok(), |_s| Backend::Kqueue);
    };
    (devpoll) => {
        backend!(@common ioselectors::DevpollSelector<F, D>, Sel::new().expect("open /dev/poll"),
            |s| s.fileno().ok(), |_s| Backend::Devpoll);
    };
    // The real kqueue and /dev/poll backend code over the in-memory kernels of
    // tests/kernels/ (the test binary declares `mod kernels`), on any unix.
    (kqueue_model $os:expr) => {
        backend!(@common ioselectors::GenericSelector<
                ioselectors::__kernels::kqueue::KqueueBackend<crate::kernels::kqueue::ModelKq>, F, D>,
            Sel::with_kernel(crate::kernels::kqueue::ModelKq::new($os)),
            |s| s.fileno().ok(), |_s| Backend::Kqueue);
    };
    (devpoll_model $os:expr) => {
        backend!(@common ioselectors::GenericSelector<
                ioselectors::__kernels::devpoll::DevpollBackend<crate::kernels::devpoll::ModelDevpoll>, F, D>,
            Sel::with_kernel(crate::kernels::devpoll::ModelDevpoll::new($os)),
            |s| s.fileno().ok(), |_s| Backend::Devpoll);
    };
    (default) => {
        backend!(@common ioselectors::DefaultSelector<F, D>,
            { refused_by_parent(); Sel::new().expect("DefaultSelector::new") },
            |s| s.fileno().ok(), |s| s.backend());
    };
    (@common $ty:ty, $new:expr, |$f:ident| $fileno:expr, |$b:ident| $backend:expr) => {
        type Sel<F, D> = $ty;

        fn new<F: FileObj, D>() -> Sel<F, D> {
            $new
        }

        #[allow(dead_code)]
        fn fileno<F, D>($f: &Sel<F, D>) -> Option<RawFd> {
            $fileno
        }

        fn backend<F, D>($b: &Sel<F, D>) -> Backend {
            $backend
        }
    };
}

/// The backend `DefaultSelector` must choose in a child process whose parent asked for
/// interfaces to be refused (`seccomp::REFUSE_ENV`, Linux only), after installing the filter;
/// `None` otherwise. `backend!(default)`'s `new()` calls it first.
pub fn refused_by_parent() -> Option<Backend> {
    #[cfg(target_os = "linux")]
    return seccomp::refuse_from_env();
    #[cfg(not(target_os = "linux"))]
    None
}

// ---------------------------------------------------------------------------------------------
// Per-backend expectations

/// Whether a `modify` that changes the events asks the kernel, and so fails for an fd that was
/// closed since it was registered: `Some(true)` for epoll and kqueue (`EBADF`), `Some(false)` for
/// poll and select (they keep their arrays in memory), `None` where it depends (/dev/poll writes
/// the change and may report the fd as `POLLNVAL` later instead).
pub fn modify_asks_kernel(backend: Backend) -> Option<bool> {
    match backend {
        Backend::Epoll | Backend::Kqueue => Some(true),
        Backend::Poll | Backend::Select => Some(false),
        _ => None,
    }
}

/// Whether timeouts are rounded up to whole milliseconds (poll, epoll, /dev/poll) rather than
/// microseconds (select) or nanoseconds (kqueue).
pub fn millisecond_timeouts(backend: Backend) -> bool {
    !matches!(backend, Backend::Select | Backend::Kqueue)
}

/// `n` socketpairs registered on `sel`, readers for READ and writers for WRITE (CPython's
/// `test_above_fd_setsize` loop). `Err` says why the test should be skipped: no fds left, or
/// epoll's `fs.epoll.max_user_watches` reached (`ENOSPC`).
pub fn register_socketpairs<S: BaseSelector<RawFd, ()>>(
    sel: &mut S,
    n: usize,
) -> Result<Vec<(UnixStream, UnixStream)>, String> {
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let (rd, wr) = UnixStream::pair()
            .map_err(|err| format!("FD limit reached after {} socketpairs ({err})", pairs.len()))?;
        for (fd, events) in [(rd.as_raw_fd(), EVENT_READ), (wr.as_raw_fd(), EVENT_WRITE)] {
            match sel.register(fd, events, ()) {
                Ok(_) => {}
                Err(Error::Os(libc::ENOSPC)) => {
                    return Err("ENOSPC from register (fs.epoll.max_user_watches)".into())
                }
                Err(err) => panic!("register({fd}): {err}"),
            }
        }
        pairs.push((rd, wr));
    }
    Ok(pairs)
}

// ---------------------------------------------------------------------------------------------
// Tests that cannot run here

/// Whether this is a CI run (`CI=true`, as `.ci/run` is run), where a test that cannot run
/// must fail instead of skipping.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// A test that cannot run in this environment (for example an `RLIMIT_NOFILE` too low for it):
/// under `CI=true` the test fails; otherwise it prints `SKIPPED: <test>: <why>` and the caller
/// returns.
pub fn cannot_run(test: &str, why: &str) {
    assert!(!under_ci(), "{test} cannot run here, and CI=true: {why}");
    println!("SKIPPED: {test}: {why}");
}

/// Runs the example binary `name` ([`example_binary`]) to completion and returns its standard
/// output; `None` when it was not built. Panics, with its output, when it fails.
pub fn run_example(test: &str, name: &str) -> Option<String> {
    let path = example_binary(test, name)?;
    let out = std::process::Command::new(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}: {}\n{stdout}{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(stdout)
}

/// `target/<profile>/examples/<name>`, found from the test binary's path
/// (`target/<profile>/deps/<test>-<hash>`), for the tests that run an example binary:
/// `None` (after [`cannot_run`]) when it was not built (`cargo test` builds the examples;
/// `cargo test --test <name>` alone does not); a panic when it is older than its source.
pub fn example_binary(test: &str, name: &str) -> Option<std::path::PathBuf> {
    use std::path::Path;
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary in target/<profile>/deps");
    let path = dir.join("examples").join(name);
    if !path.exists() {
        cannot_run(
            test,
            &format!(
                "{} not built; run `cargo test` (which builds the examples) or `cargo build --examples` first",
                path.display()
            ),
        );
        return None;
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let mtime = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    assert!(
        mtime(&source) <= mtime(&path),
        "{} is older than {}: rebuild it with `cargo build --examples` (or run plain `cargo test`)",
        path.display(),
        source.display()
    );
    Some(path)
}

/// The one thing an emulator may skip, and why (reproduced without this crate by
/// `.ci/qemu-select.c`, which `.ci/linux-arches` runs under each qemu before the tests).
pub const QEMU_SELECT_ABOVE_FD_SETSIZE: &str = "qemu-user's select() emulation aborts on an fd >= \
    1024 (\"bit out of range 0 - FD_SETSIZE on fd_set\", then a qemu assertion), see .ci/qemu-select.c";

/// Whether a test that hands fds >= `FD_SETSIZE` to `select(2)` on `backend` must be skipped
/// because it runs under qemu-user (`IOSELECTORS_EMULATOR=qemu-user`, set by
/// `.ci/linux-arches`; `.ci/valgrind` sets `valgrind`, which skips nothing here). Prints `SKIPPED: <test>: <reason>` when it does. This is the only
/// emulator-specific skip in the test suite.
pub fn skip_select_above_fd_setsize_under_qemu(test: &str, backend: Backend) -> bool {
    if backend != Backend::Select {
        return false;
    }
    match std::env::var("IOSELECTORS_EMULATOR").as_deref() {
        Ok("qemu-user") => {
            println!("SKIPPED: {test}: {QEMU_SELECT_ABOVE_FD_SETSIZE}");
            true
        }
        // .ci/valgrind: valgrind's select takes fds >= FD_SETSIZE like the kernel.
        Ok("") | Ok("valgrind") | Err(_) => false,
        Ok(other) => panic!("IOSELECTORS_EMULATOR={other}: only qemu-user and valgrind are known"),
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// Set in a child process to the test it runs.
const CHILD_ENV: &str = "IOSELECTORS_TEST_CHILD";

/// Runs `body` in a child process: the test binary re-executed with only this test
/// (`module_path!()` and the test fn's name), single-threaded, so `body` has the fd table and
/// the rlimits to itself. The parent holds [`lock`] while the child runs, so heavy children do
/// not run at once or disturb the timing tests. The child's output is forwarded; its failure
/// fails the test.
pub fn in_child(module_path: &str, test: &str, body: impl FnOnce()) {
    let module = module_path.split_once("::").map_or("", |(_, m)| m);
    let name = if module.is_empty() {
        test.to_owned()
    } else {
        format!("{module}::{test}")
    };
    if std::env::var(CHILD_ENV).as_deref() == Ok(name.as_str()) {
        body();
        return;
    }
    let out = run_self(
        &[name.as_str(), "--exact", "--test-threads=1", "--nocapture"],
        &[(CHILD_ENV, name.as_str())],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child process for {name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "child process did not run exactly {name}:\n{stdout}"
    );
}

/// Runs the test binary again with `args` and `envs`, holding [`lock`] (and [`SPAWN`] while it
/// spawns), and returns its output after forwarding it: stdout prefixed with `[child] `, so that
/// the child's own "test result:" lines are not taken for a test binary's (scripts count those
/// lines in `cargo test -- --show-output` logs), stderr as is.
pub fn run_self(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let _lock = lock();
    let exe = std::env::current_exe().expect("current_exe");
    let child = {
        let _spawn = SPAWN
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Command::new(exe)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn the test binary")
    };
    // Not `wait_with_output`: it polls the two pipes, and poll(2) may be refused here by a
    // seccomp filter (`seccomp::REFUSE_ENV`). One thread per pipe instead.
    let mut child = child;
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stderr = thread::spawn(move || {
        let mut buf = Vec::new();
        io::Read::read_to_end(&mut stderr_pipe, &mut buf).map(|_| buf)
    });
    let mut stdout = Vec::new();
    io::Read::read_to_end(&mut child.stdout.take().expect("piped stdout"), &mut stdout)
        .expect("read the child's stdout");
    let out = std::process::Output {
        stdout,
        stderr: stderr.join().unwrap().expect("read the child's stderr"),
        status: child.wait().expect("wait for the child"),
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        println!("[child] {line}");
    }
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

// ---------------------------------------------------------------------------------------------
// RLIMIT_NOFILE

/// `(soft, hard)` `RLIMIT_NOFILE`, saturated to `usize`.
pub fn nofile_limit() -> (usize, usize) {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: rl is a valid, writable rlimit.
    let ret = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) };
    assert_eq!(ret, 0, "getrlimit: {}", io::Error::last_os_error());
    let sat = |v: libc::rlim_t| usize::try_from(v).unwrap_or(usize::MAX);
    (sat(rl.rlim_cur), sat(rl.rlim_max))
}

/// Restores `RLIMIT_NOFILE` to what it was when dropped (rlimits are process-wide).
#[must_use]
pub struct NofileGuard(libc::rlimit);

impl Drop for NofileGuard {
    fn drop(&mut self) {
        // SAFETY: self.0 is the valid rlimit getrlimit returned.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &self.0) };
    }
}

fn set_nofile(soft: usize, hard: usize) -> io::Result<NofileGuard> {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: old is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let new = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: new is a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(NofileGuard(old))
}

/// Raises the soft `RLIMIT_NOFILE` to at least `want` (and the hard limit too, where that is
/// allowed, e.g. for root). `None` when it cannot be raised that far: the caller skips.
pub fn raise_nofile(want: usize) -> Option<NofileGuard> {
    let (soft, hard) = nofile_limit();
    let target = soft.max(want);
    set_nofile(target, hard.max(target)).ok()
}

/// CPython's `test_above_fd_setsize` recipe: soft limit := hard limit. Returns the limit in force.
pub fn raise_nofile_to_hard() -> (usize, Option<NofileGuard>) {
    let (soft, hard) = nofile_limit();
    match set_nofile(hard, hard) {
        Ok(guard) => (hard, Some(guard)),
        Err(_) => (soft, None),
    }
}

/// Sets the soft `RLIMIT_NOFILE` to `soft` (lowering it), keeping the hard limit.
pub fn lower_nofile(soft: usize) -> NofileGuard {
    let (_, hard) = nofile_limit();
    set_nofile(soft, hard).expect("lower RLIMIT_NOFILE")
}

// ---------------------------------------------------------------------------------------------
// Signals

/// How many times [`on_signal`] ran.
pub static SIGNALS: AtomicUsize = AtomicUsize::new(0);
/// Where [`on_signal`] writes one byte, if ≥ 0 (the self-pipe trick).
pub static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

/// The test signal handler: counts, and writes a byte to [`WAKE_FD`] if set. Only
/// async-signal-safe operations (atomics, `write`).
pub extern "C" fn on_signal(_sig: c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; the buffer is one valid byte. fd is a pipe end
        // the test keeps open while WAKE_FD holds it.
        unsafe { libc::write(fd, b"!".as_ptr().cast(), 1) };
    }
}

/// [`on_signal`] installed for a signal with `sigaction` *without* `SA_RESTART` (select, poll
/// and epoll_wait are never restarted anyway), the previous action restored on drop. Hold
/// [`lock`] while it is installed.
#[must_use]
pub struct SignalHandler {
    sig: c_int,
    old: libc::sigaction,
}

impl SignalHandler {
    pub fn install(sig: c_int) -> SignalHandler {
        SIGNALS.store(0, Ordering::SeqCst);
        WAKE_FD.store(-1, Ordering::SeqCst);
        // SAFETY: an all-zero sigaction is valid (no flags, empty mask, SIG_DFL).
        let mut new: libc::sigaction = unsafe { std::mem::zeroed() };
        new.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
        new.sa_flags = 0;
        // SAFETY: as above.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: new and old are valid sigactions; sa_mask is emptied first.
        let ret = unsafe {
            libc::sigemptyset(&mut new.sa_mask);
            libc::sigaction(sig, &new, &mut old)
        };
        assert_eq!(ret, 0, "sigaction: {}", io::Error::last_os_error());
        SignalHandler { sig, old }
    }
}

impl Drop for SignalHandler {
    fn drop(&mut self) {
        WAKE_FD.store(-1, Ordering::SeqCst);
        // SAFETY: self.old is the action sigaction returned.
        unsafe { libc::sigaction(self.sig, &self.old, std::ptr::null_mut()) };
    }
}

/// Runs `f` on a new thread and sends that thread `sig` (`pthread_kill`) at each of `at`
/// (offsets from the start); returns `f`'s result.
///
/// CPython uses `signal.alarm()`, which signals the *process*; in a multi-threaded test binary
/// the kernel may hand that to any thread, and the select under test would not be
/// interrupted at all. A thread-directed signal interrupts exactly the thread in `select`.
pub fn run_signalled<T: Send + 'static>(
    sig: c_int,
    at: &[Duration],
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    use std::os::unix::thread::JoinHandleExt;
    let start = Instant::now();
    let handle = thread::spawn(f);
    for &offset in at {
        if let Some(wait) = (start + offset).checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
        if handle.is_finished() {
            break;
        }
        // std's `RawPthread` is an integer everywhere, libc's musl `pthread_t` a pointer.
        let thread = handle.as_pthread_t() as libc::pthread_t;
        // SAFETY: the thread has not been joined, so its pthread_t is valid (pthread_kill on a
        // finished but unjoined thread is harmless).
        let ret = unsafe { libc::pthread_kill(thread, sig) };
        assert_eq!(ret, 0, "pthread_kill");
    }
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// CPU time (user + system) the calling thread has used.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn thread_cpu_time() -> Duration {
    // SAFETY: an all-zero timespec is valid.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: ts is valid and writable; CLOCK_THREAD_CPUTIME_ID exists on Linux and Android
    // (getrusage's RUSAGE_THREAD is not in libc for Android).
    let ret = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(ret, 0, "clock_gettime: {}", io::Error::last_os_error());
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// ---------------------------------------------------------------------------------------------
// Misc

/// A small xorshift generator (no dependency), seeded from the clock; the seed is printed so a
/// failure can be replayed.
pub struct Rng(u64);

impl Rng {
    pub fn from_clock() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
            | 1;
        eprintln!("rng seed {seed:#x}");
        Rng(seed)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Asserts a wait with nothing ready took at least `timeout` and at most `timeout + slack`
/// (ioselectors waits at least as long as asked: rounded up, retried against the deadline).
#[track_caller]
pub fn assert_waited(elapsed: Duration, timeout: Duration, slack: Duration) {
    assert!(
        elapsed >= timeout,
        "returned after {elapsed:?}, before the {timeout:?} timeout"
    );
    assert!(
        elapsed <= timeout + slack,
        "returned after {elapsed:?}, more than {slack:?} past the {timeout:?} timeout"
    );
}
