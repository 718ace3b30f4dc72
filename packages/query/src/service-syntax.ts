import type { FilterAst, ServiceTarget } from './ast.js';
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

/** `service()`, `service("name")`, `service(id(...))`, each with an optional `{ filter }`. */
export function parseService(c: Cursor, column: number): FilterAst {
  c.expect('(', "'(' after 'service'");
  const target = c.peek().kind === ')' ? {} : parseTarget(c);
  c.expect(')', "')' to close 'service('");
  return { kind: 'service', target, filter: parseNodeFilter(c), column };
}

/** `edge(source, destination)` with an optional `{ filter }`. */
export function parseEdge(c: Cursor, column: number): FilterAst {
  c.expect('(', "'(' after 'edge'");
  const from = parseTarget(c);
  c.expect(',', "',' between the two services of 'edge('");
  const to = parseTarget(c);
  c.expect(')', "')' to close 'edge('");
  return { kind: 'edge', from, to, filter: parseNodeFilter(c), column };
}

function parseNodeFilter(c: Cursor): FilterAst | null {
  if (c.peek().kind !== '{') return null;
  const open = c.next();
  c.enter(open);
  const filter = c.subExpr(c, 'service');
  c.expect('}', "'}' to close the service filter");
  c.leave();
  return filter;
}

/** A service name (quoted or bare) or `id(name: "…", type: "…", account.id: "…")`. */
function parseTarget(c: Cursor): ServiceTarget {
  const t = c.peek();
  if (t.kind === 'string') {
    c.next();
    return { name: t.text };
  }
  if (c.isWord('id') && c.peek(1).kind === '(') {
    c.next();
    c.next();
    const target: ServiceTarget = {};
    while (c.peek().kind !== ')') {
      const arg = c.expect('word', 'name:, type: or account.id:');
      const key = arg.text.toLowerCase();
      if (key !== 'name' && key !== 'type' && key !== 'account.id') {
        c.fail(`unknown id() argument '${arg.text}' (expected name, type or account.id)`, arg);
      }
      c.expect(':', `':' after '${arg.text}'`);
      const v = c.peek();
      if (v.kind !== 'string' && v.kind !== 'word') c.fail(`expected a string${c.after()}`, v);
      c.next();
      target[key === 'account.id' ? 'accountId' : key] = v.text;
      if (c.peek().kind === ',') c.next();
      else if (c.peek().kind !== ')') c.fail(`expected ',' or ')'${c.after()}`);
    }
    c.next();
    return target;
  }
  if (t.kind === 'word') {
    c.next();
    return { name: t.text };
  }
  return c.fail(`expected a service name or id(...)${c.after()}`, t);
}

/** `group.name = "…"` / `group.arn = "…"` (or `!=`): the group's saved expression, expanded in place. */
export function parseGroup(c: Cursor, keyword: 'group.name' | 'group.arn', t: Token): FilterAst {
  const op = c.peek();
  if (op.kind !== 'op' || (op.text !== '=' && op.text !== '!=')) c.fail(`expected = or !=${c.after()}`, op);
  c.next();
  const v = c.peek();
  if (v.kind !== 'string' && v.kind !== 'word') c.fail(`expected a group ${keyword.slice(6)}${c.after()}`, v);
  c.next();
  const ref = keyword === 'group.name' ? { name: v.text } : { arn: v.text };
  const expr = c.groupParser(t, ref, v.text);
  return op.text === '=' ? expr : { kind: 'not', expr, column: t.column };
}
