import type { GitHubStandIn } from './server';
import { fullName } from './model';

/** A read-only HTML page of repos and issues with their labels and the bot's comment, for the demo. */

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderUi(s: GitHubStandIn, _path: string): string {
  const bot = s.botLogin;
  const sections = s.store.allRepos().map((repo) => {
    const rows = [...repo.issues.values()]
      .sort((a, b) => a.number - b.number)
      .map((issue) => {
        const labels = issue.labels
          .map((k) => repo.labels.get(k)!)
          .map((l) => `<span class="label" style="background:#${esc(l.color)}">${esc(l.name)}</span>`);
        const botComment = issue.comments.find((c) => c.user.login === bot);
        return `<tr><td>${issue.pull ? 'PR ' : ''}#${issue.number}</td><td>${esc(issue.title)}</td><td>${esc(issue.user.login)}</td><td>${issue.state}</td><td>${labels.join(' ')}</td><td><pre>${botComment ? esc(botComment.body) : ''}</pre></td></tr>`;
      })
      .join('\n');
    const files = [...repo.files.keys()].map(esc).join(', ');
    return `<h2>${esc(fullName(repo))}${repo.private ? ' <small>(private)</small>' : ''}</h2>
<p>files: ${files || '—'}</p>
<table><tr><th>#</th><th>title</th><th>author</th><th>state</th><th>labels</th><th>${esc(bot)} comment</th></tr>
${rows}</table>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>GitHub stand-in</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
.label{padding:1px 6px;border-radius:8px;margin-right:4px;font-size:90%}pre{margin:0;white-space:pre-wrap;max-width:40em;font-size:85%}</style></head>
<body><h1>GitHub stand-in</h1><p>API: ${esc(s.url)} · app id ${s.appId} · bot ${esc(bot)} · ${s.counters.snapshot().total} API calls</p>
${sections.join('\n') || '<p>No repos yet.</p>'}</body></html>`;
}
