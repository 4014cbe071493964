//! The viewer's layering, checked: every module under `viewer-web/src` may only import from its
//! own layer or the layers below it (see `docs/architecture.md`):
//!
//! ```text
//! web (shell) → render → geometry (geometry/, smpl_bodies/) → core
//! ```
//!
//! `offscreen` is the native shell (like `web`). Core and geometry must also stay free of the
//! browser and the GPU (`web_sys`, `js_sys`, `wasm_bindgen`, `wgpu`, `gloo_net`), so they build
//! and test natively.
//!
//! The check reads the source: `use` trees (braces expanded) and inline `crate::`/`super::`
//! paths, with comments and string literals removed, resolved to the top-level module they name.
//! Inline `#[cfg(test)] mod … { … }` blocks are left out: a test may borrow a device from the
//! native shell (`offscreen`), and nothing in them ships.

use std::path::{Path, PathBuf};

/// The viewer's layers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Core,
    Geometry,
    Render,
    Shell,
}

/// The layer of a top-level module of the crate; `None` for the crate root.
fn layer_of(top: &str) -> Option<Layer> {
    Some(match top {
        "core" => Layer::Core,
        "geometry" | "smpl_bodies" => Layer::Geometry,
        "render" => Layer::Render,
        "web" | "offscreen" => Layer::Shell,
        _ => return None,
    })
}

/// Crates a layer below the render layer must not use.
const PLATFORM_CRATES: &[&str] = &["web_sys", "js_sys", "wasm_bindgen", "wgpu", "gloo_net"];

/// The module path of a source file, from `src/`: `render/mesh.rs` → `[render, mesh]`,
/// `render/mod.rs` → `[render]`, `lib.rs` → `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Source text without comments, string and character literals (so documentation that names a
/// module does not count as an import).
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') || (b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'')) => {
                // A character literal ('a' or '\n'); lifetimes ('a) are left alone.
                i += if b[i + 1] == b'\\' { 4 } else { 3 };
                out.push_str("' '");
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// The code without its inline `#[cfg(test)]` (or `#[cfg(all(test, …))]`) `mod NAME { … }` blocks (braces are balanced once
/// comments and literals are stripped).
fn without_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(pos) = rest.find("#[cfg(") {
        let attr_len = rest[pos..].find(")]").map_or(rest.len() - pos, |i| i + 2);
        let attr = &rest[pos..pos + attr_len];
        let after = &rest[pos + attr_len..];
        let trimmed = after.trim_start();
        let is_test = attr.starts_with("#[cfg(test)") || attr.starts_with("#[cfg(all(test");
        let is_inline_mod = is_test
            && trimmed.starts_with("mod ")
            && trimmed.find(['{', ';']).is_some_and(|i| trimmed.as_bytes()[i] == b'{');
        out.push_str(&rest[..pos]);
        if !is_inline_mod {
            out.push_str(attr);
            rest = after;
            continue;
        }
        let open = after.find('{').unwrap_or(after.len());
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Expands a `use` tree (`crate::{a::B, c::{D, E}}`) into full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = tree[open + 1..].strip_suffix('}').unwrap_or(&tree[open + 1..]);
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|s| !s.is_empty())
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .collect()
}

/// Every path a file names: its `use` trees expanded, and inline `crate::`/`super::` paths and
/// platform crate paths.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(pos) = find_word(rest, "use") {
        let after = &rest[pos + 3..];
        let end = after.find(';').unwrap_or(after.len());
        paths.extend(expand(&after[..end]));
        rest = &after[end..];
    }
    for word in ["crate::", "super::"].iter().chain(PLATFORM_CRATES.iter()) {
        let mut from = 0;
        while let Some(pos) = code[from..].find(word) {
            let start = from + pos;
            let boundary = start == 0 || !is_ident(code.as_bytes()[start - 1]) && code.as_bytes()[start - 1] != b':';
            if boundary {
                let len = code[start..].bytes().take_while(|&c| is_ident(c) || c == b':').count();
                paths.push(code[start..start + len].to_owned());
            }
            from = start + word.len();
        }
    }
    paths
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The position of `word` standing alone (not part of an identifier) and followed by a space.
fn find_word(s: &str, word: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(p) = s[from..].find(word) {
        let i = from + p;
        let before_ok = i == 0 || !is_ident(b[i - 1]);
        let after_ok = b.get(i + word.len()).is_some_and(|c| c.is_ascii_whitespace());
        if before_ok && after_ok {
            return Some(i);
        }
        from = i + word.len();
    }
    None
}

