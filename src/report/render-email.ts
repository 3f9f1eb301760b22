import { readFileSync } from 'node:fs';
import type { DigestModel } from './digest-model.ts';
import { escapeHtml as esc } from './format.ts';
import { CHART_WIDTH, EMAIL_WIDTH, palette } from './theme.ts';

export interface InlineChart {
  cid: string;
  title: string;
  alt: string;
  width: number;
  height: number;
}
export interface OmittedChart {
  title: string;
  reason: string;
}

const templatePath = new URL('../../templates/digest.mjml', import.meta.url);

/** The template with theme.ts's colours and width filled in ({{palette.name}}, {{emailWidth}}). */
function themedTemplate(): string {
  return readFileSync(templatePath, 'utf8')
    .replaceAll('{{emailWidth}}', String(EMAIL_WIDTH))
    .replace(/\{\{palette\.(\w+)\}\}/g, (_, name: string) => {
      const colour = (palette as Record<string, unknown>)[name];
      if (typeof colour !== 'string') throw new Error(`templates/digest.mjml: no colour palette.${name} in report/theme.ts`);
      return colour;
    });
}

// mj-text sets its colour on an inner element, so a class on it cannot recolour the text.
const colors = { good: palette.good, bad: palette.bad, muted: palette.subtle };
const section = (inner: string, bg: string = palette.white) =>
  `<mj-section background-color="${bg}"><mj-column>${inner}</mj-column></mj-section>`;
const heading = (t: string) => `<mj-text font-size="16px" font-weight="bold" padding-bottom="0">${esc(t)}</mj-text>`;
const muted = (html: string) => `<br><span class="muted">${html}</span>`;
/** A label and its figure stay on one line ("lost 6,853,866", not "lost" above the number). */
const pair = (label: string, value: string) => `${esc(label)}&nbsp;${esc(value)}`;
/**
 * Handles never break inside (a column is as wide as its longest handle); only a name too
 * long for a phone may break anywhere. MJML's wrapper sets word-break:break-word, which lets
 * the table squeeze every column to one letter, so the cells set their own.
 */
const nameCell = (name: string) => (name.length > 20 ? `<span class="long-name">${esc(name)}</span>` : esc(name));
/** Three columns at most: readable at 600 px and at 375 px, where each row stays one row. */
const table = (head: string[], rows: string[][]) =>
  `<mj-table css-class="kpi-table" cellpadding="0" cellspacing="0" font-size="13px" line-height="18px"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === r.length - 1 ? `<td class="wide">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`)
    .join('')}</mj-table>`;
const tile = (t: DigestModel['tiles'][number]) =>
  `<mj-column><mj-text align="center" font-size="12px" color="${palette.muted}" padding="4px">${esc(t.label)}</mj-text><mj-text align="center" font-size="20px" font-weight="bold" padding="0 4px">${esc(t.value)}</mj-text><mj-text align="center" font-size="12px" padding="4px" color="${t.good === null ? colors.muted : t.good ? colors.good : colors.bad}">${esc(t.change || '–')}</mj-text></mj-column>`;

/** The line under a list of loss-makers cut at LOSS_MAKERS_SHOWN, or '' when all are listed. */
const notShown = (m: DigestModel) => {
  const more = m.lossMakersTotal - m.lossMakers.length;
  return more > 0
    ? `…and ${more.toLocaleString('en-US')} more with smaller losses: the attached leaderboard flags every loss-maker (is_loss_maker).`
    : '';
};

/**
 * The digest as MJML (src/report/mjml.ts makes it responsive HTML). Charts are referenced by CID;
 * the mail carries them inline.
 */
