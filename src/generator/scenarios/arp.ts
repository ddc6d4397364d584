import type { ScenarioDef } from '../scenario.js';

export const ARP_SCENARIOS: readonly ScenarioDef[] = [];
