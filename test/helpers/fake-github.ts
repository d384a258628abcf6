import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { helperBots as registerHelpers, type HelperBotDeps as HelpersDeps } from '../../src/app';
import { createLogger } from '../../src/log/logger';

/**
 * In-memory model of the slice of GitHub the helpers touch (issues, PRs, labels, issue events, git refs, statuses,
 * dispatches, comments, contents, permissions), served through nock. Writes mutate the model, so repeated deliveries
 * see what earlier ones did, and every write is recorded so tests can count them.
 */

export const OWNER = 'acme';
export const REPO = 'widgets';
export const FULL = `${OWNER}/${REPO}`;
const API = 'https://api.github.com';

export interface Actor {
  login: string;
  type: 'User' | 'Bot';
}
export const human = (login: string): Actor => ({ login, type: 'User' });
export const BOT: Actor = { login: 'label-bot[bot]', type: 'Bot' };

export interface FakeItem {
  number: number;
  body: string | null;
  author: Actor;
  labels: string[];
  state: 'open' | 'closed';
  pull?: { headSha: string; headRepo: string };
  events: Array<{ event: 'labeled' | 'unlabeled'; label: string; actor: Actor; created_at: string }>;
  comments: Array<{ id: number; body: string; user: Actor }>;
}

export interface Write {
  method: string;
  path: string;
  body: unknown;
}

export class FakeGitHub {
  items = new Map<number, FakeItem>();
  refs = new Map<string, string>();
  /** SHAs reachable from the base repo (including fork heads reachable via refs/pull/N/head). */
  objects = new Set<string>();
  statuses = new Map<string, Array<{ context: string; state: string }>>();
  dispatches: Array<{ event_type: string; client_payload: Record<string, unknown> }> = [];
  repoFile: string | undefined;
  permissions: Record<string, string> = {};
  writes: Write[] = [];
  /** Every API request except installation-token minting. */
  requests = 0;
  private nextComment = 1;
  private issueEtag = 0;

  addIssue(init: Partial<FakeItem> & { number: number }): FakeItem {
    const item: FakeItem = { body: '', author: human('reporter'), labels: [], state: 'open', events: [], comments: [], ...init };
    this.items.set(item.number, item);
    return item;
  }

  addPull(init: Partial<FakeItem> & { number: number; headSha: string; headRepo?: string; reachable?: boolean }): FakeItem {
    const { headSha, headRepo, reachable, ...rest } = init;
    const item = this.addIssue({ ...rest, pull: { headSha, headRepo: headRepo ?? FULL } });
    if (reachable !== false) this.objects.add(headSha);
    return item;
  }

  /** What GitHub does when someone labels an item (the webhook is delivered separately by the test). */
  label(number: number, label: string, actor: Actor, at = new Date().toISOString()): void {
    const item = this.items.get(number)!;
    if (!item.labels.some((l) => l.toLowerCase() === label.toLowerCase())) item.labels.push(label);
    item.events.push({ event: 'labeled', label, actor, created_at: at });
  }

  unlabel(number: number, label: string, actor: Actor, at = new Date().toISOString()): void {
    const item = this.items.get(number)!;
    item.labels = item.labels.filter((l) => l.toLowerCase() !== label.toLowerCase());
    item.events.push({ event: 'unlabeled', label, actor, created_at: at });
  }

  writesTo(pattern: RegExp): Write[] {
    return this.writes.filter((w) => pattern.test(`${w.method} ${w.path}`));
  }

  private issueJson(item: FakeItem) {
    return {
      number: item.number,
      body: item.body,
      state: item.state,
      user: { login: item.author.login, type: item.author.type },
      labels: item.labels.map((name) => ({ name })),
      ...(item.pull ? { pull_request: { url: `${API}/repos/${FULL}/pulls/${item.number}` } } : {}),
    };
  }

  private pullJson(item: FakeItem) {
    return {
      ...this.issueJson(item),
      head: { sha: item.pull!.headSha, repo: { full_name: item.pull!.headRepo } },
      base: { repo: { full_name: FULL } },
    };
  }

