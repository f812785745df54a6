/**
 * Hiding the password of a PostgreSQL URL in everything memberctl prints. A password may be written in the user-info
 * part (`postgres://user:secret@host/db`, with or without a user, percent-encoded or with raw `@`, `/` or `?` in it)
 * or as a `password=` query parameter; a URL that does not parse is masked as generously as one that does.
 */

/** Any `scheme://` URL: PostgreSQL's, and the unsupported ones named back in a message. */
const urlScheme = /^[a-z][a-z0-9+.-]*:\/\//i;
const mask = '***';

/** Query parameters holding a secret: pg's `password`, and any other `...password` a libpq URL may carry. */
const secretParam = /([?&][^=&#]*password=)[^&#]*/gi;

/** The URL with its passwords replaced by `***`; anything that is not a `scheme://` URL (a file path) is returned as it is. */
export function maskDbUrl(url: string): string {
  const scheme = urlScheme.exec(url);
  if (!scheme) return url;
  const start = scheme[0].length;
  const at = userInfoEnd(url, start);
  let masked = url;
  if (at !== -1) {
    const colon = url.indexOf(':', start);
    if (colon !== -1 && colon < at) masked = `${url.slice(0, colon + 1)}${mask}${url.slice(at)}`;
  }
  return masked.replace(secretParam, `$1${mask}`);
}

/**
 * Where the user-info part ends (its `@`), or -1. In a URL that parses, that is the last `@` before the query; a
 * password holding a raw `/` moves that `@` into what a parser reads as the path, so the path is searched too. When
 * no `@` comes before the query, a raw `?` in the password may have started the query early: the last `@` of all is
 * taken, unless the URL parses with a path before its query (the query is then truly one: `?application_name=a@b`).
 */
function userInfoEnd(url: string, start: number): number {
  const query = url.slice(start).search(/[?#]/);
  const beforeQuery = query === -1 ? url.length : start + query;
  const at = url.lastIndexOf('@', beforeQuery - 1);
  if (at >= start) return at;
  const last = url.lastIndexOf('@');
  if (last < start) return -1;
  return URL.canParse(url) && url.slice(start, beforeQuery).includes('/') ? -1 : last;
}

/**
 * The password strings a database URL may carry, as written and decoded, for a last check of anything printed
 * (a message from a library, a stack trace). Short strings are left out: hiding every `ab` in a message would make
 * it unreadable, and the URL itself is masked by maskDbUrl whatever the length.
 */
export function dbSecrets(url: string | undefined): string[] {
  const trimmed = url?.trim() ?? '';
  if (!urlScheme.test(trimmed)) return [];
  const found = new Set<string>();
  const add = (value: string | null | undefined) => {
    if (!value) return;
    found.add(value);
    try {
      found.add(decodeURIComponent(value));
    } catch {
      // not valid percent-encoding: the value as written is all there is
    }
  };
  const start = trimmed.indexOf('//') + 2;
  const at = userInfoEnd(trimmed, start);
  if (at !== -1) {
    const colon = trimmed.indexOf(':', start);
    if (colon !== -1 && colon < at) add(trimmed.slice(colon + 1, at));
  }
  try {
    const parsed = new URL(trimmed);
    add(parsed.password);
    for (const [key, value] of parsed.searchParams) if (/password$/i.test(key)) add(value);
  } catch {
    // a URL that does not parse reaches no server: what the user-info part holds is masked above
  }
  for (const match of trimmed.matchAll(secretParam)) add(match[0].slice((match[1] ?? '').length));
  return [...found].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` replaced by `***`. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let hidden = text;
  for (const secret of secrets) hidden = hidden.split(secret).join(mask);
  return hidden;
}
