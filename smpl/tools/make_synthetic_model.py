#!/usr/bin/env python3
"""Write a synthetic SMPL-layout body model (.npz) with the real array sizes.

The arrays have the layout and dimensions the `smplx` package reads (6,890 vertices,
13,776 faces, 24 joints with SMPL's kinematic tree, 207 pose-blend dimensions), but the
values are made up: a star-shaped "humanoid" surface around a T-posed skeleton, smooth
random shape and pose blend shapes of small magnitude, sparse skinning weights (at most 4
nonzero per vertex, rows sum to 1) and a sparse joint regressor (rows sum to 1). It is
deterministic for a given seed and needs only numpy. It is NOT the licensed SMPL model.

    python3 make_synthetic_model.py --out synthetic_smpl.npz [--num-betas 10] [--seed 0]

Options for tests: --model-type smplh|smplx (52 / 55 joints on the same mesh),
--num-expression E (SMPL-X expression columns), --dtype float64, --index-dtype
int64|uint32, --compressed (deflate instead of stored entries).
"""
import argparse
import sys

import numpy as np

SMPL_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21]

# Rest joint positions (metres, y up, +x is the body's left), T-pose.
SMPL_JOINTS = np.array([
    [0.00, 0.00, 0.00],    # 0 pelvis
    [0.06, -0.09, 0.00],   # 1 left hip
    [-0.06, -0.09, 0.00],  # 2 right hip
    [0.00, 0.11, -0.02],   # 3 spine1
    [0.10, -0.47, 0.01],   # 4 left knee
    [-0.10, -0.47, 0.01],  # 5 right knee
    [0.00, 0.24, 0.00],    # 6 spine2
    [0.08, -0.87, -0.03],  # 7 left ankle
    [-0.08, -0.87, -0.03],  # 8 right ankle
    [0.00, 0.30, 0.02],    # 9 spine3
    [0.11, -0.93, 0.09],   # 10 left foot
    [-0.11, -0.93, 0.09],  # 11 right foot
    [0.00, 0.52, -0.01],   # 12 neck
    [0.08, 0.42, -0.01],   # 13 left collar
    [-0.08, 0.42, -0.01],  # 14 right collar
    [0.00, 0.60, 0.04],    # 15 head
    [0.18, 0.45, -0.02],   # 16 left shoulder
    [-0.18, 0.45, -0.02],  # 17 right shoulder
    [0.43, 0.43, -0.04],   # 18 left elbow
    [-0.43, 0.43, -0.04],  # 19 right elbow
    [0.68, 0.43, -0.03],   # 20 left wrist
    [-0.68, 0.43, -0.03],  # 21 right wrist
    [0.76, 0.42, -0.04],   # 22 left hand
    [-0.76, 0.42, -0.04],  # 23 right hand
])

# Capsule radius of the bone that ends at each joint (bone parent -> joint).
BONE_RADIUS = [0.0, 0.09, 0.09, 0.13, 0.07, 0.07, 0.14, 0.05, 0.05, 0.15, 0.04, 0.04,
               0.06, 0.07, 0.07, 0.06, 0.06, 0.06, 0.045, 0.045, 0.04, 0.04, 0.035, 0.035]


def skeleton(model_type):
    """Parents and rest joints for smpl (24), smplh (52) or smplx (55) joints."""
    if model_type == "smpl":
        return list(SMPL_PARENTS), SMPL_JOINTS.copy(), list(BONE_RADIUS)
    parents = SMPL_PARENTS[:22]
    joints = [j for j in SMPL_JOINTS[:22]]
    radius = BONE_RADIUS[:22]
    if model_type == "smplx":
        head = SMPL_JOINTS[15]
        for off, r in (([0.0, -0.04, 0.06], 0.03), ([0.03, 0.04, 0.08], 0.012), ([-0.03, 0.04, 0.08], 0.012)):
            parents.append(15)
            joints.append(head + np.array(off))
            radius.append(r)
    for side, wrist in ((1.0, 20), (-1.0, 21)):
        for finger in range(5):
            parent = wrist
            for k in range(3):
                base = SMPL_JOINTS[wrist]
                joints.append(base + np.array([side * (0.05 + 0.03 * k), -0.005 * k, (finger - 2) * 0.02]))
                parents.append(parent)
                radius.append(0.01)
                parent = len(joints) - 1
    return parents, np.array(joints), radius


