import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser, connectionUserKey } from './camera-user';
import type { Frame } from '../lib/stream';
import { encodeFrame, frameMetadata, FrameEncoding } from '../lib/camera/frame-output';
import { GigeError } from '../lib/errors';
import { StatusThrottle } from './status-throttle';
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

export = function register(RED: NodeAPI): void {
  logMissingNativeCore(RED);
  function GigeGrabNode(this: Node, def: GrabDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    if (!nativeCoreAvailable(node)) return;
    const mode = def.mode ?? 'trigger';
    const encoding: FrameEncoding = def.encoding ?? 'raw';
    const quality = clampInt(def.quality, 1, 100) ?? 85;
    const maxWidth = clampInt(def.maxWidth, 16, 100000);
    const acquisitionUser = connectionUserKey('gige-grab', node);
    const status = new StatusThrottle(node, 1000);
    let frames = 0;
    let dropped = 0;
    let encodingBusy = false;
    let running = false;
    let pending = 0;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;

    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;

    const connection = () => {
      const current = config.connection;
      if (!current) throw new GigeError('NOT_CONNECTED', 'The camera connection is not open (see the camera config node)');
      return current;
    };

    const toMessage = async (frame: Frame, msg: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const payload = encoding === 'raw' ? frame.data : await encodeFrame(frame, encoding, { quality, maxWidth });
      return { ...msg, payload, image: { ...frameMetadata(frame, encoding), dropped } };
    };

    const countFrame = () => {
      frames += 1;
      status.update({ fill: 'green', shape: 'dot', text: dropped ? `${frames} frames, ${dropped} dropped` : `${frames} frames` });
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
      toMessage(frame, { topic: config.name || 'gige' })
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
      const retry = mode === 'continuous' ? ' — send a message to try again' : '';
      node.status({ fill: 'red', shape: 'ring', text: `acquisition failed${retry}` });
      node.error(`acquisition did not start: ${err.message}`);
      // Continuous mode must not believe it still runs: the next message starts it again.
      if (mode === 'continuous') stopAcquisition().catch(() => undefined);
    };

    const startContinuous = async () => {
      if (running) return;
      const current = connection();
      running = true;
      current.on('frame', onFrame);
      try {
        await current.requestAcquisition(acquisitionUser, acquisitionFailed);
      } catch (err) {
        running = false;
        current.removeListener('frame', onFrame);
        await current.releaseAcquisition(acquisitionUser);
        throw err;
      }
    };
    const stopContinuous = async () => {
      if (!running) return;
      running = false;
      config.connection?.removeListener('frame', onFrame);
    };
    /** Every mode: let the camera stop streaming (ROI and pixel format can change again). */
    const stopAcquisition = async () => {
      await stopContinuous();
      await config.connection?.releaseAcquisition(acquisitionUser);
    };

    const grabOne = async (): Promise<Frame> => {
      const current = connection();
      if (mode === 'trigger') {
        // Trigger mode first, so that starting acquisition does not stream free-running frames;
        // checked again with every trigger (another node may have changed it).
        await current.use((camera) => camera.prepareSoftwareTrigger());
        await current.requestAcquisition(acquisitionUser, acquisitionFailed);
        return current.use((camera) => camera.triggerSoftware(config.frameTimeoutMs, { ensureTriggerMode: true }));
      }
      await current.requestAcquisition(acquisitionUser, acquisitionFailed);
      return current.use((camera) => camera.nextFrame(config.frameTimeoutMs));
    };

    if (mode === 'continuous' && def.autoStart !== false) {
      // The connection opens asynchronously; start once it exists.
      setImmediate(() => startContinuous().catch((err: Error) => node.error(err.message)));
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
        startContinuous().then(() => done(), (err: Error) => done(err));
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
          done(err as Error);
        } finally {
          pending -= 1;
        }
      });
    });

    closeCameraUser(node, config, async () => {
      closed = true;
      status.stop();
      // Queued messages fail at once (closed); the one being handled finishes first, so that
      // nothing requests acquisition after it was released here.
      await queue.catch(() => undefined);
      await stopAcquisition().catch(() => undefined);
    });
  }

  RED.nodes.registerType('gige-grab', GigeGrabNode as never);
};

function clampInt(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || String(text).trim() === '') return undefined;
  const n = Math.round(Number(text));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : undefined;
}
