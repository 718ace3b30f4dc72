import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES, parseDocument } from '../validate.js';
import { otlpSpans } from './otlp.js';
import {
  MAX_EVENT_STRING_LENGTH,
  MAX_EVENTS,
  MAX_EVENTS_JSON,
  MAX_LINKS,
  MAX_LINKS_JSON,
  type SpanInput,
  spanToDocument,
} from './span-to-document.js';
import { zipkinSpans } from './zipkin.js';

const TRACE = '5759e988bd862e3fe1be46a994272793';
const XRAY_TRACE = '1-5759e988-bd862e3fe1be46a994272793';

function span(overrides: Partial<SpanInput>): SpanInput {
  return {
    traceId: TRACE,
    spanId: '53995c3f42cd8ad8',
    name: 'GET /orders/:id',
    kind: 'server',
    startUs: 1_764_160_000_000_000,
    endUs: 1_764_160_000_250_000,
    attributes: {},
    resource: { 'service.name': 'orders-api' },
    status: 'unset',
    events: [],
    ...overrides,
  };
}

/** Translates and checks the result is a valid X-Ray document. */
function doc(input: SpanInput): Record<string, unknown> {
  const out = spanToDocument(input);
  expect('reason' in out && !('id' in out)).toBe(false);
  const validated = parseDocument(JSON.stringify(out));
  expect(validated.ok).toBe(true);
  return out as unknown as Record<string, unknown>;
}

