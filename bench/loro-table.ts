/**
 * Renders bench/results/loro-landscape.jsonl and loro-nested.jsonl (written by bench/loro.ts) as Markdown tables.
 *   npx tsx bench/loro-table.ts
 */
import { existsSync, readFileSync } from 'node:fs';

const read = (f: string) =>
  existsSync(f)
    ? readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const short = (r: string) => r.split('/')[1];
const repos = ['bitcoin/bitcoin', 'facebook/react', 'microsoft/vscode', 'opencv/opencv', 'tensorflow/tensorflow'];

const land = read('bench/results/loro-landscape.jsonl');
console.log('### Landscape (fixed candidate, best of the grid read off the held-out repos: optimistic)\n');
console.log(`| experiment | best candidate | mean | ${repos.map(short).join(' | ')} |`);
console.log(`|---|---|---|${repos.map(() => '---').join('|')}|`);
for (const r of land) {
  const b = r.landscapeTop[0];
  console.log(
    `| ${r.config.name} | ${b.key} | **${b.mean.toFixed(3)}** | ${b.per.map((x: number) => x.toFixed(3)).join(' | ')} |`,
  );
}
const nested = read('bench/results/loro-nested.jsonl');
console.log(
  '\n### Nested (selection by inner LORO over the 4 training repos; thresholds from the inner out-of-fold scores)\n',
);
console.log(
  `| experiment | mean | min | ${repos.map(short).join(' | ')} | P / coverage @0.75 | @0.8 | @0.85 | title-only bug recall | short-title probes bug / feature / question |`,
);
console.log(`|---|---|---|${repos.map(() => '---').join('|')}|---|---|---|---|---|`);
for (const r of nested) {
  const n = r.nested;
  const ap = (t: string) =>
    n.appliedPooled[t] ? `${n.appliedPooled[t].precision.toFixed(3)} / ${n.appliedPooled[t].coverage.toFixed(3)}` : '–';
  console.log(
    `| ${r.config.name} | **${n.mean.toFixed(3)}** | ${n.min.toFixed(3)} | ${repos.map((x) => n.perRepo[x].macroF1.toFixed(3)).join(' | ')} | ${ap('0.75')} | ${ap('0.8')} | ${ap('0.85')} | ${n.titleOnlyBugRecall.toFixed(2)} | ${['bug', 'feature', 'question'].map((l) => n.probesArgmax[l].toFixed(2)).join(' / ')} |`,
  );
}
