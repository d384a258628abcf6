import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/ops/progress';

function capture(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('progress on a non-TTY', () => {
  it('prints plain periodic lines and a final line, no terminal control codes', () => {
    const out = capture(false);
    const p = createProgress({ total: 7, label: 'backfill', stream: out.stream, every: 3 });
    for (let i = 1; i <= 7; i++) p.tick(`labeled ${i}`);
    p.stop();
    expect(out.text()).toBe(
      'backfill: 3/7 (42%) labeled 3\nbackfill: 6/7 (85%) labeled 6\nbackfill: 7/7 (100%) labeled 7\n',
    );
    expect(out.text()).not.toContain('\u001b[');
  });

  it('starts from the resumed count and prints a last line on stop when the run ends early', () => {
    const out = capture(false);
    const p = createProgress({ total: 100, start: 40, label: 'backfill', stream: out.stream, every: 50 });
    p.tick();
    p.stop();
    expect(out.text()).toBe('backfill: 41/100 (41%)\n');
  });

  it('uses a live bar on a TTY', () => {
    const out = capture(true);
    const p = createProgress({ total: 2, label: 'backfill', stream: out.stream });
    p.tick();
    p.tick();
    p.stop();
    expect(out.text()).toContain('2/2');
  });
});

describe('progress whose total is learnt on the way (training, the report)', () => {
  it('off a TTY, follows update() and prints at least every 5 s even between 10 % steps', () => {
    const out = capture(false);
    let now = 0;
    const p = createProgress({ label: 'training', stream: out.stream, now: () => now });
    p.update(1, 200);
    now += 6_000;
    p.update(2, 200);
    p.update(3, 400);
    now += 1_000;
    p.update(40, 400);
    p.stop();
    expect(out.text()).toBe('training: 2/200 (1%)\ntraining: 40/400 (10%)\n');
  });

  it('prints nothing before the first update and nothing twice on stop', () => {
    const out = capture(false);
    const p = createProgress({ label: 'report: issues read', stream: out.stream });
    p.stop();
    expect(out.text()).toBe('');
    const q = createProgress({ label: 'report: issues read', stream: out.stream });
    q.update(1, 1);
    q.stop();
    expect(out.text()).toBe('report: issues read: 1/1 (100%)\n');
  });

  it('draws the bar with an ETA on a TTY once the total is known', () => {
    const out = capture(true);
    const p = createProgress({ label: 'training', stream: out.stream });
    p.update(1, 4);
    p.update(4, 4);
    p.stop();
    expect(out.text()).toContain('4/4');
    expect(out.text()).toContain('eta');
  });

  it('on a TTY without a total (a download of unknown size): a count rewritten in place, ended by a newline', () => {
    const out = capture(true);
    const p = createProgress({ label: 'fetch-issues', stream: out.stream });
    p.update(100, undefined, 'issues (page 1)');
    p.update(200, undefined, 'issues (page 2)');
    p.stop();
    expect(out.text()).toBe('\rfetch-issues: 100 issues (page 1)\u001b[K\rfetch-issues: 200 issues (page 2)\u001b[K\n');
  });
});
