import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser, cameraUserKey } from './camera-user';
import { cameraOf } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { checkChoice } from './input-checks';
import { SerialQueue } from './serial-queue';
import { configuredOutput, framePayload, messageOutput, OutputOptions } from './grab-output';
import { FrameSetCollector, CollectedSet } from './frame-set-collector';
import { GrabPreview, registerPreviewEndpoint } from './grab-preview';
import type { CameraFrame } from '../lib/camera/camera';
import type { AcquisitionRequest } from '../lib/camera/connection';
import { GigeError, clipInput, isGigeError } from '../lib/errors';
import type { CameraUserNode } from './types';
import { logMissingNativeCore, nativeCoreAvailable } from './native-core';

/**
 * Frames from a camera: one per message (software trigger, or the next frame of a running
 * stream) or every frame (continuous); raw pixels or JPEG/PNG; single frames or whole
 * multi-frame (HDR) sets; and a thumbnail of the latest frame under the node in the editor.
 */
interface GrabDef extends NodeDef {
  camera: string;
  mode: 'trigger' | 'next' | 'continuous';
  autoStart: boolean;
  /**
   * Trigger mode: start acquisition (TriggerMode On, the stream open) at deploy, not on the first
   * message. Absent in flows made before it existed: those keep arming on their first message.
   */
  armOnDeploy?: boolean;
  encoding: string;
  quality: string;
  maxWidth: string;
  /** 'frames': one message per frame; 'sets': one message per multi-frame set. */
  output: 'frames' | 'sets';
  preview: boolean;
}

const MODES = ['trigger', 'next', 'continuous'] as const;
const OUTPUTS = ['frames', 'sets'] as const;
const ACTIONS = ['grab', 'start', 'stop'] as const;
type Action = (typeof ACTIONS)[number];

/** How each mode shares the camera with other users (see lib/camera/acquisition-users.ts). */
const ACQUISITION_MODE = { trigger: 'software-trigger', next: 'any', continuous: 'free-running' } as const;
/** A set of up to 4 frames, each within the frame timeout, plus the start of the next set. */
const SET_WAIT_FRAMES = 5;

