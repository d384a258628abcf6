import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ccHandlesIn, mergeCcLine } from '../../src/helpers/cc-line';

const HANDLES = /^( @[A-Za-z0-9/_-]+)+$/;

/** All text other than the cc line is byte-identical: one cc line grew at its end, or one cc line was appended. */
function assertOnlyCcLineChanged(b: string, once: string): void {
  const lb = b.split(/(?<=\n)/);
  const lo = once.split(/(?<=\n)/);
  if (b !== '' && lb.length === lo.length) {
    const diff = lb.map((l, i) => (l === lo[i] ? -1 : i)).filter((i) => i >= 0);
    expect(diff).toHaveLength(1);
    const before = lb[diff[0] as number] as string;
    const after = lo[diff[0] as number] as string;
    const tail = /[ \t]*(\r?\n)?$/.exec(before)?.[0] ?? '';
    const head = before.slice(0, before.length - tail.length);
    expect(before).toMatch(/^[ \t]*cc:?( @[A-Za-z0-9/_-]+)+[ \t]*(\r?\n)?$/i);
    expect(after.startsWith(head) && after.endsWith(tail)).toBe(true);
    expect(after.slice(head.length, after.length - tail.length)).toMatch(HANDLES);
    return;
  }
  expect(once.startsWith(b)).toBe(true);
  expect(once.slice(b.length)).toMatch(/^(\r?\n){0,2}cc( @[A-Za-z0-9/_-]+)+$/);
  expect(ccHandlesIn(b).size).toBe(0);
}

describe('mergeCcLine', () => {
  it.each([
    ['empty body', '', ['@a'], 'cc @a'],
    ['null body', null, ['@a'], 'cc @a'],
    ['appends after a blank line', 'text', ['@a', '@b'], 'text\n\ncc @a @b'],
    ['keeps a trailing newline', 'text\n', ['@a'], 'text\n\ncc @a'],
    ['uses CRLF when the body does', 'a\r\nb', ['@a'], 'a\r\nb\r\n\r\ncc @a'],
    ['extends an existing line', 'x\ncc @a\ny', ['@b'], 'x\ncc @a @b\ny'],
    ['keeps trailing spaces and CRLF of the cc line', 'x\r\ncc @a  \r\ny', ['@b'], 'x\r\ncc @a @b  \r\ny'],
    ['recognises "CC:"', 'CC: @a', ['@b'], 'CC: @a @b'],
    ['case-insensitive dedup', 'cc @Alice', ['@alice'], 'cc @Alice'],
    ['prose with cc is not a cc line', 'cc @a please look', ['@b'], 'cc @a please look\n\ncc @b'],
    ['handles on any cc line count', 'cc @a\ncc @b', ['@b', '@a'], 'cc @a\ncc @b'],
    ['team handles', 'cc @org/team', ['@org/other'], 'cc @org/team @org/other'],
  ])('%s', (_n, body, handles, expected) => {
    expect(mergeCcLine(body, handles)).toBe(expected);
  });

  const handle = fc
    .tuple(
      fc.stringMatching(/^[a-zA-Z0-9]{1,5}(-[a-z0-9]{1,5}){0,2}$/),
      fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/)),
    )
    .map(([u, t]) => (t ? `@${u}/${t}` : `@${u}`));
  const line = fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    fc.array(handle, { minLength: 1, maxLength: 3 }).map((hs) => `cc ${hs.join(' ')}`),
    fc.constant(''),
  );
  const body = fc
    .tuple(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
    .map(([ls, eol, trailing]) => ls.join(eol) + (trailing ? eol : ''));

  it('is idempotent and changes only the cc line (property)', () => {
    fc.assert(
      fc.property(body, fc.array(handle, { maxLength: 5 }), (b, hs) => {
        const once = mergeCcLine(b, hs);
        expect(mergeCcLine(once, hs)).toBe(once);
        // every handle is cc'd afterwards
        const present = ccHandlesIn(once);
        for (const h of hs) expect(present.has(h.slice(1).toLowerCase())).toBe(true);
        if (once === b) return;
        assertOnlyCcLineChanged(b, once);
      }),
      { numRuns: 500 },
    );
  });
});
