// Shadows in the browser, on both backends: aitviewer's Front Light at (0, 10, 15) throws the
// shadows of objects floating above the floor back (towards −z) onto the floor. The floor is
// darker under a casting object than beside it; the S key and the View panel's Shadows box turn
// shadows off and on; a mesh with cast_shadow=False throws none; a sphere with cast_shadow=True
// throws one (the impostor's depth from the light).
//
// Prerequisites: those of viewer.test.mjs.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MSG, f32, i32, box } from './send.mjs';
import { withViewer, waitFor, nextFrames, shot, px } from './lib.mjs';

const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');

const TAN = Math.tan(Math.PI / 8); // half the default 45° field of view
const EYE_Z = 2.5; // the default camera at (0, 0, 2.5) looks at the origin
const FLOOR_Y = -0.8; // a tiny non-casting sphere puts the floor there
const CENTRE_Y = -0.45; // the objects' centres: 0.35 above the floor
const CENTRE_Z = -0.225; // so that their shadows' centres fall on z = −0.75, a tile centre
const SHADOW_Z = CENTRE_Z - ((CENTRE_Y - FLOOR_Y) * 15) / 10;
// Floor tiles are 0.5 wide: x = −1.25, −0.25 and 0.75 are centres of tiles of one colour.
const CASTING_CUBE_X = -1.25;
const NON_CASTING_CUBE_X = -0.25;
const SPHERE_X = 0.75;

function send(p) {
  p.send(MSG.SPHERES, 1, {
    positions: f32([1, 3], [4, FLOOR_Y + 0.002, -4]),
    radius: 0.002,
    name: 'floor anchor',
  });
  const cube = (uid, x, extra) => {
    const m = box([x, CENTRE_Y, CENTRE_Z], 0.2);
    p.send(MSG.MESHES, uid, {
      vertices: f32([8, 3], m.vertices),
      faces: i32([12, 3], m.faces),
      color: f32([4], [0.8, 0.3, 0.2, 1]),
      ...extra,
    });
  };
  cube(2, CASTING_CUBE_X, { name: 'casting cube' });
  cube(3, NON_CASTING_CUBE_X, { name: 'non-casting cube', cast_shadow: false });
  p.send(MSG.SPHERES, 4, {
    positions: f32([1, 3], [SPHERE_X, CENTRE_Y, CENTRE_Z]),
    radius: 0.1,
    color: f32([4], [0.2, 0.4, 0.9, 1]),
    cast_shadow: true,
    name: 'casting sphere',
  });
}

/** Red channel of the floor at world (x, FLOOR_Y, SHADOW_Z) in a screenshot. */
function floorRed(img, x) {
  const d = EYE_Z - SHADOW_Z;
  const aspect = img.width / img.height;
  const fx = 0.5 + x / (2 * TAN * d * aspect);
  const fy = 0.5 - FLOOR_Y / (2 * TAN * d);
  return px(img, fx * img.width, fy * img.height)[0];
}

const shadowsOn = (page) => page.evaluate(() => document.body.dataset.shadows);

for (const backend of BACKENDS) {
  describe(`shadows (${backend})`, () => {
    const s = withViewer(backend);

    it('darken the floor under casting objects only, and turn off and on', async () => {
      const { page, producer } = s;
      send(producer);
      await producer.flush();
      await waitFor(page, () => window.__meshcast.nodes().length === 4);
      assert.equal(await shadowsOn(page), '1', 'shadows are on by default');
      assert.equal(await page.isChecked('#mc-shadows'), true);
      await nextFrames(page);
      const on = await shot(page, `${backend}-shadows-on`);

      // S turns them off (aitviewer's key).
      await page.locator('#mc-canvas').hover();
      await page.keyboard.press('s');
      await waitFor(page, () => document.body.dataset.shadows === '0');
      assert.equal(await page.isChecked('#mc-shadows'), false);
      await nextFrames(page);
      const off = await shot(page, `${backend}-shadows-off`);

      const at = (img) => ({
        cube: floorRed(img, CASTING_CUBE_X),
        noCast: floorRed(img, NON_CASTING_CUBE_X),
        sphere: floorRed(img, SPHERE_X),
      });
      const [a, b] = [at(on), at(off)];
      const seen = `on ${JSON.stringify(a)}, off ${JSON.stringify(b)}`;
      // Without shadows the three spots are one tile colour, equally lit.
      assert.ok(Math.abs(b.cube - b.noCast) <= 3 && Math.abs(b.sphere - b.noCast) <= 3, seen);
      // With them, the floor under the casting cube and sphere is darker than beside the
      // non-casting cube, which is as lit as without shadows.
      assert.ok(a.cube + 6 < a.noCast, `under the cube vs beside: ${seen}`);
      assert.ok(a.sphere + 6 < a.noCast, `under the sphere vs beside: ${seen}`);
      assert.ok(Math.abs(a.noCast - b.noCast) <= 3, `cast_shadow=False: ${seen}`);

      // The View panel's box turns them back on: the same picture as before.
      await page.locator('#mc-shadows').check();
      await waitFor(page, () => document.body.dataset.shadows === '1');
      await nextFrames(page);
      const again = at(await shot(page, `${backend}-shadows-again`));
      assert.deepEqual(again, a);
    });
  });
}
