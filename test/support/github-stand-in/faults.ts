/**
 * Fault injection: each rule matches requests by method and route template (or a path regex) and fires
 * either for the next `times` matching requests or with a `probability` drawn from a seeded RNG,
 * so a flaky run can be replayed exactly.
 */
import { seededRandom } from '../../../src/seeded-random';
import { HttpError } from './router';

export type FaultKind =
  /** Delay the real answer by `latencyMs`. */
  | 'latency'
  /** Answer `status` (default 502) with GitHub's error body instead of the real answer. */
  | 'status'
  /** Never answer; the client's own timeout (or the server closing) ends the request. */
  | 'hang'
  /** 403 + `retry-after`, with the message Octokit's throttling plugin recognises as a secondary limit. */
  | 'secondary-rate-limit'
  /** 403 with `x-ratelimit-remaining: 0`, as when the hourly quota is spent. */
  | 'rate-limit';

export interface FaultRule {
  kind: FaultKind;
  /** Upper-case HTTP method; omitted = any. */
  method?: string;
  /** Route template as counted, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/labels`, or `graphql:LabelBotIssueState`. */
  route?: string;
  /** Tested against the request path (no query). */
  path?: RegExp;
  /**
   * `owner/repo#n` the request concerns, from its REST path or its GraphQL variables (case-insensitive): the way to aim
   * at one issue's GraphQL calls, which all share the path `/graphql`.
   */
  issue?: string;
  /** Fire for the next N matching requests, then retire. */
  times?: number;
  /** Fire with this probability per matching request (seeded RNG). Default 1. */
  probability?: number;
  latencyMs?: number;
  status?: number;
  retryAfterSeconds?: number;
}

export interface ActiveFault extends FaultRule {
  id: number;
  fired: number;
}

export class Faults {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(seed = 42) {
    this.random = seededRandom(seed);
  }

  seed(seed: number): void {
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, fired: 0 });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Rules that fire for this request, in the order added; exhausted `times` rules retire. */
  pick(method: string, route: string, path: string, issue?: string): ActiveFault[] {
    const fired: ActiveFault[] = [];
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.route && rule.route !== route) continue;
      if (rule.path && !rule.path.test(path)) continue;
      if (rule.issue && rule.issue.toLowerCase() !== issue?.toLowerCase()) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired++;
      fired.push(rule);
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.fired < r.times);
    return fired;
  }
}

/** The error answer of a `status`, `secondary-rate-limit` or `rate-limit` fault, with GitHub's message and headers. */
export function faultError(fault: FaultRule): HttpError {
  if (fault.kind === 'secondary-rate-limit') {
    return new HttpError(
      403,
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID stand-in.',
      {
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
      { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
    );
  }
  if (fault.kind === 'rate-limit') {
    return new HttpError(
      403,
      'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID stand-in.',
      { documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
      {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + (fault.retryAfterSeconds ?? 1)),
      },
    );
  }
  const status = fault.status ?? 502;
  return new HttpError(status, status === 502 ? 'Server Error' : 'Internal Server Error');
}
