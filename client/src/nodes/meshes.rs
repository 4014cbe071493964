//! [`RemoteMeshes`]: triangle meshes (message type 2).

use meshcast_protocol::{Kwargs, NdArray, NodeKind, Value};

use super::options::{node_setters, value_setters};
use super::{node_handle, put_opt, NodeOptions};
use crate::{ClientError, IntoArray};

const KIND: NodeKind = NodeKind::Meshes;

/// Options of [`RemoteMeshes`], with aitviewer's names and defaults.
///
/// ```
/// use meshcast_client::MeshOptions;
/// let o = MeshOptions::default().name("cube").color([1.0, 0.2, 0.2, 1.0]).flat_shading(true);
/// assert!(o.flat_shading && !o.draw_edges);
/// ```
#[derive(Debug, Clone)]
pub struct MeshOptions {
    /// Name, transform, colour (default `(0.5,0.5,0.5,1)`) and the other common arguments.
    pub node: NodeOptions,
    /// Per-vertex normals `(N,V,3)` or `(V,3)` (computed by the viewer when absent).
    pub vertex_normals: Option<NdArray>,
    /// Per-face normals `(N,F,3)` or `(F,3)`.
    pub face_normals: Option<NdArray>,
    /// Per-vertex RGBA `(V,4)` or `(N,V,4)`; replaces the uniform colour.
    pub vertex_colors: Option<NdArray>,
    /// Per-face RGBA `(F,4)` or `(N,F,4)`; wins over vertex colours.
    pub face_colors: Option<NdArray>,
    /// Texture coordinates `(V,2)`; `(0, 0)` is the image's bottom-left corner.
    pub uv_coords: Option<NdArray>,
    /// The texture image, `(H, W, 3|4)` bytes (top row first).
    pub texture: Option<NdArray>,
    /// Instances of the mesh: `(I,4,4)` or `(N,I,4,4)` transforms.
    pub instance_transforms: Option<NdArray>,
    /// One normal per face (false).
    pub flat_shading: bool,
    /// Wireframe overlay (false).
    pub draw_edges: bool,
    /// Always draw the outline (false).
    pub draw_outline: bool,
    /// Casts a shadow (true).
    pub cast_shadow: bool,
    /// Can be picked by clicking (true).
    pub pickable: bool,
    /// The data is z-up; the viewer rotates it to y-up (false).
    pub z_up: bool,
}

impl Default for MeshOptions {
    fn default() -> Self {
        Self {
            node: NodeOptions::default(),
            vertex_normals: None,
            face_normals: None,
            vertex_colors: None,
            face_colors: None,
            uv_coords: None,
            texture: None,
            instance_transforms: None,
            flat_shading: const { KIND.default_bool("flat_shading") },
            draw_edges: const { KIND.default_bool("draw_edges") },
            draw_outline: const { KIND.default_bool("draw_outline") },
            cast_shadow: const { KIND.default_bool("cast_shadow") },
            pickable: const { KIND.default_bool("pickable") },
            z_up: const { KIND.default_bool("z_up") },
        }
    }
}

node_setters!(MeshOptions);
value_setters!(MeshOptions {
    /// Sets flat shading.
    flat_shading: bool,
    /// Sets the wireframe overlay.
    draw_edges: bool,
    /// Sets the outline.
    draw_outline: bool,
    /// Sets shadow casting.
    cast_shadow: bool,
    /// Sets whether clicking picks the mesh.
    pickable: bool,
    /// Marks the data as z-up.
    z_up: bool,
});

impl MeshOptions {
    /// aitviewer's default mesh colour.
    pub const DEFAULT_COLOR: [f32; 4] = KIND.default_color();

    /// Sets per-vertex normals.
    pub fn vertex_normals(mut self, normals: impl IntoArray) -> Self {
        self.vertex_normals = self.array("vertex_normals", normals);
        self
    }

    /// Sets per-face normals.
    pub fn face_normals(mut self, normals: impl IntoArray) -> Self {
        self.face_normals = self.array("face_normals", normals);
        self
    }

    /// Sets per-vertex colours.
    pub fn vertex_colors(mut self, colors: impl IntoArray) -> Self {
        self.vertex_colors = self.array("vertex_colors", colors);
        self
    }

