/**
 * UDP volume fuzzing of both ends of a GigE Vision link, on loopback only.
 *
 *   npm run fuzz:udp -- [--datagrams 300000] [--seconds 60] [--seed 1] [--address 127.x.y.z]
 *
 * An emulated DMK 38GX541-a runs in a child process (`gige emulate`); this process opens it as a
 * Camera with a running stream and events enabled. Three attacker sockets (one on an address of
 * their own, one on the camera's address, one on the client's) then send random and mutated GVCP
 * commands at the emulator's port 3956, and random and mutated GVCP acks, event commands and GVSP
 * packets at the client's control, message-channel and stream ports (which an attacker reads from
 * the camera's bootstrap registers, as one would). Sending is bounded by count and time.
 *
 * Passes when neither process crashed, the client never lost the camera, a get and a grab work
 * afterwards, a second client can still connect, and neither process's memory kept growing.
 * Every second during the run it reads Width and the control privilege register and compares. The
 * last line is the summary:
 *   RESULT verdict=PASS datagrams_sent=… errors_answered=… client_rss_mb=before/mid/peak/after …
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Camera } from '../lib/camera/camera';
import { GvcpDevice } from '../lib/gvcp';
import * as codec from '../lib/gvcp/codec';
import { Ack, Bootstrap, Command, GVCP_PORT, StreamChannelRegister } from '../lib/gvcp/protocol';
import { HostileDatagrams, isPacketResend } from './fuzz-udp-datagrams';

const ROOT = path.resolve(__dirname, '..');
const MB = 1024 * 1024;
/** A leak of even 200 bytes per datagram shows over a run; frame pools and JIT warm-up do not. */
const MAX_GROWTH_MB = 256;
const MAX_SECOND_HALF_GROWTH_MB = 64;

const { values: args } = parseArgs({
  options: {
    datagrams: { type: 'string', default: '300000' },
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: String(Date.now() % 1000000) },
    address: { type: 'string' },
  },
});
const maxDatagrams = Number(args.datagrams);
const maxSeconds = Number(args.seconds);
const seed = Number(args.seed);
if (!(maxDatagrams > 0 && maxDatagrams <= 50_000_000 && maxSeconds > 0 && maxSeconds <= 3600 && Number.isInteger(seed))) {
  console.error('usage: fuzz-udp [--datagrams 1…50000000] [--seconds 1…3600] [--seed <integer>] [--address 127.x.y.z]');
  process.exit(2);
}
const cameraAddress = args.address ?? `127.${200 + (process.pid % 50)}.${1 + (seed % 250)}.2`;
if (!/^127\.\d+\.\d+\.\d+$/.test(cameraAddress)) {
  console.error(`--address ${cameraAddress}: only loopback (127.x.y.z) addresses are allowed`);
  process.exit(2);
}
const attackerAddress = cameraAddress.replace(/\.\d+$/, '.3');
const hostile = new HostileDatagrams(seed);