def sphere_mesh(rings=84, segments=82):
    """A UV sphere with 2 + rings*segments vertices and 2*rings*segments faces."""
    theta = np.pi * np.arange(1, rings + 1) / (rings + 1)
    phi = 2 * np.pi * np.arange(segments) / segments
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    ring = np.stack([st * np.cos(phi), np.broadcast_to(ct, (rings, segments)), st * np.sin(phi)], axis=-1)
    dirs = np.concatenate([[[0.0, 1.0, 0.0]], ring.reshape(-1, 3), [[0.0, -1.0, 0.0]]])
    idx = 1 + np.arange(rings * segments).reshape(rings, segments)
    nxt = np.roll(idx, -1, axis=1)
    top = np.stack([np.zeros(segments, dtype=np.int64), nxt[0], idx[0]], axis=1)
    bottom_pole = len(dirs) - 1
    bottom = np.stack([np.full(segments, bottom_pole), idx[-1], nxt[-1]], axis=1)
    a, b, c, d = idx[:-1], nxt[:-1], idx[1:], nxt[1:]
    quads = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3), np.stack([b, d, c], -1).reshape(-1, 3)])
    faces = np.concatenate([top, quads, bottom])
    # Make the winding point outwards (positive signed volume).
    v0, v1, v2 = dirs[faces[:, 0]], dirs[faces[:, 1]], dirs[faces[:, 2]]
    if np.einsum("ij,ij->", v0, np.cross(v1, v2)) < 0:
        faces = faces[:, ::-1]
    return dirs, faces


def segment_distance(points, a, b):
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(ab @ ab, 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[..., None] * ab), axis=-1)


