/**
 * traceLogFields() with the real pino and winston, in requests served by traceHttp on a real
 * loopback server and in jobs: the ids on each log line must be those of the segment and
 * subsegments the SDK sent, read from the documents a real UDP collector received.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import winston from 'winston';
import {
  addAnnotation,
  capture,
  configure,
  flush,
  type Logger,
  type RecorderOptions,
  type TraceLogFields,
  traceHttp,
  traceLogFields,
  traceSegment,
} from './index.js';
import { get } from './test-support/apps.test-helpers.js';
import {
  type Doc,
  descendants,
  SAMPLE_ALL,
  startUdpCollector,
  type UdpCollector,
} from './test-support/udp-collector.test-helpers.js';

/** A JSON log line as a logger wrote it. */
type Line = TraceLogFields & { step?: string; tag?: string } & Record<string, unknown>;

/** An in-memory stream keeping every JSON line written to it. */
function jsonLines(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) if (part) lines.push(JSON.parse(part) as Line);
      done();
    },
  });
  return { stream, lines };
}

interface TestLogger {
  name: string;
  lines: Line[];
  log(step: string, tag: string): void;
}

// The recipes docs/sdk.md gives.
function pinoLogger(): TestLogger {
  const { stream, lines } = jsonLines();
  const logger = pino({ mixin: traceLogFields }, stream);
  return { name: 'pino', lines, log: (step, tag) => logger.info({ step, tag }, step) };
}

function createWinston(transport: winston.transport): winston.Logger {
  const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
  Object.defineProperty(logger, 'defaultMeta', { get: traceLogFields });
  return logger;
}

function winstonLogger(): TestLogger {
  const { stream, lines } = jsonLines();
  const logger = createWinston(new winston.transports.Stream({ stream }));
  return { name: 'winston', lines, log: (step, tag) => logger.info(step, { step, tag }) };
}

const loggers = [pinoLogger(), winstonLogger()];
const log = (step: string, tag: string) => {
  for (const logger of loggers) logger.log(step, tag);
};

/** Each logger's lines of one request (by its `tag`), by step. */
function linesOf(tag: string): Map<string, Map<string, Line>> {
  return new Map(
    loggers.map((l) => [l.name, new Map(l.lines.filter((x) => x.tag === tag).map((x) => [x.step ?? '', x]))]),
  );
}

const STEPS = ['request', 'service', 'db', 'service-after', 'response'];

/** Logs at each level of the request: its segment, then two nested captures and back. */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const tag = url.searchParams.get('tag') ?? '';
  addAnnotation('tag', tag);
  log('request', tag);
  await sleep(Number(url.searchParams.get('wait') ?? 0));
  await capture('service', async () => {
    log('service', tag);
    await capture('db', async () => {
      await sleep(1);
      log('db', tag);
    });
    log('service-after', tag);
  });
  if (url.searchParams.has('call')) await (await fetch(`http://127.0.0.1:${calleePort}/`)).text();
  log('response', tag);
  res.end('ok');
}

let collector: UdpCollector;
let server: Server;
let port = 0;
let callee: Server;
let calleePort = 0;
/** `X-Amzn-Trace-Id` of each call the callee received. */
const calleeHeaders: string[] = [];
/** The SDK's own diagnostics (context missing, drops). */
const diagnostics: string[] = [];
const sdkLogger: Logger = {
  error: (m) => diagnostics.push(m),
  warn: (m) => diagnostics.push(m),
  debug: () => {},
};

function options(): RecorderOptions {
  return {
    daemonAddress: collector.address,
    logger: sdkLogger,
    sampling: {
      centralized: false,
      rules: {
        ...SAMPLE_ALL,
        rules: [
          {
            description: 'never',
            host: '*',
            http_method: '*',
            url_path: '/quiet*',
            fixed_target: 0,
            rate: 0,
          },
        ],
      },
    },
  };
}

async function listen(s: Server): Promise<number> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  collector = await startUdpCollector();
  configure(options());
  server = createServer(traceHttp(handle, { name: 'logs-api' }));
  port = await listen(server);
  callee = createServer((req, res) => {
    calleeHeaders.push(String(req.headers['x-amzn-trace-id']));
    res.end('callee');
  });
  calleePort = await listen(callee);
});
afterAll(async () => {
  server.close();
  callee.close();
  await collector.close();
});
beforeEach(() => {
  collector.clear();
  diagnostics.length = 0;
});

