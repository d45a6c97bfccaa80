//! The code's shape, kept as it was agreed: no function of 60 lines or more, and no two modules of a crate that
//! lean on each other (directly or around a circle), a module being a file, in whichever folder. Reads the sources as text, as formatted by rustfmt.
//! And the build's shape: the tests compile the server's crates as `cargo leptos build` does (scripts/test.sh).

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    process::Command,
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

/// The module that `file` of the crate at `crate_dir` is: its path below `src` with folders as `::`, a folder's
/// `mod.rs` being the folder (`pipeline/producer.rs` is `pipeline::producer`, `web/mod.rs` is `web`).
fn module_of(crate_dir: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(crate_dir).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Which modules each module of the crate names through `crate::…` or `super::…`, use groups included: each
/// path is followed down to the deepest module it names, so two files of one folder are as apart as two files
/// of the crate's root. A module naming its own folder's `mod.rs` or its own children does not count.
fn module_graph(crate_dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(crate_dir);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(crate_dir, file)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(crate_dir, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = fs::read_to_string(file).unwrap();
        let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent).to_owned();
        let mut named = BTreeSet::new();
        for (base, from) in [("", "crate::"), (parent.as_str(), "super::")] {
            for (i, _) in text.match_indices(from) {
                if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue; // `self::super::`, or `super::` of a longer path already read
                }
                for path in use_paths(&text[i + from.len()..]) {
                    let full = if base.is_empty() { path } else { format!("{base}::{path}") };
                    if let Some(target) = deepest_module(&full, &modules) {
                        named.insert(target);
                    }
                }
            }
        }
        named.retain(|n| {
            *n != module && !module.starts_with(&format!("{n}::")) && !n.starts_with(&format!("{module}::"))
        });
        graph.entry(module).or_default().extend(named);
    }
    graph
}

/// The longest leading part of `path` that is one of `modules`.
fn deepest_module(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len()).rev().map(|n| segments[..n].join("::")).find(|candidate| modules.contains(candidate))
}

/// The paths a use tree starts with, written out: `a::b` is `a::b`; `a::{b::{C, D}, e}, f` (the tree ends at
/// the first character outside it) is `a::b::C`, `a::b::D` and `a::e`.
fn use_paths(text: &str) -> Vec<String> {
    fn tree(text: &str, prefix: &str, out: &mut Vec<String>) -> usize {
        let identifier: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let mut at = identifier.len();
        let path = match (prefix.is_empty(), identifier.is_empty()) {
            (_, true) => prefix.to_owned(),
            (true, false) => identifier,
            (false, false) => format!("{prefix}::{identifier}"),
        };
        if text[at..].starts_with("::") {
            at += 2;
            return at + tree(&text[at..], &path, out);
        }
        if text[at..].starts_with('{') {
            at += 1;
            loop {
                let skipped = text[at..].len() - text[at..].trim_start().len();
                at += skipped;
                if text[at..].starts_with('}') {
                    return at + 1;
                }
                at += tree(&text[at..], &path, out);
                let skipped = text[at..].len() - text[at..].trim_start().len();
                at += skipped;
                match text[at..].chars().next() {
                    Some(',') => at += 1,
                    Some('}') => return at + 1,
                    _ => return at,
                }
            }
        }
        if !path.is_empty() && path != "self" && !path.ends_with("::self") {
            out.push(path);
        } else if let Some(parent) = path.strip_suffix("::self") {
            out.push(parent.to_owned());
        }
        at
    }
    let mut out = Vec::new();
    tree(text, "", &mut out);
    out
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
fn a_use_tree_is_written_out_path_by_path() {
    assert_eq!(use_paths("store::PriceStore;"), ["store::PriceStore"]);
    assert_eq!(
        use_paths("{\n    a::{b::{C, D}, e},\n    format::{Zone, price},\n    self,\n};"),
        ["a::b::C", "a::b::D", "a::e", "format::Zone", "format::price"]
    );
    assert_eq!(use_paths("figures::{self, level::Level}`]"), ["figures", "figures::level::Level"]);
}

#[test]
fn a_path_names_the_deepest_module_along_it_and_files_of_a_folder_are_modules_apart() {
    let modules: BTreeSet<String> =
        ["figures", "figures::level", "page", "page::api"].into_iter().map(str::to_owned).collect();
    assert_eq!(deepest_module("figures::level::Level", &modules).as_deref(), Some("figures::level"));
    assert_eq!(deepest_module("figures::Thing", &modules).as_deref(), Some("figures"));
    assert_eq!(deepest_module("PriceRecord", &modules), None);
    let src = Path::new("/x/src");
    assert_eq!(module_of(src, Path::new("/x/src/pipeline/producer.rs")), "pipeline::producer");
    assert_eq!(module_of(src, Path::new("/x/src/web/mod.rs")), "web");
    assert_eq!(module_of(src, Path::new("/x/src/config.rs")), "config");
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

/// Each package `cargo tree` lists for `args`, with the features it is compiled with (twice for a package
/// compiled for build scripts and macros with other features than for the program).
fn compiled_features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args(["tree", "--offline", "--prefix", "none", "--format", "{p}|{f}"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo tree {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let Some((package, features)) = line.trim_end_matches(" (*)").split_once('|') else { continue };
        packages.entry(package.replace(" (proc-macro)", "")).or_default().insert(features.to_owned());
    }
    packages
}

/// With features the tests' dev-dependencies turn on and a build of the server does not, every crate above such
/// a package (chrono, Leptos, the app...) compiles twice in scripts/test.sh: once for the tests, once for
/// `cargo leptos build`. The manifests keep the two alike: the server turns such features on itself, and the app has
/// no `default` feature, which `cargo test -p app` would turn on.
#[test]
fn the_tests_compile_the_servers_crates_with_the_features_of_its_build() {
    let build = compiled_features(&["-p", "server", "-e", "normal,build"]);
    let tests = compiled_features(&["-p", "app", "-p", "server", "-e", "normal,build,dev"]);
    assert!(build.len() > 300 && build.keys().any(|p| p.starts_with("leptos ")), "{build:?}");
    let differ: Vec<String> = build
        .iter()
        .filter(|(package, features)| tests.get(*package) != Some(features))
        .map(|(package, features)| {
            format!("{package}: {features:?} in the build, {:?} in the tests", tests.get(package))
        })
        .collect();
    assert!(differ.is_empty(), "compiled with other features for the tests than for the server's build: {differ:#?}");
}
