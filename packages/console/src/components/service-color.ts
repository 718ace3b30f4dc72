/** Distinct hues that read on light and dark backgrounds. */
const PALETTE = [
  '#3b82c4',
  '#e07b39',
  '#8e5bd0',
  '#2aa198',
  '#d0508a',
  '#7a9a2e',
  '#c9a227',
  '#5a6fd6',
  '#b5533c',
  '#3f9c5a',
  '#9c6b3f',
  '#6b7f99',
];

/** A stable colour per service name (a string hash into a palette of distinct hues). */
export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}
