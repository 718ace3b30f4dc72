/**
 * Just enough of X-Ray's filter-expression syntax for the console's input box: tokens for
 * syntax highlighting and completions at the cursor. Parsing and errors are the server's job
 * (GetTraceSummaries answers a 400 naming the column); this never rejects anything.
 */
import { TOP_LEVEL_KEYWORDS } from '@fluoro/model/browser';

export type TokenKind =
  | 'keyword'
  | 'function'
  | 'annotation'
  | 'string'
  | 'number'
  | 'operator'
  | 'paren'
  | 'word'
  | 'space';

export interface FilterToken {
  kind: TokenKind;
  text: string;
  /** 0-based offset of the token in the expression. */
  start: number;
}

/** Keywords of the language (§4.2) a user types at the top level, lower-case. */
export const KEYWORDS = TOP_LEVEL_KEYWORDS;

/** Functions and complex keywords, completed with their opening syntax. */
export const FUNCTIONS = [
  'service(',
  'edge(',
  'id(',
  'rootcause.fault.service {',
  'rootcause.error.service {',
  'rootcause.throttle.service {',
  'rootcause.responsetime.service {',
  'rootcause.fault.entity {',
  'rootcause.error.entity {',
  'rootcause.responsetime.entity {',
  'rootcause.fault.message {',
  'rootcause.error.message {',
] as const;

const OPERATORS = ['AND', 'OR', 'NOT', 'CONTAINS', 'BEGINSWITH', 'ENDSWITH', 'IN'];
const KEYWORD_SET = new Set<string>(KEYWORDS);

/** Splits an expression into tokens covering every character (so highlighting keeps the text). */
export function tokenizeFilter(text: string): FilterToken[] {
  const out: FilterToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      out.push({ kind: 'space', text: text.slice(start, i), start });
    } else if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      i = Math.min(i + 1, text.length);
      out.push({ kind: 'string', text: text.slice(start, i), start });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i++;
      while (i < text.length && /[0-9.eE]/.test(text[i]!)) i++;
      out.push({ kind: 'number', text: text.slice(start, i), start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_.:-]/.test(text[i]!)) i++;
      const word = text.slice(start, i);
      const lower = word.toLowerCase();
      let kind: TokenKind = 'word';
      if (OPERATORS.includes(word.toUpperCase())) kind = 'operator';
      else if (lower.startsWith('annotation.') || lower.startsWith('annotation[')) kind = 'annotation';
      else if (lower === 'service' || lower === 'edge' || lower === 'id' || lower.startsWith('rootcause.'))
        kind = 'function';
      else if (KEYWORD_SET.has(lower)) kind = 'keyword';
      out.push({ kind, text: word, start });
    } else if ('(){}[],'.includes(c)) {
      i++;
      out.push({ kind: 'paren', text: c, start });
    } else {
      while (i < text.length && /[=!<>&|~^$*]/.test(text[i]!)) i++;
      if (i === start) i++;
      out.push({ kind: 'operator', text: text.slice(start, i), start });
    }
  }
  return out;
}

/** What the completion list offers beside the built-in keywords. */
export interface CompletionSources {
  services: string[];
  annotationKeys: string[];
}

export interface Completion {
  /** What the list shows. */
  label: string;
  /** Text that replaces the word being typed. */
  insert: string;
  kind: 'keyword' | 'function' | 'service' | 'annotation';
}

/**
 * Completions for the word ending at `cursor`: keywords, functions, `annotation.<key>` for keys
 * seen in results, and `service("<name>")` for services seen. Empty when the cursor is inside a
 * string or the word is empty.
 */
export function completeFilter(
  text: string,
  cursor: number,
  sources: CompletionSources,
): { from: number; items: Completion[] } {
  const before = text.slice(0, cursor);
  const quotes = (before.match(/"/g) ?? []).length;
  const m = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(before);
  if (!m || quotes % 2 === 1) return { from: cursor, items: [] };
  const word = m[0].toLowerCase();
  const from = cursor - m[0].length;
  const items: Completion[] = [];
  for (const k of KEYWORDS)
    if (k.startsWith(word) && k !== word) items.push({ label: k, insert: k, kind: 'keyword' });
  for (const f of FUNCTIONS) if (f.startsWith(word)) items.push({ label: f, insert: f, kind: 'function' });
  for (const key of sources.annotationKeys) {
    const full = `annotation.${key}`;
    if (full.toLowerCase().startsWith(word) && full.toLowerCase() !== word)
      items.push({ label: full, insert: full, kind: 'annotation' });
  }
  if ('service'.startsWith(word) || word.startsWith('service'))
    for (const s of sources.services)
      items.push({ label: `service("${s}")`, insert: `service(${quote(s)})`, kind: 'service' });
  return { from, items: items.slice(0, 50) };
}

/** A string literal for the filter language. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `a AND b`, parenthesising `a` when it has a top-level OR; either side may be empty. */
export function andFilter(existing: string, clause: string): string {
  const a = existing.trim();
  if (!a) return clause;
  if (!clause) return a;
  return /\bor\b/i.test(a) ? `(${a}) AND ${clause}` : `${a} AND ${clause}`;
}

/**
 * Replaces any `responsetime >= x [AND responsetime <= y]` the console added with a new range
 * (`hiS` Infinity: no upper bound).
 */
export function withResponseTimeRange(existing: string, loS: number, hiS: number): string {
  const stripped = existing
    .replace(/\s*(AND\s+)?responsetime\s*>=\s*[0-9.]+(\s+AND\s+responsetime\s*<=\s*[0-9.]+)?/gi, '')
    .replace(/^\s*AND\s+/i, '')
    .trim();
  // An open-ended range (the chart's long-tail bar) has no upper bound.
  const clause = Number.isFinite(hiS)
    ? `responsetime >= ${round(loS)} AND responsetime <= ${round(hiS)}`
    : `responsetime >= ${round(loS)}`;
  return andFilter(stripped, clause);
}

function round(s: number): string {
  return String(Math.round(s * 1e6) / 1e6);
}

/** The 1-based column in an API error message ("... at column 7"), or undefined. */
export function errorColumn(message: string): number | undefined {
  const m = /at column (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}
