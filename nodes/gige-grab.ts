import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser, cameraUserKey } from './camera-user';
import type { Frame } from '../lib/stream';
import { encodeFrame, frameMetadata, FrameEncoding, checkEncoding } from '../lib/camera/frame-output';
import type { AcquisitionRequest } from '../lib/camera/connection';
import { GigeError, clipInput, quoteInput } from '../lib/errors';
import { StatusThrottle } from './status-throttle';
import { GrabHealth } from './grab-health';
import type { CameraUserNode } from './types';
import { logMissingNativeCore, nativeCoreAvailable } from './native-core';

interface GrabDef extends NodeDef {
  camera: string;
  mode: 'trigger' | 'next' | 'continuous';
  autoStart: boolean;
  encoding: FrameEncoding;
  quality: string;
  maxWidth: string;
}


/** Grabs waiting in 'trigger'/'next' mode beyond this are refused: no unbounded queue. */
const MAX_PENDING_GRABS = 16;
const MODES = ['trigger', 'next', 'continuous'] as const;

/** How each mode shares the camera with other users (see lib/camera/acquisition-users.ts). */
const ACQUISITION_MODE = { trigger: 'software-trigger', next: 'any', continuous: 'free-running' } as const;

/** Mode and encoding as configured, or the error that says what is allowed (never a silent fallback). */
function checkGrabDef(def: GrabDef): { mode: GrabDef['mode']; encoding: FrameEncoding } {
  const mode = def.mode ?? 'trigger';
  if (!MODES.includes(mode)) {
    throw new GigeError('BAD_CONFIG', `Mode ${quoteInput(mode)} is not a grab mode; allowed: ${MODES.join(', ')}`, { mode });
  }
  return { mode, encoding: checkEncoding(def.encoding ?? 'raw') };
}

