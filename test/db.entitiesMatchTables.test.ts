import { ReferenceKind } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw?.close();
});

interface Column {
  table: string;
  column: string;
  nullable: boolean;
  type: string;
}

/** PostgreSQL's own names for the ORM's column types (information_schema's udt_name). */
const UDT: Record<string, string> = { bigint: 'int8', integer: 'int4', int: 'int4', boolean: 'bool', 'text[]': '_text' };

/** The migrated tables' columns (the migrations are the schema; entities describe them). */
async function tableColumns(tables: string[]): Promise<Column[]> {
  const { rows } = await gw.db.pool.query<{ table: string; column: string; nullable: string; type: string }>(
    `select table_name as table, column_name as column, is_nullable as nullable, udt_name as type
       from information_schema.columns where table_schema = 'public' and table_name = any($1) order by 1, ordinal_position`,
    [tables],
  );
  return rows.map((r) => ({ ...r, nullable: r.nullable === 'YES' }));
}

/** What the entities say the same tables hold. */
function entityColumns(): Column[] {
  return Object.values(gw.db.orm.getMetadata().getAll()).flatMap((meta) =>
    Object.values(meta.properties)
      .filter((p) => p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE)
      .flatMap((p) =>
        p.fieldNames.map((column, i) => {
          const type = (p.columnTypes[i] ?? '').toLowerCase();
          return { table: meta.tableName, column, nullable: !!p.nullable, type: UDT[type] ?? type };
        }),
      ),
  );
}

describe('the ORM entities describe the migrated tables', () => {
  it('every column of a table with an entity is mapped, with the same type and nullability, and every mapped column exists', async () => {
    const mapped = entityColumns();
    const tables = [...new Set(mapped.map((c) => c.table))];
    const actual = await tableColumns(tables);
    const key = (c: Column) => `${c.table}.${c.column}`;
    expect(mapped.map(key).filter((k) => !actual.some((c) => key(c) === k))).toEqual([]);
    expect(actual.map(key).filter((k) => !mapped.some((c) => key(c) === k))).toEqual([]);
    const differing = mapped.flatMap((m) => {
      const c = actual.find((a) => key(a) === key(m))!;
      return c.nullable === m.nullable && c.type === m.type ? [] : [{ column: key(m), entity: { type: m.type, nullable: m.nullable }, table: { type: c.type, nullable: c.nullable } }];
    });
    expect(differing).toEqual([]);
  });
});
