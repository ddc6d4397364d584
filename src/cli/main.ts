#!/usr/bin/env node
// The `teamscope` program: a thin commander layer; each command lives in its own file and adds
// itself with `registerX(program)`. Usage errors become one line on stderr and exit code 2.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, reportError, runExitHooks, say, setExitCode } from './common.js';
import { registerAnalyze } from './analyze.js';
import { registerArp } from './arp.js';
import { registerDissect } from './dissect.js';
import { registerDistribution } from './distribution.js';
import { registerGenerate } from './generate.js';
import { registerHeartbeat } from './heartbeat.js';
import { registerInfo } from './info.js';
import { registerLacp } from './lacp.js';
import { registerLive } from './live.js';
import { registerReplay } from './replay.js';

/** The package version (package.json sits three levels above dist/src/cli/main.js). */
function version(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'teamscope' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

/** Apply the error handling of `program` to every (sub)command, however it was added. */
function configure(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({
    // Commander's own error text is printed by main() as one line; help goes to stdout as usual.
    outputError: () => undefined,
  });
  cmd.showSuggestionAfterError(true);
  for (const sub of cmd.commands) configure(sub);
}

/** Build the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('teamscope')
    .description('Packet-capture analyzer for NIC teaming (LBFO/LACP), gratuitous-ARP IP failover and cluster heartbeats.')
    .version(version(), '--version', 'print the version')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error, 3 unreadable input,
            4 partial (input damaged part-way; what was readable was processed),
            5 internal error or output that cannot be written.`,
    );
  configure(program); // before registering: commands made with program.command() inherit it
  // Commands, one file each (wired as they land).
  registerAnalyze(program);
  registerLacp(program);
  registerArp(program);
  registerHeartbeat(program);
  registerDistribution(program);
  registerDissect(program);
  registerInfo(program);
  registerLive(program);
  registerReplay(program);
  registerGenerate(program);
  configure(program); // again: commands added with addCommand() do not inherit
  return program;
}

/**
 * The reader of our output went away (`teamscope ... | head`): stop at once and quietly, as a C
 * tool killed by SIGPIPE would, whoever was writing (a command's Output, commander's help, a table).
 * What a command registered with onExit runs first (live --write saves its last buffered frames).
 */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      runExitHooks();
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    }
    say(`cannot write the output: ${err.message}`);
    runExitHooks();
    process.exit(ExitCode.INTERNAL);
  });
  process.stderr.on('error', () => undefined);
}

/** Run the program on `argv` (process.argv by default); resolves when the command is done. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  quietOnClosedPipe();
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.executeSubCommandAsync') {
        setExitCode(ExitCode.OK);
        return;
      }
      if (err.code === 'commander.help') {
        // `teamscope` with no command: the help went to stdout; that is a usage error.
        setExitCode(ExitCode.USAGE);
        return;
      }
      const hint = err.code === 'commander.unknownCommand' ? " (see 'teamscope --help')" : '';
      say(`${err.message.replace(/^error: /, '')}${hint}`);
      setExitCode(ExitCode.USAGE);
      return;
    }
    reportError(err);
  }
}

await main();
