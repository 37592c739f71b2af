//! Concatenates `js/*.js` in file-name order into the prelude module, and compiles it to QuickJS bytecode
//! (`prelude.bc`), so a process only loads it: compiling ~380 KB of JS at start-up took most of `verge dev`'s
//! time to its first response. A prelude that does not compile fails the build, with QuickJS's message.

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
    std::fs::write(&dest, &out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    let bytecode = compile(&out).unwrap_or_else(|e| panic!("the prelude does not compile: {e}"));
    let dest = dest.with_file_name("prelude.bc");
    std::fs::write(&dest, bytecode).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// The prelude module's bytecode, without debug information or source (errors in it name no prelude lines).
fn compile(source: &str) -> Result<Vec<u8>, String> {
    use rquickjs::module::WriteOptions;
    use rquickjs::{Context, Module, Runtime};
    let rt = Runtime::new().map_err(|e| e.to_string())?;
    let cx = Context::full(&rt).map_err(|e| e.to_string())?;
    cx.with(|ctx| {
        // No worker specifier can resolve to this name (workers may import only their own files).
        let m = Module::declare(ctx.clone(), "verge:prelude", source).map_err(|e| {
            let thrown = ctx.catch();
            format!("{e} {thrown:?}")
        })?;
        m.write(WriteOptions {
            strip_debug: true,
            strip_source: true,
            ..WriteOptions::default()
        })
        .map_err(|e| e.to_string())
    })
}
