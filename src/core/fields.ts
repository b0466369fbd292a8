import type { CoreError } from './errors.js';

/**
 * What each input field is called on screen, so that a refusal reads "Devices: select at least
 * one device", not "deviceIds: …". Every door that shows refusals to people uses this one map;
 * the API keeps the field path (`field`) for programs.
 */
const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  url: 'URL',
  secret: 'Signing secret',
  deviceIds: 'Devices',
  events: 'Events',
  event: 'Event',
  code: 'Link code',
  chatId: 'Chat',
  hours: 'Mute',
  endpointId: 'Endpoint',
  webhookId: 'Webhook',
  deliveryId: 'Delivery',
  deviceId: 'Device',
  since: 'From',
  until: 'Until',
  from: 'From',
  to: 'Until',
  after: 'Page',
  search: 'Search',
  deviceSearch: 'Device search',
  statuses: 'Status',
  channels: 'Channel',
  identifier: 'Identifier',
  inboundHandler: 'On incoming message',
  customHeaders: 'Custom headers',
  perSecond: 'Rate limit',
};

/** `events[2]` → "Events", `filter.deviceId` → "Device"; a field without a label keeps its name. */
export function fieldLabel(field: string): string {
  const parts = field.replace(/\[\d+\]/g, '').split('.').filter(Boolean);
  const last = parts[parts.length - 1] ?? field;
  return FIELD_LABELS[last] ?? last;
}

/** A refusal as a person reads it: the field's label, then why. */
export function refusalText(e: Pick<CoreError, 'field' | 'reason' | 'message'>): string {
  if (!e.field) return e.message;
  return `${fieldLabel(e.field)}: ${stripField(e.reason, e.field)}`;
}

/** Reasons written before `reason` existed repeat the field ("url: …"): said once is enough. */
const stripField = (reason: string, field: string) => (reason.startsWith(`${field}: `) ? reason.slice(field.length + 2) : reason);
