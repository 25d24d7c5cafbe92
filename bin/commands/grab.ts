import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { GigeError } from '../../lib/errors';
import { encodeFrame } from '../../lib/camera/frame-output';
import type { Frame } from '../../lib/stream';
import { CommandContext, parseCommand, requireAddress, withCamera, toJson, intOption } from './common';

/**
 * Grabs N consecutive frames to a file (N = 1: `-o frame.png` or `-o frame.raw`) or to a directory
 * (`frame-<id>.png`). PNG is 8-bit for Mono8 and 16-bit otherwise (12-bit data in the MSBs).
 */
export async function grabCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('grab', args, {
    address: { type: 'string', short: 'a' },
    count: { type: 'string', short: 'n', default: '1' },
    output: { type: 'string', short: 'o' },
    'packet-size': { type: 'string' },
    timeout: { type: 'string', default: '5000' },
    stats: { type: 'boolean', default: false },
  });
  const address = requireAddress('grab', values.address);
  const count = intOption('grab', 'count (-n)', values.count, 1, 100000);
  const output = values.output as string | undefined;
  if (!output) throw new GigeError('BAD_ARGUMENTS', 'grab: say where to write with -o FILE.png, -o FILE.raw or -o DIR');
  const timeoutMs = intOption('grab', 'timeout', values.timeout, 1, 3600000);
  const packetSize = values['packet-size'] !== undefined ? intOption('grab', 'packet-size', values['packet-size'], 576, 65535) : undefined;
  const singleFile = count === 1 && /\.(png|raw)$/i.test(output);
  if (!singleFile) await fs.mkdir(output, { recursive: true });

  await withCamera(
    address,
    'control',
    async (camera) => {
      const queue: Frame[] = [];
      let wake: (() => void) | null = null;
      camera.on('frame', (frame: Frame) => {
        // Held past the event (a share of its pool buffer), released once written.
        if (queue.length < count) queue.push(frame.share());
        wake?.();
      });
      await camera.startAcquisition();
      let written = 0;
      let incomplete = 0;
      try {
        while (written < count) {
          if (queue.length === 0) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () =>
                  reject(
                    new GigeError(
                      'FRAME_TIMEOUT',
                      `grab: no frame within ${timeoutMs} ms after ${written} of ${count} (check TriggerMode: a camera waiting for a trigger sends nothing)`,
                    ),
                  ),
                timeoutMs,
              );
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
            continue;
          }
          const frame = queue.shift() as Frame;
          if (frame.status !== 'complete') incomplete += 1;
          const file = singleFile ? output : path.join(output, `frame-${String(frame.blockId).padStart(6, '0')}.png`);
          try {
            const bytes = /\.raw$/i.test(file) ? frame.data : await encodeFrame(frame, 'png');
            await fs.writeFile(file, bytes);
          } finally {
            frame.release();
          }
          written += 1;
          ctx.out(`${file}  ${frame.width}x${frame.height} ${frame.pixelFormatName} frame ${frame.blockId} ${frame.status}`);
        }
      } finally {
        for (const frame of queue.splice(0)) frame.release();
        const stats = camera.streamStatistics();
        await camera.stopAcquisition();
        if (values.stats && stats) ctx.out(toJson(stats));
        if (incomplete > 0) ctx.err(`gige: ${incomplete} of ${count} frames were incomplete (missing packets)`);
      }
    },
    packetSize,
  );
  return 0;
}
