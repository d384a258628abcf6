/**
 * Call counters: per endpoint (`METHOD /route/{template}`), per issue (`owner/repo#n`), and a bounded request log,
 * so tests and benchmarks can assert "API calls per issue" without parsing logs.
 */

export interface RequestRecord {
  seq: number;
  method: string;
  path: string;
  /** `METHOD template`, e.g. `POST /repos/{owner}/{repo}/issues/{issue_number}/labels`, or `POST graphql:LabelBotIssueState`. */
  endpoint: string;
  /** Changes GitHub state: a REST call other than GET/HEAD, or a GraphQL mutation (GraphQL reads are POSTs too). */
  write: boolean;
  status: number;
  /** `owner/repo#n` when the request concerns one issue or pull request. */
  issue?: string;
  /** Login the request acted as (bot, user token, or `app` for JWT calls). */
  actor?: string;
  fault?: string;
}

export interface CounterSnapshot {
  total: number;
  byEndpoint: Record<string, number>;
  byIssue: Record<string, { total: number; byEndpoint: Record<string, number> }>;
  byStatus: Record<string, number>;
}

const LOG_LIMIT = 10_000;

export class Counters {
  private seq = 0;
  private total = 0;
  private byEndpoint = new Map<string, number>();
  private byIssue = new Map<string, Map<string, number>>();
  private byStatus = new Map<string, number>();
  private log: RequestRecord[] = [];

  record(entry: Omit<RequestRecord, 'seq'>): void {
    const rec = { ...entry, seq: ++this.seq };
    this.total++;
    this.byEndpoint.set(rec.endpoint, (this.byEndpoint.get(rec.endpoint) ?? 0) + 1);
    this.byStatus.set(String(rec.status), (this.byStatus.get(String(rec.status)) ?? 0) + 1);
    if (rec.issue) {
      const m = this.byIssue.get(rec.issue) ?? new Map<string, number>();
      m.set(rec.endpoint, (m.get(rec.endpoint) ?? 0) + 1);
      this.byIssue.set(rec.issue, m);
    }
    this.log.push(rec);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint.clear();
    this.byIssue.clear();
    this.byStatus.clear();
    this.log = [];
  }

  snapshot(): CounterSnapshot {
    const byIssue: CounterSnapshot['byIssue'] = {};
    for (const [issue, m] of this.byIssue) {
      byIssue[issue] = { total: [...m.values()].reduce((a, b) => a + b, 0), byEndpoint: Object.fromEntries(m) };
    }
    return {
      total: this.total,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byIssue,
      byStatus: Object.fromEntries(this.byStatus),
    };
  }

  /** Calls made about one issue; `endpoint` narrows to one endpoint. */
  forIssue(repoFullName: string, number: number, endpoint?: string): number {
    const m = this.byIssue.get(`${repoFullName}#${number}`.toLowerCase());
    if (!m) return 0;
    if (endpoint) return m.get(endpoint) ?? 0;
    return [...m.values()].reduce((a, b) => a + b, 0);
  }

  count(endpoint: string): number {
    return this.byEndpoint.get(endpoint) ?? 0;
  }

  requests(): RequestRecord[] {
    return [...this.log];
  }
}