/** The segment the SDK sent for the request tagged `tag`, with its subsegments. */
async function sentSegment(tag: string): Promise<Doc> {
  const isIt = (d: Doc) =>
    d.type === undefined && (d['annotations'] as Record<string, unknown>)?.['tag'] === tag;
  await flush();
  await collector.waitFor((docs) => docs.some(isIt));
  const doc = collector.docs.find(isIt)!;
  return collector.trace(doc.trace_id!).find((d) => d.id === doc.id)!;
}

/** Every line of the request carries its trace id and the id of the entity it was written in. */
function expectLinesMatch(tag: string, segment: Doc): void {
  const sub = (name: string) => descendants(segment).find((d) => d.name === name)?.id;
  const written = { request: segment.id, service: sub('service'), db: sub('db'), response: segment.id };
  expect(Object.values(written).every((id) => /^[0-9a-f]{16}$/.test(id ?? ''))).toBe(true);
  const expected = { ...written, 'service-after': written.service };
  for (const [name, lines] of linesOf(tag)) {
    expect([...lines.keys()].sort(), name).toEqual([...STEPS].sort());
    for (const [step, line] of lines) {
      expect(
        { trace_id: line.trace_id, segment_id: line.segment_id, sampled: line.sampled },
        `${name} ${step}`,
      ).toEqual({
        trace_id: segment.trace_id,
        segment_id: expected[step as keyof typeof expected],
        sampled: true,
      });
    }
  }
}

