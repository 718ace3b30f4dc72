/**
 * ClickHouse tables, named and shaped like DuckDB's `documents`, `spans` and `annotations` so
 * one filter compiler targets both, plus `trace_hours` (trace id → the hours its spans start
 * in). Why this shape: docs/adr/0003-clickhouse-schema.md. In short:
 * - partitions are days of the span's start (`start_time`, derived from `start_us`), so
 *   retention drops whole partitions and a time-range query reads only its days;
 * - the sort key is (hour of start, trace id, ...): a time-range query reads only its hours,
 *   and a trace whose hours `trace_hours` gives is one index seek per hour;
 * - every engine is a ReplacingMergeTree whose sort key ends in the columns that identify a
 *   row (trace, document, span[, key]) with `received_us` as version, so retried batches and
 *   in-progress → complete replacements collapse on merge; reads pick the newest version
 *   themselves and never depend on merges having happened.
 * In cluster mode each table is a replicated `<name>_local` on every server plus a
 * `Distributed` `<name>` sharded by `cityHash64(trace_id)`, so a trace's rows share a shard.
 */

/** Where the schema lives: a database, and optionally the cluster it spans. */
export interface SchemaTarget {
  database: string;
  /** A cluster named in the servers' `remote_servers`; absent for a single server. */
  cluster?: string;
}

interface TableSpec {
  name: string;
  columns: string[];
  /** The version column of the ReplacingMergeTree, or '' for none (last inserted wins). */
  version: string;
  partitionBy: string;
  orderBy: string;
  /** The DateTime column retention looks at. */
  timeColumn: string;
  /**
   * Rows per primary-key mark. A lookup by id decompresses at least one granule of each column
   * it reads, so tables read by id use smaller granules than the default 8192: 256 documents
   * (~1 KB each) rather than megabytes of JSON per lookup.
   */
  granularity: number;
}

// DEFAULT, not MATERIALIZED: a Distributed table (18.16) computes materialized columns and
// then fails to forward them to the shards. Fluoro never inserts it, so it is always derived.
const START_TIME = "start_time DateTime('UTC') DEFAULT toDateTime(intDiv(start_us, 1000000))";

/** The `spans` columns and their ClickHouse types, in DuckDB's order (SPAN_COLUMNS). */
export const SPAN_COLUMN_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['trace_id', 'String'],
  ['trace_epoch_s', 'Int64'],
  ['id', 'String'],
  ['parent_id', 'Nullable(String)'],
  ['doc_id', 'String'],
  ['kind', 'String'],
  ['name', 'String'],
  ['namespace', 'String'],
  ['origin', 'String'],
  ['start_us', 'Int64'],
  ['end_us', 'Nullable(Int64)'],
  ['in_progress', 'UInt8'],
  ['error', 'UInt8'],
  ['fault', 'UInt8'],
  ['throttle', 'UInt8'],
  ['http_method', 'Nullable(String)'],
  ['http_url', 'Nullable(String)'],
  ['http_status', 'Nullable(Int32)'],
  ['http_user_agent', 'Nullable(String)'],
  ['http_client_ip', 'Nullable(String)'],
  ['user_name', 'Nullable(String)'],
  ['resource_arn', 'Nullable(String)'],
  ['instance_id', 'Nullable(String)'],
  ['availability_zone', 'Nullable(String)'],
  ['account_id', 'Nullable(String)'],
  ['exception_messages', 'Array(String)'],
  ['received_us', 'Int64'],
];

/** `spans` columns added after DuckDB's list (by later migrations), in order. */
export const SPAN_EXTRA_COLUMN_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['remote_type', 'Nullable(String)'],
];

export const DOCUMENT_COLUMNS = [
  'trace_id',
  'trace_epoch_s',
  'id',
  'in_progress',
  'received_us',
  'document',
  'start_us',
] as const;

export const ANNOTATION_COLUMNS = [
  'trace_id',
  'trace_epoch_s',
  'span_id',
  'doc_id',
  'key',
  'str_value',
  'num_value',
  'bool_value',
  'start_us',
  'received_us',
] as const;

export const TRACE_HOUR_COLUMNS = ['trace_id', 'hour'] as const;

const HOUR_KEY = 'toStartOfHour(start_time)';

