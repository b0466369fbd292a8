import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { AttemptOutcomeEnum, ChannelEnum, EventTypeEnum, LogChannelEnum } from '../enums.js';
import { Diagnosis, PageInfo } from './common.js';
import type { AttemptOutcome, Channel, SubscribedEvent } from '../../core/terms.js';

@InputType({ description: 'The filters of Webhooks → Logs. Absent = all. A cursor only continues the filter it was made with.' })
export class AttemptFilter {
  @Field(() => String, { nullable: true, description: 'Device-id prefix search: the start of a device token or number/bot name.' })
  deviceSearch?: string | null;

  @Field(() => [EventTypeEnum], { nullable: true })
  events?: SubscribedEvent[] | null;

  @Field(() => [AttemptOutcomeEnum], { nullable: true })
  statuses?: AttemptOutcome[] | null;

  @Field(() => LogChannelEnum, { nullable: true })
  channel?: string | null;

  @Field(() => ID, { nullable: true })
  deviceId?: string | null;

  @Field(() => ID, { nullable: true })
  endpointId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: tests only; false: live only.' })
  test?: boolean | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}

@ObjectType()
export class LogDevice {
  @Field()
  name!: string;

  @Field()
  identifier!: string;

  @Field()
  token!: string;
}

/**
 * One attempt: one POST to one endpoint (live or test), as the log lists it and as the Webhook
 * delivery panel shows it. One type for both: the row holds everything.
 */
@ObjectType({ description: 'One attempt: one POST to one endpoint (live or test), a row of Webhooks → Logs and its Webhook delivery panel.' })
export class Attempt {
  @Field(() => ID)
  id!: string;

  @Field()
  webhookName!: string;

  @Field(() => EventTypeEnum, { description: 'The name the endpoint stores for the event (also sent in X-Kirisan-Event).' })
  event!: SubscribedEvent;

  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field()
  url!: string;

  @Field(() => AttemptOutcomeEnum)
  outcome!: AttemptOutcome;

  @Field(() => Int, { nullable: true, description: 'Null when no response came.' })
  httpCode!: number | null;

  @Field(() => Int)
  durationMs!: number;

  @Field({ description: 'When the POST started.' })
  startedAt!: Date;

  @Field({ deprecationReason: 'The same instant as startedAt, under an older name: use startedAt.' })
  createdAt!: Date;

  @Field()
  test!: boolean;

  @Field(() => Int)
  attemptNumber!: number;

  @Field(() => ID, { nullable: true })
  deliveryId!: string | null;

  @Field(() => ID, { nullable: true })
  endpointId!: string | null;

  @Field(() => ID, { nullable: true })
  deviceId!: string | null;

  @Field(() => LogDevice, { nullable: true })
  device!: LogDevice | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true, description: 'The Error panel.' })
  error!: string | null;

  @Field(() => String, { nullable: true })
  responseBody!: string | null;

  @Field(() => Diagnosis, { nullable: true, description: 'Cause and fix, for failed attempts.' })
  diagnosis!: Diagnosis | null;
}

@ObjectType()
export class AttemptEdge {
  @Field(() => Attempt)
  node!: Attempt;

  @Field()
  cursor!: string;
}

@ObjectType()
export class AttemptConnection {
  @Field(() => [AttemptEdge])
  edges!: AttemptEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
