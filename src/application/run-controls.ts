/** What every use case accepts besides the project and its options. */
export interface RunControls<Event = never> {
  /** Progress of long work (commands draw it; library users may ignore it). */
  onProgress?: (e: Event) => void;
  /** Stops the work cleanly; the use case then throws ABORTED saying what was kept. */
  signal?: AbortSignal;
  /** Side notes that must not fail the job (e.g. "experience not recorded: …"). */
  onNote?: (note: string) => void;
}
