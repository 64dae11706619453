//! The per-OS cfg aliases (`ioselectors_epoll`, `ioselectors_kqueue`, `ioselectors_devpoll`,
//! ...), taken from `ioselectors-sys`'s build script, where the OS lists are written once
//! (sys/build.rs). That package declares `links = "ioselectors_sys"`, so cargo hands its
//! `cargo::metadata` lines to this script as `DEP_IOSELECTORS_SYS_*` variables. The aliases
//! apply to every target of this package: the library, its tests, benches and examples.

use std::env;

fn main() {
    let names = env::var("DEP_IOSELECTORS_SYS_NAMES")
        .expect("DEP_IOSELECTORS_SYS_NAMES: ioselectors-sys's build script did not run");
    let set = env::var("DEP_IOSELECTORS_SYS_CFGS").unwrap_or_default();
    for name in names.split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-check-cfg=cfg({name})");
    }
    for name in set.split(',').filter(|n| !n.is_empty()) {
        println!("cargo::rustc-cfg={name}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=DEP_IOSELECTORS_SYS_NAMES");
    println!("cargo::rerun-if-env-changed=DEP_IOSELECTORS_SYS_CFGS");
}
