import { GigeError, isGigeError } from '../errors';
import { DeviceAccess } from './device-access';
import { NodeMapCore, ChangeListener } from './map-core';
import { parseXmlElements, invalidXml, XmlElement } from './xml/element';
import { AccessMode, FeatureType, GenNode, Visibility, canRead, canWrite, wrongType } from './nodes/node';
import { CommandNode } from './nodes/simple';
import { RegisterNode } from './nodes/register';
import { PortNode } from './nodes/port-node';
import { EnumEntryNode } from './nodes/enumeration';
import { FeatureValue, readFeatureValue, refusal, writeFeatureValue } from './feature-access';
import {
  CategoryTree,
  DescribeOptions,
  FeatureDescription,
  buildCategoryTree,
  describeNode,
  featuresInOrder,
  rootCategory,
  visibleAt,
} from './features';
import { parseChunkData, ChunkParseOptions } from './chunk-data';
import { EventInfo, eventPortImage } from './event-data';
import { Port } from './port';

export interface NodeMapOptions {
  /** The device's register space (e.g. `GvcpDevice.port`); used by every device Port node. */
  device?: Port;
  /** Per Port-node name, when a file has several device ports (overrides `device` for that name). */
  ports?: Record<string, Port>;
  /**
   * GenICam 1.0 files on GigE Vision: 4-byte registers are big-endian whatever the file says.
   * 'auto' (default) applies it when the file's schema version is below 1.1.
   */
  legacyEndianness?: boolean | 'auto';
  /** How long `execute` waits for a self-clearing command (default 3000 ms). */
  commandTimeoutMs?: number;
  /** Device accesses are widened to this alignment (default 4, as GVCP needs; 1 = none). */
  alignment?: number;
}

export interface DescriptionInfo {
  vendorName: string;
  modelName: string;
  toolTip?: string;
  standardNameSpace?: string;
  /** GenApi schema version of the file, e.g. "1.1.0". */
  schemaVersion: string;
  /** Version of the description file itself. */
  version: string;
  productGuid?: string;
  versionGuid?: string;
}

export interface ListOptions extends DescribeOptions {
  /** Only features at or below this visibility (default: all, Invisible included). */
  visibility?: Visibility;
  /** Start from this category instead of the root. */
  category?: string;
}

export interface ExecuteOptions {
  /** Wait for completion (default true). */
  wait?: boolean;
  timeoutMs?: number;
}

/**
 * A GenICam node map over a device. Every public method returns a Promise; values are read from
 * the device only when not cached (see `docs/architecture.md`, GenICam section, and the module
 * comment in `index.ts` for value types).
 */
export class NodeMap {
  private readonly pollElapsed = new Map<GenNode, number>();
  private constructor(
    private readonly core: NodeMapCore,
    readonly info: DescriptionInfo,
    private readonly devices: DeviceAccess[],
  ) {}

  static fromXml(xml: string | Buffer, options: NodeMapOptions = {}): NodeMap {
    if (typeof xml !== 'string' && !Buffer.isBuffer(xml)) {
      throw new GigeError(
        'INVALID_VALUE',
        `NodeMap.fromXml: expected the XML as a string or Buffer, got ${xml === null ? 'null' : typeof xml}`,
        {},
      );
    }
    const root = parseXmlElements(typeof xml === 'string' ? xml : xml.toString('utf8'));
    const info = readInfo(root);
    const alignment = options.alignment ?? 4;
    const ports = new Map<string, DeviceAccess>();
    for (const [name, port] of Object.entries(options.ports ?? {})) ports.set(name, new DeviceAccess(name, port, alignment));
    const defaultDevice = options.device ? new DeviceAccess('Device', options.device, alignment) : undefined;
    const [major, minor] = info.schemaVersion.split('.').map(Number);
    const legacy =
      options.legacyEndianness === undefined || options.legacyEndianness === 'auto'
        ? major < 1 || (major === 1 && minor < 1)
        : options.legacyEndianness;
    const core = new NodeMapCore(root, {
      legacyEndianness: legacy,
      commandTimeoutMs: options.commandTimeoutMs ?? 3000,
      ports,
      defaultDevice,
    });
    const devices = [...ports.values(), ...(defaultDevice ? [defaultDevice] : [])];
    return new NodeMap(core, info, devices);
  }

