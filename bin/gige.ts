#!/usr/bin/env node
/**
 * `gige` — GigE Vision from the command line: find cameras, read and write features, grab frames,
 * and run an emulated DMK 38GX541-a. Errors go to stderr with a non-zero exit status.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GigeError } from '../lib/errors';
import { usage, CommandContext } from './commands/common';
import { HelpRequested } from './commands/help';
import { discoverCommand } from './commands/discover';
import { infoCommand } from './commands/info';
import { featuresCommand } from './commands/features';
import { getCommand, setCommand, executeCommand } from './commands/get-set';
import { grabCommand } from './commands/grab';
import { emulateCommand } from './commands/emulate';
import { ioCommand } from './commands/io';
import { ipCommand } from './commands/ip';
import { packetSizeCommand } from './commands/packet-size';

const COMMANDS: Record<string, (args: string[], ctx: CommandContext) => Promise<number>> = {
  discover: discoverCommand,
  info: infoCommand,
  features: featuresCommand,
  get: getCommand,
  set: setCommand,
  execute: executeCommand,
  grab: grabCommand,
  emulate: emulateCommand,
  io: ioCommand,
  ip: ipCommand,
  'packet-size': packetSizeCommand,
};

/** The package's version; the nearest package.json above this file (bin/ under tsx, dist/bin/ built). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const ctx: CommandContext = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // `gige help grab` is `gige grab --help`.
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) return COMMANDS[rest[0]](['--help'], ctx);
    ctx.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    ctx.out(packageVersion());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.err(`gige: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    ctx.err(usage());
    return 2;
  }
  return command(rest, ctx);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof HelpRequested) {
      process.stdout.write(`${err.text}\n`);
      return;
    }
    const message = err instanceof GigeError ? `${err.message} [${err.code}]` : ((err as Error)?.message ?? String(err));
    process.stderr.write(`gige: ${message}\n`);
    process.exitCode = 1;
  },
);
