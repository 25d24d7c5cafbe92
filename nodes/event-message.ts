import type { CameraEvent } from '../lib/camera/camera';
import { toJsonSafe } from '../lib/genicam';
import { ticksToMs } from '../lib/camera/frame-output';

/** "ExposureEnd, Test" → ['ExposureEnd', 'Test'] */
export function parseEventNames(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** JSON-safe message of one camera event (no bigint, no Buffer in the payload). */
export function eventMessage(event: CameraEvent, topicPrefix: string): Record<string, unknown> {
  return {
    topic: `${topicPrefix}${event.name}`,
    payload: {
      event: event.name,
      eventId: event.eventId,
      timestamp: event.timestamp.toString(),
      timestampMs: ticksToMs(event.timestamp),
      frameId: Number(event.blockId),
      values: toJsonSafe(event.values),
    },
    ...(event.data ? { data: event.data } : {}),
  };
}
