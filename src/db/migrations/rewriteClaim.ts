/** The claim function's signature, as the migrations that change it name it. */
export const CLAIM_SIGNATURE = `claim_deliveries(text, int, int, int, uuid[], int[], uuid[])`;

/**
 * SQL that rewrites claim_deliveries from its own definition (`pg_get_functiondef`, which keeps
 * its settings), changing `from` to `to`; it fails, naming `what`, if `from` is not there. For a
 * migration that changes one expression of the claim and nothing else.
 */
export function rewriteClaim(from: string, to: string, what: string): string {
  const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
  return `do $rewrite$
declare
  def text := pg_get_functiondef('${CLAIM_SIGNATURE}'::regprocedure);
begin
  if position(${quote(from)} in def) = 0 then
    raise exception 'claim_deliveries does not hold the ${what} this migration rewrites';
  end if;
  execute replace(def, ${quote(from)}, ${quote(to)});
end
$rewrite$;`;
}
