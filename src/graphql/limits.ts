import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type DocumentNode, type GraphQLCompositeType, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import type { ComplexityEstimator, ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { createRequire } from 'node:module';
import type { Config } from '../config.js';
import { PAGE_DEFAULT } from '../core/pagination.js';
import { documentNesting, MAX_NESTING } from './nesting.js';

// The package's ESM build imports graphql's .mjs copy, while everything else (Apollo,
// type-graphql) runs on graphql's CommonJS copy, and graphql refuses types from "another
// realm". Its CommonJS build shares ours.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof import('graphql-query-complexity');

/** The public code of every operation limit; `extensions.limit` says which one. */
export const LIMIT_CODE = 'QUERY_TOO_COMPLEX';
export type OperationLimit = 'aliases' | 'depth' | 'directives' | 'tokens' | 'cost' | 'body';

export type Limits = Config['graphql'];

/** A list field costs its children times the page size it asks for. */
export const pageComplexity = ({ args, childComplexity }: ComplexityEstimatorArgs): number =>
  1 + childComplexity * (typeof args.first === 'number' && args.first > 0 ? args.first : PAGE_DEFAULT);

/**
 * Every root field is a separate piece of work (a lookup, a page, a write), so each one in an
 * operation costs this much on top of what it selects: aliasing one field many times adds up,
 * and a mutation (a write, often fanned out to deliveries) counts ten times a read.
 */
export const ROOT_FIELD_COST = { query: 10, mutation: 100, subscription: 10 } as const;

/**
 * GraphQL Armor's alias, depth and directive limits, as validation rules: they run in the
 * validation pass, before any resolver, for HTTP and WebSocket alike. The token limit is
 * graphql's own parser option (`parseOptions`), which stops parsing at the limit.
 */
export function limitRules(limits: Limits): ValidationRule[] {
  const report = (limit: OperationLimit, max: number) => (ctx: ValidationContext | null, error: GraphQLError) =>
    ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: LIMIT_CODE, limit, max } }));
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxAliasesRule({ ...common, n: limits.maxAliases, onReject: [report('aliases', limits.maxAliases)] }),
    maxDepthRule({ ...common, n: limits.maxDepth, onReject: [report('depth', limits.maxDepth)] }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives, onReject: [report('directives', limits.maxDirectives)] }),
  ] as ValidationRule[];
}

export const parseOptions = (limits: Limits) => ({ maxTokens: limits.maxTokens });

/** Refuses a document nested deeper than any real operation, before the parser recurses into it. */
export function checkNesting(query: unknown): void {
  if (typeof query !== 'string') return;
  if (documentNesting(query, MAX_NESTING) > MAX_NESTING) {
    throw new GraphQLError(`The document nests brackets more than ${MAX_NESTING} levels deep: send event data as a variable.`, { extensions: { code: LIMIT_CODE, limit: 'depth', max: MAX_NESTING } });
  }
}

/** Refuses an operation whose estimated cost is over the limit, before it runs. */
export function checkComplexity(p: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string | null;
  max: number;
}): void {
  const cost = getComplexity({
    schema: p.schema,
    query: p.document,
    variables: p.variables ?? {},
    operationName: p.operationName ?? undefined,
    estimators: [rootFieldEstimator(p.schema), fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
  if (cost > p.max) {
    throw new GraphQLError(`This operation is too costly (${cost}, limit ${p.max}): ask for fewer fields, fewer aliases or smaller pages.`, {
      extensions: { code: LIMIT_CODE, limit: 'cost', cost, max: p.max },
    });
  }
}

function rootFieldEstimator(schema: GraphQLSchema): ComplexityEstimator {
  const roots = new Map<GraphQLCompositeType, number>();
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) roots.set(query, ROOT_FIELD_COST.query);
  if (mutation) roots.set(mutation, ROOT_FIELD_COST.mutation);
  if (subscription) roots.set(subscription, ROOT_FIELD_COST.subscription);
  return (args) => {
    const root = roots.get(args.type);
    if (root === undefined) return undefined;
    const own = (args.field.extensions as { complexity?: unknown } | undefined)?.complexity;
    if (typeof own === 'function') return root + (own as ComplexityEstimator)(args)!;
    return root + (typeof own === 'number' ? own : 1) + args.childComplexity;
  };
}
