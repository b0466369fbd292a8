export {
  channelLabel,
  deviceProducesEvent,
  eventLabel,
  eventTypeOf,
  headerEventName,
  inboundHandlerLabel,
  isEventType,
  isSubscribedEvent,
  subscriptionNamesFor,
  type ProducesEvent,
} from './catalogue.js';
export {
  buildPayload,
  parseEventData,
  renderBody,
  type EventData,
  type EventDataByType,
  type IncomingMessageData,
  type MessageStatusData,
  type SubmissionData,
} from './payloads.js';
export { samplePayload, samplePublishData, sampleScenario, type SampleDevice } from './samples.js';
