//! The structure anyone can check (issue "one plug-in contract"): no module of a crate
//! imports one that imports it back, `web` does not depend on the ledger, and the kernel
//! names no tool crate. Read from the sources and manifests, so a change that breaks a rule
//! fails here rather than in a review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, as (path relative to `dir`, text).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

/// The module a file belongs to, two levels deep: `groups/service/members.rs` is
/// `groups::service`, `activity/log.rs` is `activity::log`, `policy.rs` is `policy`.
fn module_of(rel: &str) -> String {
    let mut parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
    if parts.last() == Some(&"mod") {
        parts.pop();
    }
    parts.truncate(2);
    parts.join("::")
}

/// The code of a file without comments and unit tests.
fn code(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `crate::a::{B, c::D}` → `crate::a::B crate::a::c::D` (one level of nesting is enough here).
fn expand_groups(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(start) = out.find("::{") {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let inner = out[start + 3..start + len].to_string();
        if inner.contains('{') {
            // A nested group: expand the inner one first.
            let nested = start + 3 + inner.rfind("::{").unwrap();
            let end = nested + out[nested..].find('}').unwrap();
            let prefix_start = out[..nested]
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(0, |i| i + 1);
            let prefix = out[prefix_start..nested].to_string();
            let items: Vec<String> = out[nested + 3..end]
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(|i| format!("{prefix}::{i}"))
                .collect();
            out.replace_range(prefix_start..=end, &items.join(", "));
            continue;
        }
        let prefix_start = out[..start]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let prefix = out[prefix_start..start].to_string();
        let items: Vec<String> = inner
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(|i| format!("{prefix}::{}", i.split(" as ").next().unwrap()))
            .collect();
        out.replace_range(prefix_start..=start + len, &items.join(" "));
    }
    out
}

/// The public names each module defines, to resolve `crate::people::Actor` to the module
/// that defines `Actor` rather than to the area that re-exports it.
fn definitions(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut defs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files {
        for word in ["struct", "enum", "fn", "trait", "type", "const", "static"] {
            for (i, _) in text.match_indices(&format!("pub {word} ")) {
                let rest = &text[i + 5 + word.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                defs.entry(name).or_default().insert(module_of(rel));
            }
        }
        for (i, _) in text.match_indices("pub async fn ") {
            let name: String = text[i + 13..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            defs.entry(name).or_default().insert(module_of(rel));
        }
    }
    defs
}

/// Which module of the crate each module uses, through `crate::` paths and `super::`; a
/// child's use of its own parent is not counted.
fn imports(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = files.iter().map(|(r, _)| module_of(r)).collect();
    let defs = definitions(files);
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in files {
        let me = module_of(rel);
        let code = expand_groups(&code(text));
        let mut targets = Vec::new();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + 7..];
            let area = ident(rest);
            let next = rest[area.len()..]
                .strip_prefix("::")
                .map(ident)
                .unwrap_or_default();
            let sub = format!("{area}::{next}");
            let target = if modules.contains(&sub) {
                sub
            } else {
                // A name re-exported by the area: the one module of the area defining it.
                let inside: Vec<&String> = defs
                    .get(&next)
                    .into_iter()
                    .flatten()
                    .filter(|m| **m == area || m.starts_with(&format!("{area}::")))
                    .collect();
                match inside.as_slice() {
                    [one] => (*one).clone(),
                    _ => area,
                }
            };
            targets.push(target);
        }
        // `super::x` from `a/b/c.rs` or `a/b/mod.rs`: a sibling of the file's module.
        let parts: Vec<&str> = rel.trim_end_matches(".rs").split('/').collect();
        let parent: Vec<&str> = if parts.last() == Some(&"mod") {
            parts[..parts.len().saturating_sub(2)].to_vec()
        } else {
            parts[..parts.len() - 1].to_vec()
        };
        for (i, _) in code.match_indices("super::") {
            if code[..i].ends_with("::") {
                continue;
            }
            let name = ident(&code[i + 7..]);
            let mut path: Vec<&str> = parent.clone();
            path.push(&name);
            path.truncate(2);
            let candidate = path.join("::");
            targets.push(if modules.contains(&candidate) {
                candidate
            } else {
                parent
                    .iter()
                    .take(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("::")
            });
        }
        // A child module may use what its parent module shares (`ranked/stv.rs` the types
        // of `ranked/mod.rs`, which dispatches to it): that is one module split in files.
        let parent_module = me.rsplit_once("::").map(|(p, _)| p.to_string());
        for t in targets {
            if modules.contains(&t) && t != me && Some(&t) != parent_module.as_ref() {
                edges.entry(me.clone()).or_default().insert(t);
            }
        }
    }
    edges
}

/// A circle of imports, if there is one (depth-first search for a back edge).
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(c) = visit(node, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn crate_dirs() -> Vec<PathBuf> {
    let root = workspace().join("crates");
    let mut dirs: Vec<PathBuf> = ["kernel", "interop", "web", "ledger", "tally", "weft"]
        .iter()
        .map(|c| root.join(c))
        .collect();
    for tool in std::fs::read_dir(root.join("tools")).unwrap() {
        dirs.push(tool.unwrap().path());
    }
    dirs
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for dir in crate_dirs() {
        let files = sources(&dir.join("src"));
        let edges = imports(&files);
        assert!(
            !edges.is_empty() || files.len() < 4,
            "{}: no imports were found",
            dir.display()
        );
        if let Some(c) = circle(&edges) {
            panic!("{}: an import circle: {}", dir.display(), c.join(" → "));
        }
    }
}

/// The check itself finds a circle when there is one.
#[test]
fn the_circle_check_can_fail() {
    let files = vec![
        (
            "a/service.rs".to_string(),
            "use crate::b::Thing;\n".to_string(),
        ),
        (
            "b/mod.rs".to_string(),
            "pub use store::Thing;\n".to_string(),
        ),
        (
            "b/store.rs".to_string(),
            "pub struct Thing;\nuse crate::a::{service::{go}};\n".to_string(),
        ),
    ];
    let edges = imports(&files);
    let found = circle(&edges).expect("a circle");
    assert!(found.contains(&"a::service".to_string()), "{found:?}");
    assert!(found.contains(&"b::store".to_string()), "{found:?}");
}

/// A workspace crate's normal dependencies on other workspace crates, by its manifest.
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let mut deps = BTreeMap::new();
    for dir in crate_dirs() {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let name = manifest
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .to_string();
        let normal = manifest
            .split("[dependencies]")
            .nth(1)
            .unwrap_or_default()
            .split("\n[")
            .next()
            .unwrap_or_default();
        let named: BTreeSet<String> = normal
            .lines()
            .filter_map(|l| l.split('=').next())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty() && !n.starts_with('#'))
            .collect();
        deps.insert(name, named);
    }
    let names: BTreeSet<String> = deps.keys().cloned().collect();
    for named in deps.values_mut() {
        named.retain(|n| names.contains(n));
    }
    deps
}

fn reaches(deps: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(c) = todo.pop() {
        for d in deps.get(&c).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn web_needs_no_ledger_and_the_kernel_no_tool() {
    let deps = workspace_dependencies();
    assert!(
        reaches(&deps, "weft").contains("ledger"),
        "the manifests were read: weft reaches the ledger through the credit tool"
    );
    let web = reaches(&deps, "web");
    assert!(web.contains("kernel"), "{web:?}");
    assert!(
        !web.contains("ledger"),
        "web depends on the ledger: {web:?}"
    );
    let kernel = reaches(&deps, "kernel");
    let tools: BTreeSet<String> = std::fs::read_dir(workspace().join("crates/tools"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .chain(["ledger", "interop", "web", "weft"].map(String::from))
        .collect();
    assert!(
        kernel.is_disjoint(&tools),
        "the kernel depends on {:?}",
        kernel.intersection(&tools).collect::<Vec<_>>()
    );
}
