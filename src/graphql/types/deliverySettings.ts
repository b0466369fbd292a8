import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A header as it may be shown: its value is a hint after saving (an API key is a secret).' })
export class CustomHeaderHint {
  @Field()
  name!: string;

  @Field({ description: 'The last 4 characters of the value (••••), or •••• for a short one.' })
  valueHint!: string;
}

@ObjectType({ description: 'One header of a request as it will be sent (secrets as hints).' })
export class RequestHeader {
  @Field()
  name!: string;

  @Field()
  value!: string;
}

@InputType({ description: 'A header sent on every POST of the webhook, live and test.' })
export class CustomHeaderInput {
  @Field({ description: 'An HTTP header name; not X-Kirisan-*, webhook-*, X-Webhook-Secret, User-Agent, Content-Type, Host or a hop-by-hop header.' })
  name!: string;

  @Field({ description: 'Printable ASCII, at most 1024 characters.' })
  value!: string;
}

@ObjectType({ description: 'What a webhook asks of its POSTs beyond the form: custom headers, a rate limit, a signing-key rotation.' })
export class DeliverySettings {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => [CustomHeaderHint], { description: 'At most 10, 4096 characters in all.' })
  customHeaders!: CustomHeaderHint[];

  @Field(() => Int, { nullable: true, description: 'Most deliveries per second to each endpoint of the webhook, across every worker; null = no limit. Deliveries beyond it wait, never dropped.' })
  rateLimit!: number | null;

  @Field(() => Date, { nullable: true, description: 'While a rotation overlaps: until when the previous key still signs (two v1 entries in webhook-signature).' })
  previousKeyUntil!: Date | null;
}

@ObjectType({ description: 'A rotated signing key: shown here, once.' })
export class SigningKeyRotation extends DeliverySettings {
  @Field({ description: 'The new `whsec_…` key. The previous key keeps signing next to it until previousKeyUntil (SIGNING_KEY_OVERLAP).' })
  signingKey!: string;
}
