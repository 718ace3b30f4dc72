import { useEffect, useState } from 'react';
import { post } from '../api/client.js';
import { GroupsSettings } from './GroupsSettings.js';

interface SamplingRuleRecord {
  SamplingRule?: {
    RuleName?: string;
    Priority?: number;
    ReservoirSize?: number;
    FixedRate?: number;
    ServiceName?: string;
    ServiceType?: string;
    Host?: string;
    HTTPMethod?: string;
    URLPath?: string;
  };
}

/** Settings: the sampling rules the SDKs receive (read-only until the rule APIs land) and groups. */
export function SettingsPage() {
  const [rules, setRules] = useState<SamplingRuleRecord[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    post<{ SamplingRuleRecords?: SamplingRuleRecord[] }>('/GetSamplingRules', {})
      .then((r) => setRules(r.SamplingRuleRecords ?? []))
      .catch((e: unknown) => setError((e as Error).message));
  }, []);
  return (
    <div className="page settings-page">
      <h1>Sampling rules</h1>
      <p className="muted">
        What X-Ray SDKs polling this server receive. Rules match with <code>*</code> and <code>?</code>{' '}
        wildcards; the lowest priority number wins.
      </p>
      {error && <p className="error-box">{error}</p>}
      {rules && (
        <div className="table-wrap">
          <table className="traces">
            <thead>
              <tr>
                <th>Rule</th>
                <th className="num">Priority</th>
                <th className="num">Reservoir/s</th>
                <th className="num">Rate</th>
                <th>Service</th>
                <th>Type</th>
                <th>Host</th>
                <th>Method</th>
                <th>URL path</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r, i) => {
                const s = r.SamplingRule ?? {};
                return (
                  <tr key={s.RuleName ?? i}>
                    <td>{s.RuleName}</td>
                    <td className="num">{s.Priority}</td>
                    <td className="num">{s.ReservoirSize}</td>
                    <td className="num">
                      {s.FixedRate !== undefined ? `${(s.FixedRate * 100).toFixed(1)}%` : ''}
                    </td>
                    <td>{s.ServiceName}</td>
                    <td>{s.ServiceType}</td>
                    <td>{s.Host}</td>
                    <td>{s.HTTPMethod}</td>
                    <td>{s.URLPath}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        Creating, editing and deleting rules needs the sampling-rule APIs, which this server does not have
        yet.
      </p>
      <h1>Groups</h1>
      <GroupsSettings />
    </div>
  );
}
