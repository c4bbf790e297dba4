//! Copies the browser libraries that npm installed into `web/node_modules` (pinned by
//! `web/package-lock.json`) next to the build, so `assets.rs` embeds them in the binary.

use std::path::{Path, PathBuf};

/// (file in node_modules, name served under /assets/)
const LIBRARIES: &[(&str, &str)] = &[
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("htmx-ext-sse/dist/sse.min.js", "sse.min.js"),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let modules = root.join("node_modules");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package-lock.json").display()
    );
    for (from, to) in LIBRARIES {
        let source = modules.join(from);
        println!("cargo:rerun-if-changed={}", source.display());
        if let Err(e) = std::fs::copy(&source, out.join(to)) {
            panic!(
                "{} is missing ({e}): install the browser libraries first with \
                 `npm ci --prefix web` (make run and make test do it)",
                source.display()
            );
        }
    }
}
