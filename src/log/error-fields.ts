/**
 * The one way an error becomes log fields: its class, HTTP status and a truncated message. Never the request, the
 * response body or an event payload: Octokit errors carry the request (with its token header) and Probot's
 * AggregateError carries the webhook event, issue text and all.
 */
export interface ErrorFields {
  /** Constructor name, e.g. `RequestError`, `GraphqlResponseError`, `AggregateError`. */
  class?: string;
  status?: number;
  message: string;
}

export const MAX_ERROR_MESSAGE_CHARS = 300;

export function errorFields(err: unknown): ErrorFields {
  if (typeof err !== 'object' || err === null) return { message: String(err).slice(0, MAX_ERROR_MESSAGE_CHARS) };
  const e = err as { name?: unknown; status?: unknown; message?: unknown; errors?: unknown };
  // Probot's webhooks.receive rejects with an AggregateError around the handlers' errors; report the first inner one.
  const inner =
    Array.isArray(e.errors) && e.errors.length > 0 && e.name === 'AggregateError' ? errorFields(e.errors[0]) : null;
  const status = typeof e.status === 'number' ? e.status : inner?.status;
  const message = typeof e.message === 'string' && e.message ? e.message : (inner?.message ?? String(err));
  return {
    class: typeof e.name === 'string' ? e.name : undefined,
    ...(status !== undefined ? { status } : {}),
    message: message.slice(0, MAX_ERROR_MESSAGE_CHARS),
  };
}
