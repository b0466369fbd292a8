import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { AttemptOutcomeEnum, ChannelEnum, EventTypeEnum, LogChannelEnum } from '../enums.js';
import { Diagnosis, PageInfo } from './common.js';
import type { AttemptOutcome, Channel, SubscribedEvent } from '../../core/terms.js';

@InputType({ description: 'The filters of Webhooks → Logs. Absent = all. A cursor only continues the filter it was made with.' })
export class DeliveryLogFilter {
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

@ObjectType({ description: 'One POST to one endpoint (live or test).' })
export class DeliveryLog {
  @Field(() => ID)
  id!: string;

  @Field()
  webhookName!: string;

  @Field(() => EventTypeEnum)
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

  @Field()
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
}

@ObjectType({ description: 'The Webhook delivery panel: everything about one attempt.' })
export class AttemptDetail extends DeliveryLog {
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
export class DeliveryLogEdge {
  @Field(() => DeliveryLog)
  node!: DeliveryLog;

  @Field()
  cursor!: string;
}

@ObjectType()
export class DeliveryLogConnection {
  @Field(() => [DeliveryLogEdge])
  edges!: DeliveryLogEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
