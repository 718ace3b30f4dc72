import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  addAnnotation,
  addMetadata,
  capture,
  configure,
  flush,
  getCurrent,
  setUser,
  stats,
  subsegment,
  traceSegment,
  withEntity,
  wrap,
} from './index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from './test-support/udp-collector.test-helpers.js';

let collector: UdpCollector;
const logged: string[] = [];
const logger = { error: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), debug: () => {} };

beforeAll(async () => {
  collector = await startUdpCollector();
});
afterAll(() => collector.close());
beforeEach(() => {
  configure({
    daemonAddress: collector.address,
    sampling: { rules: SAMPLE_ALL, centralized: false },
    logger,
  });
  collector.clear();
  logged.length = 0;
});

/** Runs `fn` as a segment, flushes, and returns the received segment document. */
async function record(fn: () => unknown): Promise<Doc> {
  let traceId = '';
  await traceSegment('test', async (segment) => {
    traceId = segment.traceId;
    await fn();
  }).catch(() => {});
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.trace_id === traceId && d.type === undefined));
  const [root] = collector.trace(traceId);
  return root!;
}

describe('capture(name, fn)', () => {
  test('returns what a sync function returns, and records a closed subsegment', async () => {
    let value = 0;
    const doc = await record(() => {
      value = capture('sync-work', () => 41 + 1);
    });
    expect(value).toBe(42);
    const [sub] = doc.subsegments ?? [];
    expect(sub?.name).toBe('sync-work');
    expect(sub?.end_time).toBeGreaterThanOrEqual(sub?.start_time as number);
    expect(sub?.in_progress).toBeUndefined();
  });

  test('returns the promise result of an async function; the subsegment ends when it settles', async () => {
    const doc = await record(async () => {
      const result: Promise<string> = capture('async-work', async () => {
        await sleep(20);
        return 'done';
      });
      expect(await result).toBe('done');
    });
    const sub = doc.subsegments?.[0];
    expect(sub?.name).toBe('async-work');
    expect((sub!.end_time as number) - (sub!.start_time as number)).toBeGreaterThanOrEqual(0.015);
  });

  test('records a thrown error as fault with a parsed V8 stack, and rethrows it unchanged', async () => {
    const thrown = new TypeError('bad input');
    let caught: unknown;
    const doc = await record(() => {
      try {
        capture('fails', () => {
          throw thrown;
        });
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toBe(thrown);
    const sub = doc.subsegments?.[0] as Doc & { cause: { exceptions: Record<string, unknown>[] } };
    expect(sub.fault).toBe(true);
    const [exception] = sub.cause.exceptions;
    expect(exception?.['message']).toBe('bad input');
    expect(exception?.['type']).toBe('TypeError');
    expect(exception?.['id']).toMatch(/^[0-9a-f]{16}$/);
    const stack = exception?.['stack'] as { path: string; line: number; label: string }[];
    expect(stack[0]?.path).toContain('capture.test.ts');
    expect(stack[0]?.line).toBeGreaterThan(0);
    expect(typeof stack[0]?.label).toBe('string');
  });

  test('a rejected promise is recorded and the same rejection reaches the caller', async () => {
    const thrown = new RangeError('nope');
    let caught: unknown;
    const doc = await record(async () => {
      await capture('rejects', async () => {
        await sleep(1);
        throw thrown;
      }).catch((err: unknown) => {
        caught = err;
      });
    });
    expect(caught).toBe(thrown);
    expect(doc.subsegments?.[0]?.fault).toBe(true);
  });

  test('nested captures form a tree; the current entity is the innermost one', async () => {
    const doc = await record(async () => {
      await capture('outer', async (outer) => {
        expect(getCurrent().id).toBe(outer.id);
        await capture('inner', async (inner) => {
          expect(getCurrent().id).toBe(inner.id);
          await sleep(1);
        });
        expect(getCurrent().id).toBe(outer.id);
      });
    });
    expect(doc.subsegments?.map((s) => s.name)).toEqual(['outer']);
    expect(doc.subsegments?.[0]?.subsegments?.map((s) => s.name)).toEqual(['inner']);
  });

  test('wrap() returns a function of the same signature that captures every call', async () => {
    const add = wrap('add', (a: number, b: number) => a + b);
    const fetchUser = wrap('fetchUser', async (id: string) => ({ id }));
    const doc = await record(async () => {
      expect(add(2, 3)).toBe(5);
      expect(await fetchUser('u1')).toEqual({ id: 'u1' });
    });
    expect(doc.subsegments?.map((s) => s.name)).toEqual(['add', 'fetchUser']);
  });
});

describe('context propagation', () => {
  test('survives await, timers, promise chains and event emitters', async () => {
    const seen: Record<string, string> = {};
    let subId = '';
    await record(() =>
      capture('ctx', async (sub) => {
        subId = sub.id;
        await sleep(1);
        seen['await'] = getCurrent().id;
        await new Promise<void>((resolve) =>
          setTimeout(() => {
            seen['setTimeout'] = getCurrent().id;
            resolve();
          }, 1),
        );
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            seen['setImmediate'] = getCurrent().id;
            resolve();
          }),
        );
        await Promise.resolve()
          .then(() => sleep(1))
          .then(() => {
            seen['then'] = getCurrent().id;
          });
        const emitter = new EventEmitter();
        const fired = new Promise<void>((resolve) =>
          emitter.on('go', () => {
            seen['emitter'] = getCurrent().id;
            resolve();
          }),
        );
        setTimeout(() => emitter.emit('go'), 1);
        await fired;
        await new Promise<void>((resolve) =>
          queueMicrotask(() => {
            seen['queueMicrotask'] = getCurrent().id;
            resolve();
          }),
        );
      }),
    );
    expect(Object.keys(seen).length).toBe(6);
    for (const [where, id] of Object.entries(seen)) expect({ where, id }).toEqual({ where, id: subId });
  });

  test('concurrent segments never see each other', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        traceSegment(`job-${i}`, async (segment) => {
          await sleep(i % 7);
          return capture('step', async () => {
            await sleep(7 - (i % 7));
            return getCurrent().traceId === segment.traceId;
          });
        }),
      ),
    );
    expect(results.every(Boolean)).toBe(true);
    await flush();
    await collector.waitFor((docs) => docs.length === 200);
    for (const doc of collector.docs) {
      expect(doc.subsegments?.map((s) => s.name)).toEqual(['step']);
    }
  });
});

