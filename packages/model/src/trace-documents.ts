import type { Entity, Segment, Subsegment } from './wire.js';

/** A top-level document as parsed: a segment, or an independently sent subsegment. */
export type TopEntity = Entity & Partial<Segment & Subsegment>;

/** One stored top-level document of a trace, as the store returns it for BatchGetTraces. */
export interface StoredDocument {
  id: string;
  /** The JSON text as received (the newest version when it was updated). */
  document: string;
}

/**
 * Assembles a trace's documents as X-Ray's BatchGetTraces returns them: one entry per segment,
 * with independently sent subsegments merged into their parent's `subsegments` (sorted by
 * start time). A subsegment whose parent never arrived stays an entry of its own, so nothing
 * sent is hidden. The inferred segments X-Ray adds are not here: see `inferredSegments`.
 */
export function assembleSegments(docs: StoredDocument[]): { Id: string; Document: string }[] {
  return assembleEntities(docs).map((e) => ({ Id: e.id, Document: JSON.stringify(e) }));
}

/**
 * `assembleSegments` before serialisation: the top-level entities (segments, then orphaned
 * subsegments, which keep `type`, `trace_id` and `parent_id`), sorted by start time.
 */
export function assembleEntities(docs: StoredDocument[]): TopEntity[] {
  const parsed = docs.map((d) => JSON.parse(d.document) as TopEntity);
  const entities = new Map<string, Entity>();
  const index = (e: Entity): void => {
    entities.set(e.id, e);
    for (const s of e.subsegments ?? []) index(s);
  };
  const tops = parsed.filter((d) => d.type !== 'subsegment');
  const independents = parsed.filter((d) => d.type === 'subsegment');
  for (const t of tops) index(t);
  for (const s of independents) index(s);
  const orphans: TopEntity[] = [];
  const touched = new Set<Entity>();
  for (const s of independents) {
    const parent = s.parent_id === undefined ? undefined : entities.get(s.parent_id);
    if (!parent || parent === s) {
      orphans.push(s);
      continue;
    }
    const { type: _t, trace_id: _tr, parent_id: _p, ...inner } = s;
    // Replace the entity in the index so deeper independent subsegments attach to the merged copy.
    entities.set(s.id, inner);
    // Push, not spread: a parent with 50,000 independent subsegments must stay linear.
    if (parent.subsegments) parent.subsegments.push(inner);
    else parent.subsegments = [inner];
    touched.add(parent);
  }
  for (const p of touched) p.subsegments!.sort((a, b) => a.start_time - b.start_time);
  return [...tops, ...orphans].sort((a, b) => a.start_time - b.start_time);
}
