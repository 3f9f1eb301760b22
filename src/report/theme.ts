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
  /** Footnotes and "no change" in the email: lighter than muted, still 4.9:1 on white (WCAG AA). */
  subtle: '#66727f',
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

/**
 * Charts are drawn phone-first. A chart's PNG shows at its own width or the screen's, whichever is
 * less, so on a 375 px phone its text shrinks by 375 / CHART_WIDTH. Drawn at 420 px with text of at
 * least 13 px, the smallest chart text reads 13 × 375 / 420 = 11.6 px there; in a 600 px mail pane
 * the chart shows at its full 420 px, its text beside the mail's own 14 px. (Drawn at the pane's
 * 560 px, 13 px text would shrink to 8.7 px on the phone; text large enough for the phone, 17 px,
 * would shout on a desktop.) Every single-view chart is fitted to this width, concatenated views sum to it.
 */
export const CHART_WIDTH = 420;
/** Chart text in CSS px at CHART_WIDTH: the title, and everything else (subtitles, axes, legends, labels). */
export const CHART_FONT = { title: 16, text: 13 } as const;
/** PNG pixels per CSS pixel: sharp text on high-density screens. */
export const CHART_SCALE = 2;
/** The narrowest screen the digest is laid out for, and the smallest chart text (CSS px) allowed on it. */
export const PHONE_WIDTH = 375;
export const MIN_PHONE_TEXT = 11;

/** Weeks in the digest's trend chart, and so the weeks of weekly KPIs the digest reads. */
export const TREND_WEEKS = 12;

/** Ad rows drawn in the ROI-against-CPC picture at most (a stable sample beyond: more dots add ink, not information). */
export const AD_POINTS_SHOWN = 1500;
