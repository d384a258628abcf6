/**
 * GitHub handle validation. Handles end up verbatim in issue bodies (`cc @…`), so anything that is not
 * strictly a handle is rejected: that is what stops Markdown/HTML injection via the subscriptions list.
 */

/** Login: alphanumerics and single hyphens, no leading/trailing hyphen, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** Team slug as GitHub generates it: alphanumerics, `-` and `_`. */
const TEAM_SLUG = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9_])?$/;

export type HandleCheck = { ok: true; handle: string } | { ok: false; reason: string };

/** Validates `@user` or `@org/team` (the `@` is required) and returns it as written. */
export function checkHandle(raw: string): HandleCheck {
  if (!raw.startsWith('@')) return { ok: false, reason: 'a handle must start with @' };
  const body = raw.slice(1);
  const slash = body.indexOf('/');
  if (slash === -1) {
    return LOGIN.test(body) && body.length <= 39
      ? { ok: true, handle: raw }
      : { ok: false, reason: 'not a valid GitHub user name (letters, digits and single hyphens, at most 39)' };
  }
  const org = body.slice(0, slash);
  const team = body.slice(slash + 1);
  if (!LOGIN.test(org)) return { ok: false, reason: 'not a valid organisation name in a team handle' };
  if (!TEAM_SLUG.test(team)) return { ok: false, reason: 'not a valid team slug (letters, digits, - and _)' };
  return { ok: true, handle: raw };
}

/** GitHub logins and team slugs are case-insensitive. */
export function handleKey(handle: string): string {
  return handle.replace(/^@/, '').toLowerCase();
}

/** Label names are unique case-insensitively within a repo, so matching is case-insensitive too. */
export function labelKey(label: string): string {
  return label.trim().toLowerCase();
}

/** Quotes a user-controlled string for a warning message without letting it break the status comment. */
export function quoteForMessage(s: string): string {
  const clipped = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return '`' + clipped.replace(/[`\r\n]/g, ' ') + '`';
}
