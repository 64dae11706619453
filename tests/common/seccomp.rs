//! A seccomp filter that makes the kernel refuse some syscalls, so that `DefaultSelector`'s
//! fallback chain (Python's `_can_use`) runs for real on Linux: with `epoll_create1` refused
//! it must choose poll, with poll refused too it must choose select (tests/selectors.rs,
//! `mod fallback`).
//!
//! The filter is a classic BPF program written out here (seccomp(2), "Filter return values";
//! `struct seccomp_data` is `{ int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }`):
//! it checks the `arch` field against this build's `AUDIT_ARCH_*` (syscall numbers differ per
//! architecture; a foreign-ABI call is let through, and the tests then see the interface still
//! working and fail), then returns `SECCOMP_RET_ERRNO | errno` for the refused syscall numbers
//! (`libc::SYS_*` for this architecture) and `SECCOMP_RET_ALLOW` for everything else.
//!
//! It is installed in the running process, not before `exec`: Rust's runtime polls fds 0-2 at
//! start-up and aborts on any `poll` error but `EINVAL`/`EAGAIN`/`ENOMEM`. `seccomp(2)` with
//! `SECCOMP_FILTER_FLAG_TSYNC` applies it to every thread of the process (and the threads
//! started later inherit it). Filters stack: for two `SECCOMP_RET_ERRNO` answers, the most
//! recently installed filter's errno wins, which the probe-cache tests use.
//!
//! qemu-user cannot run these tests: it answers `prctl(PR_SET_SECCOMP)` with `EINVAL` and does
//! not implement `seccomp(2)` (a filter of guest syscall numbers would apply to the emulator's
//! own host syscalls), see [`unavailable`].
#![cfg(target_os = "linux")]

use std::ffi::{c_int, c_long, c_ulong};

/// `AUDIT_ARCH_*` of `<linux/audit.h>` for the architecture this test was built for
/// (`EM_*` machine number, `__AUDIT_ARCH_64BIT` = 0x8000_0000, `__AUDIT_ARCH_LE` = 0x4000_0000).
const AUDIT_ARCH: Option<u32> = if cfg!(target_arch = "x86_64") {
    Some(0xC000_003E) // EM_X86_64
} else if cfg!(target_arch = "x86") {
    Some(0x4000_0003) // EM_386
} else if cfg!(target_arch = "aarch64") {
    Some(0xC000_00B7) // EM_AARCH64
} else if cfg!(target_arch = "arm") {
    Some(0x4000_0028) // EM_ARM (little-endian)
} else if cfg!(target_arch = "riscv64") {
    Some(0xC000_00F3) // EM_RISCV
} else if cfg!(target_arch = "s390x") {
    Some(0x8000_0016) // EM_S390 (big-endian)
} else if cfg!(all(target_arch = "powerpc64", target_endian = "little")) {
    Some(0xC000_0015) // EM_PPC64
} else if cfg!(all(target_arch = "powerpc64", target_endian = "big")) {
    Some(0x8000_0015)
} else {
    None
};

/// The syscalls that make an epoll instance: `epoll_create1`, and the older `epoll_create`
/// where the architecture has it (aarch64 and riscv64 never had it).
pub fn epoll_syscalls() -> Vec<c_long> {
    #[allow(unused_mut)]
    let mut v = vec![libc::SYS_epoll_create1];
    #[cfg(not(any(target_arch = "aarch64", target_arch = "riscv64")))]
    v.push(libc::SYS_epoll_create);
    v
}

/// The syscalls behind `poll(2)`: `poll` where the architecture has it, `ppoll` (glibc's
/// `poll()` on aarch64 and riscv64) and, on 32-bit architectures, `ppoll_time64` (414 on
/// every one of them; the `libc` crate does not name it).
pub fn poll_syscalls() -> Vec<c_long> {
    #[allow(unused_mut)]
    let mut v = vec![libc::SYS_ppoll];
    #[cfg(not(any(target_arch = "aarch64", target_arch = "riscv64")))]
    v.push(libc::SYS_poll);
    #[cfg(target_pointer_width = "32")]
    v.push(414);
    v
}

// Classic BPF opcodes (<linux/bpf_common.h>) and seccomp's (<linux/seccomp.h>).
const BPF_LD: u16 = 0x00;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_JMP: u16 = 0x05;
const BPF_JEQ: u16 = 0x10;
const BPF_RET: u16 = 0x06;
const BPF_K: u16 = 0x00;
#[allow(clippy::identity_op)]
const BPF_LD_W_ABS: u16 = BPF_LD | BPF_W | BPF_ABS;
#[allow(clippy::identity_op)]
const BPF_JMP_JEQ_K: u16 = BPF_JMP | BPF_JEQ | BPF_K;
#[allow(clippy::identity_op)]
const BPF_RET_K: u16 = BPF_RET | BPF_K;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_SET_MODE_FILTER: c_ulong = 1;
const SECCOMP_FILTER_FLAG_TSYNC: c_ulong = 1;
/// Offsets in `struct seccomp_data`.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: BPF_JMP_JEQ_K,
        jt,
        jf,
        k,
    }
}

