/** SQL flavours the compiler targets (the store package's `Dialect`). */
export type Dialect = 'duckdb' | 'clickhouse';

/** A boolean SQL predicate over `trace_id`, with positional `?` parameters (the store's `SqlPredicate`). */
export interface SqlPredicate {
  sql: string;
  params: (string | number | boolean)[];
}

/** A piece of SQL and the parameters of its `?` placeholders, in order. */
export interface Fragment {
  sql: string;
  params: (string | number)[];
}

/**
 * Builds a fragment from a template: interpolated fragments are spliced with their params,
 * while interpolated plain values become `?` parameters, so user text can never reach SQL text.
 */
export function sql(strings: TemplateStringsArray, ...values: (Fragment | string | number)[]): Fragment {
  let text = strings[0] as string;
  const params: (string | number)[] = [];
  values.forEach((v, i) => {
    if (typeof v === 'object') {
      text += v.sql;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v);
    }
    text += strings[i + 1] as string;
  });
  return { sql: text, params };
}

/** Compiler-chosen SQL text (never user input). */
export function raw(text: string): Fragment {
  return { sql: text, params: [] };
}

export function join(parts: Fragment[], separator: string): Fragment {
  return { sql: parts.map((p) => p.sql).join(separator), params: parts.flatMap((p) => p.params) };
}

export const TRUE = raw('(1 = 1)');
export const FALSE = raw('(1 = 0)');
