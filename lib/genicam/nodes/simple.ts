import { GigeError } from '../../errors';
import { MaybePromise, then } from '../maybe-async';
import { Num } from '../formula';
import { toPublicInteger } from '../numbers';
import { XmlElement, childText, childTexts, invalidXml } from '../xml/element';
import { AccessMode, AccessQuery, FeatureType, GenNode, NodeContext, Ref, canRead, requireNumeric, toInteger, wrongType } from './node';
import { NumberProperty, ValueSource, parseLiteral } from './value-source';
import { StringRegNode } from './registers';

/** true ⇔ the underlying value equals OnValue (default 1); OffValue defaults to 0. */
export class BooleanNode extends GenNode {
  get type(): FeatureType {
    return 'Boolean';
  }
  override get numeric(): 'integer' {
    return 'integer';
  }
  readonly source: ValueSource;
  readonly onValue: bigint;
  readonly offValue: bigint;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    const source = ValueSource.from(this, element, 'integer', this.ref.bind(this));
    if (!source) throw invalidXml(`${this.name}: a Boolean needs <Value> or <pValue>`, { node: this.name });
    this.source = source;
    const on = childText(element, 'OnValue');
    const off = childText(element, 'OffValue');
    this.onValue = on === undefined ? 1n : (parseLiteral(this.name, 'OnValue', on, 'integer') as bigint);
    this.offValue = off === undefined ? 0n : (parseLiteral(this.name, 'OffValue', off, 'integer') as bigint);
  }

  override validateLinks(): void {
    super.validateLinks();
    for (const ref of this.source.valueRefs()) requireNumeric(ref, 'an integer node');
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.source.access(query);
  }

  readBoolean(): MaybePromise<boolean> {
    return then(this.source.read() as MaybePromise<Num>, (value) => toInteger(value) === this.onValue);
  }

  writeBoolean(value: boolean): MaybePromise<void> {
    return then(
      this.source.write(value ? this.onValue : this.offValue, (node, next) => node.writeNumber(next as Num)),
      (literalChanged) => {
        if (literalChanged) this.ctx.changed(this);
      },
    );
  }

  /** In formulas a Boolean is 1 or 0. */
  override readNumber(): MaybePromise<Num> {
    return then(this.readBoolean(), (value) => (value ? 1n : 0n));
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return this.writeBoolean(value !== 0n && value !== 0);
  }

  override readCondition(): MaybePromise<boolean> {
    return this.readBoolean();
  }
}

const DEFAULT_POLL_MS = 10;

/**
 * Execute writes CommandValue to pValue. The command is done when pValue no longer reads
 * CommandValue (a self-clearing register); a write-only pValue is done as soon as it is written.
 */
export class CommandNode extends GenNode {
  get type(): FeatureType {
    return 'Command';
  }
  override get numeric(): 'integer' {
    return 'integer';
  }
  readonly source: ValueSource;
  readonly commandValue: NumberProperty;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    const source = ValueSource.from(this, element, 'integer', this.ref.bind(this));
    if (!source) throw invalidXml(`${this.name}: a Command needs <pValue> or <Value>`, { node: this.name });
    this.source = source;
    const commandValue = NumberProperty.from(this, element, 'CommandValue', 'integer', this.ref.bind(this));
    if (!commandValue) throw invalidXml(`${this.name}: a Command needs <CommandValue> or <pCommandValue>`, { node: this.name });
    this.commandValue = commandValue;
  }

  override validateLinks(): void {
    super.validateLinks();
    for (const ref of this.source.valueRefs()) requireNumeric(ref, 'an integer node');
    if (this.commandValue.ref) requireNumeric(this.commandValue.ref, 'an integer node');
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.source.access(query);
  }

  override readNumber(): MaybePromise<Num> {
    return this.source.read() as MaybePromise<Num>;
  }

  /** Writes CommandValue (no completion wait). */
  trigger(): MaybePromise<void> {
    return then(this.commandValue.read(), (value) =>
      then(
        this.source.write(toInteger(value), (node, next) => node.writeNumber(next as Num)),
        (literalChanged) => {
          if (literalChanged) this.ctx.changed(this);
        },
      ),
    );
  }

  isDone(): MaybePromise<boolean> {
    return then(this.source.access('forRead'), (access) => {
      if (!canRead(access) || this.source.isLiteral) return true;
      this.ctx.dropCaches(this);
      return then(this.commandValue.read(), (commandValue) =>
        then(this.readNumber(), (current) => toInteger(current) !== toInteger(commandValue)),
      );
    });
  }

  /** Executes and polls for completion, bounded by `timeoutMs`. */
  async execute(timeoutMs: number): Promise<void> {
    await this.trigger();
    const deadline = Date.now() + timeoutMs;
    const interval = Math.min(Math.max(this.pollingTime ?? DEFAULT_POLL_MS, 1), 100);
    for (;;) {
      if (await this.isDone()) return;
      if (Date.now() >= deadline) {
        const value = await this.commandValue.read();
        throw new GigeError(
          'COMMAND_TIMEOUT',
          `${this.name}: the command did not complete within ${timeoutMs} ms (${this.source.pointer?.name ?? 'its value'} still reads ${toPublicInteger(toInteger(value))})`,
          {
            feature: this.name,
            timeoutMs,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}

/** A string: a literal `<Value>` held in memory, or `<pValue>` pointing to a string node. */
export class StringNode extends GenNode {
  get type(): FeatureType {
    return 'String';
  }
  private literal: string | undefined;
  readonly pointer: Ref | undefined;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    this.literal = childText(element, 'Value');
    const pointer = childText(element, 'pValue');
    this.pointer = pointer ? this.ref('pValue', pointer, 'value') : undefined;
    if (this.literal === undefined && !this.pointer) this.literal = '';
  }

  override validateLinks(): void {
    super.validateLinks();
    if (this.pointer && !(this.pointer.node instanceof StringNode || this.pointer.node instanceof StringRegNode)) {
      throw invalidXml(
        `${this.name}: pValue refers to ${this.pointer.name}, a ${this.pointer.node.nodeType}; expected a String or StringReg`,
        { node: this.name },
      );
    }
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.pointer ? this.pointer.node.access(query) : 'RW';
  }

  readString(): MaybePromise<string> {
    if (!this.pointer) return this.literal as string;
    return (this.pointer.node as StringNode | StringRegNode).readString();
  }

  writeString(value: string): MaybePromise<void> {
    if (this.pointer) return (this.pointer.node as StringNode | StringRegNode).writeString(value);
    this.literal = value;
    this.ctx.changed(this);
    return undefined;
  }
}

export class CategoryNode extends GenNode {
  get type(): FeatureType {
    return 'Category';
  }
  readonly features: Ref[];

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    this.features = childTexts(element, 'pFeature').map((name) => this.ref('pFeature', name, 'feature'));
  }
}

/** A node type this library knows of but does not model (ConfRom, TextDesc, IntKey, …): it can be referenced, not read. */
export class UnsupportedNode extends GenNode {
  get type(): FeatureType {
    return 'Node';
  }

  override readNumber(): MaybePromise<Num> {
    throw wrongType(this, 'this node type is not supported');
  }
}
