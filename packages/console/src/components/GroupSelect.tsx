import { useEffect, useState } from 'react';
import { type Group, getGroups } from '../api/client.js';

/**
 * X-Ray's group selector: "All traces" or one group (a saved filter expression). Renders
 * nothing while the server has no group API or no groups.
 */
export function GroupSelect({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (g: string | undefined) => void;
}) {
  const [groups, setGroups] = useState<Group[] | undefined>();
  useEffect(() => {
    const ac = new AbortController();
    getGroups(ac.signal)
      .then(setGroups)
      .catch(() => setGroups(undefined));
    return () => ac.abort();
  }, []);
  const named = (groups ?? []).filter((g) => g.GroupName !== 'Default');
  if (named.length === 0 && !value) return null;
  return (
    <select aria-label="Group" value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
      <option value="">All traces</option>
      {named.map((g) => (
        <option key={g.GroupName} value={g.GroupName} title={g.FilterExpression}>
          Group: {g.GroupName}
        </option>
      ))}
      {value && !named.some((g) => g.GroupName === value) && <option value={value}>Group: {value}</option>}
    </select>
  );
}
