// Preloaded with `node --import`: when the process exits, writes its peak resident memory in bytes
// to the file SPB_PEAK_MEMORY_FILE names, so a test can bound what a run of the bin used.
import { writeFileSync } from 'node:fs';

const file = process.env.SPB_PEAK_MEMORY_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
