import { GigeError } from '../../lib/errors';
import { IoControlClient, DEFAULT_IO_CONTROL_PORT } from '../../lib/emulator';
import { CommandContext, parseCommand, requireAddress, toJson, intOption } from './common';

/**
 * The emulated camera's I/O connector from another process (a camera started with `gige emulate`):
 *   gige io -a IP pulse --width 100 [--count 5 --period 1000] [--delay 0] [--low]
 *   gige io -a IP set high|low        gige io -a IP get
 *   gige io -a IP strobe [--clear]    (STROBE_OUT edges recorded so far: device ns, level)
 */
export async function ioCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(
    'io',
    args,
    {
      address: { type: 'string', short: 'a' },
      port: { type: 'string', default: String(DEFAULT_IO_CONTROL_PORT) },
      width: { type: 'string' },
      count: { type: 'string' },
      period: { type: 'string' },
      delay: { type: 'string' },
      low: { type: 'boolean', default: false },
      clear: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  const address = requireAddress('io', values.address);
  const [operation, level] = positionals;
  const number = (name: string): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new GigeError('BAD_ARGUMENTS', `io: --${name} ${String(text)} is not a number`);
    return n;
  };
  const client = await IoControlClient.connect(address, intOption('io', 'port', values.port, 1, 65535));
  try {
    switch (operation) {
      case 'pulse': {
        if (values.width === undefined) throw new GigeError('BAD_ARGUMENTS', 'io pulse: give the pulse width in µs, e.g. --width 100');
        const result = (await client.request('pulse', {
          widthUs: number('width'),
          count: number('count'),
          periodUs: number('period'),
          delayUs: number('delay'),
          high: !values.low,
        })) as { start: string; end: string };
        ctx.out(values.json ? toJson(result) : `TRIGGER_IN pulses from ${result.start} to ${result.end} (device ns)`);
        return 0;
      }
      case 'set': {
        if (level !== 'high' && level !== 'low')
          throw new GigeError('BAD_ARGUMENTS', `io set: say "high" or "low", not ${level === undefined ? 'nothing' : `"${level}"`}`);
        const at = await client.request('setTriggerInput', { high: level === 'high' });
        ctx.out(`TRIGGER_IN ${level} at ${String(at)} (device ns)`);
        return 0;
      }
      case 'get':
        ctx.out(
          `TRIGGER_IN ${(await client.request('triggerInput')) ? 'high' : 'low'}, STROBE_OUT ${(await client.request('strobeOutput')) ? 'high' : 'low'}`,
        );
        return 0;
      case 'strobe': {
        const edges = (await client.request('strobeRecord')) as Array<{ time: string; level: boolean }>;
        if (values.json) ctx.out(toJson(edges));
        else for (const edge of edges) ctx.out(`${edge.time} ${edge.level ? 'high' : 'low'}`);
        if (values.clear) await client.request('clearStrobeRecord');
        return 0;
      }
      default:
        throw new GigeError(
          'BAD_ARGUMENTS',
          `io: unknown operation ${operation === undefined ? '(none)' : `"${operation}"`}; allowed pulse, set, get, strobe`,
        );
    }
  } finally {
    client.close();
  }
}
