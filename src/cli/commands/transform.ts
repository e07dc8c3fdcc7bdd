import type { Command } from 'commander';

// Placeholder replaced by the transform stage's command.
export function registerTransform(_program: Command): void {}
