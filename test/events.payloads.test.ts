import { describe, it, expect } from 'vitest';
import { CoreError } from '../src/core/errors.js';
import type { Channel, EventType } from '../src/core/terms.js';
import { catalogue } from '../src/core/catalogue/index.js';
import type { IncomingMessageData } from '../src/core/catalogue/events/incomingMessage.js';
import type { SubmissionData } from '../src/core/catalogue/events/submission.js';
import { buildPayload, parseEventData, renderBody, samplePayload, sampleScenario } from '../src/core/events/index.js';

// The example of submission-payload.txt, verbatim.
const REFERENCE = JSON.parse(`{
  "event": "submission",
  "submission": { "id": 42, "name": "Registration form" },
  "device": "your-device-token",
  "sender": "6281234567890",
  "channel": "whatsapp",
  "answers": [
    { "question": "What is your name?", "answer": { "type": "text", "text": "Jane Doe" } },
    {
      "question": "Upload your ID photo",
      "answer": {
        "type": "image",
        "file": {
          "url": "https://cdn.example.com/uploads/id-photo.jpg",
          "filename": "id-photo.jpg",
          "filetype": "image",
          "mime_type": "image/jpeg"
        }
      }
    }
  ],
  "started_at": 1735689480,
  "completed_at": 1735689600,
  "timestamp": 1735689600,
  "production": true
}`) as Record<string, unknown>;

function publishedPart(reference: Record<string, unknown>): Record<string, unknown> {
  const { event: _e, device: _d, channel: _c, timestamp: _t, production: _p, ...data } = reference;
  return data;
}

const whatsapp = { token: 'your-device-token', channel: 'whatsapp' as const };
const waba = { token: 'waba-token', channel: 'waba' as const };

const incomingWhatsApp = () => ({
  sender: {
    sender: '6281234567890',
    name: 'Jane Doe',
    details: { type: 'personal', sender: '6281234567890', pushname: 'Jane Doe', from_me: false },
  },
  message: { type: 'text', text: 'Hello' },
  metadata: { inboxid: 0, isgroup: false, isforwarded: false },
});

const statusData = () => ({ recipient: '6281234567890', message_id: 'wamid.ABC', status: 'delivered' });

/** Runs `fn`, expecting a validation refusal, and returns the field it names. */
function refusal(fn: () => unknown): { field: string | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    const err = e as CoreError;
    expect(err.code).toBe('VALIDATION_FAILED');
    return { field: err.field, message: err.message };
  }
  throw new Error('expected a refusal');
}

describe('submission body', () => {
  it('the reference example renders to exactly the bytes of the reference object', () => {
    const data = parseEventData('submission', 'whatsapp', publishedPart(REFERENCE));
    const body = renderBody(JSON.stringify(buildPayload('submission', whatsapp, data)), 1735689600, true);
    expect(body).toBe(JSON.stringify(REFERENCE));
  });

  it('a submission body keeps the reference key order and ends with timestamp and production', () => {
    const data = parseEventData('submission', 'telegram', publishedPart(REFERENCE));
    const payload = buildPayload('submission', { token: 't', channel: 'telegram' }, data);
    const parsed = JSON.parse(renderBody(JSON.stringify(payload), 1700000000, false)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      'event', 'submission', 'device', 'sender', 'channel', 'answers', 'started_at', 'completed_at',
      'timestamp', 'production',
    ]);
    expect(parsed).toEqual({ ...payload, timestamp: 1700000000, production: false });
    expect(parsed.channel).toBe('telegram');
  });

  it('a skipped answer is empty text, whether published as empty text, null or left out', () => {
    const base = publishedPart(REFERENCE);
    const data = parseEventData('submission', 'whatsapp', {
      ...base,
      answers: [
        { question: 'a', answer: { type: 'text', text: '' } },
        { question: 'b', answer: null },
        { question: 'c' },
      ],
    }) as SubmissionData;
    expect(data.answers.map((a) => a.answer)).toEqual([
      { type: 'text', text: '' }, { type: 'text', text: '' }, { type: 'text', text: '' },
    ]);
  });

  it('the legacy submission.completed name goes in the header, never in the body', () => {
    expect(catalogue.subscriptionNamesFor('submission')).toContain('submission.completed');
    const type = catalogue.eventTypeOf('submission.completed');
    expect(type).toBe('submission');
    const data = parseEventData(type, 'whatsapp', publishedPart(REFERENCE));
    const body = renderBody(JSON.stringify(buildPayload(type, whatsapp, data)), 1, true);
    expect(body).not.toContain('submission.completed');
    expect((JSON.parse(body) as { event: string }).event).toBe('submission');
  });
});

