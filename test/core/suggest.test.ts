import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closest,
  compactName,
  defaultMaxDistance,
  nameMatcher,
  normalizeName,
  rankByCloseness,
  sameExceptFormatting,
} from '../../src/core/kernel/suggest.js';

describe('normalizeName', () => {
  it.each([
    ['Hot Desk', 'hot desk'],
    ['  Hot-Desk   Pro! ', 'hot desk pro'],
    ['Société Générale', 'societe generale'],
    ['Cafe\u0301', 'cafe'],
    ['Müller & Söhne GmbH', 'muller sohne gmbh'],
    ['Straße', 'strasse'],
    ['Œuvre', 'oeuvre'],
    ['Łódź', 'lodz'],
    ['ＡＣＭＥ', 'acme'],
    ['\ufb01le', 'file'],
    ['O\u2019Brien', 'o brien'],
    ['Desk\u00a02', 'desk 2'],
    ['Été\t2026\n', 'ete 2026'],
    ['---', ''],
    ['', ''],
  ])('normalizes %j to %j', (text, expected) => {
    expect(normalizeName(text)).toBe(expected);
  });

  it('compacts names by dropping the spaces as well', () => {
    expect(compactName('Acme, Inc.')).toBe('acmeinc');
    expect(compactName('Co-working Space')).toBe('coworkingspace');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(normalizeName(normalizeName(text))).toBe(normalizeName(text));
      }),
    );
  });
});

describe('defaultMaxDistance', () => {
  it.each([
    [0, 1],
    [3, 1],
    [5, 1],
    [6, 2],
    [8, 2],
    [9, 3],
    [30, 10],
  ])('allows %i characters %i edits', (length, expected) => {
    expect(defaultMaxDistance(length)).toBe(expected);
  });
});

describe('closest', () => {
  const plans = ['Fixed Desk', 'Hot Desk', 'Private Office', 'Meeting Room Pack'];

  it.each([
    ['Hot desk ', 'Hot Desk'],
    ['HOT-DESK', 'Hot Desk'],
    ['hotdesk', 'Hot Desk'],
    ['Hot Dsek', 'Hot Desk'],
    ['Hot Dexx', 'Hot Desk'],
    ['Fixed Dsk', 'Fixed Desk'],
    ['Privat Ofice', 'Private Office'],
    ['Meeting Rooms Pack', 'Meeting Room Pack'],
  ])('suggests %j for %j', (input, expected) => {
    expect(closest(input, plans)).toBe(expected);
  });

  it.each(['Hot Dxxx', 'Gym', 'Desk', 'Office', '', '!!!'])('suggests nothing for %j', (input) => {
    expect(closest(input, plans)).toBeNull();
  });

  it('matches accents and punctuation before measuring distance', () => {
    expect(closest('Societe Generale', ['Societe Generali', 'Société Générale'])).toBe('Société Générale');
    expect(closest('Desk', ['Desks', 'DESK'])).toBe('DESK');
  });

  it('prefers an identical candidate to a normalized one', () => {
    expect(closest('hot desk', ['Hot Desk', 'hot desk'])).toBe('hot desk');
  });

  it('breaks ties by the order of the candidates', () => {
    expect(closest('Desk A', ['Desk B', 'Desk C'])).toBe('Desk B');
    expect(closest('Desk A', ['Desk C', 'Desk B'])).toBe('Desk C');
  });

  it('never suggests a name that shares nothing with the input', () => {
    expect(closest('A', ['B'])).toBeNull();
    expect(closest('A1', ['A2'])).toBe('A2');
  });

  it('honours maxDistance', () => {
    expect(closest('Hot Dsek', plans, { maxDistance: 1 })).toBeNull();
    expect(closest('Hot Dxxx', plans, { maxDistance: 3 })).toBe('Hot Desk');
    expect(closest('Flex', ['Flexible'], { maxDistance: 4 })).toBe('Flexible');
    expect(closest('hotdesk', plans, { maxDistance: 0 })).toBe('Hot Desk');
  });

  it('finds every candidate by its own name', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1 }), fc.nat(), (candidates, pick) => {
        const name = candidates[pick % candidates.length]!;
        fc.pre(compactName(name) !== '');
        expect(closest(name, candidates)).toBe(name);
      }),
    );
  });

  it('only ever returns one of the candidates', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (input, candidates) => {
        const result = closest(input, candidates);
        if (result !== null) expect(candidates).toContain(result);
      }),
    );
  });
});

describe('rankByCloseness', () => {
  const candidates = ['Hot Desk', 'Desks', 'DESK', 'Gym', 'Dusk'];

  it('lists close names, closest first, then in candidate order', () => {
    expect(rankByCloseness('Desk', candidates)).toEqual(['DESK', 'Desks', 'Dusk']);
    expect(rankByCloseness('Desk', candidates, 2)).toEqual(['DESK', 'Desks']);
    expect(rankByCloseness('Desk', candidates, 0)).toEqual([]);
    expect(rankByCloseness('Swimming pool', candidates)).toEqual([]);
  });

  it('starts with what closest returns', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (input, list) => {
        expect(rankByCloseness(input, list, 1)[0] ?? null).toBe(closest(input, list));
      }),
    );
  });
});

describe('nameMatcher', () => {
  it('answers like closest and rankByCloseness', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), fc.integer({ min: 0, max: 5 }), (input, list, limit) => {
        const matcher = nameMatcher(list);
        expect(matcher.closest(input)).toBe(closest(input, list));
        expect(matcher.rank(input, limit)).toEqual(rankByCloseness(input, list, limit));
      }),
    );
  });
});

describe('sameExceptFormatting', () => {
  it.each([
    ['ACME S.A.', 'Acme SA', true],
    ['Société Générale', 'Societe Generale', true],
    ['Hot Desk', 'HotDesk', true],
    ['Acme ', 'Acme', true],
    ['Acme', 'Acme', false],
    ['Acme', 'Acme Corp', false],
    ['Acme', 'Acne', false],
    ['!!', '??', false],
    ['', ' ', false],
  ])('%j and %j: %s', (a, b, expected) => {
    expect(sameExceptFormatting(a, b)).toBe(expected);
    expect(sameExceptFormatting(b, a)).toBe(expected);
  });

  it('holds for a name and its upper-case form when they differ', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const upper = name.toUpperCase();
        fc.pre(upper !== name && compactName(name) !== '' && compactName(upper) === compactName(name));
        expect(sameExceptFormatting(name, upper)).toBe(true);
      }),
    );
  });
});
