/**
 * The digest's look, defined once: the colours the email template (templates/digest.mjml, whose
 * {{palette.*}} placeholders render-email.ts fills), the HTML renderer and the chart specs use,
 * the widths, and how many weeks the trend shows (also the window digest-repo.ts reads).
 */
export const palette = {
  /** Body text. */
  ink: '#1f2933',
  /** Secondary text: axis labels, table heads, tile labels. */
  muted: '#52606d',
  /** Footnotes and "no change" in the email: lighter than muted. */
  subtle: '#7b8794',
  faint: '#9aa5b1',
  grid: '#e4e7eb',
  /** Axis lines and table rules. */
  domain: '#cbd2d9',
  /** The header band, revenue series, the darkest ROAS colour. */
  primary: '#0b3d91',
  /** Text on the primary band. */
  onPrimary: '#dce6f5',
  cost: '#d97706',
  bad: '#b42318',
  good: '#1a7f37',
  /** Behind the email's cards; also the heatmap's "no payout" cells. */
  page: '#f5f7fa',
  white: '#ffffff',
  categories: ['#0b3d91', '#d97706', '#1a7f37', '#7c3aed', '#0e7490', '#be185d', '#854d0e', '#b42318'],
} as const;

/** The email body's width in px. */
export const EMAIL_WIDTH = 600;
/** Every single-view chart is fitted to this: the email body less its side padding. */
export const CHART_WIDTH = EMAIL_WIDTH - 40;

/** Weeks in the digest's trend chart, and so the weeks of weekly KPIs the digest reads. */
export const TREND_WEEKS = 12;

/** Ad rows drawn in the ROI-against-CPC picture at most (a stable sample beyond: more dots add ink, not information). */
export const AD_POINTS_SHOWN = 1500;
