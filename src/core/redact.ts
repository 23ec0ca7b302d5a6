/**
 * Secrets never reach a stamp, a registry file or a message: the one place that decides what looks like a
 * secret and replaces it with `[REDACTED]`. Two signals, used the same way for argv, pipeline params,
 * environment variables and text:
 * - the name: a flag, parameter or variable named like a credential (`--token`, `api_key`, `DB_PASS`); a
 *   strong name (token, password, secret…) hides any value, a weak one (key, auth, session…) hides a value
 *   that looks random (long, mixed, high entropy), so `--key text` survives;
 * - the value's shape: known token formats (Hugging Face `hf_`, OpenAI/Anthropic `sk-`, GitHub `ghp_` and
 *   `github_pat_`, Slack `xox?-` and webhooks, AWS `AKIA`, GitLab, Google, npm, PyPI, JWTs, private-key
 *   blocks) and the password of a URL (`scheme://user:PASS@host`), wherever they appear.
 * A value named like a file (`--token-file`, `TOKEN_PATH`) is a path, not a secret.
 */

export const REDACTED = '[REDACTED]';

/** Token formats with a fixed prefix; each is replaced wherever it occurs inside a value. */
export const SECRET_SHAPES: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{16,}/g },
  { name: 'OpenAI/Anthropic key', pattern: /\bsk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{16,}/g },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'Slack webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g },
  { name: 'AWS access key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { name: 'GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}/g },
  { name: 'PyPI token', pattern: /\bpypi-[A-Za-z0-9_-]{50,}/g },
  { name: 'Weights & Biases key', pattern: /\bwandb_v1_[A-Za-z0-9_]{20,}/g },
  { name: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g },
];

/** `scheme://user:password@host`: the password goes, the user and host stay. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)(@)/gi;

/** Words that make a name secret whatever its value. */
const STRONG = new Set(['token', 'tokens', 'secret', 'secrets', 'password', 'passwd', 'pwd', 'pass', 'passphrase', 'credential', 'credentials', 'cookie', 'cookies', 'apikey', 'webhook', 'bearer', 'pat']);
/** Words that make a name secret when its value looks random. */
const WEAK = new Set(['key', 'auth', 'session', 'sig', 'signature', 'salt', 'dsn', 'url', 'uri', 'conn', 'connection']);
/** Words that say the value is a path or a count, not the secret itself. */
const NOT_SECRET = new Set(['file', 'path', 'dir', 'env', 'var', 'name', 'count', 'num', 'max', 'min', 'len', 'length', 'limit', 'id', 'type', 'field', 'column', 'col', 'tokenizer', 'ids', 'budget', 'per', 'rate', 'size']);