describe('spanToDocument', () => {
  it('a SERVER span is a segment named after its service, with the http block and times', () => {
    const d = doc(
      span({
        parentSpanId: 'aaaaaaaaaaaaaaaa',
        attributes: {
          'http.request.method': 'GET',
          'url.scheme': 'https',
          'server.address': 'api.example.com',
          'url.path': '/orders/7',
          'url.query': 'full=1',
          'http.response.status_code': 200,
          'user_agent.original': 'curl/8',
          'client.address': '203.0.113.9',
          'network.peer.address': '10.0.0.2',
          'http.route': '/orders/:id',
          'enduser.id': 'alice',
          tenant: 'acme',
        },
        resource: { 'service.name': 'orders-api', 'service.version': '1.4.2', 'cloud.platform': 'aws_ecs' },
      }),
    );
    expect(d).toMatchObject({
      id: '53995c3f42cd8ad8',
      trace_id: XRAY_TRACE,
      parent_id: 'aaaaaaaaaaaaaaaa',
      name: 'orders-api',
      start_time: 1_764_160_000,
      end_time: 1_764_160_000.25,
      user: 'alice',
      service: { version: '1.4.2' },
      origin: 'AWS::ECS::Container',
      http: {
        request: {
          method: 'GET',
          url: 'https://api.example.com/orders/7?full=1',
          user_agent: 'curl/8',
          client_ip: '203.0.113.9',
          x_forwarded_for: true,
        },
        response: { status: 200 },
      },
      annotations: { http_route: '/orders/:id', tenant: 'acme' },
    });
    expect(d['type']).toBeUndefined();
    expect(d['error'] ?? d['fault'] ?? d['throttle']).toBeUndefined();
  });

  it('old semantic-convention names work too', () => {
    const d = doc(
      span({
        attributes: {
          'http.method': 'POST',
          'http.url': 'http://shop.local/cart',
          'http.status_code': 503,
          'http.user_agent': 'k6',
          'net.sock.peer.addr': '10.1.1.1',
        },
      }),
    );
    expect(d).toMatchObject({
      http: {
        request: { method: 'POST', url: 'http://shop.local/cart', user_agent: 'k6', client_ip: '10.1.1.1' },
        response: { status: 503 },
      },
      fault: true,
    });
  });

  it.each([
    [404, { error: true }],
    [429, { error: true, throttle: true }],
    [500, { fault: true }],
  ])('HTTP %i sets %o', (status, flags) => {
    const d = doc(
      span({ attributes: { 'http.request.method': 'GET', 'http.response.status_code': status } }),
    );
    for (const flag of ['error', 'throttle', 'fault'])
      expect(d[flag]).toBe((flags as Record<string, boolean>)[flag]);
  });

  it.each([5_000_000_000, 200.5, -1])(
    'an HTTP status a document cannot carry (%d) is left out, and the span is kept',
    (status) => {
      const d = doc(
        span({ attributes: { 'http.request.method': 'GET', 'http.response.status_code': status } }),
      );
      expect(d['http']).toEqual({ request: { method: 'GET' } });
      expect(parseDocument(JSON.stringify(d))).toMatchObject({ ok: true });
    },
  );

  it('an INTERNAL span is an independent subsegment of its parent; ERROR status is a fault with the exception as cause', () => {
    const d = doc(
      span({
        kind: 'internal',
        name: 'load-cart',
        parentSpanId: '1111111111111111',
        status: 'error',
        statusMessage: 'cart store unreachable',
        attributes: { 'cart.items': 3, premium: true, tags: ['a', 'b'] },
        events: [
          {
            name: 'exception',
            timeUs: 1_764_160_000_100_000,
            attributes: {
              'exception.type': 'TimeoutError',
              'exception.message': 'cart store unreachable',
              'exception.stacktrace':
                'TimeoutError: cart store unreachable\n    at loadCart (/app/cart.js:12:7)\n    at async handler (/app/server.js:40:3)',
            },
          },
        ],
      }),
    );
    expect(d).toMatchObject({
      type: 'subsegment',
      parent_id: '1111111111111111',
      trace_id: XRAY_TRACE,
      name: 'load-cart',
      fault: true,
      annotations: { cart_items: 3, premium: true },
      metadata: {
        otel: {
          'span.kind': 'internal',
          'status.message': 'cart store unreachable',
          attributes: { tags: ['a', 'b'] },
        },
      },
      cause: {
        exceptions: [
          {
            type: 'TimeoutError',
            message: 'cart store unreachable',
            stack: [
              { label: 'loadCart', path: '/app/cart.js', line: 12 },
              { label: 'async handler', path: '/app/server.js', line: 40 },
            ],
          },
        ],
      },
    });
    expect(d['namespace']).toBeUndefined();
  });

  it('a CLIENT span is a remote subsegment named after what it calls, so the service graph shows the callee', () => {
    const byPeer = doc(
      span({ kind: 'client', parentSpanId: '1111111111111111', attributes: { 'peer.service': 'payments' } }),
    );
    expect(byPeer).toMatchObject({ namespace: 'remote', name: 'payments' });
    const byUrl = doc(
      span({
        kind: 'client',
        parentSpanId: '1111111111111111',
        attributes: {
          'http.method': 'GET',
          'http.url': 'https://partner.example.org:8443/quote',
          'http.status_code': 404,
        },
      }),
    );
    expect(byUrl).toMatchObject({ namespace: 'remote', name: 'partner.example.org', error: true });
  });

  it('a database call carries an sql block; an AWS SDK call is namespace aws', () => {
    const db = doc(
      span({
        kind: 'client',
        parentSpanId: '1111111111111111',
        attributes: {
          'db.system': 'postgresql',
          'db.name': 'shop',
          'db.user': 'app',
          'db.statement': 'SELECT * FROM carts WHERE id = $1',
          'server.address': 'db.internal',
          'server.port': 5432,
        },
      }),
    );
    expect(db).toMatchObject({
      namespace: 'remote',
      name: 'shop@db.internal',
      sql: {
        database_type: 'postgresql',
        url: 'db.internal:5432/shop',
        user: 'app',
        sanitized_query: 'SELECT * FROM carts WHERE id = $1',
      },
    });
    const aws = doc(
      span({
        kind: 'client',
        parentSpanId: '1111111111111111',
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.service': 'DynamoDB',
          'rpc.method': 'GetItem',
          'aws.region': 'eu-west-1',
        },
      }),
    );
    expect(aws).toMatchObject({
      namespace: 'aws',
      name: 'DynamoDB',
      aws: { operation: 'GetItem', region: 'eu-west-1' },
    });
  });

  it('names are made valid for X-Ray and ids are checked', () => {
    expect(doc(span({ resource: { 'service.name': 'orders<api>!' } }))['name']).toBe('ordersapi');
    expect(doc(span({ resource: {} }))['name']).toBe('GET /orders/:id');
    expect(spanToDocument(span({ traceId: '00000000000000000000000000000000' }))).toMatchObject({
      reason: 'invalid_trace_id',
    });
    expect(spanToDocument(span({ traceId: 'xyz' }))).toMatchObject({ reason: 'invalid_trace_id' });
    expect(spanToDocument(span({ spanId: '0000000000000000' }))).toMatchObject({ reason: 'invalid_id' });
    expect(spanToDocument(span({ startUs: Number.NaN }))).toMatchObject({ reason: 'invalid_time' });
  });

  it('keeps at most 50 annotations; the rest are metadata', () => {
    const attributes = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
    const d = doc(span({ attributes }));
    expect(Object.keys(d['annotations'] as object)).toHaveLength(50);
    expect(Object.keys((d['metadata'] as { otel: { attributes: object } }).otel.attributes)).toHaveLength(10);
  });
});

