// SMPL helpers of the browser tests and the SMPL benchmark: a synthetic model folder in the
// smplx layout (smpl/tools/make_synthetic_model.py), deterministic random body parameters, and
// the independent numpy reference (smpl/tools/smpl_reference.py) evaluated on them.
//
// Needs python3 with numpy (MESHCAST_PYTHON picks the interpreter).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from './lib.mjs';

const PYTHON = process.env.MESHCAST_PYTHON ?? 'python3';
const TOOLS = path.join(ROOT, 'smpl', 'tools');

/** A fresh folder with `smpl/SMPL_NEUTRAL.npz` (synthetic, seed `seed`); returns its path. */
export function makeModelsDir(seed = 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-smpl-models-'));
  fs.mkdirSync(path.join(dir, 'smpl'));
  execFileSync(PYTHON, [
    path.join(TOOLS, 'make_synthetic_model.py'),
    '--out', path.join(dir, 'smpl', 'SMPL_NEUTRAL.npz'),
    '--seed', String(seed),
  ]);
  return dir;
}

/** xorshift values in [-scale, scale]. */
export function rng(seed) {
  let s = BigInt(seed) || 1n;
  const M = (1n << 64n) - 1n;
  return (n, scale) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= (s << 13n) & M;
      s ^= s >> 7n;
      s ^= (s << 17n) & M;
      out[i] = (Number(s >> 11n) / 2 ** 53 * 2 - 1) * scale;
    }
    return out;
  };
}

/** Random SMPL parameters for `n` frames: body poses, root, translation, shared betas. */
export function randomBody(n, seed = 7) {
  const r = rng(seed);
  return {
    poses_body: { shape: [n, 69], data: r(n * 69, 0.6) },
    poses_root: { shape: [n, 3], data: r(n * 3, 1.5) },
    trans: { shape: [n, 3], data: r(n * 3, 0.5) },
    betas: { shape: [1, 10], data: r(10, 1.5) },
  };
}

/** The numpy reference's vertices `(N, V, 3)` for `params` (name → {shape, data}), flattened. */
export function referenceVertices(modelPath, params, { numBetas = 10 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-smpl-ref-'));
  for (const [name, { shape, data }] of Object.entries(params)) {
    fs.writeFileSync(path.join(dir, `${name}.bin`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    fs.writeFileSync(path.join(dir, `${name}.shape`), JSON.stringify(shape));
  }
  const out = path.join(dir, 'vertices.bin');
  const script = `
import json, os, sys
import numpy as np
sys.path.insert(0, ${JSON.stringify(TOOLS)})
import smpl_reference as R
d = ${JSON.stringify(dir)}
params = {}
for f in os.listdir(d):
    if f.endswith('.bin'):
        name = f[:-4]
        shape = json.load(open(os.path.join(d, name + '.shape')))
        params[name] = np.fromfile(os.path.join(d, f), dtype='<f4').reshape(shape)
verts, joints = R.evaluate(R.load_model(${JSON.stringify(modelPath)}), params, num_betas=${numBetas})
verts.astype('<f4').tofile(${JSON.stringify(out)})
`;
  execFileSync(PYTHON, ['-c', script]);
  const buf = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** Largest absolute difference of two equally long arrays (NaN counts as infinite). */
export function maxAbsError(a, b) {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}
