import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, type Job, Queue, type QueueOptions, Worker, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { describeIfListening } from '../../../../test/helpers/require-or-skip.js';
import {
  bullmqTracing,
  capture,
  configure,
  flush,
  getCurrent,
  parseXRayHeader,
  traceHttp,
  traceRedis,
  traceSegment,
} from '../index.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  sentSegment,
  startUdpCollector,
  type UdpCollector,
} from '../test-support/udp-collector.test-helpers.js';
import {
  deleteKeys,
  firstException,
  keyPrefix,
  REDIS,
  redisMeta,
  remote,
  settled,
} from './redis.test-helpers.js';

// bullmqTracing() against a real Redis: producer subsegments, worker segments, the header
// carried between them. Every queue lives under PREFIX and is obliterated after its test.

// Skipped when Redis is not there, except under FLUORO_TEST_REQUIRE_ALL=1 (CI), where it fails.
const describeRedis = await describeIfListening('Redis', REDIS.host, REDIS.port);

/** BullMQ's key prefix for this run (its keys are `${PREFIX}:${queue}:…`). */
const PREFIX = keyPrefix('bullmq').slice(0, -1);
const SERVICE = 'bullmq-test-service';

let collector: UdpCollector;
let queueCount = 0;
const cleanups: (() => Promise<unknown>)[] = [];

/** A queue and a worker on it, both traced, closed and obliterated after the test. */
function queueAndWorker<T = unknown>(
  label: string,
  processor: (job: Job) => Promise<T>,
  options: { worker?: Partial<WorkerOptions>; queue?: Partial<QueueOptions>; tracingName?: string } = {},
): { queue: Queue; worker: Worker; name: string } {
  const name = `${label}-${++queueCount}`;
  const telemetry = bullmqTracing(options.tracingName ? { name: options.tracingName } : {});
  const queue = new Queue(name, { connection: REDIS, prefix: PREFIX, telemetry, ...options.queue });
  const worker = new Worker(name, processor, {
    connection: REDIS,
    prefix: PREFIX,
    telemetry,
    ...options.worker,
  });
  cleanups.push(async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return { queue, worker, name };
}

/** The worker segments of a trace (type absent, named `name`), once `count` have arrived. */
async function workerSegments(name: string, count: number, traceId?: string): Promise<Doc[]> {
  const matches = (d: Doc) =>
    d.type === undefined && d.name === name && (traceId === undefined || d.trace_id === traceId);
  await flush();
  await collector.waitFor((docs) => docs.filter(matches).length >= count);
  const ids = new Set(collector.docs.filter(matches).map((d) => d.id));
  const traces = new Set(collector.docs.filter(matches).map((d) => d.trace_id as string));
  return [...traces].flatMap((t) => collector.trace(t)).filter((d) => ids.has(d.id));
}

const annotations = (doc: Doc) => doc['annotations'] as Record<string, unknown>;
const bullmqMeta = (doc: Doc) => (doc['metadata'] as { bullmq: Record<string, unknown> }).bullmq;

/** Resolves with the next `count` jobs the worker finishes (completed or failed). */
function finished(worker: Worker, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      if (++seen === count) resolve();
    };
    worker.on('completed', done);
    worker.on('failed', done);
  });
}

