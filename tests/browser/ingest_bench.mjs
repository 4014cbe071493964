// Browser ingest benchmark: how fast the meshcast page takes in frames, beside the browser's own
// limit, in one run. Prints figures, asserts nothing.
//
//   cargo build --release -p meshcast-relay && trunk build --release
//   cd tests/browser && node ingest_bench.mjs [--backend webgl|webgpu|both] [--runs 5] [--stream 10000 | --no-stream] [--paced]
//
// The relay is the RELEASE build ($MESHCAST_RELAY_BIN, else <target>/release/meshcast-relay).
// Per backend (headless Chromium, SwiftShader), for 1,000 frames of a 6,890-vertex mesh (SMPL's
// size: 82,680 bytes a frame, 82.7 MB) sent as 1,000 messages and as one message:
//   - baseline: a plain JavaScript WebSocket (binaryType 'arraybuffer') in a page on the relay's
//     own origin, counting the messages and bytes it gets from /viewer, no decoding: the
//     browser's own limit;
//   - meshcast: the viewer page (paused), until the node has the 1,000 frames in its scene;
// each from just before the first message is sent (the messages are encoded before) until the
// consumer has the frames, timed by the consumer page itself: the plain socket's onmessage of
// the frames' last message; the viewer's `stats().sceneChangedAtMs`, when the message that
// completed the frames was applied. Both are read once the consumer has handled a small marker
// message sent after the frames (the viewer's `onMessage(handler, {types: [MARK]})`, which runs
// after the messages before it were applied and copies no frame into JavaScript); the time
// until the marker is printed too. Chromium hands a page the message after an 82 MB one either
// at once or ~0.3 s later, to both consumers alike, so that time says more about Chromium than
// about the consumer. Polling the page from here instead would also count the frame the viewer
// draws once the stream has ended: the poll waits behind it. That frame is reported apart
// ("picture drawn at"): until the redraw the page had pending at the marker is drawn. "Heap
// warmed": memory the page made ready while announced messages arrived (`core::heap`). One
// warm-up, then the median of --runs runs,
// alternating the two, each after the previous page was closed and the new one opened, with a
// second for the browser to settle after each (closing a page makes its renderer wait for the GPU
// process; a new viewer page's first frames build pipelines, seconds of SwiftShader's time); and
// the ratio. Only one consumer is connected at a time (two would share the 2 cores).
// The producer (node `ws`, messages encoded before the clock starts) queues all messages at
// once by default. That holds its event loop while it masks them (82 MB in JavaScript, a few
// hundred milliseconds here), and once the kernel's buffer is full the socket idles meanwhile:
// a pause in the stream that comes from the producer. With --paced it sends as a client that
// waits for its socket does: never more than SEND_AHEAD_BYTES queued in the process, so the
// socket is fed all along and the consumers, not the producer, set the pace.
// Then streaming: --stream frames (default 10,000) appended one ADD_FRAMES message each to the
// page, the time at every 1,000 frames the page has (marked by the page itself: see `stream`),
// and the last 1,000 against the first.

import path from 'node:path';
import fs from 'node:fs';

import WebSocket from 'ws';

import { MSG, NdArray, envelope, i32, uvSphere } from './send.mjs';
import { TARGET, allowPageErrors, startRelay, launch, openViewer, sleep } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const backends = opt('--backend', 'both') === 'both' ? ['webgl', 'webgpu'] : [opt('--backend')];
const RUNS = Number(opt('--runs', '5'));
const STREAM = argv.includes('--no-stream') ? 0 : Number(opt('--stream', '10000'));
const PACED = argv.includes('--paced');
/** Bytes the --paced producer queues ahead of its socket. */
const SEND_AHEAD_BYTES = 4 << 20;
const RELAY = process.env.MESHCAST_RELAY_BIN ?? path.join(TARGET, 'release', 'meshcast-relay');
if (!fs.existsSync(RELAY)) throw new Error(`${RELAY} missing: cargo build --release -p meshcast-relay`);

const BODY = uvSphere([0, 0, 0], 0.3, 52, 129);
const V = BODY.vertices.length / 3;
if (V !== 6890) throw new Error(`test mesh has ${V} vertices`);
const F = BODY.faces.length / 3;
const N = 1000;
const UID = 1;
/** The marker message's type (a user message): sent after the frames, seen by the consumer. */
const MARK = 10001;
const marker = () => envelope(MARK, null, {});
/** Time for the browser to settle after a page is opened and after one is closed. */
const SETTLE_MS = 1000;

