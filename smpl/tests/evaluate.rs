//! Pure-Rust checks of the evaluation maths on small hand-built models.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::f32::consts::FRAC_PI_2;

use meshcast_smpl::{
    vertex_normals, Evaluator, FrameParams, ModelParts, Rows, SequenceOptions, SequenceParams, SmplError, SmplModel,
};

fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() < tol, "index {i}: {x} vs {y}\n{a:?}\n{b:?}");
    }
}

/// A 2-joint chain: joint 0 at (0,1,0) (regressed from vertex 1), joint 1 at (0,2,0)
/// (vertex 2). Vertices 0 and 1 follow the root, vertex 2 follows joint 1.
/// One shape direction moves every vertex by +x; pose correctives are zero except that
/// joint 1's first feature moves vertex 0 by +z.
fn chain() -> SmplModel {
    let v_template = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0];
    let shapedirs = vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut posedirs = vec![0.0; 9 * 9];
    posedirs[2 * 9] = 1.0; // vertex 0, z, feature 0
    SmplModel::from_parts(ModelParts {
        v_template,
        shapedirs,
        num_shape_dirs: 1,
        posedirs,
        j_regressor: vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        weights: vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        parents: vec![-1, 0],
        faces: vec![0, 1, 2],
    })
    .unwrap()
}

fn eval(m: &SmplModel, p: &FrameParams<'_>) -> (Vec<f32>, Vec<f32>) {
    let mut v = vec![0.0; m.num_vertices() * 3];
    let mut j = vec![0.0; m.num_joints() * 3];
    m.evaluate(p, &mut v, &mut j).unwrap();
    (v, j)
}

#[test]
fn rest_pose_is_template_plus_translation() {
    let m = chain();
    let t = [0.5, -1.0, 2.0];
    let (v, j) = eval(
        &m,
        &FrameParams {
            trans: t,
            ..Default::default()
        },
    );
    let expected: Vec<f32> = m
        .v_template()
        .chunks(3)
        .flat_map(|p| [p[0] + t[0], p[1] + t[1], p[2] + t[2]])
        .collect();
    assert_eq!(v, expected, "θ = 0, β = 0 must give v_template + t exactly");
    assert_eq!(j, vec![0.5, 0.0, 2.0, 0.5, 1.0, 2.0]);
}

#[test]
fn root_rotation_pivots_about_the_root_joint() {
    let m = chain();
    let p = FrameParams {
        poses_root: [0.0, 0.0, FRAC_PI_2],
        trans: [10.0, 0.0, 0.0],
        ..Default::default()
    };
    let (v, j) = eval(&m, &p);
    // (1,0,0) about J0=(0,1,0) by +90° around z → (1,2,0); (0,2,0) → (-1,1,0).
    assert_close(&v, &[11.0, 2.0, 0.0, 10.0, 1.0, 0.0, 9.0, 1.0, 0.0], 1e-6);
    assert_close(&j, &[10.0, 1.0, 0.0, 9.0, 1.0, 0.0], 1e-6);
}

#[test]
fn child_rotation_moves_only_its_vertices_and_adds_correctives() {
    let m = chain();
    // 90° about z at joint 1: R − I has entry (0,0) = −1 → vertex 0 gets z −= 1 (pose blend).
    let p = FrameParams {
        poses_body: &[0.0, 0.0, FRAC_PI_2],
        ..Default::default()
    };
    let (v, j) = eval(&m, &p);
    assert_close(&v[..6], &[1.0, 0.0, -1.0, 0.0, 1.0, 0.0], 1e-6);
    // Vertex 2 sits at joint 1 itself, so rotating about it leaves it in place.
    assert_close(&v[6..], &[0.0, 2.0, 0.0], 1e-6);
    assert_close(&j, &[0.0, 1.0, 0.0, 0.0, 2.0, 0.0], 1e-6);
}

#[test]
fn betas_shift_template_and_joints_and_are_cached() {
    let m = chain();
    let mut ev = Evaluator::new(&m);
    let (mut v, mut j) = (vec![0.0; 9], vec![0.0; 6]);
    for _ in 0..3 {
        ev.evaluate(
            &FrameParams {
                betas: &[0.5],
                ..Default::default()
            },
            &mut v,
            &mut j,
        )
        .unwrap();
    }
    assert_eq!(ev.shape_evaluations(), 1, "same betas must reuse the cached shape");
    assert_close(&v, &[1.5, 0.0, 0.0, 0.5, 1.0, 0.0, 0.5, 2.0, 0.0], 1e-6);
    assert_close(&j, &[0.5, 1.0, 0.0, 0.5, 2.0, 0.0], 1e-6);
    ev.evaluate(
        &FrameParams {
            betas: &[0.0],
            ..Default::default()
        },
        &mut v,
        &mut j,
    )
    .unwrap();
    assert_eq!(ev.shape_evaluations(), 2);
    assert_eq!(v, m.v_template());
}

