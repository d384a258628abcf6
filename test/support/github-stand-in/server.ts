import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRoutes } from './control';
import { Counters } from './counters';
import { Faults } from './faults';
import { builtinOperations, type GraphqlResolver } from './graphql';
import { handleRequest, type HandlerState } from './http-handler';
import { fullName, type Account, type AccountType, type Issue, type Permission, type Repo } from './model';
import { restRoutes } from './rest';
import { compileRoute, type Handler, type Route } from './router';
import { GitHubStore, NotFound } from './store';
import { RateLimits } from './rate-limit';
import { renderUi } from './ui';
import { Webhooks, type WebhookDelivery, type WebhookTarget } from './webhooks';

export interface StandInOptions {
  /** Default 0: a free port. */
  port?: number;
  host?: string;
  app?: { id?: number; slug?: string; name?: string };
  webhookSecret?: string;
  /** URL (POSTed like GitHub) or a function (in-process delivery). Can be set later with `setWebhookTarget`. */
  webhookTarget?: WebhookTarget;
  /** Auto-send webhooks for changes: `control` = made by tests/humans, `api` = made by our code through the API (REST or GraphQL mutations). */
  autoWebhooks?: { control?: boolean; api?: boolean };
  /** Auto-sent webhooks per issue before the loop guard stops sending. Default 100. */
  maxWebhooksPerIssue?: number;
  /** A URL target that takes longer than this fails the delivery with a timeout, like GitHub's 10 s. Default 10000. */
  webhookTimeoutMs?: number;
  /** Reject tokens the stand-in never issued (401 Bad credentials). Default false: they act as the app's bot. */
  strictAuth?: boolean;
  /** Seed of the RNG behind probabilistic faults. */
  seed?: number;
  /**
   * Primary rate limit per token per hour, shown in `x-ratelimit-*` (default 5000). Enforced (403 once spent) only
   * when set explicitly, so long benchmarks are not cut off by the default.
   */
  rateLimit?: number;
}

export interface IssueSnapshot {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  author: string;
  labels: string[];
  comments: { id: number; body: string; author: string; authorType: AccountType }[];
  events: { event: string; label?: string; actor: string; actorType: AccountType; createdAt: string }[];
  isPullRequest: boolean;
}

type RepoRef = string | Repo;

/**
 * An in-memory GitHub on 127.0.0.1 for tests, benchmarks and the demo. Point Octokit's `baseUrl` at `url`.
 * The methods below are the control API (also reachable over HTTP under `/_control`, see control.ts).
 */
export class GitHubStandIn {
  readonly store: GitHubStore;
  readonly faults: Faults;
  readonly counters = new Counters();
  readonly webhooks: Webhooks;
  readonly graphql: Map<string, GraphqlResolver> = builtinOperations();
  readonly webhookSecret: string;
  private readonly routes: Route[] = restRoutes();
  private readonly control: Route[];
  private readonly server: Server;
  private readonly rate: RateLimits;
  private baseUrl = '';

  constructor(private readonly options: StandInOptions = {}) {
    this.store = new GitHubStore({
      id: options.app?.id ?? 12345,
      slug: options.app?.slug ?? 'label-bot',
      name: options.app?.name ?? 'label-bot',
    });
    this.faults = new Faults(options.seed ?? 42);
    this.webhookSecret = options.webhookSecret ?? 'stand-in-webhook-secret';
    this.webhooks = new Webhooks(this.store, () => this.baseUrl, {
      secret: this.webhookSecret,
      target: options.webhookTarget,
      fromControl: options.autoWebhooks?.control ?? true,
      fromApi: options.autoWebhooks?.api ?? true,
      maxPerIssue: options.maxWebhooksPerIssue ?? 100,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
    });
    this.control = controlRoutes(this);
    this.rate = new RateLimits(options.rateLimit);
    this.server = createServer((req, res) => void handleRequest(this.httpState(), req, res));
  }

  private httpState(): HandlerState {
    return {
      store: this.store,
      faults: this.faults,
      counters: this.counters,
      rate: this.rate,
      graphql: this.graphql,
      routes: this.routes,
      control: this.control,
      strictAuth: this.options.strictAuth ?? false,
      baseUrl: this.baseUrl,
      renderUi: (path: string) => renderUi(this, path),
    };
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.baseUrl = `http://${addr.address}:${addr.port}`;
    return this;
  }

  /** Base URL for Octokit (`baseUrl`) — REST lives at the root, GraphQL at `${url}/graphql`, like GHES minus `/api/v3`. */
  get url(): string {
    return this.baseUrl;
  }

  get appId(): number {
    return this.store.app.id;
  }

  get botLogin(): string {
    return this.store.bot.login;
  }