type Otel = {
  events?: { name: string; time?: number; attributes?: Record<string, unknown> }[];
  'events.dropped'?: number;
  'links.dropped'?: number;
};
const otelOf = (d: Record<string, unknown>) => (d['metadata'] as { otel: Otel }).otel;
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('gRPC status codes', () => {
  const flags = (d: Record<string, unknown>) => ({
    error: d['error'] === true,
    throttle: d['throttle'] === true,
    fault: d['fault'] === true,
  });
  it.each([
    // [kind, span status, rpc.grpc.status_code, expected]
    ['client', 'error', 5, { error: true, throttle: false, fault: false }], // NOT_FOUND: the caller's
    ['client', 'error', '3', { error: true, throttle: false, fault: false }], // INVALID_ARGUMENT, as a string
    ['client', 'error', 8, { error: true, throttle: true, fault: false }], // RESOURCE_EXHAUSTED
    ['client', 'error', 14, { error: false, throttle: false, fault: true }], // UNAVAILABLE
    ['server', 'error', 13, { error: false, throttle: false, fault: true }], // INTERNAL
    ['server', 'unset', 5, { error: true, throttle: false, fault: false }], // a server's NOT_FOUND is unset
    ['server', 'unset', 0, { error: false, throttle: false, fault: false }], // OK
    ['client', 'error', 99, { error: false, throttle: false, fault: true }], // not a gRPC code
  ] as const)('a %s span with status %s and code %s', (kind, status, code, expected) => {
    const d = doc(
      span({
        kind,
        parentSpanId: 'aaaaaaaaaaaaaaaa',
        status,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': 'shop.Orders',
          'rpc.method': 'Get',
          'rpc.grpc.status_code': code,
          'server.address': 'orders',
        },
      }),
    );
    expect(flags(d)).toEqual(expected);
  });

  it('an HTTP status still decides for a span that has one', () => {
    const d = doc(
      span({
        status: 'error',
        attributes: {
          'http.request.method': 'POST',
          'http.response.status_code': 503,
          'rpc.grpc.status_code': 5,
        },
      }),
    );
    expect(flags(d)).toEqual({ error: false, throttle: false, fault: true });
  });
});

