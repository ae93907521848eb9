#!/usr/bin/env node
// The `grokscope` command. Dawn (npm `webgpu`) needs a Vulkan driver; on a machine
// without a GPU it can use chromium's SwiftShader, but the loader path must be in
// LD_LIBRARY_PATH before the process starts — so this launcher sets the environment
// the way scripts/with-dawn.sh does and runs src/cli/main.ts (through tsx) as a child.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
const sw = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasIcd = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'].some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')));
let hasLoader = false;
try {
  hasLoader = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libvulkan.so.1');
} catch {
  /* no ldconfig: assume no system loader */
}
if (!env.VK_ICD_FILENAMES && existsSync(sw) && !hasIcd) env.VK_ICD_FILENAMES = sw;
if (existsSync(sw) && !hasLoader) env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
env.XDG_RUNTIME_DIR ??= '/tmp';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, main, ...process.argv.slice(2)], { env, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
