import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterSyntaxError } from './filter-syntax-error.js';
import { parseFilter } from './parser.js';

function errorOf(text: string): FilterSyntaxError {
  try {
    parseFilter(text, {
      groups: ({ name }) =>
        name === 'slow' ? 'responsetime > 5' : name === 'loop' ? 'group.name = "loop"' : undefined,
    });
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
}

describe('parseFilter', () => {
  it('reads keywords and AND/OR case-insensitively, juxtaposition as AND', () => {
    expect(parseFilter('ResponseTime > 2 and OK Or !Partial')).toEqual({
      kind: 'or',
      column: 1,
      items: [
        {
          kind: 'and',
          column: 1,
          items: [
            { kind: 'number', keyword: 'responsetime', op: '>', value: 2, column: 1 },
            { kind: 'bool', keyword: 'ok', value: true, column: 22 },
          ],
        },
        { kind: 'not', column: 28, expr: { kind: 'bool', keyword: 'partial', value: true, column: 29 } },
      ],
    });
    expect(parseFilter('ok !partial duration <3')).toMatchObject({
      kind: 'and',
      items: [{}, {}, { value: 3 }],
    });
  });

  it.each([
    ['fault = false', { kind: 'bool', keyword: 'fault', value: false }],
    ['fault != false', { kind: 'bool', keyword: 'fault', value: true }],
    ['duration >= 2.75', { kind: 'number', op: '>=', value: 2.75 }],
    ["http.method = 'GET'", { kind: 'string', keyword: 'http.method', op: '=', value: 'GET' }],
    ['name = traces', { kind: 'string', keyword: 'name', op: '=', value: 'traces' }],
    ['http.url', { kind: 'string', op: 'set' }],
    ['http.url MATCHES "^/api/v[0-9]+"', { kind: 'string', op: 'matches', value: '^/api/v[0-9]+' }],
    [
      'annotation[aws.local.operation]="GET /api/orders"',
      { kind: 'annotation', key: 'aws.local.operation', op: '=', value: 'GET /api/orders' },
    ],
    ['annotation.Age > 29', { kind: 'annotation', key: 'Age', op: '>', value: 29 }],
    ['annotation.flag = true', { kind: 'annotation', key: 'flag', value: true }],
    ['annotation.id = "5"', { kind: 'annotation', key: 'id', value: '5' }],
    [
      'trace.id = "5f0000000000000000000000000000ab"',
      { kind: 'traceId', value: '1-5f000000-0000000000000000000000ab' },
    ],
    [
      'service(id(name: "a", type: "AWS::Lambda::Function", account.id: "1"))',
      { kind: 'service', target: { name: 'a', type: 'AWS::Lambda::Function', accountId: '1' }, filter: null },
    ],
    ['edge(a, id(name: "b")) { error }', { kind: 'edge', from: { name: 'a' }, to: { name: 'b' } }],
    ['group.name = "slow"', { kind: 'number', keyword: 'responsetime', op: '>', value: 5 }],
    ['group.name != "slow"', { kind: 'not', expr: { kind: 'number' } }],
    [
      'rootcause.error.exception { first and message CONTAINS "x" }',
      { kind: 'rootcause', category: 'error', level: 'exception' },
    ],
  ])('%s', (text, expected) => {
    expect(
      parseFilter(text, { groups: ({ name }) => (name === 'slow' ? 'responsetime > 5' : undefined) }),
    ).toMatchObject(expected);
  });

  it.each([
    ['responsetime > "abc"', "expected a number after 'responsetime >'", 16],
    ['responsetime > ', "expected a number after 'responsetime >'", 16],
    ['responsetime', "expected a comparison operator after 'responsetime'", 13],
    ['fault = 5', "expected true or false after 'fault ='", 9],
    ['http.status = "200"', "expected a number after 'http.status ='", 15],
    ['bogus = 1', "unknown keyword 'bogus'", 1],
    ['ok AND', "expected a keyword after 'AND'", 7],
    ['(ok', "expected ')' to close the '(' at column 1 after 'ok'", 4],
    ['ok)', "unbalanced ')'", 3],
    ['service("a") { fault', "expected '}' to close the service filter after 'fault'", 21],
    ['service("a") { fault }}', "unbalanced '}'", 23],
    ['http.url < "x"', "operator '<' cannot be used with string keyword 'http.url'", 10],
    ['annotation.x < "y"', "expected a number after 'annotation.x <'", 16],
    ['http.url = "unterminated', 'unterminated string', 12],
    ['ok & fault', "unexpected character '&'", 4],
    ['first', "'first' can only be used inside rootcause.* { }", 1],
    ['service("a") { service("b") }', "'service' cannot be used inside a service or edge filter", 16],
    ['rootcause.fault.entity { annotation.x }', "'annotation' cannot be used inside a rootcause filter", 26],
    ['group.name = "nope"', "no group named 'nope'", 1],
    ['group.name = "loop"', "group 'loop' has an invalid filter expression", 1],
    ['http.url MATCHES "("', 'invalid regular expression', 18],
    ['trace.id = "abc"', 'expected an X-Ray (1-xxxxxxxx-xxx…) or W3C (32 hex) trace id', 12],
    ['rootcause.json = #[1]', 'rootcause.json must be an array of objects', 18],
    ['service(id(nam: "a"))', "unknown id() argument 'nam'", 12],
    ['', 'empty filter expression', 1],
  ])('rejects %s', (text, reason, column) => {
    const e = errorOf(text);
    expect(e.reason).toContain(reason);
    expect(e.column).toBe(column);
    expect(e.message).toMatch(new RegExp(`at column ${column}$`));
  });

  it('bounds length and nesting without overflowing the stack', () => {
    const huge = errorOf('('.repeat(100_000));
    expect(huge.reason).toBe('filter expression is longer than 10000 characters');
    expect(huge.column).toBe(10_001);
    const deep = errorOf(`${'('.repeat(5000)}ok${')'.repeat(4000)}`);
    expect(deep.reason).toBe('expression nests deeper than 100 levels');
    expect(deep.column).toBe(101);
    expect(errorOf('!'.repeat(9000)).reason).toBe('expression nests deeper than 100 levels');
    expect(() => parseFilter(`${'('.repeat(100)}ok${')'.repeat(100)}`)).not.toThrow();
    expect(parseFilter(Array(3000).fill('ok').join(' '))).toMatchObject({ kind: 'and' });
  });

  it('either parses or throws FilterSyntaxError with a column inside the input, for any text', () => {
    const alphabet = fc.constantFrom(
      ...'()[]{}!=<>"\', .:#abkorANDservice1 5-_'.split(''),
      'ok',
      ' and ',
      'service(',
      'annotation[',
      '#[',
      'responsetime',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
        (text) => {
          try {
            parseFilter(text);
          } catch (e) {
            expect(e).toBeInstanceOf(FilterSyntaxError);
            expect((e as FilterSyntaxError).column).toBeGreaterThanOrEqual(1);
            expect((e as FilterSyntaxError).column).toBeLessThanOrEqual(text.length + 1);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
