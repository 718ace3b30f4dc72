import type { NodeKey } from './node-key.js';

/** A node named in an entity selector; a missing type matches any type. */
export interface NodeRef {
  name: string;
  type?: string;
}

/** What GetTimeSeriesServiceStatistics reports on. */
export type EntitySelector =
  | { kind: 'all' }
  | { kind: 'service'; node: NodeRef }
  | { kind: 'edge'; source: NodeRef; target: NodeRef };

/** An EntitySelectorExpression that does not parse; `message` says what was expected where. */
export class EntitySelectorError extends Error {}

/**
 * Parses X-Ray's EntitySelectorExpression: `service("name")`, `service(id(name: "n", type: "t"))`,
 * `id(name: "n", type: "t")` (a service), `edge("a", "b")` or `edge(id(...), id(...))`.
 * An empty or absent expression selects everything. Throws EntitySelectorError.
 */
export function parseEntitySelector(text: string | undefined): EntitySelector {
  if (text === undefined || text.trim() === '') return { kind: 'all' };
  const p = new Cursor(text);
  let out: EntitySelector;
  if (p.word('service')) {
    p.expect('(');
    out = { kind: 'service', node: p.node() };
    p.expect(')');
  } else if (p.word('edge')) {
    p.expect('(');
    const source = p.node();
    p.expect(',');
    const target = p.node();
    p.expect(')');
    out = { kind: 'edge', source, target };
  } else if (p.peekWord('id')) {
    out = { kind: 'service', node: p.node() };
  } else {
    throw p.fail('service(...), edge(...) or id(...)');
  }
  p.end();
  return out;
}

/** Whether a graph node is the one a reference names. */
export function matchesNode(ref: NodeRef, key: NodeKey): boolean {
  return ref.name === key.name && (ref.type === undefined || ref.type === key.type);
}

class Cursor {
  private i = 0;
  constructor(private readonly s: string) {}

  private skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  peekWord(w: string): boolean {
    this.skip();
    return new RegExp(`^${w}\\s*\\(`, 'i').test(this.s.slice(this.i));
  }

  word(w: string): boolean {
    if (!this.peekWord(w)) return false;
    this.i += w.length;
    return true;
  }

  expect(ch: string): void {
    this.skip();
    if (this.s[this.i] !== ch) throw this.fail(`"${ch}"`);
    this.i++;
  }

  string(): string {
    this.skip();
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(this.s.slice(this.i));
    if (!m) throw this.fail('a quoted string');
    this.i += m[0].length;
    return (m[1] as string).replace(/\\(.)/g, '$1');
  }

  /** `"name"` or `id(name: "n", type: "t")` (members in any order). */
  node(): NodeRef {
    if (!this.word('id')) return { name: this.string() };
    this.expect('(');
    const ref: Partial<NodeRef> = {};
    for (;;) {
      this.skip();
      const m = /^(name|type)\s*:/i.exec(this.s.slice(this.i));
      if (!m) throw this.fail('name: or type:');
      this.i += m[0].length;
      ref[(m[1] as string).toLowerCase() as 'name' | 'type'] = this.string();
      this.skip();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      break;
    }
    this.expect(')');
    if (ref.name === undefined) throw this.fail('id(...) with a name');
    return { name: ref.name, ...(ref.type !== undefined ? { type: ref.type } : {}) };
  }

  end(): void {
    this.skip();
    if (this.i < this.s.length) throw this.fail('the end of the expression');
  }

  fail(expected: string): EntitySelectorError {
    return new EntitySelectorError(`expected ${expected} at column ${this.i + 1}`);
  }
}