  /** Whether the file has a node with this name. */
  has(name: string): boolean {
    return this.core.nodes.has(name);
  }

  /** Every node name (internal helper nodes excluded). */
  names(): string[] {
    return [...this.core.nodes.values()].filter((node) => !node.name.includes('/')).map((node) => node.name);
  }

  /** The interface type of a node (Integer, Float, Enumeration, …). */
  typeOf(name: string): FeatureType {
    return this.core.lookup(name).type;
  }

  getValue(name: string): Promise<FeatureValue> {
    let node: GenNode;
    try {
      node = this.core.lookup(name);
    } catch (err) {
      return Promise.reject(err);
    }
    try {
      // Fast path: when access and value are already in memory nothing here needs to await.
      const access = node.access('forRead');
      if (!(access instanceof Promise) && canRead(access)) {
        const value = readFeatureValue(node);
        if (!(value instanceof Promise)) return Promise.resolve(value);
        return value.catch((err: unknown) => {
          throw this.decorate(name, err);
        });
      }
    } catch (err) {
      return Promise.reject(this.decorate(name, err));
    }
    return this.guard(name, async () => {
      const refused = await refusal(node, 'read');
      if (refused) throw refused;
      return readFeatureValue(node);
    });
  }

  async setValue(name: string, value: FeatureValue | unknown): Promise<void> {
    const node = this.core.lookup(name);
    await this.guard(name, async () => {
      if (node instanceof CommandNode) throw wrongType(node, 'use execute() to run it');
      const refused = await refusal(node, 'write');
      if (refused) throw refused;
      await writeFeatureValue(node, value);
    });
  }

  /** Runs a Command and (by default) waits until the device reports it done. */
  async execute(name: string, options: ExecuteOptions = {}): Promise<void> {
    const node = this.core.lookup(name);
    await this.guard(name, async () => {
      if (!(node instanceof CommandNode)) throw wrongType(node, 'only a Command can be executed');
      const refused = await refusal(node, 'write');
      if (refused) throw refused;
      if (options.wait === false) await node.trigger();
      else await node.execute(options.timeoutMs ?? this.core.commandTimeoutMs);
    });
  }

  async isDone(name: string): Promise<boolean> {
    const node = this.core.lookup(name);
    return this.guard(name, async () => {
      if (!(node instanceof CommandNode)) throw wrongType(node, 'only a Command has a done state');
      return node.isDone();
    });
  }

  async access(name: string): Promise<AccessMode> {
    const node = this.core.lookup(name);
    return this.guard(name, async () => node.access());
  }

  async isImplemented(name: string): Promise<boolean> {
    return (await this.access(name)) !== 'NI';
  }

  async isAvailable(name: string): Promise<boolean> {
    const access = await this.access(name);
    return access !== 'NI' && access !== 'NA';
  }

  async isReadable(name: string): Promise<boolean> {
    const node = this.core.lookup(name);
    return this.guard(name, async () => canRead(await node.access('forRead')));
  }

  async isWritable(name: string): Promise<boolean> {
    return canWrite(await this.access(name));
  }

  async describe(name: string, options: DescribeOptions = {}): Promise<FeatureDescription> {
    return describeNode(this.core.lookup(name), options);
  }

  /** Every feature reachable from the root category (or `options.category`), in category order. */
  async list(options: ListOptions = {}): Promise<FeatureDescription[]> {
    const start = options.category ? this.core.lookup(options.category) : rootCategory(this.core.all);
    if (options.category && start?.type !== 'Category') throw wrongType(start as GenNode, 'list() needs a Category');
    const result: FeatureDescription[] = [];
    for (const { node, category } of featuresInOrder(start as never, this.core.all)) {
      if (options.visibility && !visibleAt(node, options.visibility)) continue;
      const description = await describeNode(node, options);
      if (category) description.category = category;
      result.push(description);
    }
    return result;
  }

