import { type FormEvent, type ReactElement, useEffect, useState } from 'react';
import { noteRole, signOut, useAuth } from './api/auth.js';
import { getAuthRole } from './api/client.js';
import { SignIn } from './components/SignIn.js';
import { isTyping } from './is-typing.js';
import { parseTraceIdInput } from './model/trace-id.js';
import { AnalyticsPage } from './pages/AnalyticsPage.js';
import { InvocationsPage } from './pages/InvocationsPage.js';
import { ServiceMapPage } from './pages/ServiceMapPage.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { TraceDetailPage } from './pages/TraceDetailPage.js';
import { TracesPage } from './pages/TracesPage.js';
import { Link, navigate, useLocation } from './router.js';
import { useTheme } from './theme.js';

const NAV = [
  { href: '/', label: 'Traces', match: (p: string) => p === '/' || p.startsWith('/trace/') },
  { href: '/map', label: 'Service map', match: (p: string) => p === '/map' || p.startsWith('/service/') },
  { href: '/analytics', label: 'Analytics', match: (p: string) => p === '/analytics' },
  { href: '/settings', label: 'Settings', match: (p: string) => p === '/settings' },
];

/** The shell: header with navigation, trace-id jump and theme toggle; the page for the path. */
export function App() {
  const loc = useLocation();
  const [theme, toggleTheme] = useTheme();
  const [jump, setJump] = useState('');
  const [jumpError, setJumpError] = useState(false);
  const [help, setHelp] = useState(false);
  const auth = useAuth();

  // What the token may do, asked again at each sign-in or sign-out (a read-only one gets no edit controls).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the epoch marks a new token
  useEffect(() => {
    if (auth.required) return;
    const abort = new AbortController();
    getAuthRole(abort.signal)
      .then((role) => {
        if (!abort.signal.aborted) noteRole(role);
      })
      .catch(() => {}); // unknown: the controls stay, and a refused change shows the server's message
    return () => abort.abort();
  }, [auth.epoch, auth.required]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e)) return;
      if (e.key === '?') setHelp((h) => !h);
      else if (e.key === 'Escape') setHelp(false);
      else if (e.key === 'g' && !e.ctrlKey && !e.metaKey) document.getElementById('jump')?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const submitJump = (e: FormEvent) => {
    e.preventDefault();
    const id = parseTraceIdInput(jump);
    if (!id) {
      setJumpError(true);
      return;
    }
    setJumpError(false);
    setJump('');
    navigate(`/trace/${id}`);
  };

  const traceMatch = /^\/trace\/([^/]+)$/.exec(loc.path);
  const serviceMatch = /^\/service\/([^/]+)$/.exec(loc.path);
  let page: ReactElement;
  if (traceMatch)
    page = (
      <TraceDetailPage key={traceMatch[1]} traceId={decodeURIComponent(traceMatch[1]!)} params={loc.params} />
    );
  else if (serviceMatch)
    page = <InvocationsPage service={decodeURIComponent(serviceMatch[1]!)} params={loc.params} />;
  else if (loc.path === '/map') page = <ServiceMapPage params={loc.params} />;
  else if (loc.path === '/analytics') page = <AnalyticsPage params={loc.params} />;
  else if (loc.path === '/settings') page = <SettingsPage />;
  else if (loc.path === '/') page = <TracesPage params={loc.params} />;
  else page = <p className="empty">No page at {loc.path}.</p>;

  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Fluoro home">
          <span className="brand-mark" aria-hidden="true" />
          Fluoro
        </Link>
        <nav className="nav">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} className={n.match(loc.path) ? 'active' : ''}>
              {n.label}
            </Link>
          ))}
        </nav>
        <form className="jump" onSubmit={submitJump}>
          <input
            id="jump"
            aria-label="Go to trace id"
            placeholder="Trace id (X-Ray or W3C)…"
            value={jump}
            className={jumpError ? 'invalid' : ''}
            onChange={(e) => {
              setJump(e.target.value);
              setJumpError(false);
            }}
            onPaste={(e) => {
              const id = parseTraceIdInput(e.clipboardData.getData('text'));
              if (id) {
                e.preventDefault();
                setJump('');
                navigate(`/trace/${id}`);
              }
            }}
          />
        </form>
        <button
          type="button"
          className="icon"
          onClick={() => setHelp((h) => !h)}
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
        <button
          type="button"
          className="icon"
          onClick={toggleTheme}
          title="Toggle dark mode"
          aria-label="Toggle dark mode"
        >
          {theme === 'dark' ? '☀' : '☾'}
        </button>
        {auth.role === 'read-only' && (
          <span
            className="chip"
            data-testid="read-only"
            title="This tab's auth token can read traces, but not change sampling rules or groups"
          >
            read-only
          </span>
        )}
        {auth.token !== undefined && (
          <button type="button" onClick={signOut} title="Forget the auth token in this tab">
            Sign out
          </button>
        )}
      </header>
      {/* A new key after sign-in or sign-out: the page mounts again and loads with the new token. */}
      {/* While the server wants a token, the page behind the form shows no 401 as its own error. */}
      <main className="main" key={auth.epoch}>
        {auth.required ? <p className="empty">Sign in to see this Fluoro's traces.</p> : page}
      </main>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      {auth.required && <SignIn hadToken={auth.token !== undefined} />}
    </div>
  );
}

const SHORTCUTS: [string, string][] = [
  ['?', 'show or hide this help'],
  ['g', 'go to a trace id'],
  ['/', 'focus the filter (traces) or find in trace (trace view)'],
  ['j / ↓', 'next row (trace view)'],
  ['k / ↑', 'previous row'],
  ['Enter / Space', 'collapse or expand the selected row'],
  ['← / →', 'collapse / expand the selected row'],
  ['[ / ]', 'expand all / collapse all'],
  ['+ / -', 'zoom the timeline in / out around the selection'],
  ['0', 'reset zoom'],
  ['n / N', 'next / previous find match'],
  ['Esc', 'close the detail panel or this help'],
];

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: clicking the backdrop closes; Esc does the same from the keyboard
    <div className="modal-backdrop" onClick={onClose} onKeyDown={() => {}} role="presentation">
      <div
        className="modal"
        role="dialog"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={() => {}}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
