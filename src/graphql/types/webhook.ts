import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { catalogue } from '../../core/catalogue/index.js';
import { enumName, ChannelEnum, DisabledReasonEnum, EndpointStatusEnum, EventTypeEnum } from '../enums.js';
import { PageInfo } from './common.js';
import { DeliverySettings } from './deliverySettings.js';
import { Device } from './device.js';
import type { Channel, DisabledReason, EndpointStatus, SubscribedEvent } from '../../core/terms.js';

/** "; MESSAGE_STATUS needs a WABA device": events that only some channels produce. */
const needs = catalogue.events
  .filter((e) => e.producer.channels !== 'all')
  .map((e) => `; ${enumName(e.type)} needs a ${catalogue.producingLabels(e.type)} device`)
  .join('');

@ObjectType({ description: 'One stored destination: the devices of one channel of a webhook.' })
export class Endpoint {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => ID, { description: 'Endpoints saved together; one successful test activates them all.' })
  batchId!: string;

  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field()
  name!: string;

  @Field()
  url!: string;

  @Field(() => String, { nullable: true, description: 'The signing secret is never returned after saving: only its last characters.' })
  secretHint!: string | null;

  @Field(() => [EventTypeEnum])
  events!: SubscribedEvent[];

  @Field(() => EndpointStatusEnum)
  status!: EndpointStatus;

  @Field(() => [Device])
  devices!: Device[];

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  activatedAt!: Date | null;

  @Field(() => DisabledReasonEnum, { nullable: true, description: 'Why the endpoint is Disabled; null unless it is.' })
  disabledReason!: DisabledReason | null;

  @Field(() => Date, { nullable: true, description: 'Since when the endpoint is Disabled; null unless it is.' })
  disabledAt!: Date | null;
}

@ObjectType({ description: 'A saved endpoint, with the Standard Webhooks signing key (shown on save; later via webhookSigningKey).' })
export class SavedEndpoint extends Endpoint {
  @Field({ description: '`whsec_…`: verify `webhook-signature` with it (e.g. the standardwebhooks package).' })
  signingKey!: string;
}

@ObjectType({ description: 'One row of Webhooks → Webhook: a logical webhook (one name + URL + secret), whatever number of endpoints it has.' })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  url!: string;

  @Field({ description: 'The channel name, or "Mixed channels" when the URL spans several.' })
  channel!: string;

  @Field(() => [ChannelEnum])
  channels!: Channel[];

  @Field(() => Int)
  deviceCount!: number;

  @Field(() => [EventTypeEnum], { description: 'Event badges.' })
  events!: SubscribedEvent[];

  @Field(() => EndpointStatusEnum, { description: 'DISABLED when any endpoint of the webhook is Disabled; else ACTIVE when every endpoint is Active.' })
  status!: EndpointStatus;

  @Field(() => String, { nullable: true })
  secretHint!: string | null;

  @Field(() => [Endpoint])
  endpoints!: Endpoint[];

  @Field()
  createdAt!: Date;

  @Field(() => DeliverySettings, { description: 'Custom headers, rate limit and signing-key overlap.' })
  delivery!: DeliverySettings;
}

@ObjectType()
export class WebhookEdge {
  @Field(() => Webhook)
  node!: Webhook;

  @Field()
  cursor!: string;
}

@ObjectType()
export class WebhookConnection {
  @Field(() => [WebhookEdge])
  edges!: WebhookEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'The figures above the list, counted as the product counts them.' })
export class WebhookSummary {
  @Field(() => Int, { description: 'Distinct name + URL + secret.' })
  webhooks!: number;

  @Field(() => Int, { description: 'Device attachments over all endpoints.' })
  deviceLinks!: number;

  @Field(() => Int, { description: 'Active endpoints.' })
  active!: number;

  @Field(() => Int, { description: 'Disabled endpoints.' })
  disabled!: number;

  @Field(() => Int)
  endpoints!: number;
}

@InputType({ description: 'The New webhook modal (and the edit dialog): Endpoint, Devices, Events, Security.' })
export class SaveWebhooksInput {
  @Field({ description: 'Display name.' })
  name!: string;

  @Field({ description: 'HTTPS URL that receives the POSTs.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'Optional signing secret (≤ 512 characters), sent as X-Webhook-Secret.' })
  secret?: string | null;

  @Field(() => [ID], { description: 'At least one device, any mix of channels.' })
  deviceIds!: string[];

  @Field(() => [EventTypeEnum], { description: `At least one event${needs}.` })
  events!: SubscribedEvent[];
}

@InputType({ description: 'An edit of a webhook, as a patch: an omitted (or null) field keeps what is stored, the signing secret included.' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'A changed URL puts the endpoints back to Pending test.' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'A new signing secret (≤ 512 characters). Omitted or null: the stored secret stays (it is never shown again, so it need not be sent back).' })
  secret?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: remove the signing secret (X-Webhook-Secret is no longer sent). Not together with secret.' })
  removeSecret?: boolean | null;

  @Field(() => [ID], { nullable: true, description: 'The whole new list of devices (at least one).' })
  deviceIds?: string[] | null;

  @Field(() => [EventTypeEnum], { nullable: true, description: `The whole new list of events (at least one${needs}).` })
  events?: SubscribedEvent[] | null;
}

@ObjectType()
export class TestTarget {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'name · device · event · URL, with "pending" while the endpoint is not Active.' })
  label!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => ID)
  endpointId!: string;

  @Field(() => ID)
  deviceId!: string;

  @Field(() => EventTypeEnum)
  event!: SubscribedEvent;

  @Field()
  url!: string;

  @Field(() => EndpointStatusEnum)
  status!: EndpointStatus;
}

@ObjectType()
export class SaveWebhooksPayload {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => ID)
  batchId!: string;

  @Field(() => [SavedEndpoint], { description: 'All Pending test until a test succeeds.' })
  endpoints!: SavedEndpoint[];

  @Field(() => [TestTarget], { description: 'Where Webhooks → Test opens next.' })
  testTargets!: TestTarget[];
}

@ObjectType()
export class DeleteWebhookPayload {
  @Field(() => [ID])
  deletedEndpointIds!: string[];
}

@ObjectType()
export class EndpointStatusChange {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field({ description: 'PENDING_TEST, ACTIVE, DISABLED or DELETED.' })
  status!: string;

  @Field(() => DisabledReasonEnum, { nullable: true, description: 'Status DISABLED: why.' })
  disabledReason!: DisabledReason | null;

  @Field(() => Date, { nullable: true, description: 'Status DISABLED: since when.' })
  disabledAt!: Date | null;
}
