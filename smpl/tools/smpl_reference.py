#!/usr/bin/env python3
"""Independent numpy reference for SMPL / SMPL-H / SMPL-X evaluation (float64).

Written from the spec ("Part A.5 - Forward kinematics and skinning", matching smplx.lbs) and
aitviewer's SMPLSequence rules, as plain dense numpy, to check the Rust implementation.

    python3 smpl_reference.py --model MODEL.npz --params DIR --out OUT.npz
        [--num-betas 10] [--num-expression 10] [--no-include-root] [--normalize-root]

DIR holds one .npy file per parameter, with aitviewer's names: poses_body (N, body) is
required; poses_root (N,3), betas (1,B) or (N,B), trans (N,3), poses_left_hand /
poses_right_hand (N,45), poses_jaw / poses_leye / poses_reye (N,3), expression (N,E) or (1,E)
are optional (zeros when absent). OUT.npz gets vertices (N,V,3) and joints (N,J,3), written
with np.savez_compressed.
"""
import argparse
import os

import numpy as np


def rodrigues(aa):
    """(K,3) axis-angle -> (K,3,3), with smplx's epsilon: angle = |aa + 1e-8|."""
    angle = np.linalg.norm(aa + 1e-8, axis=1, keepdims=True)
    k = aa / angle
    kx, ky, kz = k[:, 0], k[:, 1], k[:, 2]
    zero = np.zeros_like(kx)
    K = np.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], axis=1).reshape(-1, 3, 3)
    s = np.sin(angle)[:, :, None]
    c = np.cos(angle)[:, :, None]
    return np.eye(3)[None] + s * K + (1 - c) * (K @ K)


def load_model(path):
    d = np.load(path, allow_pickle=True)
    m = {k: np.asarray(d[k]) for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights",
                                       "kintree_table", "f")}
    m = {k: (v.astype(np.float64) if k not in ("kintree_table", "f") else v) for k, v in m.items()}
    if m["shapedirs"].ndim == 2:
        m["shapedirs"] = m["shapedirs"][:, :, None]
    parents = m["kintree_table"][0].astype(np.int64).copy()
    parents[0] = -1
    m["parents"] = parents
    return m


def evaluate(m, params, num_betas=10, num_expression=10, include_root=True, normalize_root=False):
    nv = m["v_template"].shape[0]
    nj = len(m["parents"])
    model_type = {24: "smpl", 52: "smplh", 55: "smplx"}.get(nj, "generic")
    S = m["shapedirs"].shape[2]

    pb = np.asarray(params["poses_body"], dtype=np.float64)
    n = pb.shape[0]

    def get(name, width):
        v = params.get(name)
        return np.zeros((n, width)) if v is None else np.asarray(v, dtype=np.float64).reshape(n, width)

    root = get("poses_root", 3)
    trans = get("trans", 3)
    if not include_root:
        root = np.zeros_like(root)
        trans = np.zeros_like(trans)
    if normalize_root:
        R = rodrigues(root)
        R0inv = R[0].T
        # Use the normalised rotation matrices directly (aitviewer round-trips through axis-angle).
        root_mats = R0inv[None] @ R
        trans = trans @ R0inv.T - trans[0] @ R0inv.T
    else:
        root_mats = rodrigues(root)

    # Shape coefficients: smplx caps num_betas at 10 below 300 shape columns, else at 300.
    nb = min(num_betas, min(S, 10) if S < 300 else 300)
    betas_in = np.asarray(params.get("betas", np.zeros((1, nb))), dtype=np.float64)
    betas_in = betas_in.reshape(-1, betas_in.shape[-1])
    betas = np.zeros((betas_in.shape[0], nb))
    w = min(nb, betas_in.shape[1])
    betas[:, :w] = betas_in[:, :w]
    betas = np.repeat(betas, n, axis=0) if betas.shape[0] == 1 else betas
    dirs = m["shapedirs"][:, :, :nb]
    coeffs = betas
    if model_type == "smplx":
        if S < 400:
            start, count = 10, min(10, max(S - 10, 0))
        else:
            start, count = 300, 100
        ne = min(num_expression, count)
        expr_in = params.get("expression")
        expr = np.zeros((n, ne))
        if expr_in is not None and ne > 0:
            e = np.asarray(expr_in, dtype=np.float64)
            e = e.reshape(-1, e.shape[-1])
            e = np.repeat(e, n, axis=0) if e.shape[0] == 1 else e
            ww = min(ne, e.shape[1])
            expr[:, :ww] = e[:, :ww]
        dirs = np.concatenate([dirs, m["shapedirs"][:, :, start:start + ne]], axis=2)
        coeffs = np.concatenate([betas, expr], axis=1)

    # Full pose per frame, in smplx order.
    if model_type == "smpl":
        parts = [pb]
    elif model_type == "smplh":
        parts = [pb, get("poses_left_hand", 45), get("poses_right_hand", 45)]
    elif model_type == "smplx":
        parts = [pb, get("poses_jaw", 3), get("poses_leye", 3), get("poses_reye", 3),
                 get("poses_left_hand", 45), get("poses_right_hand", 45)]
    else:
        parts = [pb]
    rest_pose = np.concatenate(parts, axis=1).reshape(n, -1, 3)
    assert rest_pose.shape[1] == nj - 1, (rest_pose.shape, nj)

    posedirs = m["posedirs"].reshape(nv * 3, -1)  # (V*3, P)
    parents = m["parents"]
    verts_out = np.zeros((n, nv, 3))
    joints_out = np.zeros((n, nj, 3))
    for f in range(n):
        v_shaped = m["v_template"] + dirs @ coeffs[f]                       # step 2
        J = m["J_regressor"] @ v_shaped                                      # step 3
        R = np.concatenate([root_mats[f:f + 1], rodrigues(rest_pose[f])])   # step 4
        p = (R[1:] - np.eye(3)).reshape(-1)                                  # step 5
        v_posed = v_shaped + (posedirs @ p).reshape(nv, 3)
        G = np.zeros((nj, 4, 4))                                             # step 6
        for j in range(nj):
            local = np.eye(4)
            local[:3, :3] = R[j]
            local[:3, 3] = J[j] if parents[j] < 0 else J[j] - J[parents[j]]
            G[j] = local if parents[j] < 0 else G[parents[j]] @ local
        A = G.copy()
        A[:, :3, 3] = G[:, :3, 3] - np.einsum("jab,jb->ja", G[:, :3, :3], J)
        T = np.einsum("vj,jab->vab", m["weights"], A)                        # step 7
        vh = np.concatenate([v_posed, np.ones((nv, 1))], axis=1)
        verts_out[f] = np.einsum("vab,vb->va", T, vh)[:, :3] + trans[f]      # step 8
        joints_out[f] = G[:, :3, 3] + trans[f]
    return verts_out, joints_out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--params", required=True, help="directory of <name>.npy parameter files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--num-betas", type=int, default=10)
    ap.add_argument("--num-expression", type=int, default=10)
    ap.add_argument("--no-include-root", action="store_true")
    ap.add_argument("--normalize-root", action="store_true")
    args = ap.parse_args(argv)
    m = load_model(args.model)
    params = {}
    for name in os.listdir(args.params):
        if name.endswith(".npy"):
            params[name[:-4]] = np.load(os.path.join(args.params, name))
    verts, joints = evaluate(m, params, args.num_betas, args.num_expression,
                             include_root=not args.no_include_root, normalize_root=args.normalize_root)
    np.savez_compressed(args.out, vertices=verts, joints=joints)


if __name__ == "__main__":
    main()
