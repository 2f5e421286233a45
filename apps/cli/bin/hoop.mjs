#!/usr/bin/env node
// Runs the TypeScript sources directly (the CLI ships as source inside the workspace).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
