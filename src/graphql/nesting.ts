/**
 * How deeply a GraphQL document nests `{`, `[` and `(`, read without parsing: graphql-js's
 * parser recurses once per level, and a document of a few thousand `[` overflows its stack
 * before the token limit is reached. Strings, block strings and comments are skipped.
 */
export function documentNesting(source: string, stopAt = Infinity): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end === -1 ? source.length : end + 2;
      } else {
        for (i++; i < source.length && source[i] !== '"' && source[i] !== '\n'; i++) if (source[i] === '\\') i++;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      if (++depth > deepest) deepest = depth;
      if (deepest > stopAt) return deepest;
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    }
  }
  return deepest;
}

/** Deeper than any operation of this schema with its inputs (depth limit, input objects, lists). */
export const MAX_NESTING = 64;
