/**
 * Two cameras streaming into one host interface, triggered together (a software trigger to both
 * at the same moment, as a PLC or an action command triggers a station's cameras): their frames
 * leave as bursts at the same instant. Runs `--triggers` triggers `--period-ms` apart with the
 * bandwidth budget on or off, and prints per camera what arrived:
 *
 *   RESULT {"budget":"on","cameras":[{"address":…,"framesComplete":…,"framesIncomplete":…,"framesNeverSeen":…,"packetsResent":…,"packetsMissing":…}], "plan":"…"}
 *
 *   budget-client.ts --cameras IP,IP --budget on|off [--link-mbps 1000] [--triggers 40] [--period-ms 50]
 *                    [--settings '{"Width":1920,"Height":1080}'] [--max-seconds 120]
 */
import { Camera } from '../../../lib/camera/camera';
import type { BudgetReport } from '../../../lib/camera/stream-budget';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

setTimeout(() => process.exit(2), Number(arg('max-seconds', '120')) * 1000).unref();

(async () => {
  const addresses = arg('cameras', '').split(',').filter(Boolean);
  const budget = arg('budget', 'on') === 'on';
  const triggers = Number(arg('triggers', '40'));
  const periodMs = Number(arg('period-ms', '50'));
  const settings = JSON.parse(arg('settings', '{}')) as Record<string, string | number>;
  const linkSpeedMbps = Number(arg('link-mbps', '0')) || undefined;
  const cameras = await Promise.all(addresses.map((address) => Camera.open({ address, bandwidth: budget ? { linkSpeedMbps } : false })));
  const reports = new Map<string, string>();
  const warnings: Array<{ address: string; code?: string; message: string }> = [];
  const frameRates = new Map<string, unknown>();
  const received = new Map<string, number>();
  // Block ids the camera gave its frames: consecutive, so a gap is a frame that never arrived at
  // all (a trigger the camera missed while busy takes none).
  const lastBlock = new Map<string, bigint>();
  const framesNeverSeen = new Map<string, number>();
  try {
    for (const camera of cameras) {
      for (const [name, value] of Object.entries({ ExposureAuto: 'Off', ExposureTime: 1000, ...settings })) await camera.set(name, value);
      await camera.prepareSoftwareTrigger();
      camera.on('bandwidth', (report: BudgetReport) => reports.set(camera.address, report.description));
      camera.on('frame', (frame: { blockId: bigint }) => {
        received.set(camera.address, (received.get(camera.address) ?? 0) + 1);
        const last = lastBlock.get(camera.address);
        if (last !== undefined && frame.blockId > last + 1n)
          framesNeverSeen.set(camera.address, (framesNeverSeen.get(camera.address) ?? 0) + Number(frame.blockId - last - 1n));
        lastBlock.set(camera.address, frame.blockId);
      });
      camera.on('warning', (err: Error & { code?: string }) =>
        warnings.push({ address: camera.address, code: err.code, message: err.message }),
      );
    }
    for (const camera of cameras) await camera.startAcquisition();
    for (const camera of cameras) frameRates.set(camera.address, await camera.get('AcquisitionFrameRate'));
    const start = Date.now();
    for (let i = 0; i < triggers; i += 1) {
      const due = start + i * periodMs;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await Promise.all(cameras.map((camera) => camera.execute('TriggerSoftware')));
    }
    // The last frames are read out and sent; wait for them, boundedly.
    const end = Date.now() + 5000;
    while (
      Date.now() < end &&
      cameras.some((c) => (c.streamStatistics()?.framesComplete ?? 0) + (c.streamStatistics()?.framesIncomplete ?? 0) < triggers)
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    const result = cameras.map((camera) => {
      const s = camera.streamStatistics();
      return {
        address: camera.address,
        framesDelivered: received.get(camera.address) ?? 0,
        framesNeverSeen: framesNeverSeen.get(camera.address) ?? 0,
        framesComplete: s?.framesComplete ?? 0,
        framesIncomplete: s?.framesIncomplete ?? 0,
        packetsReceived: s?.packetsReceived ?? 0,
        packetsResent: s?.packetsResent ?? 0,
        packetsMissing: s?.packetsMissing ?? 0,
        resendRequests: s?.resendRequests ?? 0,
        packetDelay: camera.bandwidthBudget?.allocation?.packetDelayTicks ?? null,
        frameRateWhileStreaming: frameRates.get(camera.address),
      };
    });
    // Stopped, each camera has its own settings back (for its next acquisition, and other applications).
    for (const [i, camera] of cameras.entries()) {
      await camera.stopAcquisition();
      Object.assign(result[i], { frameRateAfter: await camera.get('AcquisitionFrameRate'), packetDelayAfter: await camera.get('GevSCPD') });
    }
    process.stdout.write(
      `RESULT ${JSON.stringify({ budget: budget ? 'on' : 'off', triggers, periodMs, cameras: result, plan: [...reports.values()][0] ?? null, warnings })}\n`,
    );
  } finally {
    for (const camera of cameras) await camera.close();
  }
  process.exit(0);
})().catch((err: Error) => {
  process.stderr.write(`budget-client: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
