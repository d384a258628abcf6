/**
 * GitHub REST issue download for `fetch-issues`: paginated via the Link header, pull requests excluded
 * (the issues endpoint returns both), rate-limit aware (waits for x-ratelimit-reset when the remaining
 * quota hits 0, honours retry-after on secondary limits). The token is sent, never logged.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface FetchIssuesOptions {
  token?: string;
  state?: 'all' | 'open' | 'closed';
  max?: number;
  apiUrl?: string;
  perPage?: number;
  /** How to wait between retries and out a rate limit (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  fetchImpl?: typeof fetch;
  maxRetries?: number;
  onPage?: (page: number, total: number) => void;
  onWait?: (ms: number, reason: string) => void;
}

export interface FetchedIssue {
  repo: string;
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: string;
  created_at: string;
}

interface RawIssue {
  number: number;
  title: string;
  body: string | null;
  labels: (string | { name?: string })[];
  state: string;
  created_at: string;
  pull_request?: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

/** How long to wait before retrying/continuing, from GitHub's rate-limit headers; 0 = no wait needed. */
export function rateLimitWait(res: Response, nowMs: number): { ms: number; reason: string } | null {
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter !== null && (res.status === 403 || res.status === 429)) {
    return { ms: Math.max(0, Number(retryAfter)) * 1000, reason: 'retry-after' };
  }
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(res.headers.get('x-ratelimit-reset'));
    const ms = Number.isFinite(reset) ? Math.max(0, reset * 1000 - nowMs) + 1000 : 60_000;
    return { ms, reason: 'x-ratelimit-remaining 0' };
  }
  return null;
}

export async function* fetchIssues(repo: string, opts: FetchIssuesOptions = {}): AsyncGenerator<FetchedIssue> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`repository must be owner/name, got "${repo}"`);
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetchImpl ?? fetch;
  const api = (opts.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  let url: string | null = `${api}/repos/${repo}/issues?state=${opts.state ?? 'all'}&per_page=${opts.perPage ?? 100}&sort=created&direction=asc`;
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'user-agent': 'label-bot-cli', 'x-github-api-version': '2022-11-28' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let page = 0;
  let total = 0;
  while (url) {
    let attempt = 0;
    let res: Response;
    for (;;) {
      res = await doFetch(url, { headers });
      const wait = rateLimitWait(res, now());
      if ((res.status === 403 || res.status === 429) && wait) {
        opts.onWait?.(wait.ms, wait.reason);
        await sleep(wait.ms);
        continue;
      }
      if (res.status >= 500 && attempt < (opts.maxRetries ?? 3)) {
        attempt++;
        const ms = 1000 * 2 ** attempt;
        opts.onWait?.(ms, `HTTP ${res.status}`);
        await sleep(ms);
        continue;
      }
      break;
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new Error(`GET ${url.replace(api, '')} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    const items = (await res.json()) as RawIssue[];
    page++;
    for (const it of items) {
      if (it.pull_request) continue;
      total++;
      yield {
        repo,
        number: it.number,
        title: it.title,
        body: it.body ?? '',
        labels: it.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter((l) => l !== ''),
        state: it.state,
        created_at: it.created_at,
      };
      if (opts.max !== undefined && total >= opts.max) return;
    }
    opts.onPage?.(page, total);
    url = nextLink(res.headers.get('link'));
    // Out of quota after this page: wait for the reset before asking for the next one.
    const wait = url ? rateLimitWait(res, now()) : null;
    if (wait && wait.ms > 0) {
      opts.onWait?.(wait.ms, wait.reason);
      await sleep(wait.ms);
    }
  }
}

export async function fetchIssuesToFile(repo: string, file: string, opts: FetchIssuesOptions = {}): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  try {
    for await (const issue of fetchIssues(repo, opts)) {
      if (!out.write(JSON.stringify(issue) + '\n')) await once(out, 'drain');
      n++;
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return n;
}
