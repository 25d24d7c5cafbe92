/**
 * The camera's own action scheduler (manual 5.13): Action0 (it triggers a frame) at a PTP time,
 * once or repeated every `interval` µs. What a node or message asks is checked here; committing
 * and cancelling run as one turn on the camera (selector, time, interval, command).
 */
import type { Camera } from '../lib/camera/camera';
import { GigeError, isGigeError, quoteInput } from '../lib/errors';
import type { Translate } from './i18n';
import { checkChoice, checkNumber, isBlank, NumberRule } from './input-checks';
import { readPtpStatus, LOCKED_STATES } from './ptp-watch';

/** Manual 5.13.3: 0 (once) … 4294967295 µs. */
export const INTERVAL_US: NumberRule = { min: 0, max: 4294967295, integer: true, unit: 'µs' };
/** A first time at most a day ahead when given as a delay. */
export const DELAY_MS: NumberRule = { min: 0, max: 86400000, integer: true, unit: 'ms' };
const MAX_TIME = 0xffffffffffffffffn;

/** When the first action fires: at an absolute PTP time (ns), or this long after the camera's now. */
export type FirstTime = { kind: 'absolute'; time: bigint } | { kind: 'delay'; delayMs: number };

export interface Schedule {
  first: FirstTime;
  intervalUs: number;
}

export interface ScheduleFields {
  timeMode?: string;
  time?: unknown;
  delay?: unknown;
  interval?: unknown;
}

/** A PTP time in ns: a whole number (decimal string, bigint or safe integer) within 64 bits. */
export function checkPtpTime(t: Translate, value: unknown, what: string): bigint {
  const text =
    typeof value === 'bigint'
      ? value.toString()
      : typeof value === 'number' && Number.isSafeInteger(value)
        ? String(value)
        : typeof value === 'string'
          ? value.trim()
          : null;
  if (text === null || !/^\d{1,20}$/.test(text) || BigInt(text) > MAX_TIME) {
    throw new GigeError(text === null ? 'WRONG_TYPE' : 'OUT_OF_RANGE', t('errors.badTime', { what, value: quoteInput(value) }), { what });
  }
  return BigInt(text);
}

/** The schedule of the node's fields (the editor saves strings). */
export function configuredSchedule(t: Translate, fields: ScheduleFields): Schedule {
  const mode = isBlank(fields.timeMode) ? 'delay' : checkChoice(t, fields.timeMode, 'timeMode', ['delay', 'absolute']);
  return {
    first:
      mode === 'absolute'
        ? { kind: 'absolute', time: checkPtpTime(t, fields.time, 'time') }
        : { kind: 'delay', delayMs: isBlank(fields.delay) ? 1000 : checkNumber(t, fields.delay, 'delay', DELAY_MS) },
    intervalUs: isBlank(fields.interval) ? 0 : checkNumber(t, fields.interval, 'interval', INTERVAL_US),
  };
}

/** A message's msg.time / msg.delay / msg.interval over the configured schedule. */
export function messageSchedule(t: Translate, msg: Record<string, unknown>, configured: Schedule): Schedule {
  if (msg.time !== undefined && msg.delay !== undefined) {
    throw new GigeError('INVALID_VALUE', t('errors.timeAndDelay'), {});
  }
  return {
    first:
      msg.time !== undefined
        ? { kind: 'absolute', time: checkPtpTime(t, msg.time, 'msg.time') }
        : msg.delay !== undefined
          ? { kind: 'delay', delayMs: checkNumber(t, msg.delay, 'msg.delay', DELAY_MS) }
          : configured.first,
    intervalUs: msg.interval === undefined ? configured.intervalUs : checkNumber(t, msg.interval, 'msg.interval', INTERVAL_US),
  };
}

/** A clock that follows a time reference: the scheduler refuses (NO_REF_TIME) otherwise. */
export async function requireLockedClock(camera: Camera, t: Translate): Promise<void> {
  const { status } = await readPtpStatus(camera);
  if (!LOCKED_STATES.includes(status)) {
    throw new GigeError('PTP_NOT_LOCKED', t('errors.notLocked', { camera: camera.address, status }), { camera: camera.address, status });
  }
}

/**
 * Commits `schedule` for Action0; resolves with the PTP time of its first action. Run inside
 * `camera.serialized` (selector, time, interval and command are one operation).
 */
export async function commitSchedule(camera: Camera, schedule: Schedule, t: Translate): Promise<bigint> {
  await requireLockedClock(camera, t);
  const time =
    schedule.first.kind === 'absolute' ? schedule.first.time : (await camera.deviceTime()) + BigInt(schedule.first.delayMs) * 1_000_000n;
  await camera.set('ActionSelector', 0);
  await camera.set('ActionSchedulerTime', time);
  await camera.set('ActionSchedulerInterval', schedule.intervalUs);
  try {
    await camera.execute('ActionSchedulerCommit');
  } catch (err) {
    if (/OVERFLOW/.test((err as Error).message) || (isGigeError(err, 'GVCP_STATUS') && err.details.status === 0x8015) /* OVERFLOW */) {
      const size = camera.nodeMap.has('ActionQueueSize') ? await camera.get('ActionQueueSize').catch(() => '?') : '?';
      throw new GigeError(
        'SCHEDULE_FULL',
        t('errors.queueFull', { camera: camera.address, size: String(size) }),
        { camera: camera.address },
        { cause: err },
      );
    }
    throw err;
  }
  return time;
}

export async function cancelSchedule(camera: Camera): Promise<void> {
  await camera.set('ActionSelector', 0);
  await camera.execute('ActionSchedulerCancel');
}
