import * as path from 'node:path';
import { EmulatedCamera, EmulatedCameraOptions, DEFAULT_IO_CONTROL_PORT } from '../../lib/emulator';
import { defaultSerial } from '../../lib/emulator/dmk38gx541/camera-model';
import { GigeError } from '../../lib/errors';
import { ipToNumber, isIpv4, macFromString, macToString, numberToIp } from '../../lib/gvcp/address';
import { CommandContext, parseCommand, intOption } from './common';

/** The options of `gige emulate`, declared once (parsing, and the usage text in common.ts). */
export const EMULATE_OPTIONS = {
  address: { type: 'string', default: '127.0.0.2' },
  count: { type: 'string', default: '1' },
  serial: { type: 'string' },
  mac: { type: 'string' },
  'user-sets': { type: 'string' },
  'state-dir': { type: 'string' },
  'io-port': { type: 'string', default: String(DEFAULT_IO_CONTROL_PORT) },
  'no-io': { type: 'boolean', default: false },
  'allow-network': { type: 'boolean', default: false },
  'own-interface': { type: 'string' },
  'subnet-mask': { type: 'string' },
  'segmentation-offload': { type: 'boolean', default: false },
  'ptp-grandmaster': { type: 'string', default: 'host' },
  'ptp-offset-ns': { type: 'string', default: '0' },
  'ptp-jitter-ns': { type: 'string', default: '0' },
  'ptp-lock-ms': { type: 'string', default: '3000' },
  scene: { type: 'string', default: 'ramp' },
  'scene-seed': { type: 'string', default: '1' },
  'defect-rate': { type: 'string', default: '0.2' },
  noise: { type: 'string', default: '6' },
} as const;

const MAX_CAMERAS = 64;

/**
 * Runs emulated DMK 38GX541-a cameras until SIGINT/SIGTERM, then stops them and exits cleanly.
 * `--count N` serves N cameras at consecutive addresses with distinct serials and MACs.
 */
