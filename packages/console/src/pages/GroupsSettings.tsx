import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, deleteGroup, type Group, getGroups, saveGroup } from '../api/client.js';
import { quote } from '../model/filter-syntax.js';
import { Link, toHref } from '../router.js';

/**
 * Groups: named filter expressions (X-Ray's CreateGroup/UpdateGroup/DeleteGroup/GetGroups).
 * `readOnly`: listed without edit controls (the token cannot change them).
 */
export function GroupsSettings({ readOnly = false }: { readOnly?: boolean }) {
  const [groups, setGroups] = useState<Group[] | undefined | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ name: string; filter: string; isNew: boolean } | undefined>();
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads after a change
  useEffect(() => {
    getGroups()
      .then((g) => setGroups(g))
      .catch((e: unknown) => setError((e as Error).message));
  }, [tick]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    try {
      await saveGroup({ GroupName: editing.name, FilterExpression: editing.filter }, editing.isNew);
      setEditing(undefined);
      setError(undefined);
      setTick((t) => t + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Delete group ${name}?`)) return;
    try {
      await deleteGroup(name);
      setTick((t) => t + 1);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  if (groups === undefined)
    return (
      <p className="muted">
        Groups (named filter expressions) appear here once the server has the group APIs.
      </p>
    );
  return (
    <section data-testid="groups">
      <p className="muted">
        A group is a named filter expression: pick it on the Traces and Service map pages, or use{' '}
        <code>group.name = "…"</code> in a filter.
      </p>
      {error && (
        <p className="error-box" role="alert">
          {error}
        </p>
      )}
      {groups && groups.length > 0 && (
        <div className="table-wrap">
          <table className="traces">
            <thead>
              <tr>
                <th>Group</th>
                <th className="wide">Filter expression</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.GroupName} data-group={g.GroupName}>
                  <td>{g.GroupName}</td>
                  <td className="mono wide">{g.FilterExpression}</td>
                  <td className="nowrap">
                    <Link href={toHref('/', { group: g.GroupName })}>View traces</Link>{' '}
                    {!readOnly && (
                      <>
                        <button
                          type="button"
                          onClick={() =>
                            setEditing({ name: g.GroupName, filter: g.FilterExpression ?? '', isNew: false })
                          }
                        >
                          Edit
                        </button>{' '}
                        <button
                          type="button"
                          onClick={() =>
                            setEditing({
                              name: `${g.GroupName}-copy`.slice(0, 32),
                              filter: g.FilterExpression ?? '',
                              isNew: true,
                            })
                          }
                        >
                          Clone
                        </button>{' '}
                        {g.GroupName !== 'Default' && (
                          <button type="button" onClick={() => remove(g.GroupName)}>
                            Delete
                          </button>
                        )}
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing ? (
        <form className="group-form" onSubmit={submit}>
          <label>
            Name
            <input
              aria-label="Group name"
              value={editing.name}
              disabled={!editing.isNew}
              maxLength={32}
              onChange={(e) => setEditing({ ...editing, name: e.target.value })}
            />
          </label>
          <label className="grow">
            Filter expression
            <input
              aria-label="Group filter expression"
              className="mono"
              value={editing.filter}
              placeholder={`service(${quote('api')}) AND fault`}
              onChange={(e) => setEditing({ ...editing, filter: e.target.value })}
            />
          </label>
          <button type="submit" className="primary">
            {editing.isNew ? 'Create group' : 'Save'}
          </button>
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
        </form>
      ) : (
        !readOnly && (
          <p>
            <button type="button" onClick={() => setEditing({ name: '', filter: '', isNew: true })}>
              New group
            </button>
          </p>
        )
      )}
    </section>
  );
}
