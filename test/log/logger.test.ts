import { describe, expect, it } from 'vitest';
import { errorFields } from '../../src/log/error-fields';
import { createLogger } from '../../src/log/logger';
import { logSink } from '../bots/app-harness';

describe('errors in logs', () => {
  it('an error is logged as class, status and message only: never the event or request it carries', () => {
    const sink = logSink();
    const log = createLogger('log-test', sink.stream);
    log.level = 'info';
    const event = { id: 'd-1', name: 'issues', payload: { issue: { title: 'SECRET-TITLE', body: 'SECRET-BODY' } } };
    const inner = Object.assign(new Error('Bad credentials'), {
      status: 401,
      event,
      request: { headers: { authorization: 'token SECRET-TOKEN' } },
    });
    // What Probot's webhook error handler does with each error of the AggregateError.
    log.error(inner);
    log.error({ err: Object.assign(new AggregateError([inner], 'boom'), { event }) }, 'failed');
    const text = sink.lines.join('\n');
    expect(text).not.toMatch(/SECRET-/);
    expect(JSON.parse(sink.lines[0]!)).toMatchObject({
      err: { class: 'Error', status: 401, message: 'Bad credentials' },
    });
    expect(JSON.parse(sink.lines[1]!)).toMatchObject({
      err: { class: 'AggregateError', status: 401, message: 'boom' },
    });
  });

  it('errorFields truncates long messages and accepts non-errors', () => {
    expect(errorFields(new Error('x'.repeat(1000))).message).toHaveLength(300);
    expect(errorFields('plain')).toEqual({ message: 'plain' });
  });
});
