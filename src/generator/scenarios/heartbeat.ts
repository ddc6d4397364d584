import type { ScenarioDef } from '../scenario.js';

export const HEARTBEAT_SCENARIOS: readonly ScenarioDef[] = [];
