/** X-Ray's documented limits and the sanitising rules applied before a value is recorded. */

/** Segment and subsegment names: at most 200 characters. */
export const MAX_NAME_LENGTH = 200;
/** Other strings (annotation values, user, URLs): at most 250 characters. */
export const MAX_STRING_LENGTH = 250;
/** Annotations indexed per trace; more are dropped and counted. */
export const MAX_ANNOTATIONS = 50;

// Allowed in names: Unicode letters, digits, whitespace and _ . : / % & # = + \ - @
const NAME_DISALLOWED = /[^\p{L}\p{N}\s_.:/%&#=+\\\-@]/gu;
const KEY_DISALLOWED = /[^A-Za-z0-9_]/g;

// Names repeat (one per route or function): remember recent results.
const nameCache = new Map<string, string>();

/** Cleans a (sub)segment name: drops disallowed characters, caps the length, never empty. */
export function sanitizeName(name: string): string {
  const cached = nameCache.get(name);
  if (cached !== undefined) return cached;
  let clean = name.replace(NAME_DISALLOWED, '').slice(0, MAX_NAME_LENGTH);
  if (clean.length === 0) clean = 'unnamed';
  if (nameCache.size >= 1000) nameCache.clear();
  nameCache.set(name, clean);
  return clean;
}

/**
 * Annotation keys must be `[A-Za-z0-9_]` to be filterable: other characters become `_`
 * (so `user.id` stays recognisable as `user_id` rather than vanishing).
 */
export function sanitizeAnnotationKey(key: string): string {
  return key.replace(KEY_DISALLOWED, '_').slice(0, MAX_STRING_LENGTH);
}

/** Caps a string at X-Ray's 250-character limit. */
export function capString(value: string): string {
  return value.length > MAX_STRING_LENGTH ? value.slice(0, MAX_STRING_LENGTH) : value;
}
