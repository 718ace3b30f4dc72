/** Quick ranges offered by the time picker (value: how far back from now). */
export const QUICK_RANGES = ['5m', '15m', '1h', '3h', '6h', '12h', '1d', '3d', '7d', '30d'] as const;

/** The default range when the URL names none. */
export const DEFAULT_RANGE = '1h';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "15m" → 900000; undefined for anything that is not a number and one of s, m, h, d, w. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** A time range as the URL keeps it: a relative `last` or absolute `from`/`to` (epoch ms). */
export interface RangeSpec {
  last?: string;
  fromMs?: number;
  toMs?: number;
}

/** Resolves a range to absolute epoch milliseconds at `nowMs`; bad input falls back to the default. */
export function resolveRange(spec: RangeSpec, nowMs: number): { startMs: number; endMs: number } {
  if (spec.fromMs !== undefined && spec.toMs !== undefined && spec.toMs > spec.fromMs)
    return { startMs: spec.fromMs, endMs: spec.toMs };
  const back = parseDurationMs(spec.last ?? DEFAULT_RANGE) ?? parseDurationMs(DEFAULT_RANGE)!;
  return { startMs: nowMs - back, endMs: nowMs };
}

/** "2026-11-26T13:05" in local time for a datetime-local input. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** A duration in seconds for people: "850 µs", "12.3 ms", "1.52 s", "2m 05s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  const abs = Math.abs(s);
  if (abs < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (abs < 1) return `${trim(s * 1000)} ms`;
  if (abs < 60) return `${trim(s)} s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** "13:05:07.123" (local) for a timestamp in epoch seconds, with the date when not today. */
export function formatTime(epochS: number, nowMs: number): string {
  const d = new Date(epochS * 1000);
  const sameDay = new Date(nowMs).toDateString() === d.toDateString();
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return sameDay ? hms : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The timeline's zoom from the URL (`0.25,0.5`: fractions of the trace), whole trace when absent or bad. */
export function parseZoom(v: string | null): [number, number] {
  const m = /^([0-9.]+),([0-9.]+)$/.exec(v ?? '');
  if (!m) return [0, 1];
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a >= 0 && b <= 1 && b > a ? [a, b] : [0, 1];
}
