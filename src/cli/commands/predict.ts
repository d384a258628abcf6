import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { parseIssueRow, DataFileError } from '../../ml/dataset';
import type { IssueText } from '../../ml/types';

interface Flags {
  model: string;
  title?: string;
  body?: string;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('predict labels with a saved model: --title/--body, or JSONL issues on stdin (one JSON result per line)')
    .requiredOption('--model <dir>', 'model directory (model.onnx + model.json)')
    .option('--title <text>', 'issue title')
    .option('--body <text>', 'issue body')
    .action(async (flags: Flags) => {
      const { loadClassifier } = await import('../../ml/onnx-classifier');
      const classifier = await loadClassifier(flags.model);
      const emit = (p: unknown) => process.stdout.write(JSON.stringify(p) + '\n');
      if (flags.title !== undefined || flags.body !== undefined) {
        const [p] = await classifier.predict([{ title: flags.title ?? '', body: flags.body ?? null }]);
        emit({ model: classifier.version, ...p });
        return;
      }
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      let lineNo = 0;
      let batch: IssueText[] = [];
      const flush = async () => {
        for (const p of await classifier.predict(batch)) emit({ model: classifier.version, ...p });
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
