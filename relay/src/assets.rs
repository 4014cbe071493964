//! Texture files for aitviewer clients (`--assets DIR`): aitviewer's `path_to_texture` names a
//! file on the viewer's machine, so a pickle client sends only the path. The relay reads it
//! from the assets folder (and nowhere else: a path that leads outside it, symlinks included,
//! is refused), decodes it (PNG, JPEG, or aitviewer's `.pkl`/`.pickle` holding a raw
//! `(H, W, 3|4)` array) and puts the image into the mesh's creation as its `texture`, so
//! viewers, late joiners and recordings all get the image itself.
//!
//! Policy, as for SMPL model files: without `--assets` the mesh is accepted untextured with a
//! warning in the log; with it, a file that is missing, outside the folder or not an image
//! rejects the mesh with an error that names the file and the folder.

use std::path::Path;

use meshcast_protocol::{Command, CreateNode, NdArray, NodeKind, Value};

/// The largest texture file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// What [`resolve`] did with a command.
#[derive(Debug)]
pub enum Resolved {
    /// Nothing to resolve: the command as it was, or with its `texture` read from the folder.
    Ok(Command),
    /// A mesh names a texture file but the relay has no `--assets` folder: accepted without it.
    NoFolder(Command, String),
    /// The texture could not be read: the message for the client.
    Refused(String),
}

/// Reads the texture a mesh creation names by `path_to_texture` from `folder` (canonical),
/// when it has no `texture` of its own.
pub fn resolve(folder: Option<&Path>, cmd: Command) -> Resolved {
    let Command::Create(create) = &cmd else {
        return Resolved::Ok(cmd);
    };
    let path = match create.options.get("path_to_texture").and_then(Value::as_str) {
        Some(p) if create.kind == NodeKind::Meshes && !create.fields.contains_key("texture") => p.to_owned(),
        _ => return Resolved::Ok(cmd),
    };
    let Some(root) = folder else {
        return Resolved::NoFolder(cmd, path);
    };
    let refused = |why: String| {
        Resolved::Refused(format!(
            "MESHES uid {}: path_to_texture {path:?}: {why} (the --assets folder is {})",
            create.uid,
            root.display()
        ))
    };
    let image = match read(root, &path) {
        Ok(a) => a,
        Err(why) => return refused(why),
    };
    match with_texture(create, image) {
        Ok(c) => Resolved::Ok(Command::Create(c)),
        Err(why) => refused(why),
    }
}

/// The image file `path` names inside `root`: relative to it, or absolute and inside it.
fn read(root: &Path, path: &str) -> Result<NdArray, String> {
    let real = root
        .join(path)
        .canonicalize()
        .map_err(|_| "no such file in the assets folder".to_owned())?;
    if !real.starts_with(root) {
        return Err("it leads outside the assets folder; the relay reads textures only from there".into());
    }
    let meta = std::fs::metadata(&real).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("the file has {} bytes, more than {MAX_FILE_BYTES}", meta.len()));
    }
    let bytes = std::fs::read(&real).map_err(|e| e.to_string())?;
    let ext = real
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "pkl" | "pickle") {
        let value = meshcast_pickle::decode(&bytes, &meshcast_pickle::Limits::default()).map_err(|e| e.to_string())?;
        return value
            .to_ndarray()
            .ok_or_else(|| format!("the pickle holds {}, not an (H, W, 3|4) array", value.type_name()));
    }
    meshcast_protocol::image::decode(&bytes).map_err(|e| e.to_string())
}

/// The creation with `texture` added, validated again (channels, size, `uv_coords`).
fn with_texture(create: &CreateNode, image: NdArray) -> Result<CreateNode, String> {
    let env = create.to_envelope().with_kwarg("texture", image);
    CreateNode::parse(create.kind, &env).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use meshcast_protocol::Envelope;

    use super::*;

    fn png(path: &Path) {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 1, 1);
        enc.set_color(png::ColorType::Rgb);
        enc.write_header().unwrap().write_image_data(&[1, 2, 3]).unwrap();
        std::fs::write(path, out).unwrap();
    }

    fn mesh(path: &str) -> Command {
        let env = Envelope::new(2, Some(7))
            .with_kwarg("vertices", NdArray::from_f32(&[3, 3], &[0.0; 9]).unwrap())
            .with_kwarg("faces", NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap())
            .with_kwarg("uv_coords", NdArray::from_f32(&[3, 2], &[0.0; 6]).unwrap())
            .with_kwarg("path_to_texture", Value::Str(path.into()));
        Command::from_envelope(env).unwrap()
    }

    fn texture(r: Resolved) -> NdArray {
        match r {
            Resolved::Ok(Command::Create(c)) => c.fields["texture"].clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_relative_and_absolute_paths_inside_the_folder_only() {
        let dir = std::env::temp_dir().join(format!("meshcast-assets-{}", std::process::id()));
        let root = dir.join("assets");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        png(&root.join("sub/a.png"));
        png(&dir.join("secret.png"));
        let root = root.canonicalize().unwrap();
        assert_eq!(
            texture(resolve(Some(&root), mesh("sub/a.png"))).data().as_ref(),
            [1, 2, 3]
        );
        let abs = root.join("sub/a.png").display().to_string();
        assert_eq!(texture(resolve(Some(&root), mesh(&abs))).shape(), [1, 1, 3]);
        for (path, why) in [
            ("../secret.png", "outside"),
            (dir.join("secret.png").to_str().unwrap(), "outside"),
            ("missing.png", "no such file"),
            ("sub", "not a file"),
        ] {
            match resolve(Some(&root), mesh(path)) {
                Resolved::Refused(m) => assert!(m.contains(why) && m.contains("--assets"), "{path}: {m}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(matches!(resolve(None, mesh("sub/a.png")), Resolved::NoFolder(_, p) if p == "sub/a.png"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
