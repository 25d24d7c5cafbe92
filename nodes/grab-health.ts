import type { NodeStatus } from 'node-red';
import type { CameraConfigNode, CameraUserNode } from './types';
import type { StatusThrottle } from './status-throttle';
import { catchReporter } from './catch-report';
import { isGigeError } from '../lib/errors';

/**
 * What a grab node shows when it cannot do its job although the camera is connected: refused by
 * another user's acquisition mode, acquisition that did not restart, a continuous stream that
 * brings no frames. A node is never green while not doing its job: such a problem stays on the
 * node (over the camera's "connected") until a frame proves it solved, and reaches Catch.
 */
export class GrabHealth {
  private problem: NodeStatus | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastFrameAt = Date.now();
  private quietSince = Date.now();

  constructor(private readonly node: CameraUserNode, private readonly config: CameraConfigNode, private readonly status: StatusThrottle) {
    // The config node shows the camera's state through this, so a problem of ours is not painted over.
    node.showCameraStatus = (cameraStatus: NodeStatus) => {
      if (!this.problem) node.status(cameraStatus);
    };
  }

  /** A failure this node must show and report (no message caused it, or a message's error is also a lasting state). */
  fail(err: Error, report = true): void {
    const other = isGigeError(err, 'ACQUISITION_CONFLICT') ? String(err.details.other ?? 'another node') : null;
    this.show({ fill: 'red', shape: 'ring', text: other ? `refused: camera used by ${other}` : shorten(err.message) });
    if (report) catchReporter(this.node).report(err, this.config.camera.address);
  }

  /** A frame arrived: whatever was wrong is over. */
  frameArrived(): void {
    this.lastFrameAt = Date.now();
    this.problem = null;
  }

  /**
   * Continuous mode: while connected, no frame for the config's frame timeout (at least 2 s)
   * turns the status yellow — a camera left waiting for a trigger, a stream stopped by another
   * user's settings — instead of a green node that silently delivers nothing.
   */
  watchFrames(running: () => boolean): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      const connected = this.config.camera.isConnected;
      if (!running() || !connected) {
        this.quietSince = Date.now();
        return;
      }
      const quietMs = Date.now() - Math.max(this.lastFrameAt, this.quietSince);
      if (quietMs < Math.max(2000, this.config.frameTimeoutMs)) return;
      if (this.problem && this.problem.fill === 'red') return;
      this.show({ fill: 'yellow', shape: 'ring', text: `no frames for ${Math.round(quietMs / 1000)} s — camera waiting for a trigger?` });
    }, 1000);
  }

  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private show(status: NodeStatus): void {
    this.problem = status;
    this.status.stop();
    this.node.status(status);
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
