import { Repeater } from '@repeaterjs/repeater';
import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { AttemptView } from '../../core/logs/attempts.js';
import { normalizeFilter } from '../../core/logs/filter.js';
import type { EndpointStatusEvent } from '../../core/registry/endpointStatusFeed.js';
import { accountOf, type GraphQLContext } from '../context.js';
import { attemptOut } from '../mappers.js';
import { Attempt, AttemptFilter } from '../types/logs.js';
import { EndpointStatusChange } from '../types/webhook.js';
import { filterIn } from './logs.js';

type Data = SubscribeResolverData<unknown, { filter?: AttemptFilter | null }, GraphQLContext>;

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => Attempt, {
    description: 'Every new attempt (live and test) of the caller\'s account that matches the filter, from any gateway process.',
    subscribe: ({ args, context }: Data) => {
      const accountId = accountOf(context);
      const filter = filterIn(args.filter);
      normalizeFilter(filter); // refuse a bad filter now, as an error of the subscribe call
      return new Repeater<AttemptView>(async (push, stop) => {
        const off = context.feeds.attempts.subscribe(accountId, filter, (a) => void push(a));
        await stop;
        off();
      });
    },
  })
  deliveryAttempts(@Root() attempt: AttemptView, @Arg('filter', () => AttemptFilter, { nullable: true }) _filter: AttemptFilter | null): Attempt {
    return attemptOut(attempt);
  }

  @Subscription(() => EndpointStatusChange, {
    description: 'Endpoints of the caller\'s account changing status (Pending test, Active, Disabled with why and since when) or deleted.',
    subscribe: ({ context }: Data) => {
      const accountId = accountOf(context);
      return new Repeater<EndpointStatusEvent>(async (push, stop) => {
        const off = context.feeds.endpointStatus.subscribe(accountId, (e) => void push(e));
        await stop;
        off();
      });
    },
  })
  endpointStatusChanged(@Root() e: EndpointStatusEvent): EndpointStatusChange {
    return { endpointId: e.endpointId, webhookId: e.webhookId, status: e.status.toUpperCase(), disabledReason: e.disabledReason, disabledAt: e.disabledAt };
  }
}
