import { main } from '../src/main';

/** Runs the CLI in-process, capturing what it prints. */
export async function eolab(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { write: (s: string) => (stdout += s) },
    { write: (s: string) => (stderr += s) },
  );
  return { code, stdout, stderr };
}
