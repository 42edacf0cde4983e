import { stackFrames } from "../domain/errors.ts";

/**
 * The last line of defence for a long-running local process (`harness serve`, `harness start`): a
 * promise rejection nobody handled is logged instead of ending the process. Every loop handles its
 * own failures (the scheduler backs off, the bus and agents log); this only keeps an overlooked one
 * from taking the API down. Only the error's name, code and stack frames are logged: its message may
 * carry request data.
 */
export function logUnhandledRejections(log: (line: string) => void = (line) => console.error(line)): void {
  process.on("unhandledRejection", (reason) => {
    const err = reason instanceof Error ? reason : undefined;
    const frames = stackFrames(err).split("\n").filter(Boolean);
    log(
      JSON.stringify({
        level: "error",
        msg: "unhandled rejection (kept running)",
        error: err?.name ?? typeof reason,
        ...((err as NodeJS.ErrnoException | undefined)?.code
          ? { code: (err as NodeJS.ErrnoException).code }
          : {}),
        stack: frames.slice(0, 8).map((l) => l.trim()),
      }),
    );
  });
}
