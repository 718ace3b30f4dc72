import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** The shortest auth token accepted: anything shorter is guessable. */
export const MIN_AUTH_TOKEN_LENGTH = 16;

/**
 * The auth tokens from `--auth-token-file PATH` (preferred: a file never shows in `ps`) or the
 * `FLUORO_AUTH_TOKEN` variable; undefined when neither is given. A file holds one token per line
 * (two while one replaces the other; blank lines and `#` comments are skipped), the variable one
 * token. Throws a UsageError for an unreadable file, no token, or a token that is shorter than
 * 16 characters or holds whitespace; the message never contains a token.
 */
export function readAuthTokens(file: string | undefined, env: NodeJS.ProcessEnv): string[] | undefined {
  if (file === undefined) {
    const token = env['FLUORO_AUTH_TOKEN'];
    if (token === undefined) return undefined;
    checkToken(token, 'FLUORO_AUTH_TOKEN');
    return [token];
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
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const token = line.trim();
    if (token === '' || token.startsWith('#')) return;
    checkToken(token, `${source} line ${i + 1}`);
    tokens.push(token);
  });
  if (tokens.length === 0) throw new UsageError(`${source}: the auth token is empty`);
  return tokens;
}

/**
 * The token a client sends: the first one `readAuthTokens` finds (during a rotation, put the new
 * token first once every server accepts it).
 */
export function readAuthToken(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return readAuthTokens(file, env)?.[0];
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
