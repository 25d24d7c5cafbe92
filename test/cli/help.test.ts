import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtCli } from '../support/processes';
import { COMMAND_HELP, UNDOCUMENTED } from '../../bin/commands/help';

function gige(...args: string[]) {
  return spawnSync(process.execPath, [builtCli(), ...args], { encoding: 'utf8', timeout: 30000 });
}

/** The commands `gige --help` lists: what a user can type. */
function listedCommands(): string[] {
  const { stdout } = gige('--help');
  return [...stdout.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]).filter((c, i, all) => all.indexOf(c) === i);
}

describe('cli: gige <command> --help', function () {
  this.timeout(60000);

  it('lists the same commands as the help table, and the table describes each', () => {
    const listed = listedCommands();
    assert.ok(listed.length >= 9, listed.join(' '));
    assert.deepEqual([...listed].sort(), Object.keys(COMMAND_HELP).sort());
  });

  for (const command of Object.keys(COMMAND_HELP)) {
    it(`${command} --help prints its usage and every option it accepts, described, and exits 0`, () => {
      const result = gige(command, '--help');
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, new RegExp(`^usage: gige ${command}`));
      assert.ok(
        !result.stdout.includes(UNDOCUMENTED),
        `an option of ${command} has no description in bin/commands/help.ts:\n${result.stdout}`,
      );
      for (const option of Object.keys(COMMAND_HELP[command].options)) {
        assert.match(result.stdout, new RegExp(`--${option}\\b`), `${command}: --${option}`);
      }
    });
  }

  it('-h and `gige help <command>` say the same; a real option after --help changes nothing', () => {
    const long = gige('grab', '--help').stdout;
    assert.equal(gige('grab', '-h').stdout, long);
    assert.equal(gige('help', 'grab').stdout, long);
    // --help wins before any check of the other arguments: no address needed, nothing contacted.
    assert.equal(gige('grab', '-a', '127.0.0.1', '--help').stdout, long);
  });
});
