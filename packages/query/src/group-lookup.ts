import type { GroupLookup } from './cursor.js';

/** The fields of a stored group a lookup needs (the store's GroupRecord has them). */
export interface SavedGroup {
  name: string;
  arn: string;
  filterExpression: string;
}

/**
 * A GroupLookup over groups loaded beforehand (parsing is synchronous), e.g.
 * `parseFilter(text, { groups: toGroupLookup(await store.listGroups()) })`.
 * A group is found by its name or by its ARN.
 */
export function toGroupLookup(groups: readonly SavedGroup[]): GroupLookup {
  const byName = new Map(groups.map((g) => [g.name, g.filterExpression]));
  const byArn = new Map(groups.map((g) => [g.arn, g.filterExpression]));
  return ({ name, arn }) =>
    name !== undefined ? byName.get(name) : arn !== undefined ? byArn.get(arn) : undefined;
}