export = function register(RED: NodeAPI): void {
  logMissingNativeCore(RED);
  function GigeGrabNode(this: CameraUserNode, def: GrabDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    if (!nativeCoreAvailable(node)) return;
    let checked: ReturnType<typeof checkGrabDef>;
    try {
      checked = checkGrabDef(def);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: (err as Error).message.slice(0, 60) });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      return;
    }
    const { mode, encoding } = checked;
    const quality = clampInt(def.quality, 1, 100) ?? 85;
    const maxWidth = clampInt(def.maxWidth, 16, 100000);
    const acquisitionUser = cameraUserKey('gige-grab', node);
    const status = new StatusThrottle(node, 1000);
    let frames = 0;
    /** Frames this node skipped while encoding, and frames the stream dropped while this node ran. */
    let dropped = 0;
    let streamDropped = 0;
    let seenStreamDrops: number | null = null;
    let dropsRefresh: NodeJS.Timeout | null = null;
    let encodingBusy = false;
    let running = false;
    let pending = 0;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;

    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    const health = new GrabHealth(node, config, status);
    const acquisition: AcquisitionRequest = {
      mode: ACQUISITION_MODE[mode],
      owner: `gige-grab ${node.name ? `"${clipInput(node.name, 40)}" ` : ''}(${node.id})`,
    };

    const camera = config.camera;

    // Consumes the frame: a raw frame is the flow's from now on (detached from the pool at once, so
    // the flow may hold it as long as it likes); an encoded one goes back to the pool when encoded.
    const toMessage = async (frame: Frame, msg: Record<string, unknown>): Promise<Record<string, unknown>> => {
      let payload: Buffer;
      if (encoding === 'raw') {
        payload = frame.detach().data;
      } else {
        try {
          payload = await encodeFrame(frame, encoding, { quality, maxWidth });
        } finally {
          frame.release();
        }
      }
      return { ...msg, payload, image: { ...frameMetadata(frame, encoding), dropped: dropped + streamDropped } };
    };

    let lastShownDrops = 0;
    const showStatus = () => {
      const total = dropped + streamDropped;
      // Yellow while frames are being dropped: the flow (or this machine) does not keep up.
      const dropping = total > lastShownDrops;
      lastShownDrops = total;
      status.update({ fill: dropping ? 'yellow' : 'green', shape: dropping ? 'ring' : 'dot', text: total ? `${frames} frames, ${total} dropped` : `${frames} frames` });
    };

    const countFrame = () => {
      frames += 1;
      health.frameArrived();
      showStatus();
    };

    // The stream's own drops (a full delivery queue while JavaScript was busy, an exhausted pool)
    // show in the status too — also when no frame arrives at all.
    const noteStreamDrops = (framesDropped: number | null) => {
      if (framesDropped === null) {
        seenStreamDrops = 0; // no stream now: the next one counts from zero
        return;
      }
      if (seenStreamDrops !== null) streamDropped += framesDropped >= seenStreamDrops ? framesDropped - seenStreamDrops : framesDropped;
      seenStreamDrops = framesDropped;
    };
    const refreshStreamDrops = () => {
      if (!camera.isConnected) return;
      camera.streamStatistics().then((stats) => {
        const before = streamDropped;
        noteStreamDrops(stats ? stats.framesDropped : null);
        if (streamDropped !== before) showStatus();
      }, () => undefined);
    };
    const stopDropsRefresh = () => {
      if (dropsRefresh) clearInterval(dropsRefresh);
      dropsRefresh = null;
    };

    // Continuous mode: every frame becomes a message, but at most one is being encoded; frames that
    // arrive meanwhile are dropped and counted (Node-RED has no backpressure).
    const onFrame = (frame: Frame) => {
      if (!running || closed) return;
      if (encodingBusy) {
        dropped += 1;
        return;
      }
      encodingBusy = true;
      // This node's hold on the frame, taken during the event (raw: detached inside toMessage).
      toMessage(encoding === 'raw' ? frame : frame.share(), { topic: config.name || 'gige' })
        .then((msg) => {
          countFrame();
          node.send(msg);
        })
        .catch((err: Error) => node.error(err.message, { payload: null, error: err } as never))
        .finally(() => {
          encodingBusy = false;
        });
    };

    // After a reconnect the connection restarts acquisition; if that fails, this node hears of it.
    const acquisitionFailed = (err: Error) => {
      health.fail(new GigeError('ACQUISITION_FAILED', `Acquisition did not start${mode === 'continuous' ? ' (send a message to try again)' : ''}: ${err.message}`, {}, { cause: err }));
      // Continuous mode must not believe it still runs: the next message starts it again.
      if (mode === 'continuous') stopAcquisition().catch(() => undefined);
    };

    const startContinuous = async () => {
      if (running) return;
      running = true;
      camera.on('frame', onFrame);
      seenStreamDrops = null;
      dropsRefresh ??= setInterval(refreshStreamDrops, 1000);
      try {
        await camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition);
      } catch (err) {
        running = false;
        camera.removeListener('frame', onFrame);
        stopDropsRefresh();
        await camera.releaseAcquisition(acquisitionUser);
        throw err;
      }
    };
    const stopContinuous = async () => {
      if (!running) return;
      running = false;
      stopDropsRefresh();
      camera.removeListener('frame', onFrame);
    };
    /** Every mode: let the camera stop streaming (ROI and pixel format can change again). */
    const stopAcquisition = async () => {
      await stopContinuous();
      await camera.releaseAcquisition(acquisitionUser);
    };

    const grabOne = async (): Promise<Frame> => {
      // A mode that conflicts with another user's is refused here, naming that user. In trigger mode
      // the connection sets software triggering before it starts acquisition; it is checked again
      // with every trigger (a feature node may have changed it).
      await camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition);
      if (mode === 'trigger') {
        return camera.use((open) => open.triggerSoftware(config.frameTimeoutMs, { ensureTriggerMode: true }));
      }
      return camera.use((open) => open.nextFrame(config.frameTimeoutMs));
    };

    if (mode === 'continuous') {
      health.watchFrames(() => running && !closed);
      // Subscribed whatever the camera's state: the config node's camera starts acquisition once it is open.
      if (def.autoStart !== false) setImmediate(() => startContinuous().catch((err: Error) => health.fail(err)));
    }

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const requested = (msg as { action?: unknown }).action ?? msg.payload;
      const action = typeof requested === 'string' ? requested : '';
      if (action === 'stop') {
        // Behind the grabs already queued: one of them between its acquisition request and its
        // trigger would otherwise start the camera again right after this stop.
        queue = queue.then(() => stopAcquisition()).then(() => done(), (err: Error) => done(err));
        return;
      }
      if (mode === 'continuous') {
        startContinuous().then(() => done(), (err: Error) => {
          health.fail(err, false);
          done(err);
        });
        return;
      }
      if (pending >= MAX_PENDING_GRABS) {
        done(new GigeError('BUSY', `${pending} grabs are already waiting for frames; this message was not queued (limit ${MAX_PENDING_GRABS})`));
        return;
      }
      pending += 1;
      queue = queue.then(async () => {
        try {
          // A message queued before the node closed must not restart the camera afterwards.
          if (closed) throw new GigeError('NODE_CLOSED', 'The grab node was closed (redeployed or removed) before this message was handled');
          const frame = await grabOne();
          const out = await toMessage(frame, msg as unknown as Record<string, unknown>);
          countFrame();
          send(out as NodeMessage);
          done();
        } catch (err) {
          if (isLasting(err)) health.fail(err as Error, false);
          done(err as Error);
        } finally {
          pending -= 1;
        }
      });
    });

    closeCameraUser(node, config, async () => {
      closed = true;
      health.stop();
      status.stop();
      // Queued messages fail at once (closed); the one being handled finishes first, so that
      // nothing requests acquisition after it was released here.
      await queue.catch(() => undefined);
      await stopAcquisition().catch(() => undefined);
    });
  }

  RED.nodes.registerType('gige-grab', GigeGrabNode as never);
};

/** Errors that say this node cannot work as configured (shown on it), not that one grab failed. */
function isLasting(err: unknown): boolean {
  const code = (err as GigeError).code;
  return code === 'ACQUISITION_CONFLICT' || code === 'BAD_CONFIG';
}

function clampInt(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || String(text).trim() === '') return undefined;
  const n = Math.round(Number(text));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : undefined;
}
