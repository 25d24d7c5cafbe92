import assert from 'node:assert/strict';
import * as path from 'node:path';
import type dgram from 'node:dgram';
import { GvcpDevice } from '../../lib/gvcp/device';
import { GvcpError } from '../../lib/gvcp/errors';
import { startTestDevice, TestDevice } from './support/harness';
import { deafen } from './support/blackout';
import { start, killAll, Running } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function lostEvent(device: GvcpDevice): Promise<{ err: GvcpError; at: number }> {
  return new Promise((resolve) => device.once('lost', (err: GvcpError) => resolve({ err, at: Date.now() })));
}

/** Blocks this process's event loop (what a heavy synchronous function node does). */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy */
  }
}

describe('gvcp: loss is declared within one heartbeat timeout whatever the cause, and only then', function () {
  this.timeout(20000);
  let dev: TestDevice | null = null;
  const open: GvcpDevice[] = [];

  afterEach(async () => {
    for (const d of open.splice(0)) await d.close().catch(() => undefined);
    await dev?.stop();
    dev = null;
  });

  it("heartbeats that cannot be sent (ENETUNREACH: the host's interface is down) are a loss, not a warning", async () => {
    dev = await startTestDevice();
    const device = await GvcpDevice.connect({ address: dev.address, heartbeatTimeoutMs: 1000 });
    open.push(device);
    const lost = lostEvent(device);
    // What the kernel answers every send once the route to the camera is gone.
    const socket = (device.channel as unknown as { socket: dgram.Socket }).socket;
    const unreachable = Object.assign(new Error('send ENETUNREACH 127.0.0.2:3956'), { code: 'ENETUNREACH', errno: -101, syscall: 'send' });
    socket.send = ((...args: unknown[]) => {
      const callback = args[args.length - 1];
      if (typeof callback === 'function') setImmediate(() => (callback as (err: Error) => void)(unreachable));
    }) as typeof socket.send;
    const brokenAt = Date.now();
    const { err, at } = await lost;
    assert.equal(err.code, 'GVCP_LOST');
    assert.match(err.message, /cannot be sent \(send ENETUNREACH/);
    // One heartbeat timeout (1000 ms), with room for a loaded machine.
    assert.ok(at - brokenAt < 1000 + 1500, `declared ${at - brokenAt} ms after the link went`);
  });

  it('a blip shorter than the heartbeat timeout costs nothing: the device kept us, so do we', async () => {
    dev = await startTestDevice();
    const device = await GvcpDevice.connect({ address: dev.address, heartbeatTimeoutMs: 2000, heartbeatIntervalMs: 250 });
    open.push(device);
    let lost: GvcpError | null = null;
    device.on('lost', (err: GvcpError) => {
      lost = err;
    });
    await sleep(300);
    const hear = deafen(dev.server);
    await sleep(1000);
    hear();
    await sleep(800);
    assert.equal(lost, null, `a 1 s blip with a 2 s heartbeat timeout was declared a loss: ${(lost as GvcpError | null)?.message}`);
    assert.equal((await device.controlHolder()).isUs, true);
    assert.equal(dev.server.stats().heartbeatExpiries, 0);
  });

  it('silence up to the heartbeat timeout is a loss (and no sooner than the device would drop us)', async () => {
    dev = await startTestDevice();
    const device = await GvcpDevice.connect({ address: dev.address, heartbeatTimeoutMs: 1000, heartbeatIntervalMs: 250 });
    open.push(device);
    const lost = lostEvent(device);
    await sleep(100);
    deafen(dev.server);
    const silentFrom = Date.now();
    const { err, at } = await lost;
    assert.match(err.message, /no answer to the heartbeat for \d+ ms \(heartbeat timeout 1000 ms\)/);
    assert.ok(at - silentFrom >= 500, `declared after only ${at - silentFrom} ms of silence`);
    assert.ok(at - silentFrom < 1000 + 1500, `declared ${at - silentFrom} ms after the silence began`);
  });
});

describe('gvcp: a blocked event loop does not cost the camera (native keep-alive)', function () {
  this.timeout(30000);
  let camera: Running | null = null;
  const open: GvcpDevice[] = [];

  afterEach(async () => {
    for (const d of open.splice(0)) await d.close().catch(() => undefined);
    await camera?.stop().catch(() => undefined);
    camera = null;
    killAll();
  });

  it('keeps control through a 2.5 s synchronous stall with a 2 s device heartbeat timeout; loss detection stays honest', async () => {
    // The camera in another process: its heartbeat timer must run while this process is blocked.
    const address = uniqueLoopbackAddress();
    camera = start(process.execPath, [
      '-r',
      'tsx/cjs',
      path.join(__dirname, '..', 'support', 'emulator-process.ts'),
      '--address',
      address,
      '--max-seconds',
      '60',
    ]);
    await camera.waitFor(/READY/, 20000);
    const device = await GvcpDevice.connect({ address, heartbeatTimeoutMs: 2000 });
    open.push(device);
    assert.equal(device.keepAliveStats().active, true, 'the native keep-alive runs');
    let lost: GvcpError | null = null;
    device.on('lost', (err: GvcpError) => {
      lost = err;
    });
    await sleep(600);
    blockEventLoop(2500);
    await sleep(1500);
    assert.equal(lost, null, `lost after the stall: ${(lost as GvcpError | null)?.message}`);
    assert.equal((await device.controlHolder()).isUs, true);
    assert.doesNotMatch(camera.output(), /RELEASED heartbeat/, 'the camera never dropped us');
    assert.ok(device.keepAliveStats().sent >= 1, `the native thread sent ${device.keepAliveStats().sent} heartbeats during the stall`);

    // Honest: with the camera gone, the keep-alive does not hide the loss.
    const gone = lostEvent(device);
    const killedAt = Date.now();
    camera.child.kill('SIGKILL');
    const { at } = await gone;
    assert.ok(at - killedAt < 2000 + 2000, `declared ${at - killedAt} ms after the camera died`);
    assert.equal(device.keepAliveStats().active, false, 'the keep-alive stops with the loss');
  });
});
