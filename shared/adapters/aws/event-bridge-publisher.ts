import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from "@aws-sdk/client-eventbridge";
import { DependencyError } from "../../domain/errors.ts";
import type { DomainEvent, EventPublisher } from "../../ports.ts";
import { awsClientConfig } from "./client-config.ts";

/** The `source` of every event the harness puts on its bus; rules match on it. */
export const EVENT_SOURCE = "agent-harness";

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

/** Domain events onto the EventBridge custom bus: detail-type is the event type, detail its detail. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  static create(busName: string, region?: string): EventBridgePublisher {
    return new EventBridgePublisher(new EventBridgeClient(awsClientConfig(region)), busName);
  }

  async publish(events: DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      let res: PutEventsCommandOutput;
      try {
        res = await this.client.send(
          new PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: e.type,
              Detail: JSON.stringify(e.detail),
            })),
          }),
        );
      } catch (err) {
        throw new DependencyError(`EventBridge PutEvents failed: ${(err as Error).name}`, { cause: err });
      }
      if (res.FailedEntryCount)
        throw new DependencyError(`EventBridge rejected ${res.FailedEntryCount} of ${batch.length} events`);
    }
  }
}
