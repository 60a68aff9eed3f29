/**
 * The command table: each entry loads a module whose `register(program)` adds its commands.
 * A new command (or group) is one more line here.
 */
import type { Command } from 'commander';

/** A module of commands. */
export interface CommandModule {
  register(program: Command): void;
}

export const COMMANDS: readonly (() => Promise<CommandModule>)[] = [
  () => import('./inspect.js'),
  () => import('./dump.js'),
  () => import('./lifecycle.js'),
  () => import('../studio/command.js'),
];
