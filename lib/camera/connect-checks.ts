/**
 * What a connection checks once the camera answers (CameraConnection, on every connect; each
 * problem is reported once per connection): with packet size 'auto' the largest packet size that
 * arrives (which also proves the stream gets through), otherwise one small test packet for the
 * firewall; then the host checks of host-checks.ts with the exact command that fixes each problem.
 * A monitor may not fire test packets, so it gets the host checks only.
 */
import { GigeError } from '../errors';
import { localAddressTowards, negotiatePacketSize, Bootstrap, StreamChannelRegister, Scps } from '../gvcp';
import type { PacketSizeResult } from '../gvcp';
import type { Camera } from './camera';
import { HostProblem, checkHost, interfaceHolding, readHostFacts } from './host-checks';

export interface ConnectCheckResult {
  packetSize: PacketSizeResult | null;
  /** Why 'auto' kept the camera's packet size, when it did. */
  packetSizeProblem: Error | null;
  problems: HostProblem[];
}

function blocked(err: unknown): boolean {
  return err instanceof GigeError && err.code === 'STREAM_BLOCKED';
}

export async function runConnectChecks(camera: Camera, packetSize: number | 'auto' | undefined): Promise<ConnectCheckResult> {
  const channel = camera.device.channel;
  const localAddress = channel.localEndpoint().address;
  const monitor = camera.options.access === 'monitor';
  let negotiated: PacketSizeResult | null = null;
  let packetSizeProblem: Error | null = null;
  let streamArrives: boolean | undefined;
  if (!monitor && packetSize === 'auto') {
    try {
      negotiated = await camera.negotiatePacketSize();
      streamArrives = true;
    } catch (err) {
      packetSizeProblem = err as Error;
      if (blocked(err)) streamArrives = false;
    }
  } else if (!monitor) {
    // One test packet at the smallest size says whether stream packets get through at all.
    const range = camera.nodeMap.has('GevSCPSPacketSize')
      ? await camera.nodeMap.describe('GevSCPSPacketSize').catch(() => undefined)
      : undefined;
    const min = range?.min === undefined ? 576 : Number(range.min);
    streamArrives = await camera
      .keepingFrameRate(() => negotiatePacketSize({ channel, min, max: min, attempts: 2 }))
      .then(
        () => true,
        (err) => (blocked(err) ? false : undefined),
      );
  }
  const interfaceName = interfaceHolding(localAddress);
  const routeLocal = await localAddressTowards(camera.address, 3956).catch(() => undefined);
  const configured =
    typeof packetSize === 'number'
      ? packetSize
      : (await channel.readRegister(Bootstrap.SC0 + StreamChannelRegister.SCPS).catch(() => 0)) & Scps.SIZE_MASK;
  const payloadBytes = await camera.get('PayloadSize').then(
    (v) => Number(v),
    () => undefined,
  );
  const problems = checkHost(
    {
      cameraAddress: camera.address,
      interfaceName,
      routeInterfaceName: routeLocal ? interfaceHolding(routeLocal) : undefined,
      packetSize: configured || undefined,
      payloadBytes,
      streamArrives,
    },
    readHostFacts(interfaceName),
  );
  return { packetSize: negotiated, packetSizeProblem, problems };
}
