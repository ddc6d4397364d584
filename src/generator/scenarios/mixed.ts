import type { ScenarioDef } from '../scenario.js';

export const MIXED_SCENARIOS: readonly ScenarioDef[] = [];
