/**
 * DuckDB tables. Rows are appended in arrival order, which is close to trace-start order, so
 * DuckDB's per-row-group min/max (zone maps) on `trace_epoch_s` (the time written in the trace
 * id, or for ids without one a real time that `trace_times` records) prune a trace-by-id lookup
 * down to a few row groups without a secondary index; every lookup by id therefore filters on
 * `trace_epoch_s` as well as `trace_id`. See docs/adr/0002 and 0010, and trace-epochs.ts.
 * Statements are idempotent and run at every open, so a file of an earlier version gains what
 * it lacks and keeps its data.
 */
export const DUCKDB_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS documents (
    trace_id VARCHAR NOT NULL,
    trace_epoch_s BIGINT NOT NULL,
    id VARCHAR NOT NULL,
    in_progress BOOLEAN NOT NULL,
    received_us BIGINT NOT NULL,
    document VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS spans (
    trace_id VARCHAR NOT NULL,
    trace_epoch_s BIGINT NOT NULL,
    id VARCHAR NOT NULL,
    parent_id VARCHAR,
    doc_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    namespace VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    start_us BIGINT NOT NULL,
    end_us BIGINT,
    in_progress BOOLEAN NOT NULL,
    error BOOLEAN NOT NULL,
    fault BOOLEAN NOT NULL,
    throttle BOOLEAN NOT NULL,
    http_method VARCHAR,
    http_url VARCHAR,
    http_status INTEGER,
    http_user_agent VARCHAR,
    http_client_ip VARCHAR,
    user_name VARCHAR,
    resource_arn VARCHAR,
    instance_id VARCHAR,
    availability_zone VARCHAR,
    account_id VARCHAR,
    exception_messages VARCHAR[], -- NULL when the span recorded no exception message
    received_us BIGINT NOT NULL,
    remote_type VARCHAR -- SpanRow.remoteType: the inferred downstream's type (aws/remote subsegments)
  )`,
  // Files created before remote_type existed get it (NULL for their rows).
  'ALTER TABLE spans ADD COLUMN IF NOT EXISTS remote_type VARCHAR',
  `CREATE TABLE IF NOT EXISTS annotations (
    trace_id VARCHAR NOT NULL,
    trace_epoch_s BIGINT NOT NULL,
    span_id VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    str_value VARCHAR,
    num_value DOUBLE,
    bool_value BOOLEAN
  )`,
  // The epochs rows of a trace were stored under when its id's own epoch was not a time for
  // them (OpenTelemetry ids, late segments): one row per (trace, epoch), usually one per trace.
  // `trace_key` is 32 random bits of the id (trace-epochs.ts), so a lookup scans one INTEGER
  // column and compares `trace_id` only where the key matched. Files from before it existed
  // stored every row under the id's own epoch, which lookups always include.
  `CREATE TABLE IF NOT EXISTS trace_times (
    trace_key INTEGER NOT NULL,
    trace_id VARCHAR NOT NULL,
    epoch_s BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS groups (
    name VARCHAR PRIMARY KEY,
    arn VARCHAR NOT NULL,
    filter_expression VARCHAR NOT NULL,
    insights_enabled BOOLEAN NOT NULL,
    notifications_enabled BOOLEAN NOT NULL
  )`,
  // Sampling rules (duckdb-sampling-rules.ts); `attributes` is a JSON object as text.
  `CREATE TABLE IF NOT EXISTS sampling_rules (
    name VARCHAR PRIMARY KEY,
    arn VARCHAR NOT NULL,
    resource_arn VARCHAR NOT NULL,
    priority INTEGER NOT NULL,
    fixed_rate DOUBLE NOT NULL,
    reservoir_size BIGINT NOT NULL,
    service_name VARCHAR NOT NULL,
    service_type VARCHAR NOT NULL,
    host VARCHAR NOT NULL,
    http_method VARCHAR NOT NULL,
    url_path VARCHAR NOT NULL,
    rule_version INTEGER NOT NULL,
    attributes VARCHAR NOT NULL,
    created_us BIGINT NOT NULL,
    modified_us BIGINT NOT NULL
  )`,
  // What SDK clients report for each rule every ~10 s (duckdb-sampling-statistics.ts); rows
  // older than a day are deleted as new ones arrive.
  `CREATE TABLE IF NOT EXISTS sampling_statistics (
    rule_name VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    received_us BIGINT NOT NULL,
    request_count BIGINT NOT NULL,
    sampled_count BIGINT NOT NULL,
    borrow_count BIGINT NOT NULL
  )`,
  // A rule's SamplingRateBoost (adaptive sampling): both NULL when it has none. Files from
  // before it existed gain the columns, their rules none.
  'ALTER TABLE sampling_rules ADD COLUMN IF NOT EXISTS boost_max_rate DOUBLE',
  'ALTER TABLE sampling_rules ADD COLUMN IF NOT EXISTS boost_cooldown_minutes INTEGER',
  // Anomaly counts SDK clients report per rule and service (SamplingBoostStatisticsDocuments),
  // and the boosts SamplingTargets started from them; both pruned after a day like the above.
  `CREATE TABLE IF NOT EXISTS sampling_boost_statistics (
    rule_name VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    received_us BIGINT NOT NULL,
    anomaly_count BIGINT NOT NULL,
    total_count BIGINT NOT NULL,
    sampled_anomaly_count BIGINT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS sampling_boosts (
    rule_name VARCHAR NOT NULL,
    started_us BIGINT NOT NULL,
    rate DOUBLE NOT NULL,
    expires_us BIGINT NOT NULL
  )`,
];
