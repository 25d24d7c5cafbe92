/**
 * An emulated The Imaging Source DMK 38GX541-a on a loopback address: the camera model
 * (`dmk38gx541/`) behind the GigE Vision device core (`gvcp-server.ts`). Clients reach it over real
 * GVCP/GVSP on `<address>:3956`, exactly as they would reach the real camera.
 *
 * `io` is the camera's I/O connector as seen from outside (manual 3.1): drive the TRIGGER_IN line
 * and read back the STROBE_OUT waveform. It is what a test bench wired to the real camera would do;
 * `gige emulate` exposes it through `io-control-server.ts`.
 */
import { EventEmitter } from 'node:events';
import { GigeError } from '../errors';
import { GvcpServer } from './gvcp-server';
import type { GvcpServerOptions } from './gvcp-server';
import { Dmk38gx541, Dmk38gx541Options } from './dmk38gx541/camera-model';
import type { EmulatedCameraIo } from './dmk38gx541/camera-io';
import { IoControlServer } from './dmk38gx541/io-control-server';
import type { GvspFaults } from '../stream/native';
import { interfaceMac } from './device/owned-interface';

export const DEFAULT_EMULATOR_ADDRESS = '127.0.0.2';

/** Device-core options passed through unchanged (see `device/server-options.ts`). */
export type EmulatedDeviceOptions = Pick<
  GvcpServerOptions,
  'paceToLinkSpeed' | 'segmentationOffload' | 'allowNetwork' | 'subnetMask' | 'gateway' | 'stateFile' | 'ownInterface'
>;

export type { EmulatedCameraIo } from './dmk38gx541/camera-io';

export interface EmulatedCameraOptions extends Omit<Dmk38gx541Options, 'address' | 'renderer'>, EmulatedDeviceOptions {
  /**
   * Address to serve on (default 127.0.0.2; another host address only with `allowNetwork`); the
   * GVCP port is 3956. With a `stateFile` whose persistent IP is enabled, the camera comes up there.
   */
  address?: string;
  /** Heartbeat timeout the device starts with (bootstrap 0x0938), ms. */
  heartbeatTimeoutMs?: number;
  /**
   * Broadcast addresses to answer discovery on; [] for none. Default on the host 127.255.255.255
   * and 255.255.255.255 (loopback requesters only), serving a network 255.255.255.255 and its subnet's.
   */
  broadcastAddresses?: string[];
  /** Also serve the I/O control interface on this TCP port of `address` (0 = any free port). */
  ioControlPort?: number;
}

/**
 * Emits `'warning'` (Error) for problems that do not stop the camera: from the device core (a
 * malformed packet, a failed send) and from the camera model. Nothing is thrown at the host.
 */
export class EmulatedCamera extends EventEmitter {
  readonly io: EmulatedCameraIo;
  private stopped: Promise<void> | null = null;
  private ioControl: IoControlServer | null = null;

  private constructor(
    readonly model: Dmk38gx541,
    readonly server: GvcpServer,
  ) {
    super();
    const m = model;
    server.on('warning', (err: Error) => this.warning(err));
    server.on('address-changed', (change: { address: string }) => {
      void this.followAddress(change.address);
    });
    // The model keeps I/O times on its time base; the connector speaks device time (timestamps).
    this.io = {
      triggerInput: () => m.triggerInput.high,
      setTriggerInput: (high) => m.toDeviceTime(m.triggerInput.setLevel(high)),
      pulseTriggerInput: (options) => {
        let pulses: { start: bigint; end: bigint };
        try {
          pulses = m.triggerInput.pulse(options);
        } catch (err) {
          throw new GigeError('INVALID_ARGUMENT', `TRIGGER_IN pulse: ${(err as Error).message}`, { options }, { cause: err });
        }
        return { start: m.toDeviceTime(pulses.start), end: m.toDeviceTime(pulses.end) };
      },
      strobeOutput: () => m.strobe.levelAt(m.baseNow()),
      strobeRecord: (since) =>
        m.strobe.edges(since === undefined ? undefined : m.fromDeviceTime(since)).map((e) => ({ ...e, time: m.toDeviceTime(e.time) })),
      clearStrobeRecord: () => m.strobe.clear(m.baseNow()),
      now: () => m.now(),
    };
  }

