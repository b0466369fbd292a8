import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { catalogue } from '../../core/catalogue/index.js';
import { ChannelEnum, InboundHandlerEnum } from '../enums.js';
import type { Channel, InboundHandler } from '../../core/terms.js';

/** "phone number in international format (WhatsApp, WABA) or bot username (Telegram)" */
const identifierKinds = [...new Set(catalogue.channels.map((c) => c.identifier.kind))]
  .map((kind) => `${kind} (${catalogue.channels.filter((c) => c.identifier.kind === kind).map((c) => c.label).join(', ')})`)
  .join(' or ');

@ObjectType({ description: `A line or bot on a channel (${catalogue.channels.map((c) => c.label).join(', ')}).` })
export class Device {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Sent as `device` in payloads and as X-Kirisan-Device.' })
  token!: string;

  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field()
  name!: string;

  @Field({ description: `The ${identifierKinds}.` })
  identifier!: string;

  @Field(() => InboundHandlerEnum, { description: 'On incoming message (see InboundHandler).' })
  inboundHandler!: InboundHandler;

  @Field({ description: 'Name + number or bot name, as labels show devices.' })
  label!: string;
}

@InputType()
export class RegisterDeviceInput {
  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field()
  name!: string;

  @Field({ description: `The ${identifierKinds}.` })
  identifier!: string;

  @Field(() => InboundHandlerEnum)
  inboundHandler!: InboundHandler;
}

@InputType()
export class UpdateDeviceInput {
  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  identifier?: string;

  @Field(() => InboundHandlerEnum, { nullable: true })
  inboundHandler?: InboundHandler;
}
