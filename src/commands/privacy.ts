import type { Command } from 'commander';
import { type Action, examples, parseWholeNumber } from '../command-kit.js';
import type { Context } from '../context.js';
import type { PrivacyRunResult } from '../core/people/privacy.js';
import { usageError } from '../errors.js';
import { plural } from '../core/kernel/words.js';
import { escapeControls } from '../terminal-text.js';
import type { RunFlags } from './invoices.js';

/** "2 people anonymised (inactive since before 2020-03-10)", or null when nobody was. */
export function privacySummary(result: PrivacyRunResult): string | null {
  if (result.anonymised.length === 0) return null;
  return `${plural(result.anonymised.length, 'person', 'people')} anonymised (no activity since before ${result.cutoff})`;
}

/** The people anonymised (or that would be) and those kept, on stderr. */
export function reportPrivacyRun(ctx: Context, result: PrivacyRunResult): void {
  for (const p of result.anonymised) {
    ctx.out.info(`${result.dryRun ? 'Would anonymise' : 'Anonymised'} #${p.id}${p.name === null ? '' : ` ${escapeControls(p.name)}`} (last activity ${p.lastActivity}).`);
  }
  for (const k of result.kept) ctx.out.warn(`#${k.id} kept (last activity ${k.lastActivity}): ${k.reason}`);
}

export function registerPrivacy(program: Command, action: Action): void {
  const privacy = program.command('privacy').description('personal data: anonymise the people inactive for years');
  examples(
    privacy
      .command('run')
      .description('anonymise former members and contacts with no activity for N years (see `members anonymise`)')
      .option('--inactive-years <n>', 'years without activity (default: the retention-years setting)', parseWholeNumber('--inactive-years', 1, 100))
      .option('--dry-run', 'list who would be anonymised; write nothing')
      .option('--wait <seconds>', 'wait up to this long for another job to finish (default: exit 75 at once)', parseWholeNumber('--wait', 0, 86_400))
      .action(
        action(async (ctx, flags: RunFlags & { inactiveYears?: number }) => {
          const { getSetting } = await import('../core/kernel/settings.js');
          const { runPrivacy } = await import('../core/people/privacy.js');
          const { runLockedJob } = await import('./invoices.js');
          const db = await ctx.db();
          const setting = await getSetting(db.kysely, 'retention-years');
          const years = flags.inactiveYears ?? (setting === '' ? null : Number(setting));
          if (years === null) throw usageError('no --inactive-years and no retention-years setting: say after how many years without activity people are anonymised');
          const result = await runLockedJob(ctx, flags, 'privacy', (locked, options) =>
            runPrivacy(locked.kysely, { asOf: options.asOf, inactiveYears: years, dryRun: options.dryRun, source: options.source }),
          );
          reportPrivacyRun(ctx, result);
          const summary = privacySummary(result);
          ctx.out.result(result, () => null);
          if (summary === null) ctx.out.info(`Nobody to anonymise as of ${result.asOf}: no former member or contact without activity since before ${result.cutoff}.`);
          else ctx.out.info(result.dryRun ? `Dry run, nothing was written: ${summary} (would be).` : `${summary}.`);
        }),
      ),
    ['memberctl privacy run --inactive-years 3 --dry-run', 'memberctl settings set retention-years 3   # then `jobs run` includes it'],
  );
}