  /** Starts an emulated camera; rejects with a GigeError when the address is taken or not loopback. */
  static async start(options: EmulatedCameraOptions = {}): Promise<EmulatedCamera> {
    const address = options.address ?? DEFAULT_EMULATOR_ADDRESS;
    let camera: EmulatedCamera | null = null;
    let early: Error[] | null = [];
    const warn = (err: Error): void => {
      if (camera) camera.warning(err);
      else early?.push(err);
    };
    // A camera that owns its interface reports that interface's MAC, as a real camera's NIC does.
    const macAddress = options.macAddress ?? (options.ownInterface ? interfaceMac(options.ownInterface) : undefined);
    const model = new Dmk38gx541({ ...options, macAddress, address, onWarning: warn });
    let server: GvcpServer;
    try {
      server = await GvcpServer.start({
        address,
        model,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        broadcastAddresses: options.broadcastAddresses,
        paceToLinkSpeed: options.paceToLinkSpeed,
        segmentationOffload: options.segmentationOffload,
        allowNetwork: options.allowNetwork,
        subnetMask: options.subnetMask,
        gateway: options.gateway,
        stateFile: options.stateFile,
        ownInterface: options.ownInterface,
      });
    } catch (err) {
      await model.close();
      throw err;
    }
    camera = new EmulatedCamera(model, server);
    // Warnings from the start (a persistent IP that could not be used) reach listeners attached
    // right after start() resolves.
    const pending = early;
    early = null;
    setImmediate(() => {
      for (const err of pending) camera?.warning(err);
    });
    if (options.ioControlPort !== undefined) {
      try {
        await camera.startIoControl(options.ioControlPort);
      } catch (err) {
        await camera.stop();
        throw err;
      }
    }
    return camera;
  }

  /**
   * Serves `io` to other processes (newline-delimited JSON over TCP on this camera's address; see
   * `dmk38gx541/io-control-server.ts`). Returns the port actually bound.
   */
  async startIoControl(port?: number): Promise<number> {
    if (!this.ioControl) this.ioControl = await IoControlServer.start(this.io, this.address, port);
    return this.ioControl.port;
  }

  /** FORCEIP moved the camera: the I/O control interface moves with it (same port). */
  private async followAddress(address: string): Promise<void> {
    const io = this.ioControl;
    if (io) {
      this.ioControl = null;
      await io.close();
      try {
        this.ioControl = await IoControlServer.start(this.io, address, io.port);
      } catch (err) {
        this.warning(
          new GigeError(
            'EMULATOR_BIND',
            `I/O control could not follow the camera to ${address}: ${(err as Error).message}`,
            {},
            { cause: err },
          ),
        );
      }
    }
    try {
      this.emit('address-changed', address);
    } catch {
      // a throwing listener must not unwind into the device core
    }
  }

  /** The I/O control port, or null when the interface is not served. */
  get ioControlPort(): number | null {
    return this.ioControl?.port ?? null;
  }

  private warning(err: Error): void {
    if (this.listenerCount('warning') === 0) return;
    try {
      this.emit('warning', err);
    } catch {
      // a throwing listener must not unwind into the device core
    }
  }

  /**
   * Network faults on the stream from now on (seeded: the same seed loses the same packets), as a
   * lossy link between camera and host would; null restores a clean link. For tests of what the
   * host makes of loss (resends, incomplete frames, stream-health alarms).
   */
  setStreamFaults(faults: GvspFaults | null): void {
    this.server.stream.setFaults(faults);
  }

  /** Diagnostics: the model's counters and the device core's. */
  stats(): { camera: Record<string, unknown>; device: ReturnType<GvcpServer['stats']> } {
    return { camera: this.model.stats(), device: this.server.stats() };
  }

  get address(): string {
    return this.server.address;
  }

  get serial(): string {
    return this.model.identity.serialNumber;
  }

  /** Stops acquisition, closes every socket and timer. Safe to call more than once. */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = (async () => {
        await this.ioControl?.close();
        await this.model.close();
        await this.server.close();
      })();
    }
    return this.stopped;
  }
}
