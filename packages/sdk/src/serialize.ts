import type { Entity } from './entity.js';

/**
 * Turns finished entities into JSON documents that each fit in one UDP datagram. Pure apart
 * from marking entities `emitted` / `detached`; the emitter does the I/O.
 *
 * Rules:
 * - closed children are embedded; children still open are left out and marked `detached`, so
 *   they send themselves as independent subsegments when they close;
 * - a tree larger than `maxBytes` is split: children that do not fit are sent as independent
 *   `type: "subsegment"` documents with `trace_id` and `parent_id` (recursively);
 * - an entity too large on its own loses its metadata, then its cause, then its annotations,
 *   then its http block, each step reported as a drop; it is never sent oversize.
 */

/** The result of serialising one entity tree. */
export interface Serialized {
  documents: string[];
  drops: { reason: string; detail: string }[];
}

interface Node {
  entity: Entity;
  /** The entity's members without the closing brace (see `Entity.openJson`). */
  own: string;
  children: Node[];
  rendered: string;
  /** Byte length of `rendered`, computed on demand. */
  bytes: number;
}

/** Optional members, in the order they are shed when an entity is too large on its own. */
const SHEDDABLE = ['metadata', 'cause', 'annotations', 'sql', 'http'] as const;

/** Serialises a closed segment, or a detached subsegment that just closed (sent independently). */
export function serializeEntity(entity: Entity, maxBytes: number): Serialized {
  const out: Serialized = { documents: [], drops: [] };
  const independent = entity !== entity.segment;
  // Fast path, nearly always taken: render the tree as one string; if it fits, mark and send.
  const whole = renderWhole(entity, independent);
  if (whole !== undefined && fits(whole, maxBytes)) {
    markEmitted(entity);
    out.documents.push(whole);
    return out;
  }
  const root = build(entity, independent, out, maxBytes);
  if (fits(root.rendered, maxBytes)) out.documents.push(root.rendered);
  else split(root, out, maxBytes);
  return out;
}

/** True when `text` is at most `maxBytes` UTF-8 bytes (skipping the count for short strings). */
function fits(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes;
}

/** The whole tree as one document (embedded children carry no `trace_id`/`parent_id`). */
function renderWhole(entity: Entity, independent: boolean): string | undefined {
  let json: string;
  try {
    json = entity.openJson(undefined, independent);
  } catch {
    return undefined;
  }
  const children = entity.children;
  if (children === undefined) return `${json}}`;
  let list = '';
  for (const child of children) {
    if (child.endTime === undefined || child.emitted) continue;
    const rendered = renderWhole(child, false);
    if (rendered === undefined) return undefined;
    list = list === '' ? rendered : `${list},${rendered}`;
  }
  return list === '' ? `${json}}` : `${json},"subsegments":[${list}]}`;
}

/** After a successful fast-path render: what was sent is `emitted`, what was open is `detached`. */
function markEmitted(entity: Entity): void {
  entity.emitted = true;
  const children = entity.children;
  if (children === undefined) return;
  let open: typeof children | undefined;
  for (const child of children) {
    if (child.endTime === undefined) {
      child.detached = true;
      if (open === undefined) open = [];
      open.push(child);
    } else if (!child.emitted) markEmitted(child);
  }
  entity.children = open;
}

function size(node: Node): number {
  if (node.bytes < 0) node.bytes = Buffer.byteLength(node.rendered);
  return node.bytes;
}

function build(entity: Entity, independent: boolean, out: Serialized, maxBytes: number): Node {
  entity.emitted = true;
  const children: Node[] = [];
  if (entity.children) {
    let open: typeof entity.children | undefined;
    for (const child of entity.children) {
      if (child.endTime === undefined) {
        child.detached = true;
        if (open === undefined) open = [];
        open.push(child);
      } else if (!child.emitted) children.push(build(child, true, out, maxBytes));
    }
    // Rendered children are no longer needed in memory; open ones will send themselves.
    entity.children = open;
  }
  const own = ownJson(entity, independent, out, maxBytes);
  let rendered: string;
  if (children.length === 0) rendered = `${own}}`;
  else {
    let list = children[0]!.rendered;
    for (let i = 1; i < children.length; i++) list += `,${children[i]!.rendered}`;
    rendered = `${own},"subsegments":[${list}]}`;
  }
  return { entity, own, children, rendered, bytes: -1 };
}

/** Emits `node` with as many children inline as fit; the others go out independently. */
function split(node: Node, out: Serialized, maxBytes: number): void {
  const own = Buffer.byteLength(node.own) + 1;
  let separate: Node[];
  if (own > maxBytes) {
    // Only possible for pathological names or fields: count it, still send the children.
    out.drops.push({
      reason: 'oversize',
      detail: `${node.entity.name} ${node.entity.id} exceeds 64 KiB alone`,
    });
    separate = node.children;
  } else {
    // `,"subsegments":[]` plus one comma per child.
    let budget = maxBytes - own - 17;
    const inline: string[] = [];
    separate = [];
    for (const child of [...node.children].sort((a, b) => size(a) - size(b))) {
      if (size(child) + 1 <= budget) {
        inline.push(child.rendered);
        budget -= size(child) + 1;
      } else separate.push(child);
    }
    out.documents.push(
      inline.length === 0 ? `${node.own}}` : `${node.own},"subsegments":[${inline.join(',')}]}`,
    );
  }
  for (const child of separate) {
    if (size(child) <= maxBytes) out.documents.push(child.rendered);
    else split(child, out, maxBytes);
  }
}

function ownJson(entity: Entity, independent: boolean, out: Serialized, maxBytes: number): string {
  const label = `${entity.name} (${entity.traceId} ${entity.id})`;
  let omit: Set<string> | undefined;
  let json: string;
  try {
    json = entity.openJson(undefined, independent);
  } catch {
    omit = new Set(['metadata']);
    out.drops.push({ reason: 'metadata_unserializable', detail: `metadata of ${label} is not JSON` });
    json = entity.openJson(omit, independent);
  }
  // Shed the optional bulk until the entity fits on its own, leaving room for `subsegments`.
  for (const field of SHEDDABLE) {
    if (fits(json, maxBytes - 64)) break;
    if (omit?.has(field)) continue;
    omit = new Set([...(omit ?? []), field]);
    const smaller = entity.openJson(omit, independent);
    if (smaller.length === json.length) continue;
    out.drops.push({ reason: `oversize_${field}`, detail: `${field} of ${label} removed to fit 64 KiB` });
    json = smaller;
  }
  return json;
}
