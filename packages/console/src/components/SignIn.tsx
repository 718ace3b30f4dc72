import { type FormEvent, useState } from 'react';
import { acceptToken } from '../api/auth.js';
import { checkToken } from '../api/client.js';

/**
 * Asks for the server's auth token after an API call answered 401/403. It cannot be dismissed:
 * nothing loads without the token. The token is checked by the server before it is kept.
 */
export function SignIn({ hadToken }: { hadToken: boolean }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter the token.');
      return;
    }
    setBusy(true);
    const checked = await checkToken(t);
    setBusy(false);
    if ('error' in checked) setError(checked.error);
    else acceptToken(t, checked.role);
  };

  return (
    <div className="modal-backdrop" role="presentation">
      <form className="modal sign-in" role="dialog" aria-label="Sign in" onSubmit={submit}>
        <h2>Sign in</h2>
        <p>
          {hadToken ? 'The token this tab held was refused. ' : ''}
          This Fluoro needs its auth token: the one <code>fluoro up</code> was started with (
          <code>FLUORO_AUTH_TOKEN</code> or <code>--auth-token-file</code>), or a read-only one, which can see
          everything but change nothing.
        </p>
        <label>
          Auth token
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            // biome-ignore lint/a11y/noAutofocus: the form is the only thing the page can do now
            autoFocus
            value={token}
            className={error ? 'invalid' : ''}
            onChange={(e) => {
              setToken(e.target.value);
              setError(undefined);
            }}
          />
        </label>
        {error && (
          <p className="sign-in-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <p className="muted">Kept in this tab only (sessionStorage) until you sign out or close it.</p>
      </form>
    </div>
  );
}