/// The program: `syscalls` answered with `errno`, everything else allowed.
fn program(arch: u32, syscalls: &[c_long], errno: c_int) -> Vec<libc::sock_filter> {
    let n = u8::try_from(syscalls.len()).expect("a short list");
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        // Another ABI (x86_64's i386 compat calls, say): skip to the final ALLOW.
        jeq(arch, 0, n + 1),
        stmt(BPF_LD_W_ABS, OFFSET_NR),
    ];
    for (i, &nr) in syscalls.iter().enumerate() {
        let i = u8::try_from(i).unwrap();
        // Match: jump over the remaining compares and the ALLOW to the ERRNO return.
        prog.push(jeq(u32::try_from(nr).unwrap(), n - i, 0));
    }
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_ERRNO | errno as u32));
    prog
}

/// Makes the kernel answer `syscalls` with `errno` from now on, in every thread of this
/// process. `Err` is the errno of the failing `prctl`/`seccomp` call.
pub fn refuse(syscalls: &[c_long], errno: c_int) -> Result<(), c_int> {
    let arch = AUDIT_ARCH.ok_or(libc::ENOSYS)?;
    let mut prog = program(arch, syscalls, errno);
    let fprog = libc::sock_fprog {
        len: u16::try_from(prog.len()).unwrap(),
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes an int flag and three unused zeros; it only restricts
    // this process (a later execve cannot gain privileges), as seccomp without CAP_SYS_ADMIN
    // requires.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as c_ulong, 0 as c_ulong, 0, 0) } != 0 {
        return Err(errno_now());
    }
    // SAFETY: fprog points to `prog`, alive for the call (the kernel copies the program).
    let ret = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            SECCOMP_FILTER_FLAG_TSYNC,
            &fprog as *const libc::sock_fprog,
        )
    };
    match ret {
        0 => Ok(()),
        // TSYNC: the id of a thread that could not be synchronised.
        r if r > 0 => Err(libc::ESRCH),
        _ => Err(errno_now()),
    }
}

/// The same filter through `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)`, this thread only: the
/// older interface, used by [`unavailable`] to tell qemu-user's `EINVAL` apart.
fn refuse_this_thread(syscalls: &[c_long], errno: c_int) -> Result<(), c_int> {
    let arch = AUDIT_ARCH.ok_or(libc::ENOSYS)?;
    let mut prog = program(arch, syscalls, errno);
    let fprog = libc::sock_fprog {
        len: u16::try_from(prog.len()).unwrap(),
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: as in `refuse`.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as c_ulong, 0 as c_ulong, 0, 0) } != 0 {
        return Err(errno_now());
    }
    // SAFETY: fprog points to `prog`, alive for the call.
    let ret = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER as c_ulong,
            &fprog as *const libc::sock_fprog,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(errno_now())
    }
}

fn errno_now() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Why seccomp filters cannot be installed here, found in a throw-away thread (a filter and
/// `no_new_privs` installed with `prctl` bind only the calling thread, which then ends): `None`
/// when they can. The filter refuses `getppid`, which nothing here calls.
pub fn unavailable() -> Option<String> {
    let result = std::thread::spawn(|| refuse_this_thread(&[libc::SYS_getppid], libc::ENOSYS))
        .join()
        .unwrap();
    match result {
        Ok(()) => None,
        Err(e) => Some(format!(
            "seccomp filters cannot be installed (prctl: {}){}",
            std::io::Error::from_raw_os_error(e),
            match std::env::var(QEMU_ENV) {
                Ok(qemu) if !qemu.is_empty() => format!(
                    "; under {qemu}, which refuses PR_SET_SECCOMP with EINVAL (its \
                    linux-user/syscall.c: a guest filter would apply to the emulator's own \
                    host syscalls); these tests run on the host's kernel (.ci/run's test stage) and \
                    on i686 (.ci/linux-arches runs it natively)"
                ),
                _ => String::new(),
            }
        )),
    }
}

/// Set by `.ci/linux-arches` to the emulator (`qemu-aarch64`...) for the architectures it runs
/// under qemu-user.
const QEMU_ENV: &str = "IOSELECTORS_QEMU";

/// Whether [`unavailable`]'s reason may be a skip even under `CI=true`: under qemu-user
/// ([`QEMU_ENV`]), where `EINVAL` is qemu's answer. On the host's kernel under CI it is a
/// failure.
pub fn skip_allowed_under_ci() -> bool {
    std::env::var(QEMU_ENV).is_ok_and(|q| !q.is_empty())
}

/// Set for a child process by the fallback tests: the interfaces the kernel must refuse in it,
/// `epoll` or `epoll,poll`.
pub const REFUSE_ENV: &str = "IOSELECTORS_REFUSE";

/// In a process started with [`REFUSE_ENV`]: installs the filter it names (answering
/// `ENOSYS`), once, for every thread, and returns the backend `DefaultSelector` must then
/// choose. `None` (and no filter) without the variable.
pub fn refuse_from_env() -> Option<ioselectors::Backend> {
    use ioselectors::Backend;
    use std::sync::OnceLock;
    static EXPECTED: OnceLock<Option<Backend>> = OnceLock::new();
    *EXPECTED.get_or_init(|| {
        let refused = std::env::var(REFUSE_ENV).ok()?;
        let (syscalls, expected) = match refused.as_str() {
            "epoll" => (epoll_syscalls(), Backend::Poll),
            "epoll,poll" => (
                [epoll_syscalls(), poll_syscalls()].concat(),
                Backend::Select,
            ),
            other => panic!("{REFUSE_ENV}={other}: expected epoll or epoll,poll"),
        };
        refuse(&syscalls, libc::ENOSYS)
            .unwrap_or_else(|e| panic!("seccomp filter for {refused}: errno {e}"));
        Some(expected)
    })
}
