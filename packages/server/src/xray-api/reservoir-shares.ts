/**
 * Splits each rule's reservoir (requests per second, for all clients together) between the SDK
 * clients that reported statistics for it recently, as X-Ray does: the clients of one process
 * together get the rule's whole reservoir each second, not each of them the whole of it. The
 * split is even; the first `reservoir mod clients` clients by ClientID get one more, so the
 * quotas add up to the reservoir exactly. State is per process (see ADR 0008).
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
    const active = [...clients.keys()].sort();
    const index = active.indexOf(clientId);
    return Math.floor(reservoir / active.length) + (index < reservoir % active.length ? 1 : 0);
  }

  /** Forgets a deleted rule's clients. */
  forget(rule: string): void {
    this.seen.delete(rule);
  }
}
