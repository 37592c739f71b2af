//! Concatenates `js/*.js` in file-name order into the prelude module.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from("js");
    println!("cargo:rerun-if-changed=js");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "js"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("export function install(ops) {\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let _ = writeln!(out, "// ---- {}\n{text}", f.display());
    }
    out.push_str("return entry;\n}\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("prelude.js");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
