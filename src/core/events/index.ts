export { buildPayload, eventPayload, parseEventData, renderBody } from './payloads.js';
export { samplePayload, samplePublishData, sampleScenario } from './samples.js';
