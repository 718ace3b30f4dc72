import type { Outcome } from '../model/outcome.js';

const LABEL: Record<Outcome, string> = {
  ok: 'OK',
  error: 'Error',
  fault: 'Fault',
  throttle: 'Throttle',
  pending: 'In progress',
};

/** A small coloured label for an outcome (never colour alone: the word is there too). */
export function OutcomeBadge({ outcome, status }: { outcome: Outcome; status?: number | undefined }) {
  return (
    <span className={`badge badge-${outcome}`}>
      {status !== undefined ? `${status} ` : ''}
      {LABEL[outcome]}
    </span>
  );
}
