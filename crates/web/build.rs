//! Builds the prelude from `js/*.js` (in file-name order) and compiles it to QuickJS bytecode, so a process only
//! loads it: compiling ~380 KB of JS at start-up took most of `verge dev`'s time to its first response. A
//! prelude that does not compile fails the build, with QuickJS's message.
//!
//! The prelude is split in two. The *core* (events, URL, Headers, Request, Response, fetch, timers, ...) is one
//! module whose `install(ops)` every isolate runs. The *chunks* ([`CHUNKS`]: streams, Web Crypto's subtle,
//! node:buffer, HTMLRewriter, ...) are modules of their own, loaded into an isolate only when its worker first
//! reaches them: a hello-world worker never pays for the memory and start-up time of ~300 KB of streams and
//! crypto code. The source files do not know about the split; this script wires it:
//! - a chunk's global (`defineGlobal("ReadableStream", ...)`) and built-in module (`defineNodeModule("buffer",
//!   ...)`) exist from the start as accessors that load the chunk (which then defines them as plain values);
//! - a chunk reads the core's top-level names it uses (and other chunks' exports) from a scope object;
//! - the core calls a chunk's functions through generated stubs that load the chunk first — or, for the
//!   predicates in [`UNLOADED`], answer without loading it (no stream can exist before the streams chunk is).
//!
//! Top-level names are found by a plain scan (declarations start at column 0 in these files), so it errs on the
//! side of wiring too much; whatever it cannot wire safely fails the build with a message saying why.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Chunks: name, and the file-name prefixes of its files.
const CHUNKS: &[(&str, &[&str])] = &[
    (
        "streams",
        &["10_streams", "11_streams", "12_structured_clone_streams"],
    ),
    ("compression", &["17_compression", "18_text_streams"]),
    ("crypto", &["23_crypto_"]),
    ("urlpattern", &["26_urlpattern"]),
    ("html", &["50_html_rewriter"]),
    ("buffer", &["60_buffer"]),
];

/// Chunk functions the core may call before the chunk is loaded, and what they answer then.
const UNLOADED: &[(&str, &str)] = &[
    ("isReadableStream", "false"),
    ("readableStreamIsLocked", "false"),
    ("readableStreamIsDisturbed", "false"),
    ("stReadableRecord", "undefined"),
];

struct File {
    path: PathBuf,
    text: String,
    chunk: Option<&'static str>,
    /// Top-level names: name → declared with `let`/`var` (may be reassigned).
    names: BTreeMap<String, Decl>,
    /// Every identifier that is not a property name (`.x`), comments left out.
    words: BTreeSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Decl {
    Function,
    Class,
    Const,
    Mutable,
}

fn main() {
    let dir = PathBuf::from("js");
    println!("cargo:rerun-if-changed=js");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "js"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let files: Vec<File> = paths.iter().map(|p| read(p)).collect();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    match build(&files, &out_dir) {
        Ok(()) => {}
        Err(e) => panic!("the prelude cannot be built: {e}"),
    }
}

fn read(path: &Path) -> File {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let chunk = CHUNKS
        .iter()
        .find(|(_, prefixes)| prefixes.iter().any(|p| file_name.starts_with(p)))
        .map(|(name, _)| *name);
    let code = blank_strings(&strip_comments(&text));
    File {
        path: path.to_path_buf(),
        names: top_level_names(&code),
        words: identifiers(&code),
        text,
        chunk,
    }
}

/// The text without `//` and `/* */` comments (strings and regexps are left as they are: a comment marker
/// inside one only makes the scan see fewer names, never a wrong one that matters).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            out.push(c as char);
            if c == b'\\' && i + 1 < b.len() {
                out.push(b[i + 1] as char);
                i += 2;
                continue;
            }
            if c == q || (c == b'\n' && q != b'`') {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
            continue;
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            quote = Some(c);
        }
        out.push(c as char);
        i += 1;
    }
    // Only ASCII matters to the scans; anything else was pushed byte by byte and is never an identifier.
    out
}

