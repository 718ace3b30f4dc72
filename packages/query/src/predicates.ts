import { toXRayTraceId } from '@fluoro/model';
import type {
  BoolKeyword,
  FilterAst,
  NumberKeyword,
  NumberOp,
  Scope,
  StringKeyword,
  StringOp,
} from './ast.js';
import { type Cursor, numberOf } from './cursor.js';
import { BOOL_KEYWORDS, NUMBER_KEYWORDS, STRING_KEYWORDS, scopeProblem } from './keywords.js';
import type { Token } from './lexer.js';
import { parseRootCauseJson, parseRootCauseScope } from './rootcause-syntax.js';
import { checkRegex } from './safe-regex.js';
import { parseEdge, parseGroup, parseService } from './service-syntax.js';

const NUMBER_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const WORD_OPS = new Set(['contains', 'beginswith', 'endswith', 'matches']);

/** Parses one `keyword [operator value]` predicate (or a service/edge/group/rootcause form) starting at the current token. */
export function parsePredicate(c: Cursor, scope: Scope): FilterAst {
  const t = c.next();
  if (t.kind === 'annotation') return parseAnnotation(c, t, t.text, scope);
  if (t.kind !== 'word') c.fail(`expected a keyword, '(' or '!'${c.after()}`, t);
  const kw = t.text.toLowerCase();
  if (kw.startsWith('annotation.') && kw.length > 'annotation.'.length) {
    return parseAnnotation(c, t, t.text.slice('annotation.'.length), scope);
  }
  const known =
    BOOL_KEYWORDS.has(kw) ||
    NUMBER_KEYWORDS.has(kw) ||
    STRING_KEYWORDS.has(kw) ||
    ['service', 'edge', 'group.name', 'group.arn', 'rootcause.json', 'trace.id'].includes(kw) ||
    /^rootcause\.(fault|error|responsetime)\.(service|entity|exception)$/.test(kw);
  if (!known) c.fail(`unknown keyword '${t.text}'`, t);
  const problem = scopeProblem(kw, scope);
  if (problem) c.fail(problem, t);
  const column = t.column;
  if (BOOL_KEYWORDS.has(kw)) return parseBool(c, kw as BoolKeyword, column);
  if (NUMBER_KEYWORDS.has(kw)) {
    const op = c.peek();
    if (op.kind !== 'op') c.fail(`expected a comparison operator${c.after()}`, op);
    c.next();
    return {
      kind: 'number',
      keyword: kw as NumberKeyword,
      op: op.text as NumberOp,
      value: expectNumber(c),
      column,
    };
  }
  if (STRING_KEYWORDS.has(kw)) return parseString(c, kw as StringKeyword, column);
  if (kw === 'service') return parseService(c, column);
  if (kw === 'edge') return parseEdge(c, column);
  if (kw === 'group.name' || kw === 'group.arn') return parseGroup(c, kw, t);
  if (kw === 'rootcause.json') return parseRootCauseJson(c, column);
  if (kw === 'trace.id') return parseTraceId(c, column);
  return parseRootCauseScope(c, kw, column);
}

function parseBool(c: Cursor, keyword: BoolKeyword, column: number): FilterAst {
  const op = c.peek();
  if (op.kind !== 'op') return { kind: 'bool', keyword, value: true, column };
  if (op.text !== '=' && op.text !== '!=')
    c.fail(`'${keyword}' is a boolean keyword: use = or != with true or false`, op);
  c.next();
  const v = c.peek();
  if (!c.isWord('true') && !c.isWord('false')) c.fail(`expected true or false${c.after()}`, v);
  c.next();
  return { kind: 'bool', keyword, value: (op.text === '=') === (v.text.toLowerCase() === 'true'), column };
}

function parseString(c: Cursor, keyword: StringKeyword, column: number): FilterAst {
  const op = stringOp(c);
  if (!op) {
    if (c.peek().kind === 'op')
      c.fail(`operator '${c.peek().text}' cannot be used with string keyword '${keyword}'`);
    return { kind: 'string', keyword, op: 'set', value: '', column };
  }
  const v = c.peek();
  if (v.kind !== 'string' && v.kind !== 'word') c.fail(`expected a string${c.after()}`, v);
  c.next();
  if (op === 'matches') checkRegex(v.text, v.column);
  return { kind: 'string', keyword, op, value: v.text, column };
}

/** Consumes a string operator if one is next: `=`, `!=` or a word operator (case-insensitive). */
function stringOp(c: Cursor): StringOp | undefined {
  const t = c.peek();
  if (t.kind === 'op' && (t.text === '=' || t.text === '!=')) {
    c.next();
    return t.text;
  }
  const lw = t.text.toLowerCase();
  if (t.kind === 'word' && WORD_OPS.has(lw)) {
    c.next();
    return lw as StringOp;
  }
  return undefined;
}

function parseAnnotation(c: Cursor, t: Token, key: string, scope: Scope): FilterAst {
  const problem = scopeProblem('annotation', scope);
  if (problem) c.fail(problem, t);
  const column = t.column;
  const opTok = c.peek();
  let op: NumberOp | StringOp | undefined;
  if (opTok.kind === 'op' && NUMBER_OPS.has(opTok.text)) {
    c.next();
    op = opTok.text as NumberOp;
  } else {
    op = stringOp(c);
  }
  if (!op) return { kind: 'annotation', key, op: 'set', value: null, column };
  const v = c.peek();
  if (v.kind !== 'string' && v.kind !== 'word') c.fail(`expected a value${c.after()}`, v);
  const n = numberOf(v);
  const lower = v.text.toLowerCase();
  const value: string | number | boolean =
    v.kind === 'string'
      ? v.text
      : n !== undefined
        ? n
        : lower === 'true' || lower === 'false'
          ? lower === 'true'
          : v.text;
  const ordering = op === '<' || op === '<=' || op === '>' || op === '>=';
  if (ordering && typeof value !== 'number') c.fail(`expected a number${c.after()}`, v);
  if (WORD_OPS.has(op) && typeof value !== 'string') c.fail(`expected a quoted string${c.after()}`, v);
  if (op === 'matches') checkRegex(value as string, v.column);
  c.next();
  return { kind: 'annotation', key, op, value, column };
}

function parseTraceId(c: Cursor, column: number): FilterAst {
  const op = c.peek();
  if (op.kind !== 'op' || (op.text !== '=' && op.text !== '!=')) c.fail(`expected = or !=${c.after()}`, op);
  c.next();
  const v = c.peek();
  const id = v.kind === 'string' || v.kind === 'word' ? toXRayTraceId(v.text) : undefined;
  if (!id) c.fail(`expected an X-Ray (1-xxxxxxxx-xxx…) or W3C (32 hex) trace id${c.after()}`, v);
  c.next();
  return { kind: 'traceId', op: op.text as '=' | '!=', value: id, column };
}

/** Consumes a numeric literal or fails with "expected a number after '…'". */
export function expectNumber(c: Cursor): number {
  const v = c.peek();
  const n = numberOf(v);
  if (n === undefined) c.fail(`expected a number${c.after()}`, v);
  c.next();
  return n;
}
