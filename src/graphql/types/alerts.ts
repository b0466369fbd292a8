import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: "The account's alert webhook (an operational webhook): every alert, POSTed signed with Standard Webhooks headers." })
export class AlertWebhook {
  @Field()
  url!: string;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class SetAlertWebhookPayload {
  @Field(() => AlertWebhook)
  alertWebhook!: AlertWebhook;

  @Field(() => String, {
    nullable: true,
    description: 'The `whsec_…` key alert POSTs are signed with. Shown once, when the alert webhook is first set; null when only the URL changed (the key stays).',
  })
  signingKey!: string | null;
}
