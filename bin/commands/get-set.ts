import { GigeError } from '../../lib/errors';
import { parseValue } from '../../lib/camera/settings';
import { CommandContext, parseCommand, requireAddress, withCamera, formatValue } from './common';

export async function getCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('get', args, { address: { type: 'string', short: 'a' } }, true);
  const address = requireAddress('get', values.address);
  if (positionals.length === 0) throw new GigeError('BAD_ARGUMENTS', 'get: name at least one feature, e.g. gige get -a IP DeviceModelName');
  await withCamera(address, 'monitor', async (camera) => {
    for (const name of positionals) {
      const value = formatValue(await camera.get(name));
      ctx.out(positionals.length === 1 ? value : `${name}=${value}`);
    }
  });
  return 0;
}

export async function setCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('set', args, { address: { type: 'string', short: 'a' } }, true);
  const address = requireAddress('set', values.address);
  if (positionals.length === 0) throw new GigeError('BAD_ARGUMENTS', 'set: give at least one NAME=VALUE, e.g. gige set -a IP ExposureTime=10000');
  const assignments = positionals.map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new GigeError('BAD_ARGUMENTS', `set: "${text}" is not NAME=VALUE`);
    return [text.slice(0, eq), parseValue(text.slice(eq + 1))] as const;
  });
  await withCamera(address, 'control', async (camera) => {
    for (const [name, value] of assignments) {
      await camera.set(name, value);
      ctx.out(`${name}=${formatValue(await camera.get(name))}`);
    }
  });
  return 0;
}
