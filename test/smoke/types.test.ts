import { describe, expect, it } from 'vitest';
import { ISSUE_STATE_OPERATION, ISSUE_STATE_QUERY } from '../../src/github/issue-state-query';

describe('issue state query', () => {
  it('names its operation so the GitHub stand-in can answer it', () => {
    expect(ISSUE_STATE_QUERY).toContain(`query ${ISSUE_STATE_OPERATION}(`);
  });
});
