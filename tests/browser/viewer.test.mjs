// End-to-end tests of the browser viewer: the real relay (target/debug/meshcast-relay serving
// dist/), headless Chromium on SwiftShader in both WebGL2 and WebGPU modes, data sent with the
// producer protocol (send.mjs), assertions on the canvas's pixels and on the page's state.
//
// Prerequisites: `trunk build --release` (dist/), `cargo build -p meshcast-relay`, `npm ci` here.
// Run: `cd tests/browser && npm test` (or `node --test --test-concurrency=1 viewer.test.mjs`).
// Screenshots land in tests/browser/out/.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

import { Producer, MSG, f32, i32, box, uvSphere } from './send.mjs';
import {
  OUT, allowPageErrors, startRelay, launch, openViewer, waitReady, waitFor, nextFrames, shot, region, px, hue, diffShare,
} from './lib.mjs';

const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

// The default camera (eye (0,0,2.5), 45° fov) sees y in ±2.5·tan(22.5°) = ±1.0355 at z = 0, and
// x in ±1.0355·aspect. Screen positions are fractions of the canvas: sx/sy map world x/y at z = 0.
const HALF_H = 2.5 * Math.tan(Math.PI / 8);
let ASPECT = 4 / 3;
const sx = (x) => 0.5 + x / (2 * HALF_H * ASPECT);
const sy = (y) => 0.5 - y / (2 * HALF_H);

/** Every renderable kind, each in its own place and colour. */
function sendKinds(p) {
  // A red box: 0.2 wide locally, scaled ×2 and moved left by the node transform.
  const m = box([0, 0, 0], 0.2);
  p.send(MSG.MESHES, 1, {
    vertices: f32([8, 3], m.vertices),
    faces: i32([12, 3], m.faces),
    color: f32([4], [1, 0, 0, 1]),
    position: f32([3], [-0.8, 0.3, 0]),
    scale: 2.0,
    name: 'red box',
  });
  // Green spheres at the right: two instances 0.25 apart, positioned by the node.
  p.send(MSG.SPHERES, 2, {
    positions: f32([2, 3], [0, 0, 0, 0, -0.25, 0]),
    radius: 0.12,
    color: f32([4], [0, 1, 0, 1]),
    position: f32([3], [0.8, 0.35, 0]),
    name: 'green spheres',
  });
  // A blue line strip across the top.
  p.send(MSG.LINES, 3, {
    lines: f32([3, 3], [-0.4, 0.8, 0, 0, 0.85, 0, 0.4, 0.8, 0]),
    r_base: 0.035,
    color: f32([4], [0, 0, 1, 1]),
    name: 'blue lines',
  });
  // Magenta arrows along the bottom.
  p.send(MSG.ARROWS, 4, {
    origins: f32([1, 3], [-0.4, -0.6, 0]),
    tips: f32([1, 3], [0.4, -0.6, 0]),
    r_base: 0.03,
    r_head: 0.07,
    p: 0.25,
    color: f32([4], [1, 0, 1, 1]),
    name: 'magenta arrows',
  });
  // A rigid body in the middle: teal sphere, x axis red (right), y green (up), z blue.
  p.send(MSG.RIGID_BODIES, 5, {
    rb_pos: f32([1, 3], [0, 0.0, 0]),
    rb_ori: f32([1, 3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
    radius: 0.06,
    length: 0.3,
    color: f32([4], [0, 0.8, 0.8, 1]),
    name: 'rigid body',
  });
  // A transform group (draws nothing).
  p.send(MSG.NODE, 6, { name: 'group', position: f32([3], [0, 0, 0]) });
}

/** A green sphere moving from x = -1 to x = 1 over 10 frames (below the eye, so the floor, placed
 * at the scene's lowest point, is seen from above). */
function sendMovingSphere(p, uid = 1) {
  const pos = [];
  for (let i = 0; i < 10; i++) pos.push(-1 + (2 * i) / 9, -0.2, 0);
  p.send(MSG.SPHERES, uid, { positions: f32([10, 1, 3], pos), radius: 0.15, color: f32([4], [0, 1, 0, 1]), name: 'mover' });
}

const sub3 = (a, b) => a.map((v, i) => v - b[i]);
/** Rounded to 3 decimals, -0 as 0 (for deepEqual on vectors). */
const r3 = (v) => +v.toFixed(3) + 0;
const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) < tol, `${what}: ${a.toFixed(3)} not within ${tol} of ${b}`);

async function canvasPoint(page, fx, fy) {
  const bb = await page.locator('#mc-canvas').boundingBox();
  return [bb.x + fx * bb.width, bb.y + fy * bb.height];
}

