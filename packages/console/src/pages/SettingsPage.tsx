import { GroupsSettings } from './GroupsSettings.js';
import { SamplingRulesSettings } from './SamplingRulesSettings.js';

/** Settings: the sampling rules the SDKs receive, and groups. */
export function SettingsPage() {
  return (
    <div className="page settings-page">
      <h1 id="sampling-rules-title">Sampling rules</h1>
      <SamplingRulesSettings />
      <h1>Groups</h1>
      <GroupsSettings />
    </div>
  );
}
