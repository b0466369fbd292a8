/**
 * The product's catalogue: the three channels and the three events of the contract. To add a
 * channel or an event, add its entry here (see README, "Adding a channel or an event").
 */
import { Catalogue } from './catalogue.js';
import { CHANNEL_ENTRIES } from './channels.js';
import { incomingMessage } from './events/incomingMessage.js';
import { messageStatus } from './events/messageStatus.js';
import { submission } from './events/submission.js';

export const catalogue = new Catalogue({ channels: CHANNEL_ENTRIES, events: [incomingMessage, submission, messageStatus] });

export { Catalogue, type ProducesEvent } from './catalogue.js';
export { defineChannel, defineEvent, type ChannelEntry, type EventEntry, type SampleDevice } from './entries.js';
