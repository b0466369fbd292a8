import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync } from 'type-graphql';
import { fillCatalogueEnums } from './enums.js';
import { AccountResolver } from './resolvers/accounts.js';
import { AdminResolver } from './resolvers/admins.js';
import { DeliverySettingsResolver } from './resolvers/deliverySettings.js';
import { AlertResolver } from './resolvers/alerts.js';
import { DeviceResolver } from './resolvers/devices.js';
import { LogResolver } from './resolvers/logs.js';
import { PlatformResolver } from './resolvers/platform.js';
import { SubscriptionResolver } from './resolvers/subscriptions.js';
import { TestResolver } from './resolvers/tests.js';
import { WebhookResolver } from './resolvers/webhooks.js';

/** The API's schema; `npm run schema` prints it to schema.graphql (checked in, drift fails a test). */
export function buildGatewaySchema(): GraphQLSchema {
  // The catalogue's enums as the catalogue is now (it may have been extended before start-up).
  fillCatalogueEnums();
  return buildSchemaSync({
    resolvers: [AccountResolver, AdminResolver, AlertResolver, DeviceResolver, WebhookResolver, DeliverySettingsResolver, TestResolver, LogResolver, PlatformResolver, SubscriptionResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    // Inputs are validated by the core, with field names and reasons; no class-validator here.
    validate: false,
    pubSub: noTopics,
  });
}

/**
 * type-graphql insists on a PubSub as soon as a subscription exists, even though every one
 * of ours brings its own `subscribe` (the core's feeds). Nothing publishes to topics.
 */
const noTopics = {
  publish: (): void => undefined,
  subscribe: (topic: string): AsyncIterable<never> => {
    throw new Error(`subscriptions here use the core feeds, not topic ${topic}`);
  },
};
