import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** The shortest auth token accepted: anything shorter is guessable. */
export const MIN_AUTH_TOKEN_LENGTH = 16;

/**
 * The auth token from `--auth-token-file PATH` (preferred: a file never shows in `ps`) or the
 * `FLUORO_AUTH_TOKEN` variable; undefined when neither is given. The file's trailing newline is
 * dropped. Throws a UsageError for an unreadable file or a token that is empty, shorter than
 * 16 characters or holds whitespace; the message never contains the token.
 */
export function readAuthToken(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  let token: string | undefined;
  let source: string;
  if (file !== undefined) {
    source = `--auth-token-file ${file}`;
    try {
      token = readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (e) {
      throw new UsageError(
        `${source}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  } else {
    token = env['FLUORO_AUTH_TOKEN'];
    source = 'FLUORO_AUTH_TOKEN';
    if (token === undefined) return undefined;
  }
  if (token === '') throw new UsageError(`${source}: the auth token is empty`);
  if (token.length < MIN_AUTH_TOKEN_LENGTH) {
    throw new UsageError(
      `${source}: the auth token must be at least ${MIN_AUTH_TOKEN_LENGTH} characters, not ${token.length} (e.g. openssl rand -hex 32)`,
    );
  }
  if (/\s/.test(token))
    throw new UsageError(`${source}: the auth token must not contain spaces or line breaks`);
  return token;
}
