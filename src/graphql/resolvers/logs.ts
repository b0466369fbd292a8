import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { AttemptFilter } from '../../core/logs/filter.js';
import { accountOf, type GraphQLContext } from '../context.js';
import { attemptOut, connection } from '../mappers.js';
import { pageComplexity } from '../limits.js';
import { Attempt, AttemptConnection, AttemptFilter as AttemptFilterInput } from '../types/logs.js';

export function filterIn(f: AttemptFilterInput | null | undefined): AttemptFilter | null {
  if (!f) return null;
  return {
    deviceSearch: f.deviceSearch,
    events: f.events,
    statuses: f.statuses,
    channels: f.channel ? [f.channel] : null,
    deviceId: f.deviceId,
    endpointId: f.endpointId,
    test: f.test,
    from: f.from,
    to: f.to,
  };
}

@Resolver()
export class LogResolver {
  @Query(() => AttemptConnection, { description: 'Webhooks → Logs, newest first. Changing the filter restarts from the first page.', complexity: pageComplexity })
  async deliveryLogs(
    @Arg('filter', () => AttemptFilterInput, { nullable: true }) filter: AttemptFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AttemptConnection> {
    return connection(await ctx.core.logs.list(accountOf(ctx), { filter: filterIn(filter), first, after }), attemptOut);
  }

  @Query(() => Attempt, { description: 'The Webhook delivery panel of one attempt, with its diagnosis.' })
  async attempt(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Attempt> {
    return attemptOut(await ctx.core.logs.get(accountOf(ctx), id));
  }
}
