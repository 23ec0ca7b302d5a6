/**
 * Credentials out of text: a database URL's password (and user) never reaches a stamp, a log line or an
 * error message. `redactUrl` shows a URL with its password replaced; `scrub` removes the secrets of the
 * given URLs from any text, such as a driver's error message.
 */

const URL_WITH_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*)(:[^/@\s]*)?@/gi;

/** `postgresql://lab:s3cret@db/x` → `postgresql://lab:***@db/x`; a URL without a password is unchanged. */
export function redactUrl(url: string): string {
  return url.replace(URL_WITH_USERINFO, (_all, scheme: string, user: string, password: string | undefined) => `${scheme}${user}${password ? ':***' : ''}@`);
}

/** `text` with every URL's password redacted and each of `secrets` (decoded too) replaced by `***`. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    for (const form of new Set([secret, safeDecode(secret)])) out = out.split(form).join('***');
  }
  return out;
}

/** The password a URL carries (percent-encoded as written), or null; for `scrub`. */
export function urlPassword(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^/@\s]*)@/i.exec(url);
  return m?.[1] ? m[1] : null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    // a password with a lone `%` is kept as written
    if (error instanceof URIError) return text;
    throw error;
  }
}
