import { describe, expect, it } from 'vitest';
import { EntitySelectorError, parseEntitySelector } from './entity-selector.js';

describe('parseEntitySelector', () => {
  it.each([
    [undefined, { kind: 'all' }],
    ['  ', { kind: 'all' }],
    ['service("api")', { kind: 'service', node: { name: 'api' } }],
    [
      'id(name: "api", type: "AWS::ECS::Container")',
      { kind: 'service', node: { name: 'api', type: 'AWS::ECS::Container' } },
    ],
    [
      'service(id(type: "remote", name: "a\\"b"))',
      { kind: 'service', node: { name: 'a"b', type: 'remote' } },
    ],
    ['edge("client", "api")', { kind: 'edge', source: { name: 'client' }, target: { name: 'api' } }],
    [
      'EDGE(id(name: "api"), id(name: "db", type: "Database::SQL"))',
      { kind: 'edge', source: { name: 'api' }, target: { name: 'db', type: 'Database::SQL' } },
    ],
  ])('%s', (text, expected) => {
    expect(parseEntitySelector(text)).toEqual(expected);
  });

  it.each([
    ['api', /expected service\(\.\.\.\), edge\(\.\.\.\) or id\(\.\.\.\) at column 1/],
    ['service(api)', /expected a quoted string at column 9/],
    ['edge("a")', /expected "," at column 9/],
    ['service("a") x', /expected the end of the expression at column 14/],
    ['id(type: "t")', /expected id\(\.\.\.\) with a name/],
  ])('rejects %s', (text, message) => {
    expect(() => parseEntitySelector(text)).toThrow(EntitySelectorError);
    expect(() => parseEntitySelector(text)).toThrow(message);
  });
});