  /** Routes one request; returns [status, body, headers?]. */
  route(method: string, rawPath: string, body: Record<string, unknown>): [number, unknown, Record<string, string>?] {
    const url = new URL(rawPath, API);
    const path = decodeURIComponent(url.pathname);
    const repoPrefix = `/repos/${FULL}`;
    if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(path)) {
      return [201, { token: 'installation-token', expires_at: new Date(Date.now() + 3600_000).toISOString() }];
    }
    this.requests++;
    if (method === 'POST' && path === '/graphql' && String(body.query ?? '').includes('LabelBotIssueEditor')) {
      // The config cache's TTL refresh asks who last edited a changed body; this fake keeps no edit history, so the
      // author counts as the editor.
      const it = this.items.get(Number((body.variables as { number?: unknown } | undefined)?.number));
      return [200, { data: { repository: { issue: it ? { editor: null, author: { login: it.author.login, __typename: it.author.type } } : null } } }];
    }
    if (!path.startsWith(repoPrefix)) return [404, { message: 'Not Found' }];
    const p = path.slice(repoPrefix.length);
    if (method !== 'GET') this.writes.push({ method, path: p, body });
    let m: RegExpExecArray | null;
    const item = (n: string | undefined) => this.items.get(Number(n));

    if (method === 'GET' && p === '/contents/.github/issue_label_bot.yaml') {
      return this.repoFile === undefined ? [404, { message: 'Not Found' }] : [200, this.repoFile, { 'content-type': 'text/plain; charset=utf-8' }];
    }
    if ((m = /^\/issues\/(\d+)$/.exec(p))) {
      const it = item(m[1]);
      if (!it) return [404, { message: 'Not Found' }];
      if (method === 'PATCH') {
        if (typeof body.body === 'string') it.body = body.body;
        this.issueEtag++;
      }
      return [200, this.issueJson(it), { etag: `"issue-${it.number}-${this.issueEtag}"` }];
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(p))) {
      const it = item(m[1]);
      if (!it?.pull) return [404, { message: 'Not Found' }];
      if (method === 'PATCH' && typeof body.body === 'string') it.body = body.body;
      return [200, this.pullJson(it)];
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(p)) && method === 'POST') {
      const it = item(m[1])!;
      for (const l of body.labels as string[]) this.label(it.number, l, BOT);
      return [200, it.labels.map((name) => ({ name }))];
    }
    if ((m = /^\/issues\/(\d+)\/events$/.exec(p)) && method === 'GET') {
      const it = item(m[1])!;
      return [200, it.events.map((e, i) => ({ id: i + 1, event: e.event, actor: e.actor, label: { name: e.label }, created_at: e.created_at }))];
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(p))) {
      const it = item(m[1])!;
      if (method === 'POST') {
        const c = { id: this.nextComment++, body: String(body.body), user: BOT };
        it.comments.push(c);
        return [201, c];
      }
      return [200, it.comments];
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(p)) && method === 'PATCH') {
      for (const it of this.items.values()) {
        const c = it.comments.find((x) => x.id === Number(m![1]));
        if (c) {
          c.body = String(body.body);
          return [200, c];
        }
      }
      return [404, { message: 'Not Found' }];
    }
    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(p))) {
      const perm = this.permissions[m[1]!] ?? 'read';
      return [200, { permission: perm, role_name: perm }];
    }
    if ((m = /^\/git\/ref\/(.+)$/.exec(p)) && method === 'GET') {
      const sha = this.refs.get(m[1]!);
      return sha ? [200, { ref: `refs/${m[1]}`, object: { sha, type: 'commit' } }] : [404, { message: 'Not Found' }];
    }
    if (p === '/git/refs' && method === 'POST') {
      const ref = String(body.ref).replace(/^refs\//, '');
      if (this.refs.has(ref)) return [422, { message: 'Reference already exists' }];
      if (!this.objects.has(String(body.sha))) return [422, { message: 'Object does not exist' }];
      this.refs.set(ref, String(body.sha));
      return [201, { ref: `refs/${ref}`, object: { sha: body.sha } }];
    }
    if ((m = /^\/git\/refs\/(.+)$/.exec(p))) {
      const ref = m[1]!;
      if (method === 'PATCH') {
        if (!this.refs.has(ref)) return [422, { message: 'Reference does not exist' }];
        if (!this.objects.has(String(body.sha))) return [422, { message: 'Object does not exist' }];
        this.refs.set(ref, String(body.sha));
        return [200, { ref: `refs/${ref}`, object: { sha: body.sha } }];
      }
      if (method === 'DELETE') {
        if (!this.refs.delete(ref)) return [422, { message: 'Reference does not exist' }];
        return [204, ''];
      }
    }
    if ((m = /^\/commits\/([0-9a-f]+)\/statuses$/.exec(p))) return [200, this.statuses.get(m[1]!) ?? []];
    if ((m = /^\/statuses\/([0-9a-f]+)$/.exec(p)) && method === 'POST') {
      const list = this.statuses.get(m[1]!) ?? [];
      list.unshift({ context: String(body.context), state: String(body.state) });
      this.statuses.set(m[1]!, list);
      return [201, list[0]];
    }
    if (p === '/dispatches' && method === 'POST') {
      this.dispatches.push(body as (typeof this.dispatches)[number]);
      return [204, ''];
    }
    return [404, { message: `fake: no route for ${method} ${p}` }];
  }

  install(): void {
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE'] as const) {
      nock(API)
        .persist()
        .intercept(/.*/, method)
        .reply((uri, requestBody) => {
          const body = typeof requestBody === 'string' && requestBody ? JSON.parse(requestBody) : (requestBody ?? {});
          const [status, json, headers] = this.route(method, uri, body as Record<string, unknown>);
          return [status, json as nock.Body, headers ?? {}];
        });
    }
  }
}

