/** Prints one progress line on stderr (stdout stays free for the caller's data). */
export function progress(message: string): void {
  process.stderr.write(`[rehearsal] ${message}\n`);
}

/**
 * Runs a long step and reports it: a line when it starts and one with its duration when it ends,
 * so a slow CI run shows where the time went.
 */
export async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  progress(`${label} ...`);
  try {
    const result = await step();
    progress(`${label}: done in ${seconds(started)}`);
    return result;
  } catch (error) {
    progress(`${label}: FAILED after ${seconds(started)}`);
    throw error;
  }
}

/** Seconds elapsed since `started` (a Date.now() value), formatted like "12.3 s". */
export function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
