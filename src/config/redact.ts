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

// scheme://userinfo@ anywhere in a text: the whole userinfo may be a token (https://TOKEN@host),
// so it goes; a user:password keeps the user name, which helps to recognise the URL.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@'"<>]*)@/gi;
// ?api_key=…, &access_token=…, ?password=…, &sig=… inside URLs or query strings: a parameter whose
// name holds key/token/secret/passw/pwd/credential, or is exactly sig/signature/auth.
const SECRET_PARAM =
  /([?&;](?:[^=&#\s'"<>]*(?:key|token|secret|passw|pwd|credential)[^=&#\s'"<>]*|sig|signature|auth)=)[^&#\s'"<>]*/gi;

/**
 * The one redaction of free text (messages, endpoints, rows): credentials inside URLs
 * (`http://user:pw@host` → `http://user:[REDACTED]@host`, `https://TOKEN@host` → `https://[REDACTED]@host`)
 * and secret query parameters (`?api_key=…`, `&token=…`) anywhere in the string.
 */
export function redactText(s: string): string {
  if (!s.includes('@') && !s.includes('=')) return s;
  return s
    .replace(URL_USERINFO, (_m, scheme: string, info: string) => {
      if (info === '' || info === REDACTED) return `${scheme}${info}@`;
      const colon = info.indexOf(':');
      if (colon < 0) return `${scheme}${REDACTED}@`;
      const pw = info.slice(colon + 1);
      return pw === REDACTED ? `${scheme}${info}@` : `${scheme}${info.slice(0, colon)}:${REDACTED}@`;
    })
    .replace(SECRET_PARAM, (_m, head: string) => `${head}${REDACTED}`);
}

function redactString(s: string): string {
  if (SECRET_VALUE.test(s.trim())) return REDACTED;
  return redactText(s);
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
