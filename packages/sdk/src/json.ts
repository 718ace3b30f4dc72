/** Hand-written JSON for the hot path (every request's segment is rendered with these). */
import type { HttpData } from './entity.js';

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]|[\ud800-\udfff]/;

const quotedNames = new Map<string, string>();

/** `quote()` for names, which repeat (one per function or route): remembered. */
export function quoteName(name: string): string {
  let q = quotedNames.get(name);
  if (q === undefined) {
    q = quote(name);
    if (quotedNames.size >= 1000) quotedNames.clear();
    quotedNames.set(name, q);
  }
  return q;
}

/** JSON string literal; skips JSON.stringify for the common plain-text case. */
export function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** The `http` block as JSON, written by hand (it is on every request's hot path). */
export function httpJson(http: HttpData): string {
  const parts: string[] = [];
  const req = http.request;
  if (req) {
    let r = '';
    if (req.method !== undefined) r += `,"method":${quote(req.method)}`;
    if (req.url !== undefined) r += `,"url":${quote(req.url)}`;
    if (req.user_agent !== undefined) r += `,"user_agent":${quote(req.user_agent)}`;
    if (req.client_ip !== undefined) r += `,"client_ip":${quote(req.client_ip)}`;
    if (req.x_forwarded_for !== undefined) r += `,"x_forwarded_for":${req.x_forwarded_for === true}`;
    if (req.traced !== undefined) r += `,"traced":${req.traced === true}`;
    parts.push(`"request":{${r.slice(1)}}`);
  }
  const res = http.response;
  if (res) {
    let r = '';
    if (Number.isFinite(res.status)) r += `,"status":${res.status}`;
    if (Number.isFinite(res.content_length)) r += `,"content_length":${res.content_length}`;
    parts.push(`"response":{${r.slice(1)}}`);
  }
  return `{${parts.join(',')}}`;
}
