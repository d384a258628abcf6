/** `--label-map` and `--labels` for `train` and `eval`: map a repo's labels onto the model's set, drop the rest. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { LabeledIssue } from '../ml/dataset';
import {
  applyLabelFilter,
  labelFilter,
  LabelMapError,
  parseInlineLabelMap,
  parseLabelList,
  parseLabelMapFile,
  type LabelFilter,
  type LabelMapping,
} from '../ml/label-map';

export interface LabelFlags {
  labelMap?: string;
  labels?: string;
}

export function addLabelOptions(cmd: Command): Command {
  return cmd
    .option(
      '--label-map <map>',
      'map repo labels onto model labels (case-insensitive); labels not in the map are dropped. Inline: ' +
        '\'kind/bug=bug,type: bug=bug,enhancement=feature\' (comma-separated "repo label=model label"), or a .json/.yaml/.yml ' +
        'file mapping each model label to its repo labels: {bug: [kind/bug, "type: bug"], feature: [enhancement]}. ' +
        'A model label also matches itself',
    )
    .option(
      '--labels <list>',
      'keep only these labels, after --label-map (comma-separated, case-insensitive), e.g. bug,feature,question; rows left with no label are dropped (count on stderr)',
    );
}

/** `--label-map` value: an existing file (format by extension), else the inline form. */
export function readLabelMapping(spec: string): LabelMapping {
  if (existsSync(spec) && statSync(spec).isFile()) return parseLabelMapFile(readFileSync(spec, 'utf8'), spec);
  if (!spec.includes('=')) {
    throw new LabelMapError(
      `--label-map: "${spec}" is neither a file nor an inline mapping like "kind/bug=bug,enhancement=feature"`,
    );
  }
  return parseInlineLabelMap(spec);
}

/** The compiled filter, or undefined when neither flag is given. Errors in the flags are thrown before any data is read. */
export function labelFilterFrom(flags: LabelFlags): LabelFilter | undefined {
  if (flags.labelMap === undefined && flags.labels === undefined) return undefined;
  const mapping = flags.labelMap !== undefined ? readLabelMapping(flags.labelMap) : undefined;
  const keep = flags.labels !== undefined ? parseLabelList(flags.labels) : undefined;
  return labelFilter(mapping, keep);
}

/**
 * Applies the filter to the rows of one file and reports on stderr what was kept and dropped. A file left with
 * fewer than 2 labels is an error (`minLabels` 2; 1 for a test file scored by a saved model).
 */
export function filterLabels(
  rows: LabeledIssue[],
  filter: LabelFilter | undefined,
  file: string,
  warn: (m: string) => void,
  minLabels = 2,
): LabeledIssue[] {
  if (!filter) return rows;
  const r = applyLabelFilter(rows, filter);
  const counts = Object.entries(r.counts)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  process.stderr.write(
    `${file}: kept ${r.rows.length} of ${rows.length} rows (${counts || 'none'}); dropped ${r.dropped} left with no label\n`,
  );
  if (r.multiLabelRows > 0)
    warn(
      `${file}: ${r.multiLabelRows} rows carry more than one label after mapping, so the set is multi-label (one sigmoid per label)`,
    );
  const present = Object.keys(r.counts).length;
  if (present < minLabels) {
    throw new LabelMapError(
      `${file}: after --label-map/--labels ${present === 0 ? 'no row has a label' : `only "${Object.keys(r.counts)[0]}" is left`}; need at least ${minLabels} labels`,
    );
  }
  return r.rows;
}
