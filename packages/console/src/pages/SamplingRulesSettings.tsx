import { useEffect, useState } from 'react';
import {
  createSamplingRule,
  deleteSamplingRule,
  getSamplingRules,
  getSamplingStatisticSummaries,
  type SamplingStatisticSummary,
  updateSamplingRule,
} from '../api/client.js';
import {
  DEFAULT_RULE_NAME,
  formatBoost,
  formatRate,
  NEW_RULE_FORM,
  orderRules,
  type RuleForm,
  type SamplingRuleRecord,
  skippedBySdks,
  toNewRule,
  toRuleForm,
  toRuleUpdate,
} from '../model/sampling-rules.js';
import { SamplingRuleForm } from './SamplingRuleForm.js';

/**
 * Sampling rules (X-Ray's GetSamplingRules/CreateSamplingRule/UpdateSamplingRule/
 * DeleteSamplingRule): the rules the SDKs polling this server receive, in the order they try
 * them, with a form to create and edit them, and what the SDKs reported for each over the
 * last minute (GetSamplingStatisticSummaries): requests matched, traced, and traced by borrowing.
 * `readOnly`: listed without edit controls (the token cannot change them).
 */
export function SamplingRulesSettings({ readOnly = false }: { readOnly?: boolean }) {
  const [rules, setRules] = useState<SamplingRuleRecord[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ form: RuleForm; isNew: boolean } | undefined>();
  const [tick, setTick] = useState(0);
  const [stats, setStats] = useState<Map<string, SamplingStatisticSummary>>(new Map());

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads after a change
  useEffect(() => {
    getSamplingRules()
      .then((r) => {
        setRules(orderRules(r));
        setLoadError(undefined);
      })
      .catch((e: unknown) => setLoadError((e as Error).message));
    // The counts are extra: when they cannot be read the rules still show, with dashes.
    getSamplingStatisticSummaries()
      .then((s) => setStats(new Map(s.map((x) => [x.RuleName, x]))))
      .catch(() => setStats(new Map()));
  }, [tick]);

  const open = (form: RuleForm, isNew: boolean) => {
    setError(undefined);
    setEditing({ form, isNew });
  };
  const submit = async () => {
    if (!editing) return;
    let saved: Promise<unknown>;
    if (editing.isNew) {
      const rule = toNewRule(editing.form);
      if (!rule.ok) return setError(rule.error);
      saved = createSamplingRule(rule.value);
    } else {
      const update = toRuleUpdate(editing.form);
      if (!update.ok) return setError(update.error);
      saved = updateSamplingRule(update.value);
    }
    try {
      await saved;
      setEditing(undefined);
      setError(undefined);
      setTick((t) => t + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Delete sampling rule ${name}? SDKs stop using it at their next poll.`)) return;
    try {
      await deleteSamplingRule(name);
      setError(undefined);
      if (editing?.form.name === name) setEditing(undefined);
      setTick((t) => t + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section data-testid="sampling-rules" aria-labelledby="sampling-rules-title">
      <p className="muted">
        A rule tells the X-Ray SDKs how many requests to trace: the first rule (lowest priority) whose
        service, host, method and URL path match a request (<code>*</code> and <code>?</code> wildcards)
        traces up to its reservoir each second, then its fixed rate of the rest. SDKs pick up changes at their
        next poll: the Node SDK every 5 minutes, the Python SDK within about 20 seconds.
      </p>
      {loadError && (
        <p className="error-box" role="alert">
          {loadError}
        </p>
      )}
      {!editing && error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {rules && (
        <div className="table-wrap">
          <table className="traces rules-table">
            <thead>
              <tr>
                <th>Rule</th>
                <th className="num">Priority</th>
                <th>Service name</th>
                <th>Host</th>
                <th>Method</th>
                <th>URL path</th>
                <th className="num">Fixed rate</th>
                <th className="num">Reservoir/s</th>
                <th className="num" title="Requests the SDKs matched to the rule in the last minute">
                  Requests/min
                </th>
                <th className="num" title="Of those, requests traced">
                  Traced
                </th>
                <th className="num" title="Of those traced, traced by borrowing before the SDK had a quota">
                  Borrowed
                </th>
                <th title="Adaptive sampling: how far the rate may be raised while the rule's services see errors, and how often">
                  Boost
                </th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.map(({ SamplingRule: r }) => {
                const isDefault = r.RuleName === DEFAULT_RULE_NAME;
                const st = stats.get(r.RuleName);
                return (
                  <tr key={r.RuleName} data-rule={r.RuleName}>
                    <td>
                      {r.RuleName}
                      {isDefault && (
                        <span className="chip" title="Applies to every request no other rule matches">
                          fallback
                        </span>
                      )}
                      {skippedBySdks(r) && (
                        <span
                          className="chip"
                          title="The X-Ray SDKs skip rules whose Resource ARN is not * or that have attributes"
                        >
                          SDKs skip it
                        </span>
                      )}
                    </td>
                    <td className="num">{r.Priority}</td>
                    <td className="mono">{r.ServiceName}</td>
                    <td className="mono">{r.Host}</td>
                    <td className="mono">{r.HTTPMethod}</td>
                    <td className="mono">{r.URLPath}</td>
                    <td className="num">{formatRate(r.FixedRate)}</td>
                    <td className="num">{r.ReservoirSize}</td>
                    <td className="num">{st ? st.RequestCount : '—'}</td>
                    <td className="num">{st ? st.SampledCount : '—'}</td>
                    <td className="num">{st ? st.BorrowCount : '—'}</td>
                    <td className="nowrap">{formatBoost(r)}</td>
                    <td className="nowrap">
                      {!readOnly && (
                        <button
                          type="button"
                          aria-label={`Edit rule ${r.RuleName}`}
                          onClick={() => open(toRuleForm(r), false)}
                        >
                          Edit
                        </button>
                      )}{' '}
                      {!readOnly && !isDefault && (
                        <button
                          type="button"
                          aria-label={`Delete rule ${r.RuleName}`}
                          onClick={() => remove(r.RuleName)}
                        >
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing ? (
        <SamplingRuleForm
          form={editing.form}
          isNew={editing.isNew}
          error={error}
          onChange={(form) => setEditing({ ...editing, form })}
          onSubmit={submit}
          onCancel={() => {
            setEditing(undefined);
            setError(undefined);
          }}
        />
      ) : (
        !readOnly && (
          <p>
            <button type="button" onClick={() => open(NEW_RULE_FORM, true)}>
              New rule
            </button>
          </p>
        )
      )}
    </section>
  );
}
