import { z } from 'zod';
import { defineEvent } from '../entries.js';
import { required, SAMPLE, text, wamid } from '../fields.js';

const receiptStatus = z.enum(['sent', 'delivered', 'read', 'failed']);

const schema = z
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

export type MessageStatusData = z.output<typeof schema>;

/** Meta's sent / delivered / read / failed receipts, which only the Cloud API (WABA) has. */
export const messageStatus = defineEvent<MessageStatusData>({
  type: 'message_status',
  label: 'Message status',
  legacyNames: [],
  producer: { channels: ['waba'] },
  schema: () => schema,
  build: (d, { token, channel }) => {
    const errors = d.metadata?.errors;
    return {
      event: 'message_status',
      channel,
      device: token,
      recipient: d.recipient,
      message_id: d.message_id,
      status: d.status,
      metadata: { message_id: d.message_id, status: d.status, ...(errors === undefined ? {} : { errors }) },
    };
  },
  sample: () => ({ recipient: SAMPLE.userPhone, message_id: SAMPLE.wamidOut, status: 'delivered' }),
  scenario: (channel) => `A message sent from this ${channel.label} number is delivered to the recipient`,
});
