//! The viewer's layering, checked: every module under `viewer-web/src` may only import from its
//! own layer or the layers below it (see `docs/architecture.md`):
//!
//! ```text
//! web (shell) → render → geometry (geometry/, smpl_bodies/) → core
//! ```
//!
//! `offscreen` is the native shell (like `web`). Core and geometry must also stay free of the
//! browser and the GPU (`web_sys`, `js_sys`, `wasm_bindgen`, `wgpu`, `gloo_net`), so they build
//! and test natively. The renderer must not read the scene model (`meshcast_scene`,
//! `meshcast_protocol`): it draws the geometry layer's draw data.
//!
//! The check reads the source: `use` trees (braces expanded) and inline `crate::`/`super::`
//! paths, with comments and string literals removed, resolved to the top-level module they name.
//! Inline `#[cfg(test)] mod … { … }` blocks are left out: a test may borrow a device from the
//! native shell (`offscreen`), and nothing in them ships.
//!
//! A second check finds import cycles between the modules just below each top-level module
//! (`web::app`, `web::custom`, `render::mesh`, `core::state`, …; a module and its submodules are
//! one node): the graph of their imports must have none. A top-level module's own file
//! (`web/mod.rs`) is a node too (`web`): others may import its items (`crate::web::Shared`), while
//! its own use of its children (declaring, re-exporting and wiring them) is not an edge.

use std::collections::{BTreeMap, BTreeSet};
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

