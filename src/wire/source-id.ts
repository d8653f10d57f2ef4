import { Type } from '@sinclair/typebox';
import { AgentIdSchema } from './id-schemas.js';

/**
 * The id an A2A agent or an MCP server gets in the swarm: its entries are `<id>:<skill or tool>`, so
 * it may not hold a colon, and it leaves room in an agent id's 200 characters for the entry's part.
 */
export const SourceIdSchema = Type.Intersect([
  AgentIdSchema,
  Type.String({ maxLength: 100, pattern: '^[^:]+$' }),
]);

/** An id from a name: lower case, words joined by dashes ("Research Bot" → research-bot), else `fallback`. */
export function slugOfName(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug === '' ? fallback : slug;
}
