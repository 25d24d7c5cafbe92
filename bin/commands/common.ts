import { parseArgs, ParseArgsConfig } from 'node:util';
import { GigeError } from '../../lib/errors';
import { Camera, AccessMode } from '../../lib/camera/camera';
import { HelpRequested, formatCommandHelp } from './help';

export interface CommandContext {
  out(line: string): void;
  err(line: string): void;
}

export function usage(): string {
  return [
    'usage: gige <command> [options]',
    '',
    '  discover --broadcast ADDR [--timeout MS] [--json]   find cameras (e.g. --broadcast 192.168.1.255)',
    '  discover --address IP [--json]                      ask one camera directly',
    '  discover [--interface NAME ...]                     every (or the named) interface, with reachability advice',
    '  info -a IP                                          identity, network path and who controls the camera',
    '  ip [--interface NAME ...] [--json]                  every camera with its current and persistent IP configuration',
    '  ip --mac MAC --force ADDR/PREFIX|auto [--gateway GW] [--interface NAME]',
    '                                                      give a camera a temporary address (FORCEIP; auto: a free one)',
    '  ip -a IP|--mac MAC --persistent ADDR/PREFIX [--gateway GW] | --dhcp | --lla',
    '                                                      how the camera gets its address at power-up',
    '  packet-size -a IP [--json]                          the largest packet size reaching this host unfragmented',
    '  features -a IP [--json]                             every feature: type, access, value, range or entries',
    '  get -a IP NAME [NAME ...]                           read features',
    '  set -a IP NAME=VALUE [NAME=VALUE ...]               write features (in order)',
    '  execute -a IP COMMAND [COMMAND ...]                 run command features (e.g. TriggerSoftware, UserSetSave)',
    '  grab -a IP [-n N] -o FILE|DIR [--packet-size N] [--stats]',
    '                                                      grab frames to PNG (.png, or a directory) or raw (.raw)',
    '  emulate [--address 127.0.0.2] [--count N] [--serial S] [--mac M] [--user-sets FILE] [--state-dir DIR]',
    '          [--io-port 3957 | --no-io] [--allow-network [--subnet-mask M] [--own-interface IF]] [--segmentation-offload]',
    '          [--ptp-grandmaster host|cameras] [--ptp-offset-ns=N] [--ptp-jitter-ns N] [--ptp-lock-ms 3000]',
    '          [--scene ramp|inspection [--scene-seed N] [--defect-rate 0.2] [--noise 6]]',
    '                                                      run emulated DMK 38GX541-a cameras until Ctrl-C',
    '  io -a IP pulse --width US [--count N --period US --delay US --low] | set high|low | get | strobe [--clear]',
    "                                                      drive an emulated camera's TRIGGER_IN, read its STROBE_OUT",
    '',
    "gige <command> --help shows a command's options; gige --version the package version.",
  ].join('\n');
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors that name the command and show how it is used. */
export interface ParsedCommand {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

export function parseCommand(command: string, args: string[], options: Options, allowPositionals = false): ParsedCommand {
  const end = args.indexOf('--');
  if ((end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    throw new HelpRequested(formatCommandHelp(command, options));
  }
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new GigeError('BAD_ARGUMENTS', `${command}: ${(err as Error).message}\n${usage()}`);
  }
}

/** A whole-number option in range, or an error naming the option and what is allowed. */
export function intOption(command: string, name: string, value: unknown, min: number, max: number): number {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new GigeError('BAD_ARGUMENTS', `${command}: --${name} ${String(value)} is not allowed; give a whole number ${min}…${max}`);
  }
  return n;
}

export function requireAddress(command: string, address: unknown): string {
  if (typeof address !== 'string' || !address) {
    throw new GigeError('BAD_ARGUMENTS', `${command}: the camera address is missing (-a IP)`);
  }
  return address;
}

/** Opens a camera for a command and always closes it (releasing control) afterwards. */
export async function withCamera<T>(
  address: string,
  access: AccessMode,
  work: (camera: Camera) => Promise<T>,
  packetSize?: number,
): Promise<T> {
  const camera = await Camera.open({ address, access, packetSize });
  try {
    return await work(camera);
  } finally {
    await camera.close();
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(10)));
  return String(value);
}

/** JSON.stringify that writes bigints as numbers when exact, as strings otherwise. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v !== 'bigint') return v;
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    },
    2,
  );
}
