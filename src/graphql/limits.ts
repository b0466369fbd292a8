import depthLimit from 'graphql-depth-limit';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { createRequire } from 'node:module';
import { PAGE_DEFAULT } from '../core/pagination.js';

// The package's ESM build imports graphql's .mjs copy, while everything else (Apollo,
// type-graphql) runs on graphql's CommonJS copy, and graphql refuses types from "another
// realm". Its CommonJS build shares ours.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof import('graphql-query-complexity');

/** A list field costs its children times the page size it asks for. */
export const pageComplexity = ({ args, childComplexity }: ComplexityEstimatorArgs): number =>
  1 + childComplexity * (typeof args.first === 'number' && args.first > 0 ? args.first : PAGE_DEFAULT);

export function depthRule(maxDepth: number): ValidationRule {
  return depthLimit(maxDepth) as ValidationRule;
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
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
  if (cost > p.max) {
    throw new GraphQLError(`This operation is too costly (${cost}, limit ${p.max}): ask for fewer fields or smaller pages.`, {
      extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit: p.max },
    });
  }
}
