import { describe, expect, it } from 'vitest';
import {
  ALERT_FOOTER,
  ALERTS_LISTED,
  type AlertItem,
  alertGroups,
  alertSubject,
  alertWebhookContent,
  renderAlertHtml,
  renderAlertText,
} from './alert-email.ts';

const one: AlertItem = {
  kind: 'loss_maker',
  title: 'Loss-maker: <b>@ana</b> & co (Instagram)',
  evidence: ['ROAS 0.82×: revenue 41,000 on payout 50,000, 120 orders', 'Action: pause'],
};
const scope = { subscription: 'ig', slice: 'Instagram' };

describe('alert mail', () => {
  it('one alert: the title as subject, the evidence as lines, the subscription and where to look next', () => {
    expect(alertSubject([one])).toBe('Alert: Loss-maker: <b>@ana</b> & co (Instagram)');
    expect(renderAlertText([one], scope)).toBe(
      [
        'Alert: Loss-maker: <b>@ana</b> & co (Instagram)',
        '',
        '- ROAS 0.82×: revenue 41,000 on payout 50,000, 120 orders',
        '- Action: pause',
        '',
        'For subscription ig (Instagram).',
        ALERT_FOOTER,
        '',
      ].join('\n'),
    );
    expect(renderAlertText([one], { subscription: 'DIGEST_TO', slice: '' })).toContain('For the DIGEST_TO list.');
  });

  it('HTML: names escaped, light only, no images', () => {
    const html = renderAlertHtml([one], scope);
    expect(html).toContain('Alert: Loss-maker: &lt;b&gt;@ana&lt;/b&gt; &amp; co (Instagram)');
    expect(html).not.toContain('<b>@ana');
    expect(html).toContain('<meta name="color-scheme" content="light only">');
    expect(html).toContain('<li style="margin:2px 0">Action: pause</li>');
    expect(html).not.toMatch(/<img/);
  });

  it('several: a summary counting each kind, each alert under its title, at most 25 listed', () => {
    const many: AlertItem[] = [
      ...Array.from({ length: 27 }, (_, i) => ({ ...one, title: `Loss-maker: @c${i}` })),
      { kind: 'stale', title: 'No new data since 2026-11-15', evidence: [] },
    ];
    expect(alertSubject(many)).toBe('Alerts: 28 new (27 loss-makers, 1 stale data)');
    const text = renderAlertText(many, scope);
    expect(text).toContain('Loss-maker: @c0\n- ROAS 0.82×');
    expect(text).toContain(`Loss-maker: @c${ALERTS_LISTED - 1}\n`);
    expect(text).not.toContain(`Loss-maker: @c${ALERTS_LISTED}\n`);
    expect(text).toContain('And 3 more.');
    expect(renderAlertHtml(many, scope)).toContain('<p>And 3 more.</p>');
  });
});

describe('alertGroups', () => {
  it('up to three alerts go one message each; more go as one summary', () => {
    expect(alertGroups([])).toEqual([]);
    expect(alertGroups([1, 2, 3])).toEqual([[1], [2], [3]]);
    expect(alertGroups([1, 2, 3, 4])).toEqual([[1, 2, 3, 4]]);
  });
});

describe('alert webhook message', () => {
  it("one alert: Slack's header and the evidence as bullets, mrkdwn escaped", () => {
    expect(alertWebhookContent([one])).toEqual({
      text: 'Alert: Loss-maker: &lt;b&gt;@ana&lt;/b&gt; &amp; co (Instagram)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Alert: Loss-maker: <b>@ana</b> & co (Instagram)' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `• ROAS 0.82×: revenue 41,000 on payout 50,000, 120 orders\n• Action: pause\n• ${ALERT_FOOTER}`,
          },
        },
      ],
    });
  });

  it('several: the titles, counted past 25', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ...one, title: `T${i}` }));
    const text = (alertWebhookContent(many).blocks[1] as { text: { text: string } }).text.text;
    expect(text.split('\n')).toHaveLength(ALERTS_LISTED + 2);
    expect(text).toContain('• T24\n• And 5 more.');
  });
});
