import { z } from 'zod';
import { defineEvent } from '../entries.js';
import { httpUrl, required, SAMPLE, text, unixSeconds } from '../fields.js';

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

const schema = z
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

export type SubmissionData = z.output<typeof schema>;

export const submission = defineEvent<SubmissionData>({
  type: 'submission',
  label: 'Submission',
  // Endpoints saved before the rename store `submission.completed` and route on that header.
  legacyNames: [{ name: 'submission.completed', label: 'Submission (legacy submission.completed)' }],
  producer: { channels: 'all' },
  schema: () => schema,
  build: (d, { token, channel }) => ({
    event: 'submission',
    submission: d.submission,
    device: token,
    sender: d.sender,
    channel,
    answers: d.answers,
    started_at: d.started_at,
    completed_at: d.completed_at,
  }),
  sample: (channel) => ({
    submission: { id: 42, name: SAMPLE.formName },
    sender: channel.sample.user,
    answers: [
      { question: 'What is your name?', answer: { type: 'text', text: SAMPLE.userName } },
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
    started_at: SAMPLE.startedAt,
    completed_at: SAMPLE.completedAt,
  }),
  scenario: (channel) => `A ${channel.label} user completes the "${SAMPLE.formName}" autoreply form, skipping the last question`,
});