/** Frame `f` of the body (bobbing), written into `out` at float offset `o`. */
function bodyFrame(f, out, o) {
  const dy = 0.1 * Math.sin((2 * Math.PI * f) / N);
  for (let k = 0; k < V; k++) {
    out[o + 3 * k] = BODY.vertices[3 * k];
    out[o + 3 * k + 1] = BODY.vertices[3 * k + 1] + dy;
    out[o + 3 * k + 2] = BODY.vertices[3 * k + 2];
  }
}

const faces = i32([F, 3], BODY.faces);
const frame = (f) => {
  const a = new Float32Array(V * 3);
  bodyFrame(f, a, 0);
  return new NdArray('f32', [1, V, 3], a);
};

/** The producer's messages, encoded once: 1,000 frames as 1,000 messages or as one. */
function encoded(mode, n = N) {
  if (mode === 'one message') {
    const all = new Float32Array(n * V * 3);
    for (let f = 0; f < n; f++) bodyFrame(f, all, f * V * 3);
    return [envelope(MSG.MESHES, UID, { vertices: new NdArray('f32', [n, V, 3], all), faces, name: 'ingest' })];
  }
  const out = [envelope(MSG.MESHES, UID, { vertices: frame(0), faces, name: 'ingest' })];
  for (let f = 1; f < n; f++) out.push(envelope(MSG.ADD_FRAMES, UID, { vertices: frame(f) }));
  return out;
}

/** A raw producer connection: sends pre-encoded messages; `flush` waits for the relay's Ack. */
async function producer(relay) {
  const ws = new WebSocket(relay.clientUrl);
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  let seq = 0;
  const waiters = new Map();
  const errors = [];
  const { decode } = await import('@msgpack/msgpack');
  ws.on('message', (d) => {
    let m;
    try {
      m = decode(d);
    } catch {
      return;
    }
    if (m?.Ack) waiters.get(m.Ack.seq)?.();
    if (m?.Error) errors.push(m.Error);
  });
  return {
    send(bytes) {
      ws.send(bytes);
      seq += 1;
    },
    /** Sends `list` all at once, or with --paced while at most SEND_AHEAD_BYTES are queued in
     * this process (letting the event loop write the rest first). */
    async sendAll(list) {
      for (const m of list) {
        while (PACED && ws.bufferedAmount > SEND_AHEAD_BYTES) await new Promise((r) => setImmediate(r));
        this.send(m);
      }
    },
    async flush() {
      this.send(envelope(MSG.FLUSH, null));
      const want = seq;
      await new Promise((res) => waiters.set(want, res));
      if (errors.length) throw new Error(`relay rejected: ${JSON.stringify(errors)}`);
    },
    /** Bytes queued in this process, not yet written to the socket. */
    backlog: () => ws.bufferedAmount,
    close: () => ws.close(),
  };
}

/** Polls `fn` in the page every 20 ms until it is true. */
async function until(page, fn, arg, timeout = 600000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 20 });
}

/** Opens the baseline consumer: a page on the relay's origin with a plain WebSocket on /viewer. */
async function baselinePage(context, relay) {
  const page = await context.newPage();
  // Any document of the relay's origin will do (an unknown path: no viewer runs; its 404 is expected).
  allowPageErrors(page, /404/);
  await page.goto(`${relay.pageUrl}ingest-baseline`);
  await page.evaluate(async () => {
    const b = { messages: 0, bytes: 0, at: [] };
    window.__baseline = b;
    const ws = new WebSocket(`ws://${location.host}/viewer`);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      b.messages += 1;
      b.bytes += e.data.byteLength;
      b.at.push(performance.now());
    };
    await new Promise((res, rej) => {
      ws.onopen = res;
      ws.onerror = rej;
    });
    // Hello and the (empty) snapshot.
    while (b.messages < 3) await new Promise((r) => setTimeout(r, 10));
  });
  return page;
}

/** One baseline run: ms until the page's socket got the frames' last message and the marker,
 * and the bytes. */
