import type pg from 'pg';

/**
 * What a migrated PostgreSQL schema holds, as text to compare: its relations (with their storage
 * options), columns in order, constraints, indexes, triggers and functions (pg_get_functiondef, so
 * bodies, SET clauses and volatility included), each as one item, sorted. The schema's own name is
 * written as SCHEMA_NAME, so that two schemas built the same way give the same items.
 */
export async function schemaSnapshot(client: pg.ClientBase, schema: string): Promise<string[]> {
  const items = (await client.query<{ item: string }>(SNAPSHOT, [schema])).rows.map((row) =>
    row.item.replaceAll(`"${schema}"`, SCHEMA_NAME).replaceAll(schema, SCHEMA_NAME),
  );
  return items.sort();
}

/** Stands for the schema's name in a snapshot's items. */
export const SCHEMA_NAME = '<schema>';

/** Separates the items of a snapshot in its fixture file (test/integration/pg-schema.fixture.sql). */
export const ITEM_SEPARATOR = '\n-- ----------------------------------------------------------------\n';

const SNAPSHOT = `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = $1)
SELECT 'relation ' || c.relname || ' kind ' || c.relkind::text
    || coalesce(' with ' || array_to_string(c.reloptions, ', '), '') AS item
  FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 'column ' || c.relname || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' '
    || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
    || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
    || coalesce(' collate ' || (SELECT co.collname FROM pg_collation co
                                 WHERE co.oid = a.attcollation AND a.attcollation <> 100), '')
    || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE c.relnamespace = (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
UNION ALL
SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
  WHERE k.connamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 'index ' || i.indexname || ' ' || i.indexdef FROM pg_indexes i WHERE i.schemaname = $1
UNION ALL
SELECT 'trigger ' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = (SELECT oid FROM ns) AND NOT t.tgisinternal
UNION ALL
SELECT 'sequence ' || c.relname || ' ' || s.seqtypid::regtype || ' start ' || s.seqstart
    || ' increment ' || s.seqincrement || ' max ' || s.seqmax || ' cache ' || s.seqcache
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
  WHERE c.relnamespace = (SELECT oid FROM ns)
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || E')\\n'
    || pg_get_functiondef(p.oid)
  FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns)`;
