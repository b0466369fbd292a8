/**
 * Zod schemas of what the messaging platform publishes per event (the payload minus the
 * fields the gateway fills in). The envelope is strict so a typo or a renamed field is
 * refused at the door instead of reaching every receiver; `details` and `metadata` are
 * loose because each channel adds its own fields over time.
 *
 * Shape key order is the order receivers see in the body: zod rebuilds objects in shape
 * order, so these shapes follow the reference examples field by field.
 */
import { z } from 'zod';
import type { Channel } from '../terms.js';

const text = z.string();
const required = z.string().min(1, { error: 'must not be empty' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const unixSeconds = z
  .int()
  .min(0)
  // Milliseconds are the usual mistake; the contract is Unix seconds everywhere.
  .max(99_999_999_999, { error: 'must be Unix seconds, not milliseconds' });
const TELEGRAM_ID = 'must be a Telegram id (a whole number)';
const telegramId = z.union([z.int(), z.string().regex(/^-?\d+$/, { error: TELEGRAM_ID })], { error: TELEGRAM_ID });
const wamid = z.string().startsWith('wamid.', { error: 'must be a WhatsApp message id (wamid.…)' });

// ---- incoming_message ---------------------------------------------------------------

const detailsByChannel = {
  whatsapp: z.looseObject({
    type: required,
    sender: required,
    pushname: text,
    from_me: z.boolean(),
  }),
  telegram: z.looseObject({
    chat_id: telegramId,
    user_id: telegramId,
    username: text.optional(),
  }),
  waba: z.looseObject({
    wa_id: required,
    profile_name: text,
    message_id: wamid.optional(),
  }),
} satisfies Record<Channel, z.ZodType>;

const metadataByChannel = {
  whatsapp: z.looseObject({
    inboxid: z.int(),
    isgroup: z.boolean(),
    isforwarded: z.boolean(),
  }),
  telegram: z.looseObject({}),
  waba: z.looseObject({}),
} satisfies Record<Channel, z.ZodType>;

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

const incomingMessageFor = (channel: Channel) =>
  z.strictObject({
    sender: z.strictObject({ sender: required, name: text, details: detailsByChannel[channel] }),
    message,
    metadata: metadataByChannel[channel],
  });

/** Built once per channel: `details` and `metadata` differ, the envelope does not. */
export const incomingMessageSchemas = {
  whatsapp: incomingMessageFor('whatsapp'),
  telegram: incomingMessageFor('telegram'),
  waba: incomingMessageFor('waba'),
} satisfies Record<Channel, z.ZodType>;

// ---- submission ---------------------------------------------------------------------

export const EMPTY_ANSWER = { type: 'text', text: '' } as const;

const answerFile = z.strictObject({
  url: httpUrl,
  filename: text,
  filetype: required,
  mime_type: text.optional(),
});

const answer = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text }),
  z.strictObject({ type: z.enum(['image', 'video', 'audio', 'file']), file: answerFile }),
], { error: 'must be one of: text, image, video, audio, file' });

export const submissionSchema = z
  .strictObject({
    submission: z.strictObject({ id: z.int().min(1), name: required }),
    sender: required,
    answers: z.array(
      z.strictObject({
        question: required,
        // The platform may publish a skipped question as null or leave `answer` out; the
        // body always says empty text so receivers handle one shape.
        answer: answer
          .nullable()
          .optional()
          .transform((a) => a ?? { ...EMPTY_ANSWER }),
      }),
    ),
    started_at: unixSeconds,
    completed_at: unixSeconds,
  })
  .refine((s) => s.completed_at >= s.started_at, {
    path: ['completed_at'],
    error: 'must not be before started_at',
  });

// ---- message_status -----------------------------------------------------------------

const receiptStatus = z.enum(['sent', 'delivered', 'read', 'failed']);

export const messageStatusSchema = z
  .strictObject({
    recipient: required,
    message_id: wamid,
    status: receiptStatus,
    metadata: z
      .strictObject({
        // The gateway fills these from the top level; a platform that repeats them must agree.
        message_id: wamid.optional(),
        status: receiptStatus.optional(),
        // Extra Cloud API keys (error_data, href) are dropped: the body promises code, title, message.
        errors: z.array(z.object({ code: z.int(), title: text, message: text })).optional(),
      })
      .optional(),
  })
  .refine((d) => d.metadata?.message_id === undefined || d.metadata.message_id === d.message_id, {
    path: ['metadata', 'message_id'],
    error: 'must equal message_id',
  })
  .refine((d) => d.metadata?.status === undefined || d.metadata.status === d.status, {
    path: ['metadata', 'status'],
    error: 'must equal status',
  });

export type IncomingMessageData = z.output<(typeof incomingMessageSchemas)[Channel]>;
export type SubmissionData = z.output<typeof submissionSchema>;
export type MessageStatusData = z.output<typeof messageStatusSchema>;
