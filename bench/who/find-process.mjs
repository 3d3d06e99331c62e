// One `find-process` lookup as a whole process, as a script using it would run:
// node bench/who/find-process.mjs PORT → prints the pids found, one a line.
import find from 'find-process';

const found = await find('port', Number(process.argv[2]));
process.stdout.write(found.map((p) => `${p.pid}\n`).join(''));
process.exitCode = found.length > 0 ? 0 : 1;
