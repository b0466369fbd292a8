import { z } from 'zod';
import { defineEvent, type ChannelEntry } from '../entries.js';
import { httpUrl, required, SAMPLE, text } from '../fields.js';

const messageFile = z.strictObject({
  url: httpUrl,
  filename: text,
  filetype: required,
  mime_type: text.optional(),
  file_id: text.optional(),
});

const messageLocation = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  coordinate: text.optional(),
});

const messageButton = z.strictObject({ id: text, text });

/** Message types whose meaning lives in a companion object, so that object is required. */
const NEEDS: Record<string, 'file' | 'location' | 'button'> = {
  image: 'file',
  video: 'file',
  audio: 'file',
  document: 'file',
  location: 'location',
  callback: 'button',
  button_reply: 'button',
  list_reply: 'button',
};

const message = z
  .strictObject({
    type: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be a message type such as text or image' }),
    text,
    file: messageFile.optional(),
    location: messageLocation.optional(),
    button: messageButton.optional(),
  })
  .superRefine((m, ctx) => {
    const needed = NEEDS[m.type];
    if (needed !== undefined && m[needed] === undefined) {
      ctx.addIssue({ code: 'custom', path: [needed], message: `is required for a ${m.type} message` });
    }
  })
  // Receivers plot locations from `coordinate`; derive it when the platform leaves it out.
  .transform((m) =>
    m.location === undefined || m.location.coordinate !== undefined
      ? m
      : { ...m, location: { ...m.location, coordinate: `${m.location.latitude},${m.location.longitude}` } },
  );

const schemaFor = (channel: ChannelEntry) =>
  z.strictObject({
    sender: z.strictObject({ sender: required, name: text, details: channel.contact.details }),
    message,
    metadata: channel.contact.metadata,
  });

/** Built once per channel: `details` and `metadata` differ, the envelope does not. */
const schemas = new WeakMap<ChannelEntry, ReturnType<typeof schemaFor>>();

export type IncomingMessageData = z.output<ReturnType<typeof schemaFor>>;

export const incomingMessage = defineEvent<IncomingMessageData>({
  type: 'incoming_message',
  label: 'Incoming Message',
  legacyNames: [],
  producer: { channels: 'all', inboundHandler: 'webhook' },
  schema(channel) {
    let s = schemas.get(channel);
    if (!s) schemas.set(channel, (s = schemaFor(channel)));
    return s;
  },
  build: (d, { token, channel }) => ({ event: 'incoming_message', device: token, channel, sender: d.sender, message: d.message, metadata: d.metadata }),
  sample: (channel, device) => ({
    sender: { sender: channel.sample.user, name: SAMPLE.userName, details: channel.sample.details },
    message: { type: 'text', text: SAMPLE.greeting },
    metadata: channel.sample.metadata(device),
  }),
  scenario: (channel) => `A ${channel.label} user sends "${SAMPLE.greeting}"${channel.sample.reaches}`,
});
