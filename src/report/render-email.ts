import { readFileSync } from 'node:fs';
import mjml2html from 'mjml';
import type { DigestModel } from './digest-model.ts';
import { escapeHtml as esc } from './format.ts';

export interface InlineChart { cid: string; title: string; alt: string; width: number; height: number }
export interface OmittedChart { title: string; reason: string }

const templatePath = new URL('../../templates/digest.mjml', import.meta.url);

const section = (inner: string, bg = '#ffffff') => `<mj-section background-color="${bg}"><mj-column>${inner}</mj-column></mj-section>`;
const heading = (t: string) => `<mj-text font-size="16px" font-weight="bold" padding-bottom="0">${esc(t)}</mj-text>`;
const table = (head: string[], rows: string[][]) =>
  `<mj-table css-class="kpi-table"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</mj-table>`;

/** MJML → responsive HTML. Charts are referenced by CID; the mail carries them inline. */
export async function renderDigestHtml(m: DigestModel, charts: InlineChart[], omitted: OmittedChart[]): Promise<string> {
  const parts: string[] = [];
  if (m.empty) {
    parts.push(section(`${heading('No campaign data this week')}<mj-text>No orders, posts or payouts were loaded for ${esc(m.period)}. Nothing is wrong with the report: the inbox simply had nothing for this week. The numbers below the line are all-time.</mj-text>`));
  } else {
    const tiles = m.tiles
      .map((t) => `<mj-column width="25%"><mj-text align="center" font-size="12px" color="#52606d" padding="4px">${esc(t.label)}</mj-text><mj-text align="center" font-size="20px" font-weight="bold" padding="0 4px">${esc(t.value)}</mj-text><mj-text align="center" font-size="12px" padding="4px" css-class="${t.good === null ? 'muted' : t.good ? 'good' : 'bad'}">${esc(t.change || '–')}</mj-text></mj-column>`)
      .join('');
    parts.push(`<mj-section background-color="#ffffff">${tiles}</mj-section>`);
  }
  if (m.insights.length) parts.push(section(`${heading('What the numbers say')}<mj-text><ul style="padding-left:18px;margin:0">${m.insights.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></mj-text>`));
  parts.push(section(`${heading('Winners (by incremental ROAS)')}${m.winners.length ? table(['Influencer', 'iROAS', 'ROAS', 'Revenue', 'Payout'], m.winners.map((w) => [`${esc(w.name)}<br><span class="muted">${esc(w.platform)}</span>`, `${esc(w.iroas)}<br><span class="muted">${esc(w.interval)}</span>`, esc(w.roas), esc(w.revenue), esc(w.payout)])) : '<mj-text css-class="muted">No influencer above the minimum spend has an incremental ROAS yet.</mj-text>'}`));
  parts.push(section(`${heading(`Loss-makers (${m.lossMakers.length})`)}${m.lossMakers.length ? table(['Influencer', 'ROAS', 'iROAS', 'Why', 'Do this'], m.lossMakers.map((l) => [`${esc(l.name)}<br><span class="muted">${esc(l.platform)}</span>`, esc(l.roas), esc(l.iroas), esc(l.reasons), `<b>${esc(l.action)}</b>`])) : '<mj-text>None: every paid influencer returns at least what it costs.</mj-text>'}`));
  for (const c of charts) {
    // The chart draws its own title; the section adds none.
    parts.push(section(`<mj-image src="cid:${esc(c.cid)}" alt="${esc(c.alt)}" title="${esc(c.alt)}" width="${Math.min(c.width, 560)}px" padding="8px 0" />`));
  }
  if (omitted.length) parts.push(section(`<mj-text css-class="muted" font-size="12px">${omitted.map((o) => `${esc(o.title)}: left out (${esc(o.reason)}).`).join('<br>')}</mj-text>`));
  if (m.models.length) parts.push(section(`${heading('Models and segments')}<mj-text><ul style="padding-left:18px;margin:0">${m.models.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></mj-text>`));
  const mjml = readFileSync(templatePath, 'utf8')
    .replace('{{{body}}}', parts.join('\n'))
    .replaceAll('{{subject}}', esc(m.subject))
    .replaceAll('{{preview}}', esc(m.insights[0] ?? m.subject))
    .replaceAll('{{period}}', esc(m.period))
    .replaceAll('{{footer}}', esc(m.footer));
  const out = await mjml2html(mjml, { validationLevel: 'strict' });
  if (out.errors?.length) throw new Error(`digest template is invalid MJML: ${out.errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('; ')}`);
  return out.html;
}

/** The plain-text alternative: the same content, for clients that do not show HTML. */
export function renderDigestText(m: DigestModel, omitted: OmittedChart[]): string {
  const lines = [m.subject, '='.repeat(Math.min(m.subject.length, 72)), ''];
  if (m.empty) lines.push(`No campaign data was loaded for ${m.period}.`, '');
  for (const t of m.tiles) lines.push(`${t.label}: ${t.value}${t.change ? ` (${t.change})` : ''}`);
  if (m.insights.length) lines.push('', 'What the numbers say', ...m.insights.map((s) => `- ${s}`));
  lines.push('', 'Winners (by incremental ROAS)', ...(m.winners.length ? m.winners.map((w) => `- ${w.name} (${w.platform}): iROAS ${w.iroas}, ${w.interval}; ROAS ${w.roas}; revenue ${w.revenue}, payout ${w.payout}`) : ['- none yet']));
  lines.push('', `Loss-makers (${m.lossMakers.length})`, ...(m.lossMakers.length ? m.lossMakers.map((l) => `- ${l.name} (${l.platform}): ROAS ${l.roas}, iROAS ${l.iroas}; ${l.reasons}. Action: ${l.action}`) : ['- none']));
  if (m.models.length) lines.push('', 'Models and segments', ...m.models.map((s) => `- ${s}`));
  if (omitted.length) lines.push('', ...omitted.map((o) => `(${o.title} left out: ${o.reason})`));
  lines.push('', m.footer, '', 'Charts are in the HTML version; the full leaderboard is attached as CSV.');
  return lines.join('\n');
}