describe('annotations, metadata, user, manual subsegments', () => {
  test('records typed annotations with sanitised keys, metadata by namespace and user', async () => {
    const doc = await record(() => {
      setUser('alice');
      addAnnotation('customer.id', 'c-1');
      addAnnotation('amount', 12.5);
      addAnnotation('vip', true);
      addAnnotation('bad value', Number.NaN);
      addAnnotation('long', 'x'.repeat(1000));
      addMetadata('request', { a: [1, 2] });
      addMetadata('k', 'v', 'billing');
      addMetadata('nope', 1, 'AWS.reserved');
    });
    expect(doc['user']).toBe('alice');
    expect(doc['annotations']).toEqual({
      customer_id: 'c-1',
      amount: 12.5,
      vip: true,
      long: 'x'.repeat(250),
    });
    expect(doc['metadata']).toEqual({ default: { request: { a: [1, 2] } }, billing: { k: 'v' } });
    expect(stats().dropped['annotation_invalid_value']).toBe(1);
    expect(stats().dropped['metadata_reserved_namespace']).toBe(1);
  });

  test('keeps at most 50 annotations per trace and counts the rest', async () => {
    const before = stats().dropped['annotation_limit'] ?? 0;
    const doc = await record(() => {
      for (let i = 0; i < 30; i++) addAnnotation(`seg${i}`, i);
      capture('child', () => {
        for (let i = 0; i < 30; i++) addAnnotation(`sub${i}`, i);
      });
    });
    const count =
      Object.keys(doc['annotations'] as object).length +
      Object.keys(doc.subsegments?.[0]?.['annotations'] as object).length;
    expect(count).toBe(50);
    expect((stats().dropped['annotation_limit'] ?? 0) - before).toBe(10);
  });

  test('a manual subsegment handle records work that cannot be wrapped', async () => {
    const doc = await record(async () => {
      const sub = subsegment('callback-work');
      sub.addAnnotation('kind', 'manual');
      await withEntity(sub, async () => {
        await capture('inside', async () => {});
      });
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          sub.close();
          resolve();
        }, 5),
      );
    });
    const sub = doc.subsegments?.find((s) => s.name === 'callback-work');
    expect(sub?.['annotations']).toEqual({ kind: 'manual' });
    expect(sub?.subsegments?.map((s) => s.name)).toEqual(['inside']);
    expect(sub?.end_time).toBeDefined();
  });

  test('a subsegment still open when its segment ends is sent on its own when it closes', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let traceId = '';
    let segmentId = '';
    let late: Promise<void> = Promise.resolve();
    await traceSegment('early-exit', (segment) => {
      traceId = segment.traceId;
      segmentId = segment.id;
      late = capture('outlives', () => gate);
    });
    await collector.waitFor((docs) => docs.some((d) => d.id === segmentId));
    expect(collector.docs.find((d) => d.id === segmentId)?.subsegments).toBeUndefined();
    release();
    await late;
    await flush();
    await collector.waitFor((docs) => docs.some((d) => d.type === 'subsegment' && d.trace_id === traceId));
    const sub = collector.docs.find((d) => d.type === 'subsegment' && d.trace_id === traceId);
    expect(sub).toMatchObject({ name: 'outlives', parent_id: segmentId, type: 'subsegment' });
    expect(sub?.end_time).toBeDefined();
    const [root] = collector.trace(traceId);
    expect(descendants(root!).map((d) => d.name)).toEqual(['outlives']);
  });
});

