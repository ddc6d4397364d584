import type { ScenarioDef } from '../scenario.js';

export const VIRTUAL_SCENARIOS: readonly ScenarioDef[] = [];
