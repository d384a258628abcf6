/**
 * Serialises work per key inside one process: the deterministic leader among racers is the first to arrive. Pub/Sub
 * may hand the same issue to one pod several times at once (redelivery of a slow message, or the frontend publishing
 * reopened+opened), and a Probot server (`npm run dev`, `dev:local`, the demo) may get the same event several times at
 * once (redeliveries, retries); the labeler's read-then-write is idempotent only when runs do not interleave, so runs
 * for one issue queue behind each other and the followers find the leader's labels and comment on their read.
 * Across processes nothing in memory serialises them: on the forwarded route the Pub/Sub ordering key keeps one
 * issue's messages on one pod at a time (src/pubsub/publisher.ts orderingKey); elsewhere (Lambda instances) racers
 * whose reads beat the first write each create a comment, and the issue converges on the oldest (racer-in-flight.ts,
 * docs/frontend.md "Racing processes").
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