describe('traceLogFields in a traced HTTP request (pino mixin, winston defaultMeta)', () => {
  test('each line carries the trace id and the id of the segment or subsegment it was written in', async () => {
    const res = await get(port, '/orders?tag=one');
    expect(res.status).toBe(200);
    const segment = await sentSegment('one');
    expect(segment.name).toBe('logs-api');
    expect(String(res.headers['x-amzn-trace-id'])).toContain(`Root=${segment.trace_id};`);
    expectLinesMatch('one', segment);
  });

  test('concurrent requests each log their own ids', async () => {
    const tags = Array.from({ length: 20 }, (_, i) => `c${i}`);
    // Different waits so the requests' lines interleave.
    await Promise.all(tags.map((tag, i) => get(port, `/orders?tag=${tag}&wait=${(i * 7) % 10}`)));
    const segments = await Promise.all(tags.map((tag) => sentSegment(tag)));
    expect(new Set(segments.map((s) => s.trace_id)).size).toBe(tags.length);
    for (const [i, tag] of tags.entries()) expectLinesMatch(tag, segments[i]!);
  });

  test('an unsampled request logs its trace id and sampled: false, and its callees get that id', async () => {
    const res = await get(port, '/quiet?tag=quiet&call=1');
    expect(res.status).toBe(200);
    // Reading the id made no difference to what the request answers or sends on.
    expect(res.headers['x-amzn-trace-id']).toBeUndefined();
    const traceIds = new Set<string | undefined>();
    for (const [name, lines] of linesOf('quiet')) {
      expect([...lines.keys()].sort(), name).toEqual([...STEPS].sort());
      for (const line of lines.values()) {
        expect(line.sampled, name).toBe(false);
        expect('segment_id' in line, name).toBe(false);
        traceIds.add(line.trace_id);
      }
    }
    expect(traceIds.size).toBe(1);
    const [traceId] = traceIds;
    expect(traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(calleeHeaders.at(-1)).toMatch(new RegExp(`^Root=${traceId};Parent=[0-9a-f]{16};Sampled=0$`));

    // An upstream decision not to sample: the caller's trace id.
    const upstream = '1-5759e988-00000000000000000000f00d';
    await get(port, '/orders?tag=upstream', {
      'x-amzn-trace-id': `Root=${upstream};Parent=53995c3f42cd8ad8;Sampled=0`,
    });
    for (const [name, lines] of linesOf('upstream')) {
      expect(
        [...lines.values()].map((l) => l.trace_id),
        name,
      ).toEqual(STEPS.map(() => upstream));
    }

    // Nothing of either was sent: a sampled request sent after them arrives alone.
    await get(port, '/orders?tag=after');
    await sentSegment('after');
    expect(collector.docs.filter((d) => d.trace_id === traceId || d.trace_id === upstream)).toEqual([]);
  });

  test('outside any request: no trace fields, no context-missing diagnostics, and never a throw', async () => {
    log('outside', 'outside');
    await sleep(1);
    for (const [name, lines] of linesOf('outside')) {
      const line = lines.get('outside');
      expect(line?.['message'] ?? line?.['msg'], name).toBe('outside');
      expect(
        ['trace_id', 'segment_id', 'sampled'].filter((k) => k in line!),
        name,
      ).toEqual([]);
    }
    expect(traceLogFields()).toEqual({});
    expect(diagnostics).toEqual([]);
    try {
      configure({ ...options(), contextMissing: 'RUNTIME_ERROR' });
      expect(traceLogFields()).toEqual({});
    } finally {
      configure(options());
    }
  });

  test("outside a request, a pino line's own fields do not leak into the next line", () => {
    // pino merges a line's fields into the object its mixin returned: that object must be new.
    const { stream, lines } = jsonLines();
    const logger = pino({ mixin: traceLogFields }, stream);
    logger.info({ order: 'o-1' }, 'first');
    logger.info('second');
    expect(lines.map((l) => [l['msg'], l['order']])).toEqual([
      ['first', 'o-1'],
      ['second', undefined],
    ]);
  });
});

describe('winston: the fields are read when a line is logged, not in a format', () => {
  // winston's File transport holds lines while its file stream drains (past 16 KiB written at
  // once); the logger's formats run for held lines only when the transport takes them, in
  // whatever context that happens. `defaultMeta` is read by `logger.info()` itself.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fluoro-log-fields-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function fileLines(path: string, count: number): Promise<Line[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {}
      const lines = text.split('\n').filter(Boolean);
      if (lines.length >= count || Date.now() > deadline) return lines.map((l) => JSON.parse(l) as Line);
      await sleep(20);
    }
  }

  test('a burst from concurrent jobs: defaultMeta gives every line its own job, a format does not', async () => {
    const file = (name: string) => new winston.transports.File({ filename: join(dir, name) });
    const byMeta = createWinston(file('meta.log'));
    const fields = winston.format((info) => Object.assign(info, traceLogFields()));
    const byFormat = winston.createLogger({
      format: winston.format.combine(fields(), winston.format.json()),
      transports: [file('format.log')],
    });
    const logBoth = (tag: string) => {
      byMeta.info('work', { step: 'work', tag });
      byFormat.info('work', { step: 'work', tag });
    };
    try {
      // 100 lines of about 130 bytes per job, written in one go: past the file stream's 16 KiB.
      const perJob = 100;
      const jobs = ['job-0', 'job-1', 'job-2'];
      await Promise.all(
        jobs.map((job) =>
          traceSegment(job, async () => {
            for (let i = 0; i < perJob; i++) logBoth(job);
          }),
        ),
      );
      for (let i = 0; i < perJob; i++) logBoth('none');
      await flush();
      await collector.waitFor((docs) => jobs.every((job) => docs.some((d) => d.name === job)));
      const sent = new Map(collector.docs.map((d) => [d.name, d]));
      const wrong = (lines: Line[]) =>
        lines.filter((l) => {
          const job = sent.get(l.tag ?? '');
          return l.trace_id !== job?.trace_id || l.segment_id !== job?.id;
        });
      const total = perJob * (jobs.length + 1);

      const metaLines = await fileLines(join(dir, 'meta.log'), total);
      expect(metaLines).toHaveLength(total);
      expect(wrong(metaLines)).toEqual([]);

      const formatLines = await fileLines(join(dir, 'format.log'), total);
      expect(formatLines).toHaveLength(total);
      // Why the docs do not use a format: if winston ever runs formats as a line is logged, this
      // fails, and a format becomes the simpler recipe.
      expect(wrong(formatLines).length).toBeGreaterThan(0);
    } finally {
      byMeta.close();
      byFormat.close();
    }
  });
});
