// Video export in the page, on both backends: `meshcast.exportVideo` renders a frame range of the
// demo scene's recording frame by frame and returns a WebM (WebCodecs, and the MediaRecorder
// fallback) or the PNG frames in a ZIP; ffprobe/ffmpeg decode the videos (frame count,
// duration, size), a decoded frame is compared with the PNG of the same frame, and the page's
// frames with `meshcast-render`'s (the native renderer, same shaders) for the same frame and
// camera, current view and orbit. Cancel, bad options and the Video panel's download too.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';

import { DIST, OUT, TARGET, allowPageErrors, diffShare, launch, nextFrames, startStatic, waitFor } from './lib.mjs';

const BACKENDS = (process.env.MESHCAST_BACKENDS ?? 'webgl,webgpu').split(',');
const DEMO = path.join(TARGET, 'debug', 'examples', 'demo');
const RENDER = process.env.MESHCAST_RENDER_BIN ?? path.join(TARGET, 'debug', 'meshcast-render');
const W = 320;
const H = 180;

function run(bin, args) {
  assert.ok(fs.existsSync(bin), `${bin} missing: cargo build -p meshcast-render -p meshcast-client --example demo`);
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 120000, env: { ...process.env, RUST_LOG: 'warn' } });
  assert.equal(r.status, 0, `${path.basename(bin)} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** ffprobe's view of a video: codec, size, decoded frames, duration. */
function probe(file) {
  const out = run('/usr/bin/ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
    'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'default=nw=1', file]);
  const get = (k) => out.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1];
  return { codec: get('codec_name'), width: Number(get('width')), height: Number(get('height')), frames: Number(get('nb_read_frames')), duration: Number(get('duration')) };
}

/** Frame `n` of a video decoded by ffmpeg. */
function decodeFrame(file, n) {
  const png = `${file}.frame${n}.png`;
  run('/usr/bin/ffmpeg', ['-v', 'error', '-y', '-i', file, '-vf', `select=eq(n\\,${n})`, '-vsync', '0', '-frames:v', '1', png]);
  return PNG.sync.read(fs.readFileSync(png));
}

/** The files of a stored ZIP (what the page writes): name → bytes. */
function unzip(buf) {
  const files = new Map();
  let at = 0;
  while (buf.readUInt32LE(at) === 0x04034b50) {
    const size = buf.readUInt32LE(at + 18);
    const nameLen = buf.readUInt16LE(at + 26);
    const extra = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 30, at + 30 + nameLen);
    const start = at + 30 + nameLen + extra;
    files.set(name, buf.subarray(start, start + size));
    at = start + size;
  }
  return files;
}

/** Mean absolute difference per RGB channel. */
function meanDiff(a, b) {
  assert.equal(a.data.length, b.data.length);
  let s = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    s += Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
  }
  return s / (a.data.length / 4 * 3);
}

/** Runs `exportVideo(options)` in the page; the file's bytes. */
async function exportVideo(page, options) {
  const bytes = await page.evaluate(async (o) => {
    const blob = await window.meshcast.exportVideo(o);
    return { type: blob.type, data: Array.from(new Uint8Array(await blob.arrayBuffer())) };
  }, options);
  return { type: bytes.type, buf: Buffer.from(bytes.data) };
}

for (const backend of BACKENDS) {
  describe(`video export in the page (${backend})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-video-test-'));
    const rec = path.join(dir, 'demo.mcrec');
    let browser;
    let site;
    let page;

    before(async () => {
      fs.mkdirSync(OUT, { recursive: true });
      run(DEMO, ['--record', rec]);
      site = await startStatic(DIST, { '/demo.mcrec': rec });
      browser = await launch(backend);
      page = await browser.context.newPage();
      await page.goto(`${site.url}?backend=${backend}&autotarget=0&recording=/demo.mcrec`);
      await page.waitForFunction(() => document.body.dataset.connection === 'recording' && document.body.dataset.firstFrame === '1', null, { timeout: 60000 });
      await waitFor(page, () => window.meshcast.nFrames() === 240);
    });
    after(async () => {
      await page?.close();
      await browser?.close();
      await site?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('WebCodecs: a WebM of the frame range, decoded frame by frame like its PNG frames', async () => {
      assert.equal(await page.evaluate(() => typeof VideoEncoder), 'function', 'headless Chromium has WebCodecs');
      const seen = [];
      await page.exposeFunction(`progress_${backend}`, (done, total) => seen.push([done, total]));
      const video = await exportVideo(page, { first: 10, last: 19, fps: 30, width: W, height: H });
      assert.equal(video.type, 'video/webm');
      const file = path.join(OUT, `${backend}-video.webm`);
      fs.writeFileSync(file, video.buf);
      const p = probe(file);
      assert.deepEqual([p.codec, p.width, p.height, p.frames], ['vp8', W, H, 10]);
      assert.ok(Math.abs(p.duration - 10 / 30) < 0.005, `duration ${p.duration}`);

      const frames = unzip((await exportVideo(page, { first: 10, last: 19, width: W, height: H, format: 'png' })).buf);
      assert.deepEqual([...frames.keys()], Array.from({ length: 10 }, (_, i) => `frame${String(i).padStart(5, '0')}.png`));
      const png3 = PNG.sync.read(frames.get('frame00003.png'));
      fs.writeFileSync(path.join(OUT, `${backend}-video-frame3.png`), frames.get('frame00003.png'));
      const decoded = decodeFrame(file, 3);
      const d = meanDiff(decoded, png3);
      assert.ok(d < 4, `decoded frame 3 differs from its PNG by ${d.toFixed(2)} on average`);
      // The frames are told apart: frame 3 is closer to its own PNG than to frame 9's.
      assert.ok(meanDiff(decoded, PNG.sync.read(frames.get('frame00009.png'))) > d);
      // Progress reached every frame, in order.
      await page.evaluate(async (name) => {
        await window.meshcast.exportVideo({ first: 0, last: 4, width: 64, height: 64, onProgress: window[name] });
      }, `progress_${backend}`);
      assert.deepEqual(seen, [[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
      await page.waitForFunction(() => document.body.dataset.export === '', null, { timeout: 10000 });
    });

    it('the page and meshcast-render draw the same frame (current view and orbit)', async () => {
      // The page's camera with autotarget=0 is aitviewer's default: target 0, distance 2.5.
      const native = path.join(dir, `native-${backend}`);
      run(RENDER, [rec, '--first', '120', '--last', '120', '--width', String(W), '--height', String(H),
        '--target', '0,0,0', '--distance', '2.5', '--png-dir', native]);
      const page120 = unzip((await exportVideo(page, { first: 120, last: 120, width: W, height: H, format: 'png' })).buf);
      const a = PNG.sync.read(page120.get('frame00000.png'));
      const b = PNG.sync.read(fs.readFileSync(path.join(native, 'frame00000.png')));
      fs.writeFileSync(path.join(OUT, `${backend}-video-page120.png`), page120.get('frame00000.png'));
      fs.copyFileSync(path.join(native, 'frame00000.png'), path.join(OUT, `${backend}-video-native120.png`));
      const share = diffShare(a, b, 24);
      assert.ok(share < 0.02, `${(share * 100).toFixed(2)} % of the pixels differ between the page and meshcast-render`);

      // A still frame orbited: 8 frames a second for one second, frame 3 of both.
      const orbitDir = path.join(dir, `orbit-${backend}`);
      run(RENDER, [rec, '--first', '60', '--last', '60', '--orbit', '360', '--still-seconds', '1', '--fps', '8',
        '--width', String(W), '--height', String(H), '--target', '0,0,0', '--distance', '2.5', '--png-dir', orbitDir]);
      const orbit = unzip((await exportVideo(page, { first: 60, last: 60, camera: 'orbit', stillSeconds: 1, fps: 8, width: W, height: H, format: 'png' })).buf);
      assert.equal(orbit.size, 8);
      const o3 = PNG.sync.read(orbit.get('frame00003.png'));
      const n3 = PNG.sync.read(fs.readFileSync(path.join(orbitDir, 'frame00003.png')));
      const orbitShare = diffShare(o3, n3, 24);
      assert.ok(orbitShare < 0.02, `orbit frame 3: ${(orbitShare * 100).toFixed(2)} % of the pixels differ`);
      // ... and the orbit moved the camera.
      assert.ok(diffShare(o3, PNG.sync.read(orbit.get('frame00000.png')), 24) > 0.05);
    });

    it('MediaRecorder fallback: a WebM with every frame', async () => {
      const video = await exportVideo(page, { first: 30, last: 37, fps: 24, width: W, height: H, encoder: 'mediarecorder' });
      const file = path.join(OUT, `${backend}-video-mediarecorder.webm`);
      fs.writeFileSync(file, video.buf);
      const p = probe(file);
      assert.deepEqual([p.width, p.height], [W, H]);
      assert.ok(['vp8', 'vp9'].includes(p.codec), p.codec);
      // MediaRecorder times frames by the clock (the recorder runs one frame's time per
      // frame): the count is exact, the duration close.
      assert.ok(p.frames === 8 || p.frames === 9, `${p.frames} frames`);
      assert.ok(Math.abs(p.duration - 8 / 24) < 0.15, `duration ${p.duration}`);
    });

    it('cancelling stops the export and the canvas renders again', async () => {
      const result = await page.evaluate(async () => {
        let cancelled = false;
        try {
          await window.meshcast.exportVideo({
            first: 0, last: 200, width: 64, height: 64,
            onProgress: (done) => { if (done === 2 && !cancelled) cancelled = window.meshcast.cancelExport(); },
          });
          return 'finished';
        } catch (e) {
          return `${e.name}: ${e.message} (${cancelled})`;
        }
      });
      assert.equal(result, 'AbortError: the video export was cancelled (true)');
      await page.waitForFunction(() => document.body.dataset.export === '', null, { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.meshcast.cancelExport()), false);
      await nextFrames(page, 2);
    });

    it('bad options are refused with what was wrong', async () => {
      const e = (o) => page.evaluate(async (o) => {
        try {
          await window.meshcast.exportVideo(o);
          return 'ok';
        } catch (err) {
          return `${err.name}: ${err.message}`;
        }
      }, o);
      assert.equal(await e({ width: 321 }), 'RangeError: the video size must be even numbers from 16 to 4096 pixels, got 321×720');
      assert.equal(await e({ first: 300 }), 'RangeError: frame 300 is out of range: the scene has frames 0 to 239');
      assert.equal(await e({ fps: 0 }), 'RangeError: fps must be a number from 1 to 240, got 0');
      assert.equal(await e({ camera: 'spin' }), 'TypeError: exportVideo: camera must be one of current, orbit');
      assert.equal(await e({ width: '320' }), 'TypeError: exportVideo: width must be a number');
    });

    it('the Video panel exports and downloads the video, with a progress bar', async () => {
      await page.fill('#mc-video-first', '0');
      await page.fill('#mc-video-last', '5');
      await page.fill('#mc-video-width', '160');
      await page.fill('#mc-video-height', '96');
      await page.selectOption('#mc-video-camera', 'orbit');
      const download = page.waitForEvent('download', { timeout: 120000 });
      await page.click('#mc-video-export');
      await page.waitForFunction(() => !document.getElementById('mc-video-progress').hidden || document.body.dataset.videos !== '0', null, { timeout: 30000 });
      const d = await download;
      assert.equal(d.suggestedFilename(), 'meshcast-video.webm');
      const file = path.join(OUT, `${backend}-video-panel.webm`);
      await d.saveAs(file);
      const p = probe(file);
      assert.deepEqual([p.width, p.height, p.frames], [160, 96, 6]);
      await page.waitForFunction(() => document.getElementById('mc-video-progress').hidden);

      // A refused value shows in the top bar.
      allowPageErrors(page, /video export/);
      await page.fill('#mc-video-width', '161');
      await page.click('#mc-video-export');
      await page.waitForFunction(() => document.getElementById('mc-error').textContent.includes('video export: the video size must be even'), null, { timeout: 10000 });
    });
  });
}
