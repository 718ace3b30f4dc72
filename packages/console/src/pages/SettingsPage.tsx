import { useAuth } from '../api/auth.js';
import { GroupsSettings } from './GroupsSettings.js';
import { SamplingRulesSettings } from './SamplingRulesSettings.js';

/**
 * Settings: the sampling rules the SDKs receive, and groups. With a read-only token they are
 * shown without the controls that change them, which the server would refuse.
 */
export function SettingsPage() {
  const readOnly = useAuth().role === 'read-only';
  return (
    <div className="page settings-page">
      {readOnly && (
        <p className="muted" data-testid="read-only-note">
          Your auth token is read-only: sampling rules and groups can be seen here, not changed. Sign in with
          a full-access token to change them.
        </p>
      )}
      <h1 id="sampling-rules-title">Sampling rules</h1>
      <SamplingRulesSettings readOnly={readOnly} />
      <h1>Groups</h1>
      <GroupsSettings readOnly={readOnly} />
    </div>
  );
}
