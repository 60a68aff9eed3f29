import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// typedoc reads every package's sources: give it time on a loaded machine.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 180_000 } }));
