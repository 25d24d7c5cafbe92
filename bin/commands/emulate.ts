import { EmulatedCamera, DEFAULT_IO_CONTROL_PORT } from '../../lib/emulator';
import { GigeError } from '../../lib/errors';
import { CommandContext, parseCommand, intOption } from './common';

/** Runs an emulated DMK 38GX541-a until SIGINT/SIGTERM, then stops it and exits cleanly. */
export async function emulateCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('emulate', args, {
    address: { type: 'string', default: '127.0.0.2' },
    serial: { type: 'string' },
    'user-sets': { type: 'string' },
    'io-port': { type: 'string', default: String(DEFAULT_IO_CONTROL_PORT) },
    'no-io': { type: 'boolean', default: false },
  });
  const address = values.address as string;
  if (!/^127\./.test(address) && process.env.GIGE_EMULATE_ANY_ADDRESS !== '1') {
    throw new GigeError('BAD_ARGUMENTS', `emulate: ${address} is not a loopback address; the emulator binds 127.x addresses ` +
      'so that it never appears on a real network (set GIGE_EMULATE_ANY_ADDRESS=1 to override deliberately)');
  }
  const camera = await EmulatedCamera.start({
    address,
    serial: values.serial as string | undefined,
    userSetFile: values['user-sets'] as string | undefined,
    ioControlPort: values['no-io'] ? undefined : intOption('emulate', 'io-port', values['io-port'], 1, 65535),
  });
  const io = camera.ioControlPort ? `, I/O control port ${camera.ioControlPort} (gige io)` : '';
  ctx.out(`emulated DMK 38GX541-a serial ${camera.serial} at ${camera.address} (GVCP port 3956${io}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await camera.stop();
  ctx.out('emulator stopped');
  return 0;
}
