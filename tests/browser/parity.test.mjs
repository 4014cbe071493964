// aitviewer parity on both backends.
// - Nodes under a parent (the `parent` option): a child is drawn where its parent's world matrix
//   puts it and follows the parent's frames; the scene list shows it under its parent; hiding
//   the parent hides it; deleting the parent deletes it.
// - Textured meshes: a quad with a 2×2 image shows each texel's colour in its quarter, with uv
//   (0, 0) at the image's bottom-left corner.
//
// Prerequisites: those of viewer.test.mjs.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MSG, f32, NdArray } from './send.mjs';
import { withViewer, waitFor, nextFrames, shot, region } from './lib.mjs';

const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

function send(p) {
  // The parent moves from x = −0.6 (frame 0) up to y = +0.5 (frame 1).
  p.send(MSG.NODE, 1, { name: 'robot', position: f32([2, 3], [-0.6, 0, 0, -0.6, 0.5, 0]) });
  // The child's own position is the origin: only its parent puts it on the left.
  p.send(MSG.SPHERES, 2, {
    positions: f32([1, 3], [0, 0, 0]),
    radius: 0.15,
    color: f32([4], [0.9, 0.1, 0.1, 1]),
    name: 'hand',
    parent: 1,
  });
  // A node at the top on the right, so that the camera's target stays at the middle.
  p.send(MSG.SPHERES, 3, {
    positions: f32([1, 3], [0.6, 0, 0]),
    radius: 0.15,
    color: f32([4], [0.1, 0.2, 0.9, 1]),
    name: 'beacon',
  });
}

for (const backend of BACKENDS) {
  describe(`hierarchy (${backend})`, () => {
    const s = withViewer(backend);

    it('draws a child where its parent puts it, nests it in the list, and hides and deletes it with the parent', async () => {
      const { page, producer } = s;
      send(producer);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 3);
      await waitFor(page, () => document.querySelectorAll('#mc-scene-list li:not([data-part])').length === 3);

      const rows = await page.$$eval('#mc-scene-list li:not([data-part])', (els) =>
        els.map((e) => [e.dataset.uid, e.dataset.depth, e.dataset.parent ?? null, e.getAttribute('aria-level')]),
      );
      assert.deepEqual(rows, [
        ['1', '0', null, '1'],
        ['2', '1', '1', '2'],
        ['3', '0', null, '1'],
      ]);

      await nextFrames(page);
      const img = await shot(page, `${backend}-hierarchy`);
      const red = region(img, 'red');
      const blue = region(img, 'blue');
      assert.ok(red.n > 200 && blue.n > 200, `both spheres drawn: red ${red.n}, blue ${blue.n}`);
      assert.ok(red.cx < 0.4, `the child is on the left with its parent (x ${red.cx.toFixed(3)})`);
      assert.ok(blue.cx > 0.6, `the other node on the right (x ${blue.cx.toFixed(3)})`);
      assert.ok(Math.abs(red.cy - blue.cy) < 0.02, 'at the same height at frame 0');

      // The parent's frame 1 lifts the child, whose own data has one frame.
      producer.send(MSG.SET_FRAME, null, {}, [1]);
      await producer.flush();
      await waitFor(page, () => document.body.dataset.currentFrame === '1');
      await nextFrames(page);
      const up = region(await shot(page, `${backend}-hierarchy-frame1`), 'red');
      assert.ok(up.cy < red.cy - 0.05, `the child rose with its parent (y ${red.cy.toFixed(3)} → ${up.cy.toFixed(3)})`);

      // Hiding the parent hides the child.
      await page.uncheck('#mc-scene-list li[data-uid="1"]:not([data-part]) input[type=checkbox]');
      await nextFrames(page);
      const hidden = await shot(page, `${backend}-hierarchy-parent-hidden`);
      assert.equal(region(hidden, 'red').n, 0, 'no red: the child is hidden with its parent');
      assert.ok(region(hidden, 'blue').n > 200, 'the other node stays');
      await page.check('#mc-scene-list li[data-uid="1"]:not([data-part]) input[type=checkbox]');

      // Deleting the parent deletes the child.
      producer.send(MSG.DELETE, 1);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 1);
      await nextFrames(page);
      assert.equal(region(await shot(page, `${backend}-hierarchy-parent-deleted`), 'red').n, 0);
      producer.send(MSG.DELETE, 3);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 0);
    });

    it('draws a texture on a mesh, placed by its uv coordinates', async () => {
      const { page, producer } = s;
      // A quad facing the camera; the mesh colour is dark grey: the image replaces it.
      producer.send(MSG.MESHES, 10, {
        vertices: f32([4, 3], [-0.6, -0.6, 0, 0.6, -0.6, 0, 0.6, 0.6, 0, -0.6, 0.6, 0]),
        faces: new NdArray('i32', [2, 3], Int32Array.from([0, 1, 2, 0, 2, 3])),
        uv_coords: f32([4, 2], [0, 0, 1, 0, 1, 1, 0, 1]),
        // Top row first: red, green / blue, yellow.
        texture: new NdArray('u8', [2, 2, 3], Uint8Array.from([230, 20, 20, 20, 200, 20, 20, 20, 230, 230, 220, 20])),
        color: f32([4], [0.1, 0.1, 0.1, 1]),
        name: 'textured quad',
      });
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 1);
      await nextFrames(page);
      const img = await shot(page, `${backend}-texture`);
      const red = region(img, 'red');
      const green = region(img, 'green');
      const blue = region(img, 'blue');
      const yellow = region(img, 'yellow');
      for (const [name, r] of Object.entries({ red, green, blue, yellow })) {
        assert.ok(r.n > 300, `${name} texels drawn (${r.n} pixels)`);
      }
      assert.ok(red.cx < 0.5 && red.cy < 0.5, `red top left (${red.cx.toFixed(2)}, ${red.cy.toFixed(2)})`);
      assert.ok(green.cx > 0.5 && green.cy < 0.5, `green top right (${green.cx.toFixed(2)}, ${green.cy.toFixed(2)})`);
      assert.ok(blue.cx < 0.5 && blue.cy > 0.5, `blue bottom left (${blue.cx.toFixed(2)}, ${blue.cy.toFixed(2)})`);
      assert.ok(yellow.cx > 0.5 && yellow.cy > 0.5, `yellow bottom right (${yellow.cx.toFixed(2)}, ${yellow.cy.toFixed(2)})`);
    });
  });
}
