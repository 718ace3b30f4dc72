import { readFileSync } from 'node:fs';
import type { AuthToken } from '@fluoro/server';
import { UsageError } from './usage-error.js';

/** The shortest auth token accepted: anything shorter is guessable. */
export const MIN_AUTH_TOKEN_LENGTH = 16;

/** The word before a token, on a line of the token file, that makes it read-only. */
export const READ_ONLY = 'read-only';

/**
 * The auth tokens from `--auth-token-file PATH` (preferred: a file never shows in `ps`) or the
 * variables `FLUORO_AUTH_TOKEN` (one full-access token) and `FLUORO_READ_ONLY_TOKEN` (one
 * read-only token), which are not read when a file is given; undefined when none is given. A file
 * holds one token per line: `TOKEN` for full access, `read-only TOKEN` for a token that may only
 * read (two full ones while one replaces the other; blank lines and `#` comments are skipped).
 * Throws a UsageError for an unreadable file, no token, a line of another shape, one token given
 * both full and read-only, or a token that is shorter than 16 characters or holds whitespace; the
 * message never contains a token.
 */
export function readAuthTokens(file: string | undefined, env: NodeJS.ProcessEnv): AuthToken[] | undefined {
  if (file === undefined) {
    const tokens: AuthToken[] = [];
    for (const [name, role] of [
      ['FLUORO_AUTH_TOKEN', 'full'],
      ['FLUORO_READ_ONLY_TOKEN', 'read-only'],
    ] as const) {
      const token = env[name];
      if (token === undefined) continue;
      checkToken(token, name);
      tokens.push({ token, role });
    }
    if (tokens.length === 0) return undefined;
    if (tokens.length === 2 && tokens[0]?.token === tokens[1]?.token)
      throw new UsageError('FLUORO_READ_ONLY_TOKEN: the same token as FLUORO_AUTH_TOKEN; make another');
    return tokens;
  }
  const source = `--auth-token-file ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${source}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const tokens: AuthToken[] = [];
  const seen = new Map<string, { line: number; role: AuthToken['role'] }>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${i + 1}`;
    // Tokens hold no whitespace, so a line with a space is "read-only TOKEN" or a mistake.
    const words = line.split(/\s+/);
    let entry: AuthToken;
    if (words.length === 2 && words[0] === READ_ONLY) entry = { token: words[1] ?? '', role: 'read-only' };
    else if (words.length === 1 && line !== READ_ONLY) entry = { token: line, role: 'full' };
    else
      throw new UsageError(
        `${where}: a line is a token (full access) or "${READ_ONLY}" and a token, separated by a space`,
      );
    checkToken(entry.token, where);
    const earlier = seen.get(entry.token);
    if (earlier && earlier.role !== entry.role)
      throw new UsageError(`${where}: the same token as line ${earlier.line}, with another role`);
    seen.set(entry.token, { line: i + 1, role: entry.role });
    tokens.push(entry);
  });
  if (tokens.length === 0) throw new UsageError(`${source}: the auth token is empty`);
  return tokens;
}

/**
 * The token a client sends: the first one `readAuthTokens` finds, without its `read-only` word
 * (during a rotation, put the new token first once every server accepts it).
 */
export function readAuthToken(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return readAuthTokens(file, env)?.[0]?.token;
}

/** "2 tokens accepted: 1 full access, 1 read-only": how many of each kind, never a token. */
export function describeTokens(tokens: readonly AuthToken[]): string {
  const readOnly = tokens.filter((t) => t.role === 'read-only').length;
  return `${tokens.length} token${tokens.length === 1 ? '' : 's'} accepted: ${tokens.length - readOnly} full access, ${readOnly} read-only`;
}

function checkToken(token: string, source: string): void {
  if (token === '') throw new UsageError(`${source}: the auth token is empty`);
  if (token.length < MIN_AUTH_TOKEN_LENGTH) {
    throw new UsageError(
      `${source}: the auth token must be at least ${MIN_AUTH_TOKEN_LENGTH} characters, not ${token.length} (e.g. openssl rand -hex 32)`,
    );
  }
  if (/\s/.test(token))
    throw new UsageError(`${source}: the auth token must not contain spaces or line breaks`);
}