async function baselineRun(context, relay, msgs) {
  const page = await baselinePage(context, relay);
  await sleep(SETTLE_MS);
  const seen = await page.evaluate(() => window.__baseline.messages);
  const p = await producer(relay);
  // The relay tells viewers of the new client first: not part of the frames.
  await page.waitForFunction((n) => window.__baseline.messages > n, seen, { polling: 10 });
  const before = await page.evaluate(() => window.__baseline.messages);
  const bytesBefore = await page.evaluate(() => window.__baseline.bytes);
  const t0 = await page.evaluate(() => performance.now());
  const sendStart = performance.now();
  await p.sendAll(msgs);
  const sendMs = performance.now() - sendStart;
  p.send(marker());
  await until(page, (n) => window.__baseline.messages >= n, before + msgs.length + 1);
  const { data, mark, total } = await page.evaluate((n) => {
    const b = window.__baseline;
    return { data: b.at[n - 1], mark: b.at[n], total: b.bytes };
  }, before + msgs.length);
  await page.close();
  await clear(p);
  await sleep(SETTLE_MS);
  return { ms: data - t0, mark: mark - t0, bytes: total - bytesBefore, sendMs };
}

/** One meshcast page run: ms until the page's node has all frames; the page's decode/apply ms. */
async function pageRun(context, relay, backend, msgs) {
  const page = await openViewer(context, relay, backend);
  const before = await page.evaluate((type) => {
    window.__meshcast.pause();
    window.__mark = null;
    window.__meshcast.onMessage(
      () => {
        const s = window.__meshcast.stats();
        window.__mark = {
          at: performance.now(),
          data: s.sceneChangedAtMs,
          frames: window.__meshcast.nodes()[0]?.frames,
          pending: s.redrawPending,
        };
      },
      { types: [type] },
    );
    return window.__meshcast.stats();
  }, MARK);
  // The page's first frames (pipelines to build: seconds of the GPU process's time on SwiftShader)
  // are not part of the ingest.
  await sleep(SETTLE_MS);
  const p = await producer(relay);
  const t0 = await page.evaluate(() => performance.now());
  const sendStart = performance.now();
  await p.sendAll(msgs);
  const sendMs = performance.now() - sendStart;
  p.send(marker());
  await until(page, () => window.__mark !== null);
  const mark = await page.evaluate(() => window.__mark);
  if (mark.frames !== N) throw new Error(`the page had ${mark.frames} frames at the marker, not ${N}`);
  // The picture with all the frames' data: the frame the page still had to draw at the marker
  // (none: the last frame drawn showed them all already).
  const shown = mark.pending
    ? await (await page.waitForFunction(() => !window.__meshcast.stats().redrawPending && performance.now(), null, { timeout: 600000, polling: 20 })).jsonValue()
    : mark.at;
  const after = await page.evaluate(() => window.__meshcast.stats());
  await page.close();
  await clear(p);
  await sleep(SETTLE_MS);
  return {
    ms: mark.data - t0,
    mark: mark.at - t0,
    sendMs,
    shown: shown - t0,
    warmed: after.bytesWarmed - before.bytesWarmed,
    decode: after.decodeMs - before.decodeMs,
    apply: after.applyMs - before.applyMs,
    deferred: (after.redrawsDeferred ?? 0) - (before.redrawsDeferred ?? 0),
    drawn: after.framesRendered - before.framesRendered,
  };
}