  categoryTree(): CategoryTree | undefined {
    const root = rootCategory(this.core.all);
    return root ? buildCategoryTree(root) : undefined;
  }

  /** Drops cached register values: of one feature (and what it reads), or all of them. */
  invalidate(name?: string): void {
    if (name === undefined) {
      this.core.clearCaches();
      return;
    }
    const node = this.core.lookup(name);
    this.core.dropCaches(node);
    this.core.changed(node);
  }

  /**
   * Advances polling clocks by `elapsedMs`: a node whose PollingTime has passed is invalidated
   * (read afresh next time). Returns the names invalidated.
   */
  poll(elapsedMs: number): string[] {
    const due: string[] = [];
    for (const node of this.core.all) {
      if (node.pollingTime === undefined || node.pollingTime <= 0) continue;
      const elapsed = (this.pollElapsed.get(node) ?? 0) + elapsedMs;
      if (elapsed >= node.pollingTime) {
        this.pollElapsed.set(node, 0);
        this.core.dropCaches(node);
        this.core.changed(node);
        due.push(node.name);
      } else {
        this.pollElapsed.set(node, elapsed);
      }
    }
    return due;
  }

  /** Called with the names of every node that may have changed after a write, chunk or event. */
  onChange(listener: ChangeListener): () => void {
    return this.core.onChange(listener);
  }

  /**
   * Binds chunk Ports to the chunk data of a received buffer (the whole payload of a 0x4001 or
   * 0x0004 block; `imageLength` for a device that does not tag its image). Returns the ChunkIDs
   * found; `problem` is set when the tags stopped making sense part-way (what came before is
   * still used).
   */
  attachChunkData(data: Buffer, options: ChunkParseOptions = {}): { chunkIds: number[]; problem?: string } {
    if (!Buffer.isBuffer(data))
      throw new GigeError(
        'INVALID_VALUE',
        `attachChunkData: expected a Buffer with the chunk data, got ${data === null ? 'null' : typeof data}`,
        {},
      );
    const parsed = parseChunkData(data, options);
    this.core.setChunks(parsed.chunks);
    return { chunkIds: [...parsed.chunks.keys()], ...(parsed.problem ? { problem: parsed.problem } : {}) };
  }

  detachChunkData(): void {
    this.core.setChunks(undefined);
  }

  /**
   * Delivers an event to every Port whose EventID matches; its features then read from it (see
   * `event-data.ts` for the byte layout). Returns the names of the features fed by it.
   */
  deliverEvent(eventId: number, data?: Buffer, info: EventInfo = {}): string[] {
    if (!Number.isInteger(eventId) || eventId < 0 || eventId > 0xffff) {
      throw new GigeError('INVALID_VALUE', `deliverEvent: event id ${eventId} is out of range; allowed 0…65535`, { eventId });
    }
    if (data !== undefined && !Buffer.isBuffer(data)) {
      throw new GigeError(
        'INVALID_VALUE',
        `deliverEvent: expected the event data as a Buffer, got ${data === null ? 'null' : typeof data}`,
        { eventId },
      );
    }
    const ports = this.core.setEvent(eventId, eventPortImage(eventId, data, info));
    return this.featuresOnPorts(ports);
  }

  /** Features whose value comes from a chunk port. */
  chunkFeatureNames(): string[] {
    const ports = this.core.all.filter((node): node is PortNode => node instanceof PortNode && node.binding === 'chunk');
    return this.featuresOnPorts(ports);
  }

  /** Features whose value comes from the event port(s) of `eventId` (all event ports when omitted). */
  eventFeatureNames(eventId?: number): string[] {
    const ports = this.core.all.filter(
      (node): node is PortNode =>
        node instanceof PortNode && node.binding === 'event' && (eventId === undefined || node.eventId === eventId),
    );
    return this.featuresOnPorts(ports);
  }

  /** Reads every chunk feature present in the attached data (absent chunks are skipped). */
  async readChunkValues(): Promise<Record<string, FeatureValue>> {
    return this.readAvailable(this.chunkFeatureNames());
  }

