/**
 * GitHub's own recorded webhook payloads (@octokit/webhooks-examples: the api.github.com set and one per GitHub
 * Enterprise Server release) for the events the app receives, and what it takes to replay them against the GitHub
 * stand-in: the repository, issue or pull request each one names, registered under the installation it names, so the
 * handlers' GitHub calls find what real GitHub would have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { GitHubStandIn } from './github-stand-in';

export interface RecordedExample {
  /** `api.github.com` or `ghes-3.5`… */
  set: string;
  event: string;
  action: string | undefined;
  /** `[set] event.action #n`: the n-th example of that event in its set, for test names and failure messages. */
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

interface ExampleSet {
  name: string;
  defs: { name: string; examples: Record<string, unknown>[] }[];
}

/** The package's sets: api.github.com first, then each GitHub Enterprise Server release it records (ghes-31 …). */
function exampleSets(): ExampleSet[] {
  const root = dirname(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/package.json'));
  const dirs = readdirSync(root).filter((d) => d === 'api.github.com' || /^ghes-\d+$/.test(d));
  return dirs
    .sort((a, b) => (a === 'api.github.com' ? -1 : b === 'api.github.com' ? 1 : a.localeCompare(b)))
    .map((dir) => ({
      name: dir.replace(/^ghes-(\d)(\d+)$/, 'ghes-$1.$2'),
      defs: JSON.parse(readFileSync(join(root, dir, 'index.json'), 'utf8')) as ExampleSet['defs'],
    }));
}

/**
 * The recorded examples of `events`, api.github.com's first, then those of each GHES release that differ from every
 * example before them (most are copies).
 */
export function recordedExamples(events: readonly string[]): RecordedExample[] {
  const out: RecordedExample[] = [];
  const seenBodies = new Set<string>();
  for (const set of exampleSets()) {
    for (const def of set.defs) {
      if (!events.includes(def.name)) continue;
      const counts = new Map<string, number>();
      for (const example of def.examples) {
        const action = typeof example.action === 'string' ? example.action : undefined;
        const key = action ? `${def.name}.${action}` : def.name;
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        const body = JSON.stringify(example);
        if (seenBodies.has(body)) continue;
        seenBodies.add(body);
        out.push({ set: set.name, event: def.name, action, name: `[${set.name}] ${key} #${n}`, payload: example });
      }
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
 * An installation id per account for the examples that carry none: the first one recorded for that account where
 * another example carries one (Codertocat's is 1 on api.github.com), otherwise the next unused small number.
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
 * The stand-in keeps one installation per account; the examples of different sets name different ids for one
 * account (Codertocat is 1 on api.github.com, 5 on GHES 3.5). Re-keys it to the id this payload names.
 */
function keyInstallation(gh: GitHubStandIn, owner: string, id: number): void {
  const { installations } = gh.store.identity;
  const inst = gh.store.identity.installationForOwner(owner);
  if (!inst || inst.id === id) return;
  installations.delete(inst.id);
  inst.id = id;
  installations.set(id, inst);
}

/**
 * Registers what the payload names on the stand-in, without sending webhooks: its repository (the owner's account
 * type as recorded, under the installation the payload names, else `installationId`, with `labels` defined) and its
 * issue or pull request as recorded (number, title, body, author, labels). Returns the item's `owner/repo#n`, or null
 * when there is none.
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
  const recorded = (payload.installation as { id?: number } | undefined)?.id;
  const r = gh.createRepo(repo.full_name, { ownerType, installationId: recorded ?? installationId });
  keyInstallation(gh, repo.owner.login, recorded ?? installationId);
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