test('work started after its segment was sent is sent on its own, under the right parent', async () => {
  let traceId = '';
  let outerId = '';
  let later: Promise<unknown> = Promise.resolve();
  await traceSegment('short', (segment) => {
    traceId = segment.traceId;
    capture('outer', (outer) => {
      outerId = outer.id;
      // Fire-and-forget: starts after both 'outer' and the segment have ended and been sent.
      later = new Promise((resolve) => setTimeout(resolve, 5)).then(() => capture('late', async () => {}));
    });
  });
  await later;
  await flush();
  await collector.waitFor((docs) => docs.some((d) => d.name === 'late'));
  expect(collector.docs.find((d) => d.name === 'late')).toMatchObject({
    type: 'subsegment',
    trace_id: traceId,
    parent_id: outerId,
  });
  const [root] = collector.trace(traceId);
  expect(descendants(root!).map((d) => d.name)).toEqual(['outer', 'late']);
});

describe('context missing', () => {
  test('LOG_ERROR (default) logs once and runs the function untraced', () => {
    expect(capture('orphan', () => 'ran')).toBe('ran');
    expect(capture('orphan2', () => 'ran')).toBe('ran');
    expect(logged.filter((m) => m.includes('no segment in context'))).toHaveLength(1);
  });

  test('IGNORE is silent', () => {
    configure({ daemonAddress: collector.address, contextMissing: 'IGNORE', logger });
    expect(capture('orphan', () => 1)).toBe(1);
    addAnnotation('a', 1);
    expect(logged).toEqual([]);
  });

  test('RUNTIME_ERROR throws, and AWS_XRAY_CONTEXT_MISSING overrides the option', () => {
    process.env['AWS_XRAY_CONTEXT_MISSING'] = 'RUNTIME_ERROR';
    try {
      configure({ daemonAddress: collector.address, contextMissing: 'IGNORE', logger });
      expect(() => capture('orphan', () => 1)).toThrow(/no segment in context/);
    } finally {
      delete process.env['AWS_XRAY_CONTEXT_MISSING'];
    }
  });
});

describe('environment', () => {
  test('AWS_XRAY_SDK_ENABLED=false makes everything a pass-through', async () => {
    process.env['AWS_XRAY_SDK_ENABLED'] = 'false';
    try {
      configure({
        daemonAddress: collector.address,
        sampling: { rules: SAMPLE_ALL, centralized: false },
        logger,
      });
      const value = await traceSegment('off', () => capture('x', async () => 7));
      expect(value).toBe(7);
      await flush();
      expect(collector.docs).toEqual([]);
      expect(logged).toEqual([]);
    } finally {
      delete process.env['AWS_XRAY_SDK_ENABLED'];
    }
  });

  test('AWS_XRAY_TRACING_NAME names segments and AWS_XRAY_DAEMON_ADDRESS picks the address', async () => {
    const other = await startUdpCollector();
    process.env['AWS_XRAY_TRACING_NAME'] = 'from-env';
    process.env['AWS_XRAY_DAEMON_ADDRESS'] = `udp:${other.address} tcp:127.0.0.1:1`;
    try {
      configure({
        daemonAddress: collector.address,
        sampling: { rules: SAMPLE_ALL, centralized: false },
        logger,
      });
      await traceSegment('from-code', () => {});
      await flush();
      await other.waitFor((docs) => docs.length === 1);
      expect(other.docs[0]?.name).toBe('from-env');
      expect(collector.docs).toEqual([]);
    } finally {
      delete process.env['AWS_XRAY_TRACING_NAME'];
      delete process.env['AWS_XRAY_DAEMON_ADDRESS'];
      await other.close();
    }
  });
});

describe('adaptive sampling', () => {
  test('an unsampled job that fails counts as an anomaly of the rule that decided; one that succeeds does not', async () => {
    const counter = { anomalies: 0, sampledAnomalies: 0, boostable: true };
    configure({
      daemonAddress: collector.address,
      sampling: { sampler: { shouldSample: () => ({ sampled: false, ruleName: 'jobs', counter }) } },
      logger,
    });
    await traceSegment('job', async () => 'done');
    expect(counter.anomalies).toBe(0);
    expect(() =>
      traceSegment('job', () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    await expect(
      traceSegment('job', async () => {
        throw new Error('async failure');
      }),
    ).rejects.toThrow('async failure');
    expect(counter).toEqual({ anomalies: 2, sampledAnomalies: 0, boostable: true });
    await flush();
    expect(collector.docs).toEqual([]);
  });
});
