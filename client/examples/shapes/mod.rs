//! Small meshes made in code for the examples: a cube, an icosphere and a torus.

#![allow(dead_code)]

use glam::Vec3;

/// A mesh: vertices and triangles.
pub struct Shape {
    pub vertices: Vec<Vec3>,
    pub faces: Vec<[u32; 3]>,
}

/// A unit cube centred at the origin (8 vertices, 12 triangles).
pub fn cube() -> Shape {
    let vertices = (0..8)
        .map(|i| Vec3::new((i & 1) as f32, ((i >> 1) & 1) as f32, ((i >> 2) & 1) as f32) - Vec3::splat(0.5))
        .collect();
    let faces = vec![
        [0, 2, 3],
        [0, 3, 1],
        [4, 5, 7],
        [4, 7, 6],
        [0, 1, 5],
        [0, 5, 4],
        [2, 6, 7],
        [2, 7, 3],
        [0, 4, 6],
        [0, 6, 2],
        [1, 3, 7],
        [1, 7, 5],
    ];
    Shape { vertices, faces }
}

/// A unit icosphere: an icosahedron subdivided `levels` times.
pub fn icosphere(levels: u32) -> Shape {
    let t = (1.0 + 5f32.sqrt()) / 2.0;
    let mut vertices: Vec<Vec3> = [
        [-1.0, t, 0.0],
        [1.0, t, 0.0],
        [-1.0, -t, 0.0],
        [1.0, -t, 0.0],
        [0.0, -1.0, t],
        [0.0, 1.0, t],
        [0.0, -1.0, -t],
        [0.0, 1.0, -t],
        [t, 0.0, -1.0],
        [t, 0.0, 1.0],
        [-t, 0.0, -1.0],
        [-t, 0.0, 1.0],
    ]
    .iter()
    .map(|v| Vec3::from_array(*v).normalize())
    .collect();
    let mut faces: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    for _ in 0..levels {
        let mut midpoints = std::collections::HashMap::new();
        let mut mid = |a: u32, b: u32, vertices: &mut Vec<Vec3>| -> u32 {
            *midpoints.entry((a.min(b), a.max(b))).or_insert_with(|| {
                vertices.push(((vertices[a as usize] + vertices[b as usize]) / 2.0).normalize());
                (vertices.len() - 1) as u32
            })
        };
        faces = faces
            .iter()
            .flat_map(|&[a, b, c]| {
                let ab = mid(a, b, &mut vertices);
                let bc = mid(b, c, &mut vertices);
                let ca = mid(c, a, &mut vertices);
                [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
            })
            .collect();
    }
    Shape { vertices, faces }
}

/// A torus around the y axis with radii `major` and `minor`.
pub fn torus(major: f32, minor: f32, segments: u32, sides: u32) -> Shape {
    let mut vertices = Vec::new();
    for i in 0..segments {
        let u = i as f32 / segments as f32 * std::f32::consts::TAU;
        for j in 0..sides {
            let w = j as f32 / sides as f32 * std::f32::consts::TAU;
            let r = major + minor * w.cos();
            vertices.push(Vec3::new(r * u.cos(), minor * w.sin(), r * u.sin()));
        }
    }
    let mut faces = Vec::new();
    for i in 0..segments {
        for j in 0..sides {
            let a = i * sides + j;
            let b = ((i + 1) % segments) * sides + j;
            let c = ((i + 1) % segments) * sides + (j + 1) % sides;
            let d = i * sides + (j + 1) % sides;
            faces.push([a, d, b]);
            faces.push([b, d, c]);
        }
    }
    Shape { vertices, faces }
}