function words(name: string): string[] {
  return name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export type SecretName = 'strong' | 'weak' | null;

/** How strongly a flag, parameter or variable name says its value is a secret. */
export function secretName(name: string): SecretName {
  const w = words(name);
  if (w.length === 0 || w.some((x) => NOT_SECRET.has(x))) return null;
  if (w.some((x) => STRONG.has(x))) return 'strong';
  // api_key, access_key, private_key, secret_key: compound credentials
  if (w.includes('key') && w.some((x) => ['api', 'access', 'private', 'secret', 'client', 'signing', 'encryption', 'master', 'license', 'subscription'].includes(x))) return 'strong';
  if (w.some((x) => WEAK.has(x))) return 'weak';
  return null;
}

/** A value that looks random enough to be a credential: long, no spaces, not a path, high entropy. */
export function looksRandom(value: string): boolean {
  if (value.length < 16 || /\s/.test(value) || /^[.~]?\//.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) entropy -= (n / value.length) * Math.log2(n / value.length);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return entropy >= 3.5 && classes >= 2;
}

/** Whether a value under `name` is hidden entirely. */
function hidesValue(name: string, value: string): boolean {
  if (value === '' || value === REDACTED) return false;
  const kind = secretName(name);
  if (kind === 'strong') return true;
  return kind === 'weak' && looksRandom(value);
}

/** `text` with every token of a known shape and every URL password replaced; flags inside stay readable. */
export function redactShapes(text: string): string {
  let out = text;
  for (const { pattern } of SECRET_SHAPES) out = out.replace(pattern, REDACTED);
  return out.replace(URL_CREDENTIALS, `$1${REDACTED}$3`);
}

/**
 * Free text (a shell command line, an error message, a log line): shapes, and the value after a secret-named
 * flag or assignment (`--token X`, `--api-key=X`, `HF_TOKEN=X`, `?token=X`).
 */
export function redactText(text: string): string {
  const shaped = redactShapes(text);
  return shaped.replace(/(^|[\s'"?&;])(--?[A-Za-z][\w-]*|[A-Za-z_][\w-]*)(=|\s+)("[^"]*"|'[^']*'|[^\s&'";]+)/g, (whole, lead: string, name: string, sep: string, value: string) => {
    if (!name.startsWith('-') && sep !== '=') return whole;
    const bare = value.replace(/^["']|["']$/g, '');
    if (/^-/.test(bare) && sep !== '=') return whole;
    return hidesValue(name, bare) ? `${lead}${name}${sep}${REDACTED}` : whole;
  });
}

export interface Redacted<T> {
  value: T;
  /** Where a value was hidden (`argv[3]`, `env.HF_TOKEN`, `params.token`), for the stamp and a warning. */
  where: string[];
}

/** argv: `--flag VALUE` and `--flag=VALUE` by the flag's name, every word by shape. */
export function redactArgv(argv: readonly string[], label = 'argv'): Redacted<string[]> {
  const where: string[] = [];
  const value = argv.map((word, i) => {
    const prev = i > 0 ? argv[i - 1] : undefined;
    if (prev !== undefined && /^--?[A-Za-z]/.test(prev) && !prev.includes('=') && !/^-/.test(word) && hidesValue(prev, word)) {
      where.push(`${label}[${i}] (${prev})`);
      return REDACTED;
    }
    const eq = /^(--?[A-Za-z][\w.-]*)=([\s\S]*)$/.exec(word);
    if (eq && hidesValue(eq[1] ?? '', eq[2] ?? '')) {
      where.push(`${label}[${i}] (${eq[1]})`);
      return `${eq[1]}=${REDACTED}`;
    }
    const text = redactText(word);
    if (text !== word) where.push(`${label}[${i}]`);
    return text;
  });
  return { value, where };
}

const ARGV_KEYS = new Set(['argv', 'template', 'cmd', 'command', 'args']);

/** A JSON-like value (pipeline params, recorded parameters): keys by name, strings by shape, recursively. */
export function redactValue(input: unknown, label: string): Redacted<unknown> {
  const where: string[] = [];
  const visit = (value: unknown, at: string, name: string | null): unknown => {
    if (typeof value === 'string') {
      if (name !== null && hidesValue(name, value)) {
        where.push(at);
        return REDACTED;
      }
      const text = redactText(value);
      if (text !== value) where.push(at);
      return text;
    }
    if (typeof value === 'number' && name !== null && secretName(name) === 'strong') {
      where.push(at);
      return REDACTED;
    }
    if (Array.isArray(value)) {
      // a command line: a flag names the word after it
      if (name !== null && ARGV_KEYS.has(name)) {
        const r = redactArgv(value.map(String), at);
        where.push(...r.where);
        return value.every((v) => typeof v === 'string') ? r.value : value.map((v, i) => (typeof v === 'string' ? r.value[i] : v));
      }
      return value.map((v, i) => visit(v, `${at}[${i}]`, name));
    }
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, `${at}.${k}`, k);
      return out;
    }
    return value;
  };
  return { value: visit(input, label, null), where };
}

/**
 * A variable named like a secret: the strong names, and any `*_KEY` or `*_AUTH*` whatever its value (a
 * variable called KEY is a credential far more often than a flag called --key is).
 */
function secretVariable(name: string): boolean {
  const kind = secretName(name);
  return kind === 'strong' || (kind === 'weak' && words(name).some((w) => w === 'key' || w === 'auth'));
}

/** Environment variables: a secret-named variable or a secret-shaped value is kept by name, its value hidden. */
export function redactEnv(env: Readonly<Record<string, string>>): Redacted<Record<string, string>> {
  const where: string[] = [];
  const value: Record<string, string> = {};
  for (const [name, v] of Object.entries(env)) {
    const hidden = v !== '' && (secretVariable(name) || hidesValue(name, v)) ? REDACTED : redactShapes(v);
    if (hidden !== v) where.push(`env.${name}`);
    value[name] = hidden;
  }
  return { value, where };
}