for (const backend of BACKENDS) {
  describe(`viewer (${backend})`, () => {
    let browser;
    let relay;
    let page;
    let producer;

    before(async () => {
      browser = await launch(backend);
    });
    after(async () => {
      producer?.close();
      await page?.close();
      await browser?.close();
      await relay?.stop();
    });

    /** A fresh relay and page for each test. */
    async function fresh() {
      producer?.close();
      producer = undefined;
      await page?.close();
      await relay?.stop();
      relay = await startRelay();
      page = await openViewer(browser.context, relay, backend);
      ASPECT = await page.evaluate(() => {
        const c = document.getElementById('mc-canvas');
        return c.clientWidth / c.clientHeight;
      });
      producer = await Producer.connect(relay.clientUrl);
    }

    /** A fresh relay and page showing the six nodes of `sendKinds`. */
    async function freshWithKinds() {
      await fresh();
      sendKinds(producer);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 6);
    }

    it('renders every kind where it should, in its colour, over the background', async () => {
      await freshWithKinds();
      await nextFrames(page);
      const img = await shot(page, `${backend}-kinds`);
      const red = region(img, 'red', [0, 0.15, 0.42, 0.55]);
      assert.ok(red.n > 1500, `red mesh pixels: ${red.n}`);
      near(red.cx, sx(-0.8), 0.04, 'red mesh x');
      near(red.cy, sy(0.3), 0.05, 'red mesh y');
      const green = region(img, 'green', [0.6, 0.1, 1, 0.6]);
      assert.ok(green.n > 1500, `green sphere pixels: ${green.n}`);
      near(green.cx, sx(0.8), 0.04, 'green spheres x');
      near(green.cy, sy(0.225), 0.06, 'green spheres y');
      const blue = region(img, 'blue', [0.25, 0, 0.75, 0.2]);
      assert.ok(blue.n > 600, `blue line pixels: ${blue.n}`);
      near(blue.cx, 0.5, 0.04, 'blue lines x');
      near(blue.cy, sy(0.82), 0.04, 'blue lines y');
      const magenta = region(img, 'magenta', [0.25, 0.65, 0.75, 0.95]);
      assert.ok(magenta.n > 600, `magenta arrow pixels: ${magenta.n}`);
      near(magenta.cy, sy(-0.6), 0.04, 'magenta arrows y');
      // The arrow's head (near the tip, right) is thicker than its shaft (left).
      const headN = region(img, 'magenta', [0.58, 0.65, 0.6, 0.95]).n;
      const shaftN = region(img, 'magenta', [0.42, 0.65, 0.44, 0.95]).n;
      assert.ok(headN > 1.5 * shaftN, `arrow head ${headN} px vs shaft ${shaftN} px`);
      // Rigid body: teal centre, red x axis to the right, green y axis up.
      assert.ok(region(img, 'teal', [0.45, 0.42, 0.55, 0.58]).n > 100, 'rigid body sphere');
      assert.ok(region(img, 'red', [0.53, 0.45, 0.65, 0.55]).n > 100, 'rigid body x axis (red, right)');
      assert.ok(region(img, 'green', [0.46, 0.32, 0.54, 0.46]).n > 100, 'rigid body y axis (green, up)');
      // White background above everything, floor (grey) below the scene.
      assert.equal(hue(px(img, 0.03 * img.width, 0.03 * img.height)), 'white', 'background top-left');
      assert.equal(hue(px(img, 0.5 * img.width, 0.98 * img.height)), 'grey', 'floor at the bottom');
      // Same brightness on both backends: aitviewer's tiles are 0.9 / 0.82 grey (sRGB encoded
      // once, not twice or never).
      for (const fx of [0.1, 0.2, 0.3, 0.4]) {
        const [r] = px(img, fx * img.width, 0.94 * img.height);
        assert.ok(r > 190 && r < 245, `floor brightness ${r} at x=${fx}`);
      }
      // The page lists them all.
      const kinds = (await page.evaluate(() => window.__meshcast.nodes())).map((n) => n.kind).sort();
      assert.deepEqual(kinds, ['ARROWS', 'LINES', 'MESHES', 'NODE', 'RIGID_BODIES', 'SPHERES']);
      // The GPU reports when a drawn frame's work is done (the draw pacing's second measure).
      await waitFor(page, () => window.__meshcast.stats().gpuFrameMs > 0);
    });

    it('playback: pause, slider, step buttons and keys move the frame and the picture', async () => {
      await fresh();
      sendMovingSphere(producer);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nFrames() === 10);
      // Play starts the animation, Pause stops it (the page starts paused, as aitviewer).
      await page.click('#mc-play');
      await waitFor(page, () => window.__meshcast.playing());
      await page.waitForFunction(() => document.getElementById('mc-play').textContent === 'Pause');
      await page.click('#mc-play');
      await waitFor(page, () => !window.__meshcast.playing());
      await page.waitForFunction(() => document.getElementById('mc-play').textContent === 'Play');
      await page.locator('#mc-frame-slider').fill('0');
      await waitFor(page, () => window.__meshcast.currentFrame() === 0);
      await nextFrames(page);
      const first = region(await shot(page, `${backend}-frame0`), 'green');
      near(first.cx, sx(-1), 0.04, 'sphere x at frame 0');
      near(first.cy, sy(-0.2), 0.04, 'sphere y');
      await page.locator('#mc-frame-slider').fill('9');
      await waitFor(page, () => window.__meshcast.currentFrame() === 9);
      await nextFrames(page);
      const last = region(await shot(page, `${backend}-frame9`), 'green');
      near(last.cx, sx(1), 0.04, 'sphere x at frame 9');
      await page.waitForFunction(() => document.getElementById('mc-frame-label').textContent === '9 / 9');
      // Next from the last frame wraps to 0; previous wraps back.
      await page.click('#mc-next');
      await waitFor(page, () => window.__meshcast.currentFrame() === 0);
      await page.click('#mc-prev');
      await waitFor(page, () => window.__meshcast.currentFrame() === 9);
      // Keyboard: ',' and '.' step while paused; G opens go-to-frame.
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press(',');
      await waitFor(page, () => window.__meshcast.currentFrame() === 8);
      await page.keyboard.press('.');
      await waitFor(page, () => window.__meshcast.currentFrame() === 9);
      await page.keyboard.press('g');
      await page.locator('#mc-goto-input').fill('4');
      await page.keyboard.press('Enter');
      await waitFor(page, () => window.__meshcast.currentFrame() === 4);
      await nextFrames(page);
      const mid = region(await shot(page, `${backend}-frame4`), 'green');
      near(mid.cx, sx(-1 + 8 / 9), 0.04, 'sphere x at frame 4');
      // Space plays: the frame moves on by itself.
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press(' ');
      await waitFor(page, () => window.__meshcast.playing() && window.__meshcast.currentFrame() !== 4);
      // Remote SET_FRAME is ignored while playing, applied when paused.
      await page.keyboard.press(' ');
      await waitFor(page, () => !window.__meshcast.playing());
      producer.send(MSG.SET_FRAME, null, {}, [7]);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.currentFrame() === 7);
      // The fps field clamps to 1..120.
      await page.locator('#mc-fps-input').fill('500');
      await page.locator('#mc-fps-input').press('Enter');
      await waitFor(page, () => window.__meshcast.fps() === 120);
    });

    it('a long sequence sent at once: the frame shown is right at once, the others are packed in the background', async () => {
      await fresh();
      await page.evaluate(() => window.__meshcast.pause());
      const before = await page.evaluate(() => window.__meshcast.stats());
      // 400 frames of a 6,890-vertex green sphere (33 MB in one message) moving from x = -1 to 1:
      // packing them all (normals) is hundreds of milliseconds on SwiftShader's machine, so the
      // first picture packs the frame it shows and the page packs the rest between frames.
      const n = 400;
      const ball = uvSphere([0, 0, 0], 0.15, 52, 129);
      const per = ball.vertices.length;
      const all = new Float32Array(n * per);
      for (let k = 0; k < n; k++) {
        const dx = -1 + (2 * k) / (n - 1);
        for (let j = 0; j < per; j += 3) {
          all[k * per + j] = ball.vertices[j] + dx;
          all[k * per + j + 1] = ball.vertices[j + 1] - 0.2;
          all[k * per + j + 2] = ball.vertices[j + 2];
        }
      }
      producer.send(MSG.MESHES, 1, {
        vertices: f32([n, per / 3, 3], all),
        faces: i32([ball.faces.length / 3, 3], ball.faces),
        color: f32([4], [0, 1, 0, 1]),
        name: 'long',
      });
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nFrames() === 400);
      // The relay announced the message (the page asks for messages of 1 MiB and more) and the
      // page made room for it while it arrived; the time it was applied is the scene's change.
      const after = await page.evaluate(() => window.__meshcast.stats());
      assert.ok(after.bytesWarmed - before.bytesWarmed >= n * per * 4, `heap warmed: ${after.bytesWarmed - before.bytesWarmed} bytes`);
      assert.ok(after.sceneChangedAtMs > (before.sceneChangedAtMs ?? 0), `scene changed at ${after.sceneChangedAtMs}`);
      const at = async (k, what) => {
        await page.evaluate((f) => window.__meshcast.setFrame(f), k);
        await waitFor(page, (f) => window.__meshcast.currentFrame() === f, k);
        await nextFrames(page);
        const g = region(await shot(page, `${backend}-long-${what}`), 'green');
        near(g.cx, sx(-1 + (2 * k) / (n - 1)), 0.04, `sphere x at frame ${k} (${what})`);
        near(g.cy, sy(-0.2), 0.04, `sphere y at frame ${k} (${what})`);
      };
      // Frames far from the one first shown, before the page can have packed them all.
      await at(350, 'at-once');
      await at(17, 'at-once');
      // The rest are packed without drawing, then every frame is right.
      await waitFor(page, () => window.__meshcast.stats().framesStale === 0, undefined, 60000);
      await at(0, 'packed');
      await at(233, 'packed');
      await at(399, 'packed');
    });

    it('the visibility checkbox hides and shows a node', async () => {
      await freshWithKinds();
      await nextFrames(page);
      const before = region(await shot(page, `${backend}-vis-before`), 'red', [0, 0.15, 0.42, 0.55]);
      assert.ok(before.n > 1500);
      await page.uncheck('#mc-scene-list li[data-uid="1"] input[type=checkbox]');
      await waitFor(page, () => !window.__meshcast.nodes().find((n) => n.uid === 1).visible);
      await nextFrames(page);
      const hidden = region(await shot(page, `${backend}-vis-hidden`), 'red', [0, 0.15, 0.42, 0.55]);
      assert.equal(hidden.n, 0, 'red mesh gone');
      assert.ok(region(await shot(page, `${backend}-vis-hidden2`), 'green', [0.6, 0.1, 1, 0.6]).n > 1500, 'others stay');
      await page.check('#mc-scene-list li[data-uid="1"] input[type=checkbox]');
      await nextFrames(page);
      assert.ok(region(await shot(page, `${backend}-vis-shown`), 'red', [0, 0.15, 0.42, 0.55]).n > 1500, 'red mesh back');
    });

    it('a click selects the node under the cursor: outline, list and details', async () => {
      await freshWithKinds();
      await nextFrames(page);
      const before = await shot(page, `${backend}-pick-before`);
      const box0 = [0.08, 0.2, 0.34, 0.52];
      assert.equal(region(before, 'yellow', box0).n, 0, 'no outline before');
      const [x, y] = await canvasPoint(page, sx(-0.8), sy(0.3));
      await page.mouse.click(x, y);
      await waitFor(page, () => document.body.dataset.selected === `${window.__meshcast.nodes()[0].client}:1`);
      await nextFrames(page);
      const after = await shot(page, `${backend}-pick-after`);
      assert.ok(region(after, 'yellow', box0).n > 100, `outline pixels: ${region(after, 'yellow', box0).n}`);
      assert.match(await page.textContent('#mc-details-name'), /red box/);
      assert.equal(await page.getAttribute('#mc-scene-list li[data-uid="1"]', 'aria-selected'), 'true');
      assert.equal(await page.textContent('#mc-details-stats [data-stat="Vertices"]'), '8');
      assert.equal(await page.textContent('#mc-details-stats [data-stat="Faces"]'), '12');
      assert.match(await page.textContent('#mc-details-client'), /127\.0\.0\.1:\d+/);
      // Clicking the sphere selects it instead; clicking empty sky clears.
      const [qx, qy] = await canvasPoint(page, sx(0.8), sy(0.35));
      await page.mouse.click(qx, qy);
      await waitFor(page, () => (document.body.dataset.selected ?? '').endsWith(':2'));
      const [ex, ey] = await canvasPoint(page, 0.05, 0.05);
      await page.mouse.click(ex, ey);
      await waitFor(page, () => document.body.dataset.selected === '');
      // List click selects; Esc clears.
      await page.click('#mc-scene-list li[data-uid="3"] .mc-name');
      await waitFor(page, () => (document.body.dataset.selected ?? '').endsWith(':3'));
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press('Escape');
      await waitFor(page, () => document.body.dataset.selected === '');
    });

    it('inspect mode (I) names the node, face, vertex and point under the cursor', async () => {
      await freshWithKinds();
      await nextFrames(page);
      assert.equal(await page.isHidden('#mc-inspect'), true, 'off at start');
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press('i');
      await waitFor(page, () => document.body.dataset.inspect === '1');
      // Hover over the red box (uid 1): a face of it, the nearest of its corners, the point.
      const [x, y] = await canvasPoint(page, sx(-0.8), sy(0.3));
      await page.mouse.move(x, y);
      await page.waitForFunction(() => document.getElementById('mc-inspect').dataset.uid === '1');
      const box = await page.$eval('#mc-inspect', (e) => ({ text: e.textContent, ...e.dataset }));
      await page.screenshot({ path: path.join(OUT, `${backend}-inspect-page.png`) });
      assert.match(box.text, /^Inspect: red box \(uid 1\) · frame 0 · face \d+ · vertex \d+ · \(/);
      assert.ok(Number(box.face) >= 0 && Number(box.face) < 12, `face ${box.face}`);
      assert.ok(Number(box.vertex) >= 0 && Number(box.vertex) < 8, `vertex ${box.vertex}`);
      const [px, py, pz] = box.point.split(',').map(Number);
      // The box spans x -1.0..-0.6, y 0.1..0.5, z -0.2..0.2 (0.2 wide, ×2, moved to (-0.8, 0.3, 0)); the camera looks down -z.
      near(pz, 0.2, 0.01, 'point z: the front face');
      assert.ok(px > -1.0 && px < -0.6 && py > 0.1 && py < 0.5, `point (${px}, ${py}) on the front face`);
      // The same from the script API; the spheres (uid 2) name a sphere.
      const bb = await page.locator('#mc-canvas').boundingBox();
      const hit = await page.evaluate(([hx, hy]) => window.__meshcast.inspectAt(hx, hy), [x - bb.x, y - bb.y]);
      assert.equal(hit.uid, 1);
      assert.equal(hit.face, Number(box.face));
      assert.equal(hit.sphere, null);
      const [qx, qy] = await canvasPoint(page, sx(0.8), sy(0.35));
      await page.mouse.move(qx, qy);
      await page.waitForFunction(() => document.getElementById('mc-inspect').dataset.uid === '2');
      assert.match(await page.textContent('#mc-inspect'), /· sphere \d+ ·/);
      assert.equal(await page.getAttribute('#mc-inspect', 'data-face'), '');
      // Empty sky: nothing; hovering selects nothing.
      const [ex, ey] = await canvasPoint(page, 0.05, 0.05);
      await page.mouse.move(ex, ey);
      await page.waitForFunction(() => document.getElementById('mc-inspect').textContent === 'Inspect: nothing under the cursor');
      assert.equal(await page.evaluate(() => document.body.dataset.selected), '');
      await page.keyboard.press('i');
      await waitFor(page, () => document.body.dataset.inspect === '0');
      assert.equal(await page.isHidden('#mc-inspect'), true);
      await assert.rejects(page.evaluate(() => window.__meshcast.inspectAt('a', 1)), /two numbers/);
    });

    it('properties edits (position, colour) and mesh toggles change the picture', async () => {
      await freshWithKinds();
      await page.click('#mc-scene-list li[data-uid="1"] .mc-name');
      await page.waitForSelector('#mc-details-name');
      await nextFrames(page);
      const base = await shot(page, `${backend}-edit-base`);
      // Draw edges (E) changes the mesh's pixels.
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press('e');
      await waitFor(page, () => document.querySelector('[data-edit="edges"]').checked);
      await nextFrames(page);
      const edges = await shot(page, `${backend}-edit-edges`);
      assert.ok(diffShare(base, edges) > 0.0005, `edges changed ${diffShare(base, edges)}`);
      await page.keyboard.press('e');
      // Move the box to the right half: x from -0.8 to 0.3.
      await page.locator('[data-edit="position"][aria-label="Position x"]').fill('0.3');
      await page.locator('[data-edit="position"][aria-label="Position x"]').press('Enter');
      await nextFrames(page);
      const moved = region(await shot(page, `${backend}-edit-moved`), 'red', [0.45, 0.15, 0.75, 0.47]);
      assert.ok(moved.n > 1500, `red box at the new place: ${moved.n}`);
      near(moved.cx, sx(0.3), 0.04, 'moved box x');
      // Colour: make it blue.
      await page.locator('[data-edit="color"]').evaluate((el) => {
        el.value = '#0000ff';
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await nextFrames(page);
      const recoloured = await shot(page, `${backend}-edit-colour`);
      assert.equal(region(recoloured, 'red', [0.45, 0.15, 0.75, 0.47]).n, 0, 'no red left');
      assert.ok(region(recoloured, 'blue', [0.45, 0.15, 0.75, 0.47]).n > 1500, 'blue box');
      // A mesh has no radius; the green spheres (uid 2) do, as in aitviewer's panel.
      assert.equal(await page.locator('[data-edit="radius"]').count(), 0);
      await page.click('#mc-scene-list li[data-uid="2"] .mc-name');
      await page.waitForSelector('[data-edit="radius"]');
      const right = [0.6, 0.0, 1.0, 0.8];
      const small = region(await shot(page, `${backend}-edit-radius-before`), 'green', right).n;
      await page.locator('[data-edit="radius"]').fill('0.2');
      await page.locator('[data-edit="radius"]').press('Enter');
      await nextFrames(page);
      const big = region(await shot(page, `${backend}-edit-radius`), 'green', right).n;
      assert.ok(big > small * 1.3, `bigger spheres: ${small} -> ${big} green pixels`);
    });

    it('reloading the page brings the scene back', async () => {
      await freshWithKinds();
      await page.reload();
      await waitReady(page, backend);
      await waitFor(page, () => window.__meshcast.nodes().length === 6);
      await nextFrames(page);
      const img = await shot(page, `${backend}-reloaded`);
      assert.ok(region(img, 'red', [0, 0.15, 0.42, 0.55]).n > 1500, 'red mesh after reload');
      assert.ok(region(img, 'green', [0.6, 0.1, 1, 0.6]).n > 1500, 'green spheres after reload');
    });

    it('reconnects after a relay restart and shows what is sent afterwards', async () => {
      await fresh();
      // While the relay is down the browser logs each refused reconnection.
      allowPageErrors(page, /ERR_CONNECTION_REFUSED/);
      sendKinds(producer);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 6);
      producer.close();
      producer = undefined;
      const port = relay.port;
      await relay.stop();
      // The badge counts down to the next attempt (backoff: 250 ms doubling up to 5 s).
      await waitFor(
        page,
        () =>
          document.body.dataset.connection === 'reconnecting' &&
          /^reconnecting in \d+ s$/.test(document.getElementById('mc-status').textContent),
        null,
        15000,
      );
      relay = await startRelay({ port });
      await waitFor(page, () => document.body.dataset.connection === 'connected', null, 20000);
      // The restarted relay has an empty scene, and the viewer shows that.
      await waitFor(page, () => window.__meshcast.nodes().length === 0);
      producer = await Producer.connect(relay.clientUrl);
      sendMovingSphere(producer, 9);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 1);
      await page.evaluate(() => {
        window.__meshcast.pause();
        window.__meshcast.setFrame(9);
      });
      await nextFrames(page);
      const img = await shot(page, `${backend}-after-restart`);
      const g = region(img, 'green');
      assert.ok(g.n > 1500, `sphere sent after the restart: ${g.n}`);
      near(g.cx, sx(1), 0.04, 'sphere x at frame 9');
      assert.equal(region(img, 'red').n, 0, 'old scene gone');
    });

    it('camera: left drag orbits, right drag pans, wheel zooms, R resets, A fits, O and D change the picture', async () => {
      await freshWithKinds();
      const cam = () => page.evaluate(() => window.__meshcast.camera());
      const dist = (c) => Math.hypot(...c.eye.map((e, i) => e - c.target[i]));
      const c0 = await cam();
      assert.deepEqual(c0.eye.map((v) => +v.toFixed(3)), [0, 0, 2.5]);
      const [x, y] = await canvasPoint(page, 0.5, 0.3);
      await page.mouse.move(x, y);
      await page.mouse.down();
      await page.mouse.move(x + 120, y, { steps: 6 });
      await page.mouse.up();
      const c1 = await cam();
      assert.ok(Math.abs(c1.eye[0]) > 0.3, `orbit moved the eye sideways: ${c1.eye}`);
      assert.deepEqual(c1.target, c0.target, 'orbit keeps the target');
      assert.equal(await page.evaluate(() => document.body.dataset.selected), '', 'a drag does not select');
      await page.mouse.move(x, y);
      await page.mouse.down({ button: 'right' });
      await page.mouse.move(x + 80, y + 40, { steps: 4 });
      await page.mouse.up({ button: 'right' });
      const c2 = await cam();
      assert.ok(Math.hypot(...c2.target) > 0.05, `pan moved the target: ${c2.target}`);
      await page.mouse.wheel(0, 400);
      await waitFor(page, (d) => {
        const c = window.__meshcast.camera();
        return Math.hypot(...c.eye.map((e, i) => e - c.target[i])) > d * 1.2;
      }, dist(c2));
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press('r');
      const c3 = await cam();
      assert.deepEqual(c3.eye.map((v) => +v.toFixed(3)), [0, 0, 2.5], 'reset');
      await page.keyboard.press('a');
      const c4 = await cam();
      assert.ok(Math.abs(c4.target[1] - 0.1) < 0.2 && Math.abs(c4.target[0]) < 0.2, `fit centres the scene: ${c4.target}`);
      await page.keyboard.press('r');
      await nextFrames(page);
      const persp = await shot(page, `${backend}-camera-persp`);
      await page.keyboard.press('o');
      await nextFrames(page);
      const ortho = await shot(page, `${backend}-camera-ortho`);
      assert.ok(diffShare(persp, ortho) > 0.01, 'orthographic view differs');
      await page.keyboard.press('o');
      await page.keyboard.press('d');
      await nextFrames(page);
      const dark = await shot(page, `${backend}-camera-dark`);
      assert.equal(hue(px(dark, 0.03 * dark.width, 0.03 * dark.height)), 'dark', 'dark background');
      assert.equal(await page.locator('#mc-light-mode').inputValue(), 'dark');
      await page.locator('#mc-light-mode').selectOption('default');
      await nextFrames(page);
      const light = await shot(page, `${backend}-camera-light`);
      assert.equal(hue(px(light, 0.03 * light.width, 0.03 * light.height)), 'white', 'back to white');
    });

    if (backend === 'webgl') {
      it('camera modes: the select and C switch; first person turns about the eye, trackball goes over the pole', async () => {
        await freshWithKinds();
        const cam = () => page.evaluate(() => window.__meshcast.camera());
        const len = (v) => Math.hypot(...v);
        const sub = (a, b) => a.map((v, i) => v - b[i]);
        const drag = async (dx, dy) => {
          const [x, y] = await canvasPoint(page, 0.5, 0.5);
          await page.mouse.move(x, y);
          await page.mouse.down();
          await page.mouse.move(x + dx, y + dy, { steps: 8 });
          await page.mouse.up();
        };
        const select = page.locator('#mc-camera-mode');
        assert.equal((await cam()).mode, 'turntable');
        assert.equal(await select.inputValue(), 'turntable');

        // First person: a drag turns the view about the eye.
        await select.selectOption('first-person');
        await waitFor(page, () => window.__meshcast.camera().mode === 'first-person');
        const f0 = await cam();
        await drag(120, 60);
        const f1 = await cam();
        assert.ok(len(sub(f1.eye, f0.eye)) < 1e-3, `eye stays: ${f0.eye} -> ${f1.eye}`);
        assert.ok(len(sub(f1.target, f0.target)) > 0.3, `target moves: ${f0.target} -> ${f1.target}`);
        assert.ok(f1.target[0] > 0 && f1.target[1] < 0, `right/down drag looks right and down: ${f1.target}`);
        // The wheel moves the eye along the view direction, keeping the distance to the target.
        await page.mouse.wheel(0, -300);
        await waitFor(page, (e) => {
          const c = window.__meshcast.camera();
          return Math.hypot(...c.eye.map((v, i) => v - e[i])) > 0.3;
        }, f1.eye);
        const f2 = await cam();
        near(len(sub(f2.eye, f2.target)), len(sub(f1.eye, f1.target)), 1e-3, 'distance kept by the wheel');
        // D walks right instead of switching to dark mode; C cycles to turntable.
        await page.locator('#mc-canvas').focus();
        await page.keyboard.press('d');
        const f3 = await cam();
        assert.ok(len(sub(f3.eye, f2.eye)) > 0.05, `D moves the eye: ${f2.eye} -> ${f3.eye}`);
        assert.equal(await page.locator('#mc-light-mode').inputValue(), 'default', 'D is not dark mode here');
        await page.keyboard.press('c');
        assert.equal((await cam()).mode, 'turntable');
        await waitFor(page, () => document.getElementById('mc-camera-mode').value === 'turntable');
        await page.keyboard.press('c');
        assert.equal((await cam()).mode, 'trackball');

        // Trackball: a long vertical drag takes the eye over the pole; the up vector follows.
        await page.keyboard.press('r');
        const t0 = await cam();
        assert.equal(t0.mode, 'trackball', 'reset keeps the mode');
        assert.deepEqual(t0.eye.map((v) => +v.toFixed(3)), [0, 0, 2.5]);
        await drag(0, 400);
        const t1 = await cam();
        assert.ok(len(sub(t1.eye, t0.eye)) > 1, `trackball moves the eye: ${t1.eye}`);
        near(len(sub(t1.eye, t1.target)), 2.5, 1e-3, 'trackball keeps the distance');
        assert.ok(t1.up[1] < -0.2, `past the pole the view is upside down: up ${t1.up}`);
        assert.ok(t1.eye[2] < 0, `eye went over the top to the back: ${t1.eye}`);
        await nextFrames(page);
        const img = await shot(page, `${backend}-camera-trackball`);
        assert.ok(region(img, 'red').n + region(img, 'green').n > 200, 'the scene is still in view');
      });

      it('camera panel: FOV slider and Position/Target fields follow and move the camera', async () => {
        await freshWithKinds();
        const cam = () => page.evaluate(() => window.__meshcast.camera());
        const val = (id) => page.locator(`#${id}`).inputValue();
        const c0 = await cam();
        near(c0.fov, 45, 1e-3, 'default fov');
        near(c0.distance, 2.5, 1e-4, 'default distance');
        await waitFor(page, () => document.getElementById('mc-cam-eye-z').value === '2.500');
        assert.equal(await val('mc-fov'), '45');
        assert.equal(await val('mc-cam-up-y'), '1.000');
        await nextFrames(page);
        const narrow = region(await shot(page, `${backend}-fov45`), 'red');
        // A wider field of view shows the red box smaller.
        await page.locator('#mc-fov').fill('90');
        await waitFor(page, () => Math.abs(window.__meshcast.camera().fov - 90) < 1e-3);
        await nextFrames(page);
        const wide = region(await shot(page, `${backend}-fov90`), 'red');
        assert.ok(narrow.n > 1000 && wide.n < narrow.n * 0.6, `red box smaller at 90°: ${narrow.n} -> ${wide.n}`);
        // The fields follow a drag.
        const [x, y] = await canvasPoint(page, 0.5, 0.3);
        await page.mouse.move(x, y);
        await page.mouse.down();
        await page.mouse.move(x + 100, y, { steps: 5 });
        await page.mouse.up();
        const c1 = await cam();
        await waitFor(page, (ex) => document.getElementById('mc-cam-eye-x').value === ex.toFixed(3), c1.eye[0]);
        assert.ok(Math.abs(c1.eye[0]) > 0.3);
        // Editing the target moves it; the eye stays (turntable recomputes the angles).
        await page.locator('#mc-canvas').focus();
        await page.keyboard.press('r');
        await page.locator('#mc-cam-target-x').fill('0.5');
        await page.locator('#mc-cam-target-y').press('Tab');
        const c2 = await cam();
        assert.deepEqual(c2.target.map(r3), [0.5, 0, 0], 'target edited');
        assert.deepEqual(c2.eye.map(r3), [0, 0, 2.5], 'eye kept');
        near(c2.fov, 45, 1e-3, 'R resets the fov');
        await waitFor(page, () => document.getElementById('mc-fov').value === '45');
        // Editing the position moves the eye; the target stays.
        await page.locator('#mc-cam-eye-y').fill('1');
        await page.locator('#mc-cam-eye-y').press('Enter');
        const c3 = await cam();
        assert.deepEqual(c3.eye.map(r3), [0, 1, 2.5], 'eye edited');
        assert.deepEqual(c3.target.map(r3), [0.5, 0, 0], 'target kept');
        // Trackball: the same edit looks from the eye to the target.
        await page.locator('#mc-camera-mode').selectOption('trackball');
        await page.locator('#mc-cam-target-z').fill('-1');
        await page.locator('#mc-cam-target-z').press('Enter');
        const c4 = await cam();
        assert.equal(c4.mode, 'trackball');
        assert.deepEqual(c4.target.map(r3), [0.5, 0, -1]);
        assert.deepEqual(c4.eye.map(r3), [0, 1, 2.5]);
      });

      it('wheel: shift zooms faster (x4), ctrl slower (x0.25)', async () => {
        await freshWithKinds();
        const [x, y] = await canvasPoint(page, 0.5, 0.5);
        await page.mouse.move(x, y);
        const zoomLog = async (modifier) => {
          await page.locator('#mc-canvas').focus();
          await page.keyboard.press('r');
          const d0 = await page.evaluate(() => window.__meshcast.camera().distance);
          if (modifier) await page.keyboard.down(modifier);
          await page.mouse.wheel(0, 100);
          if (modifier) await page.keyboard.up(modifier);
          await waitFor(page, (d) => Math.abs(window.__meshcast.camera().distance - d) > 1e-4, d0);
          const d1 = await page.evaluate(() => window.__meshcast.camera().distance);
          return Math.log(d1 / d0);
        };
        const plain = await zoomLog(null);
        const fast = await zoomLog('Shift');
        const slow = await zoomLog('Control');
        near(plain, 0.1, 0.02, 'a plain notch zooms out ~10 %');
        near(fast / plain, 4, 0.05, 'shift: x4');
        near(slow / plain, 0.25, 0.01, 'ctrl: x0.25');
        // ctrl+wheel did not zoom the page.
        assert.equal(await page.evaluate(() => window.visualViewport?.scale ?? 1), 1);
      });

      it('X animates the centring on the selection and ends where the instant fit does', async () => {
        await freshWithKinds();
        const client = await page.evaluate(() => window.__meshcast.nodes()[0].client);
        await page.evaluate((c) => window.__meshcast.select(c, 1), client);
        // The move is sampled on a controlled clock: the page's `performance.now()` (the
        // viewer's only clock) is held, and stepped 50 ms per drawn frame, so the samples do not
        // depend on how long a frame takes on this machine.
        const run = await page.evaluate(async () => {
          const m = window.__meshcast;
          const real = performance.now.bind(performance);
          let held = real();
          performance.now = () => held;
          const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          try {
            await frame();
            document.getElementById('mc-center').click();
            const first = { animating: m.cameraAnimating(), target: m.camera().target };
            const samples = [];
            for (let ms = 50; ms <= 400; ms += 50) {
              held += 50;
              await frame();
              samples.push({ ms, x: m.camera().target[0], animating: m.cameraAnimating() });
            }
            return { first, samples, end: m.camera() };
          } finally {
            // Back to the real clock, never going backwards.
            const lead = Math.max(0, held - real());
            performance.now = () => real() + lead;
          }
        });
        const xs = run.samples.map((s) => s.x);
        assert.equal(run.first.animating, true, 'animating right after the click');
        assert.ok(Math.abs(run.first.target[0]) < 0.2, `starts near the old target: ${run.first.target}`);
        const moving = run.samples.filter((s) => s.animating).map((s) => s.ms);
        assert.deepEqual(moving, [50, 100, 150, 200, 250], `animating until 300 ms, then not: ${JSON.stringify(run.samples)}`);
        const between = xs.filter((v) => v < -0.05 && v > -0.75);
        assert.ok(between.length >= 3, `intermediate targets seen: ${xs.map((v) => v.toFixed(3))}`);
        for (let i = 1; i < xs.length; i++) assert.ok(xs[i] <= xs[i - 1] + 1e-6, `moves steadily: ${xs}`);
        // Smoothstep: halfway at 150 ms (from about 0 to -0.8).
        near(xs[2], (run.first.target[0] + -0.8) / 2, 0.02, 'halfway at half the time');
        // The red box: 0.2 wide scaled x2 at (-0.8, 0.3, 0).
        assert.deepEqual(run.end.target.map(r3), [-0.8, 0.3, 0], 'ends at the box centre');
        const endDistance = run.end.distance;
        // The key does the same from elsewhere.
        await page.locator('#mc-canvas').focus();
        await page.keyboard.press('r');
        await page.keyboard.press('x');
        assert.equal(await page.evaluate(() => window.__meshcast.cameraAnimating()), true);
        await waitFor(page, () => !window.__meshcast.cameraAnimating());
        const c = await page.evaluate(() => window.__meshcast.camera());
        assert.deepEqual(c.target.map(r3), [-0.8, 0.3, 0]);
        near(c.distance, endDistance, 1e-4, 'same distance as the button');
        await nextFrames(page);
        const img = await shot(page, `${backend}-center-selection`);
        near(region(img, 'red').cx, 0.5, 0.03, 'the box is centred');
      });

      it('touch: one finger orbits, a two-finger pinch zooms in', async () => {
        await freshWithKinds();
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
        await page.evaluate(() => {
          window.__pointerTypes = new Set();
          document.getElementById('mc-canvas').addEventListener('pointermove', (e) => window.__pointerTypes.add(e.pointerType));
        });
        const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', {
          type,
          touchPoints: points.map(([x, y], id) => ({ x, y, id, radiusX: 1, radiusY: 1, force: 1 })),
        });
        const cam = () => page.evaluate(() => window.__meshcast.camera());
        const c0 = await cam();
        const [x, y] = await canvasPoint(page, 0.5, 0.3);
        await touch('touchStart', [[x, y]]);
        for (let i = 1; i <= 8; i++) await touch('touchMove', [[x + 15 * i, y]]);
        await touch('touchEnd', []);
        await waitFor(page, () => Math.abs(window.__meshcast.camera().eye[0]) > 0.3);
        const c1 = await cam();
        assert.deepEqual(c1.target, c0.target, 'one finger orbits: target fixed');
        near(c1.distance, c0.distance, 1e-4, 'orbit keeps the distance');
        assert.deepEqual(await page.evaluate(() => [...window.__pointerTypes]), ['touch'], 'real touch pointers');
        // Pinch out about the centre.
        const [cx, cy] = await canvasPoint(page, 0.5, 0.5);
        await touch('touchStart', [[cx - 40, cy], [cx + 40, cy]]);
        for (let i = 1; i <= 8; i++) await touch('touchMove', [[cx - 40 - 10 * i, cy], [cx + 40 + 10 * i, cy]]);
        await touch('touchEnd', []);
        const c2 = await cam();
        assert.ok(c2.distance < c1.distance * 0.9, `pinch-out zooms in: ${c1.distance} -> ${c2.distance}`);
        // Symmetric fingers: the midpoint did not move, so no pan.
        // Each finger's move arrives on its own, so the midpoint wobbles by half a step (a few
        // thousandths here); a real two-finger pan of 40 px would move it by about 0.1.
        assert.ok(Math.hypot(...sub3(c2.target, c1.target)) < 0.02, `pinch about a fixed midpoint does not pan: ${c2.target}`);
        await cdp.detach();
      });

      it('auto camera target: the first scene is centred; later nodes and moved cameras are left alone', async () => {
        await fresh();
        await page.close();
        page = await openViewer(browser.context, relay, backend, '&autotarget=1');
        const cam = () => page.evaluate(() => window.__meshcast.camera());
        // A red box and a green sphere, both at x = 2 (off-screen with the target at the origin).
        const m = box([0, 0, 0], 0.3);
        producer.send(MSG.MESHES, 1, {
          vertices: f32([8, 3], m.vertices),
          faces: i32([12, 3], m.faces),
          color: f32([4], [1, 0, 0, 1]),
          position: f32([3], [2, 0.3, 0]),
          name: 'red box',
        });
        producer.send(MSG.SPHERES, 2, {
          positions: f32([1, 3], [0, 0, 0]),
          radius: 0.15,
          color: f32([4], [0, 1, 0, 1]),
          position: f32([3], [2, -0.3, 0]),
          name: 'green sphere',
        });
        await producer.flush();
        await waitFor(page, () => window.__meshcast.nodes().length === 2);
        await waitFor(page, () => Math.abs(window.__meshcast.camera().target[0] - 2) < 0.05);
        const c = await cam();
        assert.deepEqual(sub3(c.eye, c.target).map((v) => +v.toFixed(3)), [0, 0, 2.5], 'distance and angles kept');
        await nextFrames(page);
        const img = await shot(page, `${backend}-autotarget`);
        const r = region(img, 'red');
        const g = region(img, 'green');
        assert.ok(r.n > 300 && g.n > 300, `both nodes in view: red ${r.n}, green ${g.n}`);
        near(r.cx, 0.5, 0.05, 'box centred horizontally');
        near(g.cx, 0.5, 0.05, 'sphere centred horizontally');
        // The user pans; a node added later does not move the target again.
        const [x, y] = await canvasPoint(page, 0.5, 0.5);
        await page.mouse.move(x, y);
        await page.mouse.down({ button: 'right' });
        await page.mouse.move(x + 60, y, { steps: 4 });
        await page.mouse.up({ button: 'right' });
        const moved = await cam();
        producer.send(MSG.SPHERES, 3, {
          positions: f32([1, 3], [-3, 0, 0]),
          radius: 0.15,
          color: f32([4], [0, 0, 1, 1]),
          name: 'far sphere',
        });
        await producer.flush();
        await waitFor(page, () => window.__meshcast.nodes().length === 3);
        await nextFrames(page);
        assert.deepEqual((await cam()).target, moved.target, 'target left alone after the first setup');
      });
    }

    it('defaults to the best backend; ?relay= connects to another relay', async () => {
      await fresh();
      const auto = await browser.context.newPage();
      await auto.goto(relay.pageUrl);
      await waitReady(auto, backend);
      await auto.close();
      if (backend === 'webgl') {
        // This browser has no WebGPU adapter: forcing it reports why on the page.
        const forced = await browser.context.newPage();
        allowPageErrors(forced, /WebGPU was requested/);
        await forced.goto(`${relay.pageUrl}?backend=webgpu`);
        await forced.waitForFunction(() => document.body.dataset.error, null, { timeout: 30000 });
        assert.match(await forced.textContent('.mc-fatal'), /WebGPU/);
        await forced.close();
      }
      // Another relay, started without flags, admits this page: both are on loopback.
      const other = await startRelay();
      try {
        const p2 = await browser.context.newPage();
        await p2.goto(`${relay.pageUrl}?backend=${backend}&relay=ws://127.0.0.1:${other.port}`);
        await waitReady(p2, backend);
        const q = await Producer.connect(other.clientUrl);
        sendMovingSphere(q, 5);
        await q.flush();
        q.close();
        sendKinds(producer);
        await producer.flush();
        await waitFor(p2, () => window.__meshcast.nodes().length === 1);
        await waitFor(page, () => window.__meshcast.nodes().length === 6);
        const names = await p2.evaluate(() => window.__meshcast.nodes().map((n) => n.name));
        assert.deepEqual(names, ['mover']);
        assert.match(await p2.textContent('#mc-relay'), new RegExp(`:${other.port}/viewer`));
        await p2.close();
      } finally {
        await other.stop();
      }
    });

    it('?token= from the page URL reaches the relay when it asks for one', async () => {
      await fresh();
      const token = 'meshcast-test-token';
      const guarded = await startRelay({ args: ['--require-token', '--token', token] });
      try {
        const denied = await browser.context.newPage();
        // The refused page load (and its favicon) are logged.
        allowPageErrors(denied, /status of 40[14]/);
        const resp = await denied.goto(guarded.pageUrl);
        assert.equal(resp.status(), 401, 'the page needs the token');
        await denied.close();
        const p2 = await browser.context.newPage();
        await p2.goto(`${guarded.pageUrl}?backend=${backend}&token=${token}`);
        await waitReady(p2, backend);
        const q = await Producer.connect(`${guarded.clientUrl}?token=${token}`);
        sendMovingSphere(q, 3);
        await q.flush();
        q.close();
        await waitFor(p2, () => window.__meshcast.nodes().length === 1);
        assert.ok(!(await p2.textContent('#mc-relay')).includes(token), 'the token is not shown');
        await p2.close();
      } finally {
        await guarded.stop();
      }
    });

    it('the screenshot button downloads a PNG of the canvas; help lists the shortcuts', async () => {
      await freshWithKinds();
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#mc-screenshot')]);
      assert.match(download.suggestedFilename(), /^meshcast-frame\d+\.png$/);
      const file = await download.path();
      const png = PNG.sync.read(fs.readFileSync(file));
      const size = await page.evaluate(() => [document.getElementById('mc-canvas').width, document.getElementById('mc-canvas').height]);
      assert.deepEqual([png.width, png.height], size);
      assert.ok(region(png, 'red', [0, 0.15, 0.42, 0.55]).n > 1500, 'the PNG shows the red mesh');
      assert.ok(region(png, 'green', [0.6, 0.1, 1, 0.6]).n > 1500, 'the PNG shows the spheres');
      await page.locator('#mc-canvas').focus();
      await page.keyboard.press('h');
      await page.waitForSelector('#mc-help', { state: 'visible' });
      const help = await page.textContent('#mc-help');
      for (const k of ['Space', 'G', 'X', 'P', 'F', 'E']) assert.ok(help.includes(k), `help lists ${k}`);
      await page.keyboard.press('Escape');
      await page.waitForSelector('#mc-help', { state: 'hidden' });

      // Shift+P: a transparent background and no floor, as aitviewer's screenshot option.
      await page.locator('#mc-canvas').focus();
      const [clear] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Shift+P')]);
      assert.match(clear.suggestedFilename(), /^meshcast-frame\d+-transparent\.png$/);
      const see = PNG.sync.read(fs.readFileSync(await clear.path()));
      assert.deepEqual([see.width, see.height], size);
      const alpha = (img, fx, fy) => img.data[(img.width * Math.floor(fy * img.height) + Math.floor(fx * img.width)) * 4 + 3];
      assert.equal(alpha(see, 0.02, 0.02), 0, 'no background');
      assert.equal(alpha(see, 0.5, 0.95), 0, 'no floor');
      assert.ok(region(see, 'red', [0, 0.15, 0.42, 0.55]).n > 1500, 'the red mesh');
      assert.equal(alpha(see, sx(-0.8), sy(0.3)), 255, 'the mesh is opaque');
      // The same from a script, as a Blob; without `transparent` the background is there.
      const bytes = async (opts) =>
        page.evaluate(async (o) => Array.from(new Uint8Array(await (await window.__meshcast.screenshotPng(o)).arrayBuffer())), opts);
      const scripted = PNG.sync.read(Buffer.from(await bytes({ transparent: true })));
      assert.equal(alpha(scripted, 0.02, 0.02), 0);
      assert.ok(region(scripted, 'green', [0.6, 0.1, 1, 0.6]).n > 1500, 'the spheres');
      const opaque = PNG.sync.read(Buffer.from(await bytes({})));
      assert.equal(alpha(opaque, 0.02, 0.02), 255, 'opaque background');
      assert.equal(hue(px(opaque, 5, 5)), 'white');
    });
  });
}

