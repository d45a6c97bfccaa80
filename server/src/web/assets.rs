//! How the site's files reach browsers: under a URL that names their content, compressed, and with caching
//! rules that let a browser keep them until a build changes them.
//!
//! The WebAssembly, its JS glue, the CSS and ECharts are served at `/v/<version>/…`, where the version is a
//! digest of those files computed at start. Their URLs change exactly when their content does, so browsers may
//! keep them for a year without asking; the HTML and the API are never kept stale.

use std::path::{Path, PathBuf};

use axum::{
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use md5::{Digest, Md5};
use tower_http::services::ServeDir;

/// For files whose URL names their content.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// For answers that change with every new price.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
/// For the page and unversioned files: kept, but checked before each use.
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The URL prefix of versioned files.
pub const VERSIONED: &str = "/v/";

/// The page's WebAssembly, relative to the site root: `<name>.wasm` when the server was compiled with
/// cargo-leptos' output name (cargo-leptos tells Leptos so at compile time; scripts/test.sh does too),
/// `<name>_bg.wasm` otherwise, as Leptos' `HydrationScripts` expects.
pub fn wasm_file(pkg_dir: &str, output_name: &str) -> String {
    let suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { "" } else { "_bg" };
    format!("{pkg_dir}/{output_name}{suffix}.wasm")
}

/// The files the page loads, relative to the site root: the digest covers exactly these.
fn loaded_files(pkg_dir: &str, output_name: &str) -> [String; 4] {
    [
        format!("{pkg_dir}/{output_name}.js"),
        wasm_file(pkg_dir, output_name),
        format!("{pkg_dir}/{output_name}.css"),
        app::ECHARTS_FILE.to_owned(),
    ]
}

/// Why the site's files are served without a version.
#[derive(Debug, thiserror::Error)]
pub enum Unversioned {
    #[error("cargo leptos watch rebuilds them while the server runs")]
    Watched,
    #[error("{path}: {source} (`cargo leptos build` makes the site)")]
    Unreadable { path: PathBuf, source: std::io::Error },
}

/// Why the dashboard cannot serve a working page.
#[derive(Debug, thiserror::Error)]
pub enum SiteMissing {
    #[error(
        "this binary was built without cargo-leptos (plain `cargo build`): its page would load /pkg/.js and draw \
         nothing. Build it with `cargo leptos build --release` (scripts/run.sh does), or pass --without-site"
    )]
    NoOutputName,
    #[error("the site's files are missing: {0}. Or pass --without-site to serve the page without its charts")]
    Files(Unversioned),
}

/// Checks at start that the page's files are there (the WebAssembly, its JS, the CSS and ECharts).
pub fn check_site(site_root: &Path, pkg_dir: &str, output_name: &str) -> Result<(), SiteMissing> {
    if output_name.is_empty() {
        return Err(SiteMissing::NoOutputName);
    }
    match site_version(site_root, pkg_dir, output_name) {
        Ok(_) | Err(Unversioned::Watched) => Ok(()),
        Err(why) => Err(SiteMissing::Files(why)),
    }
}

/// The version of the site's files: 16 hex digits of a digest of their content.
///
/// `cargo leptos watch` rebuilds the files under a running server, so it gets no version: its pages load the
/// plain paths, checked on every use.
pub fn site_version(site_root: &Path, pkg_dir: &str, output_name: &str) -> Result<String, Unversioned> {
    if std::env::var_os("LEPTOS_WATCH").is_some() {
        return Err(Unversioned::Watched);
    }
    let mut digest = Md5::new();
    for file in loaded_files(pkg_dir, output_name) {
        let path = site_root.join(&file);
        let bytes = std::fs::read(&path).map_err(|source| Unversioned::Unreadable { path, source })?;
        digest.update((bytes.len() as u64).to_le_bytes());
        digest.update(bytes);
    }
    Ok(digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// The site's files, sent as compressed once at build time (`.br`, `.gz` beside a file: `cargo leptos build
/// --release --precompress`, `scripts/build-vendor.mjs`) where those exist and the browser accepts them; the
/// compression layer compresses the others as they go.
pub fn serve_dir(site_root: &Path) -> ServeDir {
    ServeDir::new(site_root).precompressed_br().precompressed_gzip()
}

/// Sets each response's `Cache-Control`: a year for versioned files, never for the API, the download and the
/// operations endpoints, and a check before each use for the rest (the page, the favicon).
pub async fn cache_rules(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let rule = if path.starts_with(VERSIONED) {
        IMMUTABLE
    } else if path.starts_with("/api/") || matches!(path, "/download.csv" | "/healthz" | "/readyz" | "/metrics") {
        NO_STORE
    } else {
        NO_CACHE
    };
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status().is_redirection() {
        response.headers_mut().entry(header::CACHE_CONTROL).or_insert(rule);
    } else {
        // An error may be fixed a moment later: never keep it.
        response.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    const WASM: &str = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { "pkg/m.wasm" } else { "pkg/m_bg.wasm" };
    const FILES: [(&str, &str); 4] =
        [("pkg/m.js", "js"), (WASM, "wasm"), ("pkg/m.css", "css"), ("vendor/echarts.js", "echarts")];

    #[test]
    fn the_version_changes_with_any_loaded_file_and_only_then() {
        let a = site(&FILES);
        let version = site_version(a.path(), "pkg", "m").unwrap();
        assert_eq!(version.len(), 16);
        assert_eq!(site_version(site(&FILES).path(), "pkg", "m").unwrap(), version, "same files, same version");
        for changed in 0..FILES.len() {
            let mut files = FILES;
            files[changed].1 = "changed";
            assert_ne!(site_version(site(&files).path(), "pkg", "m").unwrap(), version, "{}", files[changed].0);
        }
        let missing = site(&FILES[..3]);
        let why = site_version(missing.path(), "pkg", "m").unwrap_err().to_string();
        assert!(why.contains("vendor/echarts.js") && why.contains("cargo leptos build"), "{why}");
    }
}
