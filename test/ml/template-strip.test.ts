import { describe, expect, it } from 'vitest';
import {
  dropCourtesyLines,
  normalizeLine,
  recurringLines,
  removeLines,
  stripHtmlComments,
  stripTemplateBoilerplate,
  titleOrFirstLine,
} from '../../src/ml/template-strip';
import { featurize } from '../../src/ml/featurizer';
import { DEFAULT_FEATURIZER_SETTINGS, checkFeaturizerSettings } from '../../src/ml/featurizer-settings';
import { trainingDocs } from '../../src/ml/augment';

describe('template boilerplate removal (serving-safe, static rules)', () => {
  it('drops HTML comments, headings, bold-only lines, checklists and placeholder answers; keeps the prose', () => {
    const body = [
      '<!-- Please fill in the template',
      'below -->',
      '### Describe the bug',
      'The app crashes when I click save.',
      '**Expected behavior**',
      '- [x] I searched existing issues',
      '* [ ] I read the docs',
      '_No response_',
      'N/A',
      '',
      'It worked in 1.2.',
    ].join('\n');
    const out = stripTemplateBoilerplate(body);
    expect(out).toContain('The app crashes when I click save.');
    expect(out).toContain('It worked in 1.2.');
    for (const gone of [
      'Please fill',
      'Describe the bug',
      'Expected behavior',
      'searched',
      'read the docs',
      'No response',
      'N/A',
    ])
      expect(out).not.toContain(gone);
  });

  it('leaves fenced code alone, even lines that look like headings', () => {
    const body = 'text\n```\n# a comment in code\n- [ ] not a checklist\n```\nmore';
    expect(stripTemplateBoilerplate(body)).toBe(body);
  });

  it('keeps a body without boilerplate unchanged, and the empty body empty', () => {
    expect(stripTemplateBoilerplate('Just words.\n\nMore words: yes, really.')).toBe(
      'Just words.\n\nMore words: yes, really.',
    );
    expect(stripTemplateBoilerplate('')).toBe('');
  });

  it('removes an unclosed HTML comment to the end, as GitHub renders it', () => {
    expect(stripHtmlComments('a <!-- b -->c<!-- d')).toBe('a c');
  });
});

describe('recurring lines (training-time, per repo)', () => {
  it('normalises punctuation and markup so template variants compare equal', () => {
    expect(normalizeLine('### Steps to reproduce:')).toBe(normalizeLine('**Steps to Reproduce**'));
  });

  it('finds lines in at least minShare / minCount of the bodies, counting each body once', () => {
    const bodies = Array.from(
      { length: 10 },
      (_, i) => `### Environment\nOS: any\nissue ${i} words ${i}\n### Environment`,
    );
    const lines = recurringLines(bodies, 0.3, 3);
    expect(lines.has('environment')).toBe(true);
    expect(lines.has('os any')).toBe(true);
    expect([...lines].some((l) => l.startsWith('issue'))).toBe(false);
    expect(removeLines(bodies[0]!, lines)).toBe('issue 0 words 0');
  });
});

describe('training documents', () => {
  const rows = [
    { repo: 'a/x', title: 'Crash on save', body: '### Env\nwin\nIt crashes', labels: ['bug'] },
    { repo: 'a/x', title: 'Add dark mode', body: '### Env\nmac\nPlease add it', labels: ['feature'] },
    { repo: 'a/y', title: 'How to build?', body: 'Which compiler?', labels: ['question'] },
  ];
  it('lists the rows first (document i = row i), then cleaned forms, then title-only copies', () => {
    const docs = trainingDocs(rows, { titleOnly: true, stripRecurringLines: 0.5 });
    expect(docs.map((d) => d.form)).toEqual([
      'row',
      'row',
      'row',
      'cleaned',
      'cleaned',
      'cleaned',
      'titleOnly',
      'titleOnly',
      'titleOnly',
    ]);
    expect(docs.slice(0, 3).map((d) => d.body)).toEqual(rows.map((r) => r.body));
    // "### Env" recurs in both a/x bodies (minCount 3 is not reached with 2 bodies, so nothing is removed)...
    expect(docs[3]!.body).toBe(rows[0]!.body);
    expect(docs.slice(6).every((d) => d.body === '' && d.title === rows[d.row]!.title)).toBe(true);
  });
  it('without options is just the rows', () => {
    expect(trainingDocs(rows).map((d) => [d.row, d.form])).toEqual([
      [0, 'row'],
      [1, 'row'],
      [2, 'row'],
    ]);
  });
});

