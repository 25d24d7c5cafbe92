import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { randomBytes } from 'node:crypto';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { cameraOf, onEveryConnect } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { checkChoice, isBlank } from './input-checks';
import { SerialQueue } from './serial-queue';
import { ensureTriggerMode } from './trigger-mode';
import { PtpWatch, PtpChange, readPtpStatus, LOCKED_STATES } from './ptp-watch';
import { cancelSchedule, commitSchedule, configuredSchedule, messageSchedule, Schedule } from './action-schedule';
import { ticksToMs } from '../lib/camera/frame-output';
import type { Camera } from '../lib/camera/camera';
import type { CameraUserNode } from './types';

/**
 * PTP (manual 5.12) and the camera's action scheduler (manual 5.13) on one camera.
 * Output 1: one message per PTP state change (`locked` for a flow to gate on).
 * Output 2: what the scheduler did (committed: the first action's PTP time; cancelled).
 */
interface PtpSchedulerDef extends NodeDef {
  camera: string;
  /** PtpEnable on every connect: 'on', 'off', or '' to leave it. */
  ptp: '' | 'on' | 'off';
  timeMode: 'delay' | 'absolute';
  delay: string;
  time: string;
  interval: string;
  /** Commit the schedule once the clock is locked after deploy (and keep a repeating one across reconnects). */
  commitOnDeploy: boolean;
  switchMode: boolean;
}

const ACTIONS = ['commit', 'cancel', 'status', 'enable', 'disable'] as const;

