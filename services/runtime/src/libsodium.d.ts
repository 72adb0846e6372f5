// libsodium-wrappers-sumo ships no types; ristretto-sodium.ts names the part it uses.
declare module "libsodium-wrappers-sumo";
