//! Mesh geometry on the CPU: faces, area-weighted vertex normals, the per-corner layout used
//! for per-face colours, and the unique edges of the wireframe overlay.

use std::collections::HashSet;

use glam::Vec3;
use meshcast_scene::Node;

/// A mesh's fixed connectivity and how its vertices are laid out on the GPU.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MeshTopology {
    /// Triangles (indices into the node's vertices).
    pub faces: Vec<[u32; 3]>,
    /// Vertices per frame of the node.
    pub n_vertices: usize,
    /// One GPU vertex per face corner (needed for per-face colours); otherwise one per vertex
    /// with an index buffer.
    pub per_corner: bool,
    /// Unique edges as index pairs into the GPU vertex layout.
    pub edges: Vec<[u32; 2]>,
}

impl MeshTopology {
    /// Reads the faces of a Meshes node (validated in range by the protocol).
    pub(crate) fn of(node: &Node) -> Option<MeshTopology> {
        let mesh = node.mesh()?;
        let n_vertices = mesh.vertices()?.frame_shape().first().copied()?;
        let raw = mesh.faces()?.to_i64_vec();
        let faces: Vec<[u32; 3]> = raw
            .chunks_exact(3)
            .filter_map(|f| {
                let ok = f.iter().all(|&i| i >= 0 && (i as usize) < n_vertices);
                ok.then(|| [f[0] as u32, f[1] as u32, f[2] as u32])
            })
            .collect();
        let per_corner = mesh.face_colors().is_some();
        let edges = unique_edges(&faces, per_corner);
        Some(MeshTopology {
            faces,
            n_vertices,
            per_corner,
            edges,
        })
    }

    /// GPU vertices per frame.
    pub(crate) fn gpu_vertices(&self) -> usize {
        if self.per_corner {
            self.faces.len() * 3
        } else {
            self.n_vertices
        }
    }

    /// The index buffer of the per-vertex layout.
    pub(crate) fn indices(&self) -> Vec<u32> {
        self.faces.iter().flatten().copied().collect()
    }
}

/// Each undirected edge once. For the per-corner layout the indices point at the corner of the
/// first face that has the edge.
fn unique_edges(faces: &[[u32; 3]], per_corner: bool) -> Vec<[u32; 2]> {
    let mut seen = HashSet::with_capacity(faces.len() * 2);
    let mut out = Vec::with_capacity(faces.len() * 3 / 2);
    for (fi, f) in faces.iter().enumerate() {
        for (c0, c1) in [(0, 1), (1, 2), (2, 0)] {
            let (a, b) = (f[c0], f[c1]);
            if a == b || !seen.insert((a.min(b), a.max(b))) {
                continue;
            }
            if per_corner {
                out.push([(fi * 3 + c0) as u32, (fi * 3 + c1) as u32]);
            } else {
                out.push([a, b]);
            }
        }
    }
    out
}

/// Area-weighted vertex normals (the sum of the adjacent faces' cross products, normalised).
/// Vertices on no face get +Y.
pub(crate) fn vertex_normals(positions: &[Vec3], faces: &[[u32; 3]]) -> Vec<Vec3> {
    let mut acc = vec![Vec3::ZERO; positions.len()];
    for f in faces {
        let [a, b, c] = f.map(|i| i as usize);
        let (Some(pa), Some(pb), Some(pc)) = (positions.get(a), positions.get(b), positions.get(c)) else {
            continue;
        };
        let n = (*pb - *pa).cross(*pc - *pa);
        acc[a] += n;
        acc[b] += n;
        acc[c] += n;
    }
    acc.into_iter().map(|n| n.normalize_or(Vec3::Y)).collect()
}

/// Ray–triangle intersection (Möller–Trumbore, both sides): the ray parameter of the hit.
pub(crate) fn ray_triangle(o: Vec3, d: Vec3, a: Vec3, b: Vec3, c: Vec3) -> Option<f32> {
    let e1 = b - a;
    let e2 = c - a;
    let p = d.cross(e2);
    let det = e1.dot(p);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv = 1.0 / det;
    let s = o - a;
    let u = s.dot(p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = s.cross(e1);
    let v = d.dot(q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = e2.dot(q) * inv;
    (t > 0.0).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normals_are_area_weighted() {
        // Two triangles sharing vertex 0: a big one in the XY plane (normal +Z) and a small one
        // in the XZ plane (normal −Y). The shared normal leans to the big one.
        let p = [
            Vec3::ZERO,
            Vec3::new(10.0, 0.0, 0.0),
            Vec3::new(0.0, 10.0, 0.0),
            Vec3::new(0.0, 0.0, 1.0),
        ];
        let n = vertex_normals(&p, &[[0, 1, 2], [0, 1, 3]]);
        assert!((n[2] - Vec3::Z).length() < 1e-6);
        assert!(n[0].z > 0.9 && n[0].y < -0.05, "{}", n[0]);
        assert!((n[0].length() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn edges_are_unique() {
        let faces = [[0, 1, 2], [2, 1, 3]];
        assert_eq!(unique_edges(&faces, false).len(), 5);
        let corner = unique_edges(&faces, true);
        assert_eq!(corner.len(), 5);
        assert!(corner.iter().flatten().all(|&i| i < 6));
    }

    #[test]
    fn ray_hits_triangle() {
        let (a, b, c) = (Vec3::ZERO, Vec3::X, Vec3::Y);
        let t = ray_triangle(Vec3::new(0.2, 0.2, 1.0), -Vec3::Z, a, b, c);
        assert_eq!(t, Some(1.0));
        assert_eq!(ray_triangle(Vec3::new(0.8, 0.8, 1.0), -Vec3::Z, a, b, c), None);
        assert_eq!(ray_triangle(Vec3::new(0.2, 0.2, 1.0), Vec3::Z, a, b, c), None);
    }
}
