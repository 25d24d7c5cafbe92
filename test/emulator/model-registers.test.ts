/**
 * The model's register file on its own (no network): the statuses the GVCP server will answer
 * with when a host writes something the camera refuses, and the byte layout of registers.
 */
import { strict as assert } from 'node:assert';
import { TestCamera, testCamera } from './support/fake-device';
import { feature } from '../../lib/emulator/dmk38gx541/features';
import { LUT_VALUE_ALL_ADDRESS } from '../../lib/emulator/dmk38gx541/features-io';
import { DeviceAccessError } from '../../lib/emulator/device-model';

const INVALID_PARAMETER = 0x8002;
const INVALID_ADDRESS = 0x8003;
const WRITE_PROTECT = 0x8004;
const BAD_ALIGNMENT = 0x8005;

function status(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (err) {
    if (err instanceof DeviceAccessError) return err.status;
    throw err;
  }
}

describe('emulator: DMK 38GX541-a register file', () => {
  let cam: TestCamera;
  beforeEach(() => {
    cam = testCamera();
  });
  afterEach(async () => {
    await cam.close();
  });

  it('refuses values outside the range or increment, and unknown entries, with INVALID_PARAMETER', () => {
    assert.equal(cam.refusal('Width', 607), INVALID_PARAMETER);
    assert.equal(cam.refusal('Width', 610), INVALID_PARAMETER);
    assert.equal(cam.refusal('Width', 4508), INVALID_PARAMETER);
    assert.equal(cam.refusal('PixelFormat', 0x01100003), INVALID_PARAMETER, 'Mono10 is not offered');
    assert.equal(cam.refusal('ReverseX', 2), INVALID_PARAMETER);
    assert.equal(cam.refusal('Gamma', 5.01), INVALID_PARAMETER);
    assert.equal(cam.refusal('BlackLevel', 4096), INVALID_PARAMETER);
    assert.equal(cam.refusal('Width', 608), 0);
  });

  it('refuses read-only and locked features with WRITE_PROTECT and says why', () => {
    assert.equal(cam.refusal('PayloadSize', 1), WRITE_PROTECT);
    assert.equal(cam.refusal('ExposureTime', 5000), WRITE_PROTECT, 'ExposureAuto is Continuous');
    cam.set('TLParamsLocked', 1);
    try {
      cam.set('Width', 1024);
      assert.fail('Width was accepted while TLParamsLocked');
    } catch (err) {
      assert.ok(err instanceof DeviceAccessError);
      assert.match(err.message, /Width is locked: TLParamsLocked is 1/);
    }
    cam.set('TLParamsLocked', 0);
    assert.equal(cam.refusal('Width', 1024), 0);
  });

  it('answers INVALID_ADDRESS and BAD_ALIGNMENT for addresses it does not have', () => {
    assert.equal(
      status(() => cam.model.readRegister(0xa0fc)),
      INVALID_ADDRESS,
    );
    assert.equal(
      status(() => cam.model.readRegister(0xa002)),
      BAD_ALIGNMENT,
    );
    assert.equal(
      status(() => cam.model.readMemory(0x20000000, 4)),
      INVALID_ADDRESS,
    );
    assert.equal(
      status(() => cam.model.writeMemory(0x10000000, Buffer.alloc(4))),
      WRITE_PROTECT,
      'the XML is read-only',
    );
  });

  it('stores doubles as 8 big-endian bytes, written whole or as two WRITEREGs (low word commits)', () => {
    cam.set('ExposureAuto', 0);
    const address = feature('ExposureTime').address as number;
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(1234.5, 0);
    cam.model.writeRegister(address, bytes.readUInt32BE(0));
    assert.equal(cam.get('ExposureTime'), 10000, 'the high word alone changes nothing');
    cam.model.writeRegister(address + 4, bytes.readUInt32BE(4));
    assert.equal(cam.get('ExposureTime'), 1234.5);
    assert.deepEqual(cam.model.readMemory(address, 8), bytes);
  });

  it('keeps LUTValueAll and LUTValue consistent and refuses entries above 65535', () => {
    const data = Buffer.alloc(8);
    data.writeUInt32BE(111, 0);
    data.writeUInt32BE(222, 4);
    cam.model.writeMemory(LUT_VALUE_ALL_ADDRESS + 16, data);
    cam.set('LUTIndex', 5);
    assert.equal(cam.get('LUTValue'), 222);
    data.writeUInt32BE(0x10000, 0);
    assert.equal(
      status(() => cam.model.writeMemory(LUT_VALUE_ALL_ADDRESS, data)),
      INVALID_PARAMETER,
    );
    assert.equal(
      status(() => cam.model.readMemory(LUT_VALUE_ALL_ADDRESS + 1024, 8)),
      INVALID_ADDRESS,
      'runs past the table',
    );
  });

  it('keeps one EventNotification and one ChunkEnable per selector entry', () => {
    cam.set('EventSelector', 4);
    cam.set('EventNotification', 1);
    cam.set('EventSelector', 0);
    assert.equal(cam.get('EventNotification'), 0);
    cam.set('EventSelector', 4);
    assert.equal(cam.get('EventNotification'), 1);
  });

  it('clamps Width when binning lowers WidthMax, and skipping and binning exclude each other', () => {
    cam.set('DecimationHorizontal', 2);
    assert.equal(cam.get('WidthMax'), 2252);
    assert.equal(cam.get('Width'), 2252);
    cam.set('BinningHorizontal', 2);
    assert.equal(cam.get('DecimationHorizontal'), 1);
  });
});
