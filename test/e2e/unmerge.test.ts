import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';

describe.each(dialects)('members unmerge from the built CLI on %s', (dialect) => {
  it('a merge shows its id; unmerge --dry-run shows what moves back, unmerge brings the person back, once', { timeout: 180_000 }, async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db, today: '2026-03-01' });
    for (const step of [
      ['plans', 'add', 'Hot Desk', '--price', '200'],
      ['members', 'add', '--name', 'Paul Martin', '--email', 'paul@example.org', '--tag', 'Newsletter'],
      ['members', 'add', '--name', 'P. Martin', '--email', 'pm@example.org', '--field', 'Source=fair', '--tag', 'Sport/Yoga'],
      ['memberships', 'add', 'pm@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01'],
      ['members', 'note', 'pm@example.org', 'met at the fair'],
    ]) {
      const result = await cli(step);
      expect(result.code, result.stderr).toBe(0);
    }

    const merged = await cli(['members', 'merge', 'paul@example.org', 'pm@example.org', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const { mergeId } = merged.json();
    expect(mergeId).toEqual(expect.any(Number));
    const history = await cli(['members', 'history', 'paul@example.org', '--json']);
    expect(history.json().find((h: { action: string }) => h.action === 'merge')).toMatchObject({ mergeId });

    const dry = await cli(['members', 'unmerge', String(mergeId), '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json()).toMatchObject({
      dryRun: true,
      mergeId,
      restored: { name: 'P. Martin', email: 'pm@example.org' },
      movedBack: { memberships: [expect.any(Number)], notes: [expect.any(Number)], tags: ['Sport/Yoga'], customFields: ['Source'] },
      keptLoses: { tags: ['Sport/Yoga'], customFields: ['Source'] },
    });
    expect((await cli(['members', 'show', 'pm@example.org'])).code).toBe(65);

    const undone = await cli(['members', 'unmerge', String(mergeId)]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stdout).toContain(`Undid merge ${mergeId}: #2 P. Martin from #1 Paul Martin again`);
    const [back, kept] = await Promise.all([cli(['members', 'show', 'pm@example.org', '--json']), cli(['members', 'show', 'paul@example.org', '--json'])]);
    expect(back.json()).toMatchObject({ id: 2, name: 'P. Martin', tags: ['Sport/Yoga'], customFields: { Source: 'fair' }, notes: [{ text: 'met at the fair' }], memberships: [{ plan: 'Hot Desk' }] });
    expect(kept.json()).toMatchObject({ tags: ['Newsletter'], customFields: {}, memberships: [] });
    expect(back.json().history.at(-1)).toMatchObject({ action: 'unmerge', mergeId });

    const again = await cli(['members', 'unmerge', String(mergeId)]);
    expect(again.code).toBe(65);
    expect(again.stderr).toContain(`cannot undo merge ${mergeId} (#2 P. Martin into #1): it was undone on`);
    const unknown = await cli(['members', 'unmerge', 'latest']);
    expect(unknown.code).toBe(64);
  });
});
