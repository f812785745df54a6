import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { renderTable } from '../output.js';

export function registerSettings(program: Command, action: Action): void {
  const settings = program.command('settings').description('organisation settings (currency, time zone, billing terms...)');

  examples(
    settings
      .command('list')
      .description('every setting with its value and default')
      .action(
        action(async (ctx) => {
          const { listSettings } = await import('../core/kernel/settings.js');
          const db = await ctx.db();
          const rows = await listSettings(db.kysely);
          ctx.out.result(Object.fromEntries(rows.map((r) => [r.key, r.value])), () =>
            renderTable(rows, [
              { header: 'key', value: (r) => r.key },
              { header: 'value', value: (r) => r.value },
              { header: 'default', value: (r) => (r.isDefault ? '(default)' : r.default) },
              { header: 'meaning', value: (r) => r.description },
            ]),
          );
        }),
      ),
    ['memberctl settings list', 'memberctl settings list --json'],
  );

  examples(
    settings
      .command('get')
      .argument('<key>', 'setting name')
      .description('print one setting')
      .action(
        action(async (ctx, key: string) => {
          const { listSettings, requireSettingKey } = await import('../core/kernel/settings.js');
          const name = requireSettingKey(key);
          const db = await ctx.db();
          const row = (await listSettings(db.kysely)).find((r) => r.key === name)!;
          ctx.out.result({ key: row.key, value: row.value, default: row.isDefault }, () => row.value);
        }),
      ),
    ['memberctl settings get currency'],
  );

  examples(
    settings
      .command('set')
      .argument('<key>', 'setting name')
      .argument('<value>', 'new value')
      .description('change a setting (validated; a bad value is refused with the allowed range)')
      .action(
        action(async (ctx, key: string, value: string) => {
          const { listSettings, requireSettingKey, setSetting } = await import('../core/kernel/settings.js');
          const { auditSource, recordAudit } = await import('../core/kernel/audit.js');
          const name = requireSettingKey(key);
          const db = await ctx.db();
          const source = auditSource(ctx.env);
          const stored = await db.kysely.transaction().execute(async (trx) => {
            const before = (await listSettings(trx)).find((r) => r.key === name)!.value;
            const after = await setSetting(trx, name, value, source.at);
            await recordAudit(trx, source, {
              action: 'update',
              entity: 'settings',
              entityId: name,
              before: { [name]: before },
              after: { [name]: after },
              summary: `setting ${name}: ${before} -> ${after}`,
            });
            return after;
          });
          ctx.out.result({ key: name, value: stored }, () => `${name} = ${stored}`);
        }),
      ),
    ['memberctl settings set currency CHF', 'memberctl settings set timezone Europe/Paris', 'memberctl settings set payment-terms-days 30'],
  );
}
