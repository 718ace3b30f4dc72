import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Runs an instrumented test app (test/e2e/apps/*.cjs) as a child process sending to `daemon`
 * (AWS_XRAY_DAEMON_ADDRESS), and resolves once it prints `listening PORT`.
 */
export function startApp(
  script: string,
  args: string[],
  daemon: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, AWS_XRAY_DAEMON_ADDRESS: daemon },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
  });
}
