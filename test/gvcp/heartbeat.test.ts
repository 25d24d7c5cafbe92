import assert from 'node:assert/strict';
import { GvcpDevice } from '../../lib/gvcp/device';
import { ControlChannel } from '../../lib/gvcp/control-channel';
import { Bootstrap, Ccp, GvcpConfiguration } from '../../lib/gvcp/protocol';
import { GvcpError } from '../../lib/gvcp/errors';
import { startTestDevice, TestDevice } from './support/harness';
import { REG_SLOW } from './support/test-model';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('gvcp: privilege, heartbeat and connection loss', function () {
  let dev: TestDevice;
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close().catch(() => undefined);
    await dev?.stop();
  });

  it('heartbeat expiry on the device releases control on its own timer, with no packet arriving', async () => {
    dev = await startTestDevice({ heartbeatTimeoutMs: 500 });
    const ch = await ControlChannel.open({ address: dev.address });
    open.push(ch);
    await ch.writeRegister(Bootstrap.CCP, Ccp.CONTROL);
    await ch.writeRegister(Bootstrap.MCP, 40000);
    assert.equal(dev.server.privilege.controlled(), true);
    assert.equal(dev.server.message.isOpen, true);
    const t0 = Date.now();
    await new Promise<void>((resolve) => dev.server.once('control-released', () => resolve()));
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 450 && elapsed < 800, `released after ${elapsed} ms (timeout 500)`);
    assert.equal(dev.server.privilege.controlled(), false);
    assert.equal(dev.model.controlLost, 1);
    assert.equal(dev.server.message.isOpen, false, 'message channel closed');
    assert.equal(await ch.readRegister(Bootstrap.CCP), 0);
    assert.equal(dev.server.stats().heartbeatExpiries, 1);
  });

  it('GvcpDevice keeps control alive with heartbeats well past the device timeout', async () => {
    dev = await startTestDevice({ heartbeatTimeoutMs: 500 });
    const d = await GvcpDevice.connect({ address: dev.address });
    open.push(d);
    let lost: GvcpError | null = null;
    d.on('lost', (e: GvcpError) => {
      lost = e;
    });
    await sleep(1300);
    assert.equal(lost, null);
    assert.equal(dev.server.stats().heartbeatExpiries, 0);
    assert.equal((await d.controlHolder()).isUs, true);
  });

  it("a camera killed mid-session is reported 'lost' within one heartbeat timeout", async () => {
    dev = await startTestDevice();
    const d = await GvcpDevice.connect({ address: dev.address, heartbeatTimeoutMs: 600 });
    open.push(d);
    assert.equal(d.info.heartbeatTimeoutMs, 600);
    const lost = new Promise<{ err: GvcpError; at: number }>((resolve) =>
      d.once('lost', (err: GvcpError) => resolve({ err, at: Date.now() })),
    );
    await sleep(50);
    const killedAt = Date.now();
    await dev.server.close();
    const { err, at } = await lost;
    assert.equal(err.code, 'GVCP_LOST');
    assert.match(err.message, /connection lost: no answer to the heartbeat/);
    assert.ok(at - killedAt <= 600, `reported ${at - killedAt} ms after the kill (timeout 600)`);
  });

  it("'lost' when control expires on the device (heartbeats blocked) and when another application switches over", async () => {
    dev = await startTestDevice({ heartbeatTimeoutMs: 500 });
    const a = await GvcpDevice.connect({ address: dev.address, heartbeatIntervalMs: 5000 });
    open.push(a);
    const lostA = new Promise<GvcpError>((resolve) => a.once('lost', resolve));
    await sleep(700); // device expires control: our (slow) heartbeat finds CCP 0
    await a.heartbeat();
    assert.match((await lostA).message, /control expired or was released on the device/);

    const b = await GvcpDevice.connect({ address: dev.address, heartbeatIntervalMs: 100 });
    open.push(b);
    await b.enableSwitchover(0x1234);
    const lostB = new Promise<GvcpError>((resolve) => b.once('lost', resolve));
    await assert.rejects(GvcpDevice.connect({ address: dev.address, switchoverKey: 0x1111 }), /another application controls this camera/);
    const c = await GvcpDevice.connect({ address: dev.address, switchoverKey: 0x1234 });
    open.push(c);
    assert.match((await lostB).message, /another application \(127\.0\.0\.1:\d+\) took control/);
    assert.equal((await c.controlHolder()).isUs, true);
  });

  it('the device sends PENDING_ACK for a slow command once the host enabled it; the client waits', async () => {
    dev = await startTestDevice({ pendingTimeoutMs: 40, modelOptions: { slowWriteMs: 400 } });
    const d = await GvcpDevice.connect({ address: dev.address, timeoutMs: 100, retries: 0 });
    open.push(d);
    assert.ok(d.info.gvcpConfiguration & GvcpConfiguration.PENDING_ACK_ENABLE, 'client enabled PENDING_ACK');
    await d.channel.writeRegister(REG_SLOW, 99);
    assert.equal(dev.model.registers.get(REG_SLOW), 99);
    assert.ok(d.channel.stats().pendingAcks >= 2, `pending acks ${d.channel.stats().pendingAcks}`);
    assert.ok(dev.server.stats().pendingAcks >= 2);
  });

  it('without PENDING_ACK a slow command times out on the client with a clear error', async () => {
    dev = await startTestDevice({ pendingTimeoutMs: 40, modelOptions: { slowWriteMs: 300 } });
    const d = await GvcpDevice.connect({ address: dev.address, timeoutMs: 100, retries: 0, enableDeviceFeatures: false });
    open.push(d);
    await assert.rejects(d.channel.writeRegister(REG_SLOW, 1), /no answer to WRITEREG 0xa008/);
  });
});
