import type { DomainEvent, EventPublisher } from "../../ports.ts";

export type Subscriber = (event: DomainEvent) => Promise<void>;

/**
 * The in-process event stream. Delivery is asynchronous and at-least-once-shaped like EventBridge:
 * subscribers run after `publish` returns, and one failing subscriber does not stop the others.
 */
export class LocalBus implements EventPublisher {
  private readonly subscribers = new Map<string, Subscriber[]>();
  private inFlight = new Set<Promise<void>>();
  readonly published: DomainEvent[] = [];

  constructor(private readonly onError: (err: unknown, event: DomainEvent) => void = () => {}) {}

  subscribe(type: string, fn: Subscriber): void {
    this.subscribers.set(type, [...(this.subscribers.get(type) ?? []), fn]);
  }

  async publish(events: DomainEvent[]): Promise<void> {
    for (const event of events) {
      this.published.push(event);
      if (this.published.length > 1000) this.published.splice(0, this.published.length - 1000);
      for (const fn of [...(this.subscribers.get(event.type) ?? []), ...(this.subscribers.get("*") ?? [])]) {
        const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => fn(event))
          .catch((err) => this.onError(err, event))
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
  }

  /** Run work in the background, tracked by `drain()`. */
  track(work: () => Promise<unknown>, onError: (err: unknown) => void): void {
    const p: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => {},
        (err) => onError(err),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Wait until every delivery so far (and those it caused) has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