/// The first segment a path resolves to: a top-level module of this crate (`Ok`) or an
/// external crate (`Err`).
fn resolve(path: &str, module: &[String]) -> Result<String, String> {
    let segs: Vec<&str> = path.trim_start_matches("::").split("::").collect();
    match segs.first().copied() {
        Some("crate") => Ok(segs.get(1).copied().unwrap_or("").to_owned()),
        Some("super") | Some("self") => {
            let mut base: Vec<&str> = module.iter().map(String::as_str).collect();
            let mut i = 0;
            while i < segs.len() && (segs[i] == "super" || segs[i] == "self") {
                if segs[i] == "super" {
                    base.pop();
                }
                i += 1;
            }
            base.extend(segs[i..].iter().copied());
            Ok(base.first().copied().unwrap_or("").to_owned())
        }
        Some(first) => Err(first.to_owned()),
        None => Err(String::new()),
    }
}

/// The layering violations in one file's source.
fn violations(rel: &Path, src: &str) -> Vec<String> {
    let module = module_path(rel);
    let Some(own) = module.first().and_then(|t| layer_of(t)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in paths_in(&without_test_modules(&strip(src))) {
        match resolve(&path, &module) {
            Ok(top) => {
                if let Some(target) = layer_of(&top) {
                    if target > own {
                        out.push(format!(
                            "{}: {own:?} module uses `{path}` ({target:?} layer)",
                            rel.display()
                        ));
                    }
                }
            }
            Err(krate) => {
                if own <= Layer::Geometry && PLATFORM_CRATES.contains(&krate.as_str()) {
                    out.push(format!("{}: {own:?} module uses `{path}` (browser/GPU)", rel.display()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn modules_import_only_downwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 20,
        "found only {} files under {}",
        files.len(),
        src.display()
    );
    let mut problems = Vec::new();
    let mut seen = [false; 4];
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap_or(f);
        if let Some(l) = module_path(rel).first().and_then(|t| layer_of(t)) {
            seen[l as usize] = true;
        }
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        problems.extend(violations(rel, &text));
    }
    assert_eq!(seen, [true; 4], "every layer has modules");
    assert!(
        problems.is_empty(),
        "imports against the layering:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_catches_upward_imports_and_platform_crates() {
    let core = Path::new("core/state.rs");
    assert_eq!(
        violations(core, "use crate::core::Aabb;\nuse super::camera::Camera;"),
        Vec::<String>::new()
    );
    assert_eq!(violations(core, "use crate::{core::Aabb, render::Renderer};").len(), 1);
    assert_eq!(violations(core, "fn f() { crate::web::start(); }").len(), 1);
    assert_eq!(violations(core, "use wgpu::Device;").len(), 1);
    assert_eq!(violations(core, "let w = web_sys::window();").len(), 1);
    // Comments and strings do not count.
    assert!(violations(core, "//! see crate::render\nlet s = \"crate::web\";").is_empty());
    let geometry = Path::new("geometry/bounds.rs");
    assert_eq!(violations(geometry, "use crate::render::Renderer;").len(), 1);
    assert!(violations(geometry, "use crate::core::Aabb;\nuse super::node_data::x;").is_empty());
    let render = Path::new("render/mesh.rs");
    assert!(violations(render, "use crate::geometry::x; use crate::core::y; use wgpu::Buffer;").is_empty());
    assert_eq!(violations(render, "use crate::web::Shared;").len(), 1);
    // `super::super` from a nested module reaches the crate root's modules.
    assert_eq!(
        violations(Path::new("core/a/b.rs"), "use super::super::super::render::X;").len(),
        1
    );
    assert!(violations(Path::new("web/ui/mod.rs"), "use crate::render::X; use js_sys::Array;").is_empty());
    // Inline test modules are left out; the code after them is still read.
    let with_tests = "#[cfg(test)]\nmod tests { use crate::offscreen::X; fn f() { if a { b } } }\nuse crate::web::Y;";
    assert_eq!(
        violations(render, with_tests),
        vec!["render/mesh.rs: Render module uses `crate::web::Y` (Shell layer)".to_owned()]
    );
    assert_eq!(
        violations(render, "#[cfg(test)]\nmod tests;\nuse crate::web::Y;").len(),
        1
    );
    let gated = "#[cfg(all(test, not(target_arch = \"wasm32\")))]\nmod tests { use crate::offscreen::X; }";
    assert!(violations(render, gated).is_empty());
    assert_eq!(
        violations(render, "#[cfg(not(test))]\nmod live { use crate::web::Y; }").len(),
        1
    );
}
