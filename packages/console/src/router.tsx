import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react';

/** Where the app is: path and query, re-rendered on navigation and on back/forward. */
export interface Location {
  path: string;
  params: URLSearchParams;
}

const NAVIGATE = 'fluoro:navigate';

function current(): Location {
  return { path: window.location.pathname, params: new URLSearchParams(window.location.search) };
}

/** The current location; components re-render when it changes. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return loc;
}

/** Goes to `href` (same origin) without a page load; `replace` keeps history short for small changes. */
export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (href === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** `path?params` with empty values left out. */
export function toHref(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** An anchor that navigates in the app (a modified click opens a new tab as usual). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, href, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} {...rest} onClick={click} />;
}
