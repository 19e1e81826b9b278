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

// The same secrets inside prose (a task's details, a pasted config line): API-key-like tokens, auth
// headers, and `api_key = …` / `"token": "…"` assignments, wherever they appear in the text.
const SECRET_TOKEN_IN_TEXT = /\b(?:sk|pk|rk|pplx|xai|gsk|hf|ghp|gho|glpat)[-_][A-Za-z0-9_-]{8,}/gi;
const AUTH_IN_TEXT = /\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
// Matched from the secret word on (`OPENAI_API_KEY=…` keeps `OPENAI_API_`), so no leading name is backtracked.
const ASSIGNMENT_IN_TEXT =
  /((?:key|token|secret|passw(?:or)?d|credential)[A-Za-z0-9_-]*["']?\s*[:=]\s*["']?)([^\s"',;]{6,})/gi;
// key|token|secret|passw|credential|bearer|basic|sk[-_]|pk[-_]|rk[-_]|pplx|xai|gsk|hf[-_]|gh[po]_|glpat,
// grouped by first letter: the same matches, a third faster over an exported history's text.
const MAYBE_SECRET =
  /k(?:ey)|t(?:oken)|s(?:ecret|k[-_])|p(?:assw|k[-_]|plx)|c(?:redential)|b(?:earer|asic)|r(?:k[-_])|x(?:ai)|g(?:sk|h[po]_|lpat)|h(?:f[-_])/i;

/**
 * `redactText` for free text that may quote secrets anywhere (exported datasets, pasted notes): the
 * export redaction's key/value patterns applied inside the text. Returns the text and how many
 * secrets were replaced.
 */
export function redactProse(s: string): { text: string; redacted: number } {
  if (!MAYBE_SECRET.test(s) && !s.includes('@') && !s.includes('=')) return { text: s, redacted: 0 };
  let n = 0;
  const count = (r: string) => {
    n++;
    return r;
  };
  const text = redactText(s)
    .replace(ASSIGNMENT_IN_TEXT, (m, head: string, value: string) =>
      value === REDACTED || /^\d+$/.test(value) ? m : count(`${head}${REDACTED}`),
    )
    .replace(AUTH_IN_TEXT, (m, word: string, sp: string) =>
      m.endsWith(REDACTED) ? m : count(`${word}${sp}${REDACTED}`),
    )
    .replace(SECRET_TOKEN_IN_TEXT, () => count(REDACTED));
  const urls = (text.match(/\[REDACTED\]/g)?.length ?? 0) - (s.match(/\[REDACTED\]/g)?.length ?? 0) - n;
  return { text, redacted: n + Math.max(0, urls) };
}