/// Crates of the scene model, which the render layer must not read: it draws the geometry
/// layer's draw data (`geometry::SceneDraw`), never scene nodes.
const SCENE_CRATES: &[&str] = &["meshcast_scene", "meshcast_protocol"];

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
    for word in ["crate::", "super::"]
        .iter()
        .chain(PLATFORM_CRATES.iter())
        .chain(SCENE_CRATES.iter())
    {
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
                if own == Layer::Render && SCENE_CRATES.contains(&krate.as_str()) {
                    out.push(format!(
                        "{}: Render module uses `{path}` (the scene model; draw geometry's draw data instead)",
                        rel.display()
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The full module path a path names from `module` (`crate::`, `super::`, `self::` resolved);
/// `None` for a path into another crate.
fn resolve_full(path: &str, module: &[String]) -> Option<Vec<String>> {
    let segs: Vec<&str> = path
        .trim_start_matches("::")
        .split("::")
        .filter(|s| !s.is_empty())
        .collect();
    let mut base: Vec<String> = match segs.first().copied() {
        Some("crate") => Vec::new(),
        Some("super" | "self") => module.to_vec(),
        _ => return None,
    };
    let mut i = usize::from(segs[0] == "crate");
    while i < segs.len() && (segs[i] == "super" || segs[i] == "self") {
        if segs[i] == "super" {
            base.pop();
        }
        i += 1;
    }
    base.extend(segs[i..].iter().map(|s| (*s).to_owned()));
    Some(base)
}

/// The node of the import graph a module path belongs to: its first two segments when the
/// second names a module (`nodes`), else the top-level module; `None` for the crate root.
fn node_of(path: &[String], nodes: &BTreeSet<String>) -> Option<String> {
    let top = path.first()?;
    if let Some(second) = path.get(1) {
        let node = format!("{top}::{second}");
        if nodes.contains(&node) {
            return Some(node);
        }
    }
    Some(top.clone())
}

/// The import edges of one file: the node it imports from, with the path that imports it.
/// `nodes` are the graph's nodes (the modules just below the top-level ones).
fn import_edges(rel: &Path, src: &str, nodes: &BTreeSet<String>) -> BTreeMap<String, String> {
    let module = module_path(rel);
    let Some(from) = node_of(&module, nodes) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for path in paths_in(&without_test_modules(&strip(src))) {
        let Some(to) = resolve_full(&path, &module).and_then(|p| node_of(&p, nodes)) else {
            continue;
        };
        // A top-level module's own file declares, re-exports and wires its children.
        let parent_to_child = to.starts_with(&format!("{from}::"));
        if to != from && !parent_to_child {
            out.entry(to).or_insert(path);
        }
    }
    out
}

/// The graph's nodes: the top-level modules and the modules just below them, from the files.
fn graph_nodes(files: &[&Path]) -> BTreeSet<String> {
    files
        .iter()
        .filter_map(|f| {
            let m = module_path(f);
            (m.len() >= 2).then(|| format!("{}::{}", m[0], m[1]))
        })
        .collect()
}

/// The import graph of files given as (path from `src/`, source): node → node → one importing path.
fn import_graph(files: &[(&Path, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
    let nodes = graph_nodes(&files.iter().map(|(p, _)| *p).collect::<Vec<_>>());
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (rel, src) in files {
        let module = module_path(rel);
        let Some(from) = node_of(&module, &nodes) else { continue };
        let edges = graph.entry(from).or_default();
        for (to, path) in import_edges(rel, src, &nodes) {
            edges
                .entry(to)
                .or_insert_with(|| format!("{}: `{path}`", rel.display()));
        }
    }
    graph
}

/// The cycles of an import graph, each named by its nodes and the imports that close it (one
/// cycle per back edge of a depth-first search; none when the graph has no cycle).
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<String>,
    ) {
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(at) = stack.iter().position(|n| n == next) {
                let ring: Vec<&String> = stack[at..].iter().chain(std::iter::once(next)).collect();
                let imports: Vec<&str> = ring.windows(2).map(|w| graph[w[0]][w[1]].as_str()).collect();
                let names: Vec<&str> = ring.iter().map(|s| s.as_str()).collect();
                found.push(format!("{} (imports: {})", names.join(" → "), imports.join("; ")));
            } else if !done.contains(next) {
                visit(next, graph, stack, done, found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        if !done.contains(node) {
            visit(node, graph, &mut Vec::new(), &mut done, &mut found);
        }
    }
    found
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
fn modules_import_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            (f.strip_prefix(&src).unwrap_or(f).to_path_buf(), text)
        })
        .collect();
    let sources: Vec<(&Path, &str)> = texts.iter().map(|(p, t)| (p.as_path(), t.as_str())).collect();
    let graph = import_graph(&sources);
    for node in ["web::app", "web::custom", "web::ui", "render::mesh", "core::state"] {
        assert!(graph.contains_key(node), "no node {node} in the import graph");
    }
    let found = cycles(&graph);
    assert!(found.is_empty(), "import cycles between modules:\n{}", found.join("\n"));
}

#[test]
fn the_cycle_check_catches_a_cycle() {
    let app = Path::new("web/app.rs");
    let custom = Path::new("web/custom/context.rs");
    let custom_mod = Path::new("web/custom/mod.rs");
    let root = Path::new("web/mod.rs");
    // custom imports app and the page's root; the root wires both: no cycle.
    let fine = [
        (app, "use crate::core::Action; use super::gpu::Gpu;"),
        (
            custom,
            "use crate::web::app::App; use crate::web::Shared; use super::message::X;",
        ),
        (custom_mod, "pub use context::ViewerContext;"),
        (
            root,
            "use app::App; pub use crate::web::custom::ViewerContext; fn f() { crate::web::app::g(); }",
        ),
        (Path::new("web/gpu.rs"), "use wgpu::Device;"),
    ];
    let graph = import_graph(&fine);
    assert_eq!(graph["web::custom"].keys().collect::<Vec<_>>(), ["web", "web::app"]);
    assert!(graph["web"].is_empty(), "the root's use of its children is no edge");
    assert!(cycles(&graph).is_empty());
    // app importing custom back closes a cycle, named with the imports that make it.
    let mut cyclic = fine;
    cyclic[0].1 = "use crate::core::Action;\npub struct App { pub ext: super::custom::Extensions }";
    let found = cycles(&import_graph(&cyclic));
    assert_eq!(
        found,
        [
            "web::app → web::custom → web::app (imports: web/app.rs: `super::custom::Extensions`; \
          web/custom/context.rs: `crate::web::app::App`)"
        ]
    );
    // A longer cycle through a submodule of a node, and an import in a comment that does not count.
    let three = [
        (
            Path::new("render/mesh.rs"),
            "use super::pipelines::P; // use super::spheres::S;",
        ),
        (Path::new("render/pipelines/mod.rs"), "pub mod layout;"),
        (
            Path::new("render/pipelines/layout.rs"),
            "use crate::render::outline::O;",
        ),
        (Path::new("render/outline.rs"), "fn f() { super::mesh::draw(); }"),
        (Path::new("render/spheres.rs"), "use super::mesh::M;"),
    ];
    let found = cycles(&import_graph(&three));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("render::mesh → render::pipelines → render::outline → render::mesh"));
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
    // The renderer draws draw data, never scene nodes.
    assert!(!violations(render, "use meshcast_scene::{field, Node};").is_empty());
    assert!(!violations(render, "fn f(k: meshcast_protocol::NodeKind) {}").is_empty());
    assert!(violations(geometry, "use meshcast_scene::Node;").is_empty());
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
