// One `pid-port` lookup as a whole process, as a script using it would run:
// node bench/who/pid-port.mjs PORT → prints the pid.
import { portToPid } from 'pid-port';

const pid = await portToPid(Number(process.argv[2]));
process.stdout.write(`${pid ?? ''}\n`);
