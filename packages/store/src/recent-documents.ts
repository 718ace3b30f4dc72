/**
 * The (trace id, document id) pairs written lately, so a write knows without a lookup whether
 * a document replaces an earlier version (in-progress → complete, retried batch). Bounded: the
 * oldest entries are forgotten first; a duplicate older than that is resolved at read time,
 * where the newest version of a document wins.
 */
export class RecentDocuments {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 1_000_000) {}

  has(traceId: string, id: string): boolean {
    return this.keys.has(`${traceId}/${id}`);
  }

  add(traceId: string, id: string): void {
    const k = `${traceId}/${id}`;
    this.keys.delete(k);
    this.keys.add(k);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}
