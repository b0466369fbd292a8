import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Endpoint } from './webhook.js';
import { Device } from './device.js';

@ObjectType()
export class PublishEventPayload {
  @Field(() => ID)
  eventId!: string;

  @Field(() => Int, { description: 'Deliveries queued: one per Active endpoint linked to the device and subscribed to the event.' })
  deliveriesQueued!: number;

  @Field(() => String, { nullable: true, description: 'Why the event goes to no endpoint: the device\'s handler does not route it (not Webhook), or no Active endpoint of the device subscribes to it. Null when deliveries were queued.' })
  notRoutedReason!: string | null;

  @Field({ description: 'True when this answers an earlier publish with the same idempotency key: nothing new was stored or queued.' })
  replayed!: boolean;
}

@ObjectType()
export class RedeliverPayload {
  @Field(() => ID)
  deliveryId!: string;

  @Field()
  queued!: boolean;
}

@ObjectType()
export class RedeliverFailedPayload {
  @Field(() => Int)
  queued!: number;
}

@ObjectType({ description: 'One line of the guide\'s symptom checklists.' })
export class TroubleshootCheck {
  @Field({ description: 'endpoint_active, url_https, url_public, device_linked, device_handler, event_checked, recent_attempts' })
  check!: string;

  @Field()
  passed!: boolean;

  @Field()
  detail!: string;

  @Field(() => String, { nullable: true })
  fix!: string | null;
}

@ObjectType()
export class TroubleshootReport {
  @Field(() => Endpoint)
  endpoint!: Endpoint;

  @Field(() => Device, { nullable: true })
  device!: Device | null;

  @Field(() => [TroubleshootCheck])
  checks!: TroubleshootCheck[];

  @Field()
  healthy!: boolean;
}
