import type { Subsegment } from '../wire.js';

/**
 * The X-Ray type of the node inferred for a downstream call recorded as an `aws` or `remote`
 * subsegment (xray.md §1.10): the subsegment's own `origin` when it has one, a DynamoDB table,
 * an SQS queue or an SNS topic from its `aws` block, `AWS::<name>` for other AWS calls,
 * `Database::SQL` when it carries an `sql` block, else `remote` (an HTTP host or anything else).
 * Null for other subsegments (local work records no downstream).
 */
export function toRemoteType(s: Subsegment & { origin?: string }): string | null {
  if (s.namespace !== 'aws' && s.namespace !== 'remote') return null;
  if (typeof s.origin === 'string' && s.origin !== '') return s.origin;
  const aws = s.aws ?? {};
  if (typeof aws['table_name'] === 'string') return 'AWS::DynamoDB::Table';
  if (typeof aws['queue_url'] === 'string') return 'AWS::SQS::Queue';
  if (typeof aws['topic_arn'] === 'string') return 'AWS::SNS::Topic';
  if (s.sql !== undefined && s.sql !== null) return 'Database::SQL';
  if (s.namespace === 'aws') return `AWS::${s.name}`;
  return 'remote';
}