const TABLES: TableSpec[] = [
  {
    name: 'documents',
    columns: [
      'trace_id String',
      'trace_epoch_s Int64',
      'id String',
      'in_progress UInt8',
      'received_us Int64',
      'document String',
      // The start of the document's own entity: its partition and hour.
      'start_us Int64',
      START_TIME,
    ],
    version: 'received_us',
    timeColumn: 'start_time',
    partitionBy: 'toDate(start_time)',
    orderBy: `(${HOUR_KEY}, trace_id, id)`,
    granularity: 256,
  },
  {
    name: 'spans',
    columns: [...SPAN_COLUMN_TYPES.map(([c, t]) => `${c} ${t}`), START_TIME],
    version: 'received_us',
    timeColumn: 'start_time',
    partitionBy: 'toDate(start_time)',
    orderBy: `(${HOUR_KEY}, trace_id, doc_id, id)`,
    granularity: 2048,
  },
  {
    name: 'annotations',
    columns: [
      'trace_id String',
      'trace_epoch_s Int64',
      'span_id String',
      'doc_id String',
      'key String',
      'str_value Nullable(String)',
      'num_value Nullable(Float64)',
      'bool_value Nullable(UInt8)',
      // The annotated span's start: its partition and hour.
      'start_us Int64',
      'received_us Int64',
      START_TIME,
    ],
    version: 'received_us',
    timeColumn: 'start_time',
    partitionBy: 'toDate(start_time)',
    orderBy: `(${HOUR_KEY}, trace_id, doc_id, span_id, key)`,
    granularity: 2048,
  },
  {
    // One row per (trace, hour a span of it starts in): where to look for a trace by id.
    name: 'trace_hours',
    columns: ['trace_id String', "hour DateTime('UTC')"],
    version: '',
    partitionBy: 'toDate(hour)',
    orderBy: '(trace_id, hour)',
    granularity: 8192,
    timeColumn: 'hour',
  },
];

/** The tables that hold trace data and their time column (retention applies to each). */
export const DATA_TABLES: ReadonlyArray<{ name: string; timeColumn: string }> = TABLES;

/** The physical (MergeTree) table behind `name`: itself, or `<name>_local` in cluster mode. */
export function localTable(target: SchemaTarget, name: string): string {
  return target.cluster ? `${name}_local` : name;
}

export function onCluster(target: SchemaTarget): string {
  return target.cluster ? ` ON CLUSTER ${target.cluster}` : '';
}

/**
 * The engine of a small table kept whole on every server (groups, rules, statistics, migrations):
 * in cluster mode replicated under one ZooKeeper path for the whole cluster, not per shard.
 */
function onEveryServer(
  target: SchemaTarget,
  table: string,
  engine: 'MergeTree' | 'ReplacingMergeTree',
  version = '',
): string {
  return target.cluster
    ? `Replicated${engine}('/clickhouse/fluoro/${target.database}/${table}', '{shard}-{replica}'${version ? `, ${version}` : ''})`
    : `${engine}(${version})`;
}

function createTable(target: SchemaTarget, t: TableSpec): string[] {
  const db = target.database;
  const local = localTable(target, t.name);
  const engine = target.cluster
    ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${db}/${t.name}', '{replica}'${t.version ? `, ${t.version}` : ''})`
    : `ReplacingMergeTree(${t.version})`;
  const ddl = [
    `CREATE TABLE IF NOT EXISTS ${db}.${local}${onCluster(target)} (\n  ${t.columns.join(',\n  ')}\n) ENGINE = ${engine}
PARTITION BY ${t.partitionBy}
ORDER BY ${t.orderBy}
SETTINGS index_granularity = ${t.granularity}`,
  ];
  if (target.cluster) ddl.push(createDistributed(target, t.name));
  return ddl;
}

/** The Distributed table `name` over `<name>_local`, sharded by trace id. */
export function createDistributed(target: SchemaTarget, name: string): string {
  const db = target.database;
  return `CREATE TABLE IF NOT EXISTS ${db}.${name}${onCluster(target)} AS ${db}.${localTable(target, name)}
ENGINE = Distributed(${target.cluster}, ${db}, ${localTable(target, name)}, cityHash64(trace_id))`;
}

/**
 * One step of a migration: an idempotent statement, or a column to add where it is missing
 * (18.16 has no `ADD COLUMN IF NOT EXISTS`, so the migrator checks `system.columns`).
 */
export type MigrationStep =
  | string
  | { addColumn: { table: string; column: string; type: string } }
  /**
   * Cluster mode: re-create the Distributed table `name` when its columns differ from
   * `<name>_local`'s. 18.16 refuses `ALTER ... ON CLUSTER` on a Distributed table over
   * replicated shards, and a Distributed table holds no data (inserts are synchronous).
   */
  | { syncDistributed: string };

/** A schema change: idempotent steps, applied once per database in version order. */
export interface Migration {
  version: number;
  description: string;
  steps(target: SchemaTarget): MigrationStep[];
}

/** Every migration, oldest first. Append only; never edit one that has shipped. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'documents, spans, annotations, trace_hours',
    steps: (target) => TABLES.flatMap((t) => createTable(target, t)),
  },
  {
    version: 2,
    description: 'groups; spans.remote_type',
    steps: (target) => [
      groupsTable(target),
      { addColumn: { table: localTable(target, 'spans'), column: 'remote_type', type: 'Nullable(String)' } },
      ...(target.cluster ? [{ syncDistributed: 'spans' }] : []),
    ],
  },
  {
    version: 3,
    description: 'sampling_rules',
    steps: (target) => [samplingRulesTable(target)],
  },
  {
    version: 4,
    description: 'sampling_statistics',
    steps: (target) => [samplingStatisticsTable(target)],
  },
  {
    version: 5,
    description: 'sampling_rules boost columns; sampling_boost_statistics, sampling_boosts',
    steps: (target) => [
      // A rule's SamplingRateBoost; a cooldown of 0 (every rule written before) means none.
      { addColumn: { table: 'sampling_rules', column: 'boost_max_rate', type: 'Float64 DEFAULT 0' } },
      { addColumn: { table: 'sampling_rules', column: 'boost_cooldown_minutes', type: 'Int32 DEFAULT 0' } },
      samplingBoostStatisticsTable(target),
      samplingBoostsTable(target),
    ],
  },
];

/**
 * Groups: tiny, so in cluster mode replicated to every server (one ZooKeeper path for the whole
 * cluster) rather than sharded. Every change, and every delete as a tombstone, is a new row with
 * a higher `version`; reads take argMax (clickhouse-groups.ts).
 */
