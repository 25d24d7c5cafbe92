import { GigeError, clipInput } from '../errors';
import { DeviceAccess } from './device-access';
import { buildNodes } from './build';
import { XmlElement, invalidXml } from './xml/element';
import { EdgeKind, EvaluationEdge, GenNode, NodeContext, Ref } from './nodes/node';
import { EnumEntryNode } from './nodes/enumeration';
import { RegisterNode } from './nodes/register';
import { PortNode } from './nodes/port-node';

/** What changed, for listeners: every node whose value, range or access may now differ. */
export type ChangeListener = (names: string[]) => void;

interface ChangePlan {
  /** Registers whose cached bytes must go (pInvalidator and pSelected targets). */
  registers: RegisterNode[];
  /** Every node whose value may have changed (for notifications). */
  affected: GenNode[];
}

const DEPENDENCY_EDGES: ReadonlySet<EdgeKind> = new Set(['value', 'address', 'property', 'condition', 'port']);

export interface CoreOptions {
  legacyEndianness: boolean;
  commandTimeoutMs: number;
  ports: Map<string, DeviceAccess>;
  defaultDevice: DeviceAccess | undefined;
}

/**
 * The node graph: creation, linking, checks (missing targets, evaluation cycles, wrong kinds),
 * and the change propagation that keeps caches honest. Implements the `NodeContext` nodes use.
 */
export class NodeMapCore implements NodeContext {
  readonly nodes = new Map<string, GenNode>();
  /** EnumEntry names need not be unique across enumerations; they resolve only when no node has the name. */
  private readonly entryNodes = new Map<string, EnumEntryNode>();
  readonly all: GenNode[] = [];
  private readonly refs: Ref[] = [];
  private readonly dependents = new Map<GenNode, GenNode[]>();
  private readonly invalidatedBy = new Map<GenNode, GenNode[]>();
  private readonly plans = new Map<GenNode, ChangePlan>();
  private readonly registerClosures = new Map<GenNode, RegisterNode[]>();
  private readonly listeners = new Set<ChangeListener>();
  /** Chunk or event data attached or arrived (register caches count their own changes): part of NodeMap.cacheVersion(). */
  portDataChanges = 0;
  private chunks: Map<number, Buffer> | undefined;
  private readonly events = new Map<number, Buffer>();
  /** Event ports by EventID, collected on the first event. */
  private eventPorts: Map<number, PortNode[]> | undefined;
  readonly legacyEndianness: boolean;
  readonly commandTimeoutMs: number;

  constructor(
    root: XmlElement,
    private readonly options: CoreOptions,
  ) {
    this.legacyEndianness = options.legacyEndianness;
    this.commandTimeoutMs = options.commandTimeoutMs;
    buildNodes(root, this, (node) => this.add(node));
    this.link();
  }

  // NodeContext

  makeRef(owner: GenNode, role: string, name: string, kind: EdgeKind): Ref {
    const ref = new Ref(owner, role, name.trim(), kind);
    this.refs.push(ref);
    return ref;
  }

  adopt(node: GenNode): void {
    if (node instanceof EnumEntryNode) {
      this.all.push(node);
      if (!this.entryNodes.has(node.name)) this.entryNodes.set(node.name, node);
      return;
    }
    this.add(node);
  }

  deviceAccess(portName: string): DeviceAccess | undefined {
    return this.options.ports.get(portName) ?? this.options.defaultDevice;
  }

  get chunkAttached(): boolean {
    return this.chunks !== undefined;
  }

  chunkData(chunkId: number): Buffer | undefined {
    return this.chunks?.get(chunkId);
  }

  eventData(eventId: number): Buffer | undefined {
    return this.events.get(eventId);
  }

  changed(node: GenNode): void {
    const plan = this.planFor(node);
    for (const register of plan.registers) register.dropCache();
    if (this.listeners.size > 0) this.notify(plan.affected);
  }

  dropCaches(node: GenNode): void {
    for (const register of this.registersBehind(node)) register.dropCache();
  }

  // Building

  private add(node: GenNode): void {
    if (this.nodes.has(node.name)) {
      throw invalidXml(`two nodes are named ${node.name} (a ${this.nodes.get(node.name)?.nodeType} and a ${node.nodeType})`, {
        node: node.name,
      });
    }
    this.nodes.set(node.name, node);
    this.all.push(node);
  }

  private link(): void {
    for (const ref of this.refs) {
      const target = this.nodes.get(ref.name) ?? this.entryNodes.get(ref.name);
      if (!target) {
        throw invalidXml(`${ref.owner.name}: ${ref.role} refers to a node named '${ref.name}', which does not exist`, {
          node: ref.owner.name,
          role: ref.role,
          target: ref.name,
        });
      }
      ref.node = target;
      if (DEPENDENCY_EDGES.has(ref.kind)) push(this.dependents, target, ref.owner);
      if (ref.kind === 'invalidator') push(this.invalidatedBy, target, ref.owner);
      if (ref.kind === 'selected') target.selectedBy.push(ref.owner);
    }
    this.checkCycles();
    for (const node of this.all) node.validateLinks();
  }