describe('span links and events', () => {
  const LINKED = '6a1f00c2d1b4e5f60718293a4b5c6d7e';

  it("links become the document's links, as awsxrayexporter writes them: X-Ray trace id, span id, attributes", () => {
    const d = doc(
      span({
        kind: 'consumer',
        parentSpanId: '1111111111111111',
        links: [
          {
            traceId: LINKED,
            spanId: 'ABCDEF0123456789',
            attributes: { 'messaging.operation': 'publish', n: 2 },
          },
          { traceId: 'e1be46a994272793', spanId: '2222222222222222', attributes: {} },
        ],
      }),
    );
    expect(d['links']).toEqual([
      {
        trace_id: '1-6a1f00c2-d1b4e5f60718293a4b5c6d7e',
        id: 'abcdef0123456789',
        attributes: { 'messaging.operation': 'publish', n: 2 },
      },
      // Zipkin-length (64-bit) ids are padded as the span's own trace id is.
      { trace_id: '1-00000000-00000000e1be46a994272793', id: '2222222222222222' },
    ]);
    expect(otelOf(d)['links.dropped']).toBeUndefined();
    // Subsegments carry them too (the exporter writes them on every document).
    const sub = doc(
      span({
        kind: 'internal',
        parentSpanId: '1111111111111111',
        links: [{ traceId: LINKED, spanId: '3333333333333333', attributes: {} }],
      }),
    );
    expect(sub).toMatchObject({
      type: 'subsegment',
      links: [{ trace_id: '1-6a1f00c2-d1b4e5f60718293a4b5c6d7e' }],
    });
    expect(doc(span({}))['links']).toBeUndefined();
  });

  it('a link with a bad id is dropped and counted; the span is kept', () => {
    const d = doc(
      span({
        links: [
          { traceId: '0'.repeat(32), spanId: '3333333333333333', attributes: {} },
          { traceId: LINKED, spanId: 'not-hex', attributes: {} },
          { traceId: LINKED, spanId: '0000000000000000', attributes: {} },
          { traceId: LINKED, spanId: '4444444444444444', attributes: {} },
        ],
      }),
    );
    expect(d['links']).toEqual([{ trace_id: '1-6a1f00c2-d1b4e5f60718293a4b5c6d7e', id: '4444444444444444' }]);
    expect(otelOf(d)['links.dropped']).toBe(3);
  });

  it('events other than exceptions are metadata.otel.events with name, time and attributes; exceptions stay the cause', () => {
    const d = doc(
      span({
        events: [
          { name: 'retry', timeUs: 1_764_160_000_010_000, attributes: { attempt: 2, reason: 'timeout' } },
          {
            name: 'exception',
            timeUs: 1_764_160_000_020_000,
            attributes: { 'exception.type': 'Error', 'exception.message': 'boom' },
          },
          { name: 'cache miss', timeUs: 1_764_160_000_030_000, attributes: {} },
          { name: 'no time', timeUs: Number.NaN, attributes: {} },
        ],
      }),
    );
    expect(otelOf(d).events).toEqual([
      { name: 'retry', time: 1_764_160_000.01, attributes: { attempt: 2, reason: 'timeout' } },
      { name: 'cache miss', time: 1_764_160_000.03 },
      { name: 'no time' },
    ]);
    expect(d['cause']).toMatchObject({ exceptions: [{ type: 'Error', message: 'boom' }] });
    expect(otelOf(d)['events.dropped']).toBeUndefined();
    expect(otelOf(doc(span({})))['events']).toBeUndefined();
  });

  it('Zipkin annotations are events too', () => {
    const [z] = zipkinSpans([
      {
        traceId: TRACE,
        id: '53995c3f42cd8ad8',
        kind: 'SERVER',
        timestamp: 1_764_160_000_000_000,
        duration: 1_000,
        localEndpoint: { serviceName: 'orders-api' },
        annotations: [{ timestamp: 1_764_160_000_000_500, value: 'cache.refreshed' }],
      },
    ]);
    expect(otelOf(doc(z!)).events).toEqual([{ name: 'cache.refreshed', time: 1_764_160_000.0005 }]);
  });

  it(`keeps at most ${MAX_EVENTS} events and counts the rest`, () => {
    const events = Array.from({ length: 5000 }, (_, i) => ({
      name: `tick ${i}`,
      timeUs: 1_764_160_000_000_000 + i,
      attributes: { i },
    }));
    const otel = otelOf(doc(span({ events })));
    expect(otel.events).toHaveLength(MAX_EVENTS);
    expect(otel.events![0]!.name).toBe('tick 0');
    expect(otel['events.dropped']).toBe(5000 - MAX_EVENTS);
  });

  it('keeps events up to a byte budget, long strings cut, so a span of huge log lines is still a valid document', () => {
    // Three bytes a character in UTF-8: the budget is in bytes, not characters.
    const line = '日志'.repeat(5000);
    const events = Array.from({ length: 1000 }, (_, i) => ({
      name: 'log',
      timeUs: 1_764_160_000_000_000 + i,
      attributes: { message: line, level: 'info' },
    }));
    const links = Array.from({ length: 1000 }, (_, i) => ({
      traceId: LINKED,
      spanId: (i + 1).toString(16).padStart(16, '0'),
      attributes: { note: 'ü'.repeat(300) },
    }));
    const d = doc(span({ events, links, attributes: { tenant: 'acme', tags: ['a', 'b'] } }));
    const otel = otelOf(d);
    expect((otel.events![0]!.attributes!['message'] as string).length).toBe(MAX_EVENT_STRING_LENGTH);
    expect(otel.events![0]!.attributes!['level']).toBe('info');
    expect(bytes(otel.events)).toBeLessThanOrEqual(MAX_EVENTS_JSON);
    expect(otel.events!.length + otel['events.dropped']!).toBe(1000);
    expect(otel.events!.length).toBeGreaterThan(5);
    const kept = d['links'] as unknown[];
    expect(kept.length).toBeLessThanOrEqual(MAX_LINKS);
    expect(bytes(kept)).toBeLessThanOrEqual(MAX_LINKS_JSON);
    expect(kept.length + otel['links.dropped']!).toBe(1000);
    expect(bytes(d)).toBeLessThan(MAX_DOCUMENT_BYTES);
  });
});

