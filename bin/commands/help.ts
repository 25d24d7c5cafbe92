/**
 * `gige <command> --help`. The options listed are the command's own parseArgs options (what it
 * really accepts, defaults included); this file adds what each is for. An option without a
 * description here is listed as undocumented, and test/cli/help.test.ts fails on that.
 */
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface OptionHelp {
  /** The value's placeholder (string options), e.g. 'IP', 'MS'. */
  arg?: string;
  text: string;
}

export interface CommandHelp {
  usage: string[];
  summary: string;
  options: Record<string, OptionHelp>;
  notes?: string[];
}

const ADDRESS: OptionHelp = { arg: 'IP', text: "the camera's IP address" };
const JSON_OUTPUT: OptionHelp = { text: 'print JSON instead of text' };

export const COMMAND_HELP: Record<string, CommandHelp> = {
  discover: {
    usage: [
      'gige discover [--interface NAME ...] [--timeout MS] [--json]',
      'gige discover --broadcast ADDR | --address IP [--local-address IP] [--timeout MS] [--json]',
    ],
    summary:
      'Finds GigE Vision cameras. Without --broadcast/--address it asks on every interface that is up (or the ones named) and says, per camera, whether it is reachable and what to change if not.',
    options: {
      broadcast: { arg: 'ADDR', text: 'send DISCOVERY to this broadcast address only (e.g. 192.168.1.255)' },
      address: { arg: 'IP', text: 'ask this one camera directly' },
      interface: { arg: 'NAME', text: 'ask on this interface (repeatable); default every interface that is up' },
      'local-address': { arg: 'IP', text: 'send from this local address (with --broadcast/--address)' },
      timeout: { arg: 'MS', text: 'how long to wait for answers' },
      json: JSON_OUTPUT,
    },
    notes: ['Exit status 1 when no camera answered.'],
  },
  info: {
    usage: ['gige info -a IP [--timeout MS] [--json]'],
    summary:
      "What to check when nothing works: the camera's identity, the interface and MTU towards it, link speed, reachability and who controls it.",
    options: { address: ADDRESS, timeout: { arg: 'MS', text: 'how long to wait for each answer' }, json: JSON_OUTPUT },
    notes: ['Exit status 1 when the camera does not answer.'],
  },
  ip: {
    usage: [
      'gige ip [--interface NAME ...] [--timeout MS] [--json]',
      'gige ip --broadcast ADDR | --address IP [--json]',
      'gige ip --mac MAC --force ADDR[/PREFIX]|auto [--gateway GW] [--interface NAME]',
      'gige ip -a IP | --mac MAC --persistent ADDR/PREFIX [--gateway GW] | --dhcp | --lla',
    ],
    summary:
      'IP setup. Without an action: every camera on every interface that is up (foreign subnets too, by the limited broadcast) with its current and ' +
      'persistent configuration and, when it is not reachable, the command that fixes it. --force gives a camera a temporary address at once (FORCEIP, by MAC); ' +
      '--persistent, --dhcp and --lla choose how it gets its address at its next power-up.',
    options: {
      address: ADDRESS,
      mac: { arg: 'MAC', text: "the camera's MAC address (gige ip lists it), e.g. 00:07:48:12:34:56" },
      interface: {
        arg: 'NAME',
        text: 'the host interface facing the camera (repeatable for the list); default every interface that is up',
      },
      broadcast: { arg: 'ADDR', text: 'list only the cameras answering DISCOVERY at this broadcast address (e.g. 127.255.255.255)' },
      force: {
        arg: 'ADDR[/PREFIX]|auto',
        text: "FORCEIP: a temporary address (192.168.1.20/24 or /255.255.255.0; no prefix: the interface's); auto: a free one in the interface's subnet, checked by ARP and DISCOVERY",
      },
      persistent: { arg: 'ADDR/PREFIX', text: 'a persistent (static) address for the next power-up, e.g. 192.168.1.20/24' },
      gateway: { arg: 'GW', text: 'default gateway with --force or --persistent, e.g. 192.168.1.1' },
      dhcp: { text: 'get the address by DHCP at the next power-up (persistent IP off)' },
      lla: { text: 'link-local address only (169.254.x.x) at the next power-up' },
      timeout: { arg: 'MS', text: 'how long to wait for DISCOVERY answers' },
      json: JSON_OUTPUT,
    },
    notes: [
      "FORCEIP is refused while an application controls the camera, and lasts until the camera's next power-up.",
      'Exit status 1 when no camera answered (list) or the camera does not answer at its new address (--force).',
    ],
  },
  'packet-size': {
    usage: ['gige packet-size -a IP [--json]'],
    summary:
      'Finds the largest GVSP packet size that reaches this host unfragmented: the camera fires test packets with "do not fragment" ' +
      "(GevSCPSFireTestPacket), bisected between its smallest and the host interface's MTU. Takes control for a moment; needs no acquisition running.",
    options: { address: ADDRESS, json: JSON_OUTPUT },
    notes: ['The config node\'s packet size "auto" does the same on every connect.'],
  },
  features: {
    usage: ['gige features -a IP [--visibility LEVEL] [--json]'],
    summary: "Every feature of the camera's GenICam description: type, access, value, range or entries. Reads only (monitor access).",
    options: {
      address: ADDRESS,
      visibility: { arg: 'LEVEL', text: 'Beginner, Expert, Guru or Invisible: list features up to this level' },
      json: JSON_OUTPUT,
    },
  },
  get: {
    usage: ['gige get -a IP NAME [NAME ...]'],
    summary:
      'Reads features by their GenICam names (e.g. DeviceModelName, ExposureTime). One name prints the bare value; several print NAME=value lines.',
    options: { address: ADDRESS },
  },
  set: {
    usage: ['gige set -a IP NAME=VALUE [NAME=VALUE ...]'],
    summary:
      "Writes features in the order given and prints what the camera then holds. Values are converted by the feature's type; a refused value names the allowed range.",
    options: { address: ADDRESS },
  },
  execute: {
    usage: ['gige execute -a IP COMMAND [COMMAND ...]'],
    summary: 'Runs command features (e.g. TriggerSoftware, UserSetSave, TimestampLatch) and waits until each is done.',
    options: { address: ADDRESS },
  },
  grab: {
    usage: ['gige grab -a IP -o FILE.png|FILE.raw|DIR [-n N] [--packet-size N] [--timeout MS] [--stats]'],
    summary:
      'Grabs N consecutive frames: one to FILE (.png, or .raw for the bytes as received), several to DIR/frame-<id>.png. PNG is 8-bit for Mono8, 16-bit otherwise.',
    options: {
      address: ADDRESS,
      output: { arg: 'PATH', text: 'FILE.png, FILE.raw (one frame) or a directory' },
      count: { arg: 'N', text: 'frames to grab' },
      'packet-size': { arg: 'N', text: 'GVSP packet size in bytes (at most the path MTU)' },
      timeout: { arg: 'MS', text: 'longest wait for each frame' },
      stats: { text: 'print the stream statistics (packets, resends, socket buffer) as JSON' },
    },
    notes: ['Needs the native streaming core; a camera waiting for a trigger sends nothing (see TriggerMode).'],
  },
  emulate: {
    usage: [
      'gige emulate [--address 127.0.0.2] [--count N] [--serial S] [--scene ramp|inspection] [--io-port PORT | --no-io]',
      'gige emulate --address A --allow-network      (A: an address of this host on a real or namespaced network)',
    ],
    summary: 'Runs emulated DMK 38GX541-a cameras that speak GigE Vision on loopback addresses until Ctrl-C.',
    options: {
      address: { arg: 'IP', text: 'the address to serve on (GVCP port 3956): 127.x, or any local address with --allow-network' },
      count: { arg: 'N', text: 'serve N cameras at consecutive addresses, with distinct serials and MACs' },
      serial: { arg: 'S', text: 'the serial number it reports (the next cameras count up from it)' },
      mac: { arg: 'MAC', text: 'the MAC address it reports, e.g. 02:00:00:00:00:01 (the next cameras count up)' },
      'user-sets': { arg: 'FILE', text: 'keep the user sets (UserSetSave) in this JSON file across runs' },
      'state-dir': { arg: 'DIR', text: 'keep the persistent IP configuration (one JSON per serial) here across runs' },
      'io-port': { arg: 'PORT', text: 'TCP port on the same address for `gige io` (trigger input, strobe output)' },
      'no-io': { text: 'no I/O control port' },
      'allow-network': { text: 'serve a non-loopback address on purpose: real hosts on that network can find and use it' },
      'subnet-mask': { arg: 'MASK', text: 'the subnet mask it reports, e.g. 255.255.255.0' },
      'own-interface': {
        arg: 'IF',
        text: 'with --allow-network, root: own this interface as the camera owns its NIC (FORCEIP and the persistent IP set its address); for a veth made for the camera',
      },
      'segmentation-offload': { text: 'benchmarks only: send 64 KiB UDP-GSO super-datagrams instead of wire-sized packets' },
      'ptp-grandmaster': {
        arg: 'host|cameras',
        text: 'host: the host clock is the PTP grandmaster, every camera Slave; cameras: they elect a Master',
      },
      'ptp-offset-ns': { arg: 'NS', text: "this camera's PTP clock offset from the grandmaster" },
      'ptp-jitter-ns': { arg: 'NS', text: 'random jitter of its PTP clock, peak' },
      'ptp-lock-ms': { arg: 'MS', text: 'time from PtpEnable to a locked (Slave) clock' },
      scene: { arg: 'ramp|inspection', text: 'ramp: the exact diagonal ramp; inspection: parts on a conveyor, some defective' },
      'scene-seed': { arg: 'N', text: 'seed of the inspection scene (same seed, same frames)' },
      'defect-rate': { arg: '0..1', text: 'share of defective parts in the inspection scene' },
      noise: { arg: 'DN', text: 'sensor noise of the inspection scene (before gain), in digital numbers' },
    },
  },
  io: {
    usage: [
      'gige io -a IP pulse --width US [--count N --period US] [--delay US] [--low]',
      'gige io -a IP set high|low',
      'gige io -a IP get',
      'gige io -a IP strobe [--clear] [--json]',
    ],
    summary: 'Drives the TRIGGER_IN line of a camera started with `gige emulate` and reads its STROBE_OUT.',
    options: {
      address: ADDRESS,
      port: { arg: 'PORT', text: "the emulator's I/O control port" },
      width: { arg: 'US', text: 'pulse width in µs' },
      count: { arg: 'N', text: 'pulses in the train' },
      period: { arg: 'US', text: 'time between pulse starts in µs' },
      delay: { arg: 'US', text: 'wait before the first pulse in µs' },
      low: { text: 'pulse low (the line rests high)' },
      clear: { text: 'clear the recorded strobe edges after printing them' },
      json: JSON_OUTPUT,
    },
  },
};

/** Shown for an option the table above does not describe (the help test fails on it). */
export const UNDOCUMENTED = '(undocumented)';

export function formatCommandHelp(command: string, options: Options): string {
  const help = COMMAND_HELP[command];
  const rows: Array<[string, string]> = [];
  for (const [name, spec] of Object.entries(options)) {
    const described = help?.options[name];
    const value = spec.type === 'string' ? ` ${described?.arg ?? 'VALUE'}` : '';
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${value}`;
    const extra = [
      spec.multiple ? 'repeatable' : '',
      spec.default !== undefined && spec.default !== false ? `default ${String(spec.default)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    rows.push([flag, `${described?.text ?? UNDOCUMENTED}${extra ? ` (${extra})` : ''}`]);
  }
  rows.push(['-h, --help', 'this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    ...(help?.usage ?? [`gige ${command} [options]`]).map((line, i) => `${i === 0 ? 'usage: ' : '       '}${line}`),
    '',
    ...(help ? [help.summary, ''] : []),
    'options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    ...(help?.notes?.length ? ['', ...help.notes] : []),
  ].join('\n');
}

/** Thrown by parseCommand for --help/-h: the CLI prints the text to stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}
