import { GigeError } from '../../lib/errors';
import { CommandContext, parseCommand, requireAddress, withCamera, formatValue } from './common';

export async function getCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('get', args, { address: { type: 'string', short: 'a' } }, true);
  const address = requireAddress('get', values.address);
  if (positionals.length === 0) throw new GigeError('BAD_ARGUMENTS', 'get: name at least one feature, e.g. gige get -a IP DeviceModelName');
  await withCamera(address, 'monitor', async (camera) => {
    for (const name of positionals) {
      // A command has no value: point at the CLI's way to run it.
      if (camera.nodeMap.has(name) && camera.nodeMap.typeOf(name) === 'Command') {
        throw new GigeError('WRONG_TYPE', `${name} is a command: run it with gige execute -a ${address} ${name}`);
      }
      const value = formatValue(await camera.get(name));
      ctx.out(positionals.length === 1 ? value : `${name}=${value}`);
    }
  });
  return 0;
}

export async function setCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('set', args, { address: { type: 'string', short: 'a' } }, true);
  const address = requireAddress('set', values.address);
  if (positionals.length === 0)
    throw new GigeError('BAD_ARGUMENTS', 'set: give at least one NAME=VALUE, e.g. gige set -a IP ExposureTime=10000');
  const assignments = positionals.map((text) => {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new GigeError('BAD_ARGUMENTS', `set: "${text}" is not NAME=VALUE`);
    // Text as typed: the camera's GenICam description converts it by the feature's type.
    return [text.slice(0, eq), text.slice(eq + 1)] as const;
  });
  await withCamera(address, 'control', async (camera) => {
    for (const [name, value] of assignments) {
      await camera.set(name, value);
      ctx.out(`${name}=${formatValue(await camera.get(name))}`);
    }
  });
  return 0;
}

export async function executeCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('execute', args, { address: { type: 'string', short: 'a' } }, true);
  const address = requireAddress('execute', values.address);
  if (positionals.length === 0)
    throw new GigeError('BAD_ARGUMENTS', 'execute: name at least one command feature, e.g. gige execute -a IP TriggerSoftware');
  await withCamera(address, 'control', async (camera) => {
    for (const name of positionals) {
      await camera.execute(name);
      ctx.out(`${name} done`);
    }
  });
  return 0;
}
