// The commands a user types, run as they are: the README's main command (`./scripts/run.sh`)
// from this checkout, and the page served by `trunk serve` next to a relay started without flags.
// Both are checked in headless Chromium (WebGL2: the backend every browser has).
//
//   npm --prefix tests/browser run test:commands

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { allowPageErrors, freePort, launch, nextFrames, region, ROOT, shot, sleep, startRelay, waitFor, waitReady } from './lib.mjs';
import { f32, i32, MSG, Producer } from './send.mjs';

const BACKEND = 'webgl';

/** Starts `cmd args` in a process group of its own, output collected. */
function startGroup(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, pgid: proc.pid, log: () => log, exited };
}

/** The process ids in process group `pgid` (from /proc). */
function groupMembers(pgid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(`${name} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Kills what is left of a group (a failed test must not leave processes behind). */
function killGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
async function waitHttp(url, group, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  let exited = null;
  group.exited.then((e) => (exited = e));
  while (performance.now() < deadline) {
    if (exited) throw new Error(`exited (${JSON.stringify(exited)}) before ${url} answered:\n${group.log().slice(-4000)}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s:\n${group.log().slice(-4000)}`);
}

/** The group's exit (`{code, signal}`), or `null` if it has not exited within `ms`. The timer
 * is cleared either way: a pending one would keep this test file's process alive after its
 * tests end. */
async function exitWithin(group, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([group.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the group's output matches `re` (30 s). */
async function waitLog(group, re) {
  const deadline = performance.now() + 30000;
  while (!re.test(group.log())) {
    if (performance.now() > deadline) throw new Error(`no ${re} in the output:\n${group.log().slice(-4000)}`);
    await sleep(100);
  }
}

describe('the README main command: ./scripts/run.sh', () => {
  let group;
  let browser;
  after(async () => {
    await browser?.close();
    if (group) killGroup(group.pgid);
  });

  it('builds, serves the demo scene at /, and stops everything on SIGTERM', async () => {
    const port = await freePort();
    // The first run on a fresh clone builds the relay and the demo in release mode.
    group = startGroup(path.join(ROOT, 'scripts', 'run.sh'), ['--port', String(port)]);
    await waitHttp(`http://127.0.0.1:${port}/healthz`, group, 40 * 60 * 1000);
    // The relay's banner reaches run.sh's output through its log tail, which may lag the
    // relay's first HTTP answer.
    await waitLog(group, new RegExp(`open http://127\\.0\\.0\\.1:${port}/ in a browser`));
    // run.sh names the page that plays the demo (the page itself starts paused, as aitviewer).
    await waitLog(group, /meshcast is running: open (\S+) in a browser/);
    const shown = group.log().match(/meshcast is running: open (\S+) in a browser/)[1];
    assert.equal(shown, `http://127.0.0.1:${port}/?play`);

    browser = await launch(BACKEND);
    const page = await browser.context.newPage();
    await page.goto(`${shown}&backend=${BACKEND}`);
    await waitReady(page, BACKEND);
    assert.equal(await page.evaluate(() => window.__meshcast.playing()), true, 'the demo URL plays');
    // The demo sends 8 nodes, one of each kind and a group.
    await waitFor(page, () => window.__meshcast.nodes().length >= 8, null, 60000);
    const names = await page.evaluate(() => window.__meshcast.nodes().map((n) => n.name));
    for (const name of ['Torus', 'Cube', 'Wave', 'Helix', 'Arrows', 'Rigid bodies', 'Pendulum', 'Group']) {
      assert.ok(names.includes(name), `${name} in ${JSON.stringify(names)}`);
    }
    // The scene list is refreshed with the next frame.
    await page.waitForFunction(() => {
      const listed = document.getElementById('mc-scene-list')?.textContent ?? '';
      return listed.includes('Torus') && listed.includes('Pendulum');
    }, null, { timeout: 30000 });
    await nextFrames(page);
    const img = await shot(page, 'main-command-demo');
    const blue = region(img, 'blue');
    assert.ok(blue.n > 800, `blue torus pixels: ${blue.n}`);
    const red = region(img, 'red');
    const green = region(img, 'green');
    assert.ok(red.n + green.n > 300, `red/green demo pixels: ${red.n} + ${green.n}`);
    await page.close();

    const members = groupMembers(group.pgid);
    assert.ok(members.some((m) => m.includes('meshcast-relay')), `relay running: ${members}`);
    assert.ok(members.some((m) => m.includes('demo')), `demo running: ${members}`);
    process.kill(group.pgid, 'SIGTERM');
    const exit = await exitWithin(group, 20000);
    assert.ok(exit, `run.sh did not exit within 20 s of SIGTERM:\n${group.log().slice(-2000)}`);
    // Give the last children a moment to be reaped, then nothing of the group may be left.
    let left = groupMembers(group.pgid);
    for (let i = 0; i < 20 && left.length; i++) {
      await sleep(100);
      left = groupMembers(group.pgid);
    }
    assert.deepEqual(left, [], 'processes started by run.sh still running after SIGTERM');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'the relay stopped listening');
  });

  it('fails loudly with the relay log when the relay cannot start', async () => {
    // The port is taken: the relay cannot listen.
    const taken = await startRelay();
    try {
      const g = startGroup(path.join(ROOT, 'scripts', 'run.sh'), ['--port', String(taken.port)]);
      const exit = await exitWithin(g, 10 * 60 * 1000);
      killGroup(g.pgid);
      assert.ok(exit, 'run.sh exited');
      assert.notEqual(exit.code, 0, `exit status: ${JSON.stringify(exit)}`);
      assert.match(g.log(), /meshcast-relay does not answer/);
      assert.match(g.log(), /Address already in use|address in use|cannot listen/i, g.log().slice(-2000));
      assert.doesNotMatch(g.log(), /meshcast is running/);
      assert.deepEqual(groupMembers(g.pgid), []);
    } finally {
      await taken.stop();
    }
  });
});

