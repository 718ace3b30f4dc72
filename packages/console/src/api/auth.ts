import { useSyncExternalStore } from 'react';

/**
 * The console's copy of the server's auth token. Kept in sessionStorage: it lasts while the tab
 * does (a reload keeps it, closing the browser forgets it), is not written to disk for good,
 * and is not shared with every other tab of the origin as localStorage would be.
 */
const STORAGE_KEY = 'fluoro.authToken';

/** What the server lets this console's token do (`GET /api/auth`). */
export type AuthRole = 'full' | 'read-only';

export interface AuthState {
  /** The token sent as `Authorization: Bearer`; undefined: none is sent. */
  token: string | undefined;
  /**
   * What the server says the token may do; undefined until it has said (or when it cannot: an
   * older server). Controls that change data are hidden for `read-only`.
   */
  role: AuthRole | undefined;
  /** The server answered 401/403: the sign-in form shows. */
  required: boolean;
  /** Bumped at each sign-in and sign-out, so pages can load again with the new credentials. */
  epoch: number;
}

let state: AuthState = { token: readStored(), role: undefined, required: false, epoch: 0 };
const listeners = new Set<() => void>();

function update(next: Partial<AuthState>): void {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

function readStored(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the token lasts until the page is left
  }
}

function store(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: keep the token in memory only
  }
}

/** The headers every API call adds: the bearer token when one is held. */
export function authHeaders(): Record<string, string> {
  return state.token ? { authorization: `Bearer ${state.token}` } : {};
}

/**
 * Called by the API client on every answer: a 401 or 403 asks the user for the token. Not an
 * `AccessDeniedException`: the token was taken but is read-only, and the page shows the server's
 * message where the change was tried.
 */
export function noteAuthStatus(status: number, errorType?: string | null): void {
  if (status === 403 && errorType === 'AccessDeniedException') return;
  if ((status === 401 || status === 403) && !state.required) update({ required: true });
}

/** What the server said the token may do. */
export function noteRole(role: AuthRole | undefined): void {
  if (role !== state.role) update({ role });
}

/** Keeps a token the server took (see checkToken in client.ts); the pages load again with it. */
export function acceptToken(token: string, role?: AuthRole): void {
  store(token);
  update({ token, role, required: false, epoch: state.epoch + 1 });
}

/** Forgets the token; the pages load again, and ask for it if the server needs it. */
export function signOut(): void {
  store(undefined);
  update({ token: undefined, role: undefined, required: false, epoch: state.epoch + 1 });
}

/** The auth state, re-rendering on every change. */
export function useAuth(): AuthState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}