describe('other bodies', () => {
  it('an incoming message body has event, device, channel, sender, message, metadata in that order', () => {
    const payload = buildPayload('incoming_message', whatsapp, parseEventData('incoming_message', 'whatsapp', incomingWhatsApp()));
    expect(Object.keys(payload)).toEqual(['event', 'device', 'channel', 'sender', 'message', 'metadata']);
    expect(payload.event).toBe('incoming_message');
  });

  it('a message_status body repeats message_id and status in metadata, with the errors', () => {
    const errors = [{ code: 131047, title: 'Re-engagement message', message: 'More than 24 hours have passed' }];
    const data = parseEventData('message_status', 'waba', { ...statusData(), status: 'failed', metadata: { errors } });
    const payload = buildPayload('message_status', waba, data);
    expect(Object.keys(payload)).toEqual(['event', 'channel', 'device', 'recipient', 'message_id', 'status', 'metadata']);
    expect(payload.metadata).toEqual({ message_id: 'wamid.ABC', status: 'failed', errors });
  });

  it('extra channel-specific keys in details and metadata are kept', () => {
    const input = incomingWhatsApp();
    const data = parseEventData('incoming_message', 'whatsapp', {
      ...input,
      sender: { ...input.sender, details: { ...input.sender.details, lid: '123@lid' } },
      metadata: { ...input.metadata, quoted: null },
    }) as IncomingMessageData;
    expect(data.sender.details).toMatchObject({ lid: '123@lid' });
    expect(data.metadata).toMatchObject({ quoted: null });
  });

  it('a location without coordinate gets one derived from latitude and longitude', () => {
    const data = parseEventData('incoming_message', 'whatsapp', {
      ...incomingWhatsApp(),
      message: { type: 'location', text: '', location: { latitude: -6.2, longitude: 106.8 } },
    }) as IncomingMessageData;
    expect(data.message.location).toEqual({ latitude: -6.2, longitude: 106.8, coordinate: '-6.2,106.8' });
  });

  it('renderBody splices into an empty object without a leading comma', () => {
    expect(renderBody('{}', 5, false)).toBe('{"timestamp":5,"production":false}');
  });
});

describe('refusals name the field', () => {
  const sub = () => publishedPart(REFERENCE);
  const cases: Array<[string, () => unknown, string]> = [
    ['message_status from a WhatsApp device is refused naming the channel',
      () => parseEventData('message_status', 'whatsapp', statusData()), 'channel'],
    ['a missing sender name is refused', () => {
      const d = incomingWhatsApp();
      return parseEventData('incoming_message', 'whatsapp', { ...d, sender: { sender: d.sender.sender, details: d.sender.details } });
    }, 'data.sender.name'],
    ['a Telegram sender without chat_id is refused', () => parseEventData('incoming_message', 'telegram', {
      sender: { sender: '1', name: 'x', details: { user_id: 1 } }, message: { type: 'text', text: 'x' }, metadata: {},
    }), 'data.sender.details.chat_id'],
    ['WhatsApp metadata without isgroup is refused', () =>
      parseEventData('incoming_message', 'whatsapp', { ...incomingWhatsApp(), metadata: { inboxid: 0, isforwarded: false } }),
    'data.metadata.isgroup'],
    ['an image message without its file is refused', () =>
      parseEventData('incoming_message', 'whatsapp', { ...incomingWhatsApp(), message: { type: 'image', text: '' } }),
    'data.message.file'],
    ['an unknown key in the message envelope is refused', () =>
      parseEventData('incoming_message', 'whatsapp', { ...incomingWhatsApp(), message: { type: 'text', text: 'x', txt: 'x' } }),
    'data.message.txt'],
    ['a gateway-owned field in the published data is refused', () =>
      parseEventData('submission', 'whatsapp', { ...sub(), timestamp: 1 }), 'data.timestamp'],
    ['an unknown answer type is refused', () => parseEventData('submission', 'whatsapp', {
      ...sub(), answers: [{ question: 'q', answer: { type: 'sticker', text: '' } }],
    }), 'data.answers[0].answer.type'],
    ['a file answer with a non-http URL is refused', () => parseEventData('submission', 'whatsapp', {
      ...sub(), answers: [{ question: 'q', answer: { type: 'file', file: { url: 'ftp://x/y', filename: 'y', filetype: 'file' } } }],
    }), 'data.answers[0].answer.file.url'],
    ['completed_at before started_at is refused', () =>
      parseEventData('submission', 'whatsapp', { ...sub(), completed_at: 1735689000 }), 'data.completed_at'],
    ['started_at in milliseconds is refused', () =>
      parseEventData('submission', 'whatsapp', { ...sub(), started_at: 1735689480000, completed_at: 1735689600000 }),
    'data.started_at'],
    ['a fractional form id is refused', () =>
      parseEventData('submission', 'whatsapp', { ...sub(), submission: { id: 4.2, name: 'x' } }), 'data.submission.id'],
    ['an unknown delivery status is refused', () =>
      parseEventData('message_status', 'waba', { ...statusData(), status: 'seen' }), 'data.status'],
    ['a message id that is not a wamid is refused', () =>
      parseEventData('message_status', 'waba', { ...statusData(), message_id: '123' }), 'data.message_id'],
    ['a Telegram chat_id that is not a number is refused', () => parseEventData('incoming_message', 'telegram', {
      sender: { sender: '1', name: 'x', details: { chat_id: true, user_id: 1 } }, message: { type: 'text', text: 'x' }, metadata: {},
    }), 'data.sender.details.chat_id'],
    ['data that is not an object is refused', () => parseEventData('submission', 'waba', 'hello'), 'data'],
  ];
  for (const [name, fn, field] of cases) {
    it(name, () => {
      const { field: got, message } = refusal(fn);
      expect(got).toBe(field);
      expect(message).not.toMatch(/Invalid input|expected .* received/);
    });
  }

  it('reasons read as plain words', () => {
    expect(refusal(() => parseEventData('submission', 'whatsapp', { ...sub(), completed_at: 1 })).message)
      .toBe('data.completed_at: must not be before started_at');
    expect(refusal(() => parseEventData('message_status', 'waba', { ...statusData(), status: 'seen' })).message)
      .toBe('data.status: must be one of: sent, delivered, read, failed');
    expect(refusal(() => parseEventData('submission', 'whatsapp', { ...sub(), sender: undefined })).message)
      .toBe('data.sender: is required');
  });
});

