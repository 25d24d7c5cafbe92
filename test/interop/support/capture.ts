/**
 * A live capture on `lo` for dissection tests: `tshark -i lo -f FILTER -w FILE -P` with its packet
 * summaries on stdout, so the test knows — instead of guessing with sleeps — that the capture is
 * running (a marker datagram shows up) and that everything sent before `stop()` has been written
 * (an end marker shows up). Each marker goes to its own UDP port (20001, 20002, …) of
 * `markerAddress`, which must match the capture filter, so a late summary line of an old marker is
 * never taken for a new one. Bounded: at most 100 markers per phase.
 */
import dgram from 'node:dgram';
import { spawn, ChildProcess } from 'node:child_process';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LoopbackCapture {
  private out = '';
  private err = '';
  private readonly ended: Promise<void>;
  private markers = 0;

  private constructor(private readonly child: ChildProcess, private readonly markerAddress: string) {
    child.stdout?.on('data', (d: Buffer) => { this.out += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { this.err += d.toString(); });
    this.ended = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(filter: string, file: string, markerAddress: string): Promise<LoopbackCapture> {
    const child = spawn('tshark', ['-i', 'lo', '-n', '-l', '-P', '-f', filter, '-w', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const capture = new LoopbackCapture(child, markerAddress);
    await capture.mark('start');
    return capture;
  }

  /** Send marker datagrams until the capture reports one (bounded), proving it is live. */
  private async mark(phase: string): Promise<void> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    try {
      const payload = Buffer.from(`gige-capture-${phase}`);
      const sent: number[] = [];
      for (let i = 0; i < 100; i += 1) {
        this.markers += 1;
        const port = 20000 + this.markers;
        sent.push(port);
        await new Promise<void>((r) => socket.send(payload, port, this.markerAddress, () => r()));
        for (let w = 0; w < 10; w += 1) {
          await sleep(20);
          if (sent.some((p) => this.out.includes(` → ${p} Len=`))) return;
        }
        if (this.child.exitCode !== null) break;
      }
      throw new Error(`capture did not see its ${phase} marker: ${this.err.slice(-500)}`);
    } finally {
      socket.close();
    }
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
