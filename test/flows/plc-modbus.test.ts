import * as assert from 'node:assert/strict';
import { helper } from './support';
import { startModbusPlc, plcCycle, PlcPeer, expectedArea, loadModbusExample } from './plc';
import { uniqueLoopbackAddress } from '../support/loopback';
import { freePort } from '../support/processes';

describe('flows: "PLC inspection over Modbus TCP" against a Modbus TCP server playing the PLC', function () {
  this.timeout(120000);
  let plc: PlcPeer | null = null;

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await plc?.close();
    plc = null;
    await helper.stopServer();
  });

  it("each PLC trigger gets the part's bright area, pass/fail and the handshake bits, in the register map's order", async () => {
    const port = await freePort();
    plc = await startModbusPlc(port);
    await loadModbusExample(uniqueLoopbackAddress(), port);
    const results = [];
    // Parts 1…16 of seed 1 hold two holes (3, 4) and a chipped corner (15).
    for (let i = 0; i < 16; i++) results.push(await plcCycle(plc, 30000));
    const parts = results.map((r) => r.part);
    for (const [i, r] of results.entries()) {
      const area = expectedArea(r.part);
      assert.equal(r.area, area, `cycle ${i + 1}, part ${r.part}: bright area`);
      assert.equal(r.result, area >= 1165000 ? 1 : 2, `cycle ${i + 1}: result register`);
      assert.equal(r.pass, area >= 1165000, `cycle ${i + 1}: Pass coil`);
      assert.deepEqual([r.done, r.busy, r.error, r.errorCode], [true, false, false, 0], `cycle ${i + 1}: Done, not Busy, no error`);
      assert.ok(r.exposureBeforeDone, `cycle ${i + 1}: Exposure complete (the camera's ExposureEnd) came before Done\n${r.log.join('\n')}`);
      assert.equal(r.cycle, i + 1, 'the cycle counter');
      if (i > 0) assert.equal(r.part, parts[i - 1] + 1, 'one frame, one part per trigger');
    }
    assert.ok(
      results.some((r) => !r.pass) && results.some((r) => r.pass),
      `good and defective parts: ${results.map((r) => `${r.part}:${r.area}`).join(' ')}`,
    );
    // After the last cycle the PLC cleared Trigger: Ready again, Done cleared.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([plc.state().ready, plc.state().done], [true, false]);
  });
});
