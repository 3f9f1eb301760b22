import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { paramsOf, parseRunParams, runParams, stagesFromText } from './params.ts';

describe('run parameters', () => {
  it('default to every stage, in pipeline order whatever order they were asked in', () => {
    expect(parseRunParams({}).stages).toEqual(['ingest', 'kpis', 'alerts', 'models', 'clusters', 'digest']);
    expect(parseRunParams({ stages: ['digest', 'ingest'] }).stages).toEqual(['ingest', 'digest']);
    expect(parseRunParams({ stages: ['models', 'alerts', 'kpis'] }).stages).toEqual(['kpis', 'alerts', 'models']);
    expect(stagesFromText('kpis, ingest')).toEqual(['ingest', 'kpis']);
    expect(stagesFromText('pipeline')).toHaveLength(6);
  });

  it('refuse a week that does not exist, an unknown stage or field, naming each', () => {
    expect(() => parseRunParams({ period: '2026-W60' })).toThrow(
      new InputError('invalid run: period: period "2026-W60" does not exist (2026 has no week 60), or "latest"'),
    );
    expect(() => parseRunParams({ period: 'last week' })).toThrow(/period: period "last week" is not an ISO week/);
    expect(() => stagesFromText('ingest,cook')).toThrow(InputError);
    expect(() => parseRunParams({ stages: ['ingest'], rebuild: 'yes' })).toThrow(/rebuild: /);
    expect(() => parseRunParams({ colour: 'red' })).toThrow(/Unrecognized key/i);
    expect(parseRunParams({ period: 'latest' }).period).toBe('latest');
  });

  it('give each stage only its own parameters', () => {
    const run = parseRunParams({ inbox: '/in', rebuild: true, period: '2026-W46', to: ['a@b.co'] });
    expect(paramsOf('ingest', run)).toEqual({ inbox: '/in' });
    expect(paramsOf('kpis', run)).toEqual({ rebuild: true });
    expect(paramsOf('models', run)).toEqual({});
    expect(paramsOf('alerts', run)).toEqual({});
    expect(paramsOf('digest', run)).toEqual({ period: '2026-W46', to: ['a@b.co'] });
  });

  it('one schema for every entry point: the HTTP API picks from the same fields', () => {
    expect(Object.keys(runParams.shape).sort()).toEqual([
      'inbox',
      'period',
      'preview',
      'rebuild',
      'resend',
      'stages',
      'subscription',
      'timezone',
      'to',
    ]);
  });
});
