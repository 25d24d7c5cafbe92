import { XmlElement, invalidXml } from './xml/element';
import { GenNode, NodeContext } from './nodes/node';
import { IntegerNode, FloatNode } from './nodes/numeric';
import { EnumerationNode } from './nodes/enumeration';
import { BooleanNode, CategoryNode, CommandNode, StringNode, UnsupportedNode } from './nodes/simple';
import { FloatRegNode, IntRegNode, MaskedIntRegNode, RawRegisterNode, StringRegNode } from './nodes/registers';
import { ConverterNode, SwissKnifeNode } from './nodes/formula-nodes';
import { PortNode } from './nodes/port-node';

type Factory = (element: XmlElement, ctx: NodeContext) => GenNode;

// A Map, not an object literal: element names come from the file, and a tag such as
// `constructor` or `__proto__` must not find Object.prototype members.
const FACTORIES = new Map<string, Factory>(
  Object.entries({
    Category: (el, ctx) => new CategoryNode(el, ctx),
    Integer: (el, ctx) => new IntegerNode(el, ctx),
    IntReg: (el, ctx) => new IntRegNode(el, ctx),
    MaskedIntReg: (el, ctx) => new MaskedIntRegNode(el, ctx),
    Float: (el, ctx) => new FloatNode(el, ctx),
    FloatReg: (el, ctx) => new FloatRegNode(el, ctx),
    Enumeration: (el, ctx) => new EnumerationNode(el, ctx),
    Boolean: (el, ctx) => new BooleanNode(el, ctx),
    Command: (el, ctx) => new CommandNode(el, ctx),
    String: (el, ctx) => new StringNode(el, ctx),
    StringReg: (el, ctx) => new StringRegNode(el, ctx),
    Register: (el, ctx) => new RawRegisterNode(el, ctx),
    SwissKnife: (el, ctx) => new SwissKnifeNode(el, ctx, 'float'),
    IntSwissKnife: (el, ctx) => new SwissKnifeNode(el, ctx, 'integer'),
    Converter: (el, ctx) => new ConverterNode(el, ctx, 'float'),
    IntConverter: (el, ctx) => new ConverterNode(el, ctx, 'integer'),
    Port: (el, ctx) => new PortNode(el, ctx),
  } satisfies Record<string, Factory>),
);

/** Schema node types kept as opaque nodes (IIDC/1394 legacy, grouping helpers). */
const OPAQUE = new Set(['Node', 'ConfRom', 'TextDesc', 'IntKey', 'AdvFeatureLock', 'SmartFeature']);

/** StructReg elements that describe the StructReg itself rather than its entries. */
const STRUCT_OWN = new Set(['StructEntry', 'ToolTip', 'Description', 'DisplayName', 'DocuURL', 'Extension']);

/** Creates a node for every node element under the root (descending into Group and StructReg). */
export function buildNodes(root: XmlElement, ctx: NodeContext, add: (node: GenNode) => void): void {
  // An explicit stack (not recursion) so that deeply nested Groups cannot exhaust the call stack.
  const pending = [...root.children].reverse();
  while (pending.length > 0) {
    const element = pending.pop() as XmlElement;
    if (element.tag === 'Group') pending.push(...[...element.children].reverse());
    else buildElement(element, ctx, add);
  }
}

function buildElement(element: XmlElement, ctx: NodeContext, add: (node: GenNode) => void): void {
  if (element.tag === 'StructReg') {
    const shared = element.children.filter((child) => !STRUCT_OWN.has(child.tag));
    for (const entry of element.children.filter((child) => child.tag === 'StructEntry')) {
      requireName(entry, `a StructEntry of StructReg ${element.attrs.Comment ?? ''}`.trim());
      // The entry's own elements come last, so they override the StructReg's (childText takes the last).
      const merged: XmlElement = { tag: 'StructEntry', attrs: entry.attrs, children: [...shared, ...entry.children], text: '' };
      add(new MaskedIntRegNode(merged, ctx));
    }
    return;
  }
  const factory = FACTORIES.get(element.tag);
  if (factory) {
    requireName(element, `a <${element.tag}>`);
    add(factory(element, ctx));
  } else if (OPAQUE.has(element.tag) && element.attrs.Name) {
    add(new UnsupportedNode(element, ctx));
  }
  // Anything else at this level (Extension elements, vendor additions) carries no node.
}

function requireName(element: XmlElement, what: string): void {
  if (!element.attrs.Name) throw invalidXml(`${what} has no Name attribute`, { element: element.tag });
}