export async function emulateCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('emulate', args, EMULATE_OPTIONS);
  const count = intOption('emulate', 'count', values.count, 1, MAX_CAMERAS);
  const first = values.address as string;
  if (!isIpv4(first)) throw new GigeError('BAD_ARGUMENTS', `emulate: --address ${first} is not an IPv4 address; e.g. 127.0.0.2`);
  const allowNetwork = values['allow-network'] === true;
  if (!allowNetwork && !first.startsWith('127.')) {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: ${first} is not a loopback address. The emulator serves 127.x addresses so that it ` +
        'never appears on a real network; to serve the network of that address on purpose, add --allow-network (see docs/emulator.md, "Serving a network")',
    );
  }
  const ownInterface = values['own-interface'] as string | undefined;
  if (ownInterface !== undefined && (!allowNetwork || count > 1)) {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: --own-interface ${ownInterface} ${!allowNetwork ? 'serves a network: add --allow-network' : "is for one camera (it owns the interface's address): drop --count"}`,
    );
  }
  const subnetMask = values['subnet-mask'] as string | undefined;
  if (subnetMask !== undefined && !isIpv4(subnetMask))
    throw new GigeError('BAD_ARGUMENTS', `emulate: --subnet-mask ${subnetMask} is not a mask like 255.255.255.0`);
  const ioControlPort = values['no-io'] ? undefined : intOption('emulate', 'io-port', values['io-port'], 1, 65535);
  const grandmaster = values['ptp-grandmaster'];
  if (grandmaster !== 'host' && grandmaster !== 'cameras') {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: --ptp-grandmaster ${String(grandmaster)} is not allowed; give host (the host clock, every camera Slave) or cameras (they elect a Master)`,
    );
  }
  const ptp = {
    ptpGrandmaster: grandmaster,
    ptpOffsetNs: intOption('emulate', 'ptp-offset-ns', values['ptp-offset-ns'], -1e9, 1e9),
    ptpJitterNs: intOption('emulate', 'ptp-jitter-ns', values['ptp-jitter-ns'], 0, 1e9),
    ptpSettlingMs: intOption('emulate', 'ptp-lock-ms', values['ptp-lock-ms'], 0, 600000),
  } as const;
  const scene = sceneChoice(values);
  const cameras: EmulatedCamera[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of cameras.splice(0)) await c.stop();
  };
  try {
    for (let i = 0; i < count; i += 1) {
      const options = cameraOptions(i, {
        first,
        allowNetwork,
        subnetMask,
        ioControlPort,
        serial: values.serial as string | undefined,
        mac: values.mac as string | undefined,
        userSets: values['user-sets'] as string | undefined,
        stateDir: values['state-dir'] as string | undefined,
        segmentationOffload: values['segmentation-offload'] === true,
        ownInterface,
      });
      // Each camera of --count sees its own parts: the seed counts up with it.
      const own = scene.kind === 'inspection' ? { ...scene, seed: (scene.seed + i) % 2 ** 32 } : scene;
      const camera = await EmulatedCamera.start({ ...options, ...ptp, scene: own });
      cameras.push(camera);
      camera.on('warning', (err: Error) => ctx.err(`gige emulate ${camera.serial}: ${err.message}`));
      camera.on('address-changed', (address: string) => ctx.out(`emulated camera ${camera.serial} moved to ${address} (FORCEIP)`));
      const io = camera.ioControlPort ? `, I/O control port ${camera.ioControlPort} (gige io)` : '';
      const moved = camera.address !== options.address ? ` (its persistent IP; given ${options.address})` : '';
      ctx.out(`emulated DMK 38GX541-a serial ${camera.serial} at ${camera.address}${moved} (GVCP port 3956${io})`);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  if (allowNetwork)
    ctx.out('serving the network of that address on purpose (--allow-network): hosts on it can discover, control and stream');
  if (ownInterface) ctx.out(`owning interface ${ownInterface}: FORCEIP and the persistent IP set its address, as on the camera's NIC`);
  if (values['segmentation-offload'])
    ctx.out('segmentation offload on: captures on this host see datagrams larger than the packet size (benchmarks only)');
  ctx.out('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // What each camera streamed, and how it answered resend requests: after a run with losses, the
  // first question is whether the camera could resend.
  for (const camera of cameras) ctx.out(describeStream(camera));
  await stopAll();
  ctx.out(count > 1 ? `${count} emulators stopped` : 'emulator stopped');
  return 0;
}

/** "EMU00001 streamed 1234 blocks; 5 resend requests: 120 packets resent, 1 answered unavailable (…)". */
export function describeStream(camera: EmulatedCamera): string {
  const device = camera.stats().device;
  const sender = device.sender;
  const head = `${camera.serial} streamed ${device.blocksSent} blocks; ${device.resendRequests} resend requests`;
  if (!sender) return device.resendRequestsRefused > 0 ? `${head} (${device.resendRequestsRefused} from another host refused)` : head;
  const parts = [`${sender.resendPacketsSent} packets resent`];
  if (sender.resendRequestsNotHeld > 0) {
    const last = sender.lastResendNotHeld;
    const which = last ? ` (last: block ${last.asked} asked while blocks ${last.oldestHeld} … ${last.newestHeld} were held)` : '';
    parts.push(`${sender.resendRequestsNotHeld} for blocks no longer held, answered unavailable${which}`);
  }
  const refused = sender.resendRequestsDropped + sender.resendRequestsOverBudget + device.resendRequestsRefused;
  if (refused > 0) parts.push(`${refused} refused (queue full, budget spent or another host)`);
  const timing =
    sender.blocksHeld > 0
      ? `; frames left after their readout by ${Math.round(sender.heldLatenessNsTotal / sender.blocksHeld / 1000)} µs on average, ${Math.round(sender.heldLatenessNsMax / 1000)} µs at most`
      : '';
  return `${head}: ${parts.join(', ')}${timing}`;
}

function sceneChoice(
  values: Record<string, unknown>,
): { kind: 'ramp' } | { kind: 'inspection'; seed: number; defectRate: number; noiseSigma: number } {
  if (values.scene === 'ramp') return { kind: 'ramp' };
  if (values.scene !== 'inspection') {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: --scene ${String(values.scene)} is not allowed; give ramp (the exact test ramp) or inspection (parts on a conveyor)`,
    );
  }
  const fraction = (name: string, max: number): number => {
    const n = Number(values[name]);
    if (typeof values[name] !== 'string' || !Number.isFinite(n) || n < 0 || n > max) {
      throw new GigeError('BAD_ARGUMENTS', `emulate: --${name} ${String(values[name])} is not allowed; give a number 0…${max}`);
    }
    return n;
  };
  return {
    kind: 'inspection',
    seed: intOption('emulate', 'scene-seed', values['scene-seed'], 0, 0xffffffff),
    defectRate: fraction('defect-rate', 1),
    noiseSigma: fraction('noise', 1000),
  };
}

interface CommonChoices {
  first: string;
  allowNetwork: boolean;
  subnetMask?: string;
  ioControlPort?: number;
  serial?: string;
  mac?: string;
  userSets?: string;
  stateDir?: string;
  segmentationOffload: boolean;
  ownInterface?: string;
}

/** Camera `index` of `--count N`: the next address, serial and MAC; its own files. */
export function cameraOptions(index: number, c: CommonChoices): EmulatedCameraOptions & { address: string } {
  const address = numberToIp((ipToNumber(c.first) + index) >>> 0);
  if (c.first.startsWith('127.') && !address.startsWith('127.')) {
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: --count runs past the loopback network at ${address}; start lower (e.g. --address 127.0.0.2)`,
    );
  }
  const serial = c.serial === undefined ? undefined : nthSerial(c.serial, index);
  const withSuffix = (file: string | undefined): string | undefined => {
    if (file === undefined || index === 0) return file;
    const ext = path.extname(file);
    return `${file.slice(0, file.length - ext.length)}-${index + 1}${ext}`;
  };
  return {
    address,
    serial,
    macAddress: c.mac === undefined ? undefined : nthMac(c.mac, index),
    userSetFile: withSuffix(c.userSets),
    // One state per camera, named by its serial: the camera's own flash.
    stateFile: c.stateDir === undefined ? undefined : path.join(c.stateDir, `${serial ?? defaultSerial(address)}.json`),
    allowNetwork: c.allowNetwork,
    subnetMask: c.subnetMask,
    ioControlPort: c.ioControlPort,
    segmentationOffload: c.segmentationOffload,
    ownInterface: c.ownInterface,
  };
}

/** `S` for the first camera; then a trailing number counts up (CAM07 → CAM08), else `-2`, `-3`. */
function nthSerial(serial: string, index: number): string {
  if (index === 0) return serial;
  const m = /^(.*?)(\d+)$/.exec(serial);
  const next = m ? `${m[1]}${String(Number(m[2]) + index).padStart(m[2].length, '0')}` : `${serial}-${index + 1}`;
  if (next.length > 15)
    throw new GigeError(
      'BAD_ARGUMENTS',
      `emulate: serial ${next} (camera ${index + 1}) is longer than 15 characters; give a shorter --serial`,
    );
  return next;
}

function nthMac(mac: string, index: number): string {
  let bytes: Buffer;
  try {
    bytes = macFromString(mac);
  } catch {
    throw new GigeError('BAD_ARGUMENTS', `emulate: --mac ${mac} is not a MAC address like 02:00:00:77:00:0b`);
  }
  const value = BigInt(`0x${bytes.toString('hex')}`) + BigInt(index);
  const out = Buffer.from(value.toString(16).padStart(12, '0').slice(-12), 'hex');
  return macToString(out);
}