  async close(): Promise<void> {
    await this.webhooks.idle().catch(() => undefined);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Add or override a REST route at runtime (tests of endpoints the stand-in lacks). Later routes win. */
  route(method: string, template: string, handler: Handler, auth: Route['auth'] = 'read'): void {
    this.routes.unshift(compileRoute(method.toUpperCase(), template, auth, handler));
  }

  setWebhookTarget(target: WebhookTarget | undefined): void {
    this.webhooks.setTarget(target);
  }

  // ---------------- control API (TypeScript) ----------------

  repo(ref: RepoRef): Repo {
    if (typeof ref !== 'string') return ref;
    const [owner, name] = ref.split('/');
    return this.store.requireRepo(owner ?? '', name ?? '');
  }

  createRepo(
    fullRepoName: string,
    opts: {
      private?: boolean;
      files?: Record<string, string>;
      ownerType?: AccountType;
      installationId?: number;
      install?: boolean;
    } = {},
  ): Repo {
    const [owner, name] = fullRepoName.split('/');
    if (!owner || !name) throw new Error(`repo must be owner/name, got ${fullRepoName}`);
    return this.store.createRepo({ owner, name, ...opts });
  }

  /** Create or replace a file on the default branch (e.g. `.github/issue_label_bot.yaml`). */
  setFile(repo: RepoRef, path: string, content: string | null): void {
    const r = this.repo(repo);
    if (content === null) r.files.delete(path);
    else r.files.set(path, content);
  }

  installationId(owner: string): number {
    const inst = this.store.identity.installationForOwner(owner);
    if (!inst) throw new Error(`no installation on ${owner}`);
    return inst.id;
  }

  /** The app is uninstalled: tokens stop working (401), new tokens 404, repos 404 for its bot. */
  uninstall(owner: string): void {
    const inst = this.store.identity.installationForOwner(owner);
    if (!inst) return;
    inst.removed = true;
    this.store.identity.revokeInstallationTokens(inst.id);
  }

  setPermission(repo: RepoRef, login: string, permission: Permission): void {
    this.store.setPermission(this.repo(repo), login, permission);
  }

  /** A token that acts as `login` over REST, for tests that play a human through Octokit. */
  userToken(login: string): string {
    return this.store.identity.createUserToken(login);
  }

  private actor(login: string | undefined, fallback = 'octocat'): Account {
    return this.store.identity.account(login ?? fallback);
  }

  private maybeQuiet<T>(webhook: boolean | undefined, fn: () => T): T {
    return webhook === false ? this.webhooks.withoutWebhooks(fn) : fn();
  }

  /** File an issue as `user` (default `octocat`; `name[bot]` files as a bot). Sends `issues.opened` unless `webhook: false`. */
  createIssue(
    repo: RepoRef,
    opts: { title: string; body?: string | null; user?: string; labels?: string[]; number?: number; webhook?: boolean },
  ): Issue {
    const r = this.repo(repo);
    return this.maybeQuiet(opts.webhook, () =>
      this.store.createIssue(
        r,
        {
          title: opts.title,
          body: opts.body ?? null,
          user: this.actor(opts.user),
          labels: opts.labels,
          number: opts.number,
        },
        'control',
      ),
    );
  }

  editIssue(
    repo: RepoRef,
    number: number,
    patch: { title?: string; body?: string | null; state?: 'open' | 'closed'; locked?: boolean },
    opts: { user?: string; webhook?: boolean } = {},
  ): Issue {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    this.maybeQuiet(opts.webhook, () =>
      this.store.editIssue(r, issue, patch, this.actor(opts.user, issue.user.login), 'control'),
    );
    return issue;
  }

  addLabels(repo: RepoRef, number: number, labels: string[], opts: { user?: string; webhook?: boolean } = {}): void {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    this.maybeQuiet(opts.webhook, () =>
      this.store.addLabels(r, issue, labels, this.actor(opts.user, 'maintainer'), 'control'),
    );
  }

  removeLabel(repo: RepoRef, number: number, label: string, opts: { user?: string; webhook?: boolean } = {}): boolean {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    return this.maybeQuiet(opts.webhook, () =>
      this.store.removeLabel(r, issue, label, this.actor(opts.user, 'maintainer'), 'control'),
    );
  }

  comment(repo: RepoRef, number: number, body: string, opts: { user?: string; webhook?: boolean } = {}): number {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    return this.maybeQuiet(opts.webhook, () =>
      this.store.createComment(r, issue, body, this.actor(opts.user), 'control'),
    ).id;
  }

  react(repo: RepoRef, commentId: number, content: string, user = 'octocat'): void {
    const found = this.store.findComment(this.repo(repo), commentId);
    if (!found) throw new NotFound(`comment ${commentId}`);
    this.store.addReaction(found.comment, content, this.actor(user));
  }

  /** The next comment our code creates on this issue races another delivery's identical one; see `GitHubStore.raceNextComment`. */
  raceNextComment(repo: RepoRef, number: number, when: 'before' | 'after'): void {
    const r = this.repo(repo);
    this.store.raceNextComment(r, this.store.requireIssue(r, number), when);
  }

  /** Open a PR; `fromFork: 'someone/fork'` makes the head live in that (auto-created) fork. */
  openPullRequest(
    repo: RepoRef,
    opts: {
      title: string;
      body?: string;
      user?: string;
      head?: string;
      base?: string;
      fromFork?: string;
      /** False: the fork's head commit is not yet in the base repo (see `PullInfo.headInBase`). */
      headInBase?: boolean;
      labels?: string[];
      draft?: boolean;
      number?: number;
      webhook?: boolean;
    },
  ): Issue {
    const r = this.repo(repo);
    const user = this.actor(opts.user);
    let headRepo = fullName(r);
    if (opts.fromFork) {
      const [o, n] = opts.fromFork.split('/');
      this.store.createRepo({ owner: o!, name: n!, fork: true, ownerType: 'User', install: false });
      headRepo = opts.fromFork;
    }
    const head = opts.head ?? `feature-${r.nextNumber}`;
    return this.maybeQuiet(opts.webhook, () =>
      this.store.createIssue(
        r,
        {
          title: opts.title,
          body: opts.body ?? null,
          user,
          labels: opts.labels,
          number: opts.number,
          pull: {
            headRef: head,
            headSha: sha40(`${headRepo}:${head}:${opts.number ?? r.nextNumber}`),
            headRepo,
            baseRef: opts.base ?? r.defaultBranch,
            headInBase: opts.headInBase ?? true,
            draft: opts.draft ?? false,
            merged: false,
          },
        },
        'control',
      ),
    );
  }

  /** A push to the PR's head: new sha, `pull_request.synchronize`. Returns the new sha. */
  pushToPullRequest(repo: RepoRef, number: number, opts: { user?: string; webhook?: boolean } = {}): string {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    return this.maybeQuiet(opts.webhook, () =>
      this.store.pushToPull(r, issue, this.actor(opts.user, issue.user.login), 'control'),
    );
  }

  /** A plain-data view of an issue for assertions. */
  issue(repo: RepoRef, number: number): IssueSnapshot {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    return {
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      author: issue.user.login,
      labels: issue.labels.map((k) => r.labels.get(k)!.name),
      comments: issue.comments.map((c) => ({ id: c.id, body: c.body, author: c.user.login, authorType: c.user.type })),
      events: issue.events
        .filter((e) => e.event !== 'commented')
        .map((e) => ({
          event: e.event,
          label: e.label?.name,
          actor: e.actor.login,
          actorType: e.actor.type,
          createdAt: e.createdAt,
        })),
      isPullRequest: issue.pull !== null,
    };
  }

  /** Comments on an issue written by the app's bot. */
  botComments(repo: RepoRef, number: number): IssueSnapshot['comments'] {
    return this.issue(repo, number).comments.filter((c) => c.author === this.store.bot.login);
  }

  refs(repo: RepoRef): Record<string, string> {
    return Object.fromEntries(this.repo(repo).refs);
  }

  /** Build a signed delivery for any event/payload without sending it (to hand to a handler yourself). */
  buildWebhook(event: string, payload: Record<string, unknown>): WebhookDelivery {
    return this.webhooks.build(event, payload);
  }

  /** GitHub-shaped payload for an issue as it is now, e.g. `issuesPayload('o/r', 1, 'opened')`. */
  issuesPayload(
    repo: RepoRef,
    number: number,
    action: 'opened' | 'edited' | 'reopened' | 'closed' = 'opened',
    sender?: string,
  ): Record<string, unknown> {
    const r = this.repo(repo);
    const issue = this.store.requireIssue(r, number);
    const actor = this.actor(sender, issue.user.login);
    const kind = `issue.${action}` as 'issue.opened';
    const built = this.webhooks.payloadFor({ kind, repo: r, issue, actor, origin: 'control' } as Parameters<
      Webhooks['payloadFor']
    >[0]);
    const payload = built!.payload;
    if (action === 'edited') payload.changes = {};
    return payload;
  }

  sendWebhook(event: string, payload: Record<string, unknown>, target?: WebhookTarget): Promise<WebhookDelivery> {
    return this.webhooks.send(event, payload, target);
  }

  redeliver(deliveryId: string, target?: WebhookTarget): Promise<WebhookDelivery> {
    return this.webhooks.redeliver(deliveryId, target);
  }

  /** Wait until every auto-sent webhook (and those it caused) has been answered. */
  idle(): Promise<void> {
    return this.webhooks.idle();
  }

  /** Forget all repos, issues, counters, faults and deliveries; keeps the port and options. */
  reset(): void {
    for (const repo of this.store.allRepos()) this.store.deleteRepo(repo.owner.login, repo.name);
    this.counters.reset();
    this.faults.clear();
    this.webhooks.deliveries.length = 0;
    this.webhooks.loopSuspects.clear();
    this.rate.clear();
  }
}

function sha40(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** Start a stand-in on 127.0.0.1 (random port unless `port` is given). Remember `await standIn.close()`. */
export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  return new GitHubStandIn(options).listen();
}
