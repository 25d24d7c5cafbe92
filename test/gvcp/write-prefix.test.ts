import * as assert from 'node:assert/strict';
import { WritePrefix } from '../../lib/gvcp/write-prefix';
import { Command, GvcpError, GvcpStatus } from '../../lib/gvcp';

describe('gvcp: register writes in front of the next port write', function () {
  it('ride in the same WRITEREG as a one-register write; a refusal sends the write alone', async () => {
    const prefix = new WritePrefix();
    const sent: string[] = [];
    const send = async (writes: readonly { address: number; value: number }[]) => {
      sent.push(writes.map((w) => w.address.toString(16)).join('+'));
    };
    const latch = prefix.set([{ address: 0x944, value: 2 }]);
    await prefix.write({ address: 0xa50c, value: 1 }, send, async () => {
      sent.push('alone');
    });
    assert.deepEqual(sent, ['944+a50c']);
    assert.equal(await latch.outcome, 'sent');
    // Only the next write carries it.
    await prefix.write({ address: 0xa50c, value: 1 }, send, async () => {
      sent.push('alone');
    });
    assert.deepEqual(sent, ['944+a50c', 'alone']);

    const refused = prefix.set([{ address: 0x944, value: 2 }]);
    await prefix.write(
      { address: 0xa50c, value: 1 },
      () => Promise.reject(GvcpError.fromStatus(GvcpStatus.NOT_IMPLEMENTED, Command.WRITEREG, '127.0.0.1')),
      async () => {
        sent.push('alone');
      },
    );
    assert.equal(await refused.outcome, 'refused');
    assert.deepEqual(sent, ['944+a50c', 'alone', 'alone']);
  });

  it('goes in a WRITEREG of its own before a memory write, and is not sent when the link fails', async () => {
    const prefix = new WritePrefix();
    const sent: string[] = [];
    const latch = prefix.set([{ address: 0x944, value: 2 }]);
    await prefix.write(
      null,
      async (writes) => {
        sent.push(`WRITEREG ${writes.length}`);
      },
      async () => {
        sent.push('WRITEMEM');
      },
    );
    assert.deepEqual(sent, ['WRITEREG 1', 'WRITEMEM']);
    assert.equal(await latch.outcome, 'sent');
    const lost = prefix.set([{ address: 0x944, value: 2 }]);
    await assert.rejects(
      prefix.write(
        { address: 0xa50c, value: 1 },
        () => Promise.reject(new GvcpError('GVCP_TIMEOUT', 'no answer')),
        async () => undefined,
      ),
      /no answer/,
    );
    assert.equal(await lost.outcome, 'unsent');
  });
});