#[test]
fn include_root_false_zeroes_root_and_translation() {
    let m = chain();
    let poses_body = [0.1, 0.2, 0.3, 0.0, 0.0, 0.0];
    let params = SequenceParams {
        poses_body: &poses_body,
        poses_root: &[0.3, -0.2, 1.0, 0.5, 0.5, 0.5],
        trans: &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        ..Default::default()
    };
    let opts = SequenceOptions {
        include_root: false,
        ..Default::default()
    };
    let out = m.evaluate_sequence(&params, &opts).unwrap();
    let plain = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &poses_body,
                ..Default::default()
            },
            &Default::default(),
        )
        .unwrap();
    assert_eq!(out.vertices, plain.vertices);
    assert_eq!(out.joints, plain.joints);
    assert_eq!(out.num_frames, 2);
    assert_eq!(out.joint_rotations.len(), 2 * 2 * 9);
}

#[test]
fn normalize_root_makes_frame_zero_canonical() {
    let m = chain();
    let root = [0.4, -1.1, 0.7, 0.9, 0.2, -0.3];
    let trans = [1.0, 2.0, 3.0, -1.0, 0.5, 2.0];
    let body = [0.0, 0.0, 0.5, 0.2, 0.0, 0.0];
    let opts = SequenceOptions {
        normalize_root: true,
        ..Default::default()
    };
    let out = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &body,
                poses_root: &root,
                trans: &trans,
                ..Default::default()
            },
            &opts,
        )
        .unwrap();
    // Frame 0 equals the same body pose with identity root and zero translation.
    let (v0, j0) = eval(
        &m,
        &FrameParams {
            poses_body: &body[..3],
            ..Default::default()
        },
    );
    assert_close(&out.vertices[..9], &v0, 1e-5);
    assert_close(&out.joints[..6], &j0, 1e-5);
    // Frame 1: the whole body transformed by R0⁻¹ relative to frame 0's placement. Relative
    // geometry is preserved: distances between vertices equal the unnormalised ones.
    let raw = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &body,
                poses_root: &root,
                trans: &trans,
                ..Default::default()
            },
            &Default::default(),
        )
        .unwrap();
    let d = |v: &[f32], a: usize, b: usize| {
        ((v[a * 3] - v[b * 3]).powi(2) + (v[a * 3 + 1] - v[b * 3 + 1]).powi(2) + (v[a * 3 + 2] - v[b * 3 + 2]).powi(2))
            .sqrt()
    };
    let (n1, r1) = (&out.vertices[9..], &raw.vertices[9..]);
    assert!((d(n1, 0, 2) - d(r1, 0, 2)).abs() < 1e-5);
    // And the rigid map raw→normalised is the same for both frames: x_n = R0ᵀ(x_raw − t0) + c.
    let map = |x: &[f32]| -> [f32; 3] {
        let r0 = meshcast_smpl::rotation::rodrigues([0.4, -1.1, 0.7]);
        let p = [f64::from(x[0] - 1.0), f64::from(x[1] - 2.0), f64::from(x[2] - 3.0)];
        let q = meshcast_smpl::rotation::mul_vec(&meshcast_smpl::rotation::transpose(&r0), p);
        [q[0] as f32, q[1] as f32, q[2] as f32]
    };
    let offset: Vec<f32> = (0..3).map(|c| out.vertices[c] - map(&raw.vertices[..3])[c]).collect();
    for vi in 0..3 {
        let mapped = map(&raw.vertices[9 + vi * 3..12 + vi * 3]);
        let got = &out.vertices[9 + vi * 3..12 + vi * 3];
        assert_close(
            got,
            &[mapped[0] + offset[0], mapped[1] + offset[1], mapped[2] + offset[2]],
            1e-5,
        );
    }
}

