/** A one-line progress bar for headless runs (redrawn in place on a TTY, one line per step otherwise). */
export function progressBar(out: NodeJS.WriteStream, total: number) {
  const width = 30;
  const tty = out.isTTY === true;
  return {
    update(done: number, note: string) {
      const filled = Math.round((done / total) * width);
      const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] day ${done}/${total}  ${note}`;
      out.write(tty ? `\r${line}` : `${line}\n`);
    },
    done() {
      if (tty) out.write("\n");
    },
  };
}
