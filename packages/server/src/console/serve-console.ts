import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the console (packages/console/dist). This file sits at the same
 * depth in src/ and dist/, so one relative path serves both.
 */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The console's Content-Security-Policy: only this origin's scripts, styles, images and API; no
 * inline script, no eval, no plugins, no framing. Segment names and annotations come from
 * whoever sends segments, so a name that is HTML must never run.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built assets `name-<hash>.ext` under /assets/: their content never changes. */
const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Serves the built console: files under `dir` with their content type, hashed assets cached for
 * a year, and index.html (never cached) for any other GET path without an extension, so deep
 * links like /trace/:id load the app. Answers GET and HEAD only; a path with an extension that
 * is not a file is a 404. When the console was not built, says so instead of a blank page.
 */
export function createConsoleHandler(dir: string = DEFAULT_CONSOLE_DIR) {
  const root = resolve(dir);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fluoro');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return plain(res, 400, 'bad path encoding');
    }
    const file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return plain(res, 404, 'not found');
    const found = await isFile(file);
    if (found) return sendFile(req, res, file, HASHED.test(path));
    if (extname(path) !== '') return plain(res, 404, 'not found');
    const index = join(root, 'index.html');
    if (!(await isFile(index)))
      return plain(res, 404, 'The console is not built: run `npm run build` (it builds packages/console).');
    return sendFile(req, res, index, false);
  };
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, immutable: boolean) {
  const s = await stat(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': s.size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolvePromise, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    res.on('close', () => resolvePromise());
    stream.pipe(res);
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}
