/** A stable colour per service name (hue from a string hash), readable in both themes. */
export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return `hsl(${(h >>> 0) % 360} 55% 52%)`;
}
