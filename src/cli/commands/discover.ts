import type { Command } from 'commander';

// Placeholder replaced by the discover stage's command.
export function registerDiscover(_program: Command): void {}