/// `code` with the insides of '...' and "..." strings blanked (a string ends at its line's end at the latest, so
/// a quote inside a regexp cannot hide more than the rest of its line).
fn blank_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some(q) => {
                if c == '\n' {
                    quote = None;
                    out.push(c);
                } else if escaped {
                    escaped = false;
                    out.push(' ');
                } else if c == '\\' {
                    escaped = true;
                    out.push(' ');
                } else if c == q {
                    quote = None;
                    out.push(c);
                } else {
                    out.push(' ');
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Names declared at column 0: `function f`, `async function f`, `function* f`, `class C`, `const x`,
/// `let x`, `var x`, and `const { a, b: c } = ...`.
fn top_level_names(code: &str) -> BTreeMap<String, Decl> {
    let mut names = BTreeMap::new();
    for line in code.lines() {
        let rest = line.strip_prefix("async ").unwrap_or(line);
        let (kind, rest) = if let Some(r) = rest.strip_prefix("function*") {
            (Decl::Function, r)
        } else if let Some(r) = rest.strip_prefix("function ") {
            (Decl::Function, r)
        } else if let Some(r) = rest.strip_prefix("class ") {
            (Decl::Class, r)
        } else if let Some(r) = rest.strip_prefix("const ") {
            (Decl::Const, r)
        } else if let Some(r) = rest.strip_prefix("let ") {
            (Decl::Mutable, r)
        } else if let Some(r) = rest.strip_prefix("var ") {
            (Decl::Mutable, r)
        } else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(inner) = rest.strip_prefix('{') {
            let inner = inner.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let local = part.rsplit(':').next().unwrap_or("").trim();
                let local = local.split('=').next().unwrap_or("").trim();
                if !local.is_empty() && local.chars().all(is_ident) {
                    names.insert(local.to_owned(), kind);
                }
            }
            continue;
        }
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if name.chars().next().is_some_and(is_ident_start) {
            names.insert(name, kind);
        }
    }
    names
}

/// Identifiers in `code`, except property names after a `.` (`a.b` gives `a`).
fn identifiers(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if is_ident_start(chars[i]) && (i == 0 || !is_ident(chars[i - 1])) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let before = chars[..start].iter().rev().find(|c| !c.is_whitespace());
            if before != Some(&'.') || chars[..start].ends_with(&['.', '.', '.']) {
                out.insert(chars[start..i].iter().collect());
            }
            continue;
        }
        i += 1;
    }
    out
}

/// `defineGlobal("Name"` and `defineNodeModule("name"` calls in `code`.
fn string_calls(code: &str, callee: &str) -> Vec<String> {
    let pattern = format!("{callee}(\"");
    code.match_indices(&pattern)
        .filter_map(|(at, _)| {
            let rest = &code[at + pattern.len()..];
            rest.split('"').next().map(str::to_owned)
        })
        .collect()
}

