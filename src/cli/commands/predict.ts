import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { parseIssueRow, DataFileError } from '../../ml/dataset';
import type { IssueText, Prediction } from '../../ml/types';

interface Flags {
  model: string;
  title?: string;
  body?: string;
  format: 'json' | 'text';
}

/** `--format text`: the predicted labels (or "(no label)"), a tab, then every label's score. */
function textLine(p: Prediction): string {
  const scores = p.scores.map((s) => `${s.label} ${s.score.toFixed(3)}`).join(', ');
  return `${p.labels.length ? p.labels.join(', ') : '(no label)'}\t${scores}`;
}

/** Said only to a person at a terminal: a pipe that has not sent its first line yet is not waiting on anyone. */
const STDIN_HINT =
  'reading issues from stdin as JSONL, one {"title": …, "body": …} per line; end with Ctrl-D (or give --title/--body for one issue)';

export function register(program: Command): void {
  program
    .command('predict')
    .description(
      'predict labels with a saved model: --title/--body, or JSONL issues on stdin (one JSON result per line)',
    )
    .requiredOption('--model <dir>', 'model directory (model.onnx + model.json)')
    .option('--title <text>', 'issue title')
    .option('--body <text>', 'issue body')
    .addOption(
      new Option('--format <format>', 'json: one JSON object per issue; text: labels, a tab, then every score')
        .choices(['json', 'text'])
        .default('json'),
    )
    .action(async (flags: Flags) => {
      const { loadClassifier } = await import('../../ml/onnx-classifier');
      const classifier = await loadClassifier(flags.model);
      const emit = (p: Prediction) =>
        process.stdout.write(
          (flags.format === 'text' ? textLine(p) : JSON.stringify({ model: classifier.version, ...p })) + '\n',
        );
      if (flags.title !== undefined || flags.body !== undefined) {
        const [p] = await classifier.predict([{ title: flags.title ?? '', body: flags.body ?? null }]);
        emit(p!);
        return;
      }
      if (process.stdin.isTTY) process.stderr.write(`${STDIN_HINT}\n`);
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      let lineNo = 0;
      let batch: IssueText[] = [];
      const flush = async () => {
        for (const p of await classifier.predict(batch)) emit(p);
        batch = [];
      };
      for await (const line of rl) {
        lineNo++;
        if (line.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          throw new DataFileError('<stdin>', lineNo, `malformed JSON (${(err as Error).message})`);
        }
        const row = parseIssueRow(value, '<stdin>', lineNo, false);
        batch.push({ title: row.title, body: row.body });
        if (batch.length >= 256) await flush();
      }
      await flush();
    });
}
