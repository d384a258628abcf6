import {
  fullName,
  type Account,
  type Comment,
  type Issue,
  type IssueEvent,
  type Label,
  type Reaction,
  type Repo,
} from './model';
import type { GitHubStore } from './store';

/**
 * GitHub's REST JSON shapes, trimmed to the fields Octokit's types name and our code could read.
 * `api` is the stand-in's base URL so every `url` field points back at it, like api.github.com does.
 */

export function nodeId(kind: string, id: number): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64url');
}

export function accountJson(api: string, a: Account) {
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type === 'Organization' ? 'Org' : a.type === 'Bot' ? 'Bot' : 'User', a.id),
    avatar_url: `${api}/avatars/${encodeURIComponent(a.login)}`,
    gravatar_id: '',
    url: `${api}/users/${encodeURIComponent(a.login)}`,
    html_url: `${api}/_ui/users/${encodeURIComponent(a.login)}`,
    type: a.type,
    site_admin: false,
  };
}

export function repoJson(api: string, repo: Repo) {
  const base = `${api}/repos/${fullName(repo)}`;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: fullName(repo),
    private: repo.private,
    owner: accountJson(api, repo.owner),
    html_url: `${api}/_ui/${fullName(repo)}`,
    description: null,
    fork: repo.fork,
    url: base,
    issues_url: `${base}/issues{/number}`,
    labels_url: `${base}/labels{/name}`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? 'private' : 'public',
    archived: false,
    disabled: false,
    has_issues: true,
    open_issues_count: [...repo.issues.values()].filter((i) => i.state === 'open').length,
  };
}

export function labelJson(api: string, repo: Repo, label: Label) {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${api}/repos/${fullName(repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function issueLabels(api: string, repo: Repo, issue: Issue) {
  return issue.labels.map((key) => labelJson(api, repo, repo.labels.get(key)!));
}

function authorAssociation(store: GitHubStore, repo: Repo, user: Account): string {
  if (user.id === repo.owner.id) return 'OWNER';
  const perm = repo.collaborators.get(user.login.toLowerCase());
  if (perm && perm !== 'none' && perm !== 'read') return repo.owner.type === 'Organization' ? 'MEMBER' : 'COLLABORATOR';
  if (user.id === store.bot.id) return 'NONE';
  return 'NONE';
}

export function issueJson(api: string, store: GitHubStore, repo: Repo, issue: Issue) {
  const base = `${api}/repos/${fullName(repo)}/issues/${issue.number}`;
  const json: Record<string, unknown> = {
    id: issue.id,
    node_id: nodeId(issue.pull ? 'PullRequest' : 'Issue', issue.id),
    url: base,
    repository_url: `${api}/repos/${fullName(repo)}`,
    labels_url: `${base}/labels{/name}`,
    comments_url: `${base}/comments`,
    events_url: `${base}/events`,
    html_url: `${api}/_ui/${fullName(repo)}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: accountJson(api, issue.user),
    labels: issueLabels(api, repo, issue),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: issue.locked,
    active_lock_reason: null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: authorAssociation(store, repo, issue.user),
  };
  // GitHub's issues endpoints return pull requests too, marked by this key; callers filter on it.
  if (issue.pull) {
    json.pull_request = {
      url: `${api}/repos/${fullName(repo)}/pulls/${issue.number}`,
      html_url: `${api}/_ui/${fullName(repo)}/pull/${issue.number}`,
      diff_url: `${api}/_ui/${fullName(repo)}/pull/${issue.number}.diff`,
      patch_url: `${api}/_ui/${fullName(repo)}/pull/${issue.number}.patch`,
      merged_at: null,
    };
    json.draft = issue.pull.draft;
  }
  return json;
}

export function pullJson(api: string, store: GitHubStore, repo: Repo, issue: Issue) {
  const pull = issue.pull!;
  const [headOwner = repo.owner.login, headName = repo.name] = pull.headRepo.split('/');
  const headRepo = store.getRepo(headOwner, headName);
  const base = `${api}/repos/${fullName(repo)}/pulls/${issue.number}`;
  return {
    id: issue.id,
    node_id: nodeId('PullRequest', issue.id),
    url: base,
    html_url: `${api}/_ui/${fullName(repo)}/pull/${issue.number}`,
    issue_url: `${api}/repos/${fullName(repo)}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    body: issue.body,
    user: accountJson(api, issue.user),
    labels: issueLabels(api, repo, issue),
    draft: pull.draft,
    merged: pull.merged,
    merged_at: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    author_association: authorAssociation(store, repo, issue.user),
    head: {
      label: `${headOwner}:${pull.headRef}`,
      ref: pull.headRef,
      sha: pull.headSha,
      user: accountJson(api, headRepo?.owner ?? store.identity.account(headOwner)),
      repo: headRepo ? repoJson(api, headRepo) : null,
    },
    base: {
      label: `${repo.owner.login}:${pull.baseRef}`,
      ref: pull.baseRef,
      sha: repo.refs.get(`refs/heads/${pull.baseRef}`) ?? '0'.repeat(40),
      user: accountJson(api, repo.owner),
      repo: repoJson(api, repo),
    },
  };
}

export function commentJson(api: string, store: GitHubStore, repo: Repo, comment: Comment) {
  const reactions: Record<string, number | string> = {
    url: `${api}/repos/${fullName(repo)}/issues/comments/${comment.id}/reactions`,
    total_count: comment.reactions.length,
  };
  for (const key of ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes']) {
    reactions[key] = comment.reactions.filter((r) => r.content === key).length;
  }
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${api}/repos/${fullName(repo)}/issues/comments/${comment.id}`,
    html_url: `${api}/_ui/${fullName(repo)}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${api}/repos/${fullName(repo)}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: accountJson(api, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: authorAssociation(store, repo, comment.user),
    reactions,
  };
}

export function reactionJson(api: string, reaction: Reaction) {
  return {
    id: reaction.id,
    node_id: nodeId('Reaction', reaction.id),
    user: accountJson(api, reaction.user),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function eventJson(api: string, repo: Repo, event: IssueEvent) {
  const json: Record<string, unknown> = {
    id: event.id,
    node_id: nodeId('Event', event.id),
    url: `${api}/repos/${fullName(repo)}/issues/events/${event.id}`,
    actor: accountJson(api, event.actor),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: event.createdAt,
    performed_via_github_app: event.actor.type === 'Bot' ? { slug: event.actor.login.replace(/\[bot\]$/, '') } : null,
  };
  if (event.label) json.label = event.label;
  if (event.rename) json.rename = event.rename;
  return json;
}
