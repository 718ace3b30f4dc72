import { parseArgs } from 'node:util';
import type { TraceSummary } from '@fluoro/model';
import { readAuthToken } from './auth-token.js';
import { formatTimeline } from './format-timeline.js';
import { formatTraceList } from './format-traces.js';
import { UsageError } from './usage-error.js';

const DEFAULT_URL = 'http://127.0.0.1:2000';

/** Where a query command reads from, and the token it sends (`Authorization: Bearer`). */
interface Target {
  url: string;
  token: string | undefined;
}

function toTarget(
  values: { url?: string | undefined; 'auth-token-file'?: string | undefined },
  env: NodeJS.ProcessEnv,
): Target {
  return {
    url: values.url ?? env['FLUORO_URL'] ?? DEFAULT_URL,
    token: readAuthToken(values['auth-token-file'], env),
  };
}

const TARGET_OPTIONS = {
  url: { type: 'string' },
  'auth-token-file': { type: 'string' },
} as const;

/** Calls one of Fluoro's X-Ray operations; an error answer becomes an Error with the server's message. */
async function call<T>({ url, token }: Target, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  } catch (e) {
    throw new Error(
      `cannot reach Fluoro at ${url} (${(e as Error).cause ?? (e as Error).message}); is \`fluoro up\` running?`,
    );
  }
  if (res.status === 401) {
    throw new Error(
      `Fluoro at ${url} requires an auth token: set FLUORO_AUTH_TOKEN (or FLUORO_READ_ONLY_TOKEN) or pass --auth-token-file PATH`,
    );
  }
  if (res.status === 403) {
    throw new Error(
      `Fluoro at ${url} refused the auth token: send the one \`fluoro up\` was started with (FLUORO_AUTH_TOKEN or --auth-token-file PATH)`,
    );
  }
  const json = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(json.message ?? `${path} answered ${res.status}`);
  return json;
}

/** `--since 15m|2h|1d` → milliseconds. */
export function toDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text);
  if (!m) throw new UsageError(`--since must look like 30s, 15m, 2h or 1d, not "${text}"`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** `fluoro traces [--since 1h] [--filter EXPR] [--limit N] [--url URL] [--auth-token-file PATH]`: recent traces, newest first. */
export async function traces(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      since: { type: 'string' },
      filter: { type: 'string' },
      limit: { type: 'string' },
      ...TARGET_OPTIONS,
    },
  });
  const target = toTarget(values, env);
  const limit = Number(values.limit ?? 20);
  const end = Date.now() / 1000;
  const start = end - toDurationMs(values.since ?? '1h') / 1000;
  const found: TraceSummary[] = [];
  let scanned = 0;
  let token: string | undefined;
  do {
    const page = await call<{
      TraceSummaries: TraceSummary[];
      TracesProcessedCount: number;
      NextToken?: string;
    }>(target, '/TraceSummaries', {
      StartTime: start,
      EndTime: end + 1,
      ...(values.filter ? { FilterExpression: values.filter } : {}),
      ...(token ? { NextToken: token } : {}),
    });
    scanned = Math.max(scanned, page.TracesProcessedCount);
    found.push(...page.TraceSummaries);
    token = page.NextToken;
  } while (token && found.length < limit);
  console.log(formatTraceList(found.slice(0, limit), found.length, scanned));
}

/** `fluoro trace ID [--json] [--url URL] [--auth-token-file PATH]`: one trace as a timeline, or its documents as JSON. */
export async function trace(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, ...TARGET_OPTIONS },
  });
  const id = positionals[0];
  if (!id) throw new UsageError('usage: fluoro trace TRACE_ID [--json]');
  const r = await call<{ Traces: { Id: string; Segments: { Document: string }[] }[] }>(
    toTarget(values, env),
    '/Traces',
    {
      TraceIds: [id],
    },
  );
  const t = r.Traces[0];
  if (!t) throw new Error(`no trace ${id}`);
  if (values.json)
    console.log(
      JSON.stringify(
        t.Segments.map((s) => JSON.parse(s.Document)),
        null,
        2,
      ),
    );
  else
    console.log(
      formatTimeline(
        t.Id,
        t.Segments.map((s) => s.Document),
      ),
    );
}
