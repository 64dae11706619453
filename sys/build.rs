//! The one place the per-OS lists are written: cfg aliases for the readiness interfaces (and
//! the OS families) each target has. No dependencies, no probing of the build machine: the
//! answer depends only on the target's `target_os`/`target_vendor`, which cargo passes in the
//! environment (so `-Zbuild-std --target ...` cross builds get the target's answer).
//!
//! | cfg | set on |
//! |---|---|
//! | `ioselectors_epoll` | Linux, Android, illumos |
//! | `ioselectors_kqueue` | macOS, iOS and every `target_vendor = "apple"`, FreeBSD, NetBSD, OpenBSD, DragonFly |
//! | `ioselectors_devpoll` | illumos, Solaris |
//! | `ioselectors_bsd` | the kqueue OSes (they share the BSD errno and `fcntl` values) |
//! | `ioselectors_solarish` | illumos, Solaris |
//!
//! The `ioselectors` crate gets the same aliases from here: this package declares
//! `links = "ioselectors_sys"`, so the lines `cargo::metadata=cfgs=...` and
//! `cargo::metadata=names=...` below reach its build script as `DEP_IOSELECTORS_SYS_CFGS` and
//! `DEP_IOSELECTORS_SYS_NAMES` (see ../build.rs).

use std::env;

fn main() {
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();

    let bsd =
        vendor == "apple" || matches!(os.as_str(), "freebsd" | "netbsd" | "openbsd" | "dragonfly");
    let solarish = matches!(os.as_str(), "illumos" | "solaris");
    let linux_like = matches!(os.as_str(), "linux" | "android");

    let aliases = [
        ("ioselectors_epoll", linux_like || os == "illumos"),
        ("ioselectors_kqueue", bsd),
        ("ioselectors_devpoll", solarish),
        ("ioselectors_bsd", bsd),
        ("ioselectors_solarish", solarish),
    ];

    let mut names = Vec::new();
    let mut set = Vec::new();
    for (name, on) in aliases {
        println!("cargo::rustc-check-cfg=cfg({name})");
        names.push(name);
        if on {
            println!("cargo::rustc-cfg={name}");
            set.push(name);
        }
    }
    println!("cargo::metadata=names={}", names.join(","));
    println!("cargo::metadata=cfgs={}", set.join(","));
    println!("cargo::rerun-if-changed=build.rs");
}
