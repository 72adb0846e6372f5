// Entry point of the `liandong` command.
import { cli, UsageError, usage } from "./cli.ts";

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`错误：${err instanceof UsageError ? err.message : String(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${usage()}\n`);
    process.exit(2);
  },
);
