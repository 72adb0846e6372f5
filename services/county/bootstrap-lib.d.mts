// Types of bootstrap-lib.mjs for TypeScript callers: the bootstrap is plain JavaScript (it runs
// before `pnpm install`), and the workspace's tsconfig does not read JavaScript.

export declare const MIN_NODE: readonly [number, number, number];
export declare const MIN_NATS: readonly [number, number, number];
export declare function parseVersion(text: string): [number, number, number] | undefined;
export declare function parseNatsServerVersion(
  output: string,
): [number, number, number] | undefined;
export declare function atLeast(version: readonly number[], minimum: readonly number[]): boolean;
export declare function formatVersion(version: readonly number[]): string;
export declare function debianArch(nodeArch: string): string | undefined;
export declare function signedText(inRelease: string): string;
export declare function releaseSha256(inRelease: string, path: string): string | undefined;
export declare function parseStanzas(text: string): Record<string, string>[];
export declare function compareDebianVersions(a: string, b: string): number;
export declare function newestPackage(
  packages: string,
  name: string,
  arch: string,
): Record<string, string> | undefined;