fn build(files: &[File], out_dir: &Path) -> Result<(), String> {
    let chunk_names: Vec<&str> = CHUNKS.iter().map(|(n, _)| *n).collect();
    // Who declares each top-level name: None for the core.
    let mut owner: BTreeMap<&str, (Option<&str>, Decl)> = BTreeMap::new();
    for f in files {
        for (name, decl) in &f.names {
            if let Some((other, _)) = owner.get(name.as_str())
                && *other != f.chunk
            {
                return Err(format!(
                    "{} declares `{name}`, which {} declares too",
                    f.path.display(),
                    other.unwrap_or("the core")
                ));
            }
            owner.insert(name, (f.chunk, *decl));
        }
    }

    // What each chunk reads from outside itself, and what the core needs of the chunks.
    let mut scope: BTreeMap<String, Option<&str>> = BTreeMap::new(); // name → chunk that exports it (None: core)
    let mut imports: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut exports: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut core_stubs: BTreeMap<String, &str> = BTreeMap::new();
    let mut lazy_globals: Vec<(String, &str)> = Vec::new();
    let mut lazy_modules: Vec<(String, &str)> = Vec::new();
    for f in files {
        for word in &f.words {
            let Some(&(from, decl)) = owner.get(word.as_str()) else {
                continue;
            };
            if from == f.chunk {
                continue;
            }
            match (f.chunk, from) {
                (Some(chunk), _) => {
                    if from.is_none() && decl == Decl::Mutable {
                        return Err(format!(
                            "{} (chunk {chunk}) uses the core's `let`/`var` `{word}`; a chunk gets a copy of \
                             what it uses when it loads, so make `{word}` a const, or reach it through a function",
                            f.path.display()
                        ));
                    }
                    imports.entry(chunk).or_default().insert(word.clone());
                    scope.insert(word.clone(), from);
                    if let Some(other) = from {
                        exports.entry(other).or_default().insert(word.clone());
                    }
                }
                (None, Some(chunk)) => {
                    // The core calls a chunk's functions through stubs; a class cannot stand in for
                    // itself that way (`new`, `instanceof`), and a value would be read too early.
                    if decl == Decl::Class {
                        return Err(format!(
                            "{} (the core) uses class `{word}` of chunk {chunk}; reach it with \
                             loadChunk(\"{chunk}\").{word} where it is needed",
                            f.path.display()
                        ));
                    }
                    exports.entry(chunk).or_default().insert(word.clone());
                    core_stubs.insert(word.clone(), chunk);
                }
                (None, None) => {}
            }
        }
        // The core's direct reads, `loadChunk("crypto").wcSubtle`: exported too.
        let code = strip_comments(&f.text);
        for (at, _) in code.match_indices("loadChunk(\"") {
            let rest = &code[at + "loadChunk(\"".len()..];
            let Some((chunk, rest)) = rest.split_once("\").") else {
                continue;
            };
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            let Some(chunk) = chunk_names.iter().find(|c| **c == chunk) else {
                return Err(format!(
                    "{} loads an unknown chunk {chunk:?}",
                    f.path.display()
                ));
            };
            exports.entry(chunk).or_default().insert(name);
        }
        if let Some(chunk) = f.chunk {
            lazy_globals.extend(
                string_calls(&code, "defineGlobal")
                    .into_iter()
                    .map(|g| (g, chunk)),
            );
            lazy_modules.extend(
                string_calls(&code, "defineNodeModule")
                    .into_iter()
                    .map(|m| (m, chunk)),
            );
        }
    }

    // The core: a preamble that loads chunks, the core files, then the wiring.
    let mut core = String::from("export function install(ops) {\n");
    core.push_str(PREAMBLE);
    let _ = writeln!(
        core,
        "const chunkExports = {{ __proto__: null, {} }};",
        chunk_names
            .iter()
            .map(|c| format!("{c}: null"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (name, chunk) in &core_stubs {
        match UNLOADED.iter().find(|(n, _)| n == name) {
            Some((_, unloaded)) => {
                let _ = writeln!(
                    core,
                    "function {name}(...args) {{ const c = chunkExports.{chunk}; return c === null ? {unloaded} : c.{name}(...args); }}"
                );
            }
            None => {
                let _ = writeln!(
                    core,
                    "function {name}(...args) {{ return loadChunk(\"{chunk}\").{name}(...args); }}"
                );
            }
        }
    }
    for f in files.iter().filter(|f| f.chunk.is_none()) {
        let _ = writeln!(core, "// ---- {}\n{}", f.path.display(), f.text);
    }
    core.push_str("// ---- chunk wiring (build.rs)\nchunkScope = {\n  __proto__: null,\n");
    for (name, from) in &scope {
        match from {
            // A chunk defines its globals unless the worker already put its own value there.
            None if name == "defineGlobal" => {
                core.push_str("  get defineGlobal() { return chunkDefineGlobal; },\n");
            }
            None => {
                let _ = writeln!(core, "  get {name}() {{ return {name}; }},");
            }
            Some(chunk) => {
                let _ = writeln!(
                    core,
                    "  get {name}() {{ return loadChunk(\"{chunk}\").{name}; }},"
                );
            }
        }
    }
    core.push_str("};\n");
    for (global, chunk) in &lazy_globals {
        let _ = writeln!(core, "defineLazyGlobal(\"{global}\", \"{chunk}\");");
    }
    for (module, chunk) in &lazy_modules {
        let _ = writeln!(core, "defineLazyNodeModule(\"{module}\", \"{chunk}\");");
    }
    core.push_str("return entry;\n}\n");
    write(out_dir, "prelude.js", core.as_bytes())?;
    write(out_dir, "prelude.bc", &compile("verge:prelude", &core)?)?;

    // The chunks, and the table the crate includes.
    let mut table =
        String::from("/// The prelude's chunks: name and bytecode (generated by build.rs).\n");
    table.push_str("pub(crate) const CHUNKS: &[(&str, &[u8])] = &[\n");
    for chunk in &chunk_names {
        let mut src = String::from("export function install(ops, scope) {\n");
        if let Some(names) = imports.get(chunk) {
            let _ = writeln!(
                src,
                "const {{ {} }} = scope;",
                names.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        for f in files.iter().filter(|f| f.chunk == Some(chunk)) {
            let _ = writeln!(src, "// ---- {}\n{}", f.path.display(), f.text);
        }
        let exported = exports.get(chunk).cloned().unwrap_or_default();
        let _ = writeln!(
            src,
            "return {{ {} }};\n}}",
            exported.into_iter().collect::<Vec<_>>().join(", ")
        );
        let file = format!("chunk-{chunk}.bc");
        write(out_dir, &format!("chunk-{chunk}.js"), src.as_bytes())?;
        write(
            out_dir,
            &file,
            &compile(&format!("verge:prelude/{chunk}"), &src)?,
        )?;
        let _ = writeln!(
            table,
            "    ({chunk:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\"))),"
        );
    }
    table.push_str("];\n");
    write(out_dir, "chunks.rs", table.as_bytes())
}

/// What the core starts with: loading chunks, and the accessors that stand for their globals until then.
const PREAMBLE: &str = r#"// ---- chunk loading (build.rs)
let chunkScope = null;
const chunksLoading = new Set();
function loadChunk(name) {
  const loaded = chunkExports[name];
  if (loaded !== null) return loaded;
  if (chunksLoading.has(name)) throw new Error(`prelude chunk ${name} needs itself while it loads`);
  chunksLoading.add(name);
  try {
    const exports = ops.loadChunk(name)(ops, chunkScope);
    chunkExports[name] = exports;
    return exports;
  } finally {
    chunksLoading.delete(name);
  }
}
// Globals of chunks that the worker assigned before the chunk was loaded: the chunk leaves them alone.
const globalsReplaced = new Set();
function chunkDefineGlobal(name, value) {
  if (!globalsReplaced.has(name)) defineGlobal(name, value);
}
function defineLazyGlobal(name, chunk) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: false,
    get() {
      loadChunk(chunk);
      const d = Object.getOwnPropertyDescriptor(globalThis, name);
      if (d === undefined || !("value" in d)) throw new Error(`prelude chunk ${chunk} did not define ${name}`);
      return d.value;
    },
    set(value) {
      globalsReplaced.add(name);
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
    },
  });
}
function defineLazyNodeModule(name, chunk) {
  const registry = Symbol.for("verge.node");
  if (!globalThis[registry]) Object.defineProperty(globalThis, registry, { value: {}, enumerable: false });
  Object.defineProperty(globalThis[registry], name, {
    configurable: true,
    enumerable: true,
    get() {
      loadChunk(chunk);
      const d = Object.getOwnPropertyDescriptor(globalThis[registry], name);
      if (d === undefined || !("value" in d)) throw new Error(`prelude chunk ${chunk} did not define node:${name}`);
      return d.value;
    },
  });
}
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// A module's bytecode, without debug information or source (errors in it name no prelude lines).
fn compile(name: &str, source: &str) -> Result<Vec<u8>, String> {
    use rquickjs::module::WriteOptions;
    use rquickjs::{Context, Module, Runtime};
    let rt = Runtime::new().map_err(|e| e.to_string())?;
    let cx = Context::full(&rt).map_err(|e| e.to_string())?;
    cx.with(|ctx| {
        // No worker specifier can resolve to these names (workers may import only their own files).
        let m = Module::declare(ctx.clone(), name, source).map_err(|e| {
            let thrown = ctx.catch();
            format!("{name} does not compile: {e} {thrown:?}")
        })?;
        m.write(WriteOptions {
            strip_debug: true,
            strip_source: true,
            ..WriteOptions::default()
        })
        .map_err(|e| e.to_string())
    })
}