function groupsTable(target: SchemaTarget): string {
  const db = target.database;
  const engine = onEveryServer(target, 'groups', 'ReplacingMergeTree', 'version');
  return `CREATE TABLE IF NOT EXISTS ${db}.groups${onCluster(target)} (
  name String,
  arn String,
  filter_expression String,
  insights_enabled UInt8,
  notifications_enabled UInt8,
  deleted UInt8,
  version UInt64
) ENGINE = ${engine}
ORDER BY name`;
}

/**
 * Sampling rules, stored like groups: replicated to every server in cluster mode, every change
 * and every delete (a tombstone) a new row with a higher `row_version`, read with argMax
 * (clickhouse-sampling-rules.ts). `attributes` is a JSON object as text (no Map in 18.16).
 */
function samplingRulesTable(target: SchemaTarget): string {
  const db = target.database;
  const engine = onEveryServer(target, 'sampling_rules', 'ReplacingMergeTree', 'row_version');
  return `CREATE TABLE IF NOT EXISTS ${db}.sampling_rules${onCluster(target)} (
  name String,
  arn String,
  resource_arn String,
  priority Int32,
  fixed_rate Float64,
  reservoir_size Int64,
  service_name String,
  service_type String,
  host String,
  http_method String,
  url_path String,
  rule_version Int32,
  attributes String,
  created_us Int64,
  modified_us Int64,
  deleted UInt8,
  row_version UInt64
) ENGINE = ${engine}
ORDER BY name`;
}

/**
 * The sampling tables SDK reports fill (clickhouse-sampling-statistics.ts): plain appended rows,
 * replicated to every server in cluster mode like the rules (any api process sums what any
 * collector wrote), in day partitions of the time Fluoro received them (`received_time`, from
 * the column named by `timeFrom`), so old rows go by dropping partitions, which 18.16 can do
 * (table TTL needs 19.6).
 */
function receivedDayTable(target: SchemaTarget, name: string, columns: string[], timeFrom: string): string {
  const db = target.database;
  const engine = onEveryServer(target, name, 'MergeTree');
  return `CREATE TABLE IF NOT EXISTS ${db}.${name}${onCluster(target)} (
${columns.map((c) => `  ${c},\n`).join('')}  received_time DateTime('UTC') DEFAULT toDateTime(intDiv(${timeFrom}, 1000000))
) ENGINE = ${engine}
PARTITION BY toDate(received_time)
ORDER BY (received_time, rule_name)`;
}

/** What SDK clients report for each rule every ~10 s. */
function samplingStatisticsTable(target: SchemaTarget): string {
  return receivedDayTable(
    target,
    'sampling_statistics',
    [
      'rule_name String',
      'client_id String',
      'received_us Int64',
      'request_count UInt64',
      'sampled_count UInt64',
      'borrow_count UInt64',
    ],
    'received_us',
  );
}

/** Adaptive sampling's anomaly counts per rule and service (SamplingBoostStatisticsDocuments). */
function samplingBoostStatisticsTable(target: SchemaTarget): string {
  return receivedDayTable(
    target,
    'sampling_boost_statistics',
    [
      'rule_name String',
      'service_name String',
      'received_us Int64',
      'anomaly_count UInt64',
      'total_count UInt64',
      'sampled_anomaly_count UInt64',
    ],
    'received_us',
  );
}

/**
 * The boosts SamplingTargets started (one row each, at most one per rule and cooldown window),
 * read back as the newest per rule: every collector hands out the same boost and respects the
 * same cooldown.
 */
function samplingBoostsTable(target: SchemaTarget): string {
  const columns = ['rule_name String', 'started_us Int64', 'rate Float64', 'expires_us Int64'];
  return receivedDayTable(target, 'sampling_boosts', columns, 'started_us');
}

/** The table that records applied migrations (replicated to every server in cluster mode). */
export function migrationsTable(target: SchemaTarget): string {
  const db = target.database;
  const engine = onEveryServer(target, 'schema_migrations', 'ReplacingMergeTree');
  return `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations${onCluster(target)} (
  version UInt32,
  description String,
  applied_at DateTime('UTC') DEFAULT now()
) ENGINE = ${engine}
ORDER BY version`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `name` is a plain identifier (database and cluster names go into DDL as is). */
export function checkIdentifier(what: string, name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${what} must match ${IDENTIFIER}: ${JSON.stringify(name)}`);
  return name;
}
