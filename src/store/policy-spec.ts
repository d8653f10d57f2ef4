import type { PolicySpec } from '../policy/decision.js';

/*
 * A policy as both engines store it once, in their `policies` table: one JSON array of name, scorer,
 * the signals as [name, weight] pairs, and the threshold only when set (so the specs of policies
 * without one kept the form they had before thresholds existed). Both engines must write exactly this
 * text: a policy is looked up by it.
 */

export function policySpecText(policy: PolicySpec): string {
  const fields: unknown[] = [policy.name, policy.scorer, policy.signals.map((s) => [s.name, s.weight])];
  if (policy.minCapability !== undefined) fields.push(policy.minCapability);
  return JSON.stringify(fields);
}

export function policyFromSpecText(spec: string): PolicySpec {
  const [name, scorer, signals, minCapability] = JSON.parse(spec) as [
    string,
    string,
    [string, number][],
    number | undefined,
  ];
  return {
    name,
    scorer,
    signals: signals.map(([signalName, weight]) => ({ name: signalName, weight })),
    ...(minCapability === undefined ? {} : { minCapability }),
  };
}

/** What a record shows for a policy key its table does not hold (the file was edited). */
export function missingPolicy(key: number): PolicySpec {
  return { name: `?missing-policy-key-${key}`, scorer: '?', signals: [] };
}
