import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BURST_BYTES, MAX_DATAGRAM_BYTES, PROTOCOL_HEADER, UdpEmitter } from './emitter.js';
import { capture, configure, flush, getCurrent, shutdown, stats, traceSegment } from './index.js';
import { DropCounter } from './logger.js';
import { APPS, get } from './test-support/apps.test-helpers.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from './test-support/udp-collector.test-helpers.js';

let collector: UdpCollector;
const quiet = { error: () => {}, warn: () => {}, debug: () => {} };

beforeAll(async () => {
  collector = await startUdpCollector();
});
afterAll(() => collector.close());
beforeEach(() => {
  configure({
    daemonAddress: collector.address,
    sampling: { rules: SAMPLE_ALL, centralized: false },
    logger: quiet,
  });
  collector.clear();
});

/** Waits until the trace's assembled tree holds `subsegments` subsegments; returns its root. */
async function received(traceId: string, subsegments: number): Promise<Doc> {
  await flush();
  await collector.waitFor(() => {
    const [root] = collector.trace(traceId);
    return root !== undefined && descendants(root).length >= subsegments;
  });
  const roots = collector.trace(traceId);
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

describe('documents over 64 KiB', () => {
  test('a large segment is split into independent subsegments; nothing is lost or oversize', async () => {
    let traceId = '';
    await traceSegment('big', async (segment) => {
      traceId = segment.traceId;
      // Below the streaming threshold, so the whole tree is rendered at the end: ~90 KiB.
      for (let i = 0; i < 90; i++) {
        capture(`step-${i}`, (sub) => sub.addMetadata('payload', 'x'.repeat(1000)));
      }
    });
    const root = await received(traceId, 90);
    expect(collector.docs.length).toBeGreaterThan(1);
    expect(Math.max(...collector.datagramSizes)).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    const names = descendants(root).map((d) => d.name);
    expect(new Set(names).size).toBe(90);
    for (const doc of collector.docs.filter((d) => d.type === 'subsegment')) {
      expect(doc.trace_id).toBe(traceId);
      expect(doc.parent_id).toBe(root.id);
      expect(doc['end_time']).toBeDefined();
    }
    expect(stats().dropped).toEqual({});
  });

  test('deep trees split at every level and keep their parent links', async () => {
    let traceId = '';
    await traceSegment('deep', async (segment) => {
      traceId = segment.traceId;
      for (let i = 0; i < 4; i++) {
        capture(`group-${i}`, () => {
          for (let j = 0; j < 150; j++) capture(`leaf-${i}-${j}`, (s) => s.addMetadata('p', 'y'.repeat(300)));
        });
      }
    });
    const root = await received(traceId, 604);
    expect(Math.max(...collector.datagramSizes)).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    for (const group of root.subsegments ?? []) {
      const i = group.name.slice('group-'.length);
      expect(group.subsegments).toHaveLength(150);
      expect(group.subsegments?.every((leaf) => leaf.name.startsWith(`leaf-${i}-`))).toBe(true);
    }
  });

  test('an entity too large on its own loses its metadata (counted), never the entity', async () => {
    let traceId = '';
    const before = stats().dropped['oversize_metadata'] ?? 0;
    await traceSegment('huge', (segment) => {
      traceId = segment.traceId;
      capture('huge-child', (sub) => {
        sub.addAnnotation('kept', true);
        sub.addMetadata('blob', 'z'.repeat(100_000));
      });
    });
    const root = await received(traceId, 1);
    const child = root.subsegments?.[0];
    expect(child?.name).toBe('huge-child');
    expect(child?.['annotations']).toEqual({ kept: true });
    expect(child?.['metadata']).toBeUndefined();
    expect((stats().dropped['oversize_metadata'] ?? 0) - before).toBe(1);
    expect(Math.max(...collector.datagramSizes)).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
  });

  test('metadata that is not JSON (a cycle) is dropped and counted; the segment is sent', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    let traceId = '';
    await traceSegment('cyclic', (segment) => {
      traceId = segment.traceId;
      segment.addMetadata('loop', cyclic);
      segment.addAnnotation('ok', 1);
    });
    await flush();
    await collector.waitFor((docs) => docs.some((d) => d.trace_id === traceId));
    expect(collector.trace(traceId)[0]?.['annotations']).toEqual({ ok: 1 });
    expect(stats().dropped['metadata_unserializable']).toBe(1);
  });
});

