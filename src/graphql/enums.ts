import { registerEnumType } from 'type-graphql';
import { catalogue } from '../core/catalogue/index.js';
import { logChannels } from '../core/logs/filter.js';
import { ATTEMPT_OUTCOMES, DISABLED_REASONS, ENDPOINT_STATUSES, INBOUND_HANDLERS } from '../core/terms.js';

/**
 * GraphQL enums whose values are the core's own strings, derived from the core's lists: the
 * API and the core cannot drift, and no mapping table or cast stands between them.
 */
type EnumObject = Record<string, string>;

/** The GraphQL name of a core value: `submission.completed` → `SUBMISSION_COMPLETED`. */
export const enumName = (value: string): string => value.toUpperCase().replace(/[^A-Z0-9]/g, '_');

const enumOf = (values: readonly string[]): EnumObject => Object.fromEntries(values.map((v) => [enumName(v), v]));

/**
 * The catalogue's enums. type-graphql reads an enum object's keys when it builds a schema,
 * so these are filled from the catalogue then (`fillCatalogueEnums`, from buildGatewaySchema):
 * a channel or event the catalogue gained before start-up is in the API too.
 */
export const ChannelEnum: EnumObject = {};
export const LogChannelEnum: EnumObject = {};
export const EventTypeEnum: EnumObject = {};
const eventValues: Record<string, { description: string }> = {};

function refill(target: Record<string, unknown>, values: Record<string, unknown>): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, values);
}

export function fillCatalogueEnums(): void {
  refill(ChannelEnum, enumOf(catalogue.channelIds()));
  refill(LogChannelEnum, enumOf(logChannels()));
  refill(EventTypeEnum, enumOf(catalogue.subscribableNames()));
  refill(
    eventValues,
    Object.fromEntries(
      catalogue.events.flatMap((e) =>
        e.legacyNames.map((l) => [enumName(l.name), { description: `The legacy stored name of ${enumName(e.type)}.` }]),
      ),
    ),
  );
}
fillCatalogueEnums();

export const InboundHandlerEnum = enumOf(INBOUND_HANDLERS);
export const EndpointStatusEnum = enumOf(ENDPOINT_STATUSES);
export const DisabledReasonEnum = enumOf(DISABLED_REASONS);
export const AttemptOutcomeEnum = enumOf(ATTEMPT_OUTCOMES);

const legacy = catalogue.events.flatMap((e) => e.legacyNames.map((l) => `${enumName(l.name)} is the legacy stored name of ${enumName(e.type)}`));
const handlerEvents = catalogue.events.filter((e) => e.producer.inboundHandler !== undefined);

registerEnumType(ChannelEnum, { name: 'Channel', description: 'The messaging channel of a device.' });
registerEnumType(LogChannelEnum, { name: 'LogChannel', description: `Channel filter of the log (${logChannels().filter((c) => !catalogue.isChannel(c)).map(enumName).join(', ')} never has rows).` });
registerEnumType(InboundHandlerEnum, {
  name: 'InboundHandler',
  description: `What a device does with an incoming message; ${handlerEvents.map((e) => `only ${enumName(e.producer.inboundHandler!)} devices fire ${enumName(e.type)}`).join('; ')}.`,
});
registerEnumType(EventTypeEnum, {
  name: 'EventType',
  description: `Webhook events.${legacy.map((l) => ` ${l} (sent in X-Kirisan-Event; the body says the type).`).join('')}`,
  valuesConfig: eventValues,
});
registerEnumType(EndpointStatusEnum, {
  name: 'EndpointStatus',
  description: 'Pending test after a save; Active after a successful test; Disabled (gone, failing or manual) until enabled. Only Active endpoints get live traffic.',
});
registerEnumType(DisabledReasonEnum, {
  name: 'DisabledReason',
  description: 'GONE: the receiver answered 410 Gone. FAILING: every live attempt failed for DISABLE_FAILING_AFTER with at least DISABLE_FAILING_MIN_ATTEMPTS failures. MANUAL: an admin disabled it.',
});
registerEnumType(AttemptOutcomeEnum, { name: 'AttemptOutcome' });
