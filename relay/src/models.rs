//! SMPL body-model files: the folder given with `--smpl-models DIR` (the `smplx` package's
//! layout, `DIR/<model_type>/<MODEL>_<GENDER>.npz`), served read-only to viewers under
//! `/models/` (GET only; nothing outside the folder, symlinks included, see [`crate::statics`]),
//! and the check that an SMPL body's model file is there before the body is accepted.
//!
//! Policy: with `--smpl-models DIR`, an SMPL creation whose file is not in DIR is rejected with
//! an error that names the file and the folder (the viewer could not draw it). Without
//! `--smpl-models` SMPL bodies are accepted and stored (recording, tests, viewers fed some
//! other way) with a warning in the log; viewers then show that the model file is missing.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use meshcast_protocol::{Command, CreateNode, NodeKind, SmplModelType, Value};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// Where viewers fetch model files: `/models/smpl/SMPL_NEUTRAL.npz` etc.
pub const URL_PREFIX: &str = "/models/";

/// The model file an SMPL creation needs, relative to the models folder
/// (`smpl/SMPL_NEUTRAL.npz`, `smplh/SMPLH_FEMALE.npz`, ...): its `model_type` and `gender`
/// options (defaults "smpl", "neutral"); SMPL-H has no neutral model and uses the female one,
/// as `smplx.create` does. `None` for other kinds.
pub fn model_file(create: &CreateNode) -> Option<String> {
    if create.kind != NodeKind::Smpl {
        return None;
    }
    let opt = |name: &str| create.options.get(name).and_then(Value::as_str);
    let model_type = SmplModelType::parse(opt("model_type").unwrap_or("smpl"))?;
    let gender = match (model_type, opt("gender").unwrap_or("neutral")) {
        (SmplModelType::SmplH, "neutral") => "female",
        (_, g) => g,
    };
    let dir = model_type.as_str();
    Some(format!("{dir}/{}_{}.npz", dir.to_uppercase(), gender.to_uppercase()))
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelCheck {
    /// Not an SMPL creation, or its model file is in the folder.
    Ok,
    /// An SMPL creation while no `--smpl-models` folder is configured: accepted, worth a warning.
    NoFolder {
        /// The file viewers will look for.
        file: String,
    },
    /// The model file is not in the folder: the message for the client.
    Missing(String),
}

/// True when `rel` names a regular file inside `root` (canonical), symlinks resolved.
fn inside(root: &Path, rel: &str) -> bool {
    std::fs::canonicalize(root.join(rel)).is_ok_and(|real| real.starts_with(root) && real.is_file())
}

/// Checks that an SMPL creation's model file is in `folder` (canonical), if one is configured.
pub fn check(folder: Option<&Path>, cmd: &Command) -> ModelCheck {
    let Command::Create(create) = cmd else {
        return ModelCheck::Ok;
    };
    let Some(file) = model_file(create) else {
        return ModelCheck::Ok;
    };
    match folder {
        None => ModelCheck::NoFolder { file },
        Some(root) if inside(root, &file) => ModelCheck::Ok,
        Some(root) => ModelCheck::Missing(format!(
            "SMPL: model file {file} not found in {} (the --smpl-models folder). The viewer evaluates the \
             body with it: put the smplx-layout .npz there (convert SMPL/SMPL-H .pkl files with \
             smpl/tools/convert_pkl_to_npz.py; see docs/smpl.md)",
            root.display()
        )),
    }
}

/// A folder flag's folder as the relay uses it (`--smpl-models`, `--assets`): canonical
/// (symlinks resolved), or `None` with a warning naming `flag` and what is lost (`without`)
/// when it cannot be opened.
pub fn canonical_folder(dir: Option<PathBuf>, flag: &str, without: &str) -> Option<PathBuf> {
    let dir = dir?;
    match dir.canonicalize() {
        Ok(real) if real.is_dir() => Some(real),
        Ok(_) | Err(_) => {
            tracing::warn!(dir = %dir.display(), "{flag} is not a readable folder; {without}");
            None
        }
    }
}

/// Answers `GET /models/<path>`: the file from `folder`, or 404 with the reason as text.
pub async fn serve(folder: Option<&Path>, req: Request<Body>) -> Response {
    let path = req
        .uri()
        .path()
        .strip_prefix(URL_PREFIX.trim_end_matches('/'))
        .unwrap_or("");
    let Some(root) = folder else {
        return (
            StatusCode::NOT_FOUND,
            "this relay serves no SMPL models: start it with --smpl-models DIR (see docs/smpl.md)",
        )
            .into_response();
    };
    let Some(file) = crate::statics::resolve(root, path)
        .await
        .filter(|f| f != &root.join("index.html"))
    else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "SMPL model file {} is not in the relay's --smpl-models folder",
                path.trim_start_matches('/')
            ),
        )
            .into_response();
    };
    match ServeFile::new(file).oneshot(req).await {
        Ok(resp) => resp.into_response(),
        Err(e) => match e {},
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::{Envelope, NdArray};

    fn smpl(opts: &[(&str, &str)]) -> Command {
        let body = NdArray::from_f32(&[1, 69], &[0.0; 69]).unwrap();
        let mut env = Envelope::new(10, Some(1)).with_kwarg("poses_body", body);
        for (k, v) in opts {
            if *k == "model_type" && *v != "smpl" {
                let body = NdArray::from_f32(&[1, 63], &[0.0; 63]).unwrap();
                env = env.with_kwarg("poses_body", body);
            }
            env = env.with_kwarg(k, Value::from(*v));
        }
        Command::from_envelope(env).unwrap()
    }

    fn file(cmd: &Command) -> Option<String> {
        match cmd {
            Command::Create(c) => model_file(c),
            _ => None,
        }
    }

    #[test]
    fn files_follow_the_smplx_layout() {
        assert_eq!(file(&smpl(&[])).unwrap(), "smpl/SMPL_NEUTRAL.npz");
        assert_eq!(file(&smpl(&[("gender", "male")])).unwrap(), "smpl/SMPL_MALE.npz");
        assert_eq!(
            file(&smpl(&[("model_type", "smplh")])).unwrap(),
            "smplh/SMPLH_FEMALE.npz"
        );
        assert_eq!(
            file(&smpl(&[("model_type", "smplx"), ("gender", "female")])).unwrap(),
            "smplx/SMPLX_FEMALE.npz"
        );
    }

    #[test]
    fn check_names_the_file_and_the_folder() {
        let base = std::env::temp_dir().join(format!("meshcast-models-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("models/smpl")).unwrap();
        std::fs::write(base.join("models/smpl/SMPL_MALE.npz"), b"x").unwrap();
        std::fs::write(base.join("outside.npz"), b"x").unwrap();
        let root = base.join("models").canonicalize().unwrap();
        assert_eq!(check(Some(&root), &smpl(&[("gender", "male")])), ModelCheck::Ok);
        match check(Some(&root), &smpl(&[])) {
            ModelCheck::Missing(m) => {
                assert!(m.contains("smpl/SMPL_NEUTRAL.npz"), "{m}");
                assert!(m.contains(&root.display().to_string()), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            check(None, &smpl(&[])),
            ModelCheck::NoFolder {
                file: "smpl/SMPL_NEUTRAL.npz".into()
            }
        );
        let other = Command::from_envelope(Envelope::new(200, None).with_arg(Value::Int(3))).unwrap();
        assert_eq!(check(Some(&root), &other), ModelCheck::Ok);
        #[cfg(unix)]
        {
            // A symlink out of the folder does not count.
            std::os::unix::fs::symlink(base.join("outside.npz"), base.join("models/smpl/SMPL_FEMALE.npz")).unwrap();
            assert!(matches!(
                check(Some(&root), &smpl(&[("gender", "female")])),
                ModelCheck::Missing(_)
            ));
        }
        let _ = std::fs::remove_dir_all(base);
    }
}
