/**
 * Test-page samples. Each goes through the live parseEventData + buildPayload, so the
 * preview a person approves is the shape live traffic will have; if the contract changes,
 * a stale sample fails validation instead of silently showing the old shape.
 *
 * Times are fixed (not "now") so the preview and the POST built from it are identical.
 */
import type { Channel, EventType } from '../terms.js';
import { channelLabel } from './catalogue.js';
import { buildPayload, parseEventData } from './payloads.js';

export interface SampleDevice {
  token: string;
  channel: Channel;
  name: string;
  identifier: string;
}

const GREETING = 'Hi, I need help with my order';
const FORM_NAME = 'Registration form';
const STARTED_AT = 1735689480;
const COMPLETED_AT = 1735689600;
const USER_PHONE = '6281234567890';
const USER_NAME = 'Jane Doe';
const TELEGRAM_CHAT = 712345678;
const WAMID_IN = 'wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA5QkE3RjE2QzlBMzY0RTJBAA==';
const WAMID_OUT = 'wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ1RjdBRTk4QzBEMzFCNkI4NQA=';

/** Who talks to the device: the reply target differs per channel (phone vs chat id). */
function userOf(channel: Channel): string {
  return channel === 'telegram' ? String(TELEGRAM_CHAT) : USER_PHONE;
}

function incomingMessageData(device: SampleDevice): unknown {
  const message = { type: 'text', text: GREETING };
  switch (device.channel) {
    case 'whatsapp':
      return {
        sender: {
          sender: USER_PHONE,
          name: USER_NAME,
          details: { type: 'personal', sender: USER_PHONE, pushname: USER_NAME, from_me: false },
        },
        message,
        metadata: { inboxid: 0, isgroup: false, isforwarded: false },
      };
    case 'telegram':
      return {
        sender: {
          sender: String(TELEGRAM_CHAT),
          name: USER_NAME,
          details: { chat_id: TELEGRAM_CHAT, user_id: TELEGRAM_CHAT, username: 'jane_doe' },
        },
        message,
        metadata: { inboxid: 0, isgroup: false, isforwarded: false },
      };
    case 'waba':
      return {
        sender: {
          sender: USER_PHONE,
          name: USER_NAME,
          details: { wa_id: USER_PHONE, profile_name: USER_NAME, message_id: WAMID_IN },
        },
        message,
        metadata: {
          messaging_product: 'whatsapp',
          display_phone_number: device.identifier,
          phone_number_id: '109876543210987',
          timestamp: String(COMPLETED_AT),
        },
      };
  }
}

function submissionData(device: SampleDevice): unknown {
  return {
    submission: { id: 42, name: FORM_NAME },
    sender: userOf(device.channel),
    answers: [
      { question: 'What is your name?', answer: { type: 'text', text: USER_NAME } },
      {
        question: 'Upload your ID photo',
        answer: {
          type: 'image',
          file: {
            url: 'https://cdn.example.com/uploads/id-photo.jpg',
            filename: 'id-photo.jpg',
            filetype: 'image',
            mime_type: 'image/jpeg',
          },
        },
      },
      { question: 'Anything else we should know?', answer: { type: 'text', text: '' } },
    ],
    started_at: STARTED_AT,
    completed_at: COMPLETED_AT,
  };
}

function messageStatusData(): unknown {
  return { recipient: USER_PHONE, message_id: WAMID_OUT, status: 'delivered' };
}

/**
 * A realistic payload for `type` from `device`, keys as live traffic has them (without
 * `timestamp` and `production`, which renderBody adds per send). Throws like
 * parseEventData when the device's channel cannot produce the event (message_status
 * outside WABA).
 */
export function samplePayload(type: EventType, device: SampleDevice): Record<string, unknown> {
  const target = { token: device.token, channel: device.channel };
  switch (type) {
    case 'incoming_message':
      return buildPayload(type, target, parseEventData(type, device.channel, incomingMessageData(device)));
    case 'submission':
      return buildPayload(type, target, parseEventData(type, device.channel, submissionData(device)));
    case 'message_status':
      return buildPayload(type, target, parseEventData(type, device.channel, messageStatusData()));
  }
}

/**
 * What the messaging platform publishes for the sample (publishEvent's `data`): the payload
 * without the fields the gateway fills in itself (event, device, channel).
 */
export function samplePublishData(type: EventType, device: SampleDevice): Record<string, unknown> {
  const { event: _event, device: _device, channel: _channel, ...data } = samplePayload(type, device);
  return data;
}

/** One line for the test page: what "happened" in the sample. */
export function sampleScenario(type: EventType, channel: Channel): string {
  const label = channelLabel(channel);
  switch (type) {
    case 'incoming_message':
      return channel === 'telegram'
        ? `A Telegram user sends "${GREETING}" to the bot`
        : `A ${label} user sends "${GREETING}"`;
    case 'submission':
      return `A ${label} user completes the "${FORM_NAME}" autoreply form, skipping the last question`;
    case 'message_status':
      return channel === 'waba'
        ? 'A message sent from this WABA number is delivered to the recipient'
        : `Message status events come only from WABA devices; a ${label} device never sends them`;
  }
}
