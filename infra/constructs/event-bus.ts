import { Duration } from "aws-cdk-lib";
import { EventBus } from "aws-cdk-lib/aws-events";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../shared/adapters/aws/event-bridge-publisher.ts";

export interface HarnessEventBusProps {
  stage: string;
  /** How long published events are kept for replay. @default 365 days */
  archiveRetention?: Duration;
}

/** The custom bus every domain event goes to, archived so any window can be replayed to new rules. */
export class HarnessEventBus extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: HarnessEventBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", { eventBusName: `${props.stage}-harness` });
    this.bus.archive("Archive", {
      archiveName: `${props.stage}-harness-events`,
      description: "Every harness domain event, for replay",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
  }
}
