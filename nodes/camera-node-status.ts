/**
 * The status of a node that works through its camera. The node says what it is doing; this shows
 * it only while the camera is connected and nothing is wrong, so a node is never green while it
 * cannot do its job: the camera's state (connecting, disconnected, stopped on a configuration
 * error) and the node's own lasting problem come first. Problems no message caused reach Catch
 * nodes through the node's one CatchReporter (rate-limited per code, shared with what the config
 * node reports for it).
 */
import type { NodeStatus } from 'node-red';
import type { CameraUserNode } from './types';
import type { CameraState, NodeCamera } from './camera-access';
import type { Translate } from './i18n';
import { catchReporter } from './catch-report';

/** Status texts are cut to this (Node-RED's convention); details go to the log and Catch. */
export const MAX_STATUS_LENGTH = 20;

export function shortStatus(text: string): string {
  return text.length <= MAX_STATUS_LENGTH ? text : `${text.slice(0, MAX_STATUS_LENGTH - 1)}…`;
}

/** Counters (frames, triggers, events) update the status at most this often: the editor's websocket is shared. */
const THROTTLE_MS = 1000;

export class CameraNodeStatus {
  /** A status, or (for counters updated per frame) how to make it: texts are translated only when shown. */
  private own: NodeStatus | (() => NodeStatus) | null = null;
  private problem: NodeStatus | null = null;
  /** The config node's view of the camera (its short, specific texts: config error, in use, not found…). */
  private pushed: NodeStatus | null = null;
  private shown = '';
  private stopped = false;
  private lastRender = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `t` must know `camera.refused` and `camera.idle` (every capability node's catalog has them). */
  constructor(
    private readonly node: CameraUserNode,
    private readonly camera: NodeCamera,
    private readonly t: Translate,
  ) {
    // The config node pushes its view of the camera's state: shown while the camera is not
    // connected (the node's own problem over it); once connected, the node's work is shown.
    node.showCameraStatus = (pushed: NodeStatus) => {
      this.pushed = pushed;
      this.render();
    };
    camera.on('state', this.onState);
    this.render();
  }

  /**
   * What the node does while all is well (green only when it is doing its job). `often`: a counter
   * that changes with every frame or event — shown at most once a second, the last value wins;
   * pass a function then, so that its text is made (translated) only when it is shown.
   */
  working(status: NodeStatus | (() => NodeStatus), often = false): void {
    // A frame or event already on its way when the node closed still arrives: it must not arm a
    // timer that outlives the node.
    if (this.stopped) return;
    this.own = status;
    if (!often) {
      this.render();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.render();
      },
      Math.max(0, this.lastRender + THROTTLE_MS - Date.now()),
    );
  }

  /** A lasting problem of this node: shown over everything until `clear()`; reported to Catch unless a message's done(err) does. */
  fail(err: Error, text: string, report = true): void {
    this.problem = { fill: 'red', shape: 'ring', text: shortStatus(text) };
    if (report) this.report(err);
    this.render();
  }

  /** Reports `err` to Catch (rate-limited) without changing the status. */
  report(err: Error): void {
    if (!this.stopped) catchReporter(this.node).report(err, this.camera.address);
  }

  clear(): void {
    this.problem = null;
    this.render();
  }

  get hasProblem(): boolean {
    return this.problem !== null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.camera.removeListener('state', this.onState);
  }

  private readonly onState = (state: CameraState): void => {
    // What the node did is about the connection that ended: it shows again once the node has
    // re-established it on the new one (re-applied, re-subscribed), not before.
    if (state !== 'connected') this.own = null;
    else this.pushed = null;
    this.render();
  };

  private render(): void {
    if (this.stopped) return;
    this.lastRender = Date.now();
    const camera = this.cameraStatus(this.camera.state);
    // While connected, the config node may still push a degradation (yellow: the link over its
    // bandwidth budget) that the node's own green must not hide.
    const degraded = !camera && this.pushed?.fill === 'yellow' && this.pushed.text ? this.pushed : null;
    const status = this.problem ??
      (camera && this.pushed?.text ? this.pushed : camera) ??
      degraded ??
      (typeof this.own === 'function' ? this.own() : this.own) ?? {
        fill: 'yellow',
        shape: 'ring',
        text: 'node-red:common.status.connected',
      };
    const key = JSON.stringify(status);
    if (key === this.shown) return;
    this.shown = key;
    this.node.status(status);
  }

  /** The camera's state when it keeps the node from working; null when connected. */
  private cameraStatus(state: CameraState): NodeStatus | null {
    switch (state) {
      case 'connected':
        return null;
      case 'connecting':
        return { fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' };
      case 'refused':
        return { fill: 'red', shape: 'ring', text: shortStatus(this.t('camera.refused')) };
      case 'idle':
      case 'closed':
        return { fill: 'grey', shape: 'ring', text: shortStatus(this.t('camera.idle')) };
      default:
        return { fill: 'red', shape: 'ring', text: 'node-red:common.status.disconnected' };
    }
  }
}