  /** Depth-first search over the edges followed to compute a value; one cycle makes one clear error. */
  private checkCycles(): void {
    const state = new Map<GenNode, 1 | 2>();
    for (const start of this.all) {
      if (state.has(start)) continue;
      const stack: { node: GenNode; edges: EvaluationEdge[]; next: number }[] = [];
      const enter = (node: GenNode): void => {
        state.set(node, 1);
        stack.push({ node, edges: node.evaluationEdges(), next: 0 });
      };
      enter(start);
      while (stack.length > 0) {
        const frame = stack[stack.length - 1];
        if (frame.next >= frame.edges.length) {
          state.set(frame.node, 2);
          stack.pop();
          continue;
        }
        const edge = frame.edges[frame.next++];
        const seen = state.get(edge.target);
        if (seen === 1) {
          const from = stack.findIndex((f) => f.node === edge.target);
          const path = stack.slice(from).map((f) => `${f.node.name} (${f.edges[f.next - 1].role})`);
          throw invalidXml(`${edge.target.name}: its value depends on itself: ${path.join(' → ')} → ${edge.target.name}`, {
            node: edge.target.name,
            cycle: stack.slice(from).map((f) => f.node.name),
          });
        }
        if (seen === undefined) enter(edge.target);
      }
    }
  }

  // Change propagation

  private planFor(node: GenNode): ChangePlan {
    let plan = this.plans.get(node);
    if (plan) return plan;
    const affected = new Set<GenNode>();
    const registers = new Set<RegisterNode>();
    const queue: GenNode[] = [node];
    while (queue.length > 0) {
      const current = queue.pop() as GenNode;
      if (affected.has(current)) continue;
      affected.add(current);
      for (const dependent of this.dependents.get(current) ?? []) queue.push(dependent);
      const invalidated = [...(this.invalidatedBy.get(current) ?? []), ...current.selectedRefs.map((ref) => ref.node)];
      for (const target of invalidated) {
        for (const register of this.registersBehind(target)) if (register !== node) registers.add(register);
        queue.push(target);
      }
    }
    plan = { registers: [...registers], affected: [...affected] };
    this.plans.set(node, plan);
    return plan;
  }

  /** The registers a node's value is read from (following value edges only). */
  registersBehind(node: GenNode): RegisterNode[] {
    let closure = this.registerClosures.get(node);
    if (closure) return closure;
    const found = new Set<RegisterNode>();
    const seen = new Set<GenNode>();
    const stack = [node];
    while (stack.length > 0) {
      const current = stack.pop() as GenNode;
      if (seen.has(current)) continue;
      seen.add(current);
      if (current instanceof RegisterNode) found.add(current);
      for (const ref of current.refs) if (ref.kind === 'value') stack.push(ref.node);
    }
    closure = [...found];
    this.registerClosures.set(node, closure);
    return closure;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(nodes: GenNode[]): void {
    const names = nodes.filter((node) => !(node instanceof EnumEntryNode)).map((node) => node.name);
    for (const listener of [...this.listeners]) {
      try {
        listener(names);
      } catch {
        // A listener's failure must not break a write that already reached the device.
      }
    }
  }

  // Chunks and events

  setChunks(chunks: Map<number, Buffer> | undefined): void {
    this.chunks = chunks;
    this.portDataChanges += 1;
    for (const node of this.all) if (node instanceof PortNode && node.binding === 'chunk') this.changed(node);
  }

  setEvent(eventId: number, data: Buffer): PortNode[] {
    this.eventPorts ??= this.collectEventPorts();
    const ports = this.eventPorts.get(eventId);
    // Only events that some feature reads are kept: the device picks the ids, and one image per
    // id it ever sent would grow without bound.
    if (!ports) return [];
    this.events.set(eventId, data);
    this.portDataChanges += 1;
    for (const port of ports) this.changed(port);
    return ports;
  }

  private collectEventPorts(): Map<number, PortNode[]> {
    const byId = new Map<number, PortNode[]>();
    for (const node of this.all) {
      if (!(node instanceof PortNode) || node.eventId === undefined) continue;
      const list = byId.get(node.eventId) ?? [];
      list.push(node);
      byId.set(node.eventId, list);
    }
    return byId;
  }

  clearCaches(): void {
    for (const device of new Set([...this.options.ports.values(), ...(this.options.defaultDevice ? [this.options.defaultDevice] : [])]))
      device.clear();
  }

  lookup(name: string): GenNode {
    const node = this.nodes.get(name);
    if (node) return node;
    throw new GigeError('FEATURE_NOT_FOUND', `Unknown feature '${clipInput(name)}'${suggest(name, [...this.nodes.keys()])}`, {
      feature: clipInput(name),
    });
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function suggest(name: string, candidates: string[]): string {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.includes('/')) continue;
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase(), 3);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? `; did you mean '${best}'?` : '';
}

/** Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length];
}
