//! The code's shape, kept as it was agreed: no function of 60 lines or more, and no two modules of a crate that
//! lean on each other (directly or around a circle). Reads the sources as text, as formatted by rustfmt.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

const LONGEST_FUNCTION: usize = 59;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The functions with a body in `text`: name, first line (1-based) and length in lines. A function ends at
/// the first line that closes a brace at the indentation it started at.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let signature = ["pub ", "pub(crate) ", "async ", "const ", "unsafe "]
            .iter()
            .fold(trimmed, |rest, prefix| rest.strip_prefix(prefix).unwrap_or(rest));
        let Some(name) = signature.strip_prefix("fn ") else { continue };
        let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let indent = &line[..line.len() - trimmed.len()];
        let Some(open) = (start..lines.len()).find(|&i| {
            let end = lines[i].trim_end();
            end.ends_with('{') || end.ends_with(';') || end.ends_with('}')
        }) else {
            continue;
        };
        if lines[open].trim_end().ends_with(';') || (open == start && !lines[open].trim_end().ends_with('{')) {
            continue; // a declaration without a body, or a function on one line
        }
        let close = (open + 1..lines.len()).find(|&i| lines[i].starts_with(&format!("{indent}}}")));
        if let Some(close) = close {
            found.push((name, start + 1, close - start + 1));
        }
    }
    found
}

#[test]
fn no_function_in_app_or_server_has_60_lines_or_more() {
    let mut long = Vec::new();
    for crate_dir in ["app/src", "server/src"] {
        for file in sources(&workspace().join(crate_dir)) {
            for (name, line, length) in functions(&fs::read_to_string(&file).unwrap()) {
                if length > LONGEST_FUNCTION {
                    long.push(format!("{}:{line} {name}: {length} lines", file.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "functions of 60 lines or more:\n{}", long.join("\n"));
}

#[test]
fn the_function_finder_sees_bodies_and_skips_declarations() {
    let text = "fn short() {}\npub async fn two(\n    a: u8,\n) -> u8 {\n    a\n}\ntrait T {\n    fn decl(&self);\n    fn body(&self) {\n        let x = 1;\n    }\n}\n";
    let found = functions(text);
    assert_eq!(found, [("two".to_owned(), 2, 5), ("body".to_owned(), 9, 3)]);
}

/// The module of `crate_dir` that `file` belongs to: its first path component below the crate's `src`.
fn module_of(crate_dir: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(crate_dir).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// Which modules each module of the crate names through `crate::…`, `use crate::{a, b::…}` included.
fn module_graph(crate_dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(crate_dir) {
        let module = module_of(crate_dir, &file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        let names = graph.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            names.extend(top_level_names(&text[i + "crate::".len()..]).into_iter().filter(|n| *n != module));
        }
    }
    graph
}

/// The modules a path after `crate::` starts with: `a::b` names `a`, `{a::{b, c}, d}` names `a` and `d`.
fn top_level_names(path: &str) -> Vec<String> {
    let identifier = |text: &str| -> String { text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let Some(group) = path.strip_prefix('{') else { return vec![identifier(path)] };
    let mut names = vec![identifier(group.trim_start())];
    let mut depth = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => names.push(identifier(group[i + 1..].trim_start())),
            _ => {}
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

/// A circle in `graph`, if there is one, as the modules along it.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            return Some(path[at..].iter().cloned().chain([node.to_owned()]).collect());
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_of_each_crate_import_each_other_without_a_circle() {
    for crate_dir in ["app/src", "server/src"] {
        let graph = module_graph(&workspace().join(crate_dir));
        assert!(graph.len() > 5, "{crate_dir}: {graph:?}");
        assert_eq!(circle(&graph), None, "{crate_dir} imports in a circle; all edges: {graph:?}");
    }
}

#[test]
fn a_use_group_names_only_its_top_level_modules() {
    assert_eq!(top_level_names("store::PriceStore;"), ["store"]);
    assert_eq!(
        top_level_names("{\n    a::{b::{C, D}, e},\n    format::{Zone, price},\n    self,\n};"),
        ["a", "format"]
    );
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(circle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let mut acyclic = graph.clone();
    acyclic.remove("c");
    assert_eq!(circle(&acyclic), None);
}