def build(num_betas, num_expression, seed, model_type):
    rng = np.random.default_rng(seed)
    parents, joints, radius = skeleton(model_type)
    nj = len(parents)

    # Bones as capsules; each bone is owned by the joint whose rotation moves it (the parent),
    # and leaf joints get a short extension bone of their own.
    bones = []  # (a, b, radius, owner)
    children = {j: [] for j in range(nj)}
    for j in range(1, nj):
        children[parents[j]].append(j)
        bones.append((joints[parents[j]], joints[j], radius[j], parents[j]))
    for j in range(1, nj):
        if not children[j]:
            d = joints[j] - joints[parents[j]]
            d = d / max(np.linalg.norm(d), 1e-9)
            ext = {15: 0.14}.get(j, 0.06 if radius[j] > 0.02 else 0.015)
            bones.append((joints[j], joints[j] + ext * d, max(radius[j], 0.01) * (1.6 if j == 15 else 1.0), j))

    # Star-shaped surface: along each sphere direction from the chest, the farthest point inside
    # any capsule.
    dirs, faces = sphere_mesh()
    centre = np.array([0.0, 0.15, 0.0])
    ts = np.linspace(0.02, 1.1, 160)
    pts = centre + dirs[:, None, :] * ts[None, :, None]  # (V, T, 3)
    inside = np.zeros(pts.shape[:2], dtype=bool)
    for a, b, r, _ in bones:
        inside |= segment_distance(pts, a, b) < r
    last = np.where(inside.any(axis=1), inside.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1), 5)
    radii = ts[last]
    # Smooth the radius over the mesh a little to soften the silhouette.
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    for _ in range(2):
        acc = np.zeros_like(radii)
        cnt = np.zeros_like(radii)
        np.add.at(acc, edges[:, 0], radii[edges[:, 1]])
        np.add.at(cnt, edges[:, 0], 1.0)
        radii = 0.5 * radii + 0.5 * acc / cnt
    v_template = centre + dirs * radii[:, None]
    nv = len(v_template)

    # Skinning weights: the 4 nearest owning joints, inverse-distance weighted.
    dist = np.full((nv, nj), np.inf)
    for a, b, _, owner in bones:
        dist[:, owner] = np.minimum(dist[:, owner], segment_distance(v_template, a, b))
    k = min(4, nj)
    nearest = np.argsort(dist, axis=1)[:, :k]
    dn = np.take_along_axis(dist, nearest, axis=1)
    w = 1.0 / (dn + 0.01) ** 4
    w /= w.sum(axis=1, keepdims=True)
    weights = np.zeros((nv, nj))
    np.put_along_axis(weights, nearest, w, axis=1)

    # Joint regressor: the 12 vertices nearest each joint, random positive weights summing to 1.
    j_regressor = np.zeros((nj, nv))
    for j in range(nj):
        near = np.argsort(np.linalg.norm(v_template - joints[j], axis=1))[:12]
        r = rng.uniform(0.5, 1.5, size=len(near))
        j_regressor[j, near] = r / r.sum()

    def smooth_fields(ncols, scale):
        """(V, 3, ncols) smooth random fields: sums of a few sinusoids of the position."""
        kf = 6
        freq = rng.normal(0.0, 3.0, size=(3, kf))
        phase = rng.uniform(0, 2 * np.pi, size=kf)
        basis = np.sin(v_template @ freq + phase)  # (V, kf)
        coef = rng.normal(0.0, 1.0, size=(kf, 3 * ncols)) * np.repeat(scale, 3)[None, :] / np.sqrt(kf)
        return (basis @ coef).reshape(nv, ncols, 3).transpose(0, 2, 1)

    # Shape: column 0 scales the body about the pelvis (height), the rest are smooth bumps.
    shape_scale = 0.02 / (1.0 + np.arange(num_betas))
    shapedirs = smooth_fields(num_betas, shape_scale)
    shapedirs[:, :, 0] += 0.03 * v_template
    if num_expression:
        expr = smooth_fields(num_expression, 0.005 * np.ones(num_expression))
        head = np.clip((v_template[:, 1] - 0.5) / 0.1, 0.0, 1.0)  # only the head moves
        shapedirs = np.concatenate([shapedirs, expr * head[:, None, None]], axis=2)

    # Pose correctives: smooth fields, localised by the weight of the joint they belong to.
    npose = (nj - 1) * 9
    posedirs = smooth_fields(npose, 0.01 * np.ones(npose))
    local = np.repeat(weights[:, 1:], 9, axis=1)  # (V, P)
    posedirs *= local[:, None, :]

    kintree = np.array([parents, list(range(nj))], dtype=np.int64)
    kintree[0, 0] = 4294967295  # as in the real SMPL files; readers overwrite it with -1
    return dict(v_template=v_template, shapedirs=shapedirs, posedirs=posedirs, J_regressor=j_regressor,
                weights=weights, kintree_table=kintree, f=faces)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output .npz path")
    ap.add_argument("--num-betas", type=int, default=10, help="shape directions (10 to 300)")
    ap.add_argument("--num-expression", type=int, default=None,
                    help="SMPL-X expression directions (default 10 for smplx, else 0)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model-type", choices=["smpl", "smplh", "smplx"], default="smpl")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--index-dtype", choices=["int32", "int64", "uint32"], default="int32")
    ap.add_argument("--compressed", action="store_true", help="deflate the npz entries")
    args = ap.parse_args(argv)
    if args.num_betas < 1:
        sys.exit("--num-betas must be at least 1")
    ne = args.num_expression if args.num_expression is not None else (10 if args.model_type == "smplx" else 0)
    if ne and args.model_type != "smplx":
        sys.exit("--num-expression needs --model-type smplx")
    arrays = build(args.num_betas, ne, args.seed, args.model_type)
    for key in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights"):
        arrays[key] = arrays[key].astype(args.dtype)
    arrays["f"] = arrays["f"].astype(args.index_dtype)
    save = np.savez_compressed if args.compressed else np.savez
    with open(args.out, "wb") as fh:
        save(fh, **arrays)


if __name__ == "__main__":
    main()
