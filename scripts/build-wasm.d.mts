/** hamming.wat compiled by wabt, base64. */
export function compileHamming(): Promise<string>;
/** The text of src/research/hamming-wasm.ts for a compiled module. */
export function renderModule(base64: string): string;