  async readEventValues(eventId: number): Promise<Record<string, FeatureValue>> {
    return this.readAvailable(this.eventFeatureNames(eventId));
  }

  /**
   * Changes whenever a value this node map gives may have changed: a cached register value dropped
   * or replaced (a write, an invalidation, polling), a read that went to the device, chunk or event
   * data arriving. The same version before and after reading features means they were answered from
   * the cache alone — and will be answered the same while the version stays (what a caller may skip).
   */
  cacheVersion(): number {
    let version = this.core.portDataChanges;
    for (const device of this.devices) version += device.version;
    return version;
  }

  /** Device traffic so far (reads include alignment and read-modify-write reads). */
  statistics(): { deviceReads: number; deviceWrites: number } {
    return this.devices.reduce(
      (sum, device) => ({ deviceReads: sum.deviceReads + device.deviceReads, deviceWrites: sum.deviceWrites + device.deviceWrites }),
      { deviceReads: 0, deviceWrites: 0 },
    );
  }

  private async readAvailable(names: string[]): Promise<Record<string, FeatureValue>> {
    const values: Record<string, FeatureValue> = {};
    for (const name of names) {
      const node = this.core.lookup(name);
      if (!canRead(await node.access('forRead'))) continue;
      values[name] = await this.guard(name, async () => readFeatureValue(node));
    }
    return values;
  }

  /** Feature (non-register-helper) nodes that read through any of these ports. */
  private featuresOnPorts(ports: PortNode[]): string[] {
    const portSet = new Set<GenNode>(ports);
    const names: string[] = [];
    const listed = new Set(featuresInOrder(rootCategory(this.core.all), this.core.all).map((entry) => entry.node));
    for (const node of this.core.all) {
      if (node instanceof PortNode || node instanceof EnumEntryNode || node.name.includes('/')) continue;
      if (!this.core.registersBehind(node).some((register: RegisterNode) => register.port && portSet.has(register.port))) continue;
      // Prefer what users see (category features); keep bare registers when nothing wraps them.
      if (listed.has(node) || !this.core.nodes.has(node.name) || node instanceof RegisterNode) names.push(node.name);
    }
    const features = names.filter((name) => listed.has(this.core.lookup(name)));
    return features.length > 0 ? features : names;
  }

  /** Puts the feature's name in front of any error that does not already start with it. */
  private async guard<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw this.decorate(name, err);
    }
  }

  private decorate(name: string, err: unknown): unknown {
    if (isGigeError(err)) {
      if (!err.message.startsWith(`${name}:`) && !err.message.startsWith(`${name} `)) err.message = `${name}: ${err.message}`;
      if (err.details.feature === undefined) (err.details as Record<string, unknown>).feature = name;
      return err;
    }
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return new GigeError('XML_INVALID', `${name}: evaluation nests too deeply (a chain of references thousands of nodes long)`, {
        feature: name,
      });
    }
    return err;
  }
}

function readInfo(root: XmlElement): DescriptionInfo {
  if (root.tag !== 'RegisterDescription') {
    throw invalidXml(`the root element is <${root.tag}>; expected <RegisterDescription>`, { root: root.tag });
  }
  const a = root.attrs;
  const version = (major?: string, minor?: string, sub?: string): string => `${major ?? '0'}.${minor ?? '0'}.${sub ?? '0'}`;
  if (!a.SchemaMajorVersion) throw invalidXml('<RegisterDescription> has no SchemaMajorVersion attribute', {});
  return {
    vendorName: a.VendorName ?? '',
    modelName: a.ModelName ?? '',
    toolTip: a.ToolTip,
    standardNameSpace: a.StandardNameSpace,
    schemaVersion: version(a.SchemaMajorVersion, a.SchemaMinorVersion, a.SchemaSubMinorVersion),
    version: version(a.MajorVersion, a.MinorVersion, a.SubMinorVersion),
    productGuid: a.ProductGuid,
    versionGuid: a.VersionGuid,
  };
}
