// A minimal meshcast producer client in Node, for the browser tests and the benchmark.
//
// It speaks the producer protocol of docs/protocol.md (protocol/src): every WebSocket binary frame
// is one MessagePack map {type, uid, args, kwargs}; n-d arrays travel as MessagePack extension
// type 1 with the payload [dtype u8][ndim u8][ndim x u32 LE dims][raw little-endian C-order data].
// The relay answers a FLUSH (type 900) numbered `seq` (binary frames counted from 1 per
// connection) with {"Ack": {"seq": seq}}, and every rejected message with {"Error": {...}}.

import { encode, decode, ExtensionCodec } from '@msgpack/msgpack';
import WebSocket from 'ws';

/** Message type numbers (protocol/src/message_type.rs). */
export const MSG = {
  NODE: 1,
  MESHES: 2,
  SPHERES: 3,
  LINES: 4,
  ARROWS: 5,
  RIGID_BODIES: 6,
  SMPL: 10,
  SKELETONS: 11,
  DELETE: 100,
  ADD_FRAMES: 101,
  UPDATE_FRAMES: 102,
  REMOVE_FRAMES: 103,
  SET_FRAME: 200,
  NEXT_FRAME: 201,
  PREVIOUS_FRAME: 202,
  FLUSH: 900,
};

const DTYPE_ID = { bool: 0, u8: 1, i8: 2, u16: 3, i16: 4, u32: 5, i32: 6, u64: 7, i64: 8, f16: 9, f32: 10, f64: 11 };

/** An n-d array as it travels: dtype name, shape and a typed array of the elements (C order). */
export class NdArray {
  constructor(dtype, shape, data) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`shape ${JSON.stringify(shape)} needs ${n} elements, got ${data.length}`);
    if (!(dtype in DTYPE_ID)) throw new Error(`unknown dtype ${dtype}`);
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }
}

/** A float32 array of the given shape. */
export const f32 = (shape, values) => new NdArray('f32', shape, Float32Array.from(values));
/** An int32 array of the given shape. */
export const i32 = (shape, values) => new NdArray('i32', shape, Int32Array.from(values));

const codec = new ExtensionCodec();
codec.register({
  type: 1,
  encode: (v) => {
    if (!(v instanceof NdArray)) return null;
    const head = new Uint8Array(2 + 4 * v.shape.length);
    const dv = new DataView(head.buffer);
    head[0] = DTYPE_ID[v.dtype];
    head[1] = v.shape.length;
    v.shape.forEach((d, i) => dv.setUint32(2 + 4 * i, d, true));
    // Typed arrays are little-endian on every platform Node runs on here (x86, arm).
    const body = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    const out = new Uint8Array(head.length + body.length);
    out.set(head, 0);
    out.set(body, head.length);
    return out;
  },
  decode: (bytes) => ({ ext: 1, bytes }),
});

/** Encodes one producer envelope. */
export function envelope(type, uid, kwargs = {}, args = []) {
  return encode({ type, uid: uid ?? null, args, kwargs }, { extensionCodec: codec });
}

/** One producer connection to a relay (`ws://HOST:PORT/`). */
export class Producer {
  /** Opens a connection and waits until it is open. */
  static async connect(url) {
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Producer(ws);
  }

  constructor(ws) {
    this.ws = ws;
    this.seq = 0;
    this.errors = [];
    this.fromViewer = [];
    this.waiters = new Map();
    ws.on('message', (data) => {
      let msg;
      try {
        msg = decode(data, { extensionCodec: codec });
      } catch (e) {
        this.errors.push({ message: `undecodable reply: ${e}` });
        return;
      }
      if (msg && msg.Ack) {
        const w = this.waiters.get(msg.Ack.seq);
        if (w) {
          this.waiters.delete(msg.Ack.seq);
          w();
        }
      } else if (msg && msg.Error) {
        this.errors.push(msg.Error);
      } else if (msg && msg.FromViewer) {
        this.fromViewer.push(msg.FromViewer);
      }
    });
  }

  /** Sends one message; returns its sequence number on this connection. */
  send(type, uid, kwargs = {}, args = []) {
    this.ws.send(envelope(type, uid, kwargs, args));
    this.seq += 1;
    return this.seq;
  }

  /** Sends a FLUSH and waits for its Ack (everything sent before it was handled). Throws when
   * the relay rejected any message so far. */
  async flush(timeoutMs = 60000) {
    const seq = this.send(MSG.FLUSH, null);
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no Ack for FLUSH ${seq} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(seq, () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (this.errors.length) throw new Error(`relay rejected messages: ${JSON.stringify(this.errors)}`);
  }

  /** Closes the connection. */
  close() {
    this.ws.close();
  }
}

/** An axis-aligned box mesh: 8 vertices, 12 outward-facing triangles. */
export function box(center, size) {
  const [cx, cy, cz] = center;
  const [sx, sy, sz] = Array.isArray(size) ? size : [size, size, size];
  const v = [];
  for (let i = 0; i < 8; i++) {
    v.push(cx + (i & 1 ? sx / 2 : -sx / 2), cy + (i & 2 ? sy / 2 : -sy / 2), cz + (i & 4 ? sz / 2 : -sz / 2));
  }
  // Counter-clockwise seen from outside.
  const faces = [
    [0, 2, 3], [0, 3, 1], // -z
    [4, 5, 7], [4, 7, 6], // +z
    [0, 1, 5], [0, 5, 4], // -y
    [2, 6, 7], [2, 7, 3], // +y
    [0, 4, 6], [0, 6, 2], // -x
    [1, 3, 7], [1, 7, 5], // +x
  ].flat();
  return { vertices: v, faces };
}

/** A UV sphere mesh with `rings` x `sectors` quads (for vertex-count-heavy test meshes). */
export function uvSphere(center, radius, rings, sectors) {
  const v = [];
  for (let r = 0; r <= rings; r++) {
    const th = (Math.PI * r) / rings;
    for (let s = 0; s <= sectors; s++) {
      const ph = (2 * Math.PI * s) / sectors;
      v.push(
        center[0] + radius * Math.sin(th) * Math.cos(ph),
        center[1] + radius * Math.cos(th),
        center[2] + radius * Math.sin(th) * Math.sin(ph),
      );
    }
  }
  const f = [];
  const w = sectors + 1;
  for (let r = 0; r < rings; r++) {
    for (let s = 0; s < sectors; s++) {
      const a = r * w + s;
      const b = a + w;
      f.push(a, a + 1, b, a + 1, b + 1, b);
    }
  }
  return { vertices: v, faces: f };
}
