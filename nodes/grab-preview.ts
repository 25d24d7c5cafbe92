/**
 * The grab node's preview in the editor: a small JPEG of its latest frame drawn under the node on
 * the canvas (published on the editor's comms channel, as node-red-contrib-image-output does).
 * Costs nothing while no editor is open: the editor says it is there (a request every few seconds
 * while a flow with a previewing grab is loaded), and only then are frames looked at — at most one
 * per interval, encoded from a share of the frame that is released right after (the flow's own
 * message is untouched: raw frames are encoded for the preview only).
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { Frame } from '../lib/stream';
import { encodeFrame } from '../lib/camera/frame-output';

export const PREVIEW_TOPIC = 'gige-vision/preview/';
/** One preview per node per this long. */
export const PREVIEW_INTERVAL_MS = 1000;
/** Thumbnail width, px (height follows the aspect ratio). */
export const PREVIEW_WIDTH = 240;
const PREVIEW_QUALITY = 60;
/** An editor that has not said it is there for this long is gone (it says so every 5 s). */
export const EDITOR_GONE_MS = 15000;

let editorSeenAt = 0;

/** Whether an editor is open now (it asked within EDITOR_GONE_MS). */
export function editorConnected(): boolean {
  return Date.now() - editorSeenAt < EDITOR_GONE_MS;
}

/** POST <admin>/gige-vision/preview/alive — the editor is open (read permission; nothing else happens). */
export function registerPreviewEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.post('/gige-vision/preview/alive', RED.auth.needsPermission('gige-vision.read'), (_req: Request, res: Response) => {
    editorSeenAt = Date.now();
    res.json({ intervalMs: PREVIEW_INTERVAL_MS });
  });
}

export interface PreviewImage {
  id: string;
  /** base64 JPEG */
  image: string;
  width: number;
  height: number;
  frameId: number;
}

export class GrabPreview {
  private lastAt = 0;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly RED: NodeAPI,
    private readonly nodeId: string,
    private readonly enabled: boolean,
    private readonly onError: (err: Error) => void,
  ) {}

  /**
   * Looks at `frame` (during its event or while the caller holds it) when a preview is due: takes
   * its own share, encodes it, publishes, releases. Never keeps a frame past the encoding.
   */
  offer(frame: Frame): void {
    if (!this.enabled || this.stopped || this.busy || !editorConnected()) return;
    const now = Date.now();
    if (now - this.lastAt < PREVIEW_INTERVAL_MS) return;
    if (frame.data.length === 0) return;
    this.lastAt = now;
    this.busy = true;
    const look = frame.share();
    const { width, height } = look;
    const frameId = Number(look.blockId);
    encodeFrame(look, 'jpeg', { maxWidth: PREVIEW_WIDTH, quality: PREVIEW_QUALITY })
      .then(
        (jpeg) => {
          if (this.stopped) return;
          const shownWidth = Math.min(width, PREVIEW_WIDTH);
          const image: PreviewImage = {
            id: this.nodeId,
            image: jpeg.toString('base64'),
            width: shownWidth,
            height: Math.max(1, Math.round((height * shownWidth) / width)),
            frameId,
          };
          this.RED.comms.publish(PREVIEW_TOPIC + this.nodeId, image as never, true);
        },
        (err: Error) => this.onError(err),
      )
      .finally(() => {
        look.release();
        this.busy = false;
      });
  }

  /** The node closes: its preview leaves the canvas (a retained empty message replaces the image). */
  stop(): void {
    this.stopped = true;
    this.RED.comms.publish(PREVIEW_TOPIC + this.nodeId, { id: this.nodeId } as never, true);
  }
}
