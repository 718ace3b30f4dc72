/**
 * Structured fuzzing for the e2e suites (fuzz-ingest, fuzz-api): a seedable random source and
 * a mutation that swaps a random part of a JSON value for a hostile one (huge, negative and
 * fractional numbers, wrong types, long and odd strings, missing and extra keys).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: small, seedable, good enough to pick mutations. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: Json[] = [
  0,
  -1,
  1.5,
  -0.000001,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  1e21,
  1e308,
  -1e308,
  5e-324,
  '',
  ' ',
  '0',
  '-1',
  '1e400',
  'x'.repeat(3000),
  '\u0000\u0001\u001f',
  'é😀\u2028\u2029\ud800',
  '<script>alert(1)</script>',
  "'; DROP TABLE spans; --",
  '%s%n%x',
  'null',
  true,
  false,
  null,
  [],
  {},
  [1, 'two', null, { three: [3] }],
  { nested: { deeper: { deepest: [[[[1]]]] } } },
];

/** Fields the model reads, so mutations reach typed columns and not only ignored keys. */
const KNOWN_KEYS = [
  'http',
  'request',
  'response',
  'status',
  'content_length',
  'method',
  'url',
  'user_agent',
  'client_ip',
  'x_forwarded_for',
  'annotations',
  'metadata',
  'aws',
  'sql',
  'cause',
  'exceptions',
  'working_directory',
  'error',
  'fault',
  'throttle',
  'user',
  'origin',
  'namespace',
  'precursor_ids',
  'in_progress',
  'service',
  'version',
  'traced',
  'name',
  'start_time',
  'end_time',
  // OTLP/JSON
  'attributes',
  'value',
  'stringValue',
  'intValue',
  'doubleValue',
  'boolValue',
  'arrayValue',
  'kvlistValue',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'kind',
  'code',
  'events',
  'links',
  'parentSpanId',
  'spanId',
  // Zipkin v2
  'timestamp',
  'duration',
  'localEndpoint',
  'remoteEndpoint',
  'serviceName',
  'tags',
  'parentId',
];

function hostile(rand: () => number): Json {
  const v = HOSTILE[Math.floor(rand() * HOSTILE.length)]!;
  return typeof v === 'object' && v !== null ? structuredClone(v) : v;
}

/** Every object and array in `doc`, with its path. */
export function containers(
  doc: Json,
  out: (Record<string, Json> | Json[])[] = [],
): (Record<string, Json> | Json[])[] {
  if (Array.isArray(doc)) {
    out.push(doc);
    for (const v of doc) containers(v, out);
  } else if (doc !== null && typeof doc === 'object') {
    out.push(doc);
    for (const v of Object.values(doc)) containers(v, out);
  }
  return out;
}

export function mutate(doc: Record<string, Json>, rand: () => number): void {
  const all = containers(doc);
  const target = all[Math.floor(rand() * all.length)]!;
  const choice = rand();
  if (Array.isArray(target)) {
    if (target.length > 0 && choice < 0.5) target[Math.floor(rand() * target.length)] = hostile(rand);
    else if (choice < 0.75) target.push(hostile(rand));
    else target.push(structuredClone(target[0] ?? null));
    return;
  }
  const keys = Object.keys(target);
  if (choice < 0.55 && keys.length > 0) target[keys[Math.floor(rand() * keys.length)]!] = hostile(rand);
  else if (choice < 0.7 && keys.length > 0) delete target[keys[Math.floor(rand() * keys.length)]!];
  else if (choice < 0.9) target[KNOWN_KEYS[Math.floor(rand() * KNOWN_KEYS.length)]!] = hostile(rand);
  else target[`k${Math.floor(rand() * 1000)}`] = hostile(rand);
}