describe('body normalisation (featurizer setting normalizeBody)', () => {
  it('turns each code block, URL and number/version into one token', async () => {
    const { normalizeBodyText } = await import('../../src/ml/template-strip');
    const out = normalizeBodyText('see https://x.io/a?b=1 on v2.3.1, 42 times\n```\nError at line 3\n```\nafter');
    expect(out).not.toMatch(/https|2\.3\.1|42|Error/);
    expect(out.match(/urllink/g)!.length).toBe(1);
    expect(out.match(/numtoken/g)!.length).toBe(2);
    expect(out.match(/codeblock/g)!.length).toBe(1);
    expect(out).toContain('after');
    expect(normalizeBodyText('')).toBe('');
  });
});

describe('reading rules of featurizer version 3: courtesy lines and an empty title', () => {
  it('drops lines that are only courtesy, keeps a line that also says something', () => {
    for (const line of [
      'Thanks!',
      'Any help appreciated.',
      'Any help would be greatly appreciated',
      'Thanks in advance',
      '**Thank you so much for your help**',
      'Cheers, Bob',
      'please help',
    ])
      expect(dropCourtesyLines(`it crashes\n\n${line.toLowerCase()}`), line).toBe('it crashes\n');
    for (const line of ['Thanks, but the fix breaks saving', 'Help!', 'How can I get help with the CLI?'])
      expect(dropCourtesyLines(`it crashes\n${line}`), line).toBe(`it crashes\n${line}`);
    expect(dropCourtesyLines('')).toBe('');
  });

  it('an empty title takes the first non-blank body line, which leaves the body', () => {
    expect(titleOrFirstLine('', '\n  App crashes on start \nsegfault')).toEqual({
      title: 'App crashes on start',
      body: 'segfault',
    });
    expect(titleOrFirstLine('Crash', 'body')).toEqual({ title: 'Crash', body: 'body' });
    expect(titleOrFirstLine('  ', '')).toEqual({ title: '  ', body: '' });
    expect(titleOrFirstLine('', '\n\n')).toEqual({ title: '', body: '\n\n' });
  });

  it('with both settings, the forms users write come out as the same vector', () => {
    const s = {
      ...DEFAULT_FEATURIZER_SETTINGS,
      version: 3,
      templateMeta: false,
      titleFromBody: true,
      dropCourtesy: true,
    };
    expect(checkFeaturizerSettings(s)).toBeNull();
    const same = (a: { title: string; body: string }, b: { title: string; body: string }) => {
      const x = featurize(a, s);
      const y = featurize(b, s);
      expect([...x.indices]).toEqual([...y.indices]);
      expect([...x.values]).toEqual([...y.values]);
    };
    same({ title: 'App crashes on start', body: '' }, { title: '', body: 'App crashes on start' });
    same({ title: 'App crashes on start', body: '' }, { title: 'App crashes on start', body: 'Thanks!' });
    same({ title: 'App crashes on start', body: '' }, { title: 'App crashes on start', body: 'Any help appreciated.' });
    // Off (version-2 behaviour): the courtesy line and the empty title are features like any other.
    const off = { ...s, titleFromBody: undefined, dropCourtesy: undefined };
    expect([...featurize({ title: 'App crashes on start', body: 'Thanks!' }, off).indices]).not.toEqual([
      ...featurize({ title: 'App crashes on start', body: '' }, off).indices,
    ]);
  });

  it('version 2 refuses the new settings', () => {
    expect(checkFeaturizerSettings({ ...DEFAULT_FEATURIZER_SETTINGS, version: 2, titleFromBody: true })).toMatch(
      /version 3/,
    );
    expect(checkFeaturizerSettings({ ...DEFAULT_FEATURIZER_SETTINGS, version: 2, dropCourtesy: true })).toMatch(
      /version 3/,
    );
  });
});
