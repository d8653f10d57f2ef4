import type { RelatedTermsOption } from '../scoring/scorer-registry.js';
import { validateRelatedTermsFile } from '../wire/related-terms-dto.js';
import { parseJson, readInput } from './input-files.js';

/** `--related FILE` (or SWARM_ROUTER_RELATED): read and validated whole; '' means none. */
export async function loadRelatedTerms(path: string): Promise<RelatedTermsOption | undefined> {
  if (path === '') return undefined;
  const file = validateRelatedTermsFile(parseJson(await readInput(path), path), path);
  return { terms: file.terms, replaceBuiltin: file.replace_builtin ?? false };
}