describe('trunk serve and a relay started without flags', () => {
  let group;
  let browser;
  let relay;
  const distDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshcast-trunk-serve-'));
  after(async () => {
    await browser?.close();
    await relay?.stop();
    if (group) killGroup(group.pgid);
    fs.rmSync(distDir, { recursive: true, force: true });
  });

  it('the page from trunk serve connects to the relay (started after it) and draws a mesh', async () => {
    const trunkPort = await freePort();
    const relayPort = await freePort();
    // --release reuses the release build of the test command. Screenshots land under tests/:
    // trunk must not rebuild and reload the page for them.
    group = startGroup('trunk', ['serve', '--release', '--port', String(trunkPort), '--dist', distDir, '--ignore', 'tests', '--no-autoreload']);
    await waitHttp(`http://127.0.0.1:${trunkPort}/`, group, 20 * 60 * 1000);

    browser = await launch(BACKEND);
    // The page tries the relay before it runs: the browser logs the refused WebSocket.
    allowPageErrors(browser, /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/viewer' failed/);
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${trunkPort}/?backend=${BACKEND}&relay=ws://127.0.0.1:${relayPort}&autotarget=0`);
    await page.waitForFunction(() => document.body.dataset.firstFrame === '1', null, { timeout: 60000 });
    assert.notEqual(await page.evaluate(() => document.body.dataset.connection), 'connected');

    relay = await startRelay({ port: relayPort });
    await waitReady(page, BACKEND, 60000);
    const producer = await Producer.connect(relay.clientUrl);
    producer.send(MSG.MESHES, 1, {
      vertices: f32([1, 4, 3], [-0.6, -0.6, 0, 0.6, -0.6, 0, 0.6, 0.6, 0, -0.6, 0.6, 0]),
      faces: i32([2, 3], [0, 1, 2, 0, 2, 3]),
      color: f32([4], [1, 0, 0, 1]),
      name: 'square',
    });
    await producer.flush();
    producer.close();
    await waitFor(page, () => window.__meshcast.nodes().length === 1);
    await nextFrames(page);
    const img = await shot(page, 'trunk-serve-mesh');
    const red = region(img, 'red', [0.25, 0.2, 0.75, 0.8]);
    assert.ok(red.n > 2000, `red square pixels: ${red.n}`);
    assert.doesNotMatch(relay.log(), /request refused/);
    await page.close();
  });
});
