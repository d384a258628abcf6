import type { GitHubStandIn } from './server';
import { fullName } from './model';

/** A read-only HTML page of repos and issues with their labels and the bot's comment, for the demo. */

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A label drawn as github.com draws it: its own colour as the background, white text on a dark colour and black on a
 * light one (GitHub's perceived lightness, sRGB luma, switched at 0.453), and a grey border only on near-white.
 */
export function labelHtml(name: string, color: string): string {
  const hex = /^[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : 'ededed';
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  const lightness = (r * 0.2126 + g * 0.7152 + b * 0.0722) / 255;
  const text = lightness < 0.453 ? '#ffffff' : '#1f2328';
  const border = lightness > 0.96 ? '#d1d9e0' : `#${hex}`;
  return `<span class="label" style="background:#${hex};color:${text};border-color:${border}">${esc(name)}</span>`;
}

export function renderUi(s: GitHubStandIn, _path: string): string {
  const bot = s.botLogin;
  const sections = s.store.allRepos().map((repo) => {
    const rows = [...repo.issues.values()]
      .sort((a, b) => a.number - b.number)
      .map((issue) => {
        const labels = issue.labels.map((k) => repo.labels.get(k)!).map((l) => labelHtml(l.name, l.color));
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
.label{padding:0 7px;border:1px solid;border-radius:2em;margin-right:4px;font-size:12px;font-weight:500;line-height:18px;white-space:nowrap}pre{margin:0;white-space:pre-wrap;max-width:40em;font-size:85%}</style></head>
<body><h1>GitHub stand-in</h1><p>API: ${esc(s.url)} · app id ${s.appId} · bot ${esc(bot)} · ${s.counters.snapshot().total} API calls</p>
${sections.join('\n') || '<p>No repos yet.</p>'}</body></html>`;
}