/** Deletes the node (so the next consumer's snapshot is empty) and closes the producer. */
async function clear(p) {
  await p.flush();
  p.send(envelope(MSG.DELETE, UID));
  await p.flush();
  p.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => `${Math.round(x).toLocaleString('en-US')} ms`;

/** Streams `n` frames one message each into a paused page; returns ms at every 1,000 frames.
 * The page marks them itself: a user message after every 1,000th frame, seen by an onMessage
 * handler (messages are handled in order, so the frames before it are in the scene by then).
 * Polling the page from here would not do: its timers wait behind the queued messages. */
async function stream(context, relay, backend, n) {
  const page = await openViewer(context, relay, backend);
  await page.evaluate(() => {
    window.__meshcast.pause();
    window.__marks = [];
    window.__meshcast.onMessage(() => window.__marks.push(performance.now()), { types: [10001] });
  });
  const p = await producer(relay);
  const t0 = await page.evaluate(() => performance.now());
  // Encoded as it goes, with at most 16 MB waiting in this process (not all 827 MB at once).
  p.send(envelope(MSG.MESHES, UID, { vertices: frame(0), faces, name: 'stream' }));
  for (let f = 1; f < n; f++) {
    while (p.backlog() > 16e6) await sleep(1);
    p.send(envelope(MSG.ADD_FRAMES, UID, { vertices: frame(f % N) }));
    if ((f + 1) % 1000 === 0) p.send(envelope(10001, null, { frames: f + 1 }));
  }
  await page.waitForFunction((k) => window.__marks.length >= k, Math.floor(n / 1000), { timeout: 600000, polling: 100 });
  const marks = (await page.evaluate(() => window.__marks)).map((t) => t - t0);
  const after = await page.evaluate(() => window.__meshcast.stats());
  await page.close();
  await clear(p);
  return { marks, drawn: after.framesRendered, deferred: after.redrawsDeferred ?? 0 };
}

console.log(`relay: ${RELAY}`);
console.log(`${N.toLocaleString('en-US')} frames × ${V.toLocaleString('en-US')} vertices (${((N * V * 12) / 1e6).toFixed(1)} MB); median of ${RUNS} runs after a warm-up; headless Chromium on SwiftShader; producer ${PACED ? "paced (--paced)" : "queues all at once"}`);
for (const backend of backends) {
  const relay = await startRelay({ bin: RELAY });
  const browser = await launch(backend);
  try {
    console.log(`\n[${backend}]`);
    for (const mode of ['1,000 messages', 'one message']) {
      const msgs = encoded(mode);
      const base = [];
      const mc = [];
      for (let r = 0; r <= RUNS; r++) {
        const b = await baselineRun(browser.context, relay, msgs);
        const m = await pageRun(browser.context, relay, backend, msgs);
        if (r > 0) {
          base.push(b);
          mc.push(m);
        }
      }
      const bMs = median(base.map((x) => x.ms));
      const mMs = median(mc.map((x) => x.ms));
      const bMark = median(base.map((x) => x.mark));
      const mMark = median(mc.map((x) => x.mark));
      const mb = (x) => `${(x / 1e6).toFixed(1)} MB`;
      console.log(
        `${mode.padEnd(14)}: plain JS WebSocket ${fmt(bMs)} (${mb(base[0].bytes)}) | ` +
          `meshcast page ${fmt(mMs)} (decode ${fmt(median(mc.map((x) => x.decode)))}, apply ${fmt(median(mc.map((x) => x.apply)))}, ` +
          `heap warmed ${mb(median(mc.map((x) => x.warmed)))}, ` +
          `picture drawn at ${fmt(median(mc.map((x) => x.shown)))}, ` +
          `${median(mc.map((x) => x.drawn))} frames drawn, ${median(mc.map((x) => x.deferred))} redraws put off) | ` +
          `ratio ${(mMs / bMs).toFixed(2)}× | runs: JS ${base.map((x) => Math.round(x.ms)).join(' ')}, page ${mc.map((x) => Math.round(x.ms)).join(' ')} | ` +
          `the producer's sends returned after ${fmt(median([...base, ...mc].map((x) => x.sendMs)))}`,
      );
      console.log(
        `${''.padEnd(14)}  the marker after them: plain JS ${fmt(bMark)} | page ${fmt(mMark)} | ratio ${(mMark / bMark).toFixed(2)}× | ` +
          `runs: JS ${base.map((x) => Math.round(x.mark)).join(' ')}, page ${mc.map((x) => Math.round(x.mark)).join(' ')}`,
      );
    }
    if (STREAM >= 2000) {
      const s = await stream(browser.context, relay, backend, STREAM);
      const per = s.marks.map((t, i) => t - (i ? s.marks[i - 1] : 0));
      console.log(
        `streaming ${STREAM.toLocaleString('en-US')} frames, one ADD_FRAMES each: page has them after ${fmt(s.marks.at(-1))}; ` +
          `per 1,000 frames: ${per.map((x) => Math.round(x)).join(' ')} ms; ` +
          `last 1,000 / first 1,000: ${(per.at(-1) / per[0]).toFixed(2)}× (${s.drawn} frames drawn, ${s.deferred} redraws put off)`,
      );
    }
  } finally {
    await browser.close();
    await relay.stop();
  }
}
