#!/usr/bin/env node
// Runs the TypeScript entry point through tsx (the workspace's runner).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
