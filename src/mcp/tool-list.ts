import { Type } from '@sinclair/typebox';
import { RouterError } from '../kernel/errors.js';
import { ID_NORMAL_FORM } from '../wire/unicode-text.js';
import { compileValidator, NO_CONTROL_CHARACTERS } from '../wire/validate.js';

/**
 * An MCP server's tool list (the result of `tools/list`) as swarm-router reads it: the fields routing
 * uses are checked here, once, with errors that name the field (`tools[3].name must …`); the rest of
 * a tool (its input and output schemas, icons, `_meta`) is not routing's business and is not read.
 * Sizes are capped so that a server cannot make the roster arbitrarily large.
 */

/** Tools one server may list: each becomes a routable entry. */
export const MAX_TOOLS_PER_SERVER = 2_000;
export const MAX_TOOL_NAME_LENGTH = 128;
export const MAX_TOOL_DESCRIPTION_LENGTH = 10_000;
const MAX_TITLE_LENGTH = 200;
const MAX_CURSOR_LENGTH = 1_000;

/** What routing uses of a tool. */
export interface ReadTool {
  /** As the server lists it: the name to call it by. */
  readonly name: string;
  /** The title (`title`, else `annotations.title`), when there is one. */
  readonly title?: string;
  readonly description: string;
}

const Title = Type.String({ maxLength: MAX_TITLE_LENGTH });

const ToolSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_TOOL_NAME_LENGTH, pattern: NO_CONTROL_CHARACTERS }),
  title: Type.Optional(Title),
  description: Type.Optional(Type.String({ maxLength: MAX_TOOL_DESCRIPTION_LENGTH })),
  annotations: Type.Optional(Type.Object({ title: Type.Optional(Title) })),
});

const ToolPageSchema = Type.Object({
  tools: Type.Array(ToolSchema, { maxItems: MAX_TOOLS_PER_SERVER }),
  nextCursor: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH })),
});

const validatePage = compileValidator(ToolPageSchema);

/** One page of `tools/list`: its tools, checked, and the cursor of the next page if there is one. */
export interface ToolPage {
  readonly tools: readonly ReadTool[];
  readonly nextCursor?: string;
}

/**
 * Reads one page of a `tools/list` result (parsed JSON), or throws `invalid_request` naming the field
 * at fault, e.g. `mcp_url (http://…): tools[2].description must NOT have more than 10000 characters`.
 * `first` is the index the page's first tool has in the whole list, so that fields are named by
 * their place in it. Names are checked within the page; readToolList checks them across pages.
 */
export function readToolPage(raw: unknown, where: string, first = 0): ToolPage {
  const checked = validatePage(projected(raw, where), where);
  const tools = checked.tools.map((tool): ReadTool => {
    const title = nonBlank(tool.title) ?? nonBlank(tool.annotations?.title);
    return {
      name: tool.name,
      ...(title === undefined ? {} : { title }),
      description: tool.description ?? '',
    };
  });
  checkNames(tools, where, first, new Map());
  return { tools, ...(checked.nextCursor === undefined ? {} : { nextCursor: checked.nextCursor }) };
}

/** Reads a whole tool list (`{"tools": [...]}`, as `tools/list` returns it, in one page). */
export function readToolList(raw: unknown, where: string): ReadTool[] {
  return [...readToolPage(raw, where).tools];
}

/**
 * Checks the names of tools read page by page (`seen`: the NFC names met so far, with their index):
 * no `:` (it separates the server from the tool in an entry id), and no two tools of one name.
 */
export function checkNames(
  tools: readonly ReadTool[],
  where: string,
  first: number,
  seen: Map<string, number>,
): void {
  for (const [offset, tool] of tools.entries()) {
    const i = first + offset;
    if (tool.name.includes(':')) {
      throw invalidTool(
        where,
        `tools[${i}].name`,
        `'${tool.name}' contains ':', which separates the server's id from the tool's name in an entry id (MCP tool names are letters, digits, '_', '-', '.' and '/')`,
      );
    }
    if (tool.name.trim() === '') throw invalidTool(where, `tools[${i}].name`, 'must not be blank');
    const normal = tool.name.normalize(ID_NORMAL_FORM);
    const earlier = seen.get(normal);
    if (earlier !== undefined) {
      throw invalidTool(where, `tools[${i}].name`, `'${tool.name}' is already the name of tools[${earlier}]`);
    }
    seen.set(normal, i);
  }
}

export function invalidTool(where: string, field: string, problem: string): RouterError {
  return new RouterError('invalid_request', `${where}: ${field} ${problem}`, { details: { where, field } });
}

/**
 * The fields of a page that routing reads, at their places: the text checks of compileValidator
 * apply to every string of what they are given, and a tool's schemas are none of routing's concern.
 * Anything that is not the expected shape is passed as it is, for the schema to name.
 */
function projected(raw: unknown, where: string): unknown {
  if (!isObject(raw)) return raw;
  const tools = raw.tools;
  if (Array.isArray(tools) && tools.length > MAX_TOOLS_PER_SERVER) {
    // Said here, before a projection of every tool: the schema would say the same.
    throw invalidTool(
      where,
      'tools',
      `lists ${tools.length} tools; a server may list at most ${MAX_TOOLS_PER_SERVER}`,
    );
  }
  return {
    tools: Array.isArray(tools) ? tools.map(projectedTool) : tools,
    ...(raw.nextCursor === undefined ? {} : { nextCursor: raw.nextCursor }),
  };
}

function projectedTool(tool: unknown): unknown {
  if (!isObject(tool)) return tool;
  const kept: Record<string, unknown> = {};
  for (const key of ['name', 'title', 'description'] as const) {
    if (Object.hasOwn(tool, key)) kept[key] = tool[key];
  }
  if (Object.hasOwn(tool, 'annotations')) {
    const annotations = tool.annotations;
    kept.annotations = !isObject(annotations)
      ? annotations
      : Object.hasOwn(annotations, 'title')
        ? { title: annotations.title }
        : {};
  }
  return kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonBlank(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