/**
 * `ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } })`, in the function form:
 * Probot merges its own throttle options (without `enabled`) over object-form defaults, which re-enables the write
 * limiter (1 s between writes). The function runs last, so throttling really stays off.
 */
const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...((options.throttle as object | undefined) ?? {}), enabled: false },
}));
const privateKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
}).privateKey;

export function makeProbot(deps: HelpersDeps = {}): Probot {
  const probot = new Probot({ appId: 1, privateKey, Octokit: TestOctokit, log: createLogger('probot-test') });
  probot.load((app) => {
    registerHelpers(app, deps);
  });
  return probot;
}

const repository = { id: 1, name: REPO, full_name: FULL, owner: { login: OWNER, type: 'Organization' }, private: false };

let delivery = 0;

/** Delivers a webhook built from the model's current state, like GitHub does at the moment of the action. */
export async function deliver(probot: Probot, fake: FakeGitHub, name: 'issues' | 'pull_request', payload: Record<string, unknown>): Promise<void> {
  await probot.receive({
    id: `delivery-${++delivery}`,
    name,
    payload: { repository, installation: { id: 42 }, ...payload },
  } as unknown as Parameters<Probot['receive']>[0]);
  void fake;
}

export function issuePayload(fake: FakeGitHub, number: number) {
  const it = fake.items.get(number)!;
  return {
    number,
    body: it.body,
    state: it.state,
    user: { login: it.author.login, type: it.author.type },
    labels: it.labels.map((name) => ({ name })),
  };
}

export function pullPayload(fake: FakeGitHub, number: number) {
  const it = fake.items.get(number)!;
  return {
    ...issuePayload(fake, number),
    head: { sha: it.pull!.headSha, repo: { full_name: it.pull!.headRepo } },
    base: { repo: { full_name: FULL } },
  };
}

/** `labeled` event as GitHub would send it right after `fake.label(...)`. */
export function labeledEvent(fake: FakeGitHub, number: number, label: string, sender: Actor) {
  const it = fake.items.get(number)!;
  return it.pull
    ? { action: 'labeled', label: { name: label }, sender, pull_request: pullPayload(fake, number), number }
    : { action: 'labeled', label: { name: label }, sender, issue: issuePayload(fake, number) };
}
