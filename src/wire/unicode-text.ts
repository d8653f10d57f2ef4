/**
 * What every string from outside must be before anything stores or analyses it: well-formed Unicode
 * (no lone surrogate, which a UTF-8 store turns into U+FFFD, so what is read back is not what was
 * sealed) and no U+0000 (PostgreSQL cannot store it; C strings end at it). Ids additionally have one
 * normal form (NFC), so "é" typed precomposed or decomposed names the same agent.
 */

/** The normal form ids are compared and stored in. */
export const ID_NORMAL_FORM = 'NFC';

/** An id as it is compared and stored: NFC. Everything that accepts an id from outside calls this. */
export function normalizeId(id: string): string {
  return id.normalize(ID_NORMAL_FORM);
}

/** Why a string is refused, or undefined when it is acceptable text. */
export function textProblem(text: string): string | undefined {
  const at = firstLoneSurrogate(text);
  if (at !== -1) {
    return `must be well-formed Unicode (a lone surrogate U+${text.charCodeAt(at).toString(16).toUpperCase()} at position ${at})`;
  }
  const nul = text.indexOf('\u0000');
  if (nul !== -1) return `must not contain U+0000 (at position ${nul})`;
  return undefined;
}

/** A string in a value that is not acceptable text: where it is (`bids[0].agent_id`) and why. */
export interface TextFault {
  readonly field: string;
  readonly problem: string;
}

/**
 * The first string in a parsed JSON value (object keys included) that textProblem refuses. Iterative,
 * so a deeply nested body cannot overflow the stack; linear in the value's size.
 */
export function findTextFault(value: unknown): TextFault | undefined {
  const stack: Array<{ value: unknown; field: string }> = [{ value, field: '' }];
  while (stack.length > 0) {
    const { value: current, field } = stack.pop() as { value: unknown; field: string };
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem !== undefined) return { field, problem };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], field: `${field}[${i}]` });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const keyProblem = textProblem(key);
        const name = keyProblem === undefined ? key : JSON.stringify(key);
        const childField = field === '' ? name : `${field}.${name}`;
        if (keyProblem !== undefined) return { field: childField, problem: `its name ${keyProblem}` };
        stack.push({ value: child, field: childField });
      }
    }
  }
  return undefined;
}

/** Where the first unpaired UTF-16 surrogate is, -1 when there is none. */
function firstLoneSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}
