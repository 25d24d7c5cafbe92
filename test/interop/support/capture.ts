/**
 * A live capture on `lo` for dissection tests: `tshark -i lo -f FILTER -w FILE -P` with its packet
 * summaries on stdout, so the test knows — instead of guessing with sleeps — that the capture is
 * running (a marker datagram shows up) and that everything sent before `stop()` has been written
 * (an end marker shows up). Each marker goes to its own UDP port (20001, 20002, …) of
 * `markerAddress`, which must match the capture filter, so a late summary line of an old marker is
 * never taken for a new one. Bounded: at most 100 markers per phase.
 *
 * With `namespace`, tshark runs inside that network namespace (its `lo`) and the markers are sent
 * from inside it too.
 */
import dgram from 'node:dgram';
import { spawn, ChildProcess } from 'node:child_process';
import type { Namespace } from './netns';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CaptureOptions {
  namespace?: Namespace;
  /** dumpcap's kernel buffer in MiB (a paced 1 Gbit/s stream needs more than the default 2). */
  bufferMiB?: number;
}

export class LoopbackCapture {
  private out = '';
  private err = '';
  private readonly ended: Promise<void>;
  private markers = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly markerAddress: string,
    private readonly namespace?: Namespace,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.err += d.toString();
    });
    this.ended = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(filter: string, file: string, markerAddress: string, options: CaptureOptions = {}): Promise<LoopbackCapture> {
    const args = ['-i', 'lo', '-n', '-l', '-P', '-f', filter, '-w', file, ...(options.bufferMiB ? ['-B', String(options.bufferMiB)] : [])];
    const child = options.namespace
      ? options.namespace.spawn('tshark', args).child
      : spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const capture = new LoopbackCapture(child, markerAddress, options.namespace);
    await capture.mark('start');
    return capture;
  }

  /** Everything tshark printed (summaries of the packets it saw; its stderr reports drops). */
  get log(): string {
    return `${this.out}\n${this.err}`;
  }

  private async send(payload: Buffer, port: number): Promise<void> {
    if (this.namespace) {
      const script = `const s=require('dgram').createSocket('udp4');s.send(Buffer.from(${JSON.stringify(payload.toString())}),${port},${JSON.stringify(this.markerAddress)},()=>s.close())`;
      await this.namespace.run(process.execPath, ['-e', script], 5000);
      return;
    }
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => socket.send(payload, port, this.markerAddress, () => r()));
    socket.close();
  }

  /** Send marker datagrams until the capture reports one (bounded), proving it is live. */
  private async mark(phase: string): Promise<void> {
    const payload = Buffer.from(`gige-capture-${phase}`);
    const sent: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      this.markers += 1;
      const port = 20000 + this.markers;
      sent.push(port);
      await this.send(payload, port);
      for (let w = 0; w < 10; w += 1) {
        await sleep(20);
        if (sent.some((p) => this.out.includes(` → ${p} Len=`))) return;
      }
      if (this.child.exitCode !== null) break;
    }
    throw new Error(`capture did not see its ${phase} marker: ${this.err.slice(-500)}`);
  }

  /** Wait until everything sent so far is captured, then stop tshark. */
  async stop(): Promise<void> {
    try {
      await this.mark('end');
    } finally {
      this.child.kill('SIGINT');
      await this.ended;
    }
  }
}
