// Entry point of the `liandong` command.
import { cli, UsageError, usage } from "./cli.ts";

/** Exits once what was written has left: a pipe takes stdout asynchronously (a long --json). */
const exit = (code: number) => {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
};

cli(process.argv.slice(2)).then(exit, (err) => {
  process.stderr.write(`错误：${err instanceof UsageError ? err.message : String(err)}\n`);
  if (err instanceof UsageError) process.stderr.write(`\n${usage()}\n`);
  exit(2);
});
