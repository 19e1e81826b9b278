import { ValidationError } from '../errors.js';
import { FinetuneRepo } from '../storage/finetune-repo.js';
import { readTextFile } from '../util/fs.js';
import type { Project } from './project.js';

export interface FinetuneAddResult {
  id: number;
  added: boolean;
  inputChars: number;
  outputChars: number;
}

/** Stores a hand-written pair (the input a model is sent, the answer it should give). */
export function finetuneAddUseCase(project: Project, o: { inputFile: string; outputFile: string }): FinetuneAddResult {
  const input = readTextFile(o.inputFile).trim();
  const output = readTextFile(o.outputFile).trim();
  for (const [name, text] of [
    ['<input-file>', input],
    ['<output-file>', output],
  ] as const)
    if (!text)
      throw new ValidationError(`${name}: the file is empty`, {
        hint: 'write the prompt in the input file and the answer you want in the output file',
      });
  const r = new FinetuneRepo(project.db()).addPair(input, output);
  return { ...r, inputChars: input.length, outputChars: output.length };
}
