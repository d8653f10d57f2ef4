import type { RelatedTermsOption } from '../scoring/scorer-registry.js';
import { parseJson, readInput } from './input-files.js';

/** `--related FILE` (or SWARM_ROUTER_RELATED): read and validated whole; '' means none. */
export async function loadRelatedTerms(path: string): Promise<RelatedTermsOption | undefined> {
  if (path === '') return undefined;
  // Loaded only when a file is given: the schema validator is start-up time most runs do not need.
  const { validateRelatedTermsFile } = await import('../wire/related-terms-dto.js');
  const file = validateRelatedTermsFile(parseJson(await readInput(path), path), path);
  return { terms: file.terms, replaceBuiltin: file.replace_builtin ?? false };
}
