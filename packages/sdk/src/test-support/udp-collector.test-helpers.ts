import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { flush } from '../index.js';

/** A document as received (segment or independent subsegment). */
export type Doc = Record<string, unknown> & {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  subsegments?: Doc[];
};

/**
 * A real UDP receiver on 127.0.0.1:0 that checks the X-Ray daemon framing of every datagram
 * and keeps the documents.
 */
export interface UdpCollector {
  address: string;
  port: number;
  docs: Doc[];
  datagramSizes: number[];
  badDatagrams: string[];
  /** Resolves when `predicate(docs)` holds (re-checked on each datagram), rejects after `timeoutMs`. */
  waitFor(predicate: (docs: Doc[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Segments (type absent) of a trace, with independent subsegments merged back into place. */
  trace(traceId: string): Doc[];
  clear(): void;
  close(): Promise<void>;
}

const HEADER = '{"format":"json","version":1}\n';

export async function startUdpCollector(): Promise<UdpCollector> {
  // A deep receive queue (capped by net.core.rmem_max): tests send bursts of hundreds of
  // datagrams to a receiver that shares the sender's event loop.
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const docs: Doc[] = [];
  const datagramSizes: number[] = [];
  const badDatagrams: string[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (msg) => {
    datagramSizes.push(msg.length);
    const text = msg.toString('utf8');
    if (!text.startsWith(HEADER)) {
      badDatagrams.push(text.slice(0, 100));
      return;
    }
    try {
      docs.push(JSON.parse(text.slice(HEADER.length)) as Doc);
    } catch {
      badDatagrams.push(text.slice(0, 100));
    }
    for (const l of listeners) l();
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    port,
    docs,
    datagramSizes,
    badDatagrams,
    waitFor(predicate, timeoutMs = 10_000) {
      if (predicate(docs)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for documents (have ${docs.length})`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(docs)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
      });
    },
    trace(traceId) {
      return assemble(docs.filter((d) => d.trace_id === traceId));
    },
    clear() {
      docs.length = 0;
      datagramSizes.length = 0;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Rebuilds trees: each independent subsegment is attached under its `parent_id`. */
export function assemble(docs: Doc[]): Doc[] {
  const copies = docs.map((d) => structuredClone(d));
  const byId = new Map<string, Doc>();
  const index = (d: Doc) => {
    byId.set(d.id, d);
    for (const s of d.subsegments ?? []) index(s);
  };
  for (const d of copies) index(d);
  for (const d of copies) {
    if (d.type !== 'subsegment') continue;
    const parent = d.parent_id ? byId.get(d.parent_id) : undefined;
    if (!parent) continue;
    parent.subsegments = [...(parent.subsegments ?? []), d];
  }
  return copies.filter((d) => d.type !== 'subsegment' || !d.parent_id || !byId.has(d.parent_id));
}

/** All subsegments under a document, depth first. */
export function descendants(doc: Doc): Doc[] {
  const out: Doc[] = [];
  const walk = (d: Doc) => {
    for (const s of d.subsegments ?? []) {
      out.push(s);
      walk(s);
    }
  };
  walk(doc);
  return out;
}

/** Local rules that sample every request (for tests that check every request's segment). */
export const SAMPLE_ALL = { version: 2 as const, rules: [], default: { fixed_target: 0, rate: 1 } };

/** The one segment named `name`, with independent subsegments merged back, once the SDK has sent it. */
export async function sentSegment(collector: UdpCollector, name: string): Promise<Doc> {
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.name === name && d.type === undefined));
  const doc = collector.docs.find((d) => d.name === name && d.type === undefined)!;
  // Its trace may hold other segments (a worker's, a callee's): pick this one, merged.
  return collector.trace(doc.trace_id as string).find((d) => d.id === doc.id)!;
}
