import { Duration } from "aws-cdk-lib";
import { type IEventBus, Rule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../shared/adapters/aws/event-bridge-publisher.ts";
import type { EventRoute, EventTarget } from "../../shared/runtime/event-routes.ts";

export interface EventRoutingProps {
  bus: IEventBus;
  routes: EventRoute[];
  /** The function a route's target names. */
  targetFunction: (target: EventTarget) => IFunction;
  /** Where events EventBridge could not deliver go. */
  deadLetterQueue: IQueue;
}

/** One EventBridge rule per entry of the event route table (shared/runtime/event-routes.ts). */
export class EventRouting extends Construct {
  readonly rules: Rule[] = [];

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    for (const route of props.routes) {
      const rule = new Rule(this, route.id, {
        eventBus: props.bus,
        description: `${route.eventType} -> ${"worker" in route.target ? route.target.worker : `agent ${route.target.agent}`}`,
        eventPattern: {
          source: [EVENT_SOURCE],
          detailType: [route.eventType],
          ...(route.detail ? { detail: route.detail } : {}),
        },
      });
      rule.addTarget(
        new LambdaFunction(props.targetFunction(route.target), {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      );
      this.rules.push(rule);
    }
  }
}
