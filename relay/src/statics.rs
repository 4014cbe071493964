//! The built viewer's static files, served so that no request can reach a file outside the
//! folder: the path is percent-decoded, `.`/`..` segments, backslashes and NUL are refused, and
//! the file found is canonicalised (symlinks resolved) and must still lie inside the folder.
//! Everything refused is a plain 404.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tracing::warn;

/// The file under `root` (already canonical) that a request path names, if it is safely inside;
/// a folder means its `index.html`.
pub async fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(request_path).decode_utf8().ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut path = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        // A ':' would be a drive or stream name on Windows.
        if segment == "." || segment == ".." || segment.contains(':') {
            return None;
        }
        path.push(segment);
    }
    let mut real = tokio::fs::canonicalize(&path).await.ok()?;
    if tokio::fs::metadata(&real).await.ok()?.is_dir() {
        real = tokio::fs::canonicalize(real.join("index.html")).await.ok()?;
    }
    if !real.starts_with(root) {
        warn!(path = %request_path, "refused a static file outside the viewer folder (symlink)");
        return None;
    }
    tokio::fs::metadata(&real).await.ok()?.is_file().then_some(real)
}

/// Serves one static file request from `root` (canonical), or 404.
pub async fn serve(root: &Path, req: Request<Body>) -> Response {
    let Some(file) = resolve(root, req.uri().path()).await else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    match ServeFile::new(file).oneshot(req).await {
        Ok(resp) => resp.into_response(),
        Err(e) => match e {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("meshcast-statics-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dist = base.join("dist");
        std::fs::create_dir_all(dist.join("assets")).unwrap();
        std::fs::write(dist.join("index.html"), "<html>").unwrap();
        std::fs::write(dist.join("assets/app.js"), "js").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("secret.txt"), dist.join("link.txt")).unwrap();
            std::os::unix::fs::symlink(dist.join("assets/app.js"), dist.join("inside.js")).unwrap();
        }
        (base, dist.canonicalize().unwrap())
    }

    #[tokio::test]
    async fn only_files_inside_the_folder_resolve() {
        let (base, dist) = tree();
        assert_eq!(resolve(&dist, "/assets/app.js").await, Some(dist.join("assets/app.js")));
        assert_eq!(resolve(&dist, "/assets/").await, None);
        assert_eq!(resolve(&dist, "/").await, Some(dist.join("index.html")));
        assert_eq!(
            resolve(&dist, "/assets%2fapp.js").await,
            Some(dist.join("assets/app.js"))
        );
        for bad in [
            "/../secret.txt",
            "/assets/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/..%2fsecret.txt",
            "/assets/..%5c..%5csecret.txt",
            "//etc/passwd",
            "/etc/passwd",
            "/%00index.html",
            "/missing.js",
            "/c:/windows",
        ] {
            assert_eq!(resolve(&dist, bad).await, None, "{bad}");
        }
        #[cfg(unix)]
        {
            assert_eq!(resolve(&dist, "/link.txt").await, None);
            assert_eq!(resolve(&dist, "/inside.js").await, Some(dist.join("assets/app.js")));
        }
        let _ = std::fs::remove_dir_all(base);
    }
}