beforeAll(async () => {
  collector = await startUdpCollector();
  configure({
    name: SERVICE,
    daemonAddress: collector.address,
    sampling: { rules: SAMPLE_ALL, centralized: false },
  });
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(async () => {
  await deleteKeys(PREFIX);
  await collector.close();
});
beforeEach(() => collector.clear());

describeRedis('bullmqTracing()', () => {
  test('a job added inside a trace is processed in a segment of that trace, under the add subsegment', async () => {
    const data = { to: 'ada@example.com', nested: { n: 1 } };
    let seen: { data: unknown; current: string; sampled: boolean } | undefined;
    const { queue, worker, name } = queueAndWorker('single', async (job) => {
      seen = { data: job.data, current: getCurrent().id, sampled: getCurrent().sampled };
      await capture('send', () => sleep(2));
      return 'sent';
    });
    const done = finished(worker, 1);
    const job = await traceSegment('producer-single', () => queue.add('welcome', data));
    await done;

    const producer = await sentSegment(collector, 'producer-single');
    const [add] = remote(producer);
    expect(add).toMatchObject({ name, namespace: 'remote' });
    expect(bullmqMeta(add!)).toEqual({ queue: name, operation: 'add', job_name: 'welcome', job_id: job.id });

    const [segment] = await workerSegments(SERVICE, 1, producer.trace_id);
    expect(segment).toMatchObject({ trace_id: producer.trace_id, parent_id: add!.id });
    expect(annotations(segment!)).toEqual({ queue: name, job_name: 'welcome', job_id: job.id, attempt: 1 });
    expect(descendants(segment!).map((d) => d.name)).toEqual(['send']);
    expect(segment!['fault']).toBeUndefined();
    // The processor ran in the segment; the job's data is exactly what was added.
    expect(seen).toEqual({ data, current: segment!.id, sampled: true });
    expect(job.data).toEqual(data);
    const stored = await queue.getJob(job.id!);
    expect(stored!.data).toEqual(data);
    expect(stored!.opts.telemetry?.metadata).toBe(`Root=${producer.trace_id};Parent=${add!.id};Sampled=1`);
  });

  test('a job added while handling a traced HTTP request joins the request trace; the segment name is an option', async () => {
    const { queue, worker, name } = queueAndWorker('http', async () => sleep(1), { tracingName: 'mailer' });
    const done = finished(worker, 1);
    const server = createServer(
      traceHttp(async (_req, res) => {
        await queue.add('receipt', { order: 7 });
        res.end('queued');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      await new Promise<void>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/checkout' }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
    } finally {
      server.close();
    }
    await done;
    const [segment] = await workerSegments('mailer', 1);
    const [request_] = collector.trace(segment!.trace_id as string).filter((d) => d.name === SERVICE);
    expect(request_).toBeDefined();
    expect((request_!['http'] as { request: { url: string } }).request.url).toContain('/checkout');
    const [add] = remote(request_!);
    expect(add).toMatchObject({ name, namespace: 'remote' });
    expect(segment!.parent_id).toBe(add!.id);
  });

  test('addBulk is one subsegment, and each of its jobs a segment under it', async () => {
    const { queue, worker, name } = queueAndWorker('bulk', async () => sleep(1), {
      tracingName: 'bulk-worker',
    });
    const done = finished(worker, 3);
    const jobs = await traceSegment('producer-bulk', () =>
      queue.addBulk([
        { name: 'a', data: { i: 1 } },
        { name: 'b', data: { i: 2 } },
        { name: 'a', data: { i: 3 } },
      ]),
    );
    await done;
    const producer = await sentSegment(collector, 'producer-bulk');
    const adds = remote(producer);
    expect(adds).toHaveLength(1);
    expect(adds[0]).toMatchObject({ name, namespace: 'remote' });
    expect(bullmqMeta(adds[0]!)).toEqual({
      queue: name,
      operation: 'addBulk',
      count: 3,
      job_names: ['a', 'b'],
    });
    const segments = await workerSegments('bulk-worker', 3, producer.trace_id);
    expect(segments.map((s) => s.parent_id)).toEqual([adds[0]!.id, adds[0]!.id, adds[0]!.id]);
    expect(segments.map((s) => annotations(s)['job_id']).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(jobs.map((j) => j.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
  });

  test('an unsampled trace carries Sampled=0 only: nothing recorded on either side', async () => {
    let sampled: boolean | undefined;
    let traceId: string | undefined;
    const { queue, worker } = queueAndWorker(
      'unsampled',
      async () => {
        sampled = getCurrent().sampled;
        traceId = getCurrent().traceId;
      },
      { tracingName: 'unsampled-worker' },
    );
    const done = finished(worker, 1);
    const upstream = parseXRayHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0');
    const job = await traceSegment('producer-unsampled', () => queue.add('quiet', { q: 1 }), {
      traceContext: upstream,
    });
    await done;
    expect(sampled).toBe(false);
    expect(traceId).toBe(upstream!.traceId);
    expect((await queue.getJob(job.id!))!.opts.telemetry?.metadata).toBe(
      `Root=${upstream!.traceId};Sampled=0`,
    );
    await settled(collector);
    expect(collector.docs.filter((d) => d.name !== 'marker' && !d.name.startsWith('marker-'))).toEqual([]);
  });

  test('a job added outside any trace carries nothing and starts its own trace in the worker', async () => {
    const { queue, worker, name } = queueAndWorker('untraced', async () => {}, {
      tracingName: 'fresh-worker',
    });
    const done = finished(worker, 1);
    const job = await queue.add('plain', { p: 1 });
    await done;
    const stored = await queue.getJob(job.id!);
    expect(stored!.opts.telemetry).toBeUndefined();
    expect(stored!.data).toEqual({ p: 1 });
    const [segment] = await workerSegments('fresh-worker', 1);
    expect(segment!.parent_id).toBeUndefined();
    expect(annotations(segment!)).toMatchObject({ queue: name, job_name: 'plain', attempt: 1 });
    // The producer's side recorded nothing.
    expect(collector.docs.filter((d) => d.type === 'subsegment' || d.name === name)).toEqual([]);
  });

  test('a failing attempt is a fault with the reason, the error reaches BullMQ unchanged, and the retry is a segment of its own', async () => {
    const thrown = new TypeError('smtp refused: 550 mailbox unavailable');
    let failedWith: unknown;
    const { queue, worker } = queueAndWorker(
      'retry',
      async (job) => {
        await capture(`attempt-${job.attemptsMade + 1}`, () => sleep(1));
        if (job.attemptsMade === 0) throw thrown;
        return 'ok';
      },
      { tracingName: 'retry-worker' },
    );
    worker.on('failed', (_job, err) => {
      failedWith = err;
    });
    const done = new Promise((resolve) => worker.on('completed', resolve));
    await traceSegment('producer-retry', () => queue.add('flaky', {}, { attempts: 2 }));
    await done;
    expect(failedWith).toBe(thrown);

    const producer = await sentSegment(collector, 'producer-retry');
    const [add] = remote(producer);
    const segments = await workerSegments('retry-worker', 2, producer.trace_id);
    segments.sort((a, b) => (annotations(a)['attempt'] as number) - (annotations(b)['attempt'] as number));
    const [first, second] = segments as [Doc, Doc];
    expect(first.id).not.toBe(second.id);
    expect([first.parent_id, second.parent_id]).toEqual([add!.id, add!.id]);
    expect([annotations(first)['attempt'], annotations(second)['attempt']]).toEqual([1, 2]);
    expect(first['fault']).toBe(true);
    expect(firstException(first)!.message).toBe('smtp refused: 550 mailbox unavailable');
    expect(second['fault']).toBeUndefined();
    expect(descendants(first).map((d) => d.name)).toEqual(['attempt-1']);
    expect(descendants(second).map((d) => d.name)).toEqual(['attempt-2']);
  });

  test('an unsampled attempt that fails counts as an anomaly of the rule that decided (adaptive sampling)', async () => {
    const counter = { anomalies: 0, sampledAnomalies: 0, boostable: true };
    configure({
      name: SERVICE,
      daemonAddress: collector.address,
      sampling: { sampler: { shouldSample: () => ({ sampled: false, ruleName: 'jobs', counter }) } },
    });
    try {
      const { queue, worker } = queueAndWorker('anomaly', async (job) => {
        if (job.attemptsMade === 0) throw new Error('first attempt fails');
      });
      const done = finished(worker, 2);
      await queue.add('flaky', {}, { attempts: 2 });
      await done;
      expect(counter.anomalies).toBe(1);
      await flush();
      expect(collector.docs).toEqual([]);
    } finally {
      configure({
        name: SERVICE,
        daemonAddress: collector.address,
        sampling: { rules: SAMPLE_ALL, centralized: false },
      });
    }
  });

  test('250 jobs on a worker with concurrency 8: each segment holds exactly its own work, in its own trace', async () => {
    const count = 250;
    const { queue, worker } = queueAndWorker(
      'concurrent',
      async (job) => {
        const i = (job.data as { i: number }).i;
        await capture(`load-${i}`, () => sleep(Math.random() * 5));
        await sleep(Math.random() * 3);
        await capture(`save-${i}`, async () => {
          await sleep(Math.random() * 5);
          getCurrent().addAnnotation('i', i);
        });
        return i;
      },
      { worker: { concurrency: 8 }, tracingName: 'busy-worker' },
    );
    const done = finished(worker, count);
    const producers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        traceSegment(`producer-${i}`, async (segment) => {
          await sleep(Math.random() * 3);
          const job = await queue.add('work', { i });
          return { traceId: segment.traceId, jobId: job.id, i };
        }),
      ),
    );
    const byJob = new Map(producers.map((p) => [p.jobId, p]));
    await done;
    const segments = await workerSegments('busy-worker', count);
    expect(segments).toHaveLength(count);
    for (const segment of segments) {
      const { traceId, i } = byJob.get(annotations(segment)['job_id'] as string)!;
      expect(segment.trace_id).toBe(traceId);
      expect(descendants(segment).map((d) => d.name)).toEqual([`load-${i}`, `save-${i}`]);
      const [producer] = collector
        .trace(segment.trace_id as string)
        .filter((d) => d.name === `producer-${i}`);
      expect(segment.parent_id).toBe(remote(producer!)[0]!.id);
    }
  }, 60_000);

  test("on a traced ioredis client, BullMQ's commands show as one under the add and one (the ack) in the job", async () => {
    const connection = traceRedis(new Redis({ ...REDIS, maxRetriesPerRequest: null }));
    const { queue, worker, name } = queueAndWorker('ioredis', async () => sleep(5), {
      queue: { connection },
      worker: { connection },
      tracingName: 'ioredis-worker',
    });
    cleanups.unshift(async () => connection.quit());
    const done = finished(worker, 1);
    await traceSegment('producer-ioredis', () => queue.add('cached', { c: 1 }));
    await done;
    const producer = await sentSegment(collector, 'producer-ioredis');
    const [add] = remote(producer).filter((d) => d.name === name);
    expect(descendants(producer).map((d) => d.name)).toEqual([name, 'redis@127.0.0.1:6379']);
    expect(add!.subsegments!.map((d) => redisMeta(d)['command'])).toEqual(['EVALSHA']);
    const [segment] = await workerSegments('ioredis-worker', 1, producer.trace_id);
    expect(descendants(segment!).map((d) => redisMeta(d)['command'])).toEqual(['EVALSHA']);
    // The worker's fetching, locking and stalled checks ran outside any trace: nothing else sent.
    await settled(collector);
    expect(collector.docs.filter((d) => d.type === 'subsegment')).toEqual([]);
  });

  test("a job scheduler's runs each start a trace of their own, never one chained to the last", async () => {
    // Runs longer than the interval: each next run is due when the last completes, so BullMQ
    // fetches it and schedules the one after while completing the last, in its context.
    const { queue, worker } = queueAndWorker('scheduler', async () => sleep(40), {
      tracingName: 'scheduled-worker',
    });
    const done = finished(worker, 4);
    await queue.upsertJobScheduler('tick', { every: 10 }, { name: 'tick' });
    await done;
    await queue.removeJobScheduler('tick');
    const segments = await workerSegments('scheduled-worker', 4);
    expect(new Set(segments.map((s) => s.trace_id)).size).toBe(segments.length);
    expect(segments.map((s) => s.parent_id)).toEqual(segments.map(() => undefined));
  });

  test('a flow: each job is a subsegment named after its queue, each worker joins under its own', async () => {
    const parent = queueAndWorker('flow-parent', async () => {}, { tracingName: 'flow-worker' });
    const child = queueAndWorker('flow-child', async () => {}, { tracingName: 'flow-worker' });
    const flows = new FlowProducer({ connection: REDIS, prefix: PREFIX, telemetry: bullmqTracing() });
    cleanups.unshift(() => flows.close());
    const done = Promise.all([finished(parent.worker, 1), finished(child.worker, 1)]);
    await traceSegment('producer-flow', () =>
      flows.add({
        name: 'report',
        queueName: parent.name,
        opts: {},
        children: [{ name: 'chart', queueName: child.name, data: { c: 1 }, opts: {} }],
      }),
    );
    await done;
    const producer = await sentSegment(collector, 'producer-flow');
    const subs = remote(producer);
    expect(subs.map((s) => s.name)).toEqual([parent.name, child.name]);
    const segments = await workerSegments('flow-worker', 2, producer.trace_id);
    const byQueue = new Map(segments.map((s) => [annotations(s)['queue'], s]));
    expect(byQueue.get(parent.name)!.parent_id).toBe(subs[0]!.id);
    expect(byQueue.get(child.name)!.parent_id).toBe(subs[1]!.id);
  });
});
