import type { NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { cameraOf } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { checkNumber, isBlank } from './input-checks';
import { ArrivalTimes, AlarmChange, StreamHealth, Thresholds } from './stream-health';
import type { CameraUserNode } from './types';

/**
 * Stream health as messages: every interval, what the camera's stream did (output 1), and an alarm
 * message when loss, resends or frame interval jitter go over their thresholds and again when they
 * are back under them (output 2) — for a flow to pass on to a PLC or HMI. It watches the stream
 * that the camera's other nodes run (gige-grab); it starts none itself.
 */
interface StreamStatsDef extends NodeDef {
  camera: string;
  interval: string | number;
  lossPercent: string | number;
  resendPercent: string | number;
  jitterMs: string | number;
}

const DEFAULT_INTERVAL_S = 1;

export = function register(RED: NodeAPI): void {
  function GigeStreamStatsNode(this: CameraUserNode, def: StreamStatsDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-stream-stats');
    let intervalMs: number;
    let thresholds: Thresholds;
    try {
      const optional = (value: unknown, what: string, max: number, unit: string) =>
        isBlank(value) ? null : checkNumber(t, value, what, { min: 0, max, unit });
      intervalMs =
        1000 *
        checkNumber(
          t,
          def.interval === undefined || String(def.interval).trim() === '' ? DEFAULT_INTERVAL_S : def.interval,
          t('label.interval'),
          { min: 0.2, max: 3600, unit: 's' },
        );
      thresholds = {
        lossPercent: optional(def.lossPercent, t('label.loss'), 100, '%'),
        resendPercent: optional(def.resendPercent, t('label.resend'), 100, '%'),
        jitterMs: optional(def.jitterMs, t('label.jitter'), 60000, 'ms'),
      };
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error((err as Error).message);
      return;
    }
    const config = useCameraConfig(RED, node, def.camera, false);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const health = new StreamHealth(thresholds);
    const arrivals = new ArrivalTimes();
    const topic = config.name ? `${config.name}/stream` : 'stream';
    let closed = false;
    let sampling = false;

    const sendChanges = (changes: AlarmChange[]) => {
      for (const change of changes) {
        const msg = { topic: `${topic}/alarm/${change.alarm}`, payload: change } as NodeMessage;
        node.send([null, msg]);
        if (change.active)
          node.warn(
            t('log.raised', { alarm: change.alarm, value: String(change.value), threshold: String(change.threshold), unit: change.unit }),
          );
        else node.log(t('log.cleared', { alarm: change.alarm }));
      }
    };
    const showHealth = (lossPercent: number | null) => {
      const alarms = health.activeAlarms;
      if (alarms.length > 0)
        status.working({
          fill: 'red',
          shape: 'dot',
          text: t('status.alarm', { alarm: alarms.length === 1 ? alarms[0] : `${alarms[0]} +${alarms.length - 1}` }),
        });
      else if (lossPercent === null) status.working({ fill: 'grey', shape: 'ring', text: t('status.noStream') });
      else status.working({ fill: 'green', shape: 'dot', text: t('status.loss', { percent: lossPercent.toFixed(2) }) });
    };

    const onFrame = () => arrivals.note(Date.now());
    camera.on('frame', onFrame);
    const sample = () => {
      if (closed || sampling) return;
      sampling = true;
      camera
        .streamStatistics()
        .then((stats) => {
          if (closed) return;
          if (!stats) {
            arrivals.reset();
            sendChanges(health.end());
            if (camera.isConnected) showHealth(null);
            return;
          }
          const { report, changes } = health.sample(stats, Date.now(), arrivals.take());
          if (!report) return;
          node.send([{ topic, payload: report } as NodeMessage, null]);
          sendChanges(changes);
          showHealth(report.lossPercent);
        })
        .catch((err: Error) => status.report(err))
        .finally(() => {
          sampling = false;
        });
    };
    const timer = setInterval(sample, intervalMs);
    const onState = (state: string) => {
      if (state === 'connected') showHealth(null);
    };
    camera.on('state', onState);
    if (camera.isConnected) showHealth(null);

    closeCameraUser(node, config, async () => {
      closed = true;
      clearInterval(timer);
      status.stop();
      camera.removeListener('frame', onFrame);
      camera.removeListener('state', onState);
    });
  }

  RED.nodes.registerType('gige-stream-stats', GigeStreamStatsNode as never);
};