export function digestMjml(m: DigestModel, charts: InlineChart[], omitted: OmittedChart[]): string {
  const parts: string[] = [];
  if (m.empty) {
    parts.push(section(`${heading('No campaign data this week')}<mj-text>${keepWeeksWhole(esc(m.notice ?? ''))}</mj-text>`));
    return fillBody(m, parts);
  }
  // Two groups of two: four across on a desktop, a 2 × 2 grid on a phone (columns in a group never stack).
  const tiles = (ts: DigestModel['tiles']) =>
    `<mj-section background-color="${palette.white}">${[ts.slice(0, 2), ts.slice(2, 4)]
      .filter((g) => g.length)
      .map((g) => `<mj-group>${g.map(tile).join('')}</mj-group>`)
      .join('')}</mj-section>`;
  if (m.influencerSection) parts.push(tiles(m.tiles));
  if (m.slice.tiles.length) {
    const note = m.slice.note ? `<mj-text color="${colors.muted}" font-size="12px" padding-top="0">${esc(m.slice.note)}</mj-text>` : '';
    parts.push(section(`${heading(m.slice.heading)}${note}`), tiles(m.slice.tiles));
  }
  if (m.adSection) {
    // with influencers above, the ad tiles say what they are
    if (m.influencerSection) parts.push(section(heading('Ad campaigns this week')));
    parts.push(tiles(m.adTiles));
  }
  if (m.insights.length)
    parts.push(
      section(
        `${heading('What the numbers say')}<mj-text><ul style="padding-left:18px;margin:0">${m.insights.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></mj-text>`,
      ),
    );
  if (m.influencerSection) influencerTables(m, parts);
  if (m.adSection) {
    const adTable = (rows: DigestModel['adBest']) =>
      table(
        ['Campaign', 'ROI', 'Spend'],
        rows.map((c) => [
          `${nameCell(c.name)}${muted(esc(c.channel))}`,
          `<b>${esc(c.roi)}</b>${muted(pair('CPA', c.cpa))}`,
          `${esc(c.spend)}${muted(pair('revenue', c.revenue))}`,
        ]),
      );
    parts.push(
      section(
        `${heading('Best ad campaigns (by ROI)')}${
          m.adBest.length
            ? adTable(m.adBest)
            : `<mj-text color="${colors.muted}">No ad campaign above the minimum spend has a ROI yet (it needs revenue).</mj-text>`
        }${m.adWorst.length ? `${heading('Worst ad campaigns')}${adTable(m.adWorst)}` : ''}`,
      ),
    );
    // two columns, so a segment's label stays on one line on a phone
    if (m.adSegments.length)
      parts.push(
        section(
          `${heading('Ad segments (medians per ad row)')}${table(
            ['Segment', 'Medians'],
            m.adSegments.map((s) => [
              `${nameCell(s.label)}${muted(`${esc(s.ads)} ad rows`)}`,
              `<b>${pair('ROI', s.roi)}</b>${muted(`${pair('CTR', s.ctr)} · ${pair('CPC', s.cpc)} · ${pair('CPA', s.cpa)}`)}`,
            ]),
          )}`,
        ),
      );
  }
  parts.push(...nextStepSections(m));
  for (const c of charts) {
    // The chart draws its own title; the section adds none.
    parts.push(
      section(
        `<mj-image src="cid:${esc(c.cid)}" alt="${esc(c.alt)}" title="${esc(c.alt)}" width="${Math.min(c.width, CHART_WIDTH)}px" padding="8px 0" />`,
      ),
    );
  }
  if (omitted.length)
    parts.push(
      section(
        `<mj-text color="${colors.muted}" font-size="12px">${omitted.map((o) => `${esc(o.title)}: left out (${esc(o.reason)}).`).join('<br>')}</mj-text>`,
      ),
    );
  if (m.models.length)
    parts.push(
      section(
        `${heading('Models and segments')}<mj-text><ul style="padding-left:18px;margin:0">${m.models.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></mj-text>`,
      ),
    );
  return fillBody(m, parts);
}

/** The influencer sections: winners and loss-makers. */
function influencerTables(m: DigestModel, parts: string[]): void {
  parts.push(
    section(
      `${heading('Winners (by incremental ROAS)')}${
        m.winners.length
          ? table(
              ['Influencer', 'iROAS', 'Revenue'],
              m.winners.map((w) => [
                `${nameCell(w.name)}${muted(esc(w.platform))}`,
                `<b>${esc(w.iroas)}</b>${muted(esc(w.interval))}`,
                `${esc(w.revenue)}${muted(`${pair('paid', w.payout)} · ${pair('ROAS', w.roas)}`)}`,
              ]),
            )
          : `<mj-text color="${colors.muted}">No influencer above the minimum spend has an incremental ROAS yet.</mj-text>`
      }`,
    ),
  );
  const more = notShown(m);
  parts.push(
    section(
      `${heading(`Loss-makers (${m.lossMakersTotal})`)}${
        m.lossMakers.length
          ? table(
              ['Influencer', 'ROAS', 'Why, and what to do'],
              m.lossMakers.map((l) => [
                `${nameCell(l.name)}${muted(esc(l.platform))}${l.loss ? `<br><span class="bad">${pair('lost', l.loss)}</span>` : ''}`,
                `<b>${esc(l.roas)}</b>${muted(pair('iROAS', l.iroas))}`,
                `${esc(l.reasons)}<br><b>${esc(capitalise(l.action))}</b>`,
              ]),
            )
          : '<mj-text>None: every paid influencer returns at least what it costs.</mj-text>'
      }${more ? `<mj-text color="${colors.muted}">${esc(more)}</mj-text>` : ''}`,
    ),
  );
}