// --- processes and sockets -----------------------------------------------------------------------

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function startEmulator(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'tsx/cjs', path.join(ROOT, 'bin/gige.ts'), 'emulate', '--address', cameraAddress, '--no-io'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start within 60 s:\n${output}`)), 60000);
    const poll = setInterval(() => {
      if (/emulated DMK/.test(output)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(child);
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`the emulator exited (${child.exitCode}):\n${output}`));
      }
    }, 50);
    child.on('exit', (code, signal) => {
      if (!stopping) crashes.push(`the emulator exited (code ${code}, signal ${signal}):\n${output.slice(-2000)}`);
    });
  });
}

async function bindSocket(address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg) => {
    received += 1;
    if (msg.length >= 8 && msg[0] !== 0x42 && msg.readUInt16BE(0) !== 0) errorsAnswered += 1;
  });
  socket.on('error', () => {
    sendErrors += 1;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** What an attacker learns from the camera: where the client's control, events and stream listen. */
async function readRegisters(socket: dgram.Socket, addresses: number[]): Promise<number[]> {
  const requestId = 0x7000 + hostile.int(0x1000);
  const request = codec.encodeCommand({ command: Command.READREG, requestId, payload: codec.encodeReadRegCommand(addresses) });
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const answer = new Promise<number[] | undefined>((resolve) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        resolve(undefined);
      }, 300);
      function onMessage(msg: Buffer): void {
        try {
          const ack = codec.decodeAck(msg);
          if (ack.ackId !== requestId || ack.answer !== Ack.READREG || ack.status !== 0) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve(codec.decodeReadRegAck(ack.payload, addresses.length));
        } catch {
          // not our answer
        }
      }
      socket.on('message', onMessage);
    });
    socket.send(request, GVCP_PORT, cameraAddress);
    const values = await answer;
    if (values) return values;
  }
  throw new Error(`the emulator did not answer READREG ${addresses.map((a) => `0x${a.toString(16)}`).join(', ')}`);
}

/** Killed by a signal, a child has exitCode null: both fields say whether it still runs. */
const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;
const ipOf = (n: number): string => `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;

// --- the run -------------------------------------------------------------------------------------

let stopping = false;
const crashes: string[] = [];
let received = 0;
let errorsAnswered = 0;
let sendErrors = 0;

async function main(): Promise<boolean> {
  const emulator = await startEmulator();
  const camera = await Camera.open({ address: cameraAddress, frameTimeoutMs: 10000 });
  const counts = { frames: 0, incomplete: 0, events: 0, errors: 0, warnings: 0, lost: 0, getsOk: 0, getsFailed: 0, getsWrong: 0 };
  camera.on('frame', (frame: { status: string }) => {
    counts.frames += 1;
    if (frame.status !== 'complete') counts.incomplete += 1;
  });
  camera.on('event', () => {
    counts.events += 1;
  });
  camera.on('error', () => {
    counts.errors += 1;
  });
  camera.on('warning', () => {
    counts.warnings += 1;
  });
  camera.on('lost', () => {
    counts.lost += 1;
  });
  const sockets: dgram.Socket[] = [];
  try {
    await camera.set('Width', 640);
    await camera.set('Height', 480);
    await camera.set('PixelFormat', 'Mono8');
    if (camera.nodeMap.has('AcquisitionFrameRate')) await camera.set('AcquisitionFrameRate', 30);
    const events = (await camera.availableEvents()).slice(0, 2);
    await camera.enableEvents(events);
    await camera.startAcquisition();
    await camera.nextFrame();
    const width = await camera.get('Width');
    // Uncached: the control privilege register answers over the control channel every time.
    const readBoth = async (): Promise<[unknown, number]> => [
      await camera.get('Width'),
      await camera.device.channel.readRegister(Bootstrap.CCP),
    ];
    const [, privilege] = await readBoth();

    const own = await bindSocket(attackerAddress);
    sockets.push(own);
    const [controlPort, controlIp, messagePort, messageIp, streamPortRegister, streamIp] = await readRegisters(own, [
      Bootstrap.PRIMARY_APPLICATION_PORT,
      Bootstrap.PRIMARY_APPLICATION_IP,
      Bootstrap.MCP,
      Bootstrap.MCDA,
      Bootstrap.SC0 + StreamChannelRegister.SCP,
      Bootstrap.SC0 + StreamChannelRegister.SCDA,
    ]);
    const client = { control: controlPort & 0xffff, events: messagePort & 0xffff, stream: streamPortRegister & 0xffff };
    const asCamera = await bindSocket(cameraAddress);
    const asClient = await bindSocket(ipOf(controlIp));
    sockets.push(asCamera, asClient);
    console.log(
      `camera ${cameraAddress} (emulator pid ${emulator.pid}); client control ${ipOf(controlIp)}:${client.control}, ` +
        `events ${ipOf(messageIp)}:${client.events} (${events.join(', ') || 'none'}), stream ${ipOf(streamIp)}:${client.stream}; ` +
        `attackers ${attackerAddress}, ${cameraAddress}, ${ipOf(controlIp)}; seed ${seed}`,
    );

    await new Promise((resolve) => setTimeout(resolve, 2000)); // warm-up: pools, JIT, socket buffers
    const rss = {
      client: { before: process.memoryUsage().rss, mid: 0, peak: 0, after: 0 },
      emulator: { before: rssOf(emulator.pid!), mid: 0, peak: 0, after: 0 },
    };
    const sample = (): void => {
      rss.client.peak = Math.max(rss.client.peak, process.memoryUsage().rss);
      if (running(emulator)) rss.emulator.peak = Math.max(rss.emulator.peak, rssOf(emulator.pid!));
    };

    const framesBefore = counts.frames;
    const incompleteBefore = counts.incomplete;
    const sent = { emulator: 0, control: 0, events: 0, stream: 0 };
    const started = Date.now();
    const deadline = started + maxSeconds * 1000;
    let total = 0;
    let nextCheck = started + 1000;
    let midTaken = false;
    while (total < maxDatagrams && Date.now() < deadline && crashes.length === 0) {
      for (let i = 0; i < 64 && total < maxDatagrams; i += 1, total += 1) {
        const from = hostile.pick([own, own, asCamera, asClient]);
        const target = hostile.int(10);
        let packet: Buffer;
        let port: number;
        let address: string;
        if (target < 4) {
          packet = hostile.chance(0.1)
            ? hostile.randomBytes(hostile.int(600))
            : hostile.chance(0.7)
              ? hostile.mutate(hostile.command())
              : hostile.command();
          if (isPacketResend(packet) && hostile.resendBudget <= 0) packet = Buffer.from([0x42, 1, 0, 0x80, 0, 0, 0, 1]);
          port = GVCP_PORT;
          address = cameraAddress;
          sent.emulator += 1;
        } else if (target < 6) {
          packet = hostile.chance(0.1)
            ? hostile.randomBytes(hostile.int(600))
            : hostile.chance(0.6)
              ? hostile.mutate(hostile.ack())
              : hostile.ack();
          port = client.control;
          address = ipOf(controlIp);
          sent.control += 1;
        } else if (target < 7 && client.events) {
          packet = hostile.chance(0.6) ? hostile.mutate(hostile.eventCommand()) : hostile.eventCommand();
          port = client.events;
          address = ipOf(messageIp);
          sent.events += 1;
        } else {
          packet = hostile.chance(0.5) ? hostile.mutate(hostile.gvspPacket()) : hostile.gvspPacket();
          port = client.stream;
          address = ipOf(streamIp);
          sent.stream += 1;
        }
        from.send(packet, port, address, (err) => {
          if (err) sendErrors += 1;
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (Date.now() >= nextCheck) {
        nextCheck = Date.now() + 1000;
        sample();
        if (!midTaken && (total >= maxDatagrams / 2 || Date.now() >= started + maxSeconds * 500)) {
          midTaken = true;
          rss.client.mid = process.memoryUsage().rss;
          rss.emulator.mid = running(emulator) ? rssOf(emulator.pid!) : 0;
        }
        // The client keeps working while under fire (a failure here is counted, judged at the end).
        await readBoth().then(
          ([w, ccp]) => {
            if (w === width && ccp === privilege) counts.getsOk += 1;
            else counts.getsWrong += 1;
          },
          () => {
            counts.getsFailed += 1;
          },
        );
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    const framesDuring = counts.frames - framesBefore;
    const incompleteDuring = counts.incomplete - incompleteBefore;
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let the last datagrams drain

    // Afterwards: both still work.
    const problems: string[] = [...crashes];
    const check = async (what: string, work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
    };
    if (camera.lost) problems.push(`the client lost the camera: ${camera.lost.message}`);
    await check('get DeviceModelName', async () => {
      const model = await camera.get('DeviceModelName');
      if (model !== 'DMK 38GX541-a') throw new Error(`read ${String(model)}`);
    });
    await check('a complete frame while streaming', async () => {
      for (let i = 0; i < 10; i += 1) if ((await camera.nextFrame()).status === 'complete') return;
      throw new Error('10 frames, none complete');
    });
    await check('stop acquisition', () => camera.stopAcquisition());
    await check('a grab', async () => {
      const frame = await camera.grab();
      if (frame.status !== 'complete' || frame.width !== 640) throw new Error(`${frame.status} ${frame.width}×${frame.height}`);
    });
    await check('a second client connects', async () => {
      const device = await GvcpDevice.connect({ address: cameraAddress, access: 'monitor' });
      try {
        await device.channel.readRegister(Bootstrap.HEARTBEAT_TIMEOUT);
      } finally {
        await device.close();
      }
    });
    if (counts.lost > 0) problems.push(`'lost' emitted ${counts.lost} time(s)`);
    if (counts.getsWrong > 0)
      problems.push(
        `${counts.getsWrong} gets during the attack read a Width other than ${String(width)} or a privilege other than ${privilege}`,
      );
    if (counts.getsFailed > 0) problems.push(`${counts.getsFailed} of ${counts.getsOk + counts.getsFailed} gets during the attack failed`);
    if (framesDuring === 0) problems.push('no frames arrived during the attack');

    sample();
    rss.client.after = process.memoryUsage().rss;
    rss.emulator.after = running(emulator) ? rssOf(emulator.pid!) : 0;
    for (const [who, r] of Object.entries(rss)) {
      if (r.after - r.before > MAX_GROWTH_MB * MB)
        problems.push(`${who} RSS grew ${((r.after - r.before) / MB).toFixed(0)} MB (allowed ${MAX_GROWTH_MB})`);
      if (r.mid && r.after - r.mid > MAX_SECOND_HALF_GROWTH_MB * MB) {
        problems.push(
          `${who} RSS still grew ${((r.after - r.mid) / MB).toFixed(0)} MB in the second half (allowed ${MAX_SECOND_HALF_GROWTH_MB}): a leak`,
        );
      }
    }
    const mb = (r: { before: number; mid: number; peak: number; after: number }): string =>
      [r.before, r.mid, r.peak, r.after].map((v) => (v / MB).toFixed(0)).join('/');
    for (const problem of problems) console.log(`FAIL ${problem}`);
    console.log(
      `RESULT verdict=${problems.length ? 'FAIL' : 'PASS'} datagrams_sent=${total} seconds=${elapsed.toFixed(1)} ` +
        `to_emulator=${sent.emulator} to_client_control=${sent.control} to_client_events=${sent.events} to_client_stream=${sent.stream} ` +
        `send_errors=${sendErrors} answers_received=${received} errors_answered=${errorsAnswered} ` +
        `frames=${framesDuring} incomplete=${incompleteDuring} events=${counts.events} client_errors=${counts.errors} client_warnings=${counts.warnings} ` +
        `gets_ok=${counts.getsOk} gets_failed=${counts.getsFailed} gets_wrong=${counts.getsWrong} client_rss_mb=${mb(rss.client)} emulator_rss_mb=${mb(rss.emulator)} (before/mid/peak/after) seed=${seed}`,
    );
    return problems.length === 0;
  } finally {
    for (const socket of sockets) socket.close();
    await camera.close().catch(() => undefined);
    stopping = true;
    if (running(emulator)) {
      emulator.kill('SIGTERM');
      await new Promise((resolve) => {
        emulator.once('exit', resolve);
        setTimeout(resolve, 10000);
      });
    }
  }
}

// A crash of the client is what this script exists to find: report it as such, then exit non-zero.
process.on('uncaughtException', (err) => {
  console.log(`FAIL the client crashed: ${err.stack}`);
  console.log(`RESULT verdict=FAIL client_crashed=1 seed=${seed}`);
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  console.log(`FAIL unhandled rejection in the client: ${(err as Error)?.stack ?? String(err)}`);
  console.log(`RESULT verdict=FAIL client_crashed=1 seed=${seed}`);
  process.exit(1);
});

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    console.log(`FAIL ${(err as Error).stack}`);
    console.log(`RESULT verdict=FAIL seed=${seed}`);
    process.exit(1);
  },
);
