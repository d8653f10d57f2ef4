import { RouterError } from '../kernel/errors.js';
import { DEFAULT_POLICY, type PolicyConfig } from './policy.js';

/** How the default policy normalises bids (signals.ts: bid-received, bid-band, bid-rate). */
export const BID_NORMALISATIONS = ['received', 'band', 'rate'] as const;
export type BidNormalisation = (typeof BID_NORMALISATIONS)[number];

export interface DefaultPolicyOptions {
  /** Default `received`. */
  readonly bidNormalisation?: BidNormalisation;
  /** The "no suitable agent" threshold, 0..1 or `auto`; default DEFAULT_POLICY's (`auto`). */
  readonly minCapability?: number | 'auto';
}

/**
 * The default policy with the choices users can make from the CLI or the environment: its bid signal
 * swapped for another normalisation (same weight, same place) and its threshold moved. Options come
 * from the edges, so a bad value is `invalid_request`, not a TypeError.
 */
export function defaultPolicyWith(options: DefaultPolicyOptions): PolicyConfig {
  const { bidNormalisation, minCapability } = options;
  let policy = DEFAULT_POLICY;
  if (bidNormalisation !== undefined) {
    if (!(BID_NORMALISATIONS as readonly string[]).includes(bidNormalisation)) {
      throw new RouterError(
        'invalid_request',
        `unknown bid normalisation '${String(bidNormalisation)}' (known: ${BID_NORMALISATIONS.join(', ')})`,
        { details: { bidNormalisation } },
      );
    }
    policy = {
      ...policy,
      signals: policy.signals.map((s) =>
        s.name.startsWith('bid-') ? { ...s, name: `bid-${bidNormalisation}` } : s,
      ),
    };
  }
  if (minCapability !== undefined) {
    if (
      minCapability !== 'auto' &&
      !(typeof minCapability === 'number' && minCapability >= 0 && minCapability <= 1)
    ) {
      throw new RouterError(
        'invalid_request',
        `min_capability must be 'auto' or a number from 0 to 1, got ${String(minCapability)}`,
        { details: { field: 'min_capability' } },
      );
    }
    policy = { ...policy, minCapability };
  }
  return policy;
}
