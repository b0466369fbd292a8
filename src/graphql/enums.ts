import { registerEnumType } from 'type-graphql';

/**
 * GraphQL enums whose internal values are the core's own strings, so no mapping table is
 * needed between the API and the core.
 */
export enum ChannelEnum {
  WHATSAPP = 'whatsapp',
  TELEGRAM = 'telegram',
  WABA = 'waba',
}

/** The log's channel filter also offers Email, as the product does; it never has rows. */
export enum LogChannelEnum {
  WHATSAPP = 'whatsapp',
  TELEGRAM = 'telegram',
  WABA = 'waba',
  EMAIL = 'email',
}

export enum InboundHandlerEnum {
  AUTOREPLY = 'autoreply',
  FLOW = 'flow',
  SPREADSHEET = 'spreadsheet',
  WEBHOOK = 'webhook',
}

export enum EventTypeEnum {
  INCOMING_MESSAGE = 'incoming_message',
  SUBMISSION = 'submission',
  /** The legacy stored name of SUBMISSION. */
  SUBMISSION_COMPLETED = 'submission.completed',
  MESSAGE_STATUS = 'message_status',
}

export enum EndpointStatusEnum {
  PENDING_TEST = 'pending_test',
  ACTIVE = 'active',
}

export enum AttemptOutcomeEnum {
  SUCCESS = 'success',
  FAILED = 'failed',
}

registerEnumType(ChannelEnum, { name: 'Channel', description: 'The messaging channel of a device.' });
registerEnumType(LogChannelEnum, { name: 'LogChannel', description: 'Channel filter of the log (Email never has rows).' });
registerEnumType(InboundHandlerEnum, { name: 'InboundHandler', description: 'What a device does with an incoming message; only WEBHOOK devices fire INCOMING_MESSAGE.' });
registerEnumType(EventTypeEnum, {
  name: 'EventType',
  description: 'Webhook events. SUBMISSION_COMPLETED is the legacy stored name of SUBMISSION (sent in X-Kirisan-Event; the body says "submission").',
});
registerEnumType(EndpointStatusEnum, { name: 'EndpointStatus', description: 'Pending test after a save; Active after a successful test. Only Active endpoints get live traffic.' });
registerEnumType(AttemptOutcomeEnum, { name: 'AttemptOutcome' });
