/** The placeholder that replaces a secret in exports. */
export const REDACTED = '[REDACTED]';

// Keys whose string values are secrets. maxTokens is a number, so it is never caught by 'token'.
const SECRET_KEY = /key|token|secret|password|passwd|authorization|credential|cookie/i;
// Values that are secrets wherever they appear: auth headers and the usual API-key prefixes.
const SECRET_VALUE = /^(bearer|basic|token)\s+\S+|^(sk|pk|rk|pplx|xai|gsk|hf|ghp|gho|glpat)[-_][A-Za-z0-9_-]{8,}/i;

/** Whether a value is (or contains) the redaction placeholder. */
export function isRedacted(v: unknown): boolean {
  return typeof v === 'string' && v.includes(REDACTED);
}

function redactString(s: string): string {
  if (SECRET_VALUE.test(s.trim())) return REDACTED;
  // Passwords in URLs (http://user:pass@host) and secret query parameters (?api_key=…).
  return s
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^@/\s]+@/i, `$1${REDACTED}@`)
    .replace(/([?&][^=&#]*(?:key|token|secret|password)[^=&#]*=)[^&#]*/gi, `$1${REDACTED}`);
}

/**
 * A deep copy with secrets replaced by "[REDACTED]": string values under keys that look like
 * key/token/secret/password (whole subtrees when the key is an object), auth-header-like values,
 * API-key-like values, and passwords inside URLs.
 */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown, secretKey: boolean): unknown => {
    if (typeof v === 'string') return secretKey && v !== '' ? REDACTED : redactString(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, secretKey));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, secretKey || SECRET_KEY.test(k));
      return out;
    }
    return v;
  };
  return walk(value, false) as T;
}
