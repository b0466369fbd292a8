import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { accountOf, requirePlatform, type GraphQLContext } from '../context.js';
import { Account, ApiKey, CreateAccountPayload, CreateApiKeyInput, CreateApiKeyPayload } from '../types/account.js';

@Resolver()
export class AccountResolver {
  @Query(() => Account, { description: 'The account of the API key in use.' })
  me(@Ctx() ctx: GraphQLContext): Promise<Account> {
    return ctx.core.accounts.get(accountOf(ctx));
  }

  @Query(() => [ApiKey])
  apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    return ctx.core.accounts.listApiKeys(accountOf(ctx));
  }

  @Mutation(() => CreateAccountPayload, { description: 'Platform key only. The API key is shown once.' })
  createAccount(@Arg('name') name: string, @Ctx() ctx: GraphQLContext): Promise<CreateAccountPayload> {
    requirePlatform(ctx);
    return ctx.core.accounts.create({ name });
  }

  @Mutation(() => CreateApiKeyPayload, { description: 'The new key is shown once.' })
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreateApiKeyPayload> {
    return ctx.core.accounts.createApiKey(accountOf(ctx), { label: input.label });
  }

  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    return ctx.core.accounts.revokeApiKey(accountOf(ctx), id);
  }
}
