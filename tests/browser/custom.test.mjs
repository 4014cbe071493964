// End-to-end tests of customising the browser viewer (docs/customising.md): window.meshcast
// message handlers acting on the scene for messages from the Python and the Rust clients, messages
// from the page to one client or all (meshcast and aitviewer clients), the two_way page plugin
// with the Python two_way example, and the custom viewer example crate (examples/custom-viewer).
// API behaviour does not depend on the graphics backend: these run on WebGL2 only.
//
// Prerequisites, besides those of viewer.test.mjs (dist/, the relay binary, npm ci):
//   cargo build -p meshcast-custom-viewer --example custom_client
//   cargo build -p meshcast-client --example two_way
//   trunk build --release --config examples/custom-viewer/Trunk.toml
//   the Python venv (.venv) with meshcast and aitviewer (scripts/lib.sh setup_python)
// Run: `node --test --test-concurrency=1 custom.test.mjs` here.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Producer, MSG, f32, i32, box } from './send.mjs';
import { ROOT, TARGET, allowPageErrors, startRelay, launch, openViewer, waitFor, nextFrames, shot, region } from './lib.mjs';

const BACKEND = 'webgl';
/** Python with the meshcast client and aitviewer installed. */
const PYTHON = process.env.MESHCAST_PYTHON ?? path.join(ROOT, '.venv', 'bin', 'python');
/** The Rust client half of the custom viewer example. */
const CUSTOM_CLIENT =
  process.env.MESHCAST_CUSTOM_CLIENT ?? path.join(TARGET, 'debug', 'examples', 'custom_client');
/** The custom viewer example's trunk output. */
const CUSTOM_DIST = process.env.MESHCAST_CUSTOM_DIST ?? path.join(ROOT, 'examples', 'custom-viewer', 'dist');
/** The Rust client's two_way example. */
const TWO_WAY_RS = process.env.MESHCAST_TWO_WAY_RS ?? path.join(TARGET, 'debug', 'examples', 'two_way');
const LISTEN = path.join(ROOT, 'tests', 'browser', 'clients', 'listen.py');

// Default camera (see viewer.test.mjs): world x at z = 0 → fraction of the canvas width.
const HALF_H = 2.5 * Math.tan(Math.PI / 8);
let ASPECT = 4 / 3;
const sx = (x) => 0.5 + x / (2 * HALF_H * ASPECT);
/** The same for a point at depth z (the eye is at z = 2.5). */
const sxz = (x, z) => 0.5 + x / (2 * (2.5 - z) * Math.tan(Math.PI / 8) * ASPECT);