#[test]
fn shared_and_per_frame_betas() {
    let m = chain();
    let body = [0.0; 6];
    let shared = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &body,
                betas: Rows::new(&[0.5], 1),
                ..Default::default()
            },
            &Default::default(),
        )
        .unwrap();
    let per_frame = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &body,
                betas: Rows::new(&[0.5, 0.5], 1),
                ..Default::default()
            },
            &Default::default(),
        )
        .unwrap();
    assert_eq!(shared.vertices, per_frame.vertices);
    assert_close(&shared.vertices[9..12], &[1.5, 0.0, 0.0], 1e-6);
    // num_betas = 0 drops the shape entirely.
    let none = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &body,
                betas: Rows::new(&[0.5], 1),
                ..Default::default()
            },
            &SequenceOptions {
                num_betas: 0,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(&none.vertices[..9], m.v_template());
}

#[test]
fn error_cases() {
    let m = chain();
    let (mut v, mut j) = (vec![0.0; 9], vec![0.0; 6]);
    let err = m
        .evaluate(
            &FrameParams {
                poses_body: &[0.0; 4],
                ..Default::default()
            },
            &mut v,
            &mut j,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            SmplError::BadParameter {
                name: "poses_body",
                found: 4,
                ..
            }
        ),
        "{err}"
    );
    let err = m
        .evaluate(
            &FrameParams {
                poses_left_hand: &[0.0; 45],
                ..Default::default()
            },
            &mut v,
            &mut j,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            SmplError::BadParameter {
                name: "poses_left_hand",
                ..
            }
        ),
        "{err}"
    );
    let err = m
        .evaluate(
            &FrameParams {
                poses_jaw: [0.1, 0.0, 0.0],
                ..Default::default()
            },
            &mut v,
            &mut j,
        )
        .unwrap_err();
    assert!(
        matches!(err, SmplError::BadParameter { name: "poses_jaw", .. }),
        "{err}"
    );
    let err = m.evaluate(&FrameParams::default(), &mut v[..6], &mut j).unwrap_err();
    assert!(
        matches!(
            err,
            SmplError::BadOutput {
                name: "out_vertices",
                ..
            }
        ),
        "{err}"
    );
    let seq = |p: SequenceParams<'_>| m.evaluate_sequence(&p, &Default::default()).unwrap_err();
    let err = seq(SequenceParams {
        poses_body: &[0.0; 7],
        ..Default::default()
    });
    assert!(
        matches!(err, SmplError::BadParameter { name: "poses_body", .. }),
        "{err}"
    );
    let err = seq(SequenceParams {
        poses_body: &[0.0; 6],
        trans: &[0.0; 3],
        ..Default::default()
    });
    assert!(matches!(err, SmplError::BadParameter { name: "trans", .. }), "{err}");
    let err = seq(SequenceParams {
        poses_body: &[0.0; 9],
        betas: Rows::new(&[0.0; 2], 1),
        ..Default::default()
    });
    assert!(matches!(err, SmplError::BadParameter { name: "betas", .. }), "{err}");
    assert!(err.to_string().contains("betas"));
}

#[test]
fn normals_of_the_chain_triangle() {
    let m = chain();
    let n = vertex_normals(m.v_template(), m.faces());
    // The triangle lies in z = 0, wound clockwise seen from +z.
    assert_close(&n, &[0.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, -1.0], 1e-6);
}

#[test]
fn rotations_come_with_the_frames_and_match_the_sequence() {
    let m = chain();
    let poses_body = [0.0, 0.0, 0.5, 0.2, 0.0, 0.0];
    let poses_root = [0.3, -0.2, 1.0, 0.0, 0.0, 0.0];
    let seq = m
        .evaluate_sequence(
            &SequenceParams {
                poses_body: &poses_body,
                poses_root: &poses_root,
                ..Default::default()
            },
            &Default::default(),
        )
        .unwrap();
    let frames: Vec<FrameParams<'_>> = (0..2)
        .map(|f| FrameParams {
            poses_body: &poses_body[f * 3..f * 3 + 3],
            poses_root: poses_root[f * 3..f * 3 + 3].try_into().unwrap(),
            ..Default::default()
        })
        .collect();
    let (mut v, mut j, mut r) = (vec![0.0; 18], vec![0.0; 12], vec![0.0; 36]);
    let mut ev = Evaluator::new(&m);
    ev.evaluate_many_with_rotations(&frames, &mut v, &mut j, &mut r)
        .unwrap();
    assert_close(&r, &seq.joint_rotations, 1e-6);
    assert_close(&j, &seq.joints, 1e-6);
    // Frame 1's root does not turn: joint 0 keeps the identity.
    assert_close(&r[18..27], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], 1e-6);
    let mut short = vec![0.0; 35];
    assert!(ev
        .evaluate_many_with_rotations(&frames, &mut v, &mut j, &mut short)
        .is_err());
}