    /// Sets per-face colours.
    pub fn face_colors(mut self, colors: impl IntoArray) -> Self {
        self.face_colors = self.array("face_colors", colors);
        self
    }

    /// Textures the mesh with the PNG or JPEG file at `path`, read and decoded here (aitviewer's
    /// `path_to_texture`, which names a file on the viewer's machine; meshcast sends the image).
    /// `uv_coords` is `(V,2)`, `(0, 0)` being the image's bottom-left corner. A file that cannot
    /// be read is reported by the constructor.
    pub fn texture(mut self, uv_coords: impl IntoArray, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref();
        let image = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| meshcast_protocol::image::decode(&bytes).map_err(|e| e.to_string()));
        match image {
            Ok(img) => self.texture_image(uv_coords, img),
            Err(e) => {
                let msg = format!("texture {}: {e}", path.display());
                self.node.error.get_or_insert(ClientError::Invalid(msg));
                self
            }
        }
    }

    /// Textures the mesh with an image already in memory: `(H, W, 3|4)` bytes, top row first
    /// (decode a file's bytes with [`meshcast_protocol::image::decode`]).
    pub fn texture_image(mut self, uv_coords: impl IntoArray, image: impl IntoArray) -> Self {
        self.uv_coords = self.array("uv_coords", uv_coords);
        self.texture = self.array("texture", image);
        self
    }

    /// Sets instance transforms (`(I,4,4)` or `(N,I,4,4)`, row-major; `Mat4`s work).
    pub fn instance_transforms(mut self, transforms: impl IntoArray) -> Self {
        self.instance_transforms = self.array("instance_transforms", transforms);
        self
    }

    fn to_kwargs(&self) -> Result<Kwargs, ClientError> {
        let mut kw = self.node.to_kwargs(Self::DEFAULT_COLOR)?;
        put_opt(&mut kw, "vertex_normals", &self.vertex_normals);
        put_opt(&mut kw, "face_normals", &self.face_normals);
        put_opt(&mut kw, "vertex_colors", &self.vertex_colors);
        put_opt(&mut kw, "face_colors", &self.face_colors);
        put_opt(&mut kw, "uv_coords", &self.uv_coords);
        put_opt(&mut kw, "texture", &self.texture);
        put_opt(&mut kw, "instance_transforms", &self.instance_transforms);
        for (k, v) in [
            ("flat_shading", self.flat_shading),
            ("draw_edges", self.draw_edges),
            ("draw_outline", self.draw_outline),
            ("cast_shadow", self.cast_shadow),
            ("pickable", self.pickable),
            ("z_up", self.z_up),
        ] {
            kw.insert(k.into(), Value::Bool(v));
        }
        Ok(kw)
    }
}

node_handle! {
    /// Triangle meshes on the viewer: aitviewer's `RemoteMeshes`.
    ///
    /// `vertices` is `(V,3)` for one frame or `(N,V,3)` for N; `faces` is `(F,3)` indices shared by
    /// all frames. Frame operations carry vertices with the same V.
    ///
    /// ```no_run
    /// use meshcast_client::{MeshOptions, RemoteMeshes, RemoteViewer};
    /// # fn main() -> Result<(), meshcast_client::ClientError> {
    /// let v = RemoteViewer::connect("127.0.0.1")?;
    /// let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    /// let m = RemoteMeshes::new(&v, &tri, &[[0u32, 1, 2]], MeshOptions::default().name("triangle"))?;
    /// m.add_frames(&[[0.0f32, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])?; // frame 1
    /// m.update_frames(&tri, 1)?; // overwrite frame 1
    /// m.remove_frames(0)?;
    /// v.flush()?;
    /// # Ok(()) }
    /// ```
    RemoteMeshes(KIND, MeshOptions) {
        /// Creates the meshes (message MESHES). Shapes and indices are checked before sending.
        new(vertices, faces);
        frames(vertices),
        add: "Appends frames: vertices `(V,3)` for one, `(K,V,3)` for K.",
        update: "Overwrites `frames` with `vertices` (one frame, used for every index, or one per index)."
    }
}
