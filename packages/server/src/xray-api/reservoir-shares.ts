/**
 * `clientId`'s share of a rule's reservoir (requests per second, for all clients together)
 * among `clients` (sorted, `clientId` among them), as X-Ray splits it: evenly, the first
 * `reservoir mod clients` clients by ClientID getting one more, so the quotas add up to the
 * reservoir exactly.
 */
export function quotaAmong(clients: readonly string[], clientId: string, reservoir: number): number {
  const index = clients.indexOf(clientId);
  return Math.floor(reservoir / clients.length) + (index < reservoir % clients.length ? 1 : 0);
}

/**
 * The clients of this process that reported statistics for each rule recently, and their share
 * of its reservoir (`quotaAmong`). SamplingTargets uses the clients the store saw across every
 * collector instead, and this process's own only when the store cannot be read (ADR 0008).
 */
export class ReservoirShares {
  /** Rule name → client id → when it last reported, epoch ms. */
  private readonly seen = new Map<string, Map<string, number>>();

  /** @param activeMs how long a client counts after its last report (two report intervals). */
  constructor(private readonly activeMs: number) {}

  /** Records that `clientId` reported for `rule` now, and returns its quota per second. */
  quota(rule: string, clientId: string, reservoir: number, nowMs: number): number {
    let clients = this.seen.get(rule);
    if (!clients) {
      clients = new Map();
      this.seen.set(rule, clients);
    }
    clients.set(clientId, nowMs);
    for (const [id, at] of clients) if (nowMs - at > this.activeMs) clients.delete(id);
    return quotaAmong([...clients.keys()].sort(), clientId, reservoir);
  }

  /** Forgets a deleted rule's clients. */
  forget(rule: string): void {
    this.seen.delete(rule);
  }
}
