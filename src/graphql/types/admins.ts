import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A one-time code that links a Telegram chat to this account as an admin chat.' })
export class ChatLinkCode {
  @Field({ description: 'Single use; send it to the bot as /start <code> (or open t.me/<bot>?start=<code>).' })
  code!: string;

  @Field()
  expiresAt!: Date;

  @Field({ description: 'What to send the bot: /start <code>.' })
  startCommand!: string;

  @Field(() => String, { nullable: true, description: 'Open this link to link a chat (https://t.me/<bot>?start=<code>); null when this process does not know the bot (no token, or the bot has not reached Telegram yet).' })
  deepLink!: string | null;
}

@ObjectType({ description: 'A Telegram chat linked to the account: it can run the webhook workflow and gets failure alerts.' })
export class AdminChat {
  @Field(() => ID)
  chatId!: string;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field()
  linkedAt!: Date;
}

@ObjectType()
export class AlertMute {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => Date, { nullable: true, description: 'Failure alerts of the endpoint are silent until then; null when not muted.' })
  mutedUntil!: Date | null;
}
