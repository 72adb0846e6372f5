// Entry point of the `liandong` command.
import { CommandFailed, cli, commandNames, UsageError } from "./cli.ts";

/** Exits once what was written has left: a pipe takes stdout asynchronously (a long --json). */
const exit = (code: number) => {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
};

const argv = process.argv.slice(2);
cli(argv).then(exit, (err) => {
  if (err instanceof UsageError) {
    // A pointer to the help of the command that was meant, never the whole of it.
    const named = argv.find((a) => !a.startsWith("-"));
    const help =
      named && commandNames().includes(named) ? `liandong ${named} --help` : "liandong --help";
    process.stderr.write(`错误：${err.message}\n（用法见 ${help}）\n`);
    exit(2);
  } else if (err instanceof CommandFailed) {
    process.stderr.write(`错误：${err.message}\n`);
    exit(3);
  } else {
    process.stderr.write(`错误：${err instanceof Error ? err.message : String(err)}\n`);
    exit(3);
  }
});
