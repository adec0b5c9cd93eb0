import { writeFileSync as require_fs_write0 } from "node:fs"; const require_fs_write = (s: string) => require_fs_write0("/tmp/chr-main.txt", s);
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean);
const ctx = await chromium.launchPersistentContext(mkdtempSync('/tmp/pbchr-'), { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extra] });
for (let i = 0; i < 6; i++) { const p = await ctx.newPage(); await p.setContent('<p>hi</p><script>let x=0;for(let i=0;i<1e5;i++)x+=i</script>'); await p.evaluate(() => 1); if (i % 2) await p.close(); }
await new Promise((r) => setTimeout(r, 300));
const lines = execSync("ps -eo pid,args | grep '[c]hromium'").toString().split('\n').filter(Boolean);
const ticks = (pid: string) => { try { const r = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(r[11]) + Number(r[12])) / 100; } catch { return 0; } };
let webui = 0, webuiCpu = 0, all = 0;
for (const l of lines) { const pid = l.trim().split(' ')[0]!; const c = ticks(pid); all += c; if (l.includes('top-chrome-webui')) { webui++; webuiCpu += c; } }
const main = lines.find((l) => !l.includes('--type='))!;
require_fs_write(main);
console.log(`procs ${lines.length} webui ${webui} webuiCpu ${webuiCpu.toFixed(2)} allCpu ${all.toFixed(2)} features: ${(main.match(/--disable-features=\S+/g) ?? []).join(' | ').slice(0, 300)}`);
await ctx.close();