/** "2024-W10" must not break at its hyphen on a narrow screen. */
const keepWeeksWhole = (html: string) => html.replace(/\d{4}-W\d{2}/g, (w) => `<span style="white-space:nowrap">${w}</span>`);
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function fillBody(m: DigestModel, parts: string[]): string {
  return fillTemplate(themedTemplate(), {
    '{{{body}}}': parts.join('\n'),
    '{{subject}}': esc(m.subject),
    '{{preview}}': esc(m.insights[0] ?? m.notice ?? m.subject),
    '{{period}}': esc(m.period),
    '{{footer}}': esc(m.footer),
  });
}

/**
 * Fills a template's placeholders in one pass over the template. A value goes in as it is
 * (a replacer function, so `$&` or `$'` in it mean nothing) and is never scanned again (so a
 * name holding `{{footer}}` stays that text). A placeholder without a value is an error.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\{?[a-z]+\}?\}\}/g, (placeholder) => {
    if (!Object.hasOwn(values, placeholder)) throw new Error(`digest template: no value for ${placeholder}`);
    return values[placeholder]!;
  });
}

/** The plain-text alternative: the same content, for clients that do not show HTML. */
export function renderDigestText(m: DigestModel, omitted: OmittedChart[]): string {
  const lines = [m.subject, '='.repeat(Math.min(m.subject.length, 72)), ''];
  if (m.empty) {
    lines.push(m.notice ?? '', '', m.footer);
    return lines.join('\n');
  }
  if (m.influencerSection) for (const t of m.tiles) lines.push(`${t.label}: ${t.value}${t.change ? ` (${t.change})` : ''}`);
  if (m.slice.tiles.length) {
    lines.push('', m.slice.heading, ...(m.slice.note ? [`(${m.slice.note})`] : []));
    for (const t of m.slice.tiles) lines.push(`${t.label}: ${t.value}${t.change ? ` (${t.change})` : ''}`);
  }
  if (m.adSection) {
    if (m.influencerSection) lines.push('', 'Ad campaigns this week');
    for (const t of m.adTiles) lines.push(`${t.label}: ${t.value}${t.change ? ` (${t.change})` : ''}`);
  }
  if (m.insights.length) lines.push('', 'What the numbers say', ...m.insights.map((s) => `- ${s}`));
  if (m.influencerSection) {
    lines.push(
      '',
      'Winners (by incremental ROAS)',
      ...(m.winners.length
        ? m.winners.map(
            (w) => `- ${w.name} (${w.platform}): iROAS ${w.iroas}, ${w.interval}; revenue ${w.revenue}, paid ${w.payout}, ROAS ${w.roas}`,
          )
        : ['- none yet']),
    );
    lines.push(
      '',
      `Loss-makers (${m.lossMakersTotal})`,
      ...(m.lossMakers.length
        ? m.lossMakers.map(
            (l) =>
              `- ${l.name} (${l.platform}): ROAS ${l.roas}, iROAS ${l.iroas}${l.loss ? `, lost ${l.loss}` : ''}; ${l.reasons}. Action: ${l.action}`,
          )
        : ['- none']),
    );
    const more = notShown(m);
    if (more) lines.push(more);
  }
  if (m.adSection) {
    const adLine = (c: DigestModel['adBest'][number]) =>
      `- ${c.name} (${c.channel}): ROI ${c.roi}, CPA ${c.cpa}; spend ${c.spend}, revenue ${c.revenue}`;
    lines.push('', 'Best ad campaigns (by ROI)', ...(m.adBest.length ? m.adBest.map(adLine) : ['- none yet (a ROI needs revenue)']));
    if (m.adWorst.length) lines.push('', 'Worst ad campaigns', ...m.adWorst.map(adLine));
    if (m.adSegments.length)
      lines.push(
        '',
        'Ad segments (medians per ad row)',
        ...m.adSegments.map((s) => `- ${s.label}: ${s.ads} ad rows; ROI ${s.roi}, CTR ${s.ctr}, CPC ${s.cpc}, CPA ${s.cpa}`),
      );
  }
  lines.push(...nextStepLines(m));
  if (m.models.length) lines.push('', 'Models and segments', ...m.models.map((s) => `- ${s}`));
  if (omitted.length) lines.push('', ...omitted.map((o) => `(${o.title} left out: ${o.reason})`));
  const attached = [m.leaderboardCsv !== null ? 'the full leaderboard' : '', m.campaignsCsv !== null ? 'every ad campaign' : ''].filter(
    Boolean,
  );
  lines.push(
    '',
    m.footer,
    '',
    `Charts are in the HTML version${attached.length ? `; ${attached.join(' and ')} ${attached.length > 1 ? 'are' : 'is'} attached as CSV` : ''}.`,
  );
  return lines.join('\n');
}

