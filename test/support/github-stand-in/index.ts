/**
 * GitHub stand-in: an in-memory GitHub on loopback for tests, benchmarks and the demo.
 * Docs: docs/local-stack.md.
 */
export { GitHubStandIn, startGitHubStandIn, type StandInOptions, type IssueSnapshot } from './server';
export type { FaultRule, FaultKind } from './faults';
export type { CounterSnapshot, RequestRecord } from './counters';
export { sign, type WebhookDelivery, type WebhookTarget, type DeliverFn } from './webhooks';
export type { GraphqlResolver, GraphqlAnswer } from './graphql';
export { gqlActor } from './graphql';
export type { Ctx, Result, Handler } from './router';
export { HttpError } from './router';