describe('catalogue', () => {
  it('submission is subscribed by both its names, others by their own', () => {
    expect(catalogue.subscriptionNamesFor('submission')).toEqual(['submission', 'submission.completed']);
    expect(catalogue.subscriptionNamesFor('message_status')).toEqual(['message_status']);
    expect(catalogue.eventTypeOf('incoming_message')).toBe('incoming_message');
  });

  it('incoming messages come only from devices whose handler is Webhook, naming the handler otherwise', () => {
    expect(catalogue.deviceProduces({ channel: 'telegram', inboundHandler: 'webhook' }, 'incoming_message')).toEqual({ ok: true });
    expect(catalogue.deviceProduces({ channel: 'whatsapp', inboundHandler: 'autoreply' }, 'incoming_message')).toEqual({
      ok: false, reason: "the device's On incoming message handler is Autoreply, not Webhook",
    });
  });

  it('message_status comes only from WABA and submission from any channel', () => {
    expect(catalogue.deviceProduces({ channel: 'waba', inboundHandler: 'flow' }, 'message_status').ok).toBe(true);
    const refused = catalogue.deviceProduces({ channel: 'telegram', inboundHandler: 'webhook' }, 'message_status');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toContain('Telegram');
    for (const channel of catalogue.channelIds()) {
      expect(catalogue.deviceProduces({ channel, inboundHandler: 'spreadsheet' }, 'submission').ok).toBe(true);
    }
  });

  it('labels use the product words', () => {
    expect(catalogue.eventLabel('submission.completed')).toBe('Submission (legacy submission.completed)');
    expect(catalogue.eventLabel('message_status')).toBe('Message status');
    expect(catalogue.channelIds().map((c) => catalogue.channelLabel(c))).toEqual(['WhatsApp', 'Telegram', 'WABA']);
  });
});

describe('samples', () => {
  const device = (channel: Channel) => ({ token: `tok-${channel}`, channel, name: 'Support', identifier: '628111' });
  const producible = (type: EventType, channel: Channel) => catalogue.channelProduces(channel, type).ok;

  it('every sample passes the live validator for every channel', () => {
    for (const type of catalogue.eventTypes()) {
      for (const channel of catalogue.channelIds().filter((c) => producible(type, c))) {
        const sample = samplePayload(type, device(channel));
        const { event, device: token, channel: ch, ...data } = sample;
        expect([event, token, ch]).toEqual([type, `tok-${channel}`, channel]);
        // message_status's metadata is built by the gateway; what is published is errors only.
        if (type === 'message_status') data.metadata = {};
        const rebuilt = buildPayload(type, device(channel), parseEventData(type, channel, data));
        expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(sample));
        expect(sampleScenario(type, channel).length).toBeGreaterThan(0);
      }
    }
  });

  it('the WhatsApp sample carries the reference details and metadata', () => {
    const sample = samplePayload('incoming_message', device('whatsapp'));
    expect(sample.sender).toMatchObject({ details: { type: 'personal', pushname: 'Jane Doe', from_me: false } });
    expect(sample.metadata).toEqual({ inboxid: 0, isgroup: false, isforwarded: false });
    expect(sampleScenario('incoming_message', 'whatsapp')).toBe('A WhatsApp user sends "Hi, I need help with my order"');
  });

  it('the submission sample has a text, an image and a skipped answer', () => {
    const answers = samplePayload('submission', device('telegram')).answers as Array<{ answer: { type: string } }>;
    expect(answers.map((a) => a.answer.type)).toEqual(['text', 'image', 'text']);
    expect(answers[2]?.answer).toEqual({ type: 'text', text: '' });
  });

  it('a message_status sample is delivered, and is refused outside WABA', () => {
    expect(samplePayload('message_status', device('waba')).status).toBe('delivered');
    expect(refusal(() => samplePayload('message_status', device('whatsapp'))).field).toBe('channel');
  });
});
