import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ChannelEnum, InboundHandlerEnum } from '../enums.js';

@ObjectType({ description: 'A WhatsApp line, Telegram bot or WABA number.' })
export class Device {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Sent as `device` in payloads and as X-Kirisan-Device.' })
  token!: string;

  @Field(() => ChannelEnum)
  channel!: ChannelEnum;

  @Field()
  name!: string;

  @Field({ description: 'Phone number or bot name.' })
  identifier!: string;

  @Field(() => InboundHandlerEnum, { description: 'On incoming message: only WEBHOOK fires INCOMING_MESSAGE events.' })
  inboundHandler!: InboundHandlerEnum;

  @Field({ description: 'Name + number or bot name, as labels show devices.' })
  label!: string;
}

@InputType()
export class RegisterDeviceInput {
  @Field(() => ChannelEnum)
  channel!: ChannelEnum;

  @Field()
  name!: string;

  @Field({ description: 'Phone number in international format (WhatsApp, WABA) or bot username (Telegram).' })
  identifier!: string;

  @Field(() => InboundHandlerEnum)
  inboundHandler!: InboundHandlerEnum;
}

@InputType()
export class UpdateDeviceInput {
  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  identifier?: string;

  @Field(() => InboundHandlerEnum, { nullable: true })
  inboundHandler?: InboundHandlerEnum;
}