/** An OTLP/JSON export request holding one span. */
const oneSpan = (span: Record<string, unknown>) => ({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });

describe('otlpSpans', () => {
  it('reads OTLP/JSON: hex or base64 ids, nanosecond strings, typed values, resource and scope', () => {
    const spans = otlpSpans({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [
            {
              scope: { name: 'my-lib' },
              spans: [
                {
                  traceId: TRACE,
                  spanId: Buffer.from('53995c3f42cd8ad8', 'hex').toString('base64'),
                  name: 'work',
                  kind: 2,
                  startTimeUnixNano: '1764160000123456789',
                  endTimeUnixNano: 1764160000223456000, // a JSON number, as some exporters send
                  attributes: [
                    { key: 'n', value: { intValue: '42' } },
                    { key: 'big', value: { intValue: '9007199254740993' } },
                    { key: 'f', value: { doubleValue: 1.5 } },
                    { key: 'b', value: { boolValue: true } },
                    {
                      key: 'list',
                      value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }] } },
                    },
                    {
                      key: 'map',
                      value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
                    },
                  ],
                  status: { code: 2, message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      traceId: TRACE,
      spanId: '53995c3f42cd8ad8',
      kind: 'server',
      startUs: 1_764_160_000_123_456,
      resource: { 'service.name': 'checkout' },
      scope: 'my-lib',
      status: 'error',
      statusMessage: 'boom',
      attributes: { n: 42, big: '9007199254740993', f: 1.5, b: true, list: ['x', 1], map: { k: 'v' } },
    });
    expect(spans[0]!.endUs - spans[0]!.startUs).toBe(100_000);
  });

  it("keeps what the SDK dropped at its own limits (added to Fluoro's own caps) and the span's trace state", () => {
    const [s] = otlpSpans(
      oneSpan({
        traceId: TRACE,
        spanId: '53995c3f42cd8ad8',
        traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
        startTimeUnixNano: '1764160000000000000',
        endTimeUnixNano: '1764160000100000000',
        droppedAttributesCount: 3,
        droppedEventsCount: 2,
        droppedLinksCount: 1,
      }),
    );
    const otel = (doc(s!)['metadata'] as { otel: Record<string, unknown> }).otel;
    expect(otel['attributes.dropped']).toBe(3);
    expect(otel['events.dropped']).toBe(2);
    expect(otel['links.dropped']).toBe(1);
    expect(otel['trace_state']).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    // With nothing dropped and no trace state, none of these keys.
    const plain = (doc(span({}))['metadata'] as { otel: Record<string, unknown> }).otel;
    for (const key of ['attributes.dropped', 'events.dropped', 'links.dropped', 'trace_state'])
      expect(plain[key]).toBeUndefined();
  });

  it("reads links (hex or base64 ids, attributes) and events; a link's trace state is not kept, as awsxrayexporter does not keep it", () => {
    const [s] = otlpSpans(
      oneSpan({
        traceId: TRACE,
        spanId: '53995c3f42cd8ad8',
        startTimeUnixNano: '1764160000000000000',
        endTimeUnixNano: '1764160000100000000',
        events: [
          {
            name: 'retry',
            timeUnixNano: '1764160000050000000',
            attributes: [{ key: 'attempt', value: { intValue: '2' } }],
          },
        ],
        links: [
          {
            traceId: Buffer.from('6a1f00c2d1b4e5f60718293a4b5c6d7e', 'hex').toString('base64'),
            spanId: 'ABCDEF0123456789',
            traceState: 'vendor=1',
            attributes: [{ key: 'messaging.operation', value: { stringValue: 'publish' } }],
          },
        ],
      }),
    );
    expect(s!.links).toEqual([
      {
        traceId: '6a1f00c2d1b4e5f60718293a4b5c6d7e',
        spanId: 'abcdef0123456789',
        attributes: { 'messaging.operation': 'publish' },
      },
    ]);
    const d = doc(s!);
    expect(d['links']).toEqual([
      {
        trace_id: '1-6a1f00c2-d1b4e5f60718293a4b5c6d7e',
        id: 'abcdef0123456789',
        attributes: { 'messaging.operation': 'publish' },
      },
    ]);
    expect(otelOf(d).events).toEqual([{ name: 'retry', time: 1_764_160_000.05, attributes: { attempt: 2 } }]);
  });

  it('rejects what is not an export request', () => {
    expect(() => otlpSpans([])).toThrow(/JSON object/);
    expect(() => otlpSpans({ resourceSpans: {} })).toThrow(/resourceSpans must be a list/);
    expect(otlpSpans({})).toEqual([]);
  });
});

describe('zipkinSpans', () => {
  it('reads Zipkin v2: microseconds, string tags, endpoints, the error tag', () => {
    const [server, client] = zipkinSpans([
      {
        traceId: TRACE,
        id: '53995c3f42cd8ad8',
        name: 'get /orders',
        kind: 'SERVER',
        timestamp: 1_764_160_000_000_000,
        duration: 2_500,
        localEndpoint: { serviceName: 'orders-api' },
        remoteEndpoint: { ipv4: '10.0.0.9', port: 51000 },
        tags: { 'http.method': 'GET', 'http.path': '/orders', 'http.status_code': '500', error: 'db down' },
      },
      {
        traceId: 'e1be46a994272793',
        id: '1111111111111111',
        parentId: '53995c3f42cd8ad8',
        kind: 'CLIENT',
        timestamp: 1_764_160_000_000_100,
        duration: 1_000,
        localEndpoint: { serviceName: 'orders-api' },
        remoteEndpoint: { serviceName: 'inventory' },
      },
    ]);
    const d = doc(server!);
    expect(d).toMatchObject({
      name: 'orders-api',
      end_time: 1_764_160_000.0025,
      http: { request: { method: 'GET', url: '/orders', client_ip: '10.0.0.9' }, response: { status: 500 } },
      fault: true,
      metadata: { otel: { 'status.message': 'db down' } },
    });
    const c = doc(client!);
    expect(c).toMatchObject({
      type: 'subsegment',
      namespace: 'remote',
      name: 'inventory',
      trace_id: '1-00000000-00000000e1be46a994272793',
      parent_id: '53995c3f42cd8ad8',
    });
  });

  it('rejects a body that is not a list', () => {
    expect(() => zipkinSpans({ spans: [] })).toThrow(/JSON list/);
  });
});
