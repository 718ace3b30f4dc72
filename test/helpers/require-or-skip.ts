import { connect } from 'node:net';
import { describe } from 'vitest';

/**
 * Whether a suite that needs something from the machine (ClickHouse, Chromium, the Python SDK)
 * may run. Missing: the suite is skipped with the reason printed, unless
 * FLUORO_TEST_REQUIRE_ALL=1 (CI), where a missing dependency throws and fails the run.
 */
export function requireOrSkip(available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env['FLUORO_TEST_REQUIRE_ALL'] === '1') {
    throw new Error(`${what} is required (FLUORO_TEST_REQUIRE_ALL=1) but not installed`);
  }
  console.warn(`skipping: ${what} is not installed`);
  return false;
}

/** Whether something accepts TCP connections on `host:port` (within 3 s). */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `describe` for a suite that needs a service on `host:port` (MariaDB, Redis, RabbitMQ), or
 * `describe.skip` when nothing answers there, except under FLUORO_TEST_REQUIRE_ALL=1 (CI),
 * where that fails the run.
 */
export async function describeIfListening(
  what: string,
  host: string,
  port: number,
): Promise<typeof describe | typeof describe.skip> {
  const up = await listening(host, port);
  return requireOrSkip(up, `${what} (nothing answers on ${host}:${port})`) ? describe : describe.skip;
}
