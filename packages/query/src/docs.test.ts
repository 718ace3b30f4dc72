import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FilterSyntaxError } from './filter-syntax-error.js';
import { parseFilter } from './parser.js';

const doc = readFileSync(new URL('../../../docs/filter-expressions.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim().split('\n'));
const errorBlock = blocks.find((b) => b.every((l) => / at column \d+$/.test(l)));
const examples = blocks.filter((b) => b !== errorBlock).flat();

describe('docs/filter-expressions.md', () => {
  it('has examples and an error block', () => {
    expect(examples.length).toBeGreaterThan(10);
    expect(errorBlock?.length).toBeGreaterThan(2);
  });

  it.each(examples)('example parses: %s', (line) => {
    const groups = () => 'responsetime > 5';
    expect(() => parseFilter(line, { groups })).not.toThrow();
  });

  // Each documented error message is produced by some expression; these are the ones that make them.
  const makers: Record<string, string> = {
    "expected a number after 'responsetime >' at column 16": 'responsetime > "5"',
    "unknown keyword 'respnsetime' at column 1": 'respnsetime > 5',
    "expected '}' to close the service filter after 'fault' at column 21": 'service("a") { fault',
    'expression nests deeper than 100 levels at column 101': `${'('.repeat(200)}ok${')'.repeat(200)}`,
  };
  it.each(errorBlock ?? [])('error message is real: %s', (message) => {
    const text = makers[message];
    expect(text).toBeDefined();
    expect(() => parseFilter(text as string)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(text as string)).toThrow(message);
  });
});
