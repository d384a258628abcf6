/**
 * GitHub's own recorded webhook payloads (@octokit/webhooks-examples, the api.github.com set) for the events the app
 * receives, and what it takes to replay them against the GitHub stand-in: the repository, issue or pull request
 * each one names, registered under an installation, so the handlers' GitHub calls find what real GitHub would have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import webhookExamples from '@octokit/webhooks-examples';
import { parse } from 'yaml';
import type { GitHubStandIn } from './github-stand-in';

export interface RecordedExample {
  event: string;
  action: string | undefined;
  /** `event.action #n`: the n-th recorded example of that event, for test names and failure messages. */
  name: string;
  payload: Record<string, unknown>;
}

/**
 * Events a GitHub App receives whatever it subscribes to: `ping` when the hook is created, `installation` and
 * `installation_repositories` when it is installed, changed or removed.
 */
export const ALWAYS_DELIVERED = ['ping', 'installation', 'installation_repositories'] as const;

/** app.yml's `default_events` (what the registered app subscribes to) plus the events every app gets. */
export function deliveredEvents(root = process.cwd()): string[] {
  const manifest = parse(readFileSync(join(root, 'app.yml'), 'utf8')) as { default_events?: string[] };
  return [...new Set([...(manifest.default_events ?? []), ...ALWAYS_DELIVERED])];
}

/** Every `app.on('event.action' | [...])` name in src/bots/, to check the replay covers each handled event. */
export function handledEventNames(root = process.cwd()): string[] {
  const dir = join(root, 'src/bots');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const call of source.matchAll(/app\.on\(\s*(\[[^\]]*\]|'[^']*')/g))
      for (const name of call[1]!.matchAll(/'([^']+)'/g)) names.add(name[1]!);
  }
  return [...names].sort();
}

/** The recorded examples of `events`, in the package's order. */
export function recordedExamples(events: readonly string[]): RecordedExample[] {
  const out: RecordedExample[] = [];
  for (const def of webhookExamples) {
    if (!events.includes(def.name)) continue;
    const seen = new Map<string, number>();
    for (const example of def.examples as unknown as Record<string, unknown>[]) {
      const action = typeof example.action === 'string' ? example.action : undefined;
      const key = action ? `${def.name}.${action}` : def.name;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      out.push({ event: def.name, action, name: `${key} #${n}`, payload: example });
    }
  }
  return out;
}

interface RecordedRepo {
  full_name: string;
  name: string;
  owner: { login: string; type?: string };
}

interface RecordedItem {
  number: number;
  title: string;
  body: string | null;
  user: { login: string } | null;
  labels?: { name: string }[];
  pull_request?: unknown;
  head?: { ref: string };
  base?: { ref: string };
}

export function repositoryOf(payload: Record<string, unknown>): RecordedRepo | null {
  const repo = payload.repository as RecordedRepo | undefined;
  return repo && typeof repo.full_name === 'string' ? repo : null;
}

/** The issue or pull request a payload is about (`issue` in issues events, `pull_request` in pull_request events). */
export function itemOf(payload: Record<string, unknown>): RecordedItem | null {
  return ((payload.issue ?? payload.pull_request) as RecordedItem | undefined) ?? null;
}

/**
 * Installation ids per account: the recorded ones where an example carries one (Codertocat's is 1), otherwise the
 * next unused small number, so every owner has exactly one installation as on GitHub.
 */
export function installationIds(examples: readonly RecordedExample[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const { payload } of examples) {
    const repo = repositoryOf(payload);
    const inst = payload.installation as { id?: number } | undefined;
    if (repo && inst?.id && !ids.has(repo.owner.login)) ids.set(repo.owner.login, inst.id);
  }
  let next = 1;
  for (const { payload } of examples) {
    const repo = repositoryOf(payload);
    if (!repo || ids.has(repo.owner.login)) continue;
    while ([...ids.values()].includes(next)) next++;
    ids.set(repo.owner.login, next);
  }
  return ids;
}

/** A copy as a GitHub App receives it: with the `installation` that repository webhooks leave out. */
export function withInstallation(payload: Record<string, unknown>, id: number): Record<string, unknown> {
  if (payload.installation) return payload;
  const nodeId = Buffer.from(`023:IntegrationInstallation${id}`).toString('base64');
  return { ...structuredClone(payload), installation: { id, node_id: nodeId } };
}

/**
 * Registers what the payload names on the stand-in, without sending webhooks: its repository (the owner's account
 * type as recorded, under the owner's installation, with `labels` defined) and its issue or pull request as recorded
 * (number, title, body, author, labels). Returns the item's `owner/repo#n`, or null when there is none.
 */
export function seedFromPayload(
  gh: GitHubStandIn,
  payload: Record<string, unknown>,
  installationId: number,
  labels: readonly string[],
): string | null {
  const repo = repositoryOf(payload);
  if (!repo) return null;
  const ownerType = repo.owner.type === 'Organization' ? 'Organization' : 'User';
  const r = gh.createRepo(repo.full_name, { ownerType, installationId });
  for (const label of labels) gh.store.ensureLabel(r, label);
  const item = itemOf(payload);
  if (!item) return null;
  const common = {
    title: item.title,
    body: item.body,
    user: item.user?.login ?? 'ghost',
    labels: (item.labels ?? []).map((l) => l.name),
    number: item.number,
    webhook: false,
  };
  // An `issues` event about a pull request (milestoned, demilestoned…) is about a pull request on GitHub too.
  if (payload.pull_request || item.pull_request)
    gh.openPullRequest(r, { ...common, body: item.body ?? undefined, head: item.head?.ref, base: item.base?.ref });
  else gh.createIssue(r, common);
  return `${repo.full_name}#${item.number}`.toLowerCase();
}
