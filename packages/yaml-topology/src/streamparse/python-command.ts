import { spawn } from 'node:child_process';

/** The Python used at submit and in local mode: `SQUALL_PYTHON`, else `python3` on PATH. */
export function pythonExecutable(): string {
  return process.env.SQUALL_PYTHON || 'python3';
}

/** How a command ended, with its output. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command (argv, no shell), passing each line of its stdout and stderr to `onLine` as it comes.
 * Resolves with the exit code and output; rejects only when it cannot be started.
 */
export function runCommand(
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    const err: string[] = [];
    const lines = (sink: string[]) => {
      let partial = '';
      return (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        sink.push(text);
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) if (l.trim() !== '') options.onLine?.(l);
      };
    };
    child.stdout.on('data', lines(out));
    child.stderr.on('data', lines(err));
    child.on('error', (e) => reject(new Error(`cannot run ${argv[0]}: ${e.message}`)));
    child.on('close', (code) => resolve({ code, stdout: out.join(''), stderr: err.join('') }));
  });
}