export = function register(RED: NodeAPI): void {
  logMissingNativeCore(RED);
  registerPreviewEndpoint(RED);

  function GigeGrabNode(this: CameraUserNode, def: GrabDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-grab');
    if (!nativeCoreAvailable(node)) return;
    let mode: GrabDef['mode'];
    let sets: boolean;
    let output: OutputOptions;
    try {
      mode = checkChoice(t, def.mode ?? 'trigger', 'mode', MODES);
      sets = checkChoice(t, def.output ?? 'frames', 'output', OUTPUTS) === 'sets';
      output = configuredOutput(t, def);
      if (sets && mode === 'trigger') throw new GigeError('BAD_CONFIG', t('errors.setsNeedStream'));
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      return;
    }
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const preview = new GrabPreview(RED, node.id, def.preview === true, (err) => node.warn(t('log.previewFailed', { error: err.message })));
    const acquisitionUser = cameraUserKey('gige-grab', node);
    const acquisition: AcquisitionRequest = {
      mode: ACQUISITION_MODE[mode],
      owner: `gige-grab ${node.name ? `"${clipInput(node.name, 40)}" ` : ''}(${node.id})`,
    };
    const queue = new SerialQueue(16, 'grabs');
    let frames = 0;
    /** Frames this node skipped while still sending the previous one (Node-RED has no backpressure). */
    let busyDrops = 0;
    /** Frames the stream dropped while this node ran (a full delivery queue, an exhausted pool). */
    let streamDrops = 0;
    let seenStreamDrops: number | null = null;
    let shownDrops = 0;
    let running = false;
    let sending = false;
    let closed = false;
    let lastFrameAt = Date.now();
    const collector = new FrameSetCollector((frame) => (output.encoding === 'raw' ? frame.detach() : frame.share()));
    const drops = () => busyDrops + streamDrops + collector.dropped;

    const showCounts = () => {
      const total = drops();
      // Yellow while frames are being dropped: the flow (or this machine) does not keep up.
      const dropping = total > shownDrops;
      shownDrops = total;
      // Per frame: the text is made when the (throttled) status is shown, not here.
      const shown = frames;
      status.working(
        dropping
          ? () => ({ fill: 'yellow', shape: 'ring', text: t('status.dropped', { count: total }) })
          : () => ({ fill: 'green', shape: 'dot', text: t('status.frames', { count: shown }) }),
        true,
      );
    };
    const counted = (n: number) => {
      frames += n;
      lastFrameAt = Date.now();
      if (status.hasProblem) status.clear();
      showCounts();
    };

    /** One message of a single frame, or of a whole set (payload and image: arrays in exposure order). */
    const toMessage = async (
      taken: CollectedSet | CameraFrame,
      options: OutputOptions,
      base: Record<string, unknown>,
    ): Promise<NodeMessage> => {
      if (!sets) {
        const { payload, image } = await framePayload(taken as CameraFrame, options);
        return { ...base, payload, image: { ...image, dropped: drops() } } as NodeMessage;
      }
      const set = taken as CollectedSet;
      const parts = await Promise.allSettled(set.frames.map((frame) => framePayload(frame, options)));
      const failed = parts.find((p) => p.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const done = parts.map((p) => (p as PromiseFulfilledResult<Awaited<ReturnType<typeof framePayload>>>).value);
      return {
        ...base,
        payload: done.map((p) => p.payload),
        image: done.map((p) => ({ ...p.image, dropped: drops() })),
        set: { id: set.id, count: set.count },
      } as NodeMessage;
    };

    // Continuous: every frame (or set) becomes a message, one being sent at a time; what arrives
    // meanwhile is dropped and counted.
    const onFrame = (frame: CameraFrame) => {
      if (!running || closed) return;
      preview.offer(frame);
      let taken: CollectedSet | CameraFrame;
      if (sets) {
        const complete = collector.add(frame);
        if (!complete) return;
        if (sending) {
          busyDrops += complete.frames.length;
          for (const member of complete.frames) member.release();
          return;
        }
        taken = complete;
      } else {
        if (sending) {
          busyDrops += 1;
          return;
        }
        // This node's hold, taken during the event (a raw frame is detached when it becomes the message).
        taken = output.encoding === 'raw' ? frame : frame.share();
      }
      sending = true;
      toMessage(taken, output, { topic: config.name || 'gige' })
        .then(
          (msg) => {
            counted(sets ? (taken as CollectedSet).frames.length : 1);
            node.send(msg);
          },
          (err: Error) => status.fail(err, t('status.sendFailed')),
        )
        .finally(() => {
          sending = false;
        });
    };

    /** The status text for acquisition that could not start: another user's mode, or the camera's reason. */
    const acquisitionStatusText = (err: Error) =>
      isGigeError(err, 'ACQUISITION_CONFLICT') ? t('status.inUse') : t('status.noAcquisition');

    // Acquisition that did not (re)start after a reconnect: shown and reported; continuous mode
    // stops believing it runs (the next message starts it again).
    const acquisitionFailed = (err: Error) => {
      status.fail(
        new GigeError('ACQUISITION_FAILED', t('errors.acquisitionFailed', { error: err.message }), {}, { cause: err }),
        acquisitionStatusText(err),
      );
      if (mode === 'continuous') stop().catch(() => undefined);
    };

    // The stream's own drops show in the status too — also when no frame arrives at all.
    const statistics = setInterval(() => {
      if (!camera.isConnected || closed) return;
      camera.streamStatistics().then(
        (stats) => {
          const current = stats ? stats.framesDropped : null;
          if (current === null) {
            seenStreamDrops = 0; // no stream now: the next one counts from zero
            return;
          }
          if (seenStreamDrops !== null) streamDrops += current >= seenStreamDrops ? current - seenStreamDrops : current;
          seenStreamDrops = current;
          if (drops() !== shownDrops) showCounts();
        },
        () => undefined,
      );
      // Every frame mode, connected and running, but no frame for the frame timeout: a camera left
      // waiting for a trigger, a stream stopped by another user — yellow, never a silent green.
      const quietMs = Date.now() - lastFrameAt;
      if (mode === 'continuous' && running && quietMs >= Math.max(2000, config.frameTimeoutMs)) {
        status.working({ fill: 'yellow', shape: 'ring', text: t('status.noFrames', { seconds: Math.round(quietMs / 1000) }) });
      }
    }, 1000);
    const onState = (state: string) => {
      if (state === 'connected') lastFrameAt = Date.now();
      if (state === 'connected' && mode === 'continuous' && running)
        status.working({ fill: 'yellow', shape: 'ring', text: t('status.waiting') });
      if (state === 'connected' && mode !== 'continuous')
        status.working({ fill: 'green', shape: 'dot', text: frames > 0 ? t('status.frames', { count: frames }) : t('status.ready') });
    };
    camera.on('state', onState);

    const start = async () => {
      if (running) return;
      running = true;
      lastFrameAt = Date.now();
      seenStreamDrops = null;
      camera.on('frame', onFrame);
      try {
        await camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition);
      } catch (err) {
        running = false;
        camera.removeListener('frame', onFrame);
        await camera.releaseAcquisition(acquisitionUser);
        throw err;
      }
      if (frames === 0 || status.hasProblem) status.working({ fill: 'yellow', shape: 'ring', text: t('status.waiting') });
    };
    /** Every mode: the camera may stop streaming (ROI and pixel format can change again). A stopped grab is grey, not green. */
    const stop = async () => {
      running = false;
      camera.removeListener('frame', onFrame);
      collector.clear();
      await camera.releaseAcquisition(acquisitionUser);
      status.working({ fill: 'grey', shape: 'ring', text: t('status.stopped') });
    };

    /** One frame (trigger / next) or one whole set (next), this node's to send. */
    const grab = async (): Promise<CameraFrame | CollectedSet> => {
      // A mode that conflicts with another user's is refused here, naming that user.
      await camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition);
      if (mode === 'trigger') return camera.use((open) => open.triggerSoftware(config.frameTimeoutMs, { ensureTriggerMode: true }));
      if (!sets) return camera.use((open) => open.nextFrame(config.frameTimeoutMs));
      return nextSet();
    };
    const nextSet = () =>
      new Promise<CollectedSet>((resolve, reject) => {
        const gather = new FrameSetCollector((frame) => (output.encoding === 'raw' ? frame.detach() : frame.share()));
        const finish = () => {
          clearTimeout(timer);
          camera.removeListener('frame', onSetFrame);
        };
        const timer = setTimeout(() => {
          finish();
          gather.clear();
          reject(
            new GigeError('FRAME_TIMEOUT', t('errors.setTimeout', { ms: config.frameTimeoutMs * SET_WAIT_FRAMES }), {
              timeoutMs: config.frameTimeoutMs * SET_WAIT_FRAMES,
            }),
          );
        }, config.frameTimeoutMs * SET_WAIT_FRAMES);
        const onSetFrame = (frame: CameraFrame) => {
          const complete = gather.add(frame);
          if (!complete) return;
          finish();
          resolve(complete);
        };
        camera.on('frame', onSetFrame);
      });

    if (mode === 'continuous' && def.autoStart !== false) {
      // Subscribed whatever the camera's state: the config node's camera starts acquisition once it is open.
      setImmediate(() => {
        start().catch((err: Error) => status.fail(err, acquisitionStatusText(err)));
      });
    } else if (mode === 'continuous') {
      status.working({ fill: 'grey', shape: 'ring', text: t('status.stopped') });
    }
    if (mode === 'trigger' && def.armOnDeploy === true) {
      // Otherwise the first message pays for starting acquisition (the trigger mode written, the
      // stream channel opened): 30–40 ms on top of the camera's own time (bench/README.md,
      // thirteenth session). Queued like a message's "start", so a grab can never overtake it.
      setImmediate(() => {
        queue
          .run(() => camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition))
          .catch((err: Error) => {
            if (!closed) status.fail(err, acquisitionStatusText(err));
          });
      });
    }

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const request = msg as unknown as Record<string, unknown>;
      let action: Action;
      let options: OutputOptions;
      try {
        // msg.payload "start"/"stop" as well, for an inject with a string payload.
        action =
          request.action !== undefined
            ? checkChoice(t, request.action, 'msg.action', ACTIONS)
            : msg.payload === 'stop' || msg.payload === 'start'
              ? msg.payload
              : 'grab';
        options = messageOutput(t, request, output);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (action === 'stop') {
        // Behind the grabs already queued: one of them between its acquisition request and its
        // trigger would otherwise start the camera again right after this stop.
        queue.run(stop).then(
          () => done(),
          (err: Error) => done(err),
        );
        return;
      }
      if (mode === 'continuous') {
        // What a message asks of the output holds for the running stream from now on.
        output = options;
        start().then(
          () => done(),
          (err: Error) => {
            if (isGigeError(err, 'ACQUISITION_CONFLICT')) status.fail(err, t('status.inUse'), false);
            done(err);
          },
        );
        return;
      }
      queue
        .run(async () => {
          if (action === 'start') {
            await camera.requestAcquisition(acquisitionUser, acquisitionFailed, acquisition);
            status.working({ fill: 'green', shape: 'dot', text: t('status.ready') });
            return;
          }
          const taken = await grab();
          // The frame is this node's now: the preview looks at it before the message takes it.
          preview.offer(sets ? (taken as CollectedSet).frames[(taken as CollectedSet).frames.length - 1] : (taken as CameraFrame));
          const out = await toMessage(taken, options, request);
          counted(sets ? (taken as CollectedSet).frames.length : 1);
          send(out);
        })
        .then(
          () => done(),
          (err: Error) => {
            if (isGigeError(err, 'ACQUISITION_CONFLICT')) status.fail(err, t('status.inUse'), false);
            done(err);
          },
        );
    });

    closeCameraUser(node, config, async () => {
      closed = true;
      clearInterval(statistics);
      camera.removeListener('state', onState);
      preview.stop();
      // Queued messages fail at once (closed); the one being handled finishes first, so that
      // nothing requests acquisition after it was released here.
      await queue.close();
      await stop().catch(() => undefined);
      status.stop();
    });
  }

  RED.nodes.registerType('gige-grab', GigeGrabNode as never);
};
