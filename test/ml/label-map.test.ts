import { describe, expect, it } from 'vitest';
import type { LabeledIssue } from '../../src/ml/dataset';
import {
  applyLabelFilter,
  labelFilter,
  labelMapFromObject,
  LabelMapError,
  parseInlineLabelMap,
  parseLabelList,
  parseLabelMapFile,
} from '../../src/ml/label-map';

const row = (labels: string[], title = 't'): LabeledIssue => ({ repo: 'o/r', title, body: '', labels });

describe('parseInlineLabelMap', () => {
  it('reads comma-separated "repo label=model label" pairs, case-insensitively, labels with spaces and colons included', () => {
    const m = parseInlineLabelMap('kind/bug=bug, type: bug=bug,Enhancement=feature,feature_request=feature');
    expect([...m]).toEqual([
      ['kind/bug', 'bug'],
      ['type: bug', 'bug'],
      ['enhancement', 'feature'],
      ['feature_request', 'feature'],
    ]);
  });

  it('splits at the last "=", so a repo label may contain "="', () => {
    expect([...parseInlineLabelMap('prio=high=bug,x=feature')]).toEqual([
      ['prio=high', 'bug'],
      ['x', 'feature'],
    ]);
  });

  it('rejects an empty mapping, an entry without "=", an empty side and one label mapped two ways', () => {
    expect(() => parseInlineLabelMap('')).toThrow(/empty mapping/);
    expect(() => parseInlineLabelMap(' , ')).toThrow(/empty mapping/);
    expect(() => parseInlineLabelMap('kind/bug=bug,enhancement')).toThrow(
      /"enhancement" is not "repo label=model label"/,
    );
    expect(() => parseInlineLabelMap('=bug')).toThrow(/empty label name/);
    expect(() => parseInlineLabelMap('Bug=bug,bug=feature')).toThrow(/"bug" is mapped to both "bug" and "feature"/);
    expect(() => parseInlineLabelMap('')).toThrow(LabelMapError);
  });
});

describe('label-map files', () => {
  it('YAML and JSON: {model label: [repo labels] | repo label}', () => {
    const y = parseLabelMapFile(
      'bug: [kind/bug, "type: bug"]\nfeature:\n  - enhancement\nquestion: support\n',
      'map.yaml',
    );
    expect([...y]).toEqual([
      ['kind/bug', 'bug'],
      ['type: bug', 'bug'],
      ['enhancement', 'feature'],
      ['support', 'question'],
    ]);
    const j = parseLabelMapFile(
      '{"bug": ["kind/bug", "type: bug"], "feature": ["enhancement"], "question": "support"}',
      'map.JSON',
    );
    expect([...j]).toEqual([...y]);
    expect([...parseLabelMapFile('bug: [Crash]\nfeature: [idea]', 'm.yml')]).toEqual([
      ['crash', 'bug'],
      ['idea', 'feature'],
    ]);
  });

  it('clear errors: unknown format, unparsable text, wrong shape, empty mapping', () => {
    expect(() => parseLabelMapFile('bug: [x]', 'map.toml')).toThrow(
      'map.toml: unknown label-map format "toml"; use .json, .yaml or .yml',
    );
    expect(() => parseLabelMapFile('bug: [x]', 'labels')).toThrow(/unknown label-map format "\(no extension\)"/);
    expect(() => parseLabelMapFile('{"bug": [', 'm.json')).toThrow(/^m\.json: cannot parse JSON/);
    expect(() => parseLabelMapFile('bug: [x\n  - y: ]', 'm.yaml')).toThrow(/^m\.yaml: cannot parse YAML/);
    expect(() => parseLabelMapFile('- kind/bug\n- enhancement', 'm.yaml')).toThrow(
      /expected an object \{model label: \[repo labels\]\}/,
    );
    expect(() => labelMapFromObject({ bug: [1] }, 'm.json')).toThrow(/"bug" must map to a list of label names/);
    expect(() => labelMapFromObject({}, 'm.json')).toThrow('m.json: empty mapping');
    expect(() => parseLabelMapFile('', 'm.yaml')).toThrow(/expected an object/);
    expect(() => labelMapFromObject({ bug: ['x'], feature: ['X'] }, 'm.json')).toThrow(
      /"X" is mapped to both "bug" and "feature"/,
    );
  });
});

describe('parseLabelList', () => {
  it('trims, drops empty and case-duplicate entries, keeps the first spelling', () => {
    expect(parseLabelList(' bug, Feature ,,feature,question')).toEqual(['bug', 'Feature', 'question']);
    expect(() => parseLabelList(' , ')).toThrow(/--labels: empty list/);
  });
});

describe('labelFilter + applyLabelFilter', () => {
  const rows = [
    row(['kind/bug', 'area/ui']),
    row(['Type: Bug']),
    row(['enhancement', 'good first issue']),
    row(['BUG']), // a model label matches itself
    row(['question']),
    row(['documentation']),
    row([]),
    row(['kind/bug', 'enhancement']),
  ];

  it('maps case-insensitively, keeps the target spelling, drops unmapped labels and rows left with none', () => {
    const f = labelFilter(parseInlineLabelMap('kind/bug=bug,type: bug=bug,enhancement=feature'), undefined);
    expect(f.targets).toEqual(['bug', 'feature']);
    const r = applyLabelFilter(rows, f);
    expect(r.rows.map((x) => x.labels)).toEqual([['bug'], ['bug'], ['feature'], ['bug'], ['bug', 'feature']]);
    expect(r.dropped).toBe(3);
    expect(r.counts).toEqual({ bug: 4, feature: 2 });
    expect(r.multiLabelRows).toBe(1);
    // The input rows are untouched.
    expect(rows[0]!.labels).toEqual(['kind/bug', 'area/ui']);
  });

  it('--labels alone keeps only those labels (case-insensitive, spelled as given)', () => {
    const r = applyLabelFilter(rows, labelFilter(undefined, ['bug', 'question']));
    expect(r.rows.map((x) => x.labels)).toEqual([['bug'], ['question']]);
    expect(r.dropped).toBe(6);
  });

  it('--label-map then --labels: mapped labels outside the list are dropped', () => {
    const f = labelFilter(parseInlineLabelMap('kind/bug=bug,enhancement=feature,documentation=docs,support=question'), [
      'bug',
      'feature',
      'question',
    ]);
    expect(f.targets).toEqual(['bug', 'feature', 'question']);
    const r = applyLabelFilter(rows, f);
    expect(r.counts).toEqual({ bug: 3, feature: 2, question: 1 });
    expect(r.rows.some((x) => x.labels.includes('docs'))).toBe(false);
  });

  it('a map or list that leaves fewer than 2 labels is an error', () => {
    expect(() => labelFilter(parseInlineLabelMap('kind/bug=bug,crash=bug'), undefined)).toThrow(
      '--label-map leaves only "bug"; a classifier needs at least 2 labels',
    );
    expect(() => labelFilter(undefined, ['bug'])).toThrow('--labels leaves only "bug"');
    expect(() => labelFilter(parseInlineLabelMap('a=x,b=y'), ['bug', 'feature'])).toThrow(
      '--label-map with --labels leaves no label',
    );
  });

  it('neither flag: labels pass through unchanged', () => {
    const f = labelFilter(undefined, undefined);
    expect(applyLabelFilter(rows, f).rows).toHaveLength(7);
  });
});
