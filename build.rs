//! The per-OS cfg aliases (`ioselectors_epoll`, `ioselectors_kqueue`, `ioselectors_devpoll`,
//! ...) and their item macros, taken from `ioselectors-sys`'s build script, where the OS lists
//! are written once (sys/build.rs). That package declares `links = "ioselectors_sys"`, so cargo
//! hands its `cargo::metadata` lines to this script as `DEP_IOSELECTORS_SYS_*` variables. The
//! cfgs apply to every target of this package: the library, its tests, benches and examples.

use std::env;
use std::path::PathBuf;

fn dep(key: &str) -> String {
    let var = format!("DEP_IOSELECTORS_SYS_{key}");
    println!("cargo::rerun-if-env-changed={var}");
    env::var(&var).unwrap_or_else(|_| panic!("{var}: ioselectors-sys's build script did not run"))
}

fn main() {
    for name in dep("NAMES").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    for name in dep("CFGS").split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-cfg={name}");
    }
    // The item macros (`ioselectors_epoll! { ... }`), for `include!` in src/lib.rs.
    let macros = PathBuf::from(dep("MACROS"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("cfg_aliases.rs");
    std::fs::copy(&macros, &out).expect("copy ioselectors-sys's cfg_aliases.rs");
    println!("cargo::rerun-if-changed={}", macros.display());
    println!("cargo::rerun-if-changed=build.rs");

    // `std::io::PipeReader`/`PipeWriter` are std since Rust 1.87, above the MSRV (1.82): their
    // `FileObj` impls are compiled when the compiler building this crate has them.
    println!("cargo::rustc-check-cfg=cfg(ioselectors_std_pipe)");
    println!("cargo::rerun-if-env-changed=RUSTC");
    if rustc_minor().is_some_and(|minor| minor >= 87) {
        println!("cargo::rustc-cfg=ioselectors_std_pipe");
    }

    // A local check only (README.md, "Against NetBSD's kernel"): with IOSELECTORS_RUMP_LIB naming
    // the lib/ directory of a rump kernel built from NetBSD's sources, `ioselectors_rump` is set
    // and tests/rump.rs is compiled, linked against librump and librumpuser there (its `#[link]`
    // attributes; it dlopens the components), found there at run time (rpath). Unset, nothing
    // changes.
    println!("cargo::rustc-check-cfg=cfg(ioselectors_rump)");
    println!("cargo::rerun-if-env-changed=IOSELECTORS_RUMP_LIB");
    if let Some(dir) = env::var_os("IOSELECTORS_RUMP_LIB").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        println!("cargo::rustc-cfg=ioselectors_rump");
        println!("cargo::rustc-link-search=native={}", dir.display());
        // DT_RPATH (not RUNPATH): it also finds librump's own dependency, librumpuser.
        println!(
            "cargo::rustc-link-arg-tests=-Wl,--disable-new-dtags,-rpath,{}",
            dir.display()
        );
    }
}

/// The minor version of the compiler cargo builds this crate with (`rustc 1.87.0 (...)` → 87).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    let mut parts = version.split_whitespace().nth(1)?.split('.');
    if parts.next()? != "1" {
        return None;
    }
    parts.next()?.parse().ok()
}
