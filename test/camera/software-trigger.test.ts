import * as assert from 'node:assert/strict';
import { EmulatedCamera } from '../../lib/emulator';
import { Camera } from '../../lib/camera/camera';
import { Bootstrap, Command, GvcpError, GvcpStatus, type RegisterWrite } from '../../lib/gvcp';
import { uniqueLoopbackAddress } from '../support/loopback';

/**
 * A software trigger latches the camera's clock in the same WRITEREG as the trigger (latch first),
 * so that nothing waits in front of the trigger; frames stamped before the latched time are not
 * the trigger's (see lib/camera/trigger-reference.ts).
 */
describe('camera: software trigger with the clock latched in the same write', function () {
  let emulator: EmulatedCamera;
  let address: string;
  let camera: Camera;

  beforeEach(async () => {
    address = uniqueLoopbackAddress();
    emulator = await EmulatedCamera.start({ address, settings: { Width: 1024, Height: 256, ExposureAuto: 'Off', ExposureTime: 100 } });
    camera = await Camera.open({ address });
    await camera.set('TriggerMode', 'On');
    await camera.set('TriggerSource', 'Software');
    await camera.startAcquisition();
  });

  afterEach(async () => {
    await camera.close();
    await emulator.stop();
  });

  /** Records the control channel's commands in order (register writes with their pairs). */
  function recordCommands(): string[] {
    const channel = camera.device.channel;
    const log: string[] = [];
    const writeRegisters = channel.writeRegisters.bind(channel);
    const readRegisters = channel.readRegisters.bind(channel);
    const readMemory = channel.readMemory.bind(channel);
    channel.writeRegisters = (writes: readonly RegisterWrite[], options) => {
      log.push(`WRITEREG ${writes.map((w) => `0x${w.address.toString(16)}=${w.value}`).join(' ')}`);
      return writeRegisters(writes, options);
    };
    channel.readRegisters = (addresses: readonly number[], options) => {
      log.push(`READREG ${addresses.map((a) => `0x${a.toString(16)}`).join(' ')}`);
      return readRegisters(addresses, options);
    };
    channel.readMemory = (start: number, length: number, options) => {
      log.push(`READMEM 0x${start.toString(16)}`);
      return readMemory(start, length, options);
    };
    return log;
  }

  it('sends the latch and the trigger in one WRITEREG, before any other command, and returns the triggered frame', async () => {
    const log = recordCommands();
    const frame = await camera.triggerSoftware(3000);
    assert.equal(frame.status, 'complete');
    const first = log.findIndex((line) => line.startsWith('WRITEREG'));
    assert.equal(first, 0, `the trigger's write is the first command:\n${log.join('\n')}`);
    const pairs = log[first].split(' ').slice(1);
    assert.equal(pairs.length, 2, `latch and trigger together: ${log[first]}`);
    assert.equal(pairs[0], `0x${Bootstrap.TIMESTAMP_CONTROL.toString(16)}=2`, 'the latch goes first');
    // The latched time is read right after the trigger (no poll of the command's done state first:
    // the frame says it was done).
    const latchedRead = log.findIndex((line) => line.includes(`0x${Bootstrap.TIMESTAMP_VALUE_HIGH.toString(16)}`));
    assert.equal(latchedRead, first + 1, log.join('\n'));
    // The trigger's frame is stamped at or after the latched clock, which is before now.
    assert.ok(frame.timestamp <= (await camera.deviceTime()));
    frame.release();
  });

  it('a camera that refuses the latch still triggers: the trigger goes alone and its next frame is taken', async () => {
    const log = recordCommands();
    const channel = camera.device.channel;
    const writeRegisters = channel.writeRegisters.bind(channel);
    // A camera without the timestamp latch answers NOT_IMPLEMENTED for the combined write.
    channel.writeRegisters = (writes: readonly RegisterWrite[], options) => {
      if (writes.some((w) => w.address === Bootstrap.TIMESTAMP_CONTROL)) {
        log.push('refused');
        return Promise.reject(GvcpError.fromStatus(GvcpStatus.NOT_IMPLEMENTED, Command.WRITEREG, address, '0x944'));
      }
      return writeRegisters(writes, options);
    };
    const frame = await camera.triggerSoftware(3000);
    assert.equal(frame.status, 'complete');
    const refused = log.indexOf('refused');
    assert.ok(refused >= 0, log.join('\n'));
    const alone = log.slice(refused + 1).find((line) => line.startsWith('WRITEREG'));
    assert.ok(alone && alone.split(' ').length === 2, `the trigger alone after the refusal:\n${log.join('\n')}`);
    assert.ok(!log.some((line) => line.includes(`0x${Bootstrap.TIMESTAMP_VALUE_HIGH.toString(16)}`)), 'no latched time to read');
    frame.release();
    // And the next trigger works the same way.
    const again = await camera.triggerSoftware(3000);
    assert.equal(again.status, 'complete');
    again.release();
  });

  it("fireSoftwareTrigger (a trigger for other users' frames): latch and trigger in one WRITEREG, the latched time returned", async () => {
    const frameCame = new Promise<{ timestamp: bigint; release(): void }>((resolve) => camera.once('frame', resolve));
    const log = recordCommands();
    const latched = await camera.fireSoftwareTrigger();
    assert.equal(typeof latched, 'bigint');
    assert.equal(log[0].split(' ').length, 3, `latch and trigger together, before anything else:\n${log.join('\n')}`);
    assert.ok(log[0].startsWith(`WRITEREG 0x${Bootstrap.TIMESTAMP_CONTROL.toString(16)}=2 `), log[0]);
    assert.ok(log[1].startsWith(`READREG 0x${Bootstrap.TIMESTAMP_VALUE_HIGH.toString(16)}`), log.join('\n'));
    const frame = await frameCame;
    assert.ok(frame.timestamp >= (latched as bigint), 'the frame was exposed after the latched time');
    frame.release();
  });
});