/** Starts a program; collects its output lines. */
function startProc(cmd, args) {
  for (const f of [cmd, ...args.filter((a) => a.endsWith('.py'))]) {
    if (!fs.existsSync(f)) throw new Error(`${f} missing (see the prerequisites at the top of custom.test.mjs)`);
  }
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const p = { proc, lines: [], err: '', exited: null };
  let partial = '';
  proc.stdout.on('data', (d) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop();
    p.lines.push(...parts);
  });
  proc.stderr.on('data', (d) => (p.err += d));
  p.done = new Promise((resolve) =>
    proc.once('exit', (code, sig) => {
      if (partial) p.lines.push(partial);
      p.exited = { code, sig };
      resolve(p.exited);
    }),
  );
  /** Waits until an output line satisfies `pred`; returns it. */
  p.waitLine = async (pred, timeout = 30000) => {
    const end = performance.now() + timeout;
    for (;;) {
      const l = p.lines.find(pred);
      if (l !== undefined) return l;
      if (p.exited || performance.now() > end) {
        throw new Error(`${path.basename(cmd)} ${args.join(' ')}: no such line (exit ${JSON.stringify(p.exited)})\nstdout:\n${p.lines.join('\n')}\nstderr:\n${p.err}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  p.stop = async () => {
    if (p.exited) return;
    proc.stdin.end();
    const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
    proc.kill('SIGTERM');
    await p.done;
    clearTimeout(t);
  };
  return p;
}

/** Runs a program to its end (killed after `timeout` ms); returns its output lines. */
async function runProc(cmd, args, timeout = 60000) {
  const p = startProc(cmd, args);
  const t = setTimeout(() => p.proc.kill('SIGKILL'), timeout);
  const exit = await p.done;
  clearTimeout(t);
  assert.equal(exit.code, 0, `${path.basename(cmd)} ${args.join(' ')} failed (${JSON.stringify(exit)}):\n${p.lines.join('\n')}\n${p.err}`);
  return p.lines;
}

/** Starts listen.py; resolves once connected and known to the page, with the relay's client id. */
async function listener(page, port, flavor = 'meshcast') {
  const before = await page.evaluate(() => meshcast.clients().map((c) => c.id));
  const l = startProc(PYTHON, [LISTEN, '--port', String(port), '--flavor', flavor]);
  await l.waitLine((s) => s === 'ready');
  await waitFor(page, (n) => meshcast.clients().length === n, before.length + 1);
  const ids = await page.evaluate(() => meshcast.clients().map((c) => c.id));
  l.id = ids.find((id) => !before.includes(id));
  l.messages = () => l.lines.filter((s) => s.startsWith('{')).map((s) => JSON.parse(s));
  return l;
}

/** A JS handler in the page: for USER_MESSAGE, select the sender's node with uid kwargs.index,
 * give it kwargs.color and answer the sender. Every message is recorded in window.__seen. */
async function installHandler(page) {
  await page.evaluate(() => {
    window.__seen = [];
    meshcast.onMessage((m) => {
      window.__seen.push({ type: m.type, uid: m.uid, client: m.client, kwargs: m.kwargs, args: m.args, replay: m.replay });
      if (m.type !== 10000) return;
      const node = meshcast.nodeByRemoteUid(m.kwargs.index, m.client);
      if (!node) {
        meshcast.sendToClients({ error: `no node ${m.kwargs.index}` }, m.client);
        return;
      }
      meshcast.select(node);
      meshcast.setColor(node, m.kwargs.color);
      meshcast.sendToClients({ selected: node.uid, name: node.name }, m.client);
    });
  });
}

describe(`customising the viewer (${BACKEND})`, () => {
  let browser;
  let relay;
  let page;
  const procs = [];

  before(async () => {
    browser = await launch(BACKEND);
  });
  after(async () => {
    for (const p of procs) await p.stop();
    await page?.close();
    await browser?.close();
    await relay?.stop();
  });

  /** A fresh relay (serving `dist`) and page. */
  async function fresh({ dist, extra = '' } = {}) {
    for (const p of procs.splice(0)) await p.stop();
    await page?.close();
    await relay?.stop();
    relay = await startRelay(dist ? { dist } : {});
    page = await openViewer(browser.context, relay, BACKEND, extra);
    ASPECT = await page.evaluate(() => {
      const c = document.getElementById('mc-canvas');
      return c.clientWidth / c.clientHeight;
    });
  }

  /** Checks that cube `uid` of the custom viewer example's clients (uids 1-3 at x = -0.6, 0, 0.6) is
   * selected and coloured `rgba` (colour class `cls` on screen) and the other two kept their grey. */
  async function checkRecoloured(client, uid, rgba, cls) {
    await waitFor(page, ([c, u]) => meshcast.selected()?.client === c && meshcast.selected()?.uid === u, [client, uid]);
    const node = await page.evaluate(([c, u]) => meshcast.node(c, u), [client, uid]);
    assert.deepEqual(node.color.map((x) => Math.round(x * 100) / 100), rgba);
    assert.equal(node.name, `Cube ${uid - 1}`);
    const others = await page.evaluate((c) => meshcast.nodes().filter((n) => n.client === c && !n.selected), client);
    assert.equal(others.length, 2);
    for (const o of others) assert.deepEqual(o.color, [0.5, 0.5, 0.5, 1], `${o.name} keeps the default grey`);
    await nextFrames(page);
    const img = await shot(page, `custom-recolour-${cls}`);
    const x = -0.6 + 0.6 * (uid - 1);
    const hit = region(img, cls, [sx(x) - 0.08, 0.3, sx(x) + 0.08, 0.7]);
    assert.ok(hit.n > 300, `${cls} pixels at the cube: ${hit.n}`);
    for (const ox of [-0.6, 0, 0.6].filter((v) => v !== x)) {
      const miss = region(img, cls, [sx(ox) - 0.06, 0.3, sx(ox) + 0.06, 0.7]);
      assert.ok(miss.n < 20, `${cls} pixels at the cube at x=${ox}: ${miss.n}`);
    }
  }

  it('a page handler acts on a USER_MESSAGE with kwargs from the Python client and answers it', async () => {
    await fresh();
    await installHandler(page);
    const out = await runProc(PYTHON, [
      path.join(ROOT, 'examples', 'custom-viewer', 'client.py'),
      '--port', String(relay.port), '--index', '2', '--color', '1,0,1,1', '--wait', '20', '--expect', '1',
    ]);
    assert.ok(out.some((l) => l.includes("viewer answered {'selected': 2, 'name': 'Cube 1'}")), out.join('\n'));
    // The client has left; its nodes stay.
    const client = await page.evaluate(() => meshcast.nodes()[0].client);
    await checkRecoloured(client, 2, [1, 0, 1, 1], 'magenta');
    // The handler saw the creations (after they were applied) and the user message with its kwargs.
    const seen = await page.evaluate(() => window.__seen);
    assert.deepEqual(seen.map((m) => m.type), [2, 2, 2, 10000]);
    assert.deepEqual(seen[3].kwargs, { index: 2, color: [1, 0, 1, 1] });
    assert.deepEqual(seen[3].args, [2]);
    assert.equal(seen[3].uid, null);
    assert.ok(seen.every((m) => m.client === client && m.replay === false));
  });

  it('a page handler acts on a USER_MESSAGE with kwargs from the Rust client and answers it', async () => {
    await fresh();
    await installHandler(page);
    const out = await runProc(CUSTOM_CLIENT, [
      '--port', String(relay.port), '--index', '3', '--color', '0,1,0,1', '--wait', '20', '--expect', '1',
    ]);
    assert.ok(out.some((l) => /answered Map\(\[\(Str\("selected"\), Int\(3\)\), \(Str\("name"\), Str\("Cube 2"\)\)\]\)/.test(l)), out.join('\n'));
    // The client has left; its nodes stay.
    const client = await page.evaluate(() => meshcast.nodes()[0].client);
    await checkRecoloured(client, 3, [0, 1, 0, 1], 'green');
  });

  it('a handler registered with {types} gets only those message types; a bad option is a TypeError', async () => {
    await fresh();
    await page.evaluate(() => {
      window.__all = [];
      window.__marks = [];
      meshcast.onMessage((m) => window.__all.push(m.type));
      meshcast.onMessage((m) => window.__marks.push({ type: m.type, kwargs: m.kwargs }), { types: [10001, 10002] });
    });
    const p = await Producer.connect(relay.clientUrl);
    try {
      p.send(MSG.SPHERES, 7, { positions: f32([1, 1, 3], [0, 0, 0]) });
      p.send(10000, null, { n: 0 });
      p.send(MSG.ADD_FRAMES, 7, { positions: f32([1, 1, 3], [1, 0, 0]) });
      p.send(10001, null, { n: 1 });
      p.send(10002, null, { n: 2 });
      await p.flush();
      await waitFor(page, () => window.__all.length >= 5);
      assert.deepEqual(await page.evaluate(() => window.__all), [MSG.SPHERES, 10000, MSG.ADD_FRAMES, 10001, 10002]);
      assert.deepEqual(await page.evaluate(() => window.__marks), [
        { type: 10001, kwargs: { n: 1 } },
        { type: 10002, kwargs: { n: 2 } },
      ]);
    } finally {
      p.close();
    }
    for (const bad of [{ types: 5 }, { types: ['a'] }, { types: [1.5] }, 7]) {
      const err = await page.evaluate((b) => {
        try {
          meshcast.onMessage(() => {}, b);
          return null;
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      }, bad);
      assert.match(err ?? 'no error', /^TypeError: onMessage\(handler, options\)/, JSON.stringify(bad));
    }
  });

  it('sendToClients reaches only the targeted client, or every client (meshcast and aitviewer)', async () => {
    await fresh();
    const a = await listener(page, relay.port, 'meshcast');
    procs.push(a);
    const b = await listener(page, relay.port, 'aitviewer');
    procs.push(b);
    assert.notEqual(a.id, b.id);
    const sent = await page.evaluate((id) => meshcast.sendToClients({ to: 'a', n: [1, 2.5, 'x'], ok: true, none: null }, id), a.id);
    assert.equal(sent, true);
    await a.waitLine((s) => s.includes('"to": "a"'));
    // Give the other client time to (wrongly) receive it.
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(a.messages(), [{ type: 'dict', msg: { to: 'a', n: [1, 2.5, 'x'], ok: true, none: null } }]);
    assert.deepEqual(b.messages(), [], 'the aitviewer client got a message sent to the other one');

    await page.evaluate((id) => meshcast.sendToClients({ to: 'b' }, id), b.id);
    await b.waitLine((s) => s.includes('"to": "b"'));
    await page.evaluate(() => meshcast.sendToClients({ to: 'all', v: new Float32Array([0.5, 1.5]) }));
    await a.waitLine((s) => s.includes('"to": "all"'));
    await b.waitLine((s) => s.includes('"to": "all"'));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(a.messages().map((m) => m.msg.to), ['a', 'all']);
    assert.deepEqual(b.messages().map((m) => m.msg.to), ['b', 'all']);
    // A typed array arrives as a numpy array.
    assert.deepEqual(a.messages()[1].msg.v, [0.5, 1.5]);
    assert.deepEqual(b.messages()[1].msg.v, [0.5, 1.5]);
    // An n-d array as {dtype, shape, data} arrives as a numpy array of that shape.
    await page.evaluate((id) => meshcast.sendToClients({ to: 'nd', m: { dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) } }, id), a.id);
    const nd = JSON.parse(await a.waitLine((s) => s.includes('"to": "nd"')));
    assert.deepEqual(nd.msg.m, [[1, 2], [3, 4]]);
    // And the other way: arrays in a client's user message reach page handlers as typed arrays.
    await page.evaluate(() => {
      window.__user = [];
      meshcast.onMessage((m) => {
        if (m.type >= 10000) {
          const k = m.kwargs;
          window.__user.push({ type: m.type, dtype: k.a.dtype, shape: k.a.shape, typed: k.a.data.constructor.name, data: [...k.a.data], bytes: [...k.b], s: k.s });
        }
      });
    });
    const p = await Producer.connect(relay.clientUrl);
    try {
      p.send(10001, null, { a: f32([2, 3], [1, 2, 3, 4, 5, 6]), b: new Uint8Array([7, 8]), s: 'x' });
      await p.flush();
    } finally {
      p.close();
    }
    await waitFor(page, () => window.__user.length === 1);
    assert.deepEqual(await page.evaluate(() => window.__user[0]), {
      type: 10001, dtype: 'float32', shape: [2, 3], typed: 'Float32Array', data: [1, 2, 3, 4, 5, 6], bytes: [7, 8], s: 'x',
    });
    // What cannot be sent is refused in the page.
    const refused = await page.evaluate(() => {
      try {
        meshcast.sendToClients({ f: () => 1 });
        return 'sent';
      } catch (e) {
        return e.name;
      }
    });
    assert.equal(refused, 'TypeError');
  });

  it('the two_way plugin panel sends {name, position} to one client or all; the Python and Rust two_way examples answer with cubes', async () => {
    // The page logs the refused plugin name as an error.
    allowPageErrors(browser, /plugin name "\.\.\/evil" refused/);
    await fresh({ extra: '&plugin=two_way,../evil' });
    assert.equal(await page.evaluate(() => document.body.dataset.plugins), 'two_way');
    assert.match(await page.evaluate(() => document.body.dataset.pluginErrors), /"\.\.\/evil" refused/);
    const py = startProc(PYTHON, [path.join(ROOT, 'client', 'python', 'examples', 'two_way.py'), '--port', String(relay.port)]);
    procs.push(py);
    await waitFor(page, () => meshcast.clients().length === 1);
    const [pyId] = await page.evaluate(() => meshcast.clients().map((c) => c.id));
    const rs = startProc(TWO_WAY_RS, ['--port', String(relay.port)]);
    procs.push(rs);
    await waitFor(page, () => meshcast.clients().length === 2);
    const rsId = (await page.evaluate(() => meshcast.clients().map((c) => c.id))).find((id) => id !== pyId);
    // Floor off: the cube stands alone on the white background.
    await page.locator('#mc-show-floor').uncheck();

    async function send(name, [x, y, z], target) {
      await page.locator('#mc-tw-name').fill(name);
      await page.locator('#mc-tw-x').fill(String(x));
      await page.locator('#mc-tw-y').fill(String(y));
      await page.locator('#mc-tw-z').fill(String(z));
      await waitFor(page, (t) => [...document.querySelectorAll('#mc-tw-client option')].some((o) => o.value === t), target);
      await page.locator('#mc-tw-client').selectOption(target);
      await page.locator('#mc-tw-send').click();
      assert.match(await page.locator('#mc-tw-status').textContent(), new RegExp(`sent .*${name}.* to ${target ? 'client #' + target : 'all clients'}`));
    }

    // To the Python client only.
    await send('Panel cube', [0.6, 0, -1.5], String(pyId));
    await py.waitLine((s) => s.includes("'name': 'Panel cube'"));
    await waitFor(page, () => meshcast.nodes().some((n) => n.name === 'Panel cube'));
    const node = await page.evaluate(() => meshcast.nodes().find((n) => n.name === 'Panel cube'));
    assert.equal(node.client, pyId);
    assert.equal(node.kind, 'MESHES');
    assert.deepEqual(node.position.map((x) => Math.round(x * 100) / 100), [0.6, 0, -1.5]);
    await nextFrames(page);
    const img = await shot(page, 'custom-two-way-cube');
    // The cube (side 1, flat grey) faces the camera with x 0.1 .. 1.1 at z = -1; left of it stays empty.
    const grey = region(img, 'grey', [0, 0, 1, 1]);
    assert.ok(grey.n > 5000, `grey cube pixels: ${grey.n}`);
    assert.ok(Math.abs(grey.cx - sxz(0.6, -1)) < 0.04, `cube centre x ${grey.cx.toFixed(3)} vs ${sxz(0.6, -1).toFixed(3)}`);
    assert.ok(region(img, 'grey', [0, 0, sxz(0.1, -1) - 0.03, 1]).n < 50, 'grey pixels left of the cube');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!rs.lines.some((s) => s.includes('Panel cube')), 'the Rust client got a message sent to the Python client');
    assert.equal(await page.evaluate(() => meshcast.nodes().length), 1);

    // To every client: each answers with its own cube.
    await send('Both', [-0.6, 0, -1.5], '');
    await waitFor(page, () => meshcast.nodes().filter((n) => n.name === 'Both').length === 2);
    const both = await page.evaluate(() => meshcast.nodes().filter((n) => n.name === 'Both').map((n) => n.client));
    assert.deepEqual(both.sort(), [pyId, rsId].sort());
    assert.ok(rs.lines.some((s) => s.includes('"Both"')), rs.lines.join('\n'));
  });

  it('the custom viewer example selects new nodes and handles USER_MESSAGE (Rust handler)', async () => {
    if (!fs.existsSync(path.join(CUSTOM_DIST, 'index.html'))) {
      throw new Error(`${CUSTOM_DIST}/index.html missing: run trunk build --release --config examples/custom-viewer/Trunk.toml`);
    }
    await fresh({ dist: CUSTOM_DIST });
    // The standard page's JS API exists on the custom viewer too.
    assert.equal(await page.evaluate(() => meshcast.version), 1);
    const p = await Producer.connect(relay.clientUrl);
    try {
      const m = box([0, 0, 0], 0.2);
      p.send(MSG.MESHES, 7, { vertices: f32([8, 3], m.vertices), faces: i32([12, 3], m.faces), position: f32([3], [-0.5, 0.2, 0]), name: 'first' });
      await p.flush();
      await waitFor(page, () => meshcast.selected()?.uid === 7);
      // Centred on it.
      const target = await page.evaluate(() => window.__meshcast.camera().target);
      assert.ok(Math.abs(target[0] + 0.5) < 0.02 && Math.abs(target[1] - 0.2) < 0.02, `camera target ${target}`);
    } finally {
      p.close();
    }
    const out = await runProc(PYTHON, [
      path.join(ROOT, 'examples', 'custom-viewer', 'client.py'),
      '--port', String(relay.port), '--index', '3', '--color', '0,1,0,1', '--wait', '20', '--expect', '1',
    ]);
    assert.ok(out.some((l) => l.includes("viewer answered {'selected': 3, 'name': 'Cube 2'}")), out.join('\n'));
    const sel = await page.evaluate(() => meshcast.selected());
    assert.equal(sel.uid, 3);
    assert.equal(sel.name, 'Cube 2');
    assert.deepEqual(sel.color, [0, 1, 0, 1]);
    const target = await page.evaluate(() => window.__meshcast.camera().target);
    assert.ok(Math.abs(target[0] - 0.6) < 0.02, `camera target ${target} (cube 2 is at x = 0.6)`);
    // An index with no node: the viewer says so to that client.
    const miss = await runProc(CUSTOM_CLIENT, ['--port', String(relay.port), '--no-cubes', '--index', '9', '--wait', '20', '--expect', '1']);
    assert.ok(miss.some((l) => l.includes('no node with uid Some(9)')), miss.join('\n'));
  });
});