/** Says how many rows a next-step table leaves out, or ''. */
const rest = (shown: number, total: number, where: string) =>
  total > shown ? `…and ${(total - shown).toLocaleString('en-US')} more in ${where}.` : '';

/** "Tests to run next" and "Where to move money": three columns each, like every table of the mail. */
function nextStepSections(m: DigestModel): string[] {
  const n = m.next;
  const out: string[] = [];
  if (n.testsTotal) {
    const more = rest(n.tests.length, n.testsTotal, 'mart.test_plans');
    out.push(
      section(
        `${heading(`Tests to run next (${n.testsTotal})`)}<mj-text color="${colors.muted}" font-size="12px">Creators whose holdout cannot yet tell a gain from a loss: a new test of this size settles it 4 times in 5 (80% power, two-sided 5% test). ${n.testsFeasible} of ${n.testsTotal} finish within 12 weeks at their current pace.</mj-text>${table(
          ['Creator', 'Users needed', 'Weeks'],
          n.tests.map((t) => [
            `${nameCell(t.name)}${muted(esc(t.now))}`,
            `${esc(t.users)}${muted(esc(t.effect))}`,
            t.feasible ? `<b>${esc(t.weeks)}</b>` : `<span class="bad">${esc(t.weeks)}</span>${muted('not feasible within 12&nbsp;weeks')}`,
          ]),
        )}${more ? `<mj-text color="${colors.muted}">${esc(more)}</mj-text>` : ''}`,
      ),
    );
  }
  if (n.movesTotal) {
    const more = rest(n.moves.length, n.movesTotal, 'mart.budget_moves');
    out.push(
      section(
        `${heading('Where to move money')}${table(
          ['From → to', 'Amount', 'Expected gain'],
          n.moves.map((v) => [
            `${nameCell(v.from)}&nbsp;→<br>${nameCell(v.to)}${muted(esc(v.returns))}`,
            esc(v.amount),
            `<b>${esc(v.gain)}</b>${v.interval ? muted(esc(v.interval)) : ''}`,
          ]),
        )}${n.moneySummary ? `<mj-text>${esc(n.moneySummary)}</mj-text>` : ''}${more ? `<mj-text color="${colors.muted}">${esc(more)}</mj-text>` : ''}`,
      ),
    );
  }
  return out;
}

function nextStepLines(m: DigestModel): string[] {
  const n = m.next;
  const lines: string[] = [];
  if (n.testsTotal) {
    lines.push(
      '',
      `Tests to run next (${n.testsTotal}; ${n.testsFeasible} feasible within 12 weeks)`,
      ...n.tests.map(
        (t) => `- ${t.name} (${t.now}): ${t.users}, ${t.weeks}${t.feasible ? '' : ' (not feasible within 12 weeks)'}; ${t.effect}`,
      ),
    );
    const more = rest(n.tests.length, n.testsTotal, 'mart.test_plans');
    if (more) lines.push(more);
  }
  if (n.movesTotal) {
    lines.push(
      '',
      'Where to move money',
      ...n.moves.map(
        (v) => `- ${v.from} → ${v.to} (${v.returns}): ${v.amount}, expected gain ${v.gain}${v.interval ? `, ${v.interval}` : ''}`,
      ),
    );
    if (n.moneySummary) lines.push(n.moneySummary);
    const more = rest(n.moves.length, n.movesTotal, 'mart.budget_moves');
    if (more) lines.push(more);
  }
  return lines;
}
