import type { Route } from '../http/serve.js';
import type { GraphQLHandler } from '../http/server.js';
import { createExplorer } from './explorer.js';
import { buildGatewaySchema } from './schema.js';
import { createGraphQLServer, type GraphQLDeps } from './server.js';
import type { GraphQLContext } from './context.js';

/**
 * The api role's whole door: the schema, Apollo and graphql-ws on /graphql, and the offline
 * explorer when GRAPHQL_EXPLORER=altair. The runtime imports this module only where the api
 * role runs, so a workers-only or bot-only process never loads Apollo or type-graphql.
 */
export async function createApi(p: Omit<GraphQLDeps, 'schema'> & { chatLink: GraphQLContext['chatLink'] }): Promise<{ graphql: GraphQLHandler; explorer: Route | null }> {
  const graphql = await createGraphQLServer({ ...p, schema: buildGatewaySchema() });
  return { graphql, explorer: p.config.graphql.explorer === 'altair' ? createExplorer() : null };
}