describe('streaming', () => {
  test('a long-running segment streams finished subsegments while it is still open', async () => {
    let traceId = '';
    let segmentId = '';
    let streamedWhileOpen = 0;
    await traceSegment('batch-job', async (segment) => {
      traceId = segment.traceId;
      segmentId = segment.id;
      for (let i = 0; i < 1000; i++) await capture(`row-${i}`, async () => {});
      await flush();
      await collector.waitFor((docs) => docs.filter((d) => d.type === 'subsegment').length >= 1000);
      streamedWhileOpen = collector.docs.filter(
        (d) => d.type === 'subsegment' && d.parent_id === segmentId,
      ).length;
    });
    expect(streamedWhileOpen).toBe(1000);
    const root = await received(traceId, 1000);
    expect(root.id).toBe(segmentId);
    expect(new Set(descendants(root).map((d) => d.name)).size).toBe(1000);
  });
});

describe('the emitter', () => {
  test('frames each document as one datagram with the daemon header', async () => {
    const drops = new DropCounter(() => quiet);
    const emitter = new UdpEmitter('127.0.0.1', collector.port, drops);
    emitter.send('{"id":"0000000000000001","name":"a","trace_id":"t"}');
    await emitter.flush();
    await collector.waitFor((docs) => docs.length === 1);
    expect(collector.badDatagrams).toEqual([]);
    expect(collector.datagramSizes[0]).toBe(PROTOCOL_HEADER.length + 51);
    await emitter.close();
    await emitter.close();
    await emitter.flush();
    emitter.send('{}');
    expect(drops.snapshot()).toEqual({ emitter_closed: 1 });
  });

  test('a host name is resolved once; datagrams sent while the socket connects are kept', async () => {
    const drops = new DropCounter(() => quiet);
    const emitter = new UdpEmitter('localhost', collector.port, drops);
    // All three are sent before the socket has connected (connecting resolves the name).
    for (const id of ['1', '2', '3']) emitter.send(`{"id":"000000000000000${id}","name":"a","trace_id":"t"}`);
    await emitter.flush();
    await collector.waitFor((docs) => docs.length === 3);
    expect(collector.docs.map((d) => d.id)).toEqual([
      '0000000000000001',
      '0000000000000002',
      '0000000000000003',
    ]);
    expect(emitter.sentCount).toBe(3);
    expect(drops.snapshot()).toEqual({});
    await emitter.close();
  });

  test('once a burst of bytes waits, it leaves in the next event-loop turn', async () => {
    const drops = new DropCounter(() => quiet);
    const emitter = new UdpEmitter('127.0.0.1', collector.port, drops);
    emitter.send('{"id":"00000000000000aa","name":"first","trace_id":"t"}');
    await emitter.flush(); // connected
    const doc = (i: number) =>
      `{"id":"${i.toString(16).padStart(16, '0')}","name":"${'n'.repeat(900)}","trace_id":"t"}`;
    const count = Math.ceil(BURST_BYTES / 900) + 1;
    for (let i = 1; i <= count; i++) emitter.send(doc(i));
    await new Promise(setImmediate);
    await new Promise(setImmediate);
    // Without flush(): the byte threshold, not the 100 ms timer, sent them.
    expect(emitter.sentCount).toBe(count + 1);
    await collector.waitFor((docs) => docs.length === count + 1);
    expect(drops.snapshot()).toEqual({});
    await emitter.close();
  });

  test('an unresolvable daemon host is counted as send errors, never thrown', async () => {
    const drops = new DropCounter(() => quiet);
    const emitter = new UdpEmitter('daemon.invalid', 2000, drops);
    expect(() => emitter.send('{}')).not.toThrow();
    await emitter.flush();
    expect(drops.snapshot()['send_error']).toBe(1);
    await emitter.close();
  });

  test('flush() and shutdown() are safe to call twice', async () => {
    await traceSegment('twice', () => {});
    await Promise.all([flush(), flush()]);
    await flush();
    await shutdown();
    await shutdown();
    await flush();
    await collector.waitFor((docs) => docs.length === 1);
  });
});

describe('with no daemon listening', () => {
  test('the app keeps working and nothing throws', async () => {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const port = (socket.address() as AddressInfo).port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    // Nothing on that UDP port, nor on TCP for centralized sampling.
    configure({ daemonAddress: `127.0.0.1:${port}`, logger: quiet });
    const app = await APPS['koa']!({ name: 'lonely' });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => get(app.port, '/hello', { 'x-req-id': `${i}` })),
      );
      expect(results.every((r) => r.status === 200 && r.body === 'hello')).toBe(true);
      const value = await traceSegment('job', () => capture('work', async () => getCurrent().sampled));
      expect(typeof value).toBe('boolean');
      await flush();
    } finally {
      await app.close();
    }
  });
});
