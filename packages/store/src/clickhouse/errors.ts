/**
 * The store could not reach ClickHouse, or ClickHouse could not do the work in time (down,
 * refusing connections, timed out, a shard or ZooKeeper unreachable). Transient: the caller
 * retries writes later and answers queries with ServiceUnavailable.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** ClickHouse answered with an error (bad SQL, unknown table...). `code` is ClickHouse's error code. */
export class ClickHouseError extends Error {
  override readonly name = 'ClickHouseError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * ClickHouse error codes that mean "unavailable right now" rather than "wrong request":
 * timeouts, network errors between servers, a replica in read-only mode or ZooKeeper away.
 */
const UNAVAILABLE_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  164, // READONLY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  319, // UNKNOWN_STATUS_OF_INSERT
  999, // KEEPER_EXCEPTION
]);

/** The error for a non-2xx ClickHouse answer whose body is `text`. */
export function fromClickHouseResponse(status: number, text: string): Error {
  const match = /Code: (\d+)/.exec(text);
  const code = match ? Number(match[1]) : 0;
  const message = text.replace(/, e\.what\(\) = .*$/s, '').trim();
  if (UNAVAILABLE_CODES.has(code) || status === 502 || status === 503 || status === 504) {
    return new StoreUnavailableError(`ClickHouse is unavailable: ${message}`);
  }
  return new ClickHouseError(`ClickHouse: ${message}`, code);
}
