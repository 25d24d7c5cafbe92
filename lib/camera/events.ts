import { GigeError, clipInput } from '../errors';
import { MessageChannel, GvcpEvent } from '../gvcp';
import type { ControlChannel } from '../gvcp';
import type { NodeMap, FeatureValue } from '../genicam';

/** Events waiting for delivery beyond this are dropped (counted by a warning). */
const MAX_WAITING_EVENTS = 1000;

/** A device event as users see it: its SFNC name and the values of the features it feeds. */
export interface CameraEvent {
  /** The EventSelector entry, e.g. 'ExposureEnd'; `Event_0x9001` when the XML does not name it. */
  name: string;
  eventId: number;
  timestamp: bigint;
  blockId: bigint;
  streamChannel: number;
  /** e.g. { EventExposureEndTimestamp: …, EventExposureEndFrameID: … } */
  values: Record<string, FeatureValue>;
  data?: Buffer;
}

/**
 * The camera's events: opens the message channel on first use, switches notifications on and off
 * through EventSelector/EventNotification, and turns each GVCP event into a `CameraEvent` by
 * delivering it to the GenICam event ports. Deliveries are serialised: an event port holds one
 * event at a time, and its values are read before the next event replaces it.
 */
export class CameraEvents {
  private channel: MessageChannel | null = null;
  private opening: Promise<MessageChannel> | null = null;
  private delivery: Promise<void> = Promise.resolve();
  private waiting = 0;
  private dropped = 0;
  private readonly enabled = new Set<string>();
  private closed = false;
  private offered: string[] | undefined;

  constructor(
    private readonly control: ControlChannel,
    private readonly nodeMap: NodeMap,
    private readonly emit: (event: CameraEvent) => void,
    private readonly warn: (err: Error) => void,
  ) {}

  /** Event names the camera offers (its EventSelector entries). */
  async available(): Promise<string[]> {
    if (!this.nodeMap.has('EventSelector')) return [];
    const description = await this.nodeMap.describe('EventSelector');
    return (description.entries ?? []).filter((e) => e.available).map((e) => e.name);
  }

  get enabledNames(): string[] {
    return [...this.enabled];
  }

  /** Selector writes must not interleave with another user's: callers run these serialised. */
  async enable(names: string[]): Promise<void> {
    await this.check(names);
    await this.open();
    for (const name of names) {
      await this.nodeMap.setValue('EventSelector', name);
      await this.nodeMap.setValue('EventNotification', 'On');
      this.enabled.add(name);
    }
  }

  async disable(names: string[]): Promise<void> {
    await this.check(names);
    for (const name of names) {
      await this.nodeMap.setValue('EventSelector', name);
      await this.nodeMap.setValue('EventNotification', 'Off');
      this.enabled.delete(name);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.channel = null;
    if (channel) await channel.close();
  }

  private async check(names: string[]): Promise<void> {
    const offered = await this.available();
    const unknown = names.filter((n) => !offered.includes(n));
    if (unknown.length > 0) {
      throw new GigeError(
        'UNKNOWN_EVENT',
        `Unknown event ${clipInput(unknown.join(', '))}; this camera offers: ${offered.join(', ') || 'no events'}`,
        { unknown: unknown.slice(0, 10).map((name) => clipInput(name)), offered },
      );
    }
  }

  private open(): Promise<MessageChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    if (!this.opening) {
      this.opening = MessageChannel.open(this.control)
        .then((channel) => {
          if (this.closed) {
            channel.close().catch(() => undefined);
            throw new GigeError('CAMERA_CLOSED', 'The camera closed while its message channel was opening');
          }
          channel.on('event', (event: GvcpEvent) => this.queue(event));
          channel.on('warning', (err: Error) => this.warn(err));
          this.channel = channel;
          return channel;
        })
        .finally(() => {
          this.opening = null;
        });
    }
    return this.opening;
  }

  private queue(event: GvcpEvent): void {
    // Events are delivered one at a time, in order; a device flooding events must not grow the
    // line without end: beyond the limit they are dropped, with one warning per burst.
    if (this.waiting >= MAX_WAITING_EVENTS) {
      if (this.dropped++ === 0)
        this.warn(
          new GigeError(
            'EVENTS_DROPPED',
            `More than ${MAX_WAITING_EVENTS} events are waiting to be delivered; dropping events until the flow catches up`,
          ),
        );
      return;
    }
    this.waiting += 1;
    this.delivery = this.delivery
      .then(() => this.deliver(event))
      .catch((err: Error) => this.warn(err))
      .finally(() => {
        this.waiting -= 1;
        if (this.waiting === 0) this.dropped = 0;
      });
  }

  private async deliver(event: GvcpEvent): Promise<void> {
    const info = { timestamp: event.timestamp, blockId: event.blockId, streamChannel: event.streamChannel };
    const fed = this.nodeMap.deliverEvent(event.eventId, event.data, info);
    const values = await this.nodeMap.readEventValues(event.eventId);
    // SFNC names the event's own feature Event<Selector entry> (EventExposureEnd for ExposureEnd).
    this.offered ??= await this.available();
    const name = this.offered.find((entry) => fed.includes(`Event${entry}`)) ?? `Event_0x${event.eventId.toString(16)}`;
    this.emit({
      name,
      eventId: event.eventId,
      timestamp: event.timestamp,
      blockId: event.blockId,
      streamChannel: event.streamChannel,
      values,
      ...(event.data ? { data: event.data } : {}),
    });
  }
}
