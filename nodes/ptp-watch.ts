/**
 * A camera's PTP state (manual 5.12) watched while it is connected: read every `intervalMs`, and
 * each change told once — the IEEE 1588 port state (GevIEEE1588Status: Initializing, Listening,
 * Uncalibrated, Slave, Master, …) where the camera has it, else the manual's PtpStatus. A camera
 * that goes away is a change too (to 'Disconnected', not locked), so a flow gating on `locked`
 * never keeps a stale true.
 */
import type { Camera } from '../lib/camera/camera';
import type { NodeCamera, CameraState } from './camera-access';

/** The states in which the camera's clock follows a time reference: scheduled actions are possible. */
export const LOCKED_STATES = ['Master', 'Slave'];

export interface PtpChange {
  status: string;
  previous: string | null;
  locked: boolean;
  /** Which feature the status was read from. */
  source: 'GevIEEE1588Status' | 'PtpStatus' | null;
}

/** The port state, from the feature the camera has. */
export async function readPtpStatus(camera: Camera): Promise<{ status: string; source: PtpChange['source'] }> {
  if (camera.nodeMap.has('GevIEEE1588Status'))
    return { status: String(await camera.get('GevIEEE1588Status')), source: 'GevIEEE1588Status' };
  return { status: String(await camera.get('PtpStatus')), source: 'PtpStatus' };
}

export class PtpWatch {
  private last: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private stopped = false;

  constructor(
    private readonly camera: NodeCamera,
    private readonly onChange: (change: PtpChange) => void,
    private readonly onError: (err: Error) => void,
    private readonly intervalMs = 500,
  ) {
    camera.on('state', this.onState);
    if (camera.isConnected) this.start();
  }

  /** The last status told (null before the first read). */
  get status(): string | null {
    return this.last;
  }

  get locked(): boolean {
    return this.last !== null && LOCKED_STATES.includes(this.last);
  }

  /** Reads now (e.g. right after PtpEnable changed) instead of at the next tick. */
  poke(): void {
    this.read();
  }

  stop(): void {
    this.stopped = true;
    this.camera.removeListener('state', this.onState);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly onState = (state: CameraState): void => {
    if (state === 'connected') {
      this.start();
      return;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.last !== null && this.last !== 'Disconnected') this.tell('Disconnected', null);
  };

  private start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.read(), this.intervalMs);
    this.read();
  }

  private read(): void {
    if (this.reading || this.stopped || !this.camera.isConnected) return;
    this.reading = true;
    this.camera
      .use((c) => readPtpStatus(c), 0)
      .then(
        ({ status, source }) => {
          if (!this.stopped && this.camera.isConnected && status !== this.last) this.tell(status, source);
        },
        (err: Error) => {
          if (!this.stopped && this.camera.isConnected) this.onError(err);
        },
      )
      .finally(() => {
        this.reading = false;
      });
  }

  private tell(status: string, source: PtpChange['source']): void {
    const previous = this.last;
    this.last = status;
    this.onChange({ status, previous, locked: LOCKED_STATES.includes(status), source });
  }
}
