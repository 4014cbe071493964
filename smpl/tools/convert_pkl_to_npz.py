#!/usr/bin/env python3
"""Convert a licensed SMPL / SMPL-H model file (.pkl) to the plain .npz meshcast reads.

The official SMPL and SMPL-H .pkl files are Python-2 pickles holding chumpy arrays and a
scipy.sparse J_regressor. This script needs only numpy: when chumpy or scipy are not
installed, their pickled objects are rebuilt from their saved state by small stand-in
classes. (If they are installed, they are used.) SMPL-X .npz files can be passed too: their
plain arrays are copied and the object arrays dropped.

    python3 convert_pkl_to_npz.py SMPL_NEUTRAL.pkl smpl/SMPL_NEUTRAL.npz

Output keys: v_template (V,3) f32, shapedirs (V,3,S) f32, posedirs (V,3,P) f32,
J_regressor (J,V) f32 dense, weights (V,J) f32, kintree_table (2,J) int32 (root parent -1),
f (F,3) int32. Nothing else is needed by meshcast-smpl.
"""
import argparse
import pickle
import sys

import numpy as np

KEYS = ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table", "f")


class _Stub:
    """Stands in for a chumpy or scipy.sparse class: keeps the pickled state."""

    def __init__(self, *args, **kwargs):
        self._args = args

    def __setstate__(self, state):
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self._state = state


def _stub_class(module, name):
    return type(name, (_Stub,), {"_module": module})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.startswith("chumpy") or module.startswith("scipy"):
            try:
                return super().find_class(module, name)
            except (ImportError, AttributeError):
                return _stub_class(module, name)
        return super().find_class(module, name)


def to_dense(obj):
    """ndarray, chumpy array, scipy sparse matrix or their stand-ins -> dense ndarray."""
    if isinstance(obj, np.ndarray):
        return obj
    if hasattr(obj, "toarray"):  # real scipy.sparse
        return obj.toarray()
    if hasattr(obj, "r") and not isinstance(obj, _Stub):  # real chumpy
        return np.asarray(obj.r)
    d = getattr(obj, "__dict__", {})
    if "indptr" in d and "indices" in d and "data" in d:  # scipy csc/csr stand-in
        shape = d.get("_shape", d.get("shape"))
        fmt = d.get("format") or getattr(obj, "_module", "") + type(obj).__name__
        dense = np.zeros(shape, dtype=np.float64)
        indptr, indices, data = d["indptr"], d["indices"], d["data"]
        csc = "csc" in str(fmt) or type(obj).__name__.startswith("csc")
        for k in range(len(indptr) - 1):
            for p in range(indptr[k], indptr[k + 1]):
                if csc:
                    dense[indices[p], k] = data[p]
                else:
                    dense[k, indices[p]] = data[p]
        return dense
    if "x" in d:  # chumpy Ch stand-in
        return np.asarray(d["x"])
    raise TypeError(f"cannot convert {type(obj).__name__} to an array (state keys: {sorted(d)})")


def load(path):
    if path.endswith(".npz"):
        data = np.load(path, allow_pickle=True)
        return {k: data[k] for k in data.files}
    with open(path, "rb") as fh:
        return _Unpickler(fh, encoding="latin1").load()


def convert(src, dst):
    data = load(src)
    missing = [k for k in KEYS if k not in data]
    if missing:
        sys.exit(f"{src}: missing keys {missing}")
    out = {}
    for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights"):
        out[k] = to_dense(data[k]).astype(np.float32)
    kt = to_dense(data["kintree_table"]).astype(np.int64)
    kt[0, 0] = -1
    out["kintree_table"] = kt.astype(np.int32)
    out["f"] = to_dense(data["f"]).astype(np.int32)
    np.savez(dst, **out)
    v, j = out["v_template"].shape[0], out["kintree_table"].shape[1]
    print(f"wrote {dst}: {v} vertices, {out['f'].shape[0]} faces, {j} joints, "
          f"{out['shapedirs'].shape[-1]} shape directions")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", help="SMPL/SMPL-H .pkl (or SMPL-X .npz)")
    ap.add_argument("dst", help="output .npz")
    args = ap.parse_args()
    convert(args.src, args.dst)


if __name__ == "__main__":
    main()
