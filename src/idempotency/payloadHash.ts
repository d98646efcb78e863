import { createHash } from 'node:crypto';

/**
 * A short, stable hash of a record's payload: SHA-256 of its JSON with object
 * keys sorted (so `{a,b}` and `{b,a}` hash alike), base64url. Strings hash as
 * themselves.
 */
export function payloadHash(body: unknown): string {
  const text = typeof body === 'string' ? body : stableJson(body);
  return createHash('sha256').update(text).digest('base64url');
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
