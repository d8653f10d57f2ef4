/**
 * The six built-in personas that the seed's routing engine registers (DESIGN.md), with their bid
 * strategy. `test/personas.test.ts` checks this table against ../shared/personas.json when present.
 */
export interface Persona {
  readonly personaId: string;
  readonly name: string;
  readonly role: string;
  readonly description: string;
  readonly capabilities: readonly string[];
  readonly keywords: readonly string[];
  readonly rateSats: number;
  /** Bid strategy of the demo swarm: a keyword match bids `bidBase` minus up to `bidJitter`. */
  readonly bidBase: number;
  readonly bidJitter: number;
}

export const PERSONAS: readonly Persona[] = Object.freeze([
  {
    personaId: 'echo',
    name: 'Echo',
    role: 'Research Analyst',
    description: 'Deep research and information synthesis. Reads, summarises, and cross-references sources.',
    capabilities: ['research', 'summarization', 'fact-checking'],
    keywords: [
      'research',
      'find',
      'search',
      'summarise',
      'summarize',
      'analyse',
      'analyze',
      'fact',
      'source',
      'read',
    ],
    rateSats: 50,
    bidBase: 35,
    bidJitter: 15,
  },
  {
    personaId: 'mace',
    name: 'Mace',
    role: 'Security Sentinel',
    description: 'Network security, threat assessment, and system hardening recommendations.',
    capabilities: ['security', 'monitoring', 'threat-analysis'],
    keywords: [
      'security',
      'threat',
      'vulnerability',
      'audit',
      'monitor',
      'harden',
      'firewall',
      'scan',
      'intrusion',
      'patch',
    ],
    rateSats: 75,
    bidBase: 55,
    bidJitter: 20,
  },
  {
    personaId: 'helm',
    name: 'Helm',
    role: 'System Navigator',
    description: 'Infrastructure management, deployment automation, and system configuration.',
    capabilities: ['devops', 'automation', 'configuration'],
    keywords: [
      'deploy',
      'infrastructure',
      'config',
      'docker',
      'kubernetes',
      'server',
      'automation',
      'pipeline',
      'ci',
      'cd',
    ],
    rateSats: 60,
    bidBase: 40,
    bidJitter: 20,
  },
  {
    personaId: 'seer',
    name: 'Seer',
    role: 'Data Oracle',
    description: 'Data analysis, pattern recognition, and predictive insights from local datasets.',
    capabilities: ['analytics', 'visualization', 'prediction'],
    keywords: [
      'data',
      'analyse',
      'analyze',
      'predict',
      'pattern',
      'chart',
      'graph',
      'report',
      'insight',
      'metric',
    ],
    rateSats: 65,
    bidBase: 45,
    bidJitter: 20,
  },
  {
    personaId: 'forge',
    name: 'Forge',
    role: 'Code Smith',
    description: 'Code generation, refactoring, debugging, and test writing.',
    capabilities: ['coding', 'debugging', 'testing'],
    keywords: ['code', 'function', 'bug', 'fix', 'refactor', 'test', 'implement', 'class', 'api', 'script'],
    rateSats: 55,
    bidBase: 38,
    bidJitter: 17,
  },
  {
    personaId: 'quill',
    name: 'Quill',
    role: 'Content Scribe',
    description: 'Long-form writing, editing, documentation, and content creation.',
    capabilities: ['writing', 'editing', 'documentation'],
    keywords: [
      'write',
      'draft',
      'document',
      'readme',
      'blog',
      'copy',
      'edit',
      'proofread',
      'content',
      'article',
    ],
    rateSats: 45,
    bidBase: 30,
    bidJitter: 15,
  },
]);
