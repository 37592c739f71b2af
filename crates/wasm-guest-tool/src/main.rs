//! Builds verge's C WebAssembly guests into `wasi:http/proxy` components, with no wasm toolchain beyond
//! Debian's clang, lld and wasi-libc.
//!
//! ```text
//! verge-wasm-guest-tool build WIT_DIR [-IDIR...] SOURCE.c... -o OUT.wasm
//! verge-wasm-guest-tool bindings WIT_DIR OUT_DIR
//! ```
//!
//! `build` generates C bindings for the world in `WIT_DIR` (wit-bindgen-c, into a temporary folder, with
//! the world's type information as an object file), compiles and links them with the sources using clang
//! as a wasm32-wasi reactor, and turns the core module into a component with the preview1 "proxy" adapter
//! (wit-component). The same inputs give the same bytes, so built guests can be checked in and compared.

use anyhow::{Context as _, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use wit_parser::{Resolve, WorldId};

/// The clang binary (override with `CLANG`).
fn clang() -> String {
    std::env::var("CLANG").unwrap_or_else(|_| "clang".into())
}

fn load_world(wit: &Path) -> Result<(Resolve, WorldId)> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_dir(wit)
        .with_context(|| format!("reading WIT from {}", wit.display()))?;
    let world = resolve.select_world(&[pkg], None)?;
    Ok((resolve, world))
}

/// Write the C bindings of the world in `wit` into `out`; returns the `.c` and `.o` files to link.
fn bindings(wit: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let (mut resolve, world) = load_world(wit)?;
    // Besides the .c and .h, this writes `<world>_component_type.o`: the world's type information in a
    // custom section, which the linker keeps and wit-component reads.
    let opts = wit_bindgen_c::Opts::default();
    let mut files = wit_bindgen_core::Files::default();
    opts.build().generate(&mut resolve, world, &mut files)?;
    std::fs::create_dir_all(out)?;
    let mut sources = Vec::new();
    for (name, contents) in files.iter() {
        let path = out.join(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        if name.ends_with(".c") || name.ends_with(".o") {
            sources.push(path);
        }
    }
    Ok(sources)
}

/// Compile and link `sources` (plus the generated bindings in `gen`) into a core wasm module.
fn compile(
    includes: &[String],
    sources: &[PathBuf],
    generated: &[PathBuf],
    gen_dir: &Path,
    out: &Path,
) -> Result<()> {
    let status = Command::new(clang())
        .args([
            "--target=wasm32-wasi",
            "-O2",
            "-mexec-model=reactor",
            "-Wall",
            "-Werror",
            "-Wno-unused-function",
            // Reproducible output: no paths of this machine in the module.
            "-g0",
            // Keep function names (the name section) so traps show a readable backtrace.
            "-Wl,--strip-debug",
        ])
        .arg("-I")
        .arg(gen_dir)
        .args(includes)
        .args(sources)
        .args(generated)
        .arg("-o")
        .arg(out)
        .status()
        .with_context(|| format!("running {} (is clang installed?)", clang()))?;
    if !status.success() {
        bail!("clang failed ({status})");
    }
    Ok(())
}

/// Turn a core module (with the world's type information linked in) into a component, adapting
/// wasi_snapshot_preview1 calls (from wasi-libc) to WASI 0.2 with the proxy adapter.
fn componentize(core: &[u8]) -> Result<Vec<u8>> {
    wit_component::ComponentEncoder::default()
        .module(core)?
        .adapter(
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
        )?
        .validate(true)
        .encode()
}

fn build(wit: &Path, includes: &[String], sources: &[PathBuf], out: &Path) -> Result<()> {
    let scratch = std::env::temp_dir().join(format!("verge-guest-{}", std::process::id()));
    let gen_dir = scratch.join("gen");
    let result = (|| {
        let generated = bindings(wit, &gen_dir)?;
        let core = scratch.join("core.wasm");
        compile(includes, sources, &generated, &gen_dir, &core)?;
        let bytes = std::fs::read(&core)?;
        let component = componentize(&bytes)?;
        std::fs::write(out, component).with_context(|| format!("writing {}", out.display()))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn usage() -> anyhow::Error {
    anyhow::anyhow!(
        "usage:\n  verge-wasm-guest-tool build WIT_DIR [-IDIR...] SOURCE.c... -o OUT.wasm\n  \
         verge-wasm-guest-tool bindings WIT_DIR OUT_DIR"
    )
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bindings") if args.len() == 3 => {
            bindings(Path::new(&args[1]), Path::new(&args[2]))?;
            Ok(())
        }
        Some("build") => {
            let (wit, rest) = args[1..].split_first().ok_or_else(usage)?;
            let at = rest.iter().position(|a| a == "-o").ok_or_else(usage)?;
            let out = rest.get(at + 1).ok_or_else(usage)?;
            let (includes, sources): (Vec<String>, Vec<String>) = rest[..at]
                .iter()
                .cloned()
                .partition(|a| a.starts_with("-I"));
            let sources: Vec<PathBuf> = sources.into_iter().map(PathBuf::from).collect();
            if sources.is_empty() {
                return Err(usage());
            }
            build(Path::new(wit), &includes, &sources, Path::new(out))
                .with_context(|| format!("building {out}"))
        }
        _ => Err(usage()),
    }
}
