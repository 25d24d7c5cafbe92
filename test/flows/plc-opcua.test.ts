import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper } from './support';
import { startOpcUaPlc, plcCycle, PlcPeer, expectedArea, loadOpcUaExample, disconnectOpcUaClients } from './plc';
import { uniqueLoopbackAddress } from '../support/loopback';
import { freePort } from '../support/processes';

describe('flows: "PLC inspection over OPC UA" against a node-opcua server playing the PLC', function () {
  this.timeout(120000);
  let plc: PlcPeer | null = null;
  let pki = '';

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    // node-red-contrib-opcua 0.2.354 leaves its client connected when a node closes (its close handler
    // returns before disconnecting), and the client then retries for good once the server is gone:
    // the test disconnects the clients the flow left behind.
    await disconnectOpcUaClients(() => helper.unload());
    await plc?.close();
    plc = null;
    await helper.stopServer();
    if (pki) fs.rmSync(pki, { recursive: true, force: true });
  });

  it("each PLC trigger gets the part's bright area, pass/fail and the handshake variables", async () => {
    pki = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-opcua-'));
    const port = await freePort();
    plc = await startOpcUaPlc(port, pki);
    await loadOpcUaExample(uniqueLoopbackAddress(), port);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await plcCycle(plc, 30000));
    for (const [i, r] of results.entries()) {
      const area = expectedArea(r.part);
      assert.equal(r.area, area, `cycle ${i + 1}, part ${r.part}: bright area`);
      assert.equal(r.result, area >= 1165000 ? 1 : 2);
      assert.equal(r.pass, area >= 1165000);
      assert.deepEqual([r.done, r.busy, r.error, r.errorCode], [true, false, false, 0]);
      assert.ok(r.exposureBeforeDone, `cycle ${i + 1}: ExposureComplete before Done\n${r.log.join('\n')}`);
      assert.equal(r.cycle, i + 1);
      if (i > 0) assert.equal(r.part, results[i - 1].part + 1);
    }
    // Parts 3 and 4 of seed 1 have holes.
    assert.ok(results.some((r) => !r.pass) && results.some((r) => r.pass), results.map((r) => `${r.part}:${r.area}`).join(' '));
  });
});
