/** Distinct hues that read on light and dark backgrounds. */
// No red, yellow, green or purple: those mean fault, error, ok and throttle on the same screen.
const PALETTE = ['#3b82c4', '#e07b39', '#2aa198', '#5a6fd6', '#6b7f99', '#9c6b3f', '#1f9bb5', '#b0649b'];

/** A stable colour per service name (a string hash into a palette of distinct hues). */
export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  // FNV-1a's low bits depend only on the characters' low bits ('api', 'inventory' and
  // 'postgres@127.0.0.1' all landed on one colour), so mix the high bits down before `%`.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}
