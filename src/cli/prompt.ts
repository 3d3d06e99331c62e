/**
 * Yes/no questions on a terminal. Only called when stdin is a TTY; the
 * question goes to stderr so stdout stays clean for pipes.
 */
import { createInterface } from 'node:readline';

/** Asks a yes/no question on `output` (the CLI's stderr); anything but y/yes (Enter included) means no. */
export async function askYesNo(question: string, output: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${question} [y/N] `, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
