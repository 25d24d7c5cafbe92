import { formatFeatureTable, toJsonSafe } from '../../lib/genicam';
import { GigeError } from '../../lib/errors';
import { CommandContext, parseCommand, requireAddress, withCamera } from './common';

/** Every feature of the camera's GenICam description with its value (monitor access: changes nothing). */
export async function featuresCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('features', args, {
    address: { type: 'string', short: 'a' },
    json: { type: 'boolean', default: false },
    visibility: { type: 'string' },
  });
  const address = requireAddress('features', values.address);
  const visibility = values.visibility as 'Beginner' | 'Expert' | 'Guru' | 'Invisible' | undefined;
  if (visibility !== undefined && !['Beginner', 'Expert', 'Guru', 'Invisible'].includes(visibility)) {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `features: --visibility ${String(visibility)} is not allowed; give Beginner, Expert, Guru or Invisible`,
    );
  }
  await withCamera(address, 'monitor', async (camera) => {
    const features = await camera.nodeMap.list({ visibility });
    ctx.out(values.json ? JSON.stringify(toJsonSafe(features), null, 2) : formatFeatureTable(features));
  });
  return 0;
}
