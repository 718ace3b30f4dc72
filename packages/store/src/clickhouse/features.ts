/** What the connected ClickHouse supports, beyond the 18.16 baseline every query is written for. */
export interface ServerFeatures {
  version: string;
  /** Table TTL (`ALTER TABLE ... MODIFY TTL`), from 19.6. Without it, retention drops partitions. */
  tableTtl: boolean;
}

/** Features from `SELECT version()`, e.g. '18.16.1' or '24.8.4.13'. */
export function featuresOf(version: string): ServerFeatures {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return { version, tableTtl: major > 19 || (major === 19 && minor >= 6) };
}
