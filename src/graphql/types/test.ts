import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Diagnosis } from './common.js';
import { RequestHeader } from './deliverySettings.js';
import { Device } from './device.js';
import { TestTarget } from './webhook.js';

@ObjectType({ description: 'Webhooks → Test for one target: device summary, scenario, payload preview.' })
export class TestTargetDetail {
  @Field(() => TestTarget)
  target!: TestTarget;

  @Field(() => Device)
  device!: Device;

  @Field({ description: 'What the sample represents.' })
  scenario!: string;

  @Field({ description: 'Exactly the JSON Send test will POST ("production": false; timestamp = the second it is sent).' })
  payloadPreview!: string;

  @Field(() => [RequestHeader], { description: 'The request headers Send test will send, custom headers included (secrets and custom values as hints).' })
  requestHeaders!: RequestHeader[];
}

@ObjectType({ description: 'The result card of Send test.' })
export class TestResult {
  @Field()
  success!: boolean;

  @Field(() => Int, { nullable: true, description: 'Null when no response came.' })
  httpStatus!: number | null;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true })
  responseBody!: string | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorText!: string | null;

  @Field(() => Diagnosis, { nullable: true })
  diagnosis!: Diagnosis | null;

  @Field(() => ID, { description: 'The attempt in Webhooks → Logs.' })
  attemptId!: string;

  @Field(() => [ID], { description: 'Endpoints this success moved to Active (the whole save batch).' })
  activatedEndpoints!: string[];
}
