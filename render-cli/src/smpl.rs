//! SMPL bodies for headless rendering: the scene's SMPL nodes evaluated with the model files of
//! a local folder (the layout `meshcast-relay --smpl-models` serves: `smpl/SMPL_NEUTRAL.npz`,
//! `smplh/SMPLH_MALE.npz`, ...), by the same code the page uses.

use std::path::Path;

use meshcast_scene::Scene;
use meshcast_viewer::smpl_bodies::SmplBodies;

/// Why the SMPL bodies cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum SmplSetupError {
    /// The scene has SMPL bodies and no model folder was given.
    #[error(
        "the scene has SMPL bodies, which need their model files ({files}): pass --smpl-models DIR, \
         the folder `meshcast-relay --smpl-models` uses (see docs/smpl.md)"
    )]
    NoFolder {
        /// The files the bodies need, relative to the folder.
        files: String,
    },
    /// A model file could not be read or parsed.
    #[error("SMPL model {path}: {reason}")]
    Model {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A body cannot be evaluated with its model.
    #[error("SMPL body {client}/{uid}: {reason}")]
    Body {
        /// The node's client.
        client: u64,
        /// The node's uid.
        uid: u64,
        /// What is wrong.
        reason: String,
    },
}

/// The scene's SMPL bodies, evaluated for every frame with models from `folder`. A scene
/// without SMPL nodes needs no folder.
pub fn bodies(scene: &Scene, folder: Option<&Path>) -> Result<SmplBodies, SmplSetupError> {
    let mut bodies = SmplBodies::new();
    let files = bodies.model_requests(scene);
    if !files.is_empty() {
        let Some(folder) = folder else {
            let names: Vec<String> = files.iter().map(|f| f.path()).collect();
            return Err(SmplSetupError::NoFolder {
                files: names.join(", "),
            });
        };
        for file in files {
            let path = folder.join(file.path());
            let shown = path.display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| SmplSetupError::Model {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            bodies.load_model(file, &bytes).map_err(|e| SmplSetupError::Model {
                path: shown,
                reason: e.to_string(),
            })?;
        }
    }
    let stats = bodies.sync(scene);
    if let Some((key, status)) = bodies.problems().into_iter().next() {
        return Err(SmplSetupError::Body {
            client: key.client,
            uid: key.uid,
            reason: status.message().unwrap_or_default(),
        });
    }
    if stats.frames > 0 {
        tracing::info!(frames = stats.frames, "SMPL bodies evaluated");
    }
    Ok(bodies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scene_without_bodies_needs_no_folder() {
        assert!(bodies(&Scene::new(), None).is_ok());
    }
}
