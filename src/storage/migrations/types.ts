export interface Migration {
  /** Unique id; see HACKING.md for the ranges each module owns. */
  id: number;
  name: string;
  sql: string;
}
