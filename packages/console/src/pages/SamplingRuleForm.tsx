import { type FormEvent, type KeyboardEvent, useId } from 'react';
import { DEFAULT_RULE_NAME, type RuleForm } from '../model/sampling-rules.js';

/** The text inputs of a rule, in X-Ray's order, with the form's label for each. */
const MATCH_FIELDS: [keyof RuleForm, string, number][] = [
  ['serviceName', 'Service name', 64],
  ['serviceType', 'Service type', 64],
  ['host', 'Host', 64],
  ['httpMethod', 'HTTP method', 10],
  ['urlPath', 'URL path', 128],
  ['resourceArn', 'Resource ARN', 500],
];

/**
 * Creates or edits one sampling rule. The name is fixed once created; `Default` takes only its
 * rate, reservoir and boost. The boost (adaptive sampling) is off while "Boost up to" is empty. Numbers are not range-checked here: the server's message names the
 * member it refuses, and `error` shows it beside the form. Escape cancels.
 */
export function SamplingRuleForm(props: {
  form: RuleForm;
  isNew: boolean;
  error: string | undefined;
  onChange: (form: RuleForm) => void;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const { form, isNew, onChange } = props;
  const isDefault = !isNew && form.name === DEFAULT_RULE_NAME;
  const errorId = useId();
  const set = (key: keyof RuleForm) => (e: { target: { value: string } }) =>
    onChange({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit();
  };
  const cancelOnEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') props.onCancel();
  };
  const number = (key: keyof RuleForm, label: string, step: string, autoFocus = false) => (
    <label>
      {label}
      <input
        type="number"
        step={step}
        className="num-input"
        value={form[key]}
        disabled={isDefault && key === 'priority'}
        // biome-ignore lint/a11y/noAutofocus: the form opens on a button press; typing goes to it
        autoFocus={autoFocus}
        aria-describedby={props.error ? errorId : undefined}
        onChange={set(key)}
      />
    </label>
  );
  return (
    <form
      className="group-form rule-form"
      aria-label={isNew ? 'New sampling rule' : `Edit sampling rule ${form.name}`}
      onSubmit={submit}
      onKeyDown={cancelOnEscape}
    >
      <label>
        Rule name
        <input
          value={form.name}
          disabled={!isNew}
          maxLength={32}
          // biome-ignore lint/a11y/noAutofocus: the form opens on a button press; typing goes to it
          autoFocus={isNew}
          onChange={set('name')}
        />
      </label>
      {number('priority', 'Priority', '1', !isNew && !isDefault)}
      {number('ratePercent', 'Fixed rate (%)', 'any', isDefault)}
      {number('reservoir', 'Reservoir (per second)', '1')}
      {number('boostPercent', 'Boost up to (%)', 'any')}
      {number('boostCooldown', 'Boost cooldown (minutes)', '1')}
      {MATCH_FIELDS.map(([key, label, max]) => (
        <label key={key}>
          {label}
          <input
            className="mono"
            value={form[key]}
            maxLength={max}
            disabled={isDefault}
            onChange={set(key)}
          />
        </label>
      ))}
      <button type="submit" className="primary">
        {isNew ? 'Create rule' : 'Save rule'}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
      {props.error && (
        <p id={errorId} className="error-box form-error" role="alert">
          {props.error}
        </p>
      )}
    </form>
  );
}
