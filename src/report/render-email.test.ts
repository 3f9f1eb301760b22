import { describe, expect, it } from 'vitest';
import type { DigestModel } from './digest-model.ts';
import { escapeHtml } from './format.ts';
import { mjmlToHtml } from './mjml.ts';
import { digestMjml, fillTemplate } from './render-email.ts';

// Sequences that String.replace with a string replacement interprets ($&, $`, $') and the
// template's own placeholders: data holding them must come out as the same text.
const hostile = ['@amp$&', '@pre$`', "@post$'", '@dollar$$', '@foot{{footer}}', '@body{{{body}}}', '@subj{{subject}}'];

function model(): DigestModel {
  return {
    period: '2025-W29',
    subject: 'Week 29: subject $& {{period}}',
    slice: { label: '', heading: '', note: null, tiles: [] },
    empty: false,
    notice: null,
    influencerSection: true,
    adSection: true,
    tiles: [{ label: 'ROAS', value: '3.3×', change: '▼0.8', good: false }],
    adTiles: [{ label: 'Ad ROI', value: '12%', change: '▲3%', good: true }],
    adBest: hostile.map((name) => ({ name: `${name}-ad`, channel: 'Facebook', roi: '40%', spend: '2,000', revenue: '2,800', cpa: '50' })),
    adSegments: hostile.map((label) => ({ label: `${label}-segment`, ads: '12', ctr: '1.50%', cpc: '0.40', cpa: '12', roi: '35%' })),
    adWorst: [],
    campaignsCsv: '',
    winners: hostile.map((name) => ({
      name,
      platform: 'Instagram',
      iroas: '2.0×',
      interval: '1.0–3.0',
      method: 'holdout',
      roas: '3.0×',
      revenue: '1,000',
      payout: '300',
    })),
    lossMakers: hostile.map((name) => ({
      name: `${name}-loss`,
      platform: 'Twitter',
      roas: '0.5×',
      iroas: '-0.1×',
      reasons: 'ROAS below 1',
      action: 'renegotiate $`',
      loss: '500',
    })),
    lossMakersTotal: hostile.length,
    insights: ["Insight $' with {{footer}}"],
    models: [],
    footer: 'FOOTER-MARK Last successful run: 2026-01-05 07:00 UTC.',
    leaderboardCsv: '',
    next: {
      tests: hostile.map((name) => ({
        name: `${name}-test`,
        now: 'iROAS 0.40×',
        users: '100 control · 300 exposed',
        weeks: '3 weeks',
        feasible: true,
        effect: 'sized for the current estimate',
      })),
      testsTotal: hostile.length,
      testsFeasible: hostile.length,
      moves: hostile.map((name) => ({
        from: `${name}-from`,
        to: `${name}-to`,
        returns: 'iROAS -1.00× → 2.00×',
        amount: '100',
        gain: '+300',
        interval: '',
      })),
      movesTotal: hostile.length,
      moneySummary: null,
    },
  };
}

describe('digest template filling', () => {
  it("defect 8: names holding $&, $`, $' or {{footer}} are shown as written and change nothing else", async () => {
    const html = await mjmlToHtml(digestMjml(model(), [], []));
    for (const name of hostile) {
      expect(html).toContain(escapeHtml(name));
      expect(html).toContain(escapeHtml(`${name}-loss`));
      expect(html).toContain(escapeHtml(`${name}-ad`));
      for (const suffix of ['-test', '-from', '-to']) expect(html).toContain(escapeHtml(`${name}${suffix}`));
    }
    expect(html).toContain(escapeHtml('Week 29: subject $& {{period}}'));
    expect(html).toContain(escapeHtml('Renegotiate $`'));
    // the footer appears once, where the template puts it; no placeholder was filled from data
    expect(html.split('FOOTER-MARK').length - 1).toBe(1);
    // the body is inserted once (a name holding {{{body}}} does not repeat it)
    expect(html.split('What the numbers say').length - 1).toBe(1);
  });

  it('defect 8: fillTemplate makes one pass and never rescans or interprets values', () => {
    const t = '<a>{{subject}}</a><b>{{footer}}</b>{{{body}}}';
    expect(fillTemplate(t, { '{{subject}}': "$& $` $' {{footer}}", '{{footer}}': 'F', '{{{body}}}': '{{subject}}$&' })).toBe(
      "<a>$& $` $' {{footer}}</a><b>F</b>{{subject}}$&",
    );
    expect(() => fillTemplate('{{missing}}', {})).toThrow(/no value for \{\{missing\}\}/);
  });
});