export = function register(RED: NodeAPI): void {
  function GigePtpSchedulerNode(this: CameraUserNode, def: PtpSchedulerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-ptp-scheduler');
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const queue = new SerialQueue(16, 'scheduler messages');
    let configured: Schedule;
    let ptpWanted: boolean | null;
    try {
      configured = configuredSchedule(t, def);
      ptpWanted = isBlank(def.ptp) ? null : checkChoice(t, def.ptp, 'ptp', ['on', 'off']) === 'on';
    } catch (err) {
      status.fail(err as Error, t('status.badConfig'), false);
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      closeCameraUser(node, config, async () => status.stop());
      return;
    }
    /** A repeating schedule this node stands for: committed again (same phase) after a reconnect. */
    let standing: { schedule: Schedule; time: bigint } | null = null;
    let pendingDeployCommit = def.commitOnDeploy === true;
    let scheduledText: string | null = null;

    const output = (first: NodeMessage | null, second: NodeMessage | null) => node.send([first, second] as never);
    const newMessage = (): NodeMessage => ({ _msgid: randomBytes(8).toString('hex') }) as NodeMessage;

    const show = () => {
      const clock = watch.status;
      if (clock === null) return;
      const locked = watch.locked;
      const text = locked ? (scheduledText ?? t('status.locked', { status: clock })) : t('status.unlocked', { status: clock });
      status.working({ fill: locked ? 'green' : 'yellow', shape: locked ? 'dot' : 'ring', text });
    };

    const commit = (c: Camera, schedule: Schedule) =>
      c.serialized(async () => {
        const { changes } = await ensureTriggerMode(c, 'Action0', def.switchMode === true, t);
        if (changes.length > 0) node.warn(t('log.switched', { camera: c.address, changes: changes.join(', ') }));
        const time = await commitSchedule(c, schedule, t);
        if (!c.acquiring) node.warn(t('log.notAcquiring', { camera: c.address }));
        return { time, acquiring: c.acquiring, address: c.address };
      });

    const committed = (time: bigint, schedule: Schedule, acquiring: boolean, address: string) => ({
      action: 'commit',
      time: time.toString(),
      timeMs: ticksToMs(time),
      interval: schedule.intervalUs,
      acquiring,
      camera: address,
    });

    const commitAndTell = (schedule: Schedule, msg: NodeMessage | null) =>
      queue
        .run(() => camera.use((c) => commit(c, schedule)))
        .then(({ time, acquiring, address }) => {
          standing = schedule.intervalUs > 0 ? { schedule: { ...schedule, first: { kind: 'absolute', time } }, time } : null;
          scheduledText =
            schedule.intervalUs > 0 ? t('status.repeating', { interval: formatInterval(schedule.intervalUs) }) : t('status.once');
          show();
          output(null, { ...(msg ?? newMessage()), payload: committed(time, schedule, acquiring, address) } as NodeMessage);
        });

    // The clock locked (after deploy, or again after a reconnect): commit what the node stands for.
    const onLocked = () => {
      const toCommit = pendingDeployCommit ? configured : (standing?.schedule ?? null);
      if (!toCommit) return;
      pendingDeployCommit = false;
      const recommit = standing !== null;
      const run = recommit ? queue.run(() => camera.use((c) => c.serialized(() => cancelSchedule(c)))) : Promise.resolve();
      run
        .then(() => commitAndTell(toCommit, null))
        .catch((err: Error) => {
          if (camera.isConnected) status.fail(err, t('status.failed'));
        });
    };

    const watch = new PtpWatch(
      camera,
      (change: PtpChange) => {
        output(
          {
            ...newMessage(),
            topic: 'ptp',
            payload: {
              status: change.status,
              previous: change.previous,
              locked: change.locked,
              source: change.source,
              camera: camera.address,
            },
          } as NodeMessage,
          null,
        );
        if (change.status === 'Disconnected') scheduledText = null;
        show();
        if (change.locked && !(change.previous !== null && LOCKED_STATES.includes(change.previous))) onLocked();
      },
      (err: Error) => status.fail(err, t('status.failed')),
    );

    // PTP on or off as configured, on every connect (a restarted camera has its power-up value).
    const stopFollowing = onEveryConnect(camera, () => {
      if (ptpWanted === null) return;
      const enable = ptpWanted;
      queue
        .run(() => camera.use((c) => c.set('PtpEnable', enable)))
        .then(
          () => watch.poke(),
          (err: Error) => {
            if (camera.isConnected) status.fail(err, t('status.failed'));
          },
        );
    });

    node.on('input', (msg: NodeMessageInFlow, send: (m: Array<NodeMessage | null>) => void, done: (err?: Error) => void) => {
      const request = msg as unknown as Record<string, unknown>;
      let action: (typeof ACTIONS)[number];
      let schedule: Schedule | null = null;
      try {
        action = request.action === undefined ? 'commit' : checkChoice(t, request.action, 'msg.action', ACTIONS);
        if (action === 'commit') schedule = messageSchedule(t, request, configured);
      } catch (err) {
        done(err as Error);
        return;
      }
      const reply = (payload: Record<string, unknown>, port: 0 | 1) => {
        const out = { ...msg, payload } as NodeMessage;
        send(port === 0 ? [out, null] : [null, out]);
      };
      let work: Promise<void>;
      switch (action) {
        case 'commit':
          work = commitAndTell(schedule as Schedule, msg as NodeMessage).then(() => status.clear());
          break;
        case 'cancel':
          work = queue
            .run(() => camera.use((c) => c.serialized(() => cancelSchedule(c))))
            .then(() => {
              standing = null;
              scheduledText = null;
              show();
              reply({ action: 'cancel', camera: camera.address }, 1);
            });
          break;
        case 'enable':
        case 'disable':
          ptpWanted = action === 'enable';
          work = queue.run(() => camera.use((c) => c.set('PtpEnable', action === 'enable'))).then(() => watch.poke());
          break;
        default:
          work = queue
            .run(() => camera.use((c) => readPtpStatus(c)))
            .then(({ status: clock, source }) =>
              reply({ status: clock, locked: LOCKED_STATES.includes(clock), source, camera: camera.address }, 0),
            );
      }
      work.then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    closeCameraUser(node, config, async () => {
      stopFollowing();
      watch.stop();
      status.stop();
      await queue.close();
    });
  }

  RED.nodes.registerType('gige-ptp-scheduler', GigePtpSchedulerNode as never);
};

/** 500000 µs → "500 ms", 2000000 → "2 s" (status text). */
function formatInterval(us: number): string {
  if (us % 1_000_000 === 0) return `${us / 1_000_000} s`;
  if (us % 1000 === 0) return `${us / 1000} ms`;
  return `${us} µs`;
}
