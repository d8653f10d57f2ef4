import { type Static, Type } from '@sinclair/typebox';
import { compileValidator } from './validate.js';

/**
 * A user's related-terms file: `{"terms": {"tag": ["word", ...]}, "replace_builtin"?: false}`. By
 * default its entries are added to the built-in table (same tag: words appended); with
 * `replace_builtin: true` the built-in table is not used at all.
 */
export const RelatedTermsFileSchema = Type.Object(
  {
    terms: Type.Record(
      Type.String({ minLength: 1, maxLength: 200 }),
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 10_000 }),
    ),
    replace_builtin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RelatedTermsFile = Static<typeof RelatedTermsFileSchema>;

export const validateRelatedTermsFile = compileValidator(RelatedTermsFileSchema);
