import { type KeyboardEvent, useMemo, useRef, useState } from 'react';
import {
  type Completion,
  type CompletionSources,
  completeFilter,
  tokenizeFilter,
} from '../model/filter-syntax.js';

/**
 * The filter-expression input: syntax highlighting (a mirror behind a transparent input),
 * completion of keywords, functions, services and annotation keys, and the server's error shown
 * at the column it names.
 */
export function FilterBar({
  value,
  onChange,
  onSubmit,
  error,
  sources,
}: {
  value: string;
  onChange: (v: string) => void;
  onSubmit: (v: string) => void;
  error: { message: string; column: number | undefined } | undefined;
  sources: CompletionSources;
}) {
  const input = useRef<HTMLInputElement>(null);
  const mirror = useRef<HTMLDivElement>(null);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const tokens = useMemo(() => tokenizeFilter(value), [value]);
  const completion = useMemo(() => completeFilter(value, cursor, sources), [value, cursor, sources]);
  const items = open ? completion.items : [];
  const errIndex = error?.column !== undefined ? error.column - 1 : -1;

  const accept = (c: Completion) => {
    const next = value.slice(0, completion.from) + c.insert + value.slice(cursor);
    const pos = completion.from + c.insert.length;
    onChange(next);
    setOpen(false);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(pos, pos);
      setCursor(pos);
    });
  };
  const key = (e: KeyboardEvent<HTMLInputElement>) => {
    if (items.length > 0) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((a) => (a + 1) % items.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a - 1 + items.length) % items.length);
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.ctrlKey && !e.metaKey)) {
        e.preventDefault();
        accept(items[Math.min(active, items.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        setOpen(false);
        return;
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      setOpen(false);
      onSubmit(value);
    } else if (e.key === 'Escape') input.current?.blur();
  };
  const sync = () => {
    const el = input.current;
    if (!el) return;
    setCursor(el.selectionStart ?? el.value.length);
    if (mirror.current) mirror.current.scrollLeft = el.scrollLeft;
  };

  return (
    <div className="filterbar">
      <div className={`filter-box${error ? ' has-error' : ''}`}>
        <div className="filter-mirror" ref={mirror} aria-hidden="true">
          {tokens.map((t) => {
            const hit = errIndex >= t.start && errIndex < t.start + t.text.length;
            return (
              <span key={t.start} className={`tok-${t.kind}${hit ? ' tok-err' : ''}`}>
                {t.text}
              </span>
            );
          })}
          {errIndex >= value.length && <span className="tok-err"> </span>}
        </div>
        <input
          ref={input}
          id="filter"
          aria-label="Filter expression"
          spellCheck={false}
          autoComplete="off"
          placeholder='Filter expression, e.g. service("api") AND responsetime > 1 AND annotation.tenant = "acme"'
          value={value}
          onChange={(e) => {
            onChange(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onKeyDown={key}
          onKeyUp={sync}
          onClick={sync}
          onScroll={sync}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {items.length > 0 && (
          <div className="completions" role="listbox" aria-label="Completions">
            {items.map((c, i) => (
              <div
                key={c.label}
                role="option"
                tabIndex={-1}
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(c);
                }}
              >
                <span className={`tok-${c.kind === 'service' ? 'function' : c.kind}`}>{c.label}</span>
                <span className="muted">{c.kind}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      <button type="button" className="primary" onClick={() => onSubmit(value)}>
        Search
      </button>
      {error && (
        <div className="filter-error" role="alert">
          {error.column !== undefined && (
            <code className="caret-line">{value.slice(0, error.column - 1).replace(/[^\t]/g, ' ')}^</code>
          )}
          <span>{error.message}</span>
        </div>
      )}
    </div>
  );
}
