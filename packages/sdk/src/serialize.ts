import type { Entity, Subsegment } from './entity.js';

/**
 * Turns finished entities into JSON documents that each fit in one UDP datagram. Pure apart
 * from marking entities `emitted` / `detached`; the emitter does the I/O.
 *
 * Rules:
 * - closed children are embedded; children still open are left out and marked `detached`, so
 *   they send themselves as independent subsegments when they close;
 * - a tree larger than `maxBytes` is split: children that do not fit are sent as independent
 *   `type: "subsegment"` documents with `trace_id` and `parent_id` (recursively);
 * - an entity too large on its own loses its metadata, then its stack frames, then its
 *   annotations, each step reported as a drop; it is never sent oversize.
 */

/** The result of serialising one entity tree. */
export interface Serialized {
  documents: string[];
  drops: { reason: string; detail: string }[];
}

interface Node {
  entity: Entity;
  own: string;
  children: Node[];
  /** Byte length of the rendered subtree. */
  bytes: number;
  rendered: string;
}

/** Serialises a closed segment, or a detached subsegment that just closed (sent independently). */
export function serializeEntity(entity: Entity, maxBytes: number): Serialized {
  const out: Serialized = { documents: [], drops: [] };
  const independent = entity !== entity.segment;
  const root = build(entity, independent, out, maxBytes);
  if (root.bytes <= maxBytes) out.documents.push(root.rendered);
  else split(root, out, maxBytes);
  return out;
}

function build(entity: Entity, independent: boolean, out: Serialized, maxBytes: number): Node {
  entity.emitted = true;
  const children: Node[] = [];
  if (entity.children) {
    for (const child of entity.children) {
      if (child.endTime === undefined) child.detached = true;
      else if (!child.emitted) children.push(build(child, true, out, maxBytes));
    }
    // Embedded children are no longer needed in memory once rendered.
    entity.children = entity.children.filter((c) => c.detached && c.endTime === undefined);
  }
  const own = ownJson(entity, independent, out, maxBytes);
  const rendered = render(
    own,
    children.map((c) => c.rendered),
  );
  return { entity, own, children, bytes: Buffer.byteLength(rendered), rendered };
}

function render(own: string, children: string[]): string {
  if (children.length === 0) return own;
  return `${own.slice(0, -1)},"subsegments":[${children.join(',')}]}`;
}

/** Emits `node` with as many children inline as fit; the others go out independently. */
function split(node: Node, out: Serialized, maxBytes: number): void {
  const own = Buffer.byteLength(node.own);
  // `,"subsegments":[]` plus one comma per child.
  let budget = maxBytes - own - 17;
  const inline: string[] = [];
  const separate: Node[] = [];
  for (const child of [...node.children].sort((a, b) => a.bytes - b.bytes)) {
    if (child.bytes + 1 <= budget) {
      inline.push(child.rendered);
      budget -= child.bytes + 1;
    } else separate.push(child);
  }
  if (own <= maxBytes) out.documents.push(render(node.own, inline));
  else {
    out.drops.push({
      reason: 'oversize',
      detail: `${node.entity.name} ${node.entity.id} exceeds 64 KiB alone`,
    });
    separate.push(...node.children);
  }
  for (const child of separate) {
    if (child.bytes <= maxBytes) out.documents.push(child.rendered);
    else split(child, out, maxBytes);
  }
}

function ownJson(entity: Entity, independent: boolean, out: Serialized, maxBytes: number): string {
  const doc = entity.ownDocument();
  if (independent) {
    const sub = entity as Subsegment;
    doc['type'] = 'subsegment';
    doc['trace_id'] = sub.traceId;
    doc['parent_id'] = sub.parent.id;
  }
  const label = `${entity.name} (${entity.traceId} ${entity.id})`;
  let json = stringify(doc);
  if (json === undefined) {
    delete doc['metadata'];
    out.drops.push({ reason: 'metadata_unserializable', detail: `metadata of ${label} is not JSON` });
    json = stringify(doc) ?? '{}';
  }
  // Shed the optional bulk, largest-first in practice, until the entity fits on its own.
  for (const field of ['metadata', 'cause', 'annotations', 'http'] as const) {
    if (Buffer.byteLength(json) <= maxBytes - 64) break;
    if (!(field in doc)) continue;
    delete doc[field];
    out.drops.push({ reason: `oversize_${field}`, detail: `${field} of ${label} removed to fit 64 KiB` });
    json = stringify(doc) ?? '{}';
  }
  return json;
}

function stringify(doc: Record<string, unknown>): string | undefined {
  try {
    return JSON.stringify(doc);
  } catch {
    return undefined;
  }
}
