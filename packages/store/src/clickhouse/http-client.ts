import { ClickHouseError, fromClickHouseResponse, StoreUnavailableError } from './errors.js';

/** Largest insert body sent in one request (characters of JSONEachRow, roughly bytes). */
export const MAX_INSERT_BYTES = 16 * 1024 * 1024;

export interface RequestOptions {
  /** Abort and reject with StoreUnavailableError after this long. */
  timeoutMs: number;
  /** ClickHouse settings sent with the request (URL parameters). */
  settings?: Record<string, string | number>;
}

/**
 * ClickHouse's HTTP interface over `fetch`: SQL in the body (or, for inserts, the URL) and
 * rows as JSONEachRow. Works with 18.16 and current releases alike because it sends nothing
 * but the query, the database and the settings a caller asks for. Network failures and
 * timeouts reject with StoreUnavailableError; errors ClickHouse reports, with ClickHouseError.
 */
export class ClickHouseHttp {
  private readonly base: URL;
  private readonly authorization: string | undefined;

  /** `url` is the HTTP interface (http://host:8123); credentials in it become basic auth. */
  constructor(
    private readonly url: string,
    private readonly database?: string,
  ) {
    const u = new URL(url);
    this.authorization =
      u.username || u.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
        : undefined;
    u.username = '';
    u.password = '';
    this.base = u;
  }

  /** The same server, with unqualified table names resolved in `database`. */
  withDatabase(database: string): ClickHouseHttp {
    return new ClickHouseHttp(this.url, database);
  }

  /** Runs a statement and returns ClickHouse's answer as text. */
  async exec(sql: string, options: RequestOptions): Promise<string> {
    return this.request({ body: sql }, options);
  }

  /** Runs a SELECT and returns its rows (the query must not end in FORMAT). */
  async rows<T = Record<string, unknown>>(sql: string, options: RequestOptions): Promise<T[]> {
    const text = await this.request({ body: `${sql}\nFORMAT JSONEachRow` }, options);
    const out: T[] = [];
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
    return out;
  }

  /** Inserts rows (objects keyed by column) into `table`, in requests of at most MAX_INSERT_BYTES. */
  async insert(
    table: string,
    columns: readonly string[],
    rows: object[],
    options: RequestOptions,
  ): Promise<void> {
    const query = `INSERT INTO ${table} (${columns.join(', ')}) FORMAT JSONEachRow`;
    // Bodies of at most about MAX_INSERT_BYTES: one huge string per batch could reach V8's
    // string limit. Rows are idempotent (ReplacingMergeTree), so a split insert is safe to retry.
    let lines: string[] = [];
    let size = 0;
    for (const r of rows) {
      const line = JSON.stringify(r);
      lines.push(line);
      size += line.length + 1;
      if (size >= MAX_INSERT_BYTES) {
        await this.request({ query, body: withoutLoneSurrogates(lines.join('\n')) }, options);
        lines = [];
        size = 0;
      }
    }
    // Checked once per body, not per row: one scan of the joined text costs next to nothing.
    if (lines.length > 0)
      await this.request({ query, body: withoutLoneSurrogates(lines.join('\n')) }, options);
  }

  private async request(req: { query?: string; body: string }, options: RequestOptions): Promise<string> {
    const url = new URL(this.base);
    if (this.database) url.searchParams.set('database', this.database);
    if (req.query) url.searchParams.set('query', req.query);
    for (const [k, v] of Object.entries(options.settings ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (this.authorization) headers['authorization'] = this.authorization;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: req.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      throw unavailable(this.base.origin, e, options.timeoutMs);
    }
    if (!response.ok) throw fromClickHouseResponse(response.status, text);
    // ClickHouse reports an error found while streaming an answer inside a 200 body.
    if (/^Code: \d+, e\.displayText\(\)/m.test(text)) throw fromClickHouseResponse(500, text);
    return text;
  }
}

function unavailable(origin: string, e: unknown, timeoutMs: number): Error {
  if (e instanceof ClickHouseError) return e;
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new StoreUnavailableError(`ClickHouse at ${origin} did not answer within ${timeoutMs} ms`);
  }
  const why = err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
  return new StoreUnavailableError(`ClickHouse at ${origin} is unreachable: ${why}`);
}

/**
 * ClickHouse refuses an insert whose JSON holds a lone UTF-16 surrogate ("missing second part of
 * surrogate pair"), and a span's strings may hold one (JavaScript strings need not be valid
 * UTF-16). `JSON.stringify` writes a lone surrogate as a `\udxxx` escape and a valid pair as the
 * character itself, so each such escape (an odd run of backslashes before it: an even run is
 * escaped backslashes) becomes U+FFFD, as a UTF-8 decoder would make it.
 */
export function withoutLoneSurrogates(json: string): string {
  if (!json.includes('\\ud')) return json;
  return json.replace(/(\\+)(ud[89a-f][0-9a-f]{2})/g, (match, slashes: string) =>
    slashes.length % 2 === 1 ? `${slashes}ufffd` : match,
  );
}
